"""The green ``threading`` module: ``Thread`` runs as a green thread, locks are green.

This is the running Python's own ``threading`` module, run with the green ``_thread``
(:mod:`eventlet.green._thread`) and the green ``time``: ``Thread.start()`` starts a green
thread, and ``Lock``, ``RLock``, ``Condition``, ``Event``, ``Semaphore``, ``Barrier``,
``Timer.cancel``, ``Thread.join(timeout)`` and the rest suspend only the calling green thread.
``local`` is per green thread.

Beyond the standard library's code, this module:

- makes :func:`current_thread` work in every green thread: one not started by ``Thread``
  (spawned with :func:`eventlet.greenthread.spawn`, say) gets a dummy ``Thread`` that lives
  as long as its greenlet, and the main greenlet is :func:`main_thread`;
- waits for the non-daemon green threads when the program exits, as the interpreter does
  for threads (the interpreter calls only the real ``threading._shutdown``, so an ``atexit``
  hook calls this module's);
- leaves the real ``threading`` module alone: ``sys.modules["threading"]`` stays what it was.
"""

from __future__ import annotations

import atexit
import os
import sys
import types
import weakref
from typing import TYPE_CHECKING, Any

from greenlet import getcurrent

from eventlet.green import _thread as green_thread
from eventlet.green import thread as green_thread_impl
from eventlet.green import time as green_time
from eventlet.green._inject import original
from eventlet.green._inject import run_stdlib_code as _run_stdlib_code

if TYPE_CHECKING:
    # What the standard library's code below defines, for readers and type checkers.
    from threading import *  # noqa: F403
    from threading import (  # type: ignore[attr-defined]
        _HAVE_THREAD_NATIVE_ID,
        Thread,
        _active,
        _DummyThread,
        _main_thread,
        _shutdown,
        active_count,
        enumerate,
        get_ident,
        get_native_id,
    )

_GREEN_DOC = __doc__


def _os_without_fork_hook() -> types.ModuleType:
    """``os`` without ``register_at_fork``, for the standard library's code to import.

    Its fork hook marks every other thread as stopped in the child. Green threads, though,
    live on in a forked child (they are in the process's memory), so this module registers a
    hook of its own instead.
    """
    stand_in = types.ModuleType("os")
    stand_in.__dict__.update(vars(os))
    del stand_in.register_at_fork
    return stand_in


# In this module's own namespace: the standard library's functions then see what is set
# here, such as a program's ``threading.excepthook = ...`` and the overrides below.
_run_stdlib_code(
    "threading",
    globals(),
    {"_thread": green_thread, "time": green_time, "os": _os_without_fork_hook()},
)
__doc__ = _GREEN_DOC


def _adopt_main_greenlet() -> None:
    """Make ``_main_thread`` the main greenlet's, wherever this module was first imported.

    The standard library's code takes the importing thread for the main one; this module
    may be imported first inside some green thread.
    """
    main_ident = green_thread_impl._get_main_thread_ident()
    old_ident = _main_thread._ident
    if old_ident == main_ident:
        return
    _active.pop(old_ident, None)
    _main_thread._ident = main_ident
    _active[main_ident] = _main_thread
    sentinel = getattr(_main_thread, "_tstate_lock", None)  # Python 3.12 and older
    if sentinel is not None:
        # Not the importing green thread's to release: _shutdown() releases it.
        green_thread_impl._detach_sentinel(sentinel)


_adopt_main_greenlet()


# -- current_thread() in any green thread -----------------------------------------------------


class _GreenDummyThread(_DummyThread):
    """The ``Thread`` of a green thread not started by ``Thread`` (a daemon, not joinable).

    It lives as long as its greenlet: :func:`enumerate` leaves it out once the green thread
    has ended, and it is forgotten once the greenlet is freed, before its identifier can be
    reused.
    """

    def __init__(self, greenlet: Any) -> None:
        self._greenlet = weakref.ref(greenlet, self._forget)
        # Kept here: the greenlet may be freed as the interpreter exits, after the module's
        # globals are gone.
        self._registry = _active
        super().__init__()

    def _forget(self, _: Any) -> None:
        # Called as the greenlet is freed, from wherever that happens: no lock, no waiting.
        if self._registry.get(self.ident) is self:
            del self._registry[self.ident]

    def is_alive(self) -> bool:
        """Whether the green thread still runs."""
        greenlet = self._greenlet()
        return greenlet is not None and not greenlet.dead


