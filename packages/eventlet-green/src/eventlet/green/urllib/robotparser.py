"""The ``urllib.robotparser`` module, green.

This is the running Python's own ``urllib.robotparser``, imported afresh and pointed at the
green ``urllib`` package, so ``RobotFileParser.read()`` fetches robots.txt with the green
``urllib.request.urlopen``.
"""

from __future__ import annotations

from typing import Any
from urllib.robotparser import *  # noqa: F403  (for type checkers; replaced by the copy's names)

from eventlet.green import urllib as _green_urllib
from eventlet.green._inject import inject

# The copy reads urllib.error, urllib.parse and urllib.request off the green package:
# importing them sets those attributes.
from eventlet.green.urllib import error as _green_error  # noqa: F401
from eventlet.green.urllib import parse as _green_parse  # noqa: F401
from eventlet.green.urllib import request as _green_request

_copy: Any = inject("urllib.robotparser", globals(), ("urllib.request", _green_request))
__all__ = list(_copy.__all__)

# The copy's `import urllib.parse, urllib.request` bound `urllib` to the standard package, and
# it calls `urllib.request.urlopen` through it at run time: point it at the green package.
_copy.urllib = _green_urllib
urllib = _green_urllib

__patched__ = ["RobotFileParser"]
