"""The ``socketserver`` module, green.

This is the running Python's own ``socketserver``, imported afresh with green ``socket``,
``selectors``, ``os``, ``threading`` and ``time`` in its place, so:

- ``serve_forever()`` and ``handle_request()`` wait for connections on the hub;
- ``ThreadingMixIn`` (and ``ThreadingTCPServer``, ...) handles each request in a green
  thread, and ``server_close()`` joins them;
- ``shutdown()`` called from another green thread stops ``serve_forever()`` (which notices it
  within its ``poll_interval``, as in the standard library);
- ``ForkingMixIn`` forks real child processes and reaps them with the green ``os.waitpid``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventlet.green import os as _green_os
from eventlet.green import selectors as _green_selectors
from eventlet.green import socket as _green_socket
from eventlet.green import threading as _green_threading
from eventlet.green import time as _green_time
from eventlet.green._inject import inject

if TYPE_CHECKING:
    # The standard interface, for type checkers; at run time the copy's names fill the module.
    from socketserver import *  # noqa: F403

_copy: Any = inject(
    "socketserver",
    globals(),
    ("os", _green_os),
    ("selectors", _green_selectors),
    ("socket", _green_socket),
    ("threading", _green_threading),
    ("time", _green_time),
)
__all__ = list(_copy.__all__)

# Every server class and mixin waits on green sockets, selectors, threads or processes, and
# the stream and datagram request handlers read and write green sockets; only the base
# request handler does no I/O of its own.
__patched__ = [name for name in _copy.__all__ if name != "BaseRequestHandler"]
