"""Run blocking code in real OS threads while the hub keeps serving the other green threads.

:func:`execute` hands a function to a pool of OS threads and suspends only the calling green
thread until it finishes; its result is returned, or its exception (any ``BaseException``,
with its traceback) is raised in the caller. :class:`Proxy` wraps an object so that each of
its method calls goes through :func:`execute`.

The pool has ``EVENTLET_THREADPOOL_SIZE`` threads (default 20), started on first use, or as
many as :func:`set_num_threads` says. A size of ``0`` means no threads: :func:`execute` then
calls the function inline, in the calling green thread (it blocks the hub; handy to debug).
A negative or non-integer size is a ``ValueError`` naming where it came from.

Results travel back without polling: a worker appends them to the calling hub's inbox and
wakes that hub through its thread-safe wake-up descriptor (an eventfd) only if the inbox
was empty, so one wake-up delivers every result that finished since the last one. Each OS
thread that runs a hub has its own inbox, so several hubs may use the pool at once. The
threads and locks used here are the original, unpatched ones, so all of this holds after
``monkey_patch()``, and a forked child starts with a fresh pool of its own.
"""

from __future__ import annotations

import operator
import os
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from greenlet import getcurrent

from eventlet import debug as _debug
from eventlet.hubs import get_hub
from eventlet.patcher import original

__all__ = ["Proxy", "execute", "get_num_threads", "killall", "set_num_threads"]

_T = TypeVar("_T")

# Real OS threads, real locks and real thread-locals, whatever monkey_patch() has done.
_thread: Any = original("_thread")
_threading: Any = original("threading")

#: The pool size used when ``EVENTLET_THREADPOOL_SIZE`` is not set.
DEFAULT_SIZE = 20

_ENV_SIZE = "EVENTLET_THREADPOOL_SIZE"

# States of a call, changed only in the hub thread of its caller.
_PENDING, _DONE, _ABANDONED = 0, 1, 2


