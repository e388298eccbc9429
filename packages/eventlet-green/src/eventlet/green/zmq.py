"""Green pyzmq: the whole ``zmq`` module, with sockets whose blocking calls wait on the hub.

``from eventlet.green import zmq`` gives pyzmq's interface. :class:`Context` makes green
:class:`Socket` objects; their ``send``/``recv`` (and everything built on them:
``send_multipart``, ``recv_string``, ``send_json``, ``recv_pyobj``, ...) and ``poll`` suspend
only the calling green thread when they would block. :class:`Poller` and :func:`select` are
green too. ``zmq.NOBLOCK``/``zmq.DONTWAIT`` and the ``RCVTIMEO``/``SNDTIMEO`` options behave as
in pyzmq: they raise :class:`zmq.Again`.

How the waiting works: a 0MQ socket has one descriptor, ``zmq.FD``, that becomes readable
when the socket's state *may* have changed, for sending and receiving alike; the state itself
is read from ``zmq.EVENTS``. The descriptor is edge-triggered: any call on the socket (a send,
a recv, even reading ``EVENTS``) can consume the signal while leaving the socket ready for
something else. So every waiter checks ``EVENTS`` before it waits, and whoever touches a
socket that others wait on reads ``EVENTS`` afterwards and wakes the waiters that can now go
on: after any send or recv (one that failed with ``zmq.Again`` too), and whenever the
program reads ``EVENTS`` itself (``getsockopt(zmq.EVENTS)``, ``socket.events``). Otherwise a
receiver could sleep forever beside a message that has already arrived.
Each socket keeps one hub listener for all its waiters (senders, receivers, pollers).

Not green: ``Context.term()`` (and ``destroy()``, which calls it) and the devices
(``zmq.proxy``, ``zmq.device``, ``zmq.proxy_steerable``) still block the OS thread, as they do
in C; run them where that is acceptable, such as a real thread.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

try:
    import zmq as _zmq
    from zmq import *  # noqa: F403  (pyzmq's whole interface)
except ImportError as _error:
    raise ImportError(
        "eventlet.green.zmq needs pyzmq; install it with: pip install 'eventlet-green[zmq]'"
    ) from _error

from greenlet import getcurrent

from eventlet.hubs import READ, WRITE, get_hub

# Names pyzmq has outside its __all__ (submodules such as zmq.error, zmq.constants, helpers).
for _name in dir(_zmq):
    if not _name.startswith("__"):
        globals().setdefault(_name, getattr(_zmq, _name))
del _name

__all__ = list(_zmq.__all__)
__patched__ = ["Context", "Socket", "Poller", "select"]

_Again = _zmq.Again
_EVENTS = _zmq.EVENTS
# pyzmq's own option getter: reading EVENTS through it wakes no one (see _GreenSocket.get).
_raw_get = _zmq.Socket.get
_NOBLOCK = _zmq.NOBLOCK
_POLLIN = _zmq.POLLIN
_POLLOUT = _zmq.POLLOUT
_POLLERR = _zmq.POLLERR
_ZMQError = _zmq.ZMQError


class LockReleaseError(Exception):
    """Upstream Eventlet's error for releasing a socket lock not held.

    Kept so that code written for upstream (``except zmq.LockReleaseError``) still imports;
    this module has no such lock and never raises it.
    """


class _Waiter:
    """One green thread suspended until one of the things it waits for may have happened.

    ``wake`` is called from the hub (a descriptor callback, a timer) or from another green
    thread; it puts the switch back into the waiter on the run queue, once. A wake-up that
    comes after the waiter has stopped waiting does nothing.
    """

    __slots__ = ("greenlet", "hub", "entry")

    def __init__(self, hub: Any) -> None:
        self.greenlet: Any = getcurrent()
        self.hub = hub
        self.entry: list[Any] | None = None

    def wake(self, *_ignored: Any) -> None:
        """Resume the waiting green thread soon (at most once)."""
        if self.entry is None and self.greenlet is not None:
            self.entry = self.hub.run_soon(self._resume)

    def _resume(self) -> None:
        target = self.greenlet
        if target is not None and not target.dead:
            target.switch()

    def suspend(self, timeout: float | None) -> None:
        """Switch to the hub until woken, or until ``timeout`` seconds have passed."""
        hub = self.hub
        if self.greenlet is hub.greenlet:
            raise RuntimeError(
                "a blocking zmq call cannot wait inside the hub: there is nothing to switch to"
            )
        timer = None
        if timeout is not None:
            timer = hub.schedule_call_global(timeout, self.wake)
        try:
            hub.switch()
        finally:
            if timer is not None:
                timer.cancel()
            self.done()

    def done(self) -> None:
        """Stop waiting: a pending wake-up is dropped."""
        if self.entry is not None:
            self.entry[0] = None  # cancels the run-queue entry if it has not run yet
        self.greenlet = None


class _Blocked:
    """One blocking call's state across its waits."""

    __slots__ = ("deadline", "trust_events")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline  # on the hub's clock; inf: none
        self.trust_events = True  # may a ready EVENTS be retried at once, without waiting?


