"""Pools of green threads: :class:`GreenPool` limits how many run at once, and
:class:`GreenPile` collects the results of a batch of them in order."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from greenlet import getcurrent

from eventlet.event import Event
from eventlet.greenthread import GreenThread
from eventlet.greenthread import spawn as _spawn
from eventlet.greenthread import spawn_n as _spawn_n
from eventlet.hubs import get_hub
from eventlet.semaphore import Semaphore
from eventlet.semaphore import _check_count as _check_size

__all__ = ["GreenPool", "GreenPile"]


def _check_callable(function: Any, caller: str) -> None:
    if not callable(function):
        raise TypeError(f"{caller}() needs a callable, not {type(function).__name__!r}")


def _report_exception() -> None:
    # Report like the hub does for a green thread that died of an exception.
    get_hub().squelch_timer_exception(None, sys.exc_info())


class GreenPool:
    """A pool of green threads: at most ``size`` of them run its functions at once.

    :meth:`spawn` blocks while the pool is full. It is reentrant: a green thread of the
    pool that spawns into its full pool runs the function itself instead of waiting for a
    slot, which could never come.
    """

    def __init__(self, size: int = 1000) -> None:
        self.size: int = _check_size(size, "GreenPool size")
        self.sem = Semaphore(self.size)  # one permit per free slot
        self.coroutines_running: set[Any] = set()
        self.no_coros_running = Event()  # sent whenever the pool becomes idle
        self.no_coros_running.send(None)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} at {id(self):#x} size={self.size} "
            f"running={self.running()} waiting={self.waiting()}>"
        )

    def resize(self, new_size: int) -> None:
        """Change the number of green threads that may run at once.

        Shrinking does not stop running ones: new ones start only once enough have
        finished, and until then :meth:`free` is negative. Growing lets waiting spawns go.
        """
        new_size = _check_size(new_size, "GreenPool size")
        delta = new_size - self.size
        self.size = new_size
        self.sem._add(delta)

    def running(self) -> int:
        """Return the number of green threads running functions of this pool."""
        return len(self.coroutines_running)

    def free(self) -> int:
        """Return the number of free slots; zero or less means :meth:`spawn` would block."""
        return self.sem.counter

    def waiting(self) -> int:
        """Return the number of green threads blocked in :meth:`spawn` or :meth:`spawn_n`."""
        return len(self.sem._waiters)

    def _must_run_inline(self) -> bool:
        # Waiting for a slot from inside the full pool could deadlock: run inline instead.
        return self.sem.locked() and getcurrent() in self.coroutines_running

    def _started(self, thread: Any) -> None:
        if not self.coroutines_running:
            self.no_coros_running = Event()
        self.coroutines_running.add(thread)

    def _finished(self, thread: Any) -> None:
        self.sem.release()
        running = self.coroutines_running
        running.discard(thread)
        if not running and not self.no_coros_running.ready():
            self.no_coros_running.send(None)

    def spawn(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> GreenThread:
        """Run ``function(*args, **kwargs)`` in a green thread of the pool; return it.

        Blocks while the pool is full. Called from a green thread of a full pool, runs the
        function at once in the caller (the GreenThread returned holds its outcome).
        """
        _check_callable(function, "spawn")
        if self._must_run_inline():
            # A GreenThread that is never switched to: it only records the outcome.
            thread = GreenThread(getcurrent())
            try:
                thread.main(function, args, kwargs)
            except Exception:
                _report_exception()
            return thread
        self.sem.acquire()
        thread = _spawn(function, *args, **kwargs)
        self._started(thread)
        thread.link(self._finished)
        return thread

    def spawn_n(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Like :meth:`spawn`, but cheaper, and the result cannot be retrieved."""
        _check_callable(function, "spawn_n")
        if self._must_run_inline():
            try:
                function(*args, **kwargs)
            except Exception:
                _report_exception()
            return
        self.sem.acquire()
        self._started(_spawn_n(self._run_n, function, args, kwargs))

    def _run_n(self, function: Callable[..., Any], args: Any, kwargs: Any) -> None:
        try:
            function(*args, **kwargs)
        finally:
            self._finished(getcurrent())

    def waitall(self) -> None:
        """Wait until every green thread of the pool has finished.

        Raises RuntimeError if called from one of them: it would wait for itself forever.
        """
        if getcurrent() in self.coroutines_running:
            raise RuntimeError(
                "waitall() was called from a green thread of this pool: it would wait "
                "for itself forever"
            )
        while self.coroutines_running:
            self.no_coros_running.wait()

    def starmap(self, function: Callable[..., Any], iterable: Iterable[Any]) -> Iterator[Any]:
        """Like :func:`itertools.starmap`, running each call in a green thread of the pool.

        Results come in input order. Input is read lazily and no more than ``size`` calls
        are in flight, so memory stays constant however long the input is. An exception
        raised by a call is raised when its result is reached; iteration may go on after.
        """
        _check_callable(function, "starmap")
        return _Map(self, function, iter(iterable))

    def imap(self, function: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        """Like the builtin :func:`map`, with the concurrency and memory of :meth:`starmap`."""
        _check_callable(function, "imap")
        return _Map(self, function, zip(*iterables, strict=False))


_DONE: Any = object()  # what next() gives for an exhausted input


class _Map:
    """The iterator behind :meth:`GreenPool.starmap`: a window of calls in flight."""

    def __init__(
        self, pool: GreenPool, function: Callable[..., Any], inputs: Iterator[Any]
    ) -> None:
        self._pool = pool
        self._function = function
        self._inputs: Iterator[Any] | None = inputs
        self._in_flight: deque[GreenThread] = deque()

    def __iter__(self) -> _Map:
        return self

    def __next__(self) -> Any:
        in_flight = self._in_flight
        inputs = self._inputs
        if inputs is not None:
            window = max(self._pool.size, 1)
            while len(in_flight) < window:
                args = next(inputs, _DONE)
                if args is _DONE:
                    self._inputs = None
                    break
                in_flight.append(self._pool.spawn(self._function, *args))
        if not in_flight:
            raise StopIteration
        return in_flight.popleft().wait()


class GreenPile:
    """A batch of calls run in green threads, whose results are iterated in spawn order.

    Built on a :class:`GreenPool` given as ``size_or_pool`` (many piles may share one), or
    on a pool of its own of that size. Iterate it in the green thread that spawns into it:
    iterated from another one, it may stop early, since it stops when nothing is pending.
    """

    def __init__(self, size_or_pool: int | GreenPool = 1000) -> None:
        if isinstance(size_or_pool, GreenPool):
            self.pool = size_or_pool
        else:
            self.pool = GreenPool(_check_size(size_or_pool, "GreenPile size"))
        self._pending: deque[GreenThread] = deque()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {id(self):#x} pending={len(self._pending)}>"

    def spawn(self, func: Callable[..., Any], /, *args: Any, **kw: Any) -> None:
        """Run ``func(*args, **kw)`` in a green thread; its result comes out of iteration."""
        self._pending.append(self.pool.spawn(func, *args, **kw))

    def __iter__(self) -> GreenPile:
        return self

    def next(self) -> Any:
        """Wait for the next result in spawn order and return it (or raise its exception).

        Raises StopIteration when there are no more results.
        """
        if not self._pending:
            raise StopIteration
        return self._pending.popleft().wait()

    __next__ = next
