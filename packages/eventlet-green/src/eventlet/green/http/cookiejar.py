"""The ``http.cookiejar`` module, green.

This is the running Python's own ``http.cookiejar``, imported afresh with the green
``threading`` in its place: a ``CookieJar`` guards its cookies with a green ``RLock``, so
green threads sharing one jar take turns instead of all passing as the one OS thread that
owns a real lock. The jar itself does no network I/O (``FileCookieJar`` reads and writes
local files).
"""

from __future__ import annotations

# The standard interface, for type checkers (and the standard module loaded before the copy
# is made); every name is replaced by the green copy's below.
from http.cookiejar import *  # noqa: F403
from typing import Any

from eventlet.green import threading as _green_threading
from eventlet.green._inject import inject, original

_copy: Any = inject("http.cookiejar", globals(), ("threading", _green_threading))
__all__ = list(_copy.__all__)

# The copy raises LoadError by name: with the standard library's class in its place, both
# modules raise and catch the same class.
_copy.LoadError = globals()["LoadError"] = original("http.cookiejar").LoadError

# The jar classes lock with green locks; the cookie policy and the Cookie class do no I/O.
__patched__ = ["CookieJar", "FileCookieJar", "LWPCookieJar", "MozillaCookieJar"]
