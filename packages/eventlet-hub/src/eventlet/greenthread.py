"""Green threads: spawning, sleeping, killing, and the GreenThread that holds a result."""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator
from typing import Any, Generic, ParamSpec, TypeVar

import greenlet
from greenlet import GreenletExit

from eventlet.event import exc_info_from
from eventlet.hubs import get_hub
from eventlet.hubs._park import WOKEN, WOKEN_ARGS, UnexpectedWakeup, park, stray
from eventlet.hubs.hub import BaseHub, debug_state

__all__ = [
    "GreenThread",
    "getcurrent",
    "kill",
    "sleep",
    "spawn",
    "spawn_after",
    "spawn_after_local",
    "spawn_n",
]

getcurrent = greenlet.getcurrent

_T = TypeVar("_T")
_P = ParamSpec("_P")


def _check_callable(func: Any, caller: str) -> None:
    if not callable(func):
        raise TypeError(f"{caller}() needs a callable as func, not {type(func).__name__!r}")


def _check_seconds(seconds: Any, caller: str) -> float:
    """Refuse delays that are not numbers; a negative delay means 'as soon as possible'."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise TypeError(
            f"{caller}() seconds must be a number, not {type(seconds).__name__!r}"
        ) from None
    if value != value:
        raise ValueError(f"{caller}() seconds must be a number, not NaN")
    return value


# What sleep(0) switches back with: greenlet.switch(WOKEN) returns WOKEN itself, so the hot
# path checks its wake-up by identity, with no tuple made per switch.
_WOKEN_ALONE = (WOKEN,)


def sleep(seconds: float = 0) -> None:
    """Suspend the current green thread for at least ``seconds``; ``sleep(0)`` just yields.

    Returns early if the hub is stopped (``hub.abort()``) meanwhile. A foreign
    ``greenlet.switch()`` into the sleeping green thread raises
    :class:`~eventlet.hubs.UnexpectedWakeup` (see :mod:`eventlet.hubs._park`).
    """
    hub = get_hub()
    current = getcurrent()
    hub_greenlet = hub.greenlet
    if current is hub_greenlet:
        raise RuntimeError("sleep() cannot be called from inside the hub")
    if seconds == 0 and seconds.__class__ in (int, float):
        # The hot path: straight onto the run queue. The hub is not asleep in the OS (this
        # green thread runs), so it needs no wake-up.
        entry = [current.switch, _WOKEN_ALONE]
        hub._ready.append(entry)
        try:
            got = hub.switch() if hub_greenlet.dead else hub_greenlet.switch()
        finally:
            entry[0] = None  # a kill may have woken us first: the entry must not fire late
        if got is not WOKEN:
            _check_woken(hub, got)
        return
    timer = hub.schedule_call_global(_check_seconds(seconds, "sleep"), current.switch, *WOKEN_ARGS)
    try:
        got = hub.switch()
    finally:
        timer.cancel()
    if got is not WOKEN_ARGS:
        _check_woken(hub, got)


def _check_woken(hub: BaseHub, got: Any) -> None:
    """Raise for a sleep resumed by a foreign switch; a stopped hub ends the sleep quietly."""
    if got is WOKEN or (got.__class__ is tuple and len(got) == 2 and got[0] is WOKEN):
        return
    error = stray(hub, "sleep()", got)
    if not (isinstance(error, UnexpectedWakeup) and error.hub_stopped):
        raise error


class GreenThread(greenlet.greenlet, Generic[_T]):
    """A green thread whose function's result (or exception) can be waited for.

    Do not make one directly; :func:`spawn` does. Instances accept arbitrary attributes.
    Generic in the function's return type: ``spawn(f)`` is a ``GreenThread[R]`` when ``f``
    returns ``R``, and its :meth:`wait` returns ``R``.
    """

    # The call to make, (function, args, kwargs or None), until the green thread starts. A
    # slot rather than switch() arguments: those stay referenced for the green thread's
    # whole life, this is dropped as it starts. (greenlet instances keep their __dict__, so
    # the attributes below and any a program sets still work; mypy without the greenlet
    # stubs does not know it, hence the "type: ignore[misc]" where they are set.)
    __slots__ = ("_start",)
    _start: tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any] | None] | None

    # The outcome, set when the function returns or raises; see _outcome().
    _exit_result: Any = None
    _exit_exc: Any = None
    _finished = False
    _waiters: dict[Any, None] | None = None
    _exit_funcs: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] | None = None

    def __init__(self, parent: greenlet.greenlet) -> None:
        greenlet.greenlet.__init__(self, _run, parent)

    def main(
        self, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any] | None
    ) -> Any:
        """Run ``function`` and record its outcome for :meth:`wait` and the links."""
        try:
            # A plain call when there are no keyword arguments: CPython runs it in the same C
            # frame (a ``*args, **kwargs`` call does not), which keeps every blocked green
            # thread's saved C stack smaller.
            if kwargs:
                result = function(*args, **kwargs)
            elif not args:
                result = function()
            elif len(args) == 1:
                result = function(args[0])
            else:
                result = function(*args)
        except BaseException as exc:
            self._exit_exc = sys.exc_info()
            self._finish()
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise  # the hub passes these on to the main greenlet
            if not isinstance(exc, GreenletExit):
                _report(self, self._exit_exc)
            # Not re-raised: greenlet would hand it to the hub at whatever callback last
            # switched here, and a callback waking several green threads would stop short.
            return None
        self._exit_result = result
        self._finish()
        return result

    def _finish(self) -> None:
        self._finished = True  # type: ignore[misc, unused-ignore]
        if self._waiters:
            get_hub().run_soon(self._wake_waiters)
        if self._exit_funcs:
            self._resolve_links()

    def _wake_waiters(self) -> None:
        # Waiters that were killed meanwhile have removed themselves, so none wakes stale.
        waiters = self._waiters
        if waiters:
            for waiter in list(waiters):
                if waiters.pop(waiter, False) is None:
                    waiter.switch(*WOKEN_ARGS)

    def _outcome(self) -> Any:
        exc = self._exit_exc
        if exc is not None:
            raise exc[1].with_traceback(exc[2])
        return self._exit_result

    def wait(self) -> _T:
        """Return the function's result, or raise its exception, waiting if it runs still."""
        if not self._finished:
            if self.dead:  # killed by greenlet directly, never through main()
                raise GreenletExit()
            current = getcurrent()
            if current is self:
                raise RuntimeError("a green thread cannot wait() for itself")
            waiters = self._waiters
            if waiters is None:
                waiters = self._waiters = {}  # type: ignore[misc, unused-ignore]
            waiters[current] = None
            try:
                park(get_hub(), "GreenThread.wait()")
            finally:
                waiters.pop(current, None)
        return self._outcome()

    def __await__(self) -> Generator[Any, None, _T]:
        """``await green_thread`` in a coroutine gives its result (on the asyncio hub)."""
        from eventlet.asyncio import future_for_greenthread

        return future_for_greenthread(self).__await__()

    def link(self, func: Callable[..., Any], *curried_args: Any, **curried_kwargs: Any) -> None:
        """Call ``func(self, *curried_args, **curried_kwargs)`` when the green thread ends.

        Called at once if it has already ended. The call runs in the ending green thread.
        """
        if not callable(func):
            raise TypeError(f"link() needs a callable, not {type(func).__name__!r}")
        if self._exit_funcs is None:
            self._exit_funcs = []  # type: ignore[misc, unused-ignore]
        self._exit_funcs.append((func, curried_args, curried_kwargs))
        if self._finished or self.dead:
            self._resolve_links()

    def unlink(self, func: Callable[..., Any], *curried_args: Any, **curried_kwargs: Any) -> bool:
        """Remove a link made with the same arguments; return whether one was found."""
        if self._exit_funcs:
            try:
                self._exit_funcs.remove((func, curried_args, curried_kwargs))
                return True
            except ValueError:
                pass
        return False

    def _resolve_links(self) -> None:
        funcs = self._exit_funcs
        while funcs:
            func, args, kwargs = funcs.pop(0)
            try:
                func(self, *args, **kwargs)
            except Exception:
                # One failing link must not keep the others from running.
                if debug_state.exceptions:
                    sys.excepthook(*sys.exc_info())

    def kill(self, *throw_args: Any) -> None:
        """Raise ``throw_args`` (default GreenletExit) in this green thread; see :func:`kill`."""
        kill(self, *throw_args)

    def cancel(self, *throw_args: Any) -> None:
        """Kill this green thread only if it has not started running yet."""
        cancel(self, *throw_args)


