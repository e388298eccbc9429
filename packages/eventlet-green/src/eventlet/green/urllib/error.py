"""The ``urllib.error`` module, re-exported.

The exceptions are the standard library's own classes, so ``except urllib.error.URLError``
catches errors raised by the green ``urllib.request`` and by the standard one alike.
"""

import urllib.error as _stdlib

globals().update(
    {name: value for name, value in vars(_stdlib).items() if not name.startswith("__")}
)
__all__ = list(_stdlib.__all__)

# Nothing here does I/O, so nothing is replaced.
__patched__: list[str] = []
