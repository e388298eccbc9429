"""Synchronized queues for green threads.

Multi-producer, multi-consumer queues with the API of the standard :mod:`queue` module:
:class:`LightQueue` (no task tracking), :class:`Queue`, :class:`PriorityQueue` and
:class:`LifoQueue`. :class:`Empty` and :class:`Full` are the standard library's own
exceptions, so ``except queue.Empty`` works with either module.

Differences from the standard library:

- ``maxsize=0`` makes a *channel*: :meth:`~LightQueue.put` blocks until a :meth:`get`
  takes the item, and :meth:`~LightQueue.empty` and :meth:`~LightQueue.full` are both
  True. A blocking put to a waiting getter hands over: the getter runs before the put
  returns, as in upstream Eventlet. ``maxsize`` None or negative means unbounded.
- :meth:`~LightQueue.qsize`, :meth:`~LightQueue.empty` and :meth:`~LightQueue.full` tell
  whether the next :meth:`get` or :meth:`put` would block, and :meth:`~LightQueue.getting`
  and :meth:`~LightQueue.putting` count the green threads blocked in them.

Blocked getters and putters are served in FIFO order. An item put while a getter waits is
handed straight to that getter (it never sits in the queue). If a getter is killed before it
resumes, its item goes back to the front of the queue, so no item is ever lost.
"""

from __future__ import annotations

import heapq
import operator
from collections import deque
from queue import Empty, Full
from typing import Any, Generic, TypeVar

from greenlet import getcurrent

from eventlet.event import Event
from eventlet.greenthread import sleep
from eventlet.hubs import get_hub
from eventlet.hubs._park import NOT_SERVED, park, wake, wake_soon, withdraw

__all__ = ["Empty", "Full", "LightQueue", "Queue", "PriorityQueue", "LifoQueue"]

_T = TypeVar("_T")

# What a timer switches into a waiter whose timeout passed; no item can be this object.
_EXPIRED: Any = object()


def _check_maxsize(maxsize: Any) -> int | None:
    """Return ``maxsize`` as an int >= 0, or None for an unbounded queue."""
    if maxsize is None:
        return None
    if isinstance(maxsize, bool):
        raise TypeError("maxsize must be an int or None, not 'bool'")
    try:
        size = operator.index(maxsize)
    except TypeError:
        raise TypeError(f"maxsize must be an int or None, not {type(maxsize).__name__!r}") from None
    return None if size < 0 else size


def _check_timeout(timeout: Any) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number or None, not {type(timeout).__name__!r}")
    if not timeout >= 0:  # also refuses NaN
        raise ValueError(f"'timeout' must be a non-negative number, not {timeout}")
    return timeout


