"""The green ``subprocess`` module: running a child suspends only the calling green thread.

This is the running Python's own ``subprocess`` module, imported afresh with green ``os``,
``select``, ``selectors``, ``threading`` and ``time`` in place, so its code (and each Python
version's changes to it) runs unchanged, green:

- :class:`Popen`'s ``stdin``, ``stdout`` and ``stderr`` pipes are
  :func:`eventlet.greenio.GreenPipe` files: their descriptors are non-blocking and their
  reads and writes wait on the hub;
- ``communicate(input, timeout)`` waits on a green selector, and raises
  :class:`TimeoutExpired` when the timeout passes; the child keeps running and a later
  ``communicate()`` carries on where this one stopped;
- ``wait()`` waits on the hub (the green :func:`eventlet.green.os.waitpid`), and
  ``wait(timeout)`` raises :class:`TimeoutExpired`;
- :func:`run`, :func:`call`, :func:`check_call`, :func:`check_output`, :func:`getoutput` and
  :func:`getstatusoutput` are built on that :class:`Popen`.

The exception classes and :class:`CompletedProcess` are the standard library's own, so
``except subprocess.TimeoutExpired`` catches what this module raises.
"""

from __future__ import annotations

import io as _io
import subprocess as _stdlib_subprocess
import types as _types
from typing import TYPE_CHECKING, Any

from eventlet.green import os as _green_os
from eventlet.green import select as _green_select
from eventlet.green import selectors as _green_selectors
from eventlet.green import threading as _green_threading
from eventlet.green import time as _green_time
from eventlet.green._inject import inject as _inject
from eventlet.greenio import GreenPipe as _GreenPipe

if TYPE_CHECKING:
    # What the standard library's code below defines, for readers and type checkers.
    from subprocess import *  # noqa: F403
    from subprocess import (  # noqa: F401
        CalledProcessError,
        CompletedProcess,
        Popen,
        SubprocessError,
        TimeoutExpired,
    )

_module = _inject(
    "subprocess",
    globals(),
    ("os", _green_os),
    ("select", _green_select),
    ("selectors", _green_selectors),
    ("threading", _green_threading),
    ("time", _green_time),
)


def _open_pipe(fd: int, mode: str = "r", buffering: int = -1, *args: Any, **kwargs: Any) -> Any:
    """What ``Popen`` gets for ``io.open(fd, mode, bufsize)``: a green pipe over ``fd``."""
    return _GreenPipe(fd, mode, buffering, *args, **kwargs)


# Popen makes its pipes with ``io.open(fd, "rb"/"wb", bufsize)`` and wraps them in
# ``io.TextIOWrapper`` in text mode: give its copy an ``io`` whose ``open`` makes green pipes.
_green_io = _types.ModuleType("io", "The io module, whose open() makes green pipes.")
vars(_green_io).update({k: v for k, v in vars(_io).items() if not k.startswith("__")})
_green_io.open = _open_pipe  # type: ignore[attr-defined]
_module.io = _green_io  # type: ignore[attr-defined]

# One set of exception classes for green and real subprocess code alike: the functions look
# these names up in the module copy when they raise.
for _name in ("SubprocessError", "CalledProcessError", "TimeoutExpired", "CompletedProcess"):
    setattr(_module, _name, getattr(_stdlib_subprocess, _name))
    globals()[_name] = getattr(_stdlib_subprocess, _name)
del _name

__all__ = list(_stdlib_subprocess.__all__)
__patched__ = [
    "Popen",
    "call",
    "check_call",
    "check_output",
    "getoutput",
    "getstatusoutput",
    "run",
]
