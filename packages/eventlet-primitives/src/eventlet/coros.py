"""Older coordination helpers kept for compatibility: :class:`metaphore`."""

from __future__ import annotations

import operator
from typing import Any

from eventlet.event import Event

__all__ = ["metaphore"]


def _check_step(by: Any) -> int:
    try:
        step = operator.index(by)
    except TypeError:
        raise TypeError(f"by must be an int, not {type(by).__name__!r}") from None
    if step < 0:
        raise ValueError(f"by must be >= 0, not {step}")
    return step


class metaphore:
    """An inverse semaphore: a counter from 0 whose :meth:`wait` blocks while it is not 0.

    Useful to wait for all of a number of jobs::

        count = metaphore()
        count.inc(2)         # two jobs to go; each calls count.dec() when done
        count.wait()         # returns once both have
    """

    def __init__(self) -> None:
        self.counter = 0
        self.event = Event()
        self.event.send(None)  # the counter is 0: wait() returns at once

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {id(self):#x} counter={self.counter}>"

    def inc(self, by: int = 1) -> None:
        """Add ``by`` to the counter; from 0, this makes later :meth:`wait` calls wait."""
        step = _check_step(by)
        if step and self.counter == 0:
            self.event = Event()  # a fresh one: waiters of the sent one still get woken
        self.counter += step

    def dec(self, by: int = 1) -> None:
        """Subtract ``by`` from the counter (not below 0); at 0, wake the waiters."""
        step = _check_step(by)
        self.counter = max(0, self.counter - step)
        if self.counter == 0 and not self.event.ready():
            self.event.send(None)

    def wait(self) -> None:
        """Return once the counter is 0, waiting if it is not."""
        self.event.wait()
