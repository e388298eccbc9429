"""Pools of green threads: :class:`GreenPool` limits how many run at once, and
:class:`GreenPile` collects the results of a batch of them in order."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, ParamSpec, TypeVar, overload

from greenlet import getcurrent

from eventlet.event import Event
from eventlet.greenthread import GreenThread
from eventlet.greenthread import spawn as _spawn
from eventlet.greenthread import spawn_n as _spawn_n
from eventlet.hubs import get_hub
from eventlet.queue import LightQueue
from eventlet.semaphore import Semaphore
from eventlet.semaphore import _check_count as _check_size

__all__ = ["GreenPool", "GreenPile"]

_T = TypeVar("_T")
_T1 = TypeVar("_T1")
_T2 = TypeVar("_T2")
_T3 = TypeVar("_T3")
_P = ParamSpec("_P")


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

    def __init__(self, size: float = 1000) -> None:
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

    def resize(self, new_size: float) -> None:
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

    def spawn(
        self, function: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> GreenThread[_T]:
        """Run ``function(*args, **kwargs)`` in a green thread of the pool; return it.

        Blocks while the pool is full. Called from a green thread of a full pool, runs the
        function at once in the caller (the GreenThread returned holds its outcome).
        """
        _check_callable(function, "spawn")
        if self._must_run_inline():
            # A GreenThread that is never switched to: it only records the outcome.
            thread: GreenThread[_T] = GreenThread(getcurrent())
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

    def spawn_n(
        self, function: Callable[_P, Any], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> None:
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

        Raises AssertionError (as upstream Eventlet does) if called from one of them: it
        would wait for itself forever.
        """
        if getcurrent() in self.coroutines_running:
            raise AssertionError(
                "waitall() was called from a green thread of this pool: it would wait "
                "for itself forever"
            )
        while self.coroutines_running:
            self.no_coros_running.wait()

    def starmap(
        self, function: Callable[..., _T] | None, iterable: Iterable[Iterable[Any]]
    ) -> _Map[_T]:
        """Like :func:`itertools.starmap`, running each call in a green thread of the pool.

        Results come in input order. Input is read lazily and no more than ``size`` calls
        are in flight, so memory stays constant however long the input is. An exception
        raised by a call is raised when its result is reached; iteration may go on after.
        ``function`` None yields the argument tuples themselves, as upstream Eventlet does.
        """
        return _Map(self, _mapped_function(function, "starmap"), iter(iterable))

    @overload
    def imap(self, function: None, /, *iterables: Iterable[Any]) -> _Map[tuple[Any, ...]]: ...

    @overload
    def imap(self, function: Callable[[_T1], _T], iterable: Iterable[_T1], /) -> _Map[_T]: ...

    @overload
    def imap(
        self,
        function: Callable[[_T1, _T2], _T],
        iterable1: Iterable[_T1],
        iterable2: Iterable[_T2],
        /,
    ) -> _Map[_T]: ...

    @overload
    def imap(
        self,
        function: Callable[[_T1, _T2, _T3], _T],
        iterable1: Iterable[_T1],
        iterable2: Iterable[_T2],
        iterable3: Iterable[_T3],
        /,
    ) -> _Map[_T]: ...

    @overload
    def imap(self, function: Callable[..., _T], /, *iterables: Iterable[Any]) -> _Map[_T]: ...

    def imap(self, function: Callable[..., Any] | None, /, *iterables: Iterable[Any]) -> _Map[Any]:
        """Like the builtin :func:`map`, with the concurrency and memory of :meth:`starmap`.

        ``function`` None yields tuples of the items taken together, like Python 2's
        ``map(None, ...)`` (stopping at the shortest input, as upstream Eventlet does).
        """
        return _Map(self, _mapped_function(function, "imap"), zip(*iterables, strict=False))


def _as_tuple(*args: Any) -> tuple[Any, ...]:
    return args


def _mapped_function(function: Any, caller: str) -> Callable[..., Any]:
    if function is None:
        return _as_tuple
    _check_callable(function, caller)
    return function


_DONE: Any = object()  # what next() gives for an exhausted input


class _Map(Generic[_T]):
    """The iterator behind :meth:`GreenPool.imap` and ``starmap``: a window of calls."""

    def __init__(
        self, pool: GreenPool, function: Callable[..., _T], inputs: Iterator[Any]
    ) -> None:
        self._pool = pool
        self._function = function
        self._inputs: Iterator[Any] | None = inputs
        self._in_flight: deque[GreenThread[_T]] = deque()

    def __iter__(self) -> _Map[_T]:
        return self

    def __next__(self) -> _T:
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

    def next(self) -> _T:
        """The next result (Python 2 spelling, kept as upstream Eventlet keeps it)."""
        return self.__next__()


class GreenPile(Generic[_T]):
    """A batch of calls run in green threads, whose results are iterated in spawn order.

    Built on a :class:`GreenPool` given as ``size_or_pool`` (many piles may share one), or
    on a pool of its own of that size. A spawn that waits for a slot in a full pool counts
    as pending already: iteration waits for its result rather than stopping early. Iterated
    from a green thread other than the spawning one, it stops when nothing is pending.
    Generic in the result type (``GreenPile[int]``), for annotations.
    """

    def __init__(self, size_or_pool: float | GreenPool = 1000) -> None:
        if isinstance(size_or_pool, GreenPool):
            self.pool = size_or_pool
        else:
            self.pool = GreenPool(_check_size(size_or_pool, "GreenPile size"))
        # Spawned green threads, in spawn order, for next() to wait on; a LightQueue so that
        # next() waits for a spawn still blocked in a full pool (counted in _counter).
        self._threads: LightQueue[GreenThread[_T] | None] = LightQueue()
        self._counter = 0  # spawns begun whose results have not been taken yet
        self.used = False  # whether spawn() was ever called

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {id(self):#x} pending={self._counter}>"

    @property
    def counter(self) -> int:
        """Spawns begun (including ones waiting for a pool slot) whose results are not taken."""
        return self._counter

    def spawn(self, func: Callable[_P, _T], /, *args: _P.args, **kw: _P.kwargs) -> None:
        """Run ``func(*args, **kw)`` in a green thread; its result comes out of iteration."""
        self.used = True
        self._counter += 1
        try:
            thread: GreenThread[_T] | None = self.pool.spawn(func, *args, **kw)
        except BaseException:
            thread = None  # tells an iteration waiting for it that it will never come
            raise
        finally:
            self._threads.put(thread)

    def __iter__(self) -> GreenPile[_T]:
        return self

    def next(self) -> _T:
        """Wait for the next result in spawn order and return it (or raise its exception).

        Raises StopIteration when there are no more results.
        """
        while self._counter:
            thread = self._threads.get()
            self._counter -= 1
            if thread is not None:  # None: a spawn that failed (killed waiting for a slot)
                return thread.wait()
        raise StopIteration

    __next__ = next
