"""The epoll hub: the default on Linux."""

from __future__ import annotations

import errno
import select
from collections.abc import Callable

from eventlet.hubs.hub import BaseHub

__all__ = ["Hub", "is_available"]

_EPOLLIN = getattr(select, "EPOLLIN", 0x001)
_EPOLLPRI = getattr(select, "EPOLLPRI", 0x002)
_EPOLLOUT = getattr(select, "EPOLLOUT", 0x004)
_EPOLLERR = getattr(select, "EPOLLERR", 0x008)
_EPOLLHUP = getattr(select, "EPOLLHUP", 0x010)
# An error or hang-up wakes both sides: the next system call reports what happened.
_READABLE = _EPOLLIN | _EPOLLPRI | _EPOLLERR | _EPOLLHUP
_WRITABLE = _EPOLLOUT | _EPOLLERR | _EPOLLHUP


def is_available() -> bool:
    """True where the OS has epoll (Linux)."""
    return hasattr(select, "epoll")


class Hub(BaseHub):
    """A hub that waits with ``epoll_wait`` (level-triggered)."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        if not is_available():
            raise RuntimeError(
                "the epolls hub needs select.epoll, which this system lacks (Linux only)"
            )
        super().__init__(clock)

    def _poller_open(self) -> None:
        self.poll = select.epoll()
        self._masks: dict[int, int] = {}

    def _poller_reopen(self) -> None:
        self.poll.close()
        self._poller_open()

    def _poller_set(self, fileno: int, read: bool, write: bool) -> None:
        mask = (_EPOLLIN | _EPOLLPRI if read else 0) | (_EPOLLOUT if write else 0)
        old = self._masks.get(fileno, 0)
        if mask == old:
            return
        if not mask:
            del self._masks[fileno]
            try:
                self.poll.unregister(fileno)
            except OSError as exc:
                if exc.errno not in (errno.ENOENT, errno.EBADF):
                    raise
            return
        try:
            if old:
                self.poll.modify(fileno, mask)
            else:
                self.poll.register(fileno, mask)
        except FileExistsError:  # registered by a file closed without telling the hub
            self.poll.modify(fileno, mask)
        except FileNotFoundError:  # the kernel dropped a closed file's registration
            self.poll.register(fileno, mask)
        self._masks[fileno] = mask

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for I/O and wake the listeners of ready descriptors."""
        events = self.poll.poll(seconds)
        self._waiting_in_os = False  # awake: wake-ups from here on need no wake-up write
        fire = self._fire
        readable = _READABLE
        writable = _WRITABLE
        for fileno, mask in events:
            fire(fileno, mask & readable, mask & writable)

    def close(self) -> None:
        """Release the epoll object and the wake-up descriptor."""
        if hasattr(self, "poll"):
            self.poll.close()
        super().close()
