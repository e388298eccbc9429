"""The green ``_thread`` module: low-level threads that are green threads.

``start_new_thread`` starts a green thread (an :mod:`eventlet.greenthread` GreenThread) in
the calling OS thread, locks are green (:class:`LockType`, safe across OS threads too), and
:func:`get_ident` tells green threads apart. Names with no green meaning (``error``, ``exit``, ``TIMEOUT_MAX``,
``get_native_id``, ...) are the standard library's own.

This module (the Python 2 name, ``thread``) holds the code; :mod:`eventlet.green._thread`
carries exactly the names the running Python's ``_thread`` has. Besides those, a few private
helpers here serve :mod:`eventlet.green.threading`.

Differences from OS threads, by nature: green threads run only when the running one waits
(on a lock, a sleep, I/O); ``get_native_id()`` is the OS thread's, shared by all its green
threads; a ``KeyboardInterrupt`` in a green thread is passed on to the main green thread, as
everywhere in eventlet, instead of being reported and dropped.
"""

from __future__ import annotations

import _thread as _stdlib_thread
import operator
import sys
import traceback
import warnings
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple, cast

from greenlet import GreenletExit, getcurrent

import eventlet.hubs as _hubs
from eventlet.corolocal import local as _local  # noqa: F401  (_thread._local)
from eventlet.greenthread import spawn
from eventlet.hubs import get_hub
from eventlet.hubs._park import park, wake

# The names the running Python's _thread has; eventlet.green._thread carries these.
STDLIB_NAMES: tuple[str, ...] = tuple(
    name for name in dir(_stdlib_thread) if not (name.startswith("__") and name.endswith("__"))
)

# The real primitives: a green lock guards its state with a real one, and tells OS threads apart.
_real_allocate_lock = _stdlib_thread.allocate_lock
_os_thread_ident = _stdlib_thread.get_ident

# No green meaning: the standard library's own.
error = _stdlib_thread.error
TIMEOUT_MAX: float = _stdlib_thread.TIMEOUT_MAX
exit = exit_thread = _stdlib_thread.exit
get_native_id = _stdlib_thread.get_native_id
_ExceptHookArgs = _stdlib_thread._ExceptHookArgs

# The smallest stack size the standard library accepts (THREAD_STACK_MIN on POSIX).
_STACK_MIN = 0x8000


def get_ident() -> int:
    """Return a nonzero integer that identifies the current green thread among those alive.

    It may be reused once the green thread has ended and been freed, like an OS thread's.
    """
    try:
        return id(getcurrent())
    except RuntimeError:
        return _FINALIZING_IDENT  # see _FINALIZING_IDENT


# greenlet refuses getcurrent() while the interpreter finalizes, when cleanup code (logging's
# shutdown, say) still takes locks; only one thread is left then, and this stands for it.
_FINALIZING_IDENT = 1


def interrupt_main(signum: int = 2, /) -> None:
    """Simulate the arrival of signal ``signum`` (default SIGINT) in the main green thread.

    As with the standard library's, its Python handler runs (for SIGINT by default: raise
    ``KeyboardInterrupt``); a signal with no Python handler does nothing. Called in another
    green thread, the handler runs in the hub, which passes a ``KeyboardInterrupt`` (or
    ``SystemExit``) on to the main green thread, instead of in the caller, where
    ``threading``'s code would report it as the thread's own exception.
    """
    if getcurrent() is _main_greenlet or _root_greenlet() is not _main_greenlet:
        # In the main green thread, or in another OS thread: the signal reaches it as usual.
        _stdlib_thread.interrupt_main(cast(Any, signum))  # typeshed wants a Signals; ints do
        return
    import signal  # only here: most programs never interrupt the main thread

    signal.getsignal(signum)  # a bad number fails here, in the caller
    # The run queue, not a timer: it must come before the wake-ups of green threads that
    # wait for this one (a join() in the main green thread is to be interrupted).
    get_hub().run_soon(_stdlib_thread.interrupt_main, signum)


