"""The name-resolution functions of ``eventlet.green.socket``.

By default they are :mod:`eventlet.support.greendns`'s, which ask the hosts file and the
nameservers without blocking. With the environment variable ``EVENTLET_NO_GREENDNS`` set to
``yes``, ``true``, ``1`` or ``on`` (in any case) when this module is first imported, they are
the system resolver's own functions (the original ``socket`` module's), each call run in a
worker OS thread (:func:`eventlet.green._osthread.call`) so that only the calling green
thread waits. Numeric hosts need no lookup and are answered in the calling thread.

``EVENTLET_TPOOL_DNS`` set the same way also means the system resolver, but run through
:func:`eventlet.tpool.execute` (the ``eventlet-tpool`` distribution, imported on the first
lookup), so lookups share the thread pool's size limit.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "USE_GREENDNS",
    "USE_TPOOL_DNS",
    "getaddrinfo",
    "gethostbyaddr",
    "gethostbyname",
    "gethostbyname_ex",
    "getnameinfo",
]

_YES = ("yes", "true", "1", "on")

#: Whether lookups by the system resolver go through eventlet.tpool (EVENTLET_TPOOL_DNS).
USE_TPOOL_DNS = os.environ.get("EVENTLET_TPOOL_DNS", "").strip().lower() in _YES
#: Whether the functions here are greendns's (else the system resolver's, in a worker thread).
USE_GREENDNS = (
    os.environ.get("EVENTLET_NO_GREENDNS", "").strip().lower() not in _YES and not USE_TPOOL_DNS
)

if USE_GREENDNS:
    # greendns's own functions; greendns imports dnspython on the first lookup, not here.
    from eventlet.support.greendns import (
        getaddrinfo,
        gethostbyaddr,
        gethostbyname,
        gethostbyname_ex,
        getnameinfo,
    )

else:
    from eventlet.green._getaddrinfo import c_socket as _socket
    from eventlet.green._getaddrinfo import stdlib_getaddrinfo as _system_getaddrinfo

    if USE_TPOOL_DNS:

        def call(func: Any, *args: Any) -> Any:
            """Run ``func(*args)`` in eventlet.tpool's pool (looked up at call time)."""
            import importlib

            try:
                tpool = importlib.import_module("eventlet.tpool")  # optional: tpool needs us
            except ImportError as exc:
                raise ImportError(
                    "EVENTLET_TPOOL_DNS is set but eventlet-tpool is not installed: "
                    "pip install eventlet-tpool"
                ) from exc
            return tpool.execute(func, *args)

    else:
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
