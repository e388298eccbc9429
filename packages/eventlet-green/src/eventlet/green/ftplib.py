"""The ``ftplib`` module, green.

This is the running Python's own ``ftplib``, imported afresh with the green ``socket`` and
``ssl`` modules in its place, so ``FTP`` and ``FTP_TLS`` wait on the hub for the control
connection and for every data transfer (``retrbinary``, ``storbinary``, ``retrlines``, ...).

The exception classes and ``all_errors`` are the standard library's own objects, so
``except ftplib.all_errors`` catches errors of either module.
"""

from __future__ import annotations

# The standard interface, for type checkers (and the standard module loaded before the copy
# is made); every name is replaced by the green copy's below.
from ftplib import *  # noqa: F403
from typing import Any

from eventlet.green._inject import inject, original
from eventlet.green._modules import network_modules

_copy: Any = inject("ftplib", globals(), *network_modules())
__all__ = list(_copy.__all__)

# The copy looks these up by name when it raises or catches them: with the standard library's
# objects in place, both modules raise and catch the very same classes.
_stdlib = original("ftplib")
for _name in ("Error", "error_reply", "error_temp", "error_perm", "error_proto", "all_errors"):
    setattr(_copy, _name, getattr(_stdlib, _name))
    globals()[_name] = getattr(_stdlib, _name)
del _name

__patched__ = ["FTP"]
if hasattr(_copy, "FTP_TLS"):
    __patched__.append("FTP_TLS")
