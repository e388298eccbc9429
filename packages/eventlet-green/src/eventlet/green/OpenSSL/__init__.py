"""Green pyOpenSSL: ``OpenSSL`` with an ``SSL.Connection`` whose I/O waits on the hub.

``from eventlet.green.OpenSSL import SSL`` gives pyOpenSSL's ``OpenSSL.SSL`` interface;
only :class:`~eventlet.green.OpenSSL.SSL.Connection` differs. ``crypto`` and ``version``
are pyOpenSSL's own (they do no network I/O). Needs the ``openssl`` extra (pyOpenSSL).
"""

try:
    import OpenSSL as _OpenSSL
except ImportError as _error:
    raise ImportError(
        "eventlet.green.OpenSSL needs pyOpenSSL; "
        "install it with: pip install 'eventlet-green[openssl]'"
    ) from _error

from OpenSSL.version import (  # noqa: F401  (pyOpenSSL exports them here too)
    __author__,
    __copyright__,
    __email__,
    __license__,
    __summary__,
    __title__,
    __uri__,
    __version__,
)

from eventlet.green.OpenSSL import SSL, crypto, version  # noqa: F401

__all__ = list(_OpenSSL.__all__)
__patched__ = ["SSL"]
