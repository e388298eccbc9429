"""Parking a green thread until the hub wakes it: the one helper every primitive uses.

A green thread that must wait (``sleep``, ``Event.wait``, ``Queue.get``, ``Semaphore.acquire``,
``GreenThread.wait``, a timed ``trampoline``) *parks*: it switches to the hub and resumes when
something wakes it. Every legitimate wake-up comes through :func:`wake` or :func:`wake_soon`
(or the constant :data:`WOKEN_ARGS` for value-less wake-ups), which switch into the parked
green thread with a private token in front of the value. :func:`park` checks the token.

Stray wake-ups raise. A green thread switched into by foreign code while it is parked
(``some_greenlet.switch(value)`` from code that is not the hub's) would otherwise return
``value`` from the primitive as if it were an item, a permit or a result. Instead
:func:`park` raises :class:`UnexpectedWakeup` in the parked green thread, naming what it waited
in and the value it was switched with; the primitive undoes its wait on the way out (as on a
kill), so no item, permit or wake-up is lost. Ignoring the switch and parking again was not
chosen: the foreign code that switched would then be left suspended without a word, and a
program that meant to deliver something that way would hang instead of being told why.

A parked green thread can also be resumed by the hub stopping (``hub.abort()``): the hub then
switches, without the token, to the greenlet that started it. ``sleep`` returns early in that
case (as upstream Eventlet's does); the other primitives raise :class:`UnexpectedWakeup`,
which says that the hub was stopped.

A *waiter* is a plain list ``[greenlet, hub, wake-up entry or None, ...]`` rather than an
object, because one is made per blocking wait and a list is the cheapest thing to make.
``waiter[2]`` is None until the waiter is served; then it is the hub's run-queue entry that
will resume it (see :meth:`BaseHub.run_soon`), so a waiter that leaves early (killed, timed
out, woken by a stray switch) can cancel that entry and hand on what it was given.
"""

from __future__ import annotations

from typing import Any, Final

from greenlet import getcurrent, greenlet

__all__ = [
    "NOT_SERVED",
    "UnexpectedWakeup",
    "WOKEN",
    "WOKEN_ARGS",
    "park",
    "stray",
    "wake",
    "wake_soon",
    "withdraw",
]


class _Token:
    """A unique marker object, named in its repr."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<eventlet {self.name}>"


#: Put in front of every legitimate wake-up value; foreign code cannot forge it.
WOKEN: Final[Any] = _Token("wake-up token")
#: The switch arguments of a wake-up that carries no value (None); one shared tuple.
WOKEN_ARGS: Final[tuple[Any, Any]] = (WOKEN, None)
#: What :func:`withdraw` returns for a waiter that was never served.
NOT_SERVED: Final[Any] = _Token("not served")


class UnexpectedWakeup(RuntimeError):
    """A parked green thread was resumed by something other than what it waited for.

    Raised in the green thread, from the call it was blocked in (``Event.wait()``,
    ``Queue.get()``, ...), when foreign code switched into it (``greenlet.switch(value)``)
    or the hub was stopped under it. ``where`` names the call and ``value`` holds what the
    foreign switch passed (``()`` for a switch without arguments).
    """

    def __init__(self, where: str, value: Any, hub_stopped: bool = False) -> None:
        self.where = where
        self.value = value
        self.hub_stopped = hub_stopped
        if hub_stopped:
            message = (
                f"the hub was stopped (hub.abort()) while this green thread waited in "
                f"{where}; nothing will wake it"
            )
        else:
            message = (
                f"a green thread waiting in {where} was switched into by code that is not "
                f"the hub's (greenlet.switch() with {_describe(value)}); eventlet's "
                "primitives are woken only through the hub, so the wait was abandoned"
            )
        super().__init__(message)


def _describe(value: Any) -> str:
    if value.__class__ is tuple and not value:
        return "no value"
    if isinstance(value, tuple) and len(value) > 1:
        text = repr(value)
        return f"the values {text[:200]}"
    text = repr(value)
    return f"the value {text[:200]}"


def stray(hub: Any, where: str, got: Any) -> RuntimeError:
    """The exception for a park that returned ``got`` without the wake-up token.

    UnexpectedWakeup, or a plain RuntimeError for a wait attempted inside the hub itself
    (switching to the hub from the hub returns at once: a misuse, not a stray switch).
    """
    current = getcurrent()
    if current is hub.greenlet:
        return RuntimeError(
            f"{where} cannot block inside the hub: a blocking call was made in a hub "
            "callback, where there is nothing to switch to"
        )
    stopped = (
        got.__class__ is tuple
        and not got
        and not hub.running
        and current is hub.greenlet.parent
    )
    return UnexpectedWakeup(where, got, stopped)


def park(hub: Any, where: str) -> Any:
    """Switch to ``hub`` until :func:`wake` or :func:`wake_soon` resumes this green thread.

    Return the value of the wake-up. Raise :class:`UnexpectedWakeup` if something else
    switched in; exceptions thrown in (a kill, a Timeout) pass through. The caller undoes its
    wait on any exception (see :func:`withdraw`).
    """
    hub_greenlet = hub.greenlet
    got = hub.switch() if hub_greenlet.dead else hub_greenlet.switch()
    # Unpacking is the cheapest check of (WOKEN, value); anything else is a stray switch.
    try:
        token, value = got
    except (TypeError, ValueError):
        raise stray(hub, where, got) from None
    if token is WOKEN:
        return value
    raise stray(hub, where, got)


def wake(target: greenlet, value: Any = None) -> Any:
    """Resume the parked green thread ``target`` now, with ``value``; only from the hub."""
    return target.switch(WOKEN, value)


def wake_soon(waiter: list[Any], value: Any = None) -> None:
    """Serve ``waiter``: its green thread resumes with ``value`` on the hub's next turn."""
    # BaseHub.run_soon(), inlined: this is every hand-off's hot path.
    hub = waiter[1]
    entry = waiter[2] = [waiter[0].switch, (WOKEN, value)]
    hub._ready.append(entry)
    if hub._waiting_in_os:
        hub._wake()


def withdraw(waiter: list[Any]) -> Any:
    """Undo a served waiter's pending wake-up; return the value it was handed.

    For a waiter that leaves on an exception (a kill, a Timeout, a stray switch). Return
    :data:`NOT_SERVED` if it was never served: the caller removes it from its queue of
    waiters. Otherwise the value it was handed and never received: the caller passes that on
    (an item to the next getter, a permit to the next acquirer).
    """
    entry = waiter[2]
    if entry is None:
        return NOT_SERVED
    entry[0] = None  # the hub skips a canceled entry: the green thread is not woken twice
    return entry[1][1]
