"""The standard library's ``socket.getaddrinfo``, made on the C module under ``socket``.

Both resolvers of :mod:`eventlet.green.socket` (:mod:`eventlet.support.greendns`, and the
system resolver run in a worker thread by :mod:`eventlet.green._resolver`) answer numeric
hosts with it. ``_socket``'s functions are the system resolver's even in a program whose
``socket`` module (attributes of the original included) was monkey patched with the green
functions, so a call here cannot loop back into them.
"""

from __future__ import annotations

import importlib
from typing import Any

from eventlet.green._inject import original

__all__ = ["c_socket", "stdlib_getaddrinfo"]

#: The C module under ``socket`` (``_socket``).
c_socket: Any = importlib.import_module("_socket")
# The original socket module, for the enums its getaddrinfo gives families and kinds.
_stdlib_socket = original("socket")


def _enum(value: int, kind: Any) -> Any:
    """``kind(value)``, or ``value`` itself where ``kind`` has no such member."""
    try:
        return kind(value)
    except ValueError:
        return value


def stdlib_getaddrinfo(
    host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
) -> list[tuple[Any, Any, int, str, tuple[Any, ...]]]:
    """What ``socket.getaddrinfo`` answers: the C function's list, with the family and the
    socket kind as ``socket.AddressFamily`` and ``socket.SocketKind`` members."""
    return [
        (
            _enum(af, _stdlib_socket.AddressFamily),
            _enum(kind, _stdlib_socket.SocketKind),
            protocol,
            canonname,
            address,
        )
        for af, kind, protocol, canonname, address in c_socket.getaddrinfo(
            host, port, family, type, proto, flags
        )
    ]
