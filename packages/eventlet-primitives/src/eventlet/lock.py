"""A green :class:`Lock` with the semantics of :class:`threading.Lock`."""

from __future__ import annotations

from eventlet.semaphore import Semaphore

__all__ = ["Lock"]


class Lock(Semaphore):
    """A mutual-exclusion lock for green threads, a drop-in for :class:`threading.Lock`.

    Any green thread may release it (it has no owner). Releasing it while unlocked raises
    RuntimeError. Waiters get the lock in the order they asked for it. A context manager.
    """

    _where = "Lock.acquire()"

    def __init__(self) -> None:
        super().__init__(1)

    def acquire(self, blocking: bool = True, timeout: float | None = -1) -> bool:
        """Lock it; return True once locked.

        If it is locked: with ``blocking`` false return False at once; otherwise wait, at
        most ``timeout`` seconds unless it is -1 or None, and return False if it passes.
        """
        return Semaphore.acquire(self, blocking, timeout)

    def release(self, blocking: bool = True) -> bool:
        """Unlock it, handing it to the first waiter if any; return True.

        Raises RuntimeError if it is not locked. ``blocking`` is ignored.
        """
        if self.counter > 0:
            raise RuntimeError("release unlocked lock")
        self._add(1)
        return True

    def _at_fork_reinit(self) -> None:
        # threading calls this in a forked child: the waiters were parent green threads.
        self.counter = 1
        self._waiters.clear()
