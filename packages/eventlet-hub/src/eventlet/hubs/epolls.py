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
# What epoll_ctl answers for a number whose registration went stale: closed (EBADF), not
# registered under the file now open with that number (ENOENT), or a file epoll refuses
# (EPERM: the number now names a regular file).
_STALE = (errno.EBADF, errno.ENOENT, errno.EPERM)


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
        self.rebuilds = 0  # how often a stale registration made the epoll set start afresh

    def _poller_reopen(self) -> None:
        self.poll.close()
        self._poller_open()

    def _poller_set(self, fileno: int, read: bool, write: bool) -> None:
        mask = (_EPOLLIN | _EPOLLPRI if read else 0) | (_EPOLLOUT if write else 0)
        old = self._masks.get(fileno, 0)
        if mask == old:
            return
        poll = self.poll
        try:
            if not mask:
                poll.unregister(fileno)
                del self._masks[fileno]
                return
            if old:
                poll.modify(fileno, mask)
            else:
                poll.register(fileno, mask)
        except FileExistsError:  # registered already, by this very file: the hub lost track
            poll.modify(fileno, mask)
        except OSError as exc:
            if not old or exc.errno not in _STALE:
                raise  # a new registration refused: EBADF, EPERM (a regular file), ...
            # What we registered under this number was closed behind the hub's back. epoll
            # keys registrations by open file, not by number: if a duplicate (dup(), a
            # forked child) keeps that file open, epoll goes on reporting it under this
            # number and nothing can remove it. Start a fresh epoll set without it.
            del self._masks[fileno]
            self._rebuild()
            if mask:
                poll = self.poll
                try:
                    poll.register(fileno, mask)
                except FileExistsError:
                    poll.modify(fileno, mask)
        if mask:
            self._masks[fileno] = mask

    def _rebuild(self) -> None:
        """Replace the epoll set by a new one holding exactly what the hub watches.

        Registrations epoll keeps for files closed behind the hub's back go with the old
        set; a watched number that is no longer open is reported to its waiters as closed.
        """
        old, self.poll = self.poll, select.epoll()
        old.close()
        self.rebuilds += 1
        bad = []
        for fileno, mask in list(self._masks.items()):
            try:
                self.poll.register(fileno, mask)
            except OSError:
                del self._masks[fileno]
                bad.append(fileno)
        for fileno in bad:
            self._fire_bad(fileno)

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