def _excepthook(args: Any, /) -> None:
    """Report an exception that ended a ``threading.Thread``: ``threading.excepthook``.

    As the standard library's, but a thread given as None is named by its green identifier.
    """
    if type(args) is not _ExceptHookArgs:
        raise TypeError("_thread._excepthook argument type must be ExceptHookArgs")
    if args.exc_type is SystemExit:
        return  # a thread's exit is silent
    thread = args.thread
    stderr = sys.stderr
    if stderr is None:
        # Where the thread was started, sys.stderr may have been set still.
        stderr = getattr(thread, "_stderr", None)
        if stderr is None:
            return
    name = thread.name if thread is not None else get_ident()
    print(f"Exception in thread {name}:", file=stderr, flush=True)
    traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback, file=stderr)
    stderr.flush()


def _root_greenlet() -> Any:
    """The main greenlet of the current OS thread (every green thread descends from it)."""
    current = getcurrent()
    while current.parent is not None:
        current = current.parent
    return current


# The main green thread: the main greenlet of the OS thread that first imported this module
# (normally the main thread of the program).
_main_greenlet = _root_greenlet()
_main_os_thread = _os_thread_ident()  # and the OS thread it runs in


def _get_main_thread_ident() -> int:
    """Return the identifier of the main green thread (the main greenlet of the program)."""
    return id(_main_greenlet)


# -- locks ----------------------------------------------------------------------------------


def _acquire_timeout(blocking: Any, timeout: Any) -> float | None:
    """Check ``acquire(blocking, timeout)`` as the standard library does.

    Returns the seconds to wait, None for no limit (also for a non-blocking call).
    """
    if isinstance(timeout, (int, float)):
        seconds = float(timeout)
    else:
        raise TypeError(f"timeout must be a number, not {type(timeout).__name__!r}")
    if seconds != seconds:
        raise ValueError("timeout must be a number, not NaN")
    if not blocking:
        if seconds != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        return None
    if seconds == -1:
        return None
    if seconds < 0:
        raise ValueError(f"timeout value must be a non-negative number (or -1), not {timeout}")
    if seconds > TIMEOUT_MAX:
        raise OverflowError(f"timeout value is too large: {timeout} > TIMEOUT_MAX")
    return seconds


def _this_threads_hub() -> Any:
    """The current OS thread's hub if it has one yet (None if not), without making one."""
    local = getattr(_hubs, "_threadlocal", None)
    if local is None:
        return get_hub()  # cannot tell without the hub's thread-local: get (or make) it
    return getattr(local, "hub", None)


class _Waiter:
    """A caller of :meth:`LockType.acquire` waiting for the lock."""

    __slots__ = ("greenlet", "hub", "thread", "os_lock", "granted", "waiting")

    def __init__(self) -> None:
        self.greenlet: Any = getcurrent()
        self.thread = _os_thread_ident()
        self.granted = False  # set (under the lock's guard) when a release hands it the lock
        self.waiting = True  # cleared once it stops waiting: a late wake-up is then ignored
        hub = _this_threads_hub()
        if (hub is None and self.greenlet.parent is None) or (
            hub is not None and self.greenlet is hub.greenlet
        ):
            # A plain OS thread without green threads (or a hub callback): nothing else can
            # run here meanwhile, so it waits on a real lock, which a release frees.
            self.hub: Any = None
            self.os_lock: Any = _real_allocate_lock()
            self.os_lock.acquire()
        else:
            self.hub = hub if hub is not None else get_hub()
            self.os_lock = None


def _resume(waiter: _Waiter, value: bool) -> None:
    """In the waiter's hub: resume it with ``value``, unless it has stopped waiting."""
    if waiter.waiting:
        waiter.waiting = False
        wake(waiter.greenlet, value)


