"""Timeout: raise an exception in the current green thread after a delay."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from greenlet import getcurrent

from eventlet.hubs import get_hub
from eventlet.hubs.timer import Timer

__all__ = ["Timeout", "is_timeout", "with_timeout", "wrap_is_timeout"]

_T = TypeVar("_T")
_NONE: Any = object()


class Timeout(BaseException):
    """Raises ``exception`` (default: this Timeout itself) in the current green thread after
    ``seconds``.

    Started on creation unless ``seconds`` is None. As a context manager it is canceled on
    exit; with ``exception=False`` the with-block suppresses its own Timeout. Always
    :meth:`cancel` a Timeout used outside a with-block, in a ``finally``.
    """

    def __init__(self, seconds: float | None = None, exception: Any = None) -> None:
        # BaseException.__new__ has already stored (seconds, exception) as self.args.
        self.seconds = seconds
        self.exception = exception
        if (seconds.__class__ is float or seconds.__class__ is int) and seconds > 0:
            # The common case, inlined from start(): Timeout sits on hot paths.
            self.timer: Any = get_hub().add_timer(Timer(seconds, _fire, self, getcurrent()))
        else:
            self.timer = None
            if seconds is not None:
                self.start()

    def start(self) -> Timeout:
        """Schedule the timeout; done by the constructor. Restart only after cancel()."""
        timer = self.timer
        if timer is not None and not timer.called:
            raise RuntimeError(f"{self!r} is already started; cancel it before starting it again")
        seconds = self.seconds
        if seconds is None:
            self.timer = None
            return self
        if seconds.__class__ is not float and seconds.__class__ is not int:
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
                raise TypeError(
                    f"Timeout seconds must be a number or None, not {type(seconds).__name__!r}"
                )
        # A module function with (timeout, target) as arguments: no bound method per start.
        timer = self.timer = Timer(seconds, _fire, self, getcurrent())
        if seconds > 0:
            get_hub().add_timer(timer)
        else:
            get_hub()._schedule(timer, seconds)
        return self

    @property
    def pending(self) -> bool:
        """True if the timeout is scheduled and has not fired or been canceled."""
        timer = self.timer
        return timer is not None and not timer.called

    @property
    def is_timeout(self) -> bool:
        """Always True; see :func:`is_timeout`."""
        return True

    def cancel(self) -> None:
        """Cancel the timeout if it is pending."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def __repr__(self) -> str:
        exception = "" if self.exception is None else f" exception={self.exception!r}"
        pending = " pending" if self.pending else ""
        return f"<Timeout at {id(self):#x} seconds={self.seconds!r}{exception}{pending}>"

    def __str__(self) -> str:
        if self.seconds is None:
            return ""
        suffix = "" if self.seconds == 1 else "s"
        if self.exception is None or self.exception is True:
            return f"{self.seconds} second{suffix}"
        if self.exception is False:
            return f"{self.seconds} second{suffix} (silent)"
        return f"{self.seconds} second{suffix} ({self.exception})"

    def __enter__(self) -> Timeout:
        timer = self.timer
        if timer is None or timer.called:
            self.start()
        return self

    def __exit__(self, typ: Any, value: Any, tb: Any) -> bool | None:
        timer = self.timer
        if timer is not None:
            self.timer = None
            if not timer.called:
                # Timer.cancel(), inlined: leaving a with-block is the hottest path here.
                # The callback is a module function; the arguments hold this green thread.
                timer.called = True
                timer.args = ()
                if timer._hub is not None:
                    timer._hub.timer_canceled(timer)
        if value is self and self.exception is False:
            return True
        return None


def _fire(timeout: Timeout, target: Any) -> None:
    """The timer callback of a Timeout: raise it (or its exception) in ``target``."""
    if target.dead:
        return
    exc = timeout.exception
    if exc is None or exc is False or exc is True:
        target.throw(timeout)
    else:
        target.throw(exc)


def with_timeout(seconds: float | None, function: Callable[..., _T], *args: Any, **kwds: Any) -> _T:
    """Call ``function(*args, **kwds)`` with a timeout.

    If it times out, return the keyword argument ``timeout_value`` when given, else raise
    the :class:`Timeout`.
    """
    timeout_value = kwds.pop("timeout_value", _NONE)
    timeout = Timeout(seconds)
    try:
        return function(*args, **kwds)
    except Timeout as exc:
        if exc is timeout and timeout_value is not _NONE:
            return timeout_value
        raise
    finally:
        timeout.cancel()


def is_timeout(obj: Any) -> bool:
    """True for timeouts: Timeout, TimeoutError (and socket.timeout), or anything with a
    true ``is_timeout`` attribute."""
    return isinstance(obj, TimeoutError) or bool(getattr(obj, "is_timeout", False))


def wrap_is_timeout(base: Any) -> Any:
    """Mark what ``base`` makes as a timeout (``is_timeout`` is True).

    For a class, add a read-only ``is_timeout`` property and return the class; for another
    callable, return a wrapper that sets ``is_timeout`` on each result it can.
    """
    if isinstance(base, type):
        base.is_timeout = property(lambda self: True)  # type: ignore[attr-defined]
        return base

    @functools.wraps(base)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = base(*args, **kwargs)
        try:
            result.is_timeout = True
        except (AttributeError, TypeError):
            pass
        return result

    return wrapper
