"""The green ``select`` module: :func:`select` and :class:`poll` suspend only the calling green
thread.

Both first ask the OS with a zero timeout, which also checks the arguments exactly as the
standard library does. When that finds something ready (or the timeout is 0), the answer
comes back after one turn of the hub (as ``sleep(0)``), so every call is a switch point: in
an OS thread, a loop that polls with ``select`` shares the processor with other threads by
preemption, but a green thread switches only in its own calls, and a loop whose ``select``
always finds something ready (a socket that stays writable, say, while the peer it waits
for never gets to run) would otherwise starve every other green thread. As with the OS,
readiness is a hint: another green thread may have read meanwhile.

When nothing is ready yet, they register one hub listener per
descriptor and switch to the hub once: when a listener fires they ask the OS again, with a
zero timeout, for the full answer (so the results have the standard library's shape); when
the timeout passes first, the answer is empty.

:func:`get_fileno` (as in upstream Eventlet) gives the descriptor of an int or of an object
with ``fileno()``, with the standard library's errors for anything else.

``epoll``, ``devpoll``, ``kqueue`` and ``kevent`` are left out (see ``__deleted__``): their
objects wait inside the OS and could only block the hub. Their constants stay. Use
:mod:`eventlet.green.selectors` for a selector.
"""

from __future__ import annotations

import operator as _operator
import select as _select
from collections.abc import Callable as _Callable
from collections.abc import Iterable as _Iterable
from functools import partial as _partial
from select import *  # noqa: F403  (the constants, error, PIPE_BUF)
from typing import Any as _Any
from typing import TypeVar as _TypeVar
from typing import cast as _cast

from greenlet import getcurrent as _getcurrent

from eventlet.greenthread import sleep as _sleep
from eventlet.hubs import get_hub as _get_hub
from eventlet.hubs.hub import READ as _READ
from eventlet.hubs.hub import WRITE as _WRITE

__deleted__ = ["devpoll", "epoll", "kevent", "kqueue"]
__patched__ = ["select", "poll"] if hasattr(_select, "poll") else ["select"]

for _name in __deleted__:
    globals().pop(_name, None)
del _name

# ``error`` (OSError), the POLL*/EPOLL* constants and PIPE_BUF come with the star import.

_T = _TypeVar("_T")
_TIMED_OUT = object()  # what the timer hands to the waiting green thread
_RECHECK = object()  # what the timer hands over when silenced descriptors are due a look


def get_fileno(obj: _Any) -> int:
    """The descriptor number of ``obj``: an int itself, or what its ``fileno()`` returns.

    Raises what :func:`select.select` raises for such an object: TypeError for something
    that is neither an int nor has a ``fileno()`` method, or whose ``fileno()`` returns no
    int; ValueError for a negative number.
    """
    if isinstance(obj, int):
        number = obj
    else:
        method = getattr(obj, "fileno", None)
        if method is None:
            raise TypeError(
                f"argument must be an int, or have a fileno() method, not {type(obj).__name__}"
            )
        number = method()
        if not isinstance(number, int):
            raise TypeError(f"fileno() returned a non-integer: {type(number).__name__}")
    if number < 0:
        raise ValueError(f"file descriptor cannot be a negative integer ({int(number)})")
    return int(number)


def _fileno(obj: _Any) -> int:
    """The descriptor of ``obj``, an int or an object with ``fileno()`` (already validated)."""
    return obj if isinstance(obj, int) else int(obj.fileno())


def _let_others_run() -> None:
    """One turn of the hub for the other green threads, before an answer found at once.

    None when called in the hub itself (a hub callback must not switch).
    """
    if _getcurrent() is not _get_hub().greenlet:
        _sleep(0)