def _deadline(hub: Any, milliseconds: int | float | None) -> float:
    """The hub-clock time a wait of ``milliseconds`` ends (inf: never; None or < 0: never)."""
    if milliseconds is None or milliseconds < 0:
        return math.inf
    return float(hub.clock() + milliseconds / 1000.0)


def _remaining(hub: Any, deadline: float) -> float | None:
    """Seconds left until ``deadline`` (None for no deadline), never below zero."""
    if deadline == math.inf:
        return None
    return float(max(deadline - hub.clock(), 0.0))


class _GreenSocket(_zmq.Socket):
    """A pyzmq socket whose blocking calls suspend only the calling green thread.

    It takes the arguments of :class:`zmq.Socket`. Several green threads may wait on one
    socket at once, for instance one sending and one receiving on a DEALER socket; each goes
    on as soon as the socket is ready for what it waits for. Closing the socket wakes them:
    each then gets the error pyzmq raises for a closed socket.
    """

    # pyzmq turns unknown attribute names into socket options; these are declared here so
    # that they are ordinary attributes. The list of waiters is made on first use.
    _green_waiters: list[tuple[_Waiter, int]] | None = None
    _green_listener: Any = None
    _green_hub: Any = None
    _green_fd: int = -1

    # -- the waiting machinery ---------------------------------------------------------------

    def _green_add(self, waiter: _Waiter, mask: int) -> None:
        """Register ``waiter`` for ``mask`` (POLLIN/POLLOUT); watch the FD if nobody did."""
        if self._green_fd < 0:
            self._green_fd = int(_raw_get(self, _zmq.FD))
        waiters = self._green_waiters
        if waiters is None:
            waiters = self._green_waiters = []
        if self._green_listener is None:
            hub = waiter.hub
            self._green_listener = hub.add(
                READ, self._green_fd, self._green_on_fd, self._green_on_fd_closed
            )
            self._green_hub = hub
        elif self._green_hub is not waiter.hub:
            raise RuntimeError(
                f"{self!r} is already waited on in another OS thread; a zmq socket must be "
                "used from one thread at a time"
            )
        waiters.append((waiter, mask))

    def _green_discard(self, waiter: _Waiter) -> None:
        """Forget ``waiter``; stop watching the FD when no one waits any more."""
        waiters = self._green_waiters
        if waiters:
            waiters[:] = [item for item in waiters if item[0] is not waiter]
        if not waiters:
            self._green_unwatch()

    def _green_wait(self, hub: Any, mask: int, timeout: float | None) -> None:
        """Suspend the calling green thread until the FD says ``mask`` may be ready, or until
        ``timeout`` seconds have passed."""
        waiter = _Waiter(hub)
        self._green_add(waiter, mask)
        try:
            waiter.suspend(timeout)
        finally:
            self._green_discard(waiter)

    def _green_unwatch(self) -> None:
        listener = self._green_listener
        if listener is not None:
            self._green_listener = None
            self._green_hub.remove(listener)
            self._green_hub = None

    def _green_wake(self, events: int) -> None:
        """Wake the waiters that ``events`` (a zmq.EVENTS mask) lets go on."""
        waiters = self._green_waiters
        if waiters:
            for waiter, mask in waiters:
                if events & mask:
                    waiter.wake()

    def _green_wake_all(self, *_ignored: Any) -> None:
        """Wake every waiter: each retries and meets whatever happened (an error, mostly)."""
        self._green_wake(-1)

    def _green_on_fd(self, _fileno: int) -> None:
        # In the hub: the FD says the state may have changed. Reading EVENTS also consumes
        # the signal, so the hub does not report the FD again until something new happens.
        try:
            events = int(_raw_get(self, _EVENTS))
        except _ZMQError:
            events = -1  # closed or terminated: let the waiters find out
        self._green_wake(events)

    def _green_on_fd_closed(self, _error: BaseException) -> None:
        # The hub was told the FD is closed: its listener is gone; wake everyone.
        self._green_listener = None
        self._green_hub = None
        self._green_wake_all()

    def _green_events(self) -> int:
        """Read zmq.EVENTS, and pass the news on to other waiters (the lost wake-up)."""
        events = int(_raw_get(self, _EVENTS))
        if self._green_waiters:
            self._green_wake(events)
        return events

    def _green_after_io(self) -> None:
        """A call on the socket (a send or recv, whether it succeeded, failed with Again or
        raised) may have eaten the FD's signal meant for others: read EVENTS for them."""
        if self._green_waiters:
            try:
                self._green_wake(int(_raw_get(self, _EVENTS)))
            except _ZMQError:
                self._green_wake_all()

    def get(self, option: int) -> Any:
        """Read a socket option, as :meth:`zmq.Socket.get` (``getsockopt``).

        Reading ``zmq.EVENTS`` makes libzmq process the socket's pending commands, which
        consumes the FD's signal: green threads waiting on this socket that can now go on
        are woken, as the FD would have woken them.
        """
        value = _raw_get(self, option)
        if option == _EVENTS and self._green_waiters:
            self._green_wake(int(value))
        return value

    getsockopt = get

    def _green_block(self, mask: int, timeout_option: int, state: _Blocked | None) -> _Blocked:
        """A call found the socket not ready for ``mask``: wait until it may be; return the
        call's state, to pass in again on its next wait.

        ``state`` is None on the first wait of a call; its deadline is then taken from the
        ``timeout_option`` (RCVTIMEO/SNDTIMEO, milliseconds, -1: none). Past it, raise
        :class:`zmq.Again`, as pyzmq does when its timeout expires.
        """
        hub = get_hub()
        if state is None:
            state = _Blocked(_deadline(hub, int(_raw_get(self, timeout_option))))
        if self._green_events() & mask and state.trust_events:
            # Ready already, and the FD will not say so again: retry at once. Only once per
            # wake-up, though: a ROUTER, say, always claims POLLOUT yet may refuse a send,
            # and trusting it again would spin without ever letting the hub run.
            state.trust_events = False
            return state
        remaining = _remaining(hub, state.deadline)
        if remaining == 0.0:
            raise _Again(_zmq.EAGAIN)
        self._green_wait(hub, mask, remaining)
        state.trust_events = True
        return state

    # -- pyzmq's blocking calls, made green --------------------------------------------------

    def send(  # type: ignore[override]
        self, data: Any, flags: int = 0, copy: bool = True, track: bool = False, **kwargs: Any
    ) -> Any:
        """Send one message part, as :meth:`zmq.Socket.send`; wait on the hub if needed.

        With ``zmq.NOBLOCK`` (``zmq.DONTWAIT``), or when ``SNDTIMEO`` expires, raise
        :class:`zmq.Again` instead of waiting.
        """
        if flags & _NOBLOCK:
            try:
                return super().send(data, flags, copy=copy, track=track, **kwargs)
            finally:
                self._green_after_io()  # failed with Again or not, it may have eaten a signal
        state = None
        while True:
            try:
                result = super().send(data, flags | _NOBLOCK, copy=copy, track=track, **kwargs)
            except _Again:
                # _green_block reads EVENTS first, passing on any signal this call ate.
                state = self._green_block(_POLLOUT, _zmq.SNDTIMEO, state)
                continue
            except BaseException:
                self._green_after_io()
                raise
            self._green_after_io()
            return result

    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> Any:
        """Receive one message part, as :meth:`zmq.Socket.recv`; wait on the hub if needed.

        With ``zmq.NOBLOCK`` (``zmq.DONTWAIT``), or when ``RCVTIMEO`` expires, raise
        :class:`zmq.Again` instead of waiting.
        """
        if flags & _NOBLOCK:
            try:
                return super().recv(flags, copy=copy, track=track)
            finally:
                self._green_after_io()  # failed with Again or not, it may have eaten a signal
        state = None
        while True:
            try:
                result = super().recv(flags | _NOBLOCK, copy=copy, track=track)
            except _Again:
                state = self._green_block(_POLLIN, _zmq.RCVTIMEO, state)
                continue
            except BaseException:
                self._green_after_io()
                raise
            self._green_after_io()
            return result

    if hasattr(_zmq.Socket, "recv_into"):  # pyzmq >= 26.4

        def recv_into(self, buffer: Any, /, *, nbytes: int = 0, flags: int = 0) -> int:
            """Receive one message part into ``buffer``, as :meth:`zmq.Socket.recv_into`."""
            base = super().recv_into
            if flags & _NOBLOCK:
                try:
                    return int(base(buffer, nbytes=nbytes, flags=flags))
                finally:
                    self._green_after_io()
            state = None
            while True:
                try:
                    count = int(base(buffer, nbytes=nbytes, flags=flags | _NOBLOCK))
                except _Again:
                    state = self._green_block(_POLLIN, _zmq.RCVTIMEO, state)
                    continue
                except BaseException:
                    self._green_after_io()
                    raise
                self._green_after_io()
                return count

    def poll(self, timeout: int | None = None, flags: int = _POLLIN) -> int:
        """Wait until the socket is ready for ``flags``; return the ready events (0: timeout).

        ``timeout`` is in milliseconds, as in pyzmq; None (or negative) waits for ever.
        """
        if self.closed:
            raise _ZMQError(_zmq.ENOTSUP)
        if not isinstance(flags, int) or not flags & (_POLLIN | _POLLOUT):
            raise ValueError(f"poll() flags must include zmq.POLLIN or zmq.POLLOUT, not {flags!r}")
        hub = get_hub()
        deadline = _deadline(hub, timeout)
        while True:
            ready = self._green_events() & flags
            if ready:
                return ready
            remaining = _remaining(hub, deadline)
            if remaining == 0.0:
                return 0
            self._green_wait(hub, flags, remaining)

    def close(self, linger: int | None = None) -> None:
        """Close the socket, as :meth:`zmq.Socket.close`; green threads waiting on it wake.

        Each of them then gets the :class:`zmq.ZMQError` pyzmq raises for a closed socket.
        """
        # Stop watching the FD before libzmq closes it, so the hub never polls a stale number.
        self._green_unwatch()
        super().close(linger=linger)
        if self._green_waiters:
            self._green_wake_all()


