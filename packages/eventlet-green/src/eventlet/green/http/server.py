"""The ``http.server`` module, green.

This is the running Python's own ``http.server``, imported afresh with the green
``socketserver``, ``socket``, ``select``, ``os`` and ``time`` modules in its place, and reading
headers with the green ``http.client``. So ``HTTPServer`` accepts on the hub,
``ThreadingHTTPServer`` serves each connection in a green thread, and the request handlers
(``BaseHTTPRequestHandler``, ``SimpleHTTPRequestHandler``, ``CGIHTTPRequestHandler``) read and
write green sockets; a CGI script runs in a real child process reaped with the green
``os.waitpid``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventlet.green import http as _green_http
from eventlet.green import os as _green_os
from eventlet.green import select as _green_select
from eventlet.green import socket as _green_socket
from eventlet.green import socketserver as _green_socketserver
from eventlet.green import time as _green_time
from eventlet.green._inject import inject
from eventlet.green.http import client as _green_client  # noqa: F401

if TYPE_CHECKING:
    # The standard interface, for type checkers; at run time the copy's names fill the module.
    from http.server import *  # noqa: F403

_copy: Any = inject(
    "http.server",
    globals(),
    ("os", _green_os),
    ("select", _green_select),
    ("socket", _green_socket),
    ("socketserver", _green_socketserver),
    ("time", _green_time),
)
__all__ = list(_copy.__all__)

# The copy's `import http.client` bound the name `http` to the standard package, whose code
# it reaches as `http.client.parse_headers` at run time: point it at the green package
# (whose `client` attribute is the green module imported above).
_copy.http = _green_http
http = _green_http

__patched__ = list(_copy.__all__)