class LockType:
    """A green lock with the interface of the standard library's ``_thread.lock``.

    :meth:`acquire` suspends only the calling green thread. The lock has no owner: any green
    thread may release it. It also works across OS threads: a real thread (one of
    ``eventlet.patcher.original("threading")``, say) that waits for it blocks only itself, and
    a release in any thread wakes the waiter in its own thread. Waiters get the lock in the
    order they asked for it.
    """

    __slots__ = ("_locked", "_waiters", "_guard", "__weakref__")

    if sys.version_info >= (3, 13):
        # threading.Lock is this type from Python 3.13 on, and, like the stdlib's, it takes
        # no subclasses (earlier, threading.Lock was a function, which cannot be either).

        def __init_subclass__(cls, **kwargs: Any) -> None:
            raise TypeError("type 'lock' is not an acceptable base type")

    def __init__(self) -> None:
        self._locked = False
        self._waiters: deque[_Waiter] = deque()
        # A real lock guarding the two fields above against other OS threads; held only for
        # a few instructions, never while waiting.
        self._guard = _real_allocate_lock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Lock it; return True once locked, False if it could not be locked in time.

        With ``blocking`` false, return at once. Otherwise wait at most ``timeout`` seconds,
        or as long as it takes if ``timeout`` is -1 (the default).
        """
        # The default arguments need no checking: the common case stays cheap.
        seconds = (
            None if blocking is True and timeout == -1 else _acquire_timeout(blocking, timeout)
        )
        guard = self._guard
        guard.acquire()
        if not self._locked:
            self._locked = True
            guard.release()
            return True
        try:
            if not blocking or seconds == 0:
                return False
            waiter = _Waiter()
            self._waiters.append(waiter)
        finally:
            guard.release()
        if waiter.os_lock is not None:
            return self._wait_os_thread(waiter, seconds)
        return self._wait_green(waiter, seconds)

    def _wait_os_thread(self, waiter: _Waiter, seconds: float | None) -> bool:
        if waiter.os_lock.acquire(True, -1 if seconds is None else seconds):
            return True
        with self._guard:
            if waiter.granted:
                return True  # handed the lock as the wait ran out: it is ours
            self._waiters.remove(waiter)
            return False

    def _wait_green(self, waiter: _Waiter, seconds: float | None) -> bool:
        hub = waiter.hub
        timer = None if seconds is None else hub.schedule_call_global(seconds, self._expire, waiter)
        try:
            return bool(park(hub, "Lock.acquire()"))
        except BaseException:
            waiter.waiting = False  # a wake-up still on its way is ignored
            with self._guard:
                granted = waiter.granted
                if not granted:
                    self._waiters.remove(waiter)
            if granted:
                self.release()  # handed the lock it will never use: pass it on
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _expire(self, waiter: _Waiter) -> None:
        # Runs in the waiter's hub when its timeout has passed.
        with self._guard:
            if waiter.granted:
                return  # the lock is on its way to it
            self._waiters.remove(waiter)
        _resume(waiter, False)

    def release(self) -> None:
        """Unlock it, handing it to the first waiting green thread (or OS thread) if any.

        Raises RuntimeError if it is not locked.
        """
        guard = self._guard
        guard.acquire()
        if self._locked and not self._waiters:
            self._locked = False
            guard.release()
            return
        try:
            if not self._locked:
                raise RuntimeError("release unlocked lock")
            waiter = self._waiters.popleft()
            waiter.granted = True  # it stays locked: it now belongs to the waiter
        finally:
            guard.release()
        if waiter.os_lock is not None:
            waiter.os_lock.release()
        elif waiter.thread == _os_thread_ident():
            waiter.hub.run_soon(_resume, waiter, True)
        else:
            try:
                waiter.hub.call_soon_threadsafe(_resume, waiter, True)
            except RuntimeError:  # its hub is closed, its thread gone: pass the lock on
                self.release()

    def locked(self) -> bool:
        """Return True if the lock is held."""
        return self._locked

    acquire_lock = acquire
    release_lock = release

    def locked_lock(self) -> bool:
        """An old name of :meth:`locked`."""
        return self._locked

    def _at_fork_reinit(self) -> None:
        # In a forked child only the forking thread lives on: start unlocked, without waiters.
        self._guard = _real_allocate_lock()
        self._locked = False
        self._waiters = deque()

    __enter__ = acquire

    def __exit__(self, *exc_info: Any) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "locked" if self._locked else "unlocked"
        kind = f"{type(self).__module__}.{type(self).__qualname__}"
        return f"<{state} {kind} object at {id(self):#x}>"


class _LockAllocator:
    """``allocate_lock()``: return a new, unlocked green lock (a :class:`LockType`)."""

    # An object rather than a function: like the standard library's builtin, it must not
    # become a method when stored as a class attribute (``locktype = thread.allocate_lock``).
    __slots__ = ()
    __name__ = __qualname__ = "allocate_lock"

    def __call__(self) -> LockType:
        return LockType()

    def __repr__(self) -> str:
        return f"<function {__name__}.allocate_lock>"


allocate_lock = _LockAllocator()
allocate = allocate_lock
lock = LockType  # the name Python 3.13 gives the type


class RLock:
    """A reentrant green lock: the green thread holding it may acquire it again.

    It must be released as many times as it was acquired; only the green thread holding it
    may release it (others get RuntimeError).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            # Ignored, as by the stdlib's C RLock, which warns about them from Python 3.13 on.
            if sys.version_info >= (3, 13):
                warnings.warn(
                    "Passing arguments to RLock is deprecated and will be removed in 3.15",
                    DeprecationWarning,
                    stacklevel=2,
                )
        self._block = LockType()
        self._owner: int | None = None
        self._count = 0

    def __repr__(self) -> str:
        state = "locked" if self._count else "unlocked"
        return (
            f"<{state} {type(self).__module__}.{type(self).__qualname__} object "
            f"owner={self._owner or 0} count={self._count} at {id(self):#x}>"
        )

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire it, or count one more acquisition if the calling green thread holds it.

        Returns True once held; False if ``blocking`` is false or ``timeout`` passed first.
        """
        if not (blocking is True and timeout == -1):
            _acquire_timeout(blocking, timeout)  # bad arguments raise, even when reentrant
        try:
            me = id(getcurrent())  # get_ident(), inlined: logging takes an RLock per record
        except RuntimeError:
            me = _FINALIZING_IDENT
        if self._owner == me:
            self._count += 1
            return True
        if not self._block.acquire(blocking, timeout):
            return False
        self._owner = me
        self._count = 1
        return True

    def release(self) -> None:
        """Undo one acquisition; the lock is free again once all are undone.

        Raises RuntimeError if the calling green thread does not hold it.
        """
        if self._count == 0 or self._owner != get_ident():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            self._owner = None
            self._block.release()

    __enter__ = acquire

    def __exit__(self, *exc_info: Any) -> None:
        self.release()

    # The protocol threading.Condition uses to wait on an RLock held several times.

    def _is_owned(self) -> bool:
        return self._count > 0 and self._owner == get_ident()

    def _recursion_count(self) -> int:
        return self._count if self._is_owned() else 0

    def _release_save(self) -> tuple[int, int | None]:
        if self._count == 0:
            raise RuntimeError("cannot release un-acquired lock")
        state = (self._count, self._owner)
        self._count = 0
        self._owner = None
        self._block.release()
        return state

    def _acquire_restore(self, state: tuple[int, int | None]) -> None:
        self._block.acquire()
        self._count, self._owner = state

    def _at_fork_reinit(self) -> None:
        self._block._at_fork_reinit()
        self._owner = None
        self._count = 0


# -- green threads --------------------------------------------------------------------------


class _ThreadHandle:
    """A handle to join a green thread, as Python 3.13's ``_thread._ThreadHandle``."""

    def __init__(self) -> None:
        self._ident: int | None = None
        self._done = False
        # Held until the green thread ends; a green lock, so that a real OS thread can join too.
        self._finished = LockType()
        self._finished.acquire()

    def __repr__(self) -> str:
        state = "done" if self._done else "running" if self._ident is not None else "new"
        return f"<{type(self).__name__} ident={self._ident} {state} at {id(self):#x}>"

    @property
    def ident(self) -> int | None:
        """The identifier of the green thread, None until it is started."""
        return self._ident

    def is_done(self) -> bool:
        """True once the green thread has finished."""
        return self._done

    def join(self, timeout: float | None = None) -> None:
        """Wait until the green thread has finished, at most ``timeout`` seconds if given.

        None or a negative timeout waits as long as it takes.
        """
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
                raise TypeError(f"timeout must be a number or None, not {type(timeout).__name__!r}")
            if timeout != timeout:
                raise ValueError("timeout must be a number, not NaN")
            if timeout < 0:
                timeout = None
        if self._ident is None:
            raise RuntimeError("thread not started")
        if self._done:
            return
        if self._ident == get_ident():
            raise RuntimeError("Cannot join current thread")
        if timeout == 0:
            return
        seconds = -1 if timeout is None else min(timeout, TIMEOUT_MAX)
        if self._finished.acquire(True, seconds):
            self._finished.release()  # for the next joiner

    def _set_done(self) -> None:
        """Mark the green thread finished and wake its joiners (as 3.13's handle does)."""
        if self._ident is None:
            raise RuntimeError("thread not started")
        if not self._done:
            self._done = True
            self._finished.release()