class _GreenContext(_zmq.Context):
    """A pyzmq context whose :meth:`socket` makes green :class:`Socket` objects.

    It takes the arguments of :class:`zmq.Context`; ``Context.instance()`` gives the shared
    green context (its own singleton, apart from ``zmq.Context.instance()``).
    """

    _socket_class = _GreenSocket
    # A singleton of its own: without these, instance() would find zmq.Context's.
    _instance: Any = None
    _instance_pid: int | None = None


class _GreenPoller(_zmq.Poller):
    """:class:`zmq.Poller` whose :meth:`poll` suspends only the calling green thread.

    It watches 0MQ sockets (green or not) and anything with a ``fileno()`` or a descriptor
    number, as pyzmq's does.
    """

    def poll(self, timeout: int | float | None = None) -> list[tuple[Any, int]]:
        """Wait for events on the registered sockets; ``timeout`` in milliseconds (None: ever).

        Returns a list of ``(socket, events)`` pairs, as :meth:`zmq.Poller.poll` does.
        """
        hub = get_hub()
        deadline = _deadline(hub, timeout)
        while True:
            ready = _zmq.zmq_poll(self.sockets, 0)
            # zmq_poll read EVENTS of each socket: pass the news on to their other waiters.
            for item, _flags in self.sockets:
                if isinstance(item, _GreenSocket) and item._green_waiters:
                    item._green_after_io()
            if ready:
                return list(ready)
            remaining = _remaining(hub, deadline)
            if remaining == 0.0:
                return []
            _wait_for_any(hub, self.sockets, remaining)


