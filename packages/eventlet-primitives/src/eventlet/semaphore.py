"""Semaphores for green threads: :class:`Semaphore`, :class:`BoundedSemaphore` and
:class:`CappedSemaphore`.

Blocked acquirers wait in FIFO order. A release hands its permit straight to the first
waiter (woken through the hub's run queue), so a green thread arriving later cannot take
the permit first. If a waiter is killed or times out before it resumes, the permit it was
handed passes on to the next waiter: permits are never lost.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections import deque
from types import TracebackType
from typing import Any

from greenlet import getcurrent

from eventlet.hubs import get_hub
from eventlet.hubs._park import NOT_SERVED, park, wake, wake_soon, withdraw

__all__ = ["Semaphore", "BoundedSemaphore", "CappedSemaphore"]


def _check_count(value: Any, what: str) -> int:
    """Return ``value`` as an int >= 0, or raise naming ``what`` was wrong.

    Floats (any real number) are accepted and truncated with int(), as upstream Eventlet
    does; booleans and non-numbers are refused.
    """
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number, not 'bool'")
    try:
        number = operator.index(value)
    except TypeError:
        if not isinstance(value, numbers.Real):
            raise TypeError(f"{what} must be a number, not {type(value).__name__!r}") from None
        if value != value or value in (math.inf, -math.inf):
            raise ValueError(f"{what} must be a finite number, not {value!r}") from None
        number = int(float(value))
    if number < 0:
        raise ValueError(f"{what} must be >= 0, not {value!r}")
    return number


def _check_timeout(timeout: Any, blocking: bool) -> float | None:
    """Validate an ``acquire()`` timeout; return seconds, or None for no limit.

    -1 means no limit, as in :meth:`threading.Lock.acquire`.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number or None, not {type(timeout).__name__!r}")
    if timeout == -1:
        return None
    if not blocking:
        raise ValueError("can't specify a timeout for a non-blocking acquire")
    if timeout != timeout:
        raise ValueError("timeout must be a number, not NaN")
    if timeout < 0:
        raise ValueError(f"timeout must be positive (or -1 or None for no limit), not {timeout}")
    return timeout