def _make_thread_handle(ident: int) -> _ThreadHandle:
    """A handle for a green thread this module did not start (the main one, dummies)."""
    handle = _ThreadHandle()
    handle._ident = ident
    return handle


class _Running:
    """What this module knows of a green thread it started, until that thread ends."""

    __slots__ = ("hub", "os_ident", "handle", "daemon", "sentinels")

    def __init__(self, hub: Any, handle: _ThreadHandle | None, daemon: bool) -> None:
        self.hub = hub  # the hub that runs it: it can only ever run there
        self.os_ident = _os_thread_ident()  # and so in the OS thread that started it
        self.handle = handle
        self.daemon = daemon
        self.sentinels: list[LockType] = []  # released when the green thread ends


# Green threads started here and not yet ended, by identifier.
_running: dict[int, _Running] = {}
# How many of them have begun running (what _count() returns).
_started_count = 0
# What stack_size() was last given (green threads do not use it: greenlets grow as needed).
_stack_size = 0


class _UnraisableHookArgs(NamedTuple):
    """The argument of ``sys.unraisablehook`` for an exception a green thread did not catch."""

    exc_type: type[BaseException]
    exc_value: BaseException
    exc_traceback: Any
    err_msg: str
    object: Any


def _report_unhandled(function: Any, exc: BaseException) -> None:
    """Report an exception that ended a green thread, as the standard library does.

    Python 3.13 names the function inside the message and passes no object; earlier
    versions pass the function as the object.
    """
    message = "Exception ignored in thread started by"
    about: Any = function
    if sys.version_info >= (3, 13):
        message, about = f"{message} {function!r}", None
    hook = sys.unraisablehook
    if hook is sys.__unraisablehook__:
        # The default hook accepts only the interpreter's own argument type; print as it does.
        stderr = sys.stderr
        if stderr is not None:
            print(f"{message}: {about!r}" if about is not None else f"{message}:", file=stderr)
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=stderr)
            stderr.flush()
        return
    hook(cast(Any, _UnraisableHookArgs(type(exc), exc, exc.__traceback__, message, about)))


