"""The asyncio hub: green threads and asyncio tasks sharing one OS thread.

The hub owns an asyncio event loop (made with the hub, and set as the thread's current
loop) and drives it: where the other backends sleep in ``epoll_wait`` or ``poll``, this one
runs the asyncio loop for as long as the hub has nothing else due. Asyncio tasks, their
callbacks and their I/O run then; descriptors green threads wait on are watched by the same
loop (``add_reader``/``add_writer``), and anything that wakes a green thread (a descriptor,
a future done, another OS thread) stops the asyncio loop so the hub can run it.

Select it with ``EVENTLET_HUB=asyncio`` or ``eventlet.hubs.use_hub("asyncio")`` (also
spelled ``eventlet.hubs.asyncio``). :mod:`eventlet.asyncio` turns awaitables into green
threads and green threads into futures.

Limits: coroutines run in the hub's greenlet, so they cannot call blocking green functions
(``eventlet.sleep``, green socket I/O): that raises RuntimeError; await instead. A coroutine
that blocks the OS thread blocks the green threads too, and the blocking monitor does not
see it (to the hub it is asleep in the asyncio loop).
"""

from __future__ import annotations

import asyncio
import errno
import select
import selectors
import threading
from collections.abc import Callable

from eventlet.hubs.hub import READ, BaseHub, FdListener

__all__ = ["Hub", "is_available"]

_READ_BIT = 1
_WRITE_BIT = 2

# What epoll_ctl answers for a number whose registration went stale (see _EpollSet).
_STALE = (errno.EBADF, errno.ENOENT, errno.EPERM)


def is_available() -> bool:
    """True: asyncio is in every supported Python."""
    return True


class _Listeners(dict[int, FdListener]):
    """The hub's read listeners, a dict that is always true.

    BaseHub skips asking the OS for events when green threads are ready and no descriptor
    is waited on; here "asking the OS" is what gives asyncio tasks their turn, so it must
    never be skipped, or a green thread that loops on ``sleep(0)`` would starve them.
    """

    def __bool__(self) -> bool:
        return True


class _EpollSet:
    """A ``select.epoll`` that drops registrations of files closed behind its back.

    epoll keys a registration by open file, not by number: if a number is closed without
    unregistering it while a duplicate (``dup()``, a forked child) keeps the file open, epoll
    goes on reporting that file under the number, and ``unregister`` can no longer reach
    it. ``selectors.EpollSelector`` ignores the failed ``unregister``; then the loop spins on
    a file nobody watches. When an ``unregister`` or ``modify`` of a number registered here
    fails so, this set starts a fresh epoll object with exactly the live registrations.
    """

    def __init__(self) -> None:
        self._epoll = select.epoll()
        self._masks: dict[int, int] = {}
        self.rebuilds = 0

    def register(self, fd: int, mask: int) -> None:
        self._epoll.register(fd, mask)
        self._masks[fd] = mask

    def modify(self, fd: int, mask: int) -> None:
        try:
            self._epoll.modify(fd, mask)
        except OSError as exc:
            if exc.errno not in _STALE or fd not in self._masks:
                raise
            del self._masks[fd]
            self._rebuild()
            self._epoll.register(fd, mask)
        self._masks[fd] = mask

    def unregister(self, fd: int) -> None:
        known = self._masks.pop(fd, None) is not None
        try:
            self._epoll.unregister(fd)
        except OSError as exc:
            if known and exc.errno in _STALE:
                self._rebuild()
            raise

    def _rebuild(self) -> None:
        old, self._epoll = self._epoll, select.epoll()
        old.close()
        self.rebuilds += 1
        for fd, mask in list(self._masks.items()):
            try:
                self._epoll.register(fd, mask)
            except OSError:
                del self._masks[fd]  # closed meanwhile: nothing left to watch

    def poll(self, timeout: float | None = None, maxevents: int = -1) -> list[tuple[int, int]]:
        return self._epoll.poll(timeout, maxevents)

    def fileno(self) -> int:
        return self._epoll.fileno()

    def close(self) -> None:
        self._epoll.close()

    @property
    def closed(self) -> bool:
        return self._epoll.closed


if hasattr(select, "epoll"):

    class _Selector(selectors.EpollSelector):
        """selectors.EpollSelector on an :class:`_EpollSet`."""

        _selector_cls = _EpollSet

    def _new_loop() -> asyncio.AbstractEventLoop:
        return asyncio.SelectorEventLoop(_Selector())

else:  # pragma: no cover - BSD and macOS: kqueue keys registrations by number

    def _new_loop() -> asyncio.AbstractEventLoop:
        return asyncio.new_event_loop()


