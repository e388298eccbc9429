"""``SocketServer``, the Python 2 name of the green ``socketserver`` (kept for old programs).

Every public name of :mod:`eventlet.green.socketserver`, the very same objects.
"""

from eventlet.green import socketserver as _green

globals().update(
    {name: value for name, value in vars(_green).items() if not name.startswith("__")}
)
__all__ = list(_green.__all__)
__patched__ = list(_green.__patched__)
