"""The name-resolution functions of ``eventlet.green.socket``.

By default they are :mod:`eventlet.support.greendns`'s, which ask the hosts file and the
nameservers without blocking. With the environment variable ``EVENTLET_NO_GREENDNS`` set to
``yes``, ``true``, ``1`` or ``on`` (in any case) when this module is first imported, they are
the system resolver's own functions (the original ``socket`` module's), each call run in a
worker OS thread (:func:`eventlet.green._osthread.call`) so that only the calling green
thread waits. Numeric hosts need no lookup and are answered in the calling thread.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "USE_GREENDNS",
    "getaddrinfo",
    "gethostbyaddr",
    "gethostbyname",
    "gethostbyname_ex",
    "getnameinfo",
]

#: Whether the functions here are greendns's (else the system resolver's, in a worker thread).
USE_GREENDNS = os.environ.get("EVENTLET_NO_GREENDNS", "").strip().lower() not in (
    "yes",
    "true",
    "1",
    "on",
)

_GREENDNS_NAMES = frozenset(__all__) - {"USE_GREENDNS"}

if USE_GREENDNS:
    # greendns (and dnspython under it) is imported on the first lookup, not when
    # eventlet.green.socket is: a server that resolves nothing never pays for it.

    def __getattr__(name: str) -> Any:
        if name not in _GREENDNS_NAMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from eventlet.support import greendns

        value = getattr(greendns, name)
        globals()[name] = value
        return value

else:
    from eventlet.green._getaddrinfo import c_socket as _socket
    from eventlet.green._getaddrinfo import stdlib_getaddrinfo as _system_getaddrinfo
    from eventlet.green._osthread import call

    def getaddrinfo(
        host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> list[tuple[Any, Any, int, str, tuple[Any, ...]]]:
        """``socket.getaddrinfo`` by the system resolver; only the calling green thread waits."""
        if isinstance(host, (str, bytes)) and isinstance(flags, int):
            try:
                # A numeric host needs no lookup: no worker thread for the common case.
                return _system_getaddrinfo(
                    host, port, family, type, proto, flags | _socket.AI_NUMERICHOST
                )
            except _socket.gaierror as error:
                if error.errno != _socket.EAI_NONAME or flags & _socket.AI_NUMERICHOST:
                    raise
        return call(_system_getaddrinfo, host, port, family, type, proto, flags)

    def gethostbyname(hostname: Any) -> str:
        """``socket.gethostbyname`` by the system resolver, in a worker OS thread."""
        return call(_socket.gethostbyname, hostname)

    def gethostbyname_ex(hostname: Any) -> tuple[str, list[str], list[str]]:
        """``socket.gethostbyname_ex`` by the system resolver, in a worker OS thread."""
        return call(_socket.gethostbyname_ex, hostname)

    def gethostbyaddr(ip_address: Any) -> tuple[str, list[str], list[str]]:
        """``socket.gethostbyaddr`` by the system resolver, in a worker OS thread."""
        return call(_socket.gethostbyaddr, ip_address)

    def getnameinfo(sockaddr: Any, flags: int) -> tuple[str, str]:
        """``socket.getnameinfo`` by the system resolver, in a worker OS thread."""
        return call(_socket.getnameinfo, sockaddr, flags)
