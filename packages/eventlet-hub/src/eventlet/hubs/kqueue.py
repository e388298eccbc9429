"""The kqueue hub: the default on BSD and macOS."""

from __future__ import annotations

import errno
import select
from collections.abc import Callable

from eventlet.hubs.hub import BaseHub

__all__ = ["Hub", "is_available"]


def is_available() -> bool:
    """True where the OS has kqueue (BSD, macOS)."""
    return hasattr(select, "kqueue")


class Hub(BaseHub):
    """A hub that waits with ``kevent``."""

    MAX_EVENTS = 1000

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        if not is_available():
            raise RuntimeError(
                "the kqueue hub needs select.kqueue, which this system lacks (BSD and macOS "
                "only); use the default hub, or EVENTLET_HUB=epolls, poll or selects"
            )
        super().__init__(clock)

    def _poller_open(self) -> None:
        self.kqueue = select.kqueue()
        self._filters: dict[int, tuple[bool, bool]] = {}

    def _poller_reopen(self) -> None:
        # A kqueue is not inherited by a forked child; open a new one and register again.
        self._poller_open()

    def _poller_set(self, fileno: int, read: bool, write: bool) -> None:
        old_read, old_write = self._filters.get(fileno, (False, False))
        changes = []
        if read != old_read:
            flag = select.KQ_EV_ADD if read else select.KQ_EV_DELETE
            changes.append(select.kevent(fileno, select.KQ_FILTER_READ, flag))
        if write != old_write:
            flag = select.KQ_EV_ADD if write else select.KQ_EV_DELETE
            changes.append(select.kevent(fileno, select.KQ_FILTER_WRITE, flag))
        if read or write:
            self._filters[fileno] = (read, write)
        else:
            self._filters.pop(fileno, None)
        if changes:
            try:
                self.kqueue.control(changes, 0, 0)
            except OSError as exc:
                # Deleting filters of a number closed behind the hub's back: kqueue dropped
                # them with the descriptor (it keys them by number, so no stale filter stays
                # behind to report, unlike epoll).
                if read or write or exc.errno not in (errno.ENOENT, errno.EBADF):
                    raise

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for I/O and wake the listeners of ready descriptors."""
        events = self.kqueue.control(None, self.MAX_EVENTS, seconds)
        self._waiting_in_os = False  # awake: wake-ups from here on need no wake-up write
        for event in events:
            fileno = event.ident
            if event.flags & select.KQ_EV_ERROR:
                self._fire_bad(fileno)
            elif event.filter == select.KQ_FILTER_READ:
                self._fire(fileno, True, False)
            elif event.filter == select.KQ_FILTER_WRITE:
                self._fire(fileno, False, True)

    def close(self) -> None:
        """Release the kqueue and the wake-up descriptor."""
        if hasattr(self, "kqueue"):
            self.kqueue.close()
        super().close()