def _run() -> Any:
    """What every GreenThread runs: its ``main``, with the call that spawn stored.

    A plain function rather than the bound method: greenlet calls a bound method through an
    extra C frame, which every blocked green thread would keep in its saved stack (about
    190 bytes each).
    """
    self: GreenThread[Any] = getcurrent()  # type: ignore[assignment, unused-ignore]
    function, args, kwargs = self._start  # type: ignore[misc]
    self._start = None
    return self.main(function, args, kwargs)


def spawn(func: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> GreenThread[_T]:
    """Run ``func(*args, **kwargs)`` in a new green thread, soon; return it to wait on."""
    _check_callable(func, "spawn")
    hub = get_hub()
    hub_greenlet = hub.greenlet
    if hub_greenlet.dead:
        hub.ensure_greenlet()
        hub_greenlet = hub.greenlet
    thread: GreenThread[_T] = GreenThread(hub_greenlet)
    thread._start = (func, args, kwargs or None)
    hub.run_soon(thread.switch)
    return thread


def spawn_n(func: Callable[_P, Any], /, *args: _P.args, **kwargs: _P.kwargs) -> greenlet.greenlet:
    """Run ``func(*args, **kwargs)`` in a new green thread whose result nobody can get.

    Cheaper than :func:`spawn`. If ``func`` raises, the hub prints the traceback (unless
    ``eventlet.debug.hub_exceptions(False)``).
    """
    _check_callable(func, "spawn_n")
    hub = get_hub()
    hub.ensure_greenlet()
    g = greenlet.greenlet(_run_n, hub.greenlet)
    hub.run_soon(g.switch, func, args, kwargs or None)
    return g


def _run_n(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any] | None) -> None:
    """The body of a :func:`spawn_n` green thread: its failure is reported, not raised."""
    try:
        if kwargs:
            func(*args, **kwargs)
        else:
            func(*args)
    except (KeyboardInterrupt, SystemExit):
        raise
    except GreenletExit:
        pass
    except BaseException:
        _report(func, sys.exc_info())


