"""Event: one result (or exception) that any number of green threads can wait for."""

from __future__ import annotations

from typing import Any

from greenlet import getcurrent

from eventlet.hubs import get_hub
from eventlet.hubs._park import WOKEN, WOKEN_ARGS, park

__all__ = ["Event"]


class _NotUsed:
    def __repr__(self) -> str:
        return "NOT_USED"


NOT_USED: Any = _NotUsed()


def exc_info_from(args: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    """Normalise what ``raise`` or ``greenlet.throw`` takes to a (type, value, traceback) tuple.

    ``args`` is ``(instance,)``, ``(class,)``, ``(class, arg)`` or an exc_info triple.
    """
    if not args:
        raise TypeError("an exception class, instance or exc_info tuple is needed")
    value = args[1] if len(args) > 1 and args[1] is not None else args[0]
    if isinstance(value, type) and issubclass(value, BaseException):
        value = value()
    elif not isinstance(value, BaseException) and isinstance(args[0], type):
        value = args[0](value)  # (class, argument), as greenlet.throw accepts
    if not isinstance(value, BaseException):
        raise TypeError(f"exceptions must derive from BaseException, not {type(value).__name__!r}")
    return type(value), value, args[2] if len(args) > 2 else None


class Event:
    """An abstraction where any number of green threads wait for one ``send()``.

    ``send()`` never suspends the sender; the waiters are woken through the hub's run queue.
    It may be called once; :meth:`reset` makes the event reusable.
    """

    _result: Any = NOT_USED
    _exc: tuple[Any, Any, Any] | None = None

    def __init__(self) -> None:
        self._waiters: dict[Any, None] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {id(self):#x} result={self._result!r} _exc={self._exc!r} waiters={len(self._waiters)}>"

    def reset(self) -> None:
        """Make a sent event unsent again, so that it can be sent another time."""
        if self._result is NOT_USED:
            raise AssertionError("Trying to re-reset() a fresh event.")
        self._result = NOT_USED
        self._exc = None

    def ready(self) -> bool:
        """True if :meth:`wait` would return at once."""
        return self._result is not NOT_USED

    def has_exception(self) -> bool:
        """True if the event was sent an exception."""
        return self._result is not NOT_USED and self._exc is not None

    def has_result(self) -> bool:
        """True if the event was sent a result (not an exception)."""
        return self._result is not NOT_USED and self._exc is None

    def poll(self, notready: Any = None) -> Any:
        """Return the result (or raise the exception) if sent, else ``notready``."""
        if self.ready():
            return self.wait()
        return notready

    def poll_exception(self, notready: Any = None) -> Any:
        """Return the exception sent (as exc_info), else ``notready``."""
        if self.has_exception():
            return self._exc
        return notready

    def poll_result(self, notready: Any = None) -> Any:
        """Return the result sent, else ``notready`` (also when an exception was sent)."""
        if self.has_result():
            return self._result
        return notready

    def wait(self, timeout: float | None = None) -> Any:
        """Wait for :meth:`send`; return its result or raise its exception.

        Returns at once if already sent. With ``timeout`` (seconds), returns None if it
        passes first.
        """
        if self._result is NOT_USED:
            if timeout is not None and not isinstance(timeout, (int, float)):
                raise TypeError(f"timeout must be a number or None, not {type(timeout).__name__!r}")
            hub = get_hub()
            current = getcurrent()
            waiters = self._waiters
            waiters[current] = None
            timer = None
            if timeout is not None:
                timer = hub.schedule_call_global(timeout, self._time_out, current)
            try:
                outcome = park(hub, "Event.wait()")
            finally:
                waiters.pop(current, None)
                if timer is not None:
                    timer.cancel()
            if outcome is None:
                return None  # timed out
            result, exc = outcome
        else:
            result, exc = self._result, self._exc
        if exc is not None:
            raise exc[1].with_traceback(exc[2])
        return result

    def _time_out(self, waiter: Any) -> None:
        if self._waiters.pop(waiter, False) is None:
            waiter.switch(*WOKEN_ARGS)

    def send(self, result: Any = None, exc: Any = None) -> None:
        """Wake every waiter with ``result``, or with ``exc`` raised (an exception or exc_info).

        Returns at once; sending a sent event raises AssertionError.
        """
        if self._result is not NOT_USED:
            raise AssertionError("Trying to re-send() an already-triggered event.")
        if exc is not None:
            exc = exc_info_from(exc if isinstance(exc, tuple) else (exc,))
        self._result = result
        self._exc = exc
        if self._waiters:
            get_hub().run_soon(self._deliver, (result, exc))

    def send_exception(self, *args: Any) -> None:
        """Like :meth:`send`, with an exception: the arguments are what ``raise`` takes."""
        self.send(None, exc_info_from(args))

    def _deliver(self, outcome: tuple[Any, Any]) -> None:
        # Each waiter is checked at delivery: one killed since send() has left the dict.
        waiters = self._waiters
        for waiter in list(waiters):
            if waiters.pop(waiter, False) is None:
                waiter.switch(WOKEN, outcome)
