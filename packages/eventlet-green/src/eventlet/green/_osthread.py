"""Run a blocking call in a real OS thread while only the calling green thread waits.

For the few calls that have no non-blocking form (the system resolver when
``EVENTLET_NO_GREENDNS`` is set, the MySQLdb C client). The worker hands the result back
through the hub's thread-safe wake-up, so the hub is never polled. This is deliberately small:
the general thread pool is ``eventlet.tpool`` (eventlet-tpool), which sits above this
distribution and so cannot be used here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from greenlet import getcurrent

from eventlet.hubs import get_hub

__all__ = ["call", "MAX_WORKERS"]

_T = TypeVar("_T")

#: Worker threads started at most; calls beyond that wait for a free worker.
MAX_WORKERS = 8

class _Pool:
    """Worker OS threads taking jobs from one queue."""

    def __init__(self) -> None:
        # The unpatched modules: the workers must be real OS threads, blocking for real.
        from eventlet.green._inject import original

        self._thread = original("_thread")
        self._queue: Any = original("queue").SimpleQueue()
        self._lock = self._thread.allocate_lock()
        self._workers = 0
        self._idle = 0

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            start = self._idle == 0 and self._workers < MAX_WORKERS
            if start:
                self._workers += 1
            else:
                self._idle -= 1
        self._queue.put(job)
        if start:
            self._thread.start_new_thread(self._work, ())

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            job()
            with self._lock:
                self._idle += 1


_pool: _Pool | None = None


def _reset_after_fork() -> None:
    global _pool
    _pool = None  # the child has none of the parent's worker threads


os.register_at_fork(after_in_child=_reset_after_fork)


class _Waiter:
    __slots__ = ("greenlet", "done", "outcome")

    def __init__(self) -> None:
        self.greenlet = getcurrent()
        self.done = False
        self.outcome: tuple[bool, Any] = (False, None)


def _resume(waiter: _Waiter) -> None:
    # Runs in the hub's thread. The green thread may have given up (a Timeout) meanwhile.
    if not waiter.done and not waiter.greenlet.dead:
        waiter.done = True
        waiter.greenlet.switch()


def call(func: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Run ``func(*args, **kwargs)`` in a worker OS thread; return its result or raise its error.

    Only the calling green thread waits; the others run meanwhile. If the caller is
    interrupted (a Timeout, a kill), the worker still finishes and its result is dropped.
    """
    global _pool
    if not callable(func):
        raise TypeError(f"call() needs a callable, not {type(func).__name__!r}")
    hub = get_hub()
    if getcurrent() is hub.greenlet:
        raise RuntimeError("a blocking call cannot be waited for inside the hub")
    if _pool is None:
        _pool = _Pool()
    waiter = _Waiter()

    def job() -> None:
        try:
            waiter.outcome = (True, func(*args, **kwargs))
        except BaseException as error:  # handed to the green thread, which re-raises it
            waiter.outcome = (False, error)
        try:
            hub.call_soon_threadsafe(_resume, waiter)
        except Exception:
            pass  # the hub is gone (its thread ended): nobody waits any more

    _pool.submit(job)
    try:
        while not waiter.done:
            hub.switch()
    finally:
        waiter.done = True
    ok, value = waiter.outcome
    if ok:
        return value
    raise value