class LightQueue(Generic[_T]):
    """A queue like :class:`queue.Queue` without ``task_done()``/``join()``, a little faster.

    ``maxsize`` None or negative: unbounded. 0: a channel, where each :meth:`put` waits
    for a :meth:`get` to take its item.
    """

    def __init__(self, maxsize: int | None = None) -> None:
        self.maxsize: int | None = _check_maxsize(maxsize)
        # Blocked getters are lists [greenlet, hub, entry]; blocked putters
        # [greenlet, hub, entry, item]. ``entry`` is the run-queue entry that wakes the
        # waiter, set once it has been served (handed an item, or had its item taken).
        self._getters: deque[list[Any]] = deque()
        self._putters: deque[list[Any]] = deque()
        self._puts = 0  # items accepted so far; Queue counts unfinished tasks with it
        self._init(self.maxsize)

    # -- storage: subclasses change the order by overriding these -----------------------------

    def _init(self, maxsize: int | None) -> None:
        self.queue: Any = deque()

    def _put(self, item: Any) -> None:
        self.queue.append(item)

    def _get(self) -> Any:
        return self.queue.popleft()

    def _put_back(self, item: Any) -> None:
        """Undo a :meth:`_get`: make ``item`` the next one out."""
        self.queue.appendleft(item)

    # -- state ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} at {id(self):#x} maxsize={self.maxsize!r} "
            f"qsize={len(self.queue)} getting={len(self._getters)} "
            f"putting={len(self._putters)}>"
        )

    def qsize(self) -> int:
        """Return the number of items in the queue."""
        return len(self.queue)

    def empty(self) -> bool:
        """Return True if the queue is empty (always True for a channel)."""
        return not self.queue

    def full(self) -> bool:
        """Return True if the queue is full (always True for a channel, never if unbounded)."""
        return self.maxsize is not None and len(self.queue) >= self.maxsize

    def getting(self) -> int:
        """Return the number of green threads blocked waiting to get an item."""
        return len(self._getters)

    def putting(self) -> int:
        """Return the number of green threads blocked waiting to put an item."""
        return len(self._putters)

    def resize(self, size: int | None) -> None:
        """Change ``maxsize``; blocked putters proceed if the queue grew room for them.

        Items already queued stay even if there are more than the new size.
        """
        self.maxsize = _check_maxsize(size)
        if self._putters:
            self._admit_putters()

    # -- put --------------------------------------------------------------------------------

    def put(self, item: _T, block: bool = True, timeout: float | None = None) -> None:
        """Put ``item`` into the queue.

        If the queue is full and ``block`` is true, wait for a free slot, at most
        ``timeout`` seconds if given, then raise :class:`Full`. With ``block`` false, raise
        :class:`Full` at once if there is no free slot (``timeout`` is then ignored).
        A green thread blocked in :meth:`get` is handed the item directly; on a channel,
        that is the only way a put succeeds, and a blocking put then yields so that the
        getter runs first. A put_nowait() to a waiting getter succeeds without yielding.
        """
        getters = self._getters
        if getters:
            # A getter waits, so the queue is empty: hand the item straight over.
            self._puts += 1
            waiter = getters.popleft()
            wake_soon(waiter, item)
            if self.maxsize == 0 and block and getcurrent() is not waiter[1].greenlet:
                # A channel hands over: the getter runs before the put returns, as
                # upstream Eventlet's does (its wake-up is first on the run queue).
                sleep(0)
            return
        maxsize = self.maxsize
        if maxsize is None or len(self.queue) < maxsize:
            self._puts += 1
            self._put(item)
            return
        if block and timeout is not None:
            timeout = _check_timeout(timeout)
        if not block or timeout == 0:
            raise Full
        self._wait_to_put(item, timeout)

    def put_nowait(self, item: _T) -> None:
        """Put ``item`` only if a slot is free at once; else raise :class:`Full`."""
        self.put(item, False)

    def _wait_to_put(self, item: Any, timeout: float | None) -> None:
        hub = get_hub()
        waiter = [getcurrent(), hub, None, item]
        putters = self._putters
        putters.append(waiter)
        timer = None
        if timeout is not None:
            timer = hub.schedule_call_global(timeout, self._expire, putters, waiter)
        try:
            result = park(hub, "Queue.put()")
        except BaseException:
            # Served: the item is already in the queue (the put succeeded); withdraw() only
            # cancels the wake-up, which must not resume this green thread in a later wait.
            if withdraw(waiter) is NOT_SERVED:
                putters.remove(waiter)  # the item was never accepted: the put fails
            raise
        finally:
            if timer is not None:
                timer.cancel()
        if result is _EXPIRED:
            raise Full

    def _admit_putters(self) -> None:
        """Move blocked putters' items into the queue while it has room, and wake them."""
        putters = self._putters
        maxsize = self.maxsize
        while putters and (maxsize is None or len(self.queue) < maxsize):
            waiter = putters.popleft()
            self._puts += 1
            self._put(waiter[3])
            waiter[3] = None
            wake_soon(waiter, None)

    # -- get --------------------------------------------------------------------------------

    def get(self, block: bool = True, timeout: float | None = None) -> _T:
        """Remove and return an item from the queue.

        If the queue is empty and ``block`` is true, wait for an item, at most ``timeout``
        seconds if given, then raise :class:`Empty`. With ``block`` false, raise
        :class:`Empty` at once if no item is available (``timeout`` is then ignored).
        """
        if self.queue:
            item = self._get()
            if self._putters:
                self._admit_putters()
            return item
        putters = self._putters
        if putters:
            # A channel: take the item of the first blocked putter, and let it go.
            self._puts += 1
            waiter = putters.popleft()
            item = waiter[3]
            waiter[3] = None
            wake_soon(waiter, None)
            return item
        if timeout is not None or not block:
            return self._get_with_timeout(block, timeout)
        # Wait for a put to hand an item over (the common case, kept inline for speed).
        hub = get_hub()
        waiter = [getcurrent(), hub, None]
        self._getters.append(waiter)
        try:
            return park(hub, "Queue.get()")
        except BaseException:
            self._abandon_get(waiter)
            raise

    def get_nowait(self) -> _T:
        """Return an item only if one is available at once; else raise :class:`Empty`."""
        return self.get(False)

    def _get_with_timeout(self, block: bool, timeout: float | None) -> Any:
        if not block or timeout is None:
            raise Empty  # get() comes here for a timeout or a non-blocking call only
        timeout = _check_timeout(timeout)
        if timeout == 0:
            raise Empty
        hub = get_hub()
        waiter = [getcurrent(), hub, None]
        getters = self._getters
        getters.append(waiter)
        timer = hub.schedule_call_global(timeout, self._expire, getters, waiter)
        try:
            item = park(hub, "Queue.get()")
        except BaseException:
            self._abandon_get(waiter)
            raise
        finally:
            timer.cancel()
        if item is _EXPIRED:
            raise Empty
        return item

    def _abandon_get(self, waiter: list[Any]) -> None:
        """A blocked getter leaves on an exception (a kill, a Timeout): undo its wait."""
        item = withdraw(waiter)
        if item is NOT_SERVED:
            self._getters.remove(waiter)
        else:
            # Handed an item it never received: put it back in front, for the next getter.
            self._put_back(item)
            self._serve_getters()

    def _serve_getters(self) -> None:
        """Hand queued items to blocked getters, first come first served."""
        getters = self._getters
        while getters and self.queue:
            wake_soon(getters.popleft(), self._get())

    def _expire(self, waiters: deque[list[Any]], waiter: list[Any]) -> None:
        # A timer, run in the hub. A waiter already served keeps its item or slot.
        if waiter[2] is None:
            waiters.remove(waiter)
            wake(waiter[0], _EXPIRED)