def _run(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any] | None
) -> None:
    """The body of every green thread started here."""
    global _started_count
    ident = get_ident()
    _started_count += 1
    try:
        if kwargs:
            function(*args, **kwargs)
        else:
            function(*args)
    except (SystemExit, GreenletExit):
        pass  # the thread exits quietly, as with _thread.exit()
    except KeyboardInterrupt:
        raise  # the hub passes it on to the main green thread
    except BaseException as exc:
        _report_unhandled(function, exc)
    finally:
        _started_count -= 1
        record = _running.pop(ident, None)
        if record is not None:
            for sentinel in record.sentinels:
                if sentinel.locked():
                    sentinel.release()
            if record.handle is not None:
                record.handle._set_done()


def _os_thread_ident_of(ident: int) -> int:
    """The OS thread identifier behind ``ident``, for calls that need one (``pthread_kill``).

    ``ident`` may be a green thread's identifier, as :func:`get_ident` gives it: the calling
    green thread's, the main green thread's, or one started here; its OS thread's identifier
    comes back. Any other number is returned as it is (an OS thread's identifier, as with the
    standard library).
    """
    if ident == get_ident():
        return _os_thread_ident()
    record = _running.get(ident)
    if record is not None:
        return record.os_ident
    if ident == id(_main_greenlet):
        return _main_os_thread
    return ident


def _start(
    function: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any] | None,
    handle: _ThreadHandle | None,
    daemon: bool,
) -> int:
    hub = get_hub()
    green = spawn(_run, function, args, kwargs)
    ident = id(green)
    _running[ident] = _Running(hub, handle, daemon)
    if handle is not None:
        handle._ident = ident
    return ident


def start_new_thread(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any] | None = None, /
) -> int:
    """Start a green thread calling ``function(*args, **kwargs)``; return its identifier.

    The green thread starts running when the caller next waits. It ends when the function
    returns or raises; an exception other than SystemExit is reported through
    ``sys.unraisablehook``.
    """
    if not callable(function):
        raise TypeError(f"first arg must be callable, not {type(function).__name__!r}")
    if not isinstance(args, tuple):
        raise TypeError(f"2nd arg must be a tuple, not {type(args).__name__!r}")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError(f"optional 3rd arg must be a dictionary, not {type(kwargs).__name__!r}")
    return _start(function, args, kwargs, None, True)


start_new = start_new_thread


