"""The built-in functions, with a green :func:`open`: files over pipes and FIFOs wait on the
hub.

Everything of :mod:`builtins` is here. :func:`open` opens what the built-in ``open`` opens,
except that a FIFO (a named pipe, or a descriptor of a pipe) gives an
:func:`eventlet.greenio.GreenPipe`, whose reads and writes suspend only the calling green
thread. Opening a FIFO by name waits for its other end, so that wait happens in a worker OS
thread while the other green threads run.
"""

from __future__ import annotations

import builtins as _builtins
import io as _io
import os as _os
import stat as _stat
from collections.abc import Callable as _Callable
from typing import Any as _Any

from eventlet.green import _osthread
from eventlet.greenio import GreenPipe as _GreenPipe
from eventlet.hubs import notify_opened as _notify_opened

for _name in dir(_builtins):
    if not _name.startswith("__") and _name != "open":
        globals()[_name] = getattr(_builtins, _name)
del _name

__patched__ = ["open"]

_builtin_open = _builtins.open


def _is_fifo_path(file: _Any, opener: _Any) -> bool:
    if opener is not None:
        return False  # the opener decides what the name means
    try:
        return _stat.S_ISFIFO(_os.stat(file).st_mode)
    except (OSError, TypeError, ValueError):
        return False  # no such file, or a name open() rejects: open() will say so


def _is_fifo_fd(fd: int) -> bool:
    try:
        return _stat.S_ISFIFO(_os.fstat(fd).st_mode)
    except OSError:
        return False  # not open: open() will say so


def open(
    file: int | str | bytes | _os.PathLike[_Any],
    mode: str = "r",
    buffering: int = -1,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    closefd: bool = True,
    opener: _Callable[[str, int], int] | None = None,
) -> _Any:
    """Open a file as the built-in :func:`open` does; pipes and FIFOs come out green.

    A FIFO path or a pipe's descriptor gives a :func:`eventlet.greenio.GreenPipe` (binary or
    text as ``mode`` says) whose reads and writes wait on the hub. Other files are what the
    built-in ``open`` returns: regular files never keep a reader waiting.
    """
    args = (file, mode, buffering, _encoding(mode, encoding), errors, newline, closefd)
    if isinstance(file, int) and not isinstance(file, bool):
        return (_GreenPipe if _is_fifo_fd(file) else _builtin_open)(*args, opener)
    if _is_fifo_path(file, opener):
        # Opening a FIFO blocks until its other end is opened: wait in an OS thread.
        result = _osthread.call(_GreenPipe, *args)
    else:
        result = _builtin_open(*args, opener)
    # A new descriptor: waiters on an old one of that number get an error.
    _notify_opened(result.fileno())
    return result


def _encoding(mode: str, encoding: str | None) -> str | None:
    """The encoding a text file gets (and the EncodingWarning open() gives for None)."""
    if isinstance(mode, str) and "b" in mode:
        return encoding
    return _io.text_encoding(encoding, 3)  # type: ignore[attr-defined]  # typeshed: 3.11
