"""Hubs: the per-thread event loops, and the calls green code uses to wait on them.

One hub per OS thread, made on first use by :func:`get_hub`. The backend is chosen by
:func:`use_hub`, the ``EVENTLET_HUB`` environment variable (``epolls``, ``poll``, ``selects``,
``kqueue``, or ``package.module`` / ``package.module:Class``), or else the best the OS has.
"""

from __future__ import annotations

import _thread
import importlib
import os
from functools import partial
from types import ModuleType
from typing import Any

from greenlet import getcurrent

from eventlet.hubs._park import WOKEN, UnexpectedWakeup, park
from eventlet.hubs.hub import READ, WRITE, BaseHub, IOClosed

__all__ = [
    "BaseHub",
    "IOClosed",
    "READ",
    "UnexpectedWakeup",
    "WRITE",
    "get_default_hub",
    "get_hub",
    "notify_close",
    "notify_opened",
    "notify_released",
    "trampoline",
    "use_hub",
]

# The original thread-local type: monkey patching must not turn the hub per green thread.
_threadlocal = _thread._local()

# Backends shipped here, best first for get_default_hub().
BUILTIN_HUBS = ("epolls", "kqueue", "poll", "selects", "asyncio")


def get_default_hub() -> ModuleType:
    """The best hub module this OS offers: epolls on Linux, kqueue on BSD/macOS, else poll."""
    for name in BUILTIN_HUBS:
        module = importlib.import_module(f"eventlet.hubs.{name}")
        if module.is_available():
            return module
    raise RuntimeError("no usable hub on this system")  # selects is always available


def _resolve_hub(mod: str | ModuleType | type) -> type:
    """The hub class named by ``mod`` (a backend name, module, dotted path or class)."""
    if isinstance(mod, type):
        return mod
    if isinstance(mod, str):
        text = mod.strip()
        if not text:
            raise ValueError("hub name must not be empty")
        path, _, attr = text.partition(":")
        if "." not in path:
            if path not in BUILTIN_HUBS:
                raise ValueError(
                    f"unknown hub {text!r}: use one of {', '.join(BUILTIN_HUBS)}, "
                    "a module path such as 'package.module', or 'package.module:Class'"
                )
            path = f"eventlet.hubs.{path}"
        module = importlib.import_module(path)
        if attr:
            return getattr(module, attr)
        mod = module
    if isinstance(mod, ModuleType):
        is_available = getattr(mod, "is_available", None)
        if is_available is not None and not is_available():
            raise RuntimeError(f"hub {mod.__name__} is not available on this system")
        hub_class = getattr(mod, "Hub", None)
        if hub_class is None:
            raise ValueError(f"hub module {mod.__name__} has no Hub class")
        return hub_class
    raise TypeError(f"use_hub() takes a hub name, module or class, not {type(mod).__name__}")


def use_hub(mod: str | ModuleType | type | None = None) -> None:
    """Choose the hub for this OS thread; the next :func:`get_hub` makes a new one.

    ``None`` means ``EVENTLET_HUB`` if set, else :func:`get_default_hub`.
    """
    if mod is None:
        mod = os.environ.get("EVENTLET_HUB") or get_default_hub()
    _threadlocal.Hub = _resolve_hub(mod)
    if hasattr(_threadlocal, "hub"):
        del _threadlocal.hub


def get_hub() -> BaseHub:
    """The current OS thread's hub, made on first use."""
    try:
        return _threadlocal.hub
    except AttributeError:
        pass
    if not hasattr(_threadlocal, "Hub"):
        use_hub()
    hub = _threadlocal.hub = _threadlocal.Hub()
    _threadlocal.closer = _CloseWithThread(hub)
    return hub


class _CloseWithThread:
    """Closes a hub's descriptors when its OS thread ends.

    A thread's locals are dropped when it finishes, but its suspended hub greenlet (and so
    the hub) may outlive it; this sentinel in the thread-local closes the hub in time.
    """

    __slots__ = ("hub",)

    def __init__(self, hub: BaseHub) -> None:
        self.hub = hub

    def __del__(self) -> None:
        if self.hub is not getattr(_threadlocal, "hub", None):
            self.hub.close()


def trampoline(
    fd: Any,
    read: bool = False,
    write: bool = False,
    timeout: float | None = None,
    timeout_exc: Any = None,
    mark_as_closed: Any = None,
) -> Any:
    """Suspend the current green thread until ``fd`` is readable (``read``) or writable.

    ``fd`` is a descriptor number or an object with ``fileno()``. If ``timeout`` seconds pass
    first, ``timeout_exc`` (default :class:`eventlet.timeout.Timeout`) is raised. If the
    descriptor is closed meanwhile, :class:`IOClosed` is raised.
    """
    if read:
        if write:
            raise ValueError("trampoline() needs exactly one of read=True or write=True")
        evtype = READ
    elif write:
        evtype = WRITE
    else:
        raise ValueError("trampoline() needs exactly one of read=True or write=True")
    try:
        hub = _threadlocal.hub
    except AttributeError:
        hub = get_hub()
    fileno = fd if isinstance(fd, int) else fd.fileno()
    if timeout is None:
        return hub.wait_io(evtype, fileno, mark_as_closed)  # the hot path
    current = getcurrent()
    if current is hub.greenlet:
        raise RuntimeError("trampoline() cannot wait inside the hub: there is nothing to switch to")
    if timeout_exc is None:
        from eventlet.timeout import Timeout

        timeout_exc = Timeout
    timer = hub.schedule_call_global(timeout, _throw_if_alive, current, timeout_exc)
    try:
        # The listener wakes this green thread with the token in front of the descriptor
        # number, so that a foreign switch is told apart (see eventlet.hubs._park).
        listener = hub.add(
            evtype, fileno, partial(current.switch, WOKEN), current.throw, mark_as_closed
        )
        try:
            return park(hub, "trampoline()")
        finally:
            hub.remove(listener)
    finally:
        timer.cancel()


def _throw_if_alive(target: Any, exc: Any) -> None:
    if not target.dead:
        target.throw(exc)


def notify_close(fd: int) -> None:
    """Descriptor ``fd`` is being closed: green threads waiting on it get IOClosed.

    A thread that has no hub yet has nothing waiting: no hub is made for it.
    """
    hub = getattr(_threadlocal, "hub", None)
    if hub is not None:
        hub.notify_close(fd)


def notify_released(fd: int) -> None:
    """The owner of ``fd`` was collected unclosed: the hub lets go of its registration.

    The descriptor is about to be closed by the standard library's finalizer; unless a green
    thread still waits on it, the hub stops watching it (an epoll registration kept after
    the last wait would otherwise outlive the object). Makes no hub.
    """
    hub = getattr(_threadlocal, "hub", None)
    if hub is not None:
        hub.release(fd)


def notify_opened(fd: int) -> None:
    """Descriptor ``fd`` was just opened: forget what the hub knew of the old file.

    A thread that has no hub yet knows nothing of it: no hub is made for it.
    """
    hub = getattr(_threadlocal, "hub", None)
    if hub is not None:
        hub.mark_as_reopened(fd)


def _after_fork_in_child() -> None:
    hub = getattr(_threadlocal, "hub", None)
    if hub is not None:
        hub._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