def _report(where: Any, exc_info: Any) -> None:
    """Print a failed green thread's traceback, unless ``debug.hub_exceptions(False)``."""
    if debug_state.exceptions:
        get_hub().squelch_timer_exception(where, exc_info)


def spawn_after(
    seconds: float, func: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
) -> GreenThread[_T]:
    """Like :func:`spawn`, after ``seconds``; ``GreenThread.cancel()`` prevents the call."""
    _check_callable(func, "spawn_after")
    seconds = _check_seconds(seconds, "spawn_after")
    hub = get_hub()
    hub.ensure_greenlet()
    thread: GreenThread[_T] = GreenThread(hub.greenlet)
    thread._start = (func, args, kwargs or None)
    hub.schedule_call_global(seconds, thread.switch)
    return thread


def spawn_after_local(
    seconds: float, func: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
) -> GreenThread[_T]:
    """Like :func:`spawn_after`, but not run if the calling green thread has ended by then."""
    _check_callable(func, "spawn_after_local")
    seconds = _check_seconds(seconds, "spawn_after_local")
    hub = get_hub()
    hub.ensure_greenlet()
    thread: GreenThread[_T] = GreenThread(hub.greenlet)
    thread._start = (func, args, kwargs or None)
    hub.schedule_call_local(seconds, thread.switch)
    return thread


def kill(g: greenlet.greenlet, *throw_args: Any) -> None:
    """Raise an exception (default GreenletExit) in green thread ``g`` right away.

    ``throw_args`` are what ``raise`` takes, or an exc_info tuple. A green thread that has
    not started never runs its function; its ``wait()`` raises the exception. The caller
    yields and is resumed soon after.
    """
    if g.dead:
        return
    hub = get_hub()
    if not g:
        # Not started: record the outcome as if the function had raised at once.
        if isinstance(g, GreenThread):
            g._start = None
            g._exit_exc = exc_info_from(throw_args or (GreenletExit,))
            g._finish()
        # End it without running it: greenlet drops a GreenletExit thrown into a greenlet
        # that has not started.
        throw_args = (GreenletExit,)
    current = getcurrent()
    if current is hub.greenlet:
        g.throw(*throw_args)
        return
    hub.ensure_greenlet()
    # What comes back is not looked at: the killed green thread may switch back here itself.
    wake = hub.run_soon(current.switch, *WOKEN_ARGS)
    try:
        g.throw(*throw_args)
    finally:
        wake[0] = None


def cancel(g: greenlet.greenlet, *throw_args: Any) -> None:
    """Kill ``g`` only if it has not started running yet."""
    if not g:
        kill(g, *throw_args)
