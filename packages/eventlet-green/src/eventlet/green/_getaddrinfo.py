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

__all__ = [
    "as_text",
    "c_socket",
    "is_ip_addr",
    "is_ipv4_addr",
    "is_ipv6_addr",
    "stdlib_getaddrinfo",
]

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


# Whether a host is an address literal: no lookup needed (greendns, GreenSocket.connect).


def as_text(value: Any) -> str | None:
    """``value`` as text: a str as it is, ASCII bytes decoded, anything else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("ascii")
        except UnicodeDecodeError:
            return None
    return None


def _parses(family: int, text: str) -> bool:
    """Whether ``inet_pton`` takes ``text`` as an address of ``family``."""
    try:
        c_socket.inet_pton(family, text)
    except (OSError, ValueError):
        return False
    return True


def is_ipv4_addr(host: Any) -> bool:
    """Whether ``host`` (str or bytes) is an IPv4 address in dotted-quad form."""
    text = as_text(host)
    return text is not None and _parses(c_socket.AF_INET, text)


def is_ipv6_addr(host: Any) -> bool:
    """Whether ``host`` (str or bytes) is an IPv6 address, with or without a ``%scope``."""
    text = as_text(host)
    if not text:
        return False
    address, percent, scope = text.partition("%")
    if percent and not scope:
        return False  # a "%" with no scope after it
    return _parses(c_socket.AF_INET6, address)


def is_ip_addr(host: Any) -> bool:
    """Whether ``host`` is an IPv4 or an IPv6 address."""
    return is_ipv4_addr(host) or is_ipv6_addr(host)