def _wait_for_any(hub: Any, items: Sequence[tuple[Any, int]], timeout: float | None) -> None:
    """Suspend until one of ``items`` (``(socket or fd, flags)`` pairs) may be ready."""
    waiter = _Waiter(hub)
    green_sockets: list[_GreenSocket] = []
    listeners: list[Any] = []
    try:
        for item, flags in items:
            if isinstance(item, _GreenSocket):
                mask = flags & (_POLLIN | _POLLOUT)
                if mask:
                    item._green_add(waiter, mask)
                    green_sockets.append(item)
            elif isinstance(item, _zmq.Socket):
                # A plain pyzmq socket: its FD is readable whenever its state may change.
                fd = int(item.get(_zmq.FD))
                listeners.append(hub.add(READ, fd, waiter.wake, waiter.wake))
            else:
                fd = item if isinstance(item, int) else item.fileno()
                if flags & (_POLLIN | _POLLERR):
                    listeners.append(hub.add(READ, fd, waiter.wake, waiter.wake))
                if flags & _POLLOUT:
                    listeners.append(hub.add(WRITE, fd, waiter.wake, waiter.wake))
        waiter.suspend(timeout)
    finally:
        waiter.done()
        for sock in green_sockets:
            sock._green_discard(waiter)
        for listener in listeners:
            hub.remove(listener)