def start_joinable_thread(
    function: Callable[..., Any], handle: _ThreadHandle | None = None, daemon: bool = True
) -> _ThreadHandle:
    """Start a green thread calling ``function()``; return a handle to join it.

    For :mod:`threading` (Python 3.13+). A thread that is not ``daemon`` is waited for by
    :func:`_shutdown`.
    """
    if not callable(function):
        raise TypeError(f"thread function must be callable, not {type(function).__name__!r}")
    if handle is None:
        handle = _ThreadHandle()
    elif not isinstance(handle, _ThreadHandle):
        raise TypeError(f"handle must be a _ThreadHandle, not {type(handle).__name__!r}")
    elif handle._ident is not None:
        raise RuntimeError("thread already started")
    _start(function, (), None, handle, bool(daemon))
    return handle


def _shutdown() -> None:
    """Wait for the non-daemon green threads (other than the caller) to finish.

    Only those of the current hub: a green thread of another OS thread, or of a hub that was
    replaced, could never finish while we wait.
    """
    me = get_ident()
    hub = get_hub()
    while True:
        pending = [
            record.handle
            for ident, record in list(_running.items())
            if ident != me
            and not record.daemon
            and record.hub is hub
            and record.handle is not None
            and not record.handle.is_done()
        ]
        if not pending:
            return
        for handle in pending:
            handle.join()


def _forget_inherited_threads() -> None:
    """In a forked child: :func:`_shutdown` no longer waits for the green threads inherited
    from the parent (they run on, as daemons), as a child of OS threads has none of them."""
    for record in _running.values():
        record.daemon = True


def _set_sentinel() -> LockType:
    """Return a lock that is released when the current green thread ends.

    Used by :mod:`threading` (up to Python 3.12) to join threads. In a green thread not
    started here, nobody releases it.
    """
    sentinel = LockType()
    record = _running.get(get_ident())
    if record is not None:
        record.sentinels.append(sentinel)
    return sentinel


def _detach_sentinel(sentinel: LockType) -> None:
    """Stop ``sentinel`` from being released when its green thread ends."""
    for record in _running.values():
        if sentinel in record.sentinels:
            record.sentinels.remove(sentinel)


def _sentinels_elsewhere() -> list[LockType]:
    """The sentinels of green threads that the current hub does not run.

    They belong to another OS thread, or to a hub that was replaced: waiting for them here
    would never end.
    """
    hub = get_hub()
    return [
        sentinel
        for record in list(_running.values())
        if record.hub is not hub
        for sentinel in record.sentinels
    ]


def _count() -> int:
    """Return the number of green threads started by this module that are running now."""
    return _started_count


def stack_size(size: int = 0, /) -> int:
    """Set the stack size for new threads (0: the default); return the previous setting.

    The size is checked and kept as the standard library does, but green threads do not use
    it: a greenlet's stack grows as needed.
    """
    global _stack_size
    if isinstance(size, bool):
        raise TypeError("stack size must be an int, not 'bool'")
    try:
        new_size = operator.index(size)
    except TypeError:
        raise TypeError(f"stack size must be an int, not {type(size).__name__!r}") from None
    if new_size < 0:
        raise ValueError(f"size must be 0 or a positive value, not {new_size}")
    if 0 < new_size < _STACK_MIN:
        raise ValueError(f"size not valid: {new_size} bytes (the minimum is {_STACK_MIN})")
    old_size, _stack_size = _stack_size, new_size
    return old_size


def daemon_threads_allowed() -> bool:
    """Return True: green threads may always be daemon threads."""
    return True


# Names of the running Python's _thread that have no green meaning and are not above (such
# as _is_main_interpreter, or what a newer Python adds): the standard library's own.
for _name in STDLIB_NAMES:
    if _name not in globals():
        globals()[_name] = getattr(_stdlib_thread, _name)
del _name

__patched__ = [
    name
    for name in (
        "LockType",
        "RLock",
        "_count",
        "_excepthook",
        "_get_main_thread_ident",
        "_local",
        "_make_thread_handle",
        "_set_sentinel",
        "_shutdown",
        "_ThreadHandle",
        "allocate",
        "allocate_lock",
        "get_ident",
        "interrupt_main",
        "lock",
        "stack_size",
        "start_joinable_thread",
        "start_new",
        "start_new_thread",
    )
    if name in STDLIB_NAMES
]
