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

import io as _io
import subprocess as _stdlib_subprocess
import types as _types
import warnings as _warnings
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from eventlet.green import os as _green_os
from eventlet.green import select as _green_select
from eventlet.green import selectors as _green_selectors
from eventlet.green import threading as _green_threading
from eventlet.green import time as _green_time
from eventlet.green._inject import run_stdlib_code as _run_stdlib_code
from eventlet.greenio import GreenPipe as _GreenPipe

if _TYPE_CHECKING:
    # What the standard library's code below defines, for readers and type checkers.
    from subprocess import *  # noqa: F403
    from subprocess import (  # noqa: F401
        CalledProcessError,
        CompletedProcess,
        Popen,
        SubprocessError,
        TimeoutExpired,
    )

_GREEN_DOC = __doc__


# In this module's own namespace: what a program (or a test, with
# ``mock.patch("subprocess.Popen")``) sets here is what the functions then use.
_run_stdlib_code(
    "subprocess",
    globals(),
    {
        "os": _green_os,
        "select": _green_select,
        "selectors": _green_selectors,
        "threading": _green_threading,
        "time": _green_time,
    },
)
__doc__ = _GREEN_DOC


def _open_pipe(fd: int, mode: str = "r", buffering: int = -1, *args: _Any, **kwargs: _Any) -> _Any:
    """What ``Popen`` gets for ``io.open(fd, mode, bufsize)``: a green pipe over ``fd``."""
    if buffering == 1 and "b" in mode:
        # As io.open() says it, and does: binary files have no line buffering.
        _warnings.warn(
            "line buffering (buffering=1) isn't supported in binary mode, "
            "the default buffer size will be used",
            RuntimeWarning,
            stacklevel=3,
        )
        buffering = -1
    return _GreenPipe(fd, mode, buffering, *args, **kwargs)


# Popen makes its pipes with ``io.open(fd, "rb"/"wb", bufsize)`` and wraps them in
# ``io.TextIOWrapper`` in text mode: give its code an ``io`` whose ``open`` makes green pipes.
_green_io = _types.ModuleType("io", "The io module, whose open() makes green pipes.")
vars(_green_io).update({k: v for k, v in vars(_io).items() if not k.startswith("__")})
_green_io.open = _open_pipe  # type: ignore[attr-defined]
io = _green_io

# One set of exception classes for green and real subprocess code alike: the functions look
# these names up here when they raise.
for _name in ("SubprocessError", "CalledProcessError", "TimeoutExpired", "CompletedProcess"):
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