def _green_select(
    rlist: Iterable[Any],
    wlist: Iterable[Any],
    xlist: Iterable[Any],
    timeout: float | None = None,
) -> tuple[list[Any], list[Any], list[Any]]:
    """:func:`zmq.select` that suspends only the calling green thread.

    ``timeout`` is in seconds (None: wait for ever), like :func:`select.select`; returns the
    lists of sockets (or descriptors) ready to read, to write, and in error.
    """
    readers, writers, errors = list(rlist), list(wlist), list(xlist)
    poller = _GreenPoller()
    flags_of: dict[Any, int] = {}
    for group, flag in ((readers, _POLLIN), (writers, _POLLOUT), (errors, _POLLERR)):
        for item in group:
            flags_of[item] = flags_of.get(item, 0) | flag
    for item, flags in flags_of.items():
        poller.register(item, flags)
    if timeout is not None and timeout < 0:
        timeout = None
    ready = poller.poll(None if timeout is None else timeout * 1000.0)
    readable: list[Any] = []
    writable: list[Any] = []
    failed: list[Any] = []
    for item, events in ready:
        if events & _POLLIN:
            readable.append(item)
        if events & _POLLOUT:
            writable.append(item)
        if events & _POLLERR:
            failed.append(item)
    return readable, writable, failed


# The public names. The classes are defined under private names so that type checkers, which
# see pyzmq's classes under the public names through the star import, check this module's
# code against the green classes; at run time the public names are the green ones.
Socket = _GreenSocket  # type: ignore[misc]
Context = _GreenContext  # type: ignore[misc]
Poller = _GreenPoller  # type: ignore[misc]
select = _green_select
_GreenSocket.__name__ = _GreenSocket.__qualname__ = "Socket"
_GreenContext.__name__ = _GreenContext.__qualname__ = "Context"
_GreenPoller.__name__ = _GreenPoller.__qualname__ = "Poller"
_green_select.__name__ = _green_select.__qualname__ = "select"
