"""The ``socket`` module, green.

Every name of the standard library's ``socket`` module is here. The socket class is
:class:`eventlet.greenio.GreenSocket`; the functions that make sockets (``create_connection``,
``create_server``, ``socketpair``, ``fromfd``) are the standard library's own code re-bound to
this module, so they make green sockets; name resolution (``getaddrinfo`` and friends) goes
through the green resolver (``eventlet.support.greendns``, or the system resolver in a worker
OS thread when ``EVENTLET_NO_GREENDNS`` is set).
"""

from __future__ import annotations

from typing import Any

from eventlet.green import _resolver
from eventlet.green._inject import original, rebind
from eventlet.greenio.base import GreenSocket

_stdlib = original("socket")

# Every public name of the standard library's module first, then the green replacements.
globals().update(
    {name: value for name, value in vars(_stdlib).items() if not name.startswith("__")}
)
__all__ = list(_stdlib.__all__)

socket: Any = GreenSocket
SocketType: Any = GreenSocket


# The resolver's functions themselves (greendns's, or with EVENTLET_NO_GREENDNS the system
# resolver's in a worker thread): `socket.gethostbyname is greendns.gethostbyname`, as
# programs written for upstream Eventlet expect. greendns loads dnspython on the first
# lookup, so importing this module stays cheap.
getaddrinfo = _resolver.getaddrinfo
gethostbyname = _resolver.gethostbyname
gethostbyname_ex = _resolver.gethostbyname_ex
gethostbyaddr = _resolver.gethostbyaddr
getnameinfo = _resolver.getnameinfo


# The standard library's functions, looking up `socket`, `getaddrinfo`, ... here.
create_connection = rebind(_stdlib.create_connection, globals())
create_server = rebind(_stdlib.create_server, globals())
socketpair = rebind(_stdlib.socketpair, globals())
fromfd = rebind(_stdlib.fromfd, globals())
getfqdn = rebind(_stdlib.getfqdn, globals())
has_dualstack_ipv6 = rebind(_stdlib.has_dualstack_ipv6, globals())
if hasattr(_stdlib, "_fallback_socketpair"):
    # socketpair() over a loopback TCP connection, where the OS has none (Python 3.13 and
    # recent security releases keep it under this name; its tests call it directly).
    _fallback_socketpair = rebind(_stdlib._fallback_socketpair, globals())

__patched__ = [
    "socket",
    "SocketType",
    "create_connection",
    "create_server",
    "socketpair",
    "fromfd",
    "getfqdn",
    "has_dualstack_ipv6",
    "getaddrinfo",
    "gethostbyname",
    "gethostbyname_ex",
    "gethostbyaddr",
    "getnameinfo",
]
