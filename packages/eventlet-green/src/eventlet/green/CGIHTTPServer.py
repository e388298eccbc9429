"""``CGIHTTPServer``, the Python 2 name of the green ``http.server`` (kept for old programs).

Every public name of :mod:`eventlet.green.http.server`, the very same objects.
"""

from eventlet.green.http import server as _green

globals().update(
    {name: value for name, value in vars(_green).items() if not name.startswith("__")}
)
__all__ = list(_green.__all__)
__patched__ = list(_green.__patched__)