class Hub(BaseHub):
    """A hub that runs an asyncio event loop while it waits; ``loop`` is that loop."""

    loop: asyncio.AbstractEventLoop

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:
            raise RuntimeError(
                "the asyncio hub makes and runs its own event loop, but this thread is "
                f"already running {running!r}; use the asyncio hub from a thread without a "
                "running loop, and eventlet.asyncio.spawn_for_awaitable() for coroutines"
            )
        super().__init__(clock)
        self.listeners[READ] = self._rlisteners = _Listeners(self._rlisteners)

    # -- the poller: the asyncio loop's selector ---------------------------------------------

    def _poller_open(self) -> None:
        self.loop = _new_loop()
        asyncio.set_event_loop(self.loop)
        self._owner = threading.get_ident()
        self._masks: dict[int, int] = {}
        self._events: dict[int, int] = {}  # descriptors reported ready during one wait

    def _poller_reopen(self) -> None:
        # After fork: the parent's loop (its epoll object and self-pipe) must not be shared.
        # Its tasks stay with the parent.
        old = self.loop
        self._poller_open()
        try:
            old.close()
        except Exception:
            pass  # a loop the parent was running when it forked cannot be closed here

    def _poller_set(self, fileno: int, read: bool, write: bool) -> None:
        mask = (_READ_BIT if read else 0) | (_WRITE_BIT if write else 0)
        old = self._masks.get(fileno, 0)
        if mask == old:
            return
        try:
            self._register(fileno, old, mask)
        except FileNotFoundError:
            # The kernel dropped the registration of a file closed behind the hub's back,
            # but the selector still has it: start over for this descriptor.
            self._register(fileno, old, 0)
            self._register(fileno, 0, mask)
        except (ValueError, KeyError) as exc:
            raise OSError(errno.EBADF, f"cannot watch descriptor {fileno}: {exc}") from None
        if mask:
            self._masks[fileno] = mask
        else:
            self._masks.pop(fileno, None)

    def _register(self, fileno: int, old: int, mask: int) -> None:
        loop = self.loop
        if mask & _READ_BIT and not old & _READ_BIT:
            loop.add_reader(fileno, self._ready_fd, fileno, _READ_BIT)
        elif old & _READ_BIT and not mask & _READ_BIT:
            loop.remove_reader(fileno)
        if mask & _WRITE_BIT and not old & _WRITE_BIT:
            loop.add_writer(fileno, self._ready_fd, fileno, _WRITE_BIT)
        elif old & _WRITE_BIT and not mask & _WRITE_BIT:
            loop.remove_writer(fileno)

    def _ready_fd(self, fileno: int, bit: int) -> None:
        # Called by the asyncio loop: note it, and stop the loop so the hub wakes the
        # listeners (not from inside an asyncio callback).
        events = self._events
        events[fileno] = events.get(fileno, 0) | bit
        self.loop.stop()

    # -- waiting ------------------------------------------------------------------------------

    def wait(self, seconds: float) -> None:
        """Run the asyncio loop up to ``seconds``; then wake the listeners of ready descriptors."""
        loop = self.loop
        if loop.is_running():
            raise RuntimeError(
                "the asyncio hub cannot wait from inside its own asyncio loop: a coroutine "
                "or asyncio callback made a blocking green call; await instead"
            )
        if seconds > 0:
            handle: asyncio.Handle = loop.call_later(seconds, loop.stop)
        else:
            # One pass: poll with no timeout, run what is ready, come back.
            handle = loop.call_soon(loop.stop)
        try:
            loop.run_forever()
        finally:
            handle.cancel()
            self._waiting_in_os = False
        events = self._events
        if events:
            self._events = {}
            fire = self._fire
            for fileno, bits in events.items():
                fire(fileno, bits & _READ_BIT, bits & _WRITE_BIT)

    def close(self) -> None:
        """Close the asyncio loop (unless it is running) and the wake-up descriptor."""
        try:
            self._close_loop()
        except Exception:
            pass  # at interpreter exit, modules may be half torn down: the OS cleans up
        super().close()

    def _close_loop(self) -> None:
        loop = getattr(self, "loop", None)
        if loop is None or loop.is_closed() or loop.is_running():
            return
        for fileno in list(self._masks):
            self._register(fileno, self._masks.pop(fileno), 0)
        loop.close()
        if threading.get_ident() == self._owner:
            # No closed loop left as the thread's current one (closing from another thread,
            # at that thread's end, has nothing to reset here).
            try:
                if asyncio.get_event_loop_policy().get_event_loop() is loop:
                    asyncio.set_event_loop(None)
            except RuntimeError:
                pass  # the thread has no current loop any more