class _Call:
    """One request: what to run, who waits, and (once run) the outcome."""

    __slots__ = ("greenlet", "inbox", "func", "args", "kwargs", "ok", "value", "state")

    def __init__(
        self, glet: Any, inbox: _Inbox, func: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        self.greenlet = glet
        self.inbox = inbox
        self.func: Any = func
        self.args: Any = args
        self.kwargs: Any = kwargs
        self.ok = False
        self.value: Any = None
        self.state = _PENDING


class _Inbox:
    """The finished calls of one hub, delivered by one wake-up per batch."""

    __slots__ = ("hub", "results", "scheduled", "pending", "__weakref__")

    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self.results: deque[_Call] = deque()
        # The calls whose callers wait, so that a forked child can tell them theirs are lost.
        self.pending: set[_Call] = set()
        # True from the moment a worker asks the hub to drain until the drain starts. A
        # worker appends first and looks at the flag after, so a result is never left behind:
        # either the drain has not cleared the flag yet (and will see the result) or the
        # worker sees it cleared and schedules another drain (at worst an empty one).
        self.scheduled = False

    def post(self, call: _Call) -> None:
        """Called in a worker thread: hand ``call`` to its hub."""
        self.results.append(call)
        if not self.scheduled:
            self.scheduled = True
            try:
                self.hub.call_soon_threadsafe(self.drain)
            except Exception:
                pass  # the hub is closed (its thread ended): nobody is waiting any more

    def drain(self) -> None:
        """Called in the hub: resume the green thread of every finished call."""
        self.scheduled = False
        results = self.results
        discard = self.pending.discard
        while results:
            call = results.popleft()
            discard(call)
            if call.state == _PENDING:
                call.state = _DONE
                call.greenlet.switch()
            else:
                call.value = None  # abandoned by a timeout or a kill: drop the result


# The inbox of a pool thread, where execute() runs calls inline: queueing them behind the
# caller could wait forever.
_IN_WORKER = _Inbox(None)

# Per OS thread: the inbox of its hub, or _IN_WORKER in a pool thread.
_local: Any = _thread._local()


class _Worker:
    """One pool thread: the lock it sleeps on when idle, and whether it must end.

    Every wake-up (for a call, or to end) is counted in ``_waking`` by whoever releases
    ``wake``, and counted off by the thread under ``_lock`` before it looks at the backlog.
    """

    __slots__ = ("wake", "stop", "thread")

    def __init__(self) -> None:
        self.wake: Any = _thread.allocate_lock()
        self.wake.acquire()  # held while there is nothing to do: acquiring it again sleeps
        self.stop = False
        self.thread: Any = None


# The pool. Everything here changes under _lock, which execute() takes once per call.
#
# Calls wait in _backlog. At most one sleeping thread at a time is woken for them: the one
# that went to sleep last (a stack), so a caller that makes one call after another keeps
# meeting the same warm thread while the others sleep on. A woken thread that leaves calls
# behind wakes the next one, so a burst of blocking calls spreads over as many threads as it
# needs; a thread that finishes a call takes the next one without sleeping, so a burst of
# quick calls is served by the threads already awake rather than by one wake-up each.
_lock: Any = _thread.allocate_lock()
_size: int | None = None  # None: not decided yet (the environment is read on first use)
_running = False  # whether calls are queued (else: never started, killed, or size 0)
_backlog: deque[_Call] = deque()
_idle: list[_Worker] = []  # sleeping threads, the last one to fall asleep on top
_workers: list[_Worker] = []  # the threads not told to end
_waking = 0  # threads woken (or started) that have not looked at the backlog yet
_threads: list[Any] = []  # every thread still alive, for killall() to wait on


def _check_size(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__!r}")
    if value < 0:
        raise ValueError(f"{what} must be 0 (run inline) or more, not {value}")
    return value


def _size_from_env() -> int:
    text = os.environ.get(_ENV_SIZE, "").strip()
    if not text:
        return DEFAULT_SIZE
    try:
        value = int(text)
    except ValueError:
        raise ValueError(
            f"{_ENV_SIZE} must be a whole number of threads (0 runs calls inline), not {text!r}"
        ) from None
    if value < 0:
        raise ValueError(f"{_ENV_SIZE} must be 0 (run calls inline) or more, not {value}")
    return value


def _run(call: _Call) -> None:
    """Run one call in this pool thread and hand the outcome to the caller's hub."""
    try:
        call.value = call.func(*call.args, **call.kwargs)
        call.ok = True
    except BaseException as error:  # any of them goes back to the caller
        # Drop this function's own frame from the traceback: it says nothing to the caller.
        if error.__traceback__ is not None:
            error.__traceback__ = error.__traceback__.tb_next
        call.value = error
        if _debug.tpool_exceptions_enabled:
            traceback.print_exception(type(error), error, error.__traceback__)
        del error
    call.func = call.args = call.kwargs = None
    call.inbox.post(call)


def _worker(me: _Worker) -> None:
    global _waking
    _local.inbox = _IN_WORKER  # execute() from here runs inline, not queued behind itself
    backlog = _backlog
    idle = _idle
    woken = True  # a new thread counts as woken
    while True:
        with _lock:
            if woken:
                _waking -= 1
                woken = False
            if me.stop and (_workers or not backlog):
                # Told to end. The queued calls are left to the threads that stay, or, if
                # none stays (killall, size 0), finished first.
                if backlog and not _waking:
                    _wake_one()
                break
            if backlog:
                call = backlog.popleft()
                if backlog and not _waking:
                    _wake_one()
            else:
                idle.append(me)
                call = None
        if call is None:
            me.wake.acquire()  # woken for a call, or told to end: the loop sees which
            woken = True
            continue
        _run(call)
        call = None
    with _lock:
        if me.thread in _threads:
            _threads.remove(me.thread)


def _wake_one() -> None:
    # With _lock held and calls in the backlog: wake the thread that fell asleep last.
    global _waking
    if _idle:
        _waking += 1
        _idle.pop().wake.release()


def _start(count: int) -> None:
    # With _lock held.
    global _waking
    for _ in range(count):
        worker = _Worker()
        worker.thread = _threading.Thread(
            target=_worker, args=(worker,), name=f"tpool-{len(_workers)}", daemon=True
        )
        _workers.append(worker)
        _threads.append(worker.thread)
        _waking += 1
        worker.thread.start()  # it waits for the thread to begin, not for _lock


def _stop(count: int) -> None:
    # With _lock held: tell ``count`` threads to end, sleeping ones first (they end at once);
    # busy ones end when they find the backlog empty, so queued calls still run.
    global _waking
    for _ in range(count):
        if _idle:
            worker = _idle.pop()
            _workers.remove(worker)
            worker.stop = True
            _waking += 1  # like any woken thread, it counts itself off when it wakes
            worker.wake.release()
        else:
            worker = next(w for w in reversed(_workers) if not w.stop)
            _workers.remove(worker)
            worker.stop = True


def _start_locked() -> bool:
    """With _lock held: make sure the pool runs; False if its size is 0 (run inline)."""
    global _size, _running
    if _size is None:
        _size = _size_from_env()
    if _size == 0:
        return False
    if len(_workers) < _size:
        _start(_size - len(_workers))
    _running = True
    return True


def execute(meth: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Run ``meth(*args, **kwargs)`` in an OS thread of the pool and return its result.

    Only the calling green thread waits; the hub runs the others meanwhile. If ``meth``
    raises (any ``BaseException``, ``SystemExit`` and ``KeyboardInterrupt`` included), the
    exception is raised here with its traceback. If the caller is interrupted (a
    ``Timeout``, a kill) the thread still finishes the call and its outcome is dropped.
    Called from a pool thread, or with a pool size of 0, it calls ``meth`` inline.
    """
    if not callable(meth):
        raise TypeError(f"execute() needs a callable, not {type(meth).__name__!r}")
    inbox = getattr(_local, "inbox", None)
    if inbox is _IN_WORKER or (not _running and get_num_threads() == 0):
        return meth(*args, **kwargs)
    hub = get_hub()
    if inbox is None or inbox.hub is not hub:
        inbox = _local.inbox = _Inbox(hub)
    current = getcurrent()
    if current is hub.greenlet:
        raise RuntimeError("tpool.execute() cannot wait inside the hub (in a hub callback)")
    call = _Call(current, inbox, meth, args, kwargs)
    with _lock:
        queued = _running or _start_locked()
        if queued:
            _backlog.append(call)
            if not _waking:
                _wake_one()
    if not queued:
        return meth(*args, **kwargs)  # set_num_threads(0) from another thread meanwhile
    inbox.pending.add(call)
    switch = hub.switch
    try:
        while call.state == _PENDING:
            switch()
    except BaseException:
        if call.state == _PENDING:
            call.state = _ABANDONED
            inbox.pending.discard(call)
        raise
    value = call.value
    call.value = None
    if call.ok:
        return value
    try:
        raise value
    finally:
        value = None


def set_num_threads(nthreads: int) -> None:
    """Make the pool ``nthreads`` threads; 0 means calls run inline (no threads).

    Takes effect at once if the pool runs: threads are added, or told to end once the calls
    already queued are done.
    """
    global _size, _running
    nthreads = _check_size(nthreads, "nthreads")
    with _lock:
        _size = nthreads
        if not _running:
            return
        if len(_workers) < nthreads:
            _start(nthreads - len(_workers))
        elif len(_workers) > nthreads:
            _stop(len(_workers) - nthreads)
        if nthreads == 0:
            _running = False  # from now on calls run inline; queued ones still finish


def get_num_threads() -> int:
    """The pool size: the last :func:`set_num_threads`, else ``EVENTLET_THREADPOOL_SIZE``."""
    global _size
    with _lock:
        if _size is None:
            _size = _size_from_env()
        return _size


def killall() -> None:
    """End every pool thread, once the calls already queued are done, and wait for them.

    The next :func:`execute` starts a new pool.
    """
    global _running
    with _lock:
        if not _running:
            return
        _running = False
        _stop(len(_workers))
        threads = list(_threads)
    me = _threading.current_thread()
    for thread in threads:
        if thread is not me:
            thread.join()


def _after_fork_in_child() -> None:
    # The parent's threads do not exist here: forget them, and make a new pool on first use.
    global _lock, _running, _waking
    _lock = _thread.allocate_lock()  # it may have been held by a thread that is gone
    _running = False
    _waking = 0
    _backlog.clear()
    _idle.clear()
    _workers.clear()
    _threads.clear()
    inbox = getattr(_local, "inbox", None)
    if inbox is _IN_WORKER:
        _local.inbox = None  # forked by a call in the pool: the child's thread is no worker
        return
    if inbox is None:
        return
    # Calls queued or running in the parent's threads never finish here: their callers get
    # an error instead of waiting forever. Results that arrived before the fork are delivered.
    finished = set(inbox.results)
    for call in inbox.pending:
        if call not in finished:
            call.ok = False
            call.value = RuntimeError(
                "the process forked while this tpool call was queued or running in the "
                "parent's threads; the child has no such thread, and the outcome is lost"
            )
            inbox.results.append(call)
    # A drain asked for before the fork was lost with the hub's old wake-up queue.
    inbox.scheduled = False
    if inbox.results:
        inbox.hub.run_soon(inbox.drain)


os.register_at_fork(after_in_child=_after_fork_in_child)


# -- Proxy -----------------------------------------------------------------------------------


def _unwrap(obj: Any) -> Any:
    return obj._obj if isinstance(obj, Proxy) else obj


def _wrap(proxy: Proxy, value: Any) -> Any:
    # Helpers live outside the class, so that no name of the wrapped object is shadowed.
    autowrap = proxy._autowrap
    if autowrap and isinstance(value, autowrap) and not isinstance(value, Proxy):
        return Proxy(value, autowrap)
    return value


def _call(proxy: Proxy, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return _wrap(proxy, execute(func, *args, **kwargs))


class Proxy:
    """Forward the method calls of ``obj`` to the thread pool.

    Wrap an object whose methods block in C (a database connection, a file on a slow
    device) so that each call runs in an OS thread of the pool and only the calling green
    thread waits. Attributes are read from ``obj`` directly; attribute assignment and
    deletion go to ``obj`` too. Calling the proxy, iterating it (``next``), item access,
    ``in`` and ``with`` go through the pool; ``len``, ``bool``, comparisons, ``hash``,
    ``str`` and ``repr`` are answered by ``obj`` directly.

    ``autowrap`` is a type or a tuple of types: an attribute or a result that is an
    instance of one is wrapped in a Proxy too (with the same ``autowrap``), say the cursors
    of a connection. ``autowrap_names`` names attributes, or methods, whose value, or
    result, is always wrapped. The methods of ``obj`` run in other OS threads, so they must
    not use green threads or eventlet primitives.
    """

    __slots__ = ("_obj", "_autowrap", "_autowrap_names", "__weakref__")

    def __init__(
        self,
        obj: Any,
        autowrap: type | Iterable[type] = (),
        autowrap_names: Iterable[str] = (),
    ) -> None:
        if isinstance(autowrap, type):
            autowrap = (autowrap,)
        autowrap = tuple(autowrap)
        for kind in autowrap:
            if not isinstance(kind, type):
                raise TypeError(f"autowrap must hold types, not {kind!r}")
        if isinstance(autowrap_names, str):
            raise TypeError("autowrap_names must be a collection of names, not one str")
        names = frozenset(autowrap_names)
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"autowrap_names must hold str names, not {name!r}")
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_autowrap", autowrap)
        object.__setattr__(self, "_autowrap_names", names)

    def __getattr__(self, name: str) -> Any:
        if name in _PROXY_SLOTS:
            raise AttributeError(name)  # not set yet (a copy made without __init__)
        value = getattr(self._obj, name)
        wrap_always = name in self._autowrap_names
        if not callable(value):
            if wrap_always and not isinstance(value, Proxy):
                return Proxy(value, self._autowrap)
            return _wrap(self, value)
        method = value

        def call_in_pool(*args: Any, **kwargs: Any) -> Any:
            result = execute(method, *args, **kwargs)
            if wrap_always and not isinstance(result, Proxy):
                return Proxy(result, self._autowrap)
            return _wrap(self, result)

        call_in_pool.__name__ = getattr(method, "__name__", name)
        call_in_pool.__doc__ = getattr(method, "__doc__", None)
        return call_in_pool

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._obj, name, _unwrap(value))

    def __delattr__(self, name: str) -> None:
        delattr(self._obj, name)

    def __dir__(self) -> Iterable[str]:
        return dir(self._obj)

    # Calls that may block: through the pool.

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _call(self, self._obj, *args, **kwargs)

    def __getitem__(self, key: Any) -> Any:
        return _call(self, operator.getitem, self._obj, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        execute(operator.setitem, self._obj, key, _unwrap(value))

    def __delitem__(self, key: Any) -> None:
        execute(operator.delitem, self._obj, key)

    def __contains__(self, item: Any) -> bool:
        return bool(execute(operator.contains, self._obj, _unwrap(item)))

    def __iter__(self) -> Iterator[Any]:
        it = iter(self._obj)
        if it is self._obj:
            return self
        return Proxy(it, self._autowrap)

    def __next__(self) -> Any:
        return _call(self, next, self._obj)

    def next(self) -> Any:
        """The next item of the wrapped iterator, fetched in the pool."""
        return self.__next__()

    def __enter__(self) -> Any:
        result = _call(self, self._obj.__class__.__enter__, self._obj)
        return self if result is self._obj else result

    def __exit__(self, *exc_info: Any) -> Any:
        return execute(self._obj.__class__.__exit__, self._obj, *exc_info)

    # Answers the object gives at once.

    def __len__(self) -> int:
        return len(self._obj)

    def __bool__(self) -> bool:
        return bool(self._obj)

    def __eq__(self, other: object) -> bool:
        return bool(self._obj == _unwrap(other))

    def __ne__(self, other: object) -> bool:
        return bool(self._obj != _unwrap(other))

    def __lt__(self, other: Any) -> bool:
        return bool(self._obj < _unwrap(other))

    def __le__(self, other: Any) -> bool:
        return bool(self._obj <= _unwrap(other))

    def __gt__(self, other: Any) -> bool:
        return bool(self._obj > _unwrap(other))

    def __ge__(self, other: Any) -> bool:
        return bool(self._obj >= _unwrap(other))

    def __hash__(self) -> int:
        return hash(self._obj)

    def __str__(self) -> str:
        return str(self._obj)

    def __repr__(self) -> str:
        return repr(self._obj)

    def __copy__(self) -> Proxy:
        import copy

        return Proxy(copy.copy(self._obj), self._autowrap, self._autowrap_names)

    def __deepcopy__(self, memo: dict[int, Any]) -> Proxy:
        import copy

        return Proxy(copy.deepcopy(self._obj, memo), self._autowrap, self._autowrap_names)


_PROXY_SLOTS = frozenset(Proxy.__slots__)
