"""The poll hub: ``poll(2)``, for systems without epoll or kqueue."""

from __future__ import annotations

import math
import select
from collections.abc import Callable

from eventlet.hubs.hub import BaseHub

__all__ = ["Hub", "is_available"]

_POLLIN = getattr(select, "POLLIN", 0x001)
_POLLPRI = getattr(select, "POLLPRI", 0x002)
_POLLOUT = getattr(select, "POLLOUT", 0x004)
_POLLERR = getattr(select, "POLLERR", 0x008)
_POLLHUP = getattr(select, "POLLHUP", 0x010)
_POLLNVAL = getattr(select, "POLLNVAL", 0x020)
_READABLE = _POLLIN | _POLLPRI | _POLLERR | _POLLHUP
_WRITABLE = _POLLOUT | _POLLERR | _POLLHUP


def is_available() -> bool:
    """True where the OS has poll."""
    return hasattr(select, "poll")


class Hub(BaseHub):
    """A hub that waits with ``poll(2)``."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        if not is_available():
            raise RuntimeError("the poll hub needs select.poll, which this system lacks")
        super().__init__(clock)

    def _poller_open(self) -> None:
        self.poll = select.poll()
        self._masks: dict[int, int] = {}

    def _poller_set(self, fileno: int, read: bool, write: bool) -> None:
        mask = (_POLLIN | _POLLPRI if read else 0) | (_POLLOUT if write else 0)
        if mask == self._masks.get(fileno, 0):
            return
        if mask:
            self.poll.register(fileno, mask)  # poll's register also modifies
            self._masks[fileno] = mask
        else:
            del self._masks[fileno]
            try:
                self.poll.unregister(fileno)
            except KeyError:
                pass

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for I/O and wake the listeners of ready descriptors."""
        # poll counts milliseconds; round up so a timer due in 0.3 ms is not a busy loop.
        events = self.poll.poll(math.ceil(seconds * 1000.0))
        self._waiting_in_os = False  # awake: wake-ups from here on need no wake-up write
        fire = self._fire
        for fileno, mask in events:
            if mask & _POLLNVAL:
                self._fire_bad(fileno)
            else:
                fire(fileno, mask & _READABLE, mask & _WRITABLE)
