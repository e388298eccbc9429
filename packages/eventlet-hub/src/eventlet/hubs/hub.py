"""The hub: the event loop every green thread of an OS thread shares.

The hub runs in a greenlet of its own. A green thread that must wait arranges to be woken
(a timer, or a listener on a file descriptor) and switches to the hub; the hub runs whatever
is ready and switches back into the green threads whose wake-ups came.

The loop, one turn at a time:

1. timers that are due move from the timer heap to the run queue;
2. the run queue runs, in FIFO order, the callbacks that were in it when the turn began
   (immediate wake-ups such as ``sleep(0)``, ``Event.send`` and spawn go straight to the run
   queue and never touch the heap);
3. the hub asks the OS for I/O readiness: with a zero timeout when work is ready, otherwise
   until the next timer is due. When work is ready and no descriptor is watched, the system
   call is skipped altogether.

Backends (epoll, poll, select, kqueue) subclass :class:`BaseHub` and provide the four
``_poller_*`` methods; everything else lives here.
"""

from __future__ import annotations

import errno
import heapq
import itertools
import os
import signal
import sys
import traceback
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

from greenlet import GreenletExit, getcurrent, greenlet

from eventlet.hubs._park import stray
from eventlet.hubs.timer import LocalTimer, Timer

__all__ = ["BaseHub", "FdListener", "IOClosed", "READ", "WRITE", "debug_state"]

READ = "read"
WRITE = "write"

# Exceptions that must stop the hub and surface in the main greenlet rather than be printed.
SYSTEM_EXCEPTIONS: tuple[type[BaseException], ...] = (KeyboardInterrupt, SystemExit, GreenletExit)

# Canceled timers are swept out of the heap once they are this many and half of it.
_COMPACT_MIN = 1000

_READ_BIT = 1
_WRITE_BIT = 2


class IOClosed(OSError):
    """Raised in a green thread waiting on a descriptor that was closed under it."""


class _DebugState:
    """Process-wide switches set by :mod:`eventlet.debug`."""

    def __init__(self) -> None:
        self.exceptions = True  # print tracebacks of failing callbacks and green threads
        self.prevent_multiple_readers = True
        self.listener_stacks = False
        self.timer_stacks = False


debug_state = _DebugState()


def _nothing() -> None:
    """A callback that only wakes the loop."""


def _closed_callback(*args: Any) -> None:
    """Stands in for the callback of a listener whose descriptor was closed."""


class FdListener:
    """One green thread's interest in one descriptor becoming readable or writable.

    A listener that :meth:`BaseHub.wait_io` reuses has ``tb`` None: its green thread
    (``greenlet``) is thrown into directly.
    """

    __slots__ = ("evtype", "fileno", "cb", "tb", "mark_as_closed", "spent", "greenlet", "traceback")
    traceback: str

    def __init__(
        self,
        evtype: str,
        fileno: int,
        cb: Callable[[int], Any],
        tb: Callable[[BaseException], Any],
        mark_as_closed: Callable[[], Any] | None,
        greenlet: Any = None,
    ) -> None:
        self.evtype = evtype
        self.fileno = fileno
        self.cb = cb
        self.tb = tb
        self.mark_as_closed = mark_as_closed
        self.spent = False
        self.greenlet = greenlet if greenlet is not None else getcurrent()

    def defang(self) -> None:
        """Disarm the listener because its descriptor was closed."""
        self.cb = _closed_callback
        if self.mark_as_closed is not None:
            self.mark_as_closed()
        self.spent = True

    def __repr__(self) -> str:
        return f"<FdListener {self.evtype} fileno={self.fileno} cb={self.cb!r}>"


