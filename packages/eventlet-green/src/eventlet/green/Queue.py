"""``Queue``, the Python 2 name of the green ``queue`` module (:mod:`eventlet.green.queue`)."""

from eventlet.green.queue import *  # noqa: F403  (the standard library's interface)
from eventlet.green.queue import __all__, __patched__  # noqa: F401