class _NoDeleteOnDel:
    """Python 3.13's dummy threads forget themselves through a thread-local object;
    :class:`_GreenDummyThread` does it itself (also when the greenlet outlives the module)."""

    def __init__(self, dummy_thread: Any) -> None:
        pass


if "_DeleteDummyThreadOnDel" in globals():
    globals()["_DeleteDummyThreadOnDel"] = _NoDeleteOnDel


def current_thread() -> Thread:  # type: ignore[no-redef]
    """Return the ``Thread`` object of the calling green thread.

    For a green thread not started by ``Thread``, a dummy ``Thread`` (made on first call);
    for the main greenlet, :func:`main_thread`.
    """
    try:
        return _active[get_ident()]
    except KeyError:
        return _GreenDummyThread(getcurrent())


def _forget_ended_dummies() -> None:
    """Drop the dummy threads of green threads that have ended (their greenlets may linger)."""
    for ident, thread in list(_active.items()):
        if isinstance(thread, _GreenDummyThread) and not thread.is_alive():
            if _active.get(ident) is thread:
                del _active[ident]


_stdlib_enumerate = enumerate
_stdlib_active_count = active_count


def enumerate() -> list[Thread]:  # type: ignore[no-redef]
    """Return a list of the ``Thread`` objects alive: started and not yet finished."""
    _forget_ended_dummies()
    return _stdlib_enumerate()


def active_count() -> int:  # type: ignore[no-redef]
    """Return the number of ``Thread`` objects alive (the length of :func:`enumerate`)."""
    _forget_ended_dummies()
    return _stdlib_active_count()


# -- the end of the program and fork ----------------------------------------------------------

_stdlib_shutdown = _shutdown


def _shutdown() -> None:  # type: ignore[no-redef]
    """Wait for the non-daemon green threads to finish; called once, as the program exits.

    Green threads that this OS thread's hub does not run (those of another OS thread, or of
    a hub that was replaced) are not waited for: they could never finish.
    """
    shutdown_locks = globals().get("_shutdown_locks")  # Python 3.12 and older
    if shutdown_locks is not None:
        elsewhere = set(green_thread_impl._sentinels_elsewhere())
        with globals()["_shutdown_locks_lock"]:
            shutdown_locks.difference_update(elsewhere)
    _stdlib_shutdown()
    _shutdown_original_threading()


def _shutdown_original_threading() -> None:
    """Under monkey patching, also wait for the real OS threads that are not daemons.

    The interpreter calls ``_shutdown`` only on ``sys.modules["threading"]``: when this module
    stands there, the standard library's module (``eventlet.patcher.original("threading")``,
    which starts real OS threads) would otherwise never wait for its own threads.
    """
    if sys.modules.get("threading") is not sys.modules.get(__name__):
        return
    real = original("threading")
    if real is not sys.modules.get(__name__):
        real._shutdown()


# The OS thread whose exit is the program's: only there does _shutdown() run at exit.
_importing_os_thread = original("_thread").get_ident()


def _shutdown_at_exit() -> None:
    """The ``atexit`` hook: :func:`_shutdown` (it does nothing once it has run)."""
    if original("_thread").get_ident() == _importing_os_thread:
        _shutdown()


atexit.register(_shutdown_at_exit)


def _after_fork() -> None:
    """In a forked child: every green thread lives on, only the OS thread's id changed.

    (The standard library's version marks all threads but the caller's stopped, which suits
    OS threads: the child has only one.) As with the standard library, though, the child's
    exit does not wait for the threads inherited from the parent: a child made by
    ``multiprocessing`` in a green thread calls ``threading._shutdown()`` before it ends, and
    the parent's server loops would keep it waiting for ever.
    """
    if _HAVE_THREAD_NATIVE_ID:
        native_id = get_native_id()
        for thread in list(_active.values()):
            thread._native_id = native_id
    shutdown_locks = globals().get("_shutdown_locks")  # Python 3.12 and older
    if shutdown_locks is not None:
        shutdown_locks.clear()
    green_thread_impl._forget_inherited_threads()


os.register_at_fork(after_in_child=_after_fork)

__patched__ = [
    name
    for name in (
        "Barrier",
        "BoundedSemaphore",
        "Condition",
        "Event",
        "Lock",
        "RLock",
        "Semaphore",
        "Thread",
        "Timer",
        "_after_fork",
        "_shutdown",
        "active_count",
        "activeCount",
        "currentThread",
        "current_thread",
        "enumerate",
        "get_ident",
        "local",
        "main_thread",
        "stack_size",
    )
    if hasattr(original("threading"), name)
]
