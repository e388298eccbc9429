"""The ``http`` package, green.

The package itself holds no I/O: ``HTTPStatus`` and ``HTTPMethod`` are the standard library's
own enums, so values compare and ``isinstance`` checks work across green and plain code. The
green submodules are ``client``, ``server``, ``cookies`` and ``cookiejar``; import them as
``from eventlet.green.http import client``.
"""

import http as _stdlib

# The names of the standard library's package (HTTPStatus, HTTPMethod where the running
# Python has it), as the very same objects. Only these: the standard package also holds its
# submodules (http.client, ...) as attributes, which must not hide the green submodules here.
__all__ = list(_stdlib.__all__)
globals().update({name: getattr(_stdlib, name) for name in __all__})

# Nothing here does I/O, so nothing is replaced.
__patched__: list[str] = []
