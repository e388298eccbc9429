"""Green I/O objects: sockets and pipes whose blocking calls wait on the hub.

- :class:`GreenSocket`: the whole ``socket.socket`` interface; ``.fd`` is the real socket;
- :func:`GreenPipe` / :class:`GreenFileIO`: file objects over pipes and other descriptors;
- :func:`shutdown_safe`, :func:`set_nonblocking`: small helpers programs use.
"""

from eventlet.greenio.base import (
    CONNECT_ERR,
    CONNECT_SUCCESS,
    SOCKET_BLOCKING,
    SOCKET_CLOSED,
    GreenSocket,
    IOClosed,
    set_nonblocking,
    shutdown_safe,
    socket_timeout,
)
from eventlet.greenio.py3 import GreenFileIO, GreenPipe

__all__ = [
    "CONNECT_ERR",
    "CONNECT_SUCCESS",
    "SOCKET_BLOCKING",
    "SOCKET_CLOSED",
    "GreenFileIO",
    "GreenPipe",
    "GreenSocket",
    "IOClosed",
    "set_nonblocking",
    "shutdown_safe",
    "socket_timeout",
]