class BaseHub:
    """The event loop shared by the green threads of one OS thread.

    Subclasses implement the ``_poller_*`` methods for one OS readiness API.
    """

    READ = READ
    WRITE = WRITE
    SYSTEM_EXCEPTIONS = SYSTEM_EXCEPTIONS

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        import time

        self.clock: Callable[[], float] = clock if clock is not None else time.monotonic
        self.listeners: dict[str, dict[int, FdListener]] = {READ: {}, WRITE: {}}
        self._rlisteners = self.listeners[READ]  # the same dicts, one lookup nearer
        self._wlisteners = self.listeners[WRITE]
        self.secondaries: dict[str, dict[int, list[FdListener]]] = {READ: {}, WRITE: {}}
        self._rsecondaries = self.secondaries[READ]
        # wait_io keeps the last read listener of each descriptor and uses it again for the
        # next wait on it: one object less per wait. Between waits the kept listener holds
        # nothing but its number (see the end of wait_io): no socket, file or green thread is
        # kept alive by it. Only for reading: writes seldom wait.
        self._rcache: dict[int, FdListener] = {}
        self._wsecondaries = self.secondaries[WRITE]
        self.closed: list[FdListener] = []
        # What the OS poller watches, per descriptor: _READ_BIT | _WRITE_BIT. A descriptor
        # whose owner notifies the hub before closing it (see add()) stays watched when its
        # last listener goes; only if the OS then reports it with nobody waiting is it
        # unwatched. So a green thread that wakes, does its I/O and waits again (the usual
        # request/response rhythm) costs no system call beyond the I/O itself.
        self._watched: dict[int, int] = {}
        self.timers: list[tuple[float, int, Timer]] = []  # a heap of (due time, seq, timer)
        self.next_timers: list[Timer] = []  # scheduled since the last turn, not yet in the heap
        self.timers_canceled = 0  # canceled timers still sitting in the heap
        self._sweep_at = _COMPACT_MIN
        self._seq = itertools.count()
        self._ready: deque[list[Any]] = deque()  # the run queue of [callback, args] entries
        self._threadsafe: deque[list[Any]] = deque()
        self._waiting_in_os = False  # True while the loop sleeps in the OS
        self.running = False
        self.stopping = False
        self.debug_blocking = False
        self.debug_blocking_resolution = 1.0
        self._old_alarm_handler: Any = None
        self.greenlet = self._new_greenlet()
        self._wakeup_r, self._wakeup_w = _make_wakeup_fds()
        self._poller_open()
        self._poller_set(self._wakeup_r, True, False)

    # -- the hub greenlet -------------------------------------------------------------------

    def _new_greenlet(self) -> greenlet:
        # The hub's parent is the thread's main greenlet, whoever first needed the hub, so an
        # exception that stops the hub surfaces there.
        root = getcurrent()
        while root.parent is not None:
            root = root.parent
        return greenlet(self.run, root)

    def ensure_greenlet(self) -> None:
        """Replace the hub greenlet if it has finished (after ``abort`` or an error)."""
        if self.greenlet.dead:
            self.greenlet = self._new_greenlet()

    def switch(self) -> Any:
        """Switch from the current green thread to the hub; return what wakes it."""
        current = getcurrent()
        hub_greenlet = self.greenlet
        if current is hub_greenlet:
            raise RuntimeError(
                "cannot switch to the hub from the hub itself: a blocking call "
                "(sleep, wait, socket I/O) was made inside a hub callback"
            )
        if hub_greenlet.dead:
            hub_greenlet = self.greenlet = self._new_greenlet()
        return hub_greenlet.switch()

    # -- scheduling -------------------------------------------------------------------------

    def schedule_call_global(
        self, seconds: float, cb: Callable[..., Any], *args: Any, **kw: Any
    ) -> Timer:
        """Run ``cb(*args, **kw)`` in the hub after ``seconds``; return a cancellable timer.

        A delay of zero or less puts the call on the run queue, behind what is already ready.
        """
        if kw:
            cb = partial(cb, **kw)
        return self._schedule(Timer(seconds, cb, *args), seconds)

    def schedule_call_local(
        self, seconds: float, cb: Callable[..., Any], *args: Any, **kw: Any
    ) -> Timer:
        """Like :meth:`schedule_call_global`, but skipped if the calling green thread has died."""
        if kw:
            cb = partial(cb, **kw)
        return self._schedule(LocalTimer(seconds, cb, *args), seconds)

    def _schedule(self, timer: Timer, seconds: float) -> Timer:
        if seconds > 0:
            return self.add_timer(timer)
        if seconds != seconds:
            raise ValueError("timer delay must be a number, not NaN")
        if debug_state.timer_stacks:
            timer.record_stack()
        self._ready.append([timer, ()])
        if self._waiting_in_os:
            self._wake()
        return timer

    def run_soon(self, cb: Callable[..., Any], *args: Any) -> list[Any]:
        """Put ``cb(*args)`` on the run queue, the fast path for immediate wake-ups.

        Returns the queue entry, a list ``[cb, args]``; setting ``entry[0] = None`` cancels
        it (the hub skips it). A list, not a Timer, because one is made per wake-up.
        """
        entry = [cb, args]
        self._ready.append(entry)
        if self._waiting_in_os:
            self._wake()
        return entry

    # Orders call_soon_threadsafe() with close(); see eventlet.hubs._crossthread.
    from eventlet.hubs._crossthread import LOCK as _crossthread_lock

    def call_soon_threadsafe(self, cb: Callable[..., Any], *args: Any) -> None:
        """Run ``cb(*args)`` in this hub's thread soon; callable from any OS thread.

        The hub is woken through a descriptor it watches, so no one polls. Raises
        RuntimeError if the hub is closed (its thread has ended, or :meth:`close` was
        called): the callback would never run.
        """
        if not callable(cb):
            raise TypeError(f"call_soon_threadsafe() needs a callable, not {type(cb).__name__!r}")
        with self._crossthread_lock:
            fd = self._wakeup_w
            if fd == -1:
                raise RuntimeError(
                    f"call_soon_threadsafe({cb!r}) on a closed hub: its thread has ended or "
                    "hub.close() was called, so the callback would never run"
                )
            self._threadsafe.append([cb, args])
            try:
                os.write(fd, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except (BlockingIOError, InterruptedError):
                pass  # already signalled: the pending bytes will wake the loop

    def add_timer(self, timer: Timer) -> Timer:
        """Schedule a timer made by the caller, ``timer.seconds`` from now."""
        if debug_state.timer_stacks:
            timer.record_stack()
        timer.scheduled_time = self.clock() + timer.seconds
        pending = self.next_timers
        pending.append(timer)
        if len(pending) > self._sweep_at:
            self._sweep_next_timers()
        if self._waiting_in_os:
            self._wake()
        return timer

    def _sweep_next_timers(self) -> None:
        # Timers set and canceled without the loop turning (a Timeout around code that does
        # not block) pile up here; drop them, and sweep again when the rest has doubled.
        self.next_timers = [t for t in self.next_timers if not t.called]
        self._sweep_at = max(_COMPACT_MIN, 2 * len(self.next_timers))

    def timer_canceled(self, timer: Timer) -> None:
        """Count a canceled timer left in the heap; sweep the heap when they dominate it."""
        self.timers_canceled += 1
        if self.timers_canceled > _COMPACT_MIN and self.timers_canceled * 2 > len(self.timers):
            # In place: fire_timers may be iterating over this very list.
            heap = self.timers
            heap[:] = [entry for entry in heap if not entry[2].called]
            heapq.heapify(heap)
            self.timers_canceled = 0

    def prepare_timers(self) -> None:
        """Move the timers scheduled since the last turn into the heap."""
        heap = self.timers
        seq = self._seq
        for timer in self.next_timers:
            if not timer.called:
                timer._hub = self
                heapq.heappush(heap, (timer.scheduled_time, next(seq), timer))
        self.next_timers = []

    def fire_timers(self, when: float) -> None:
        """Run every timer due at ``when``."""
        heap = self.timers
        while heap and heap[0][0] <= when:
            timer = heapq.heappop(heap)[2]
            timer._hub = None
            if timer.called:
                self.timers_canceled -= 1
                continue
            timer.called = True
            try:
                timer.callback(*timer.args)
            except SYSTEM_EXCEPTIONS:
                raise
            except BaseException:
                self.squelch_timer_exception(timer, sys.exc_info())

    def get_timers_count(self) -> int:
        """How many timers are scheduled (canceled ones not yet swept included)."""
        return len(self.timers) + len(self.next_timers)

    # -- listeners --------------------------------------------------------------------------

    def add(
        self,
        evtype: str,
        fileno: int,
        cb: Callable[[int], Any],
        tb: Callable[[BaseException], Any],
        mark_as_closed: Callable[[], Any] | None = None,
    ) -> FdListener:
        """Call ``cb(fileno)`` when ``fileno`` is ready for ``evtype`` (READ or WRITE).

        ``tb(exc)`` is called instead, with :class:`IOClosed`, if the descriptor is closed
        while the listener waits; ``mark_as_closed()`` is called then too. Return the
        listener, to pass to :meth:`remove`.

        Passing ``mark_as_closed`` also says that the descriptor belongs to an object that
        calls :meth:`notify_close` before it closes it (as green sockets and pipes do). Such
        a descriptor stays watched when its listener goes, until the OS reports it with no
        one waiting, so the next wait costs no system call. Without it, the poller is told at
        once: the caller may close the descriptor behind the hub's back, and a new file with
        the same number must not be taken for the old one.
        """
        if evtype is not READ and evtype is not WRITE:
            if evtype not in (READ, WRITE):
                raise ValueError(f"evtype must be hub.READ or hub.WRITE, not {evtype!r}")
            evtype = READ if evtype == READ else WRITE
        if not isinstance(fileno, int) or fileno < 0:
            raise ValueError(f"fileno must be a non-negative int, not {fileno!r}")
        listener = FdListener(evtype, fileno, cb, tb, mark_as_closed)
        if debug_state.listener_stacks:
            listener.traceback = "".join(traceback.format_stack()[:-2])
        bucket = self.listeners[evtype]
        primary = bucket.get(fileno)
        if primary is None:
            bucket[fileno] = listener
            try:
                self._start_watching(
                    fileno, _READ_BIT if evtype is READ else _WRITE_BIT, mark_as_closed is not None
                )
            except BaseException:  # e.g. EBADF, or EPERM for a regular file under epoll
                del bucket[fileno]
                listener.spent = True
                raise
        elif debug_state.prevent_multiple_readers:
            raise RuntimeError(
                f"second simultaneous {evtype} on fileno {fileno}: another green thread "
                f"({primary.greenlet!r}) is already waiting to {evtype} it, so which of them "
                "gets the data is a matter of chance. Give the descriptor one owner (an "
                "eventlet.pools.Pool can share it), or if you mean it, call "
                "eventlet.debug.hub_prevent_multiple_readers(False)."
            )
        else:
            self.secondaries[evtype].setdefault(fileno, []).append(listener)
        return listener

    def wait_io(self, evtype: str, fileno: int, mark_as_closed: Callable[[], Any] | None = None) -> Any:
        """Suspend the calling green thread until ``fileno`` is ready for ``evtype``.

        What :func:`eventlet.hubs.trampoline` does without a timeout: :meth:`add` a listener
        that switches back, switch to the hub, :meth:`remove` the listener. Done in one
        method because every socket operation that would block comes through here.
        """
        current = getcurrent()
        if evtype is READ:
            bucket = self._rlisteners
            bit = _READ_BIT
        elif evtype is WRITE:
            bucket = self._wlisteners
            bit = _WRITE_BIT
        else:
            bucket = None
        if (
            bucket is None
            or fileno in bucket
            or current is self.greenlet
            or debug_state.listener_stacks
            or fileno.__class__ is not int
            or fileno < 0
        ):
            # Unusual: bad arguments, a second waiter, stack recording. The general path.
            if current is self.greenlet:
                raise RuntimeError(
                    "cannot wait for I/O inside the hub: there is nothing to switch to"
                )
            listener = self.add(evtype, fileno, current.switch, current.throw, mark_as_closed)
            try:
                got = self.switch()
            finally:
                self.remove(listener)
            if got != fileno:
                raise stray(self, f"waiting to {evtype} descriptor {fileno}", got)
            return got
        kept = self._rcache.get(fileno) if bit is _READ_BIT else None
        if kept is None or kept.cb is not None:  # none kept, or in use / defanged
            listener = FdListener(
                evtype, fileno, current.switch, current.throw, mark_as_closed, current
            )
            if bit is _READ_BIT:
                self._rcache[fileno] = listener
        else:
            listener = kept
            listener.cb = current.switch
            listener.mark_as_closed = mark_as_closed
            listener.greenlet = current  # tb stays None: see _close_waiters
            listener.spent = False
        bucket[fileno] = listener
        if mark_as_closed is None or not self._watched.get(fileno, 0) & bit:
            try:
                self._start_watching(fileno, bit, mark_as_closed is not None)
            except BaseException:
                del bucket[fileno]
                listener.spent = True
                raise
        try:
            hub_greenlet = self.greenlet
            got = hub_greenlet.switch() if not hub_greenlet.dead else self.switch()
            if got != fileno:  # the hub wakes a reader or writer with the descriptor's number
                raise stray(self, f"waiting to {evtype} descriptor {fileno}", got)
            return got
        finally:
            if not listener.spent:
                secondaries = self._rsecondaries if bucket is self._rlisteners else self._wsecondaries
                if bucket.get(fileno) is listener and not (secondaries and fileno in secondaries):
                    listener.spent = True
                    del bucket[fileno]
                    if mark_as_closed is None:
                        self._unwatch_unwanted(fileno)  # see add()
                else:
                    self.remove(listener)
                # Kept for the next wait, holding nothing: the green thread and the owner
                # (a socket, through mark_as_closed) must be free to go. A defanged listener
                # (spent by a close) is not kept, and keeps its tb for the close wake-up.
                listener.cb = listener.tb = listener.mark_as_closed = None  # type: ignore[assignment]
                listener.greenlet = None

    def remove(self, listener: FdListener) -> None:
        """Stop a listener returned by :meth:`add`. Removing it twice does nothing."""
        if listener.spent:
            return
        listener.spent = True
        fileno = listener.fileno
        evtype = listener.evtype
        bucket = self.listeners[evtype]
        if bucket.get(fileno) is listener:
            others = self.secondaries[evtype].get(fileno)
            if others:
                bucket[fileno] = others.pop(0)
                if not others:
                    del self.secondaries[evtype][fileno]
                return
            del bucket[fileno]
            if listener.mark_as_closed is None:
                self._unwatch_unwanted(fileno)  # see add()
        else:
            others = self.secondaries[evtype].get(fileno)
            if others and listener in others:
                others.remove(listener)
                if not others:
                    del self.secondaries[evtype][fileno]

    def _pop_listeners(self, fileno: int) -> list[FdListener]:
        self._rcache.pop(fileno, None)
        found = []
        for evtype in (READ, WRITE):
            primary = self.listeners[evtype].pop(fileno, None)
            if primary is not None:
                found.append(primary)
            found.extend(self.secondaries[evtype].pop(fileno, ()))
        return found

    def remove_descriptor(self, fileno: int) -> None:
        """Forget every listener of ``fileno`` without waking them."""
        for listener in self._pop_listeners(fileno):
            listener.spent = True
        self._forget(fileno)

    def release(self, fileno: int) -> None:
        """The owner of ``fileno`` is gone without closing it through the hub.

        A green socket collected unclosed calls this before its descriptor is closed: the
        registration kept between its waits (see :meth:`add`) is dropped, unless a green
        thread (of another object sharing the descriptor) waits on it.
        """
        self._rcache.pop(fileno, None)
        if fileno in self._watched:
            self._unwatch_unwanted(fileno)

    def notify_close(self, fileno: int) -> None:
        """``fileno`` is being closed: green threads waiting on it get :class:`IOClosed`."""
        self._obsolete(fileno)

    def mark_as_reopened(self, fileno: int) -> None:
        """A new file now has number ``fileno``: waiters on the old one get :class:`IOClosed`."""
        self._obsolete(fileno)

    def _obsolete(self, fileno: int) -> None:
        listeners = self._pop_listeners(fileno)
        self._forget(fileno)
        for listener in listeners:
            listener.defang()
            self.closed.append(listener)
        if listeners:
            self.run_soon(self._close_waiters)

    def _close_waiters(self) -> None:
        while self.closed:
            listener = self.closed.pop(0)
            if not listener.greenlet.dead:
                # A listener wait_io kept and refilled has no tb (one bound method less
                # per wait): its green thread is thrown into directly.
                throw = listener.greenlet.throw if listener.tb is None else listener.tb
                throw(IOClosed(errno.ENOTCONN, "Operation on closed file"))

    def get_readers(self) -> list[FdListener]:
        """The listeners waiting for a descriptor to become readable."""
        return list(self.listeners[READ].values())

    def get_writers(self) -> list[FdListener]:
        """The listeners waiting for a descriptor to become writable."""
        return list(self.listeners[WRITE].values())

    def _watch(self, fileno: int, bits: int) -> None:
        """Have the OS poller watch ``fileno`` for ``bits`` (none: stop watching it)."""
        self._poller_set(fileno, bool(bits & _READ_BIT), bool(bits & _WRITE_BIT))
        if bits:
            self._watched[fileno] = bits
        else:
            self._watched.pop(fileno, None)

    def _wanted(self, fileno: int) -> int:
        """The bits the listeners of ``fileno`` want watched."""
        return (_READ_BIT if fileno in self.listeners[READ] else 0) | (
            _WRITE_BIT if fileno in self.listeners[WRITE] else 0
        )

    def _start_watching(self, fileno: int, bit: int, owned: bool) -> None:
        """Make the poller watch ``fileno`` for ``bit``, for a listener just added.

        A registration kept after an owned descriptor's last wait is not trusted for a
        listener without an owner: the owner may have lost the descriptor without telling
        the hub (a socket dropped unclosed), and this may be a new file with its number.
        """
        watched = self._watched.get(fileno, 0)
        if (
            watched
            and not owned
            and (fileno in self._rlisteners) + (fileno in self._wlisteners) == 1
        ):
            self._forget(fileno)
            watched = 0
        if not watched & bit:
            self._watch(fileno, watched | bit)

    def _unwatch_unwanted(self, fileno: int) -> None:
        """Watch ``fileno`` for exactly what its listeners want (maybe nothing)."""
        bits = self._wanted(fileno)
        if bits != self._watched.get(fileno, 0):
            try:
                self._watch(fileno, bits)
            except OSError:  # closed already: the kernel has dropped it
                self._watched.pop(fileno, None)

    def _forget(self, fileno: int) -> None:
        self._watched.pop(fileno, None)
        try:
            self._poller_set(fileno, False, False)
        except OSError:
            pass  # already closed: the kernel has dropped it

    def _fire(self, fileno: int, readable: Any, writable: Any) -> None:
        """Wake the listeners of ``fileno`` for the readiness the OS reported (truthy flags)."""
        # The hot path of every I/O wake-up: the primary listener's callback is called here
        # directly; secondaries (only with hub_prevent_multiple_readers(False)) are rare.
        if readable:
            listener = self._rlisteners.get(fileno)
            if listener is not None:
                try:
                    listener.cb(fileno)
                except SYSTEM_EXCEPTIONS:
                    raise
                except BaseException:
                    self.squelch_exception(fileno, sys.exc_info())
                if self._rsecondaries:
                    self._fire_secondaries(self._rsecondaries, fileno)
            elif fileno in self._watched:
                self._unwatch_unwanted(fileno)  # kept watched after its last reader went
        if writable:
            listener = self._wlisteners.get(fileno)
            if listener is not None:
                try:
                    listener.cb(fileno)
                except SYSTEM_EXCEPTIONS:
                    raise
                except BaseException:
                    self.squelch_exception(fileno, sys.exc_info())
                if self._wsecondaries:
                    self._fire_secondaries(self._wsecondaries, fileno)
            elif fileno in self._watched:
                self._unwatch_unwanted(fileno)  # kept watched after its last writer went
        if fileno == self._wakeup_r:
            self._drain_wakeup()

    def _fire_secondaries(self, secondaries: dict[int, list[FdListener]], fileno: int) -> None:
        for other in list(secondaries.get(fileno, ())):
            self._call_listener(other, fileno)

    def _fire_bad(self, fileno: int) -> None:
        """The OS says ``fileno`` is not open: its waiters get :class:`IOClosed`."""
        if fileno == self._wakeup_r:
            return
        self._obsolete(fileno)

    def _call_listener(self, listener: FdListener, fileno: int) -> None:
        try:
            listener.cb(fileno)
        except SYSTEM_EXCEPTIONS:
            raise
        except BaseException:
            self.squelch_exception(fileno, sys.exc_info())

    # -- the thread-safe wake-up ------------------------------------------------------------

    def _wake(self) -> None:
        try:
            os.write(self._wakeup_w, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except (BlockingIOError, InterruptedError):
            pass  # already signalled: the pending bytes will wake the loop
        except OSError:
            pass  # closed during interpreter shutdown

    def _drain_wakeup(self) -> None:
        try:
            while os.read(self._wakeup_r, 4096):
                if self._wakeup_r == self._wakeup_w:
                    break  # an eventfd resets on one read
        except (BlockingIOError, InterruptedError):
            pass
        self._run_threadsafe()

    def _run_threadsafe(self) -> None:
        queue = self._threadsafe
        while queue:
            self._ready.append(queue.popleft())

    # -- the loop ---------------------------------------------------------------------------

    def default_sleep(self) -> float:
        """How long the loop sleeps in the OS when nothing at all is scheduled."""
        return 60.0

    def run(self, *args: Any, **kwargs: Any) -> None:
        """Run the loop until :meth:`abort`. Called in the hub greenlet."""
        if self.running:
            raise RuntimeError("this hub is already running")
        # This greenlet never returns: every green thread has it as parent, so it must
        # outlive an abort() or an interrupt. Both hand control to the main greenlet, and a
        # later switch() resumes the loop here. Only killing it (its thread ends) ends it.
        parent = self.greenlet.parent
        assert parent is not None  # the thread's main greenlet, see _new_greenlet()
        try:
            while True:
                self.running = True
                self.stopping = False
                try:
                    self._loop()
                except (KeyboardInterrupt, SystemExit):
                    parent.throw(*sys.exc_info())
                    continue
                self.running = False  # stopped by abort()
                parent.switch()
        finally:
            self.running = False
            self.stopping = False

    def _loop(self) -> None:
        ready = self._ready
        popleft = ready.popleft
        readers = self.listeners[READ]
        writers = self.listeners[WRITE]
        entry: Any = None
        callback: Any = None
        while not self.stopping:
            if self.debug_blocking:
                self.block_detect_post()  # a fresh alarm for every turn
            if self.next_timers:
                self.prepare_timers()
            if self.timers:
                self.fire_timers(self.clock())
            if self._threadsafe:
                self._run_threadsafe()
            for _ in range(len(ready)):
                entry = popleft()
                callback = entry[0]
                if callback is None:
                    continue  # canceled
                entry[0] = None
                try:
                    callback(*entry[1])
                except SYSTEM_EXCEPTIONS:
                    raise
                except BaseException:
                    self.squelch_timer_exception(callback, sys.exc_info())
            # Drop the last callback, so a finished green thread is not kept alive while
            # the hub sleeps.
            entry = callback = None
            if ready and not readers and not writers:
                continue  # nothing the OS could tell us; signals run their handlers anyway
            # Ask the OS for ready descriptors, waiting only as long as nothing else is due.
            # The flag goes up before the run queue is looked at: a signal handler that runs
            # from here on and wakes a green thread also writes to the wake-up descriptor, so
            # the wait returns at once instead of sleeping through the wake-up. Backends
            # lower it as soon as the OS answers, before they wake anyone.
            self._waiting_in_os = True
            if ready or self._threadsafe:
                timeout = 0.0
            elif self.next_timers or self.timers:
                timeout = self._until_next_timer()
            else:
                timeout = self.default_sleep()
            if self.debug_blocking:
                self.block_detect_pre()
            try:
                self.wait(timeout)
            finally:
                self._waiting_in_os = False

    def _until_next_timer(self) -> float:
        """Seconds until the next timer is due (0 if one is overdue), or the default sleep."""
        if self.next_timers:
            self.prepare_timers()
        if self.timers:
            return max(self.timers[0][0] - self.clock(), 0.0)
        return self.default_sleep()

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for I/O and wake the listeners of ready descriptors."""
        raise NotImplementedError

    def abort(self, wait: bool = False) -> None:
        """Stop the loop at the end of its current turn; with ``wait``, until it has stopped.

        Callable from any OS thread; raises RuntimeError if the hub is closed while running.
        """
        if self.running:
            self.stopping = True
            self.call_soon_threadsafe(_nothing)  # wakes the loop, with the cross-thread rules
        if wait and getcurrent() is not self.greenlet:
            while self.running:
                entry = self.run_soon(getcurrent().switch)
                try:
                    self.switch()
                finally:
                    entry[0] = None  # the loop may stop before it runs

    # -- errors -----------------------------------------------------------------------------

    def squelch_exception(self, fileno: int, exc_info: Any) -> None:
        """Report an exception raised by a listener callback."""
        if debug_state.exceptions:
            traceback.print_exception(*exc_info)
            sys.stderr.write(f"Removing descriptor: {fileno!r}\n")
            sys.stderr.flush()
        try:
            self.remove_descriptor(fileno)
        except Exception as exc:  # the report must not fail the loop
            sys.stderr.write(f"Exception while removing descriptor! {exc!r}\n")
            sys.stderr.flush()

    def squelch_timer_exception(self, timer: Any, exc_info: Any) -> None:
        """Report an exception raised by a timer or a green thread (see debug.hub_exceptions)."""
        if debug_state.exceptions:
            traceback.print_exception(*exc_info)
            sys.stderr.flush()

    # -- blocking detection (debug.hub_blocking_detection) -----------------------------------

    def _blocking_alarm(self, signum: int, frame: Any) -> None:
        stack = "".join(traceback.format_stack(frame))
        if getcurrent() is self.greenlet:
            # The hub itself took long (a slow callback): no green thread to blame.
            sys.stderr.write(
                f"blocking detector: a hub turn took over "
                f"{self.debug_blocking_resolution}s, at:\n{stack}"
            )
            return
        raise RuntimeError(
            f"blocking detector: a green thread ran for more than "
            f"{self.debug_blocking_resolution}s without yielding to the hub, at:\n{stack}"
        )

    def block_detect_pre(self) -> None:
        """Disarm the blocking alarm while the hub itself sleeps in the OS."""
        signal.setitimer(signal.ITIMER_REAL, 0)

    def block_detect_post(self) -> None:
        """Arm the blocking alarm for the green threads the hub is about to run."""
        if self._old_alarm_handler is None:
            self._old_alarm_handler = signal.signal(signal.SIGALRM, self._blocking_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.debug_blocking_resolution)

    def stop_blocking_detection(self) -> None:
        """Disarm the blocking alarm and restore the previous SIGALRM handler."""
        signal.setitimer(signal.ITIMER_REAL, 0)
        if self._old_alarm_handler is not None:
            signal.signal(signal.SIGALRM, self._old_alarm_handler)
            self._old_alarm_handler = None

    # -- fork -------------------------------------------------------------------------------

    def _after_fork(self) -> None:
        """In a forked child: a fresh poller and wake-up descriptor, same listeners."""
        BaseHub.close(self)
        self._wakeup_r, self._wakeup_w = _make_wakeup_fds()
        self._threadsafe.clear()
        self._poller_reopen()
        self._poller_set(self._wakeup_r, True, False)
        self._watched.clear()
        for fileno in set(self.listeners[READ]) | set(self.listeners[WRITE]):
            try:
                self._watch(fileno, self._wanted(fileno))
            except OSError:
                self._fire_bad(fileno)

    # -- what backends provide --------------------------------------------------------------

    def _poller_open(self) -> None:
        """Create the OS polling object."""
        raise NotImplementedError

    def _poller_reopen(self) -> None:
        """Replace the polling object after fork (the parent's must not be shared)."""
        self._poller_open()

    def _poller_set(self, fileno: int, read: bool, write: bool) -> None:
        """Watch ``fileno`` for the given readiness (neither: stop watching it)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the hub's descriptors. The hub must not be used afterwards.

        From then on, :meth:`call_soon_threadsafe` raises RuntimeError.
        """
        lock = self._crossthread_lock
        # At interpreter shutdown a daemon thread may have been frozen while holding the lock
        # (inside call_soon_threadsafe's write); it will never write again, so do not wait.
        locked = lock.acquire(blocking=not sys.is_finalizing())
        try:
            fds = {self._wakeup_r, self._wakeup_w} - {-1}
            self._wakeup_r = self._wakeup_w = -1
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
        finally:
            if locked:
                lock.release()

    def __del__(self) -> None:
        # A hub dies with its thread; its wake-up descriptor must not leak.
        if getattr(self, "_wakeup_r", -1) != -1:
            self.close()

    def set_debug_listeners(self, value: bool) -> None:
        """Record where each listener is added; what ``debug.hub_listener_stacks`` does.

        The switch is process-wide, as the eventlet.debug one is: it applies to every hub.
        """
        debug_state.listener_stacks = bool(value)

    def set_timer_exceptions(self, value: bool) -> None:
        """Print failing timers and green threads; what ``debug.hub_exceptions`` does.

        The switch is process-wide, as the eventlet.debug one is: it applies to every hub.
        """
        debug_state.exceptions = bool(value)


def _make_wakeup_fds() -> tuple[int, int]:
    """A non-blocking eventfd where the OS has one, else a pipe: (read end, write end)."""
    eventfd = getattr(os, "eventfd", None)
    if eventfd is not None:
        fd = eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        return fd, fd
    r, w = os.pipe()
    os.set_blocking(r, False)
    os.set_blocking(w, False)
    return r, w
