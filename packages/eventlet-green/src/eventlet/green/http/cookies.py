"""The ``http.cookies`` module, re-exported.

Cookie parsing and formatting do no I/O, so this is the standard library's module itself:
``SimpleCookie`` and ``Morsel`` are the very same classes.
"""

import http.cookies as _stdlib

globals().update(
    {name: value for name, value in vars(_stdlib).items() if not name.startswith("__")}
)
__all__ = list(_stdlib.__all__)

# Nothing here does I/O, so nothing is replaced.
__patched__: list[str] = []
