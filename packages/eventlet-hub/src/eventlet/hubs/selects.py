"""The select hub: ``select(2)``, available everywhere, limited to FD_SETSIZE descriptors."""

from __future__ import annotations

import errno
import select
from collections.abc import Callable

from eventlet.hubs.hub import BaseHub

__all__ = ["Hub", "is_available"]


def is_available() -> bool:
    """True: every OS Python runs on has select."""
    return True


class Hub(BaseHub):
    """A hub that waits with ``select(2)``."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        super().__init__(clock)

    def _poller_open(self) -> None:
        self._readers: set[int] = set()
        self._writers: set[int] = set()

    def _poller_set(self, fileno: int, read: bool, write: bool) -> None:
        (self._readers.add if read else self._readers.discard)(fileno)
        (self._writers.add if write else self._writers.discard)(fileno)

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for I/O and wake the listeners of ready descriptors."""
        try:
            readable, writable, _ = select.select(self._readers, self._writers, (), seconds)
        except ValueError as exc:
            raise ValueError(
                f"the selects hub cannot watch descriptors at or above FD_SETSIZE ({exc}); "
                "use the epolls or poll hub"
            ) from exc
        except OSError as exc:
            if exc.errno != errno.EBADF:
                raise
            self._drop_bad_descriptors()
            return
        self._waiting_in_os = False  # awake: wake-ups from here on need no wake-up write
        writable_set = set(writable)
        for fileno in readable:
            self._fire(fileno, True, fileno in writable_set)
            writable_set.discard(fileno)
        for fileno in writable_set:
            self._fire(fileno, False, True)

    def _drop_bad_descriptors(self) -> None:
        """Find the descriptors select refused; their waiters get IOClosed."""
        for fileno in list(self._readers | self._writers):
            try:
                select.select([fileno], [], [], 0)
            except (OSError, ValueError):
                self._readers.discard(fileno)
                self._writers.discard(fileno)
                self._fire_bad(fileno)
