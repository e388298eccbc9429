"""The green ``os`` module: reading, writing and waiting for children suspend only the
calling green thread.

Everything of :mod:`os` is here (``os.path`` included); these differ:

- :func:`read` and :func:`write` wait on the hub while a non-blocking descriptor would block.
  On a blocking pipe, socket or terminal they first wait on the hub until the descriptor is
  ready, so the system call returns without holding up the other green threads;
- :func:`waitpid`, :func:`wait`, :func:`wait3` and :func:`wait4` wait on the hub for the child:
  through a pidfd (``os.pidfd_open``) where the OS has it, else by asking with ``WNOHANG``
  between short green sleeps;
- :func:`open` and :func:`close` tell the hub, so a green thread still waiting on a closed
  descriptor gets an error instead of waiting for ever; :func:`fdopen` gives a
  :func:`eventlet.greenio.GreenPipe` for a pipe or FIFO.

``fork`` is the standard library's: the hub re-arms itself in the child (a fresh poller and
wake-up descriptor, through ``os.register_at_fork``), so green threads, sleeps and green
sockets keep working there.
"""

from __future__ import annotations

import io as _io
import operator as _operator
import os as _os
import select as _select
import stat as _stat
from collections.abc import Callable as _Callable
from os import *  # noqa: F403  (the whole standard-library interface, os.path included)
from typing import Any as _Any

import eventlet.hubs as _hubs
from eventlet.greenio import GreenPipe as _GreenPipe
from eventlet.greenthread import sleep as _sleep
from eventlet.hubs import trampoline as _trampoline

# The names that the star import leaves out (os.__all__ does not list them all), private ones
# too: standard-library code that finds this module under the name "os" after monkey
# patching uses some (os._Environ, os._wrap_close, os._walk, ...).
for _name in dir(_os):
    if not (_name.startswith("__") and _name.endswith("__")) and _name not in globals():
        globals()[_name] = getattr(_os, _name)
del _name

__all__ = list(_os.__all__)
__patched__ = ["read", "write", "waitpid", "wait", "wait3", "wait4", "open", "close", "fdopen"]

# A blocking write to a pipe is cut into pieces this big: one fits once the pipe reports
# itself writable, so no piece holds up the other green threads.
_PIPE_BUF = getattr(_select, "PIPE_BUF", 512)

# Longest pause between two looks at a child when no pidfd can tell us it exited.
_MAX_POLL_DELAY = 0.05


# -- read and write ----------------------------------------------------------------------------


def _ready_now(fd: int, reading: bool) -> bool:
    """Whether a read (or write) of ``fd`` would return at once, asked with a zero timeout."""
    if hasattr(_select, "poll"):
        poller = _select.poll()
        poller.register(fd, _select.POLLIN if reading else _select.POLLOUT)
        return bool(poller.poll(0))
    try:
        ready = _select.select([fd] if reading else [], [] if reading else [fd], [], 0)
    except ValueError:  # beyond FD_SETSIZE: we cannot tell, so do not wait
        return True
    return bool(ready[0] or ready[1])


def _wait_ready(fd: int, reading: bool) -> None:
    """Return once ``fd`` (a blocking descriptor) is ready; other green threads run meanwhile."""
    if _ready_now(fd, reading):
        return
    try:
        _trampoline(fd, read=reading, write=not reading)
    except PermissionError:
        pass  # epoll cannot watch it (a regular file): such files never keep a reader waiting


def _is_stream(fd: int) -> bool:
    """Whether ``fd`` is a pipe, FIFO, socket or character device: one a write may wait on."""
    mode = _os.fstat(fd).st_mode
    return _stat.S_ISFIFO(mode) or _stat.S_ISSOCK(mode) or _stat.S_ISCHR(mode)


def read(fd: int, n: int, /) -> bytes:  # type: ignore[no-redef]
    """Read at most ``n`` bytes from descriptor ``fd``, as :func:`os.read`; green.

    A non-blocking descriptor that has nothing to read makes this green thread wait on the
    hub instead of raising ``BlockingIOError``. A blocking one is waited on until it is
    readable, then read. End of file gives ``b""``.
    """
    if _os.get_blocking(fd):
        if _operator.index(n) > 0:  # os.read rejects a negative size, reads 0 bytes at once
            _wait_ready(fd, reading=True)
        return _os.read(fd, n)
    while True:
        try:
            return _os.read(fd, n)
        except BlockingIOError:
            _trampoline(fd, read=True)


def write(fd: int, data: _Any, /) -> int:  # type: ignore[no-redef]
    """Write ``data`` (a bytes-like object) to descriptor ``fd``, as :func:`os.write`; green.

    Return the number of bytes written. A non-blocking descriptor whose buffer is full makes
    this green thread wait on the hub instead of raising ``BlockingIOError``. On a blocking
    pipe, socket or terminal, the data goes out piece by piece as the descriptor becomes
    writable, and all of it is written, as a blocking write does.
    """
    if not _os.get_blocking(fd):
        while True:
            try:
                return _os.write(fd, data)
            except BlockingIOError:
                _trampoline(fd, write=True)
    if not _is_stream(fd):
        return _os.write(fd, data)
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"a bytes-like object is required, not {type(data).__name__!r}") from None
    view = view.cast("B")  # count in bytes, whatever the item size
    total = 0
    with view:
        while True:
            _wait_ready(fd, reading=False)
            try:
                total += _os.write(fd, view[total : total + _PIPE_BUF])
            except OSError:
                if total:
                    return total  # as a blocking write reports what it wrote before the error
                raise
            if total >= len(view):
                return total