class Queue(LightQueue[_T]):
    """A queue like :class:`queue.Queue`, for green threads (see :class:`LightQueue`).

    ``maxsize`` None or negative means unbounded; 0 makes a channel (unlike the standard
    library, where 0 means unbounded). Tracks tasks: :meth:`task_done` and :meth:`join`.
    """

    def __init__(self, maxsize: int | None = None) -> None:
        super().__init__(maxsize)
        self._tasks_done = 0
        self._all_done: Event | None = None  # made by join(), sent when no task is left

    @property
    def unfinished_tasks(self) -> int:
        """Items put and not yet marked done by :meth:`task_done`."""
        return self._puts - self._tasks_done

    def task_done(self) -> None:
        """Mark one formerly enqueued item as processed, for :meth:`join`.

        Raises ValueError if called more times than there were items put.
        """
        if self._puts <= self._tasks_done:
            raise ValueError("task_done() called too many times")
        self._tasks_done += 1
        if self._puts == self._tasks_done and self._all_done is not None:
            all_done, self._all_done = self._all_done, None
            all_done.send(None)

    def join(self) -> None:
        """Block until every item put has been gotten and marked done by :meth:`task_done`."""
        if self._puts != self._tasks_done:
            if self._all_done is None:
                self._all_done = Event()
            self._all_done.wait()


class PriorityQueue(Queue[_T]):
    """A :class:`Queue` that returns the lowest item first.

    Items are typically tuples ``(priority, data)``.
    """

    def _init(self, maxsize: int | None) -> None:
        self.queue = []

    def _put(self, item: Any) -> None:
        heapq.heappush(self.queue, item)

    def _get(self) -> Any:
        return heapq.heappop(self.queue)

    _put_back = _put


class LifoQueue(Queue[_T]):
    """A :class:`Queue` that returns the most recently added item first."""

    def _init(self, maxsize: int | None) -> None:
        self.queue = []

    def _put(self, item: Any) -> None:
        self.queue.append(item)

    def _get(self) -> Any:
        return self.queue.pop()

    _put_back = _put
