"""Timers: callbacks the hub runs once, soon or after a delay.

A :class:`Timer` is what :meth:`Hub.schedule_call_global` returns. It is a small object with
``__slots__`` because one is made for every sleep, spawn and wake-up. A timer is *called*
once it has run or been canceled; the hub skips called timers it finds in its queues, which is
how cancellation stays O(1) (the timer is not searched for and removed).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from greenlet import getcurrent

__all__ = ["Timer", "LocalTimer"]


def _canceled(*args: Any) -> None:
    """Stands in for the callback of a canceled timer."""


class Timer:
    """A callback scheduled on a hub, run at most once.

    ``seconds`` is the delay asked for; ``scheduled_time`` the hub clock reading at which the
    timer is due (set by the hub when it puts the timer on its heap).
    """

    __slots__ = ("seconds", "callback", "args", "called", "scheduled_time", "_hub", "traceback")
    scheduled_time: float
    traceback: str

    def __init__(self, seconds: float, callback: Callable[..., Any], *args: Any) -> None:
        self.seconds = seconds
        self.callback = callback
        self.args = args
        self.called = False
        # The hub whose heap holds this timer, else None; it counts cancellations so that
        # it can sweep its heap.
        self._hub: Any = None

    @property
    def pending(self) -> bool:
        """True until the timer has run or been canceled."""
        return not self.called

    def cancel(self) -> None:
        """Prevent the timer from running. Canceling a called timer does nothing.

        The callback and its arguments are let go at once: a canceled timer may sit in the
        hub's heap until its deadline, and must not keep what it would have called alive.
        """
        if not self.called:
            self.called = True
            self.callback = _canceled
            self.args = ()
            hub = self._hub
            if hub is not None:
                hub.timer_canceled(self)

    def copy(self) -> Timer:
        """A new, unscheduled timer with the same delay, callback and arguments."""
        return Timer(self.seconds, self.callback, *self.args)

    def __call__(self) -> None:
        """Run the callback now, unless the timer has already run or been canceled."""
        if not self.called:
            self.called = True
            self.callback(*self.args)

    def record_stack(self) -> None:
        """Remember where the timer was made (see ``debug.hub_timer_stacks``)."""
        self.traceback = "".join(traceback.format_stack()[:-3])

    def __repr__(self) -> str:
        state = "called" if self.called else "pending"
        name = getattr(self.callback, "__qualname__", repr(self.callback))
        return f"<{type(self).__name__} {state} seconds={self.seconds!r} callback={name}>"


class LocalTimer(Timer):
    """A timer that does not run if the green thread that scheduled it has died."""

    __slots__ = ("greenlet", "_target")
    greenlet: Any

    def __init__(self, seconds: float, callback: Callable[..., Any], *args: Any) -> None:
        # The hub calls ``callback(*args)`` directly, so the liveness check is the callback.
        super().__init__(seconds, self._run_if_alive, *args)
        self._target = callback
        self.greenlet = getcurrent()

    @property
    def pending(self) -> bool:
        """True until the timer has run or been canceled, and while its green thread lives."""
        return not self.called and not self.greenlet.dead

    def cancel(self) -> None:
        """Prevent the timer from running, and let go of its callback and green thread."""
        if not self.called:
            self._target = _canceled
            self.greenlet = _canceled  # anything but the green thread, with its frames
            super().cancel()

    def copy(self) -> LocalTimer:
        """A new, unscheduled timer with the same delay, callback and arguments.

        It belongs to the green thread that calls copy().
        """
        return LocalTimer(self.seconds, self._target, *self.args)

    def _run_if_alive(self, *args: Any) -> None:
        if not self.greenlet.dead:
            self._target(*args)
