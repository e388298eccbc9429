"""The ``urllib.response`` module, re-exported.

The response wrappers only wrap a file object (a green one, when the green
``urllib.request`` made it), so this is the standard library's module itself.
"""

import urllib.response as _stdlib

globals().update(
    {name: value for name, value in vars(_stdlib).items() if not name.startswith("__")}
)
__all__ = list(_stdlib.__all__)

# Nothing here does I/O, so nothing is replaced.
__patched__: list[str] = []