def _wait_until_ready(
    reads: _Iterable[int],
    writes: _Iterable[int],
    timeout: float | None,
    check: _Callable[[], _T],
) -> _T | None:
    """Wait on the hub until ``check()`` (a zero-timeout ask of the OS) finds something.

    One listener per descriptor, for reading or for writing; the first that fires (or the
    timeout) wakes this green thread, which then calls ``check()``. A listener that fires
    while ``check()`` sees nothing (urgent data under ``select``'s read list, an event the
    caller did not ask for) is not registered again during this call: it would keep firing;
    ``check()`` looks at it now and then instead, so its real readiness is not missed.
    Return what ``check()`` found, or None when the timeout passed first.
    """
    hub = _get_hub()
    current = _getcurrent()
    if current is hub.greenlet:
        raise RuntimeError("select cannot wait inside the hub: there is nothing to switch to")
    deadline = None if timeout is None else hub.clock() + timeout
    wanted = [(_READ, fd) for fd in reads] + [(_WRITE, fd) for fd in writes]
    silent: set[tuple[str, int]] = set()
    recheck = 0.0
    while True:
        listeners = []
        timer = None
        try:
            for key in wanted:
                if key in silent:
                    continue
                evtype, fd = key
                try:
                    listener = hub.add(evtype, fd, _partial(current.switch, evtype), current.throw)
                except PermissionError:
                    # epoll refuses regular files; they are always ready to read and write,
                    # which the zero-timeout ask has already reported where it counts.
                    continue
                listeners.append(listener)
            delay = None
            if deadline is not None:
                delay = deadline - hub.clock()
                if delay <= 0:
                    return None
            wake_with = _TIMED_OUT
            if silent:
                # A silenced descriptor is no longer heard: ask the OS about it now and then
                # (more and more seldom), or its real readiness could be waited for in vain.
                # Rare (a wake-up for nothing), so a late look costs little.
                recheck = min(recheck * 2 or 0.1, 1.0)
                if delay is None or recheck < delay:
                    delay, wake_with = recheck, _RECHECK
            if delay is not None:
                timer = hub.schedule_call_global(delay, current.switch, wake_with)
            woke = hub.switch()
        finally:
            for listener in listeners:
                hub.remove(listener)
            if timer is not None:
                timer.cancel()
        if woke is _TIMED_OUT:
            return None
        found = check()
        if found:
            return found
        if isinstance(woke, tuple) and len(woke) == 2:
            silent.add(woke)


def _check_timeout(timeout: _Any) -> float | None:
    """``select()``'s timeout in seconds, checked as the standard library checks it."""
    if timeout is None:
        return None
    if isinstance(timeout, float):
        seconds = timeout
    else:
        try:
            seconds = float(_operator.index(timeout))
        except TypeError:
            raise TypeError("timeout must be a float or None") from None
    if seconds != seconds:
        raise ValueError("Invalid value NaN (not a number)")
    if seconds < 0:
        raise ValueError("timeout must be non-negative")
    return seconds


def _as_list(objects: _Any) -> list[_Any]:
    if type(objects) in (list, tuple):
        # Kept as it is: the real select() must read a list that fileno() may mutate as the
        # standard library's does (bpo-16230), item by item.
        return _cast(list, objects)
    try:
        return list(objects)
    except TypeError:
        raise TypeError("arguments 1-3 must be sequences") from None


def select(  # type: ignore[no-redef]
    rlist: _Iterable[_Any],
    wlist: _Iterable[_Any],
    xlist: _Iterable[_Any],
    timeout: float | None = None,
) -> tuple[list[_Any], list[_Any], list[_Any]]:
    """Wait until some of the descriptors are ready; only this green thread waits.

    As :func:`select.select`: ``rlist``, ``wlist`` and ``xlist`` hold ints or objects with a
    ``fileno()`` method, to wait for reading, writing and an exceptional condition; the
    result is three lists of the objects that are ready, in the order given. ``timeout`` is
    in seconds: None waits for ever, 0 only looks, a negative one raises ``ValueError``.
    When the timeout passes, three empty lists come back. Every call lets the other green
    threads run, even when it answers at once (see the module's docstring).
    """
    seconds = _check_timeout(timeout)
    rlist, wlist, xlist = _as_list(rlist), _as_list(wlist), _as_list(xlist)
    ready = _select.select(rlist, wlist, xlist, 0)  # also checks every object
    if ready[0] or ready[1] or ready[2] or seconds == 0:
        _let_others_run()
        return ready
    # An exceptional condition (urgent data, an error) wakes a read listener.
    reads = dict.fromkeys(_fileno(obj) for obj in [*rlist, *xlist])
    writes = dict.fromkeys(_fileno(obj) for obj in wlist)

    def check() -> tuple[list[_Any], list[_Any], list[_Any]] | None:
        found = _select.select(rlist, wlist, xlist, 0)
        return found if found[0] or found[1] or found[2] else None

    found = _wait_until_ready(reads, writes, seconds, check)
    return found if found is not None else ([], [], [])