class Semaphore:
    """An unbounded semaphore, API-compatible with :class:`threading.Semaphore`.

    ``value`` (default 1) is the number of permits available at first. :meth:`acquire`
    takes a permit, suspending the green thread while there is none; :meth:`release`
    gives one back. Use it as a context manager::

        sem = Semaphore(2)
        with sem:
            do_some_stuff()

    ``sem.acquire(timeout=0.1)`` returns False if no permit came within 0.1 seconds.
    """

    def __init__(self, value: float = 1) -> None:
        self.counter: int = _check_count(value, "Semaphore value")
        # Each blocked acquirer is a list [greenlet, hub, run-queue entry or None]; the entry
        # is set when a permit is handed to it.
        self._waiters: deque[list[Any]] = deque()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} at {id(self):#x} counter={self.counter} "
            f"waiters={len(self._waiters)}>"
        )

    def locked(self) -> bool:
        """True if a call to :meth:`acquire` would block."""
        return self.counter <= 0

    def bounded(self) -> bool:
        """Always False: :meth:`release` never blocks (for consistency with CappedSemaphore)."""
        return False

    @property
    def balance(self) -> int:
        """Permits available minus green threads blocked in :meth:`acquire`.

        Positive: how many acquires can happen before one blocks. Negative: how many
        releases are needed before the counter gets back to zero.
        """
        return self.counter - len(self._waiters)

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take a permit; return True once taken.

        If none is available: with ``blocking`` false, return False at once; otherwise wait,
        at most ``timeout`` seconds if given (then return False). Waiters are served first
        come, first served. A timeout with ``blocking=False`` raises ValueError.
        """
        if timeout is not None:
            timeout = _check_timeout(timeout, blocking)
        if self.counter > 0:
            self.counter -= 1
            return True
        if not blocking or timeout == 0:
            return False
        return self._wait(timeout)

    def _wait(self, timeout: float | None) -> bool:
        hub = get_hub()
        waiter = [getcurrent(), hub, None]
        self._waiters.append(waiter)
        timer = None
        if timeout is not None:
            timer = hub.schedule_call_global(timeout, self._expire, waiter)
        try:
            return park(hub, self._where)
        except BaseException:
            self._abandon(waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    _where = "Semaphore.acquire()"  # names the call in UnexpectedWakeup messages

    def _expire(self, waiter: list[Any]) -> None:
        # Runs in the hub. A waiter already handed a permit keeps it: it is on its way.
        if waiter[2] is None:
            self._waiters.remove(waiter)
            wake(waiter[0], False)

    def _abandon(self, waiter: list[Any]) -> None:
        """The waiter leaves on an exception (a kill, a Timeout): undo its registration."""
        if withdraw(waiter) is NOT_SERVED:
            self._waiters.remove(waiter)
        else:
            # Handed a permit it never received: pass the permit on.
            self._add(1)

    def _add(self, permits: int) -> None:
        """Add ``permits`` (may be negative) and hand what is available to the waiters."""
        counter = self.counter + permits
        waiters = self._waiters
        while waiters and counter > 0:
            counter -= 1
            wake_soon(waiters.popleft(), True)
        self.counter = counter

    def release(self, blocking: bool = True) -> bool:
        """Give a permit back, waking the first blocked acquirer if any; return True.

        ``blocking`` is ignored; it is there for consistency with CappedSemaphore.
        """
        self._add(1)
        return True

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class BoundedSemaphore(Semaphore):
    """A semaphore that refuses to be released above its initial value.

    Releasing it more often than it was acquired raises ValueError: it is usually a bug.
    """

    _where = "BoundedSemaphore.acquire()"

    def __init__(self, value: float = 1) -> None:
        super().__init__(value)
        self.original_counter: int = self.counter

    def release(self, blocking: bool = True) -> bool:
        """Give a permit back; raise ValueError if all permits are already free.

        ``blocking`` is ignored; it is there for consistency with CappedSemaphore.
        """
        if self.counter >= self.original_counter:
            raise ValueError(
                f"{type(self).__name__} released too many times: all "
                f"{self.original_counter} permit(s) are already free"
            )
        self._add(1)
        return True


class CappedSemaphore:
    """A semaphore whose counter stays between 0 and ``limit``, blocking at both ends.

    :meth:`acquire` blocks while the counter is 0, and :meth:`release` blocks while it is
    at ``limit``. Same API as :class:`threading.Semaphore`, but not compatible with
    :class:`threading.BoundedSemaphore`, which raises instead of blocking. A context manager.

    A release while an acquirer waits hands the permit straight to it, and an acquire while
    a releaser waits takes that releaser's permit, so ``CappedSemaphore(0, 0)`` works as a
    rendezvous instead of deadlocking.
    """

    def __init__(self, count: float, limit: float) -> None:
        count = _check_count(count, "CappedSemaphore count")
        limit = _check_count(limit, "CappedSemaphore limit")
        if count > limit:
            raise ValueError(f"CappedSemaphore count ({count}) must not exceed limit ({limit})")
        self._counter = count
        self._limit = limit
        # Blocked acquirers wait only while the counter is 0, blocked releasers only while it
        # is at the limit; with a limit of 0 a release and an acquire meet at once. Waiters
        # are [greenlet, hub, entry] lists (see eventlet.hubs._park).
        self._acquirers: deque[list[Any]] = deque()
        self._releasers: deque[list[Any]] = deque()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} at {id(self):#x} counter={self.counter} "
            f"limit={self._limit} balance={self.balance}>"
        )

    @property
    def counter(self) -> int:
        """The number of permits available to :meth:`acquire`."""
        return self._counter

    @property
    def balance(self) -> int:
        """Upstream Eventlet's measure, kept as it was for compatibility.

        It is the balance of a semaphore of the acquirable permits minus that of a semaphore
        of the room left for releases (``2 * counter - limit``), with each green thread
        blocked in :meth:`acquire` counting -2 and each one blocked in :meth:`release` +2.
        """
        return (
            2 * self._counter
            - self._limit
            + 2 * (len(self._releasers) - len(self._acquirers))
        )

    def locked(self) -> bool:
        """True if a call to :meth:`acquire` would block."""
        return self._counter <= 0 and not self._releasers

    def bounded(self) -> bool:
        """True if a call to :meth:`release` would block."""
        return self._counter >= self._limit and not self._acquirers

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take a permit, blocking while the counter is 0; see :meth:`Semaphore.acquire`."""
        if timeout is not None:
            timeout = _check_timeout(timeout, blocking)
        releasers = self._releasers
        if releasers:
            # The counter is at the limit: the first blocked release goes through, and its
            # permit is the one taken (with a limit of 0, the two meet).
            wake_soon(releasers.popleft(), True)
            return True
        if self._counter > 0:
            self._counter -= 1
            return True
        if not blocking or timeout == 0:
            return False
        return self._wait(self._acquirers, timeout, "CappedSemaphore.acquire()")

    def release(self, blocking: bool = True) -> bool:
        """Give a permit back, blocking while the counter is at the limit.

        With ``blocking`` false, return False instead of blocking; otherwise return True.
        """
        acquirers = self._acquirers
        if acquirers:  # the counter is 0: hand the permit straight over
            wake_soon(acquirers.popleft(), True)
            return True
        if self._counter < self._limit:
            self._counter += 1
            return True
        if not blocking:
            return False
        return self._wait(self._releasers, None, "CappedSemaphore.release()")

    def _wait(self, waiters: deque[list[Any]], timeout: float | None, where: str) -> bool:
        hub = get_hub()
        waiter = [getcurrent(), hub, None]
        waiters.append(waiter)
        timer = None
        if timeout is not None:
            timer = hub.schedule_call_global(timeout, self._expire, waiters, waiter)
        try:
            return park(hub, where)
        except BaseException:
            if withdraw(waiter) is NOT_SERVED:
                waiters.remove(waiter)
            elif waiters is self._acquirers:
                # Handed a permit it never received: give it back, to the next acquirer.
                self._give_back()
            # A releaser served has had its permit taken: its release happened.
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _give_back(self) -> None:
        if self._acquirers:
            wake_soon(self._acquirers.popleft(), True)
        else:
            # May go above a limit of 0, where the permit came from a rendezvous: kept
            # rather than lost, it goes to the next acquire.
            self._counter += 1

    def _expire(self, waiters: deque[list[Any]], waiter: list[Any]) -> None:
        # Runs in the hub. A waiter already served keeps what it was handed.
        if waiter[2] is None:
            waiters.remove(waiter)
            wake(waiter[0], False)

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