# -- waiting for children ------------------------------------------------------------------------


def _pidfd(pid: int, options: int) -> int | None:
    """A pidfd of child ``pid`` (readable once it exits), or None where that cannot be used.

    A pidfd tells only of exit, so not when ``options`` asks for stopped or continued
    children; and it names one process, so not for ``pid`` 0 or below (any child, a group).
    """
    pidfd_open = getattr(_os, "pidfd_open", None)
    if pidfd_open is None or pid <= 0:
        return None
    if options & (getattr(_os, "WUNTRACED", 0) | getattr(_os, "WCONTINUED", 0)):
        return None
    try:
        return int(pidfd_open(pid))
    except OSError:  # an old kernel (ENOSYS), no such process, no descriptors left
        return None


def _wait_for_child(pid: int, options: int, attempt: _Callable[[int], _Any]) -> _Any:
    """Call ``attempt(options | WNOHANG)`` until it reports a child; wait green in between.

    ``attempt`` returns None while no child has changed state. Between attempts this green
    thread waits on the child's pidfd when it can, else sleeps a little (more each time).
    """
    wnohang = _os.WNOHANG
    result = attempt(options | wnohang)
    if result is not None:
        return result
    pidfd = _pidfd(pid, options)
    delay = 0.001
    try:
        while True:
            if pidfd is not None:
                _trampoline(pidfd, read=True)
            else:
                _sleep(delay)
                delay = min(delay * 2, _MAX_POLL_DELAY)
            result = attempt(options | wnohang)
            if result is not None:
                return result
    finally:
        if pidfd is not None:
            close(pidfd)  # through the hub: it may still be watching the number


def waitpid(pid: int, options: int, /) -> tuple[int, int]:  # type: ignore[no-redef]
    """Wait for a child to change state, as :func:`os.waitpid`; only this green thread waits.

    Return ``(pid, status)``; with ``WNOHANG`` in ``options``, ``(0, 0)`` at once if no child
    has changed state. ``ChildProcessError`` if there is no such child.
    """
    if options & _os.WNOHANG:
        return _os.waitpid(pid, options)

    def attempt(flags: int) -> tuple[int, int] | None:
        found = _os.waitpid(pid, flags)
        return found if found[0] else None

    return _wait_for_child(pid, options, attempt)


def wait() -> tuple[int, int]:  # type: ignore[no-redef]
    """Wait for any child to exit, as :func:`os.wait`; only this green thread waits.

    Return ``(pid, status)``; ``ChildProcessError`` if there are no children.
    """
    return waitpid(-1, 0)


def wait4(pid: int, options: int) -> tuple[int, int, _Any]:  # type: ignore[no-redef]
    """As :func:`os.wait4` (``(pid, status, resource usage)``); only this green thread waits."""
    if options & _os.WNOHANG:
        return _os.wait4(pid, options)

    def attempt(flags: int) -> tuple[int, int, _Any] | None:
        found = _os.wait4(pid, flags)
        return found if found[0] else None

    return _wait_for_child(pid, options, attempt)


def wait3(options: int) -> tuple[int, int, _Any]:  # type: ignore[no-redef]
    """As :func:`os.wait3`: :func:`wait4` for any child; only this green thread waits."""
    return wait4(-1, options)


# -- opening and closing ---------------------------------------------------------------------------


def open(  # type: ignore[no-redef]
    path: _Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None
) -> int:
    """Open a file as :func:`os.open` does, and tell the hub the descriptor number is new.

    A green thread still waiting on a descriptor of that number (closed behind the hub's
    back) then gets an error instead of waiting on the wrong file.
    """
    fd = _os.open(path, flags, mode, dir_fd=dir_fd)
    _hubs.notify_opened(fd)  # makes no hub in a thread that has none
    return fd


def close(fd: int) -> None:  # type: ignore[no-redef]
    """Close descriptor ``fd`` as :func:`os.close` does; green threads waiting on it get an
    error (``eventlet.hubs.IOClosed``) instead of waiting for ever."""
    _hubs.notify_close(fd)  # makes no hub in a thread that has none
    _os.close(fd)


def fdopen(  # type: ignore[no-redef]
    fd: int,
    mode: str = "r",
    buffering: int = -1,
    encoding: str | None = None,
    *args: _Any,
    **kwargs: _Any,
) -> _Any:
    """A file object over descriptor ``fd``, as :func:`os.fdopen`; green for pipes and FIFOs.

    A pipe or FIFO gets a :func:`eventlet.greenio.GreenPipe` (its descriptor becomes
    non-blocking, its reads and writes wait on the hub); anything else gets what
    :func:`os.fdopen` gives.
    """
    if not isinstance(fd, int):
        raise TypeError(f"invalid fd type ({type(fd)}, expected integer)")
    if not _stat.S_ISFIFO(_os.fstat(fd).st_mode):
        return _os.fdopen(fd, mode, buffering, encoding, *args, **kwargs)
    if "b" not in mode:
        encoding = _io.text_encoding(encoding)  # type: ignore[attr-defined]  # typeshed: 3.11
    return _GreenPipe(fd, mode, buffering, encoding, *args, **kwargs)