if hasattr(_select, "poll"):
    # The events that make poll() wait for writability; any other wanted event (or none: the
    # OS reports errors and hang-ups regardless) waits for readability, which errors and
    # hang-ups also wake.
    _WRITE_EVENTS = _select.POLLOUT | _select.POLLWRNORM | _select.POLLWRBAND
    _NOT_WRITE_EVENTS = ~_WRITE_EVENTS

    class _Poll:
        """A green poll object: like :func:`select.poll`'s, its ``poll()`` waits on the hub.

        A real poll object holds the registrations (so ``register``, ``modify`` and
        ``unregister`` check their arguments and fail as the standard library's do) and
        answers each zero-timeout ask; while nothing is ready, the hub does the waiting.
        Made by :func:`poll` only, as the standard library's type is.
        """

        def __new__(cls, *args: _Any, **kwargs: _Any) -> _Poll:
            raise TypeError(f"cannot create '{cls.__module__}.{cls.__name__}' instances")

        def __init__(self) -> None:
            self._poller = _select.poll()
            self._masks: dict[int, int] = {}
            self._polling = False

        def register(
            self, fd: _Any, eventmask: int = _select.POLLIN | _select.POLLPRI | _select.POLLOUT
        ) -> None:
            """Watch ``fd`` (an int or an object with ``fileno()``) for ``eventmask``.

            Registering a descriptor again changes its mask.
            """
            self._poller.register(fd, eventmask)
            self._masks[_fileno(fd)] = eventmask

        def modify(self, fd: _Any, eventmask: int) -> None:
            """Change the mask of a registered ``fd``; ``FileNotFoundError`` if it is not."""
            self._poller.modify(fd, eventmask)
            self._masks[_fileno(fd)] = eventmask

        def unregister(self, fd: _Any) -> None:
            """Stop watching ``fd``; ``KeyError`` if it was not registered."""
            self._poller.unregister(fd)
            del self._masks[_fileno(fd)]

        def poll(self, timeout: float | None = None) -> list[tuple[int, int]]:
            """Wait until some registered descriptor has an event; only this green thread waits.

            ``timeout`` is in milliseconds: None or a negative number waits for ever, 0 only
            looks. Return ``(fd, events)`` pairs, as :meth:`select.poll.poll` does
            (``POLLHUP``, ``POLLERR`` and ``POLLNVAL`` come whatever the mask); an empty
            list when the timeout passes. Every call lets the other green threads run, even
            when it answers at once.
            """
            seconds = _poll_timeout(timeout)
            if self._polling:
                raise RuntimeError("concurrent poll() invocation")
            self._polling = True
            try:
                ready = self._poller.poll(0)
                if ready or seconds == 0:
                    _let_others_run()
                    return ready
                reads = [
                    fd for fd, mask in self._masks.items() if mask & _NOT_WRITE_EVENTS or not mask
                ]
                writes = [fd for fd, mask in self._masks.items() if mask & _WRITE_EVENTS]
                found = _wait_until_ready(reads, writes, seconds, _partial(self._poller.poll, 0))
                return found if found is not None else []
            finally:
                self._polling = False

        def __repr__(self) -> str:
            return f"<green select.poll watching {sorted(self._masks)}>"

    # Named as the standard library's type is.
    _Poll.__name__ = _Poll.__qualname__ = "poll"

    class _PollMaker:
        """``poll()``: return a green poll object; like :func:`select.poll`'s, its ``poll()``
        waits on the hub, suspending only the calling green thread."""

        # An object rather than a function: like the standard library's builtin, it must not
        # become a method when stored as a class attribute (``selectors.PollSelector`` does).
        __slots__ = ()
        __name__ = __qualname__ = "poll"

        def __call__(self) -> _Poll:
            poller = object.__new__(_Poll)
            poller.__init__()  # type: ignore[misc]
            return poller

        def __repr__(self) -> str:
            return f"<function {__name__}.poll>"

    poll = _PollMaker()  # type: ignore[assignment,misc]

    def _poll_timeout(timeout: _Any) -> float | None:
        """``poll()``'s timeout in milliseconds as seconds; None: wait for ever."""
        if timeout is None:
            return None
        if isinstance(timeout, float):
            millis = timeout
            if millis != millis:
                raise ValueError("Invalid value NaN (not a number)")
        else:
            try:
                millis = float(_operator.index(timeout))
            except TypeError:
                raise TypeError("timeout must be an integer or None") from None
        return None if millis < 0 else millis / 1000.0
