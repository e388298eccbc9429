"""The ``http.client`` module, green.

This is the running Python's own ``http.client``, imported afresh with the green ``socket``
and ``ssl`` modules in place of the standard ones, so ``HTTPConnection``, ``HTTPSConnection``
and ``HTTPResponse`` connect, send and read by waiting on the hub: other green threads run
while a request is in flight.

The exception classes (``HTTPException``, ``RemoteDisconnected``, ...) are the standard
library's own, not copies, so ``except http.client.HTTPException`` catches errors of either
module.
"""

from __future__ import annotations

import types

# The standard interface, for type checkers (and the standard module loaded before the copy
# is made); every name is replaced by the green copy's below.
from http.client import *  # noqa: F403
from typing import Any

from eventlet.green._inject import inject, original
from eventlet.green._modules import network_modules

_copy: Any = inject("http.client", globals(), *network_modules())
__all__ = list(_copy.__all__)


def _share_exceptions(copy: types.ModuleType, stdlib: types.ModuleType) -> None:
    """Put the standard library's exception classes in place of the copy's own.

    The copy's code looks its exception classes up by name when it raises or catches them, so
    afterwards both modules raise (and catch) the very same classes.
    """
    for name, value in list(vars(copy).items()):
        if isinstance(value, type) and issubclass(value, BaseException):
            shared = getattr(stdlib, name)
            setattr(copy, name, shared)
            globals()[name] = shared


_share_exceptions(_copy, original("http.client"))

__patched__ = ["HTTPConnection", "HTTPResponse"]
if hasattr(_copy, "HTTPSConnection"):
    __patched__.append("HTTPSConnection")
