"""The green ``queue`` module: the standard library's queues, waiting as green threads.

This is the running Python's own ``queue`` module, imported with the green ``threading``
(:mod:`eventlet.green.threading`) and the green ``time``: a ``get()`` on an empty queue or a
``put()`` on a full one suspends only the calling green thread, with the standard library's
exact behaviour (``maxsize <= 0`` is unbounded, ``task_done()``/``join()``, ``shutdown()``
where the Python has it, timeouts raising ``Empty``/``Full``).

``SimpleQueue`` is the standard library's pure-Python version, which the green threading
makes green (the C one would block the OS thread). ``Empty``, ``Full`` (and ``ShutDown``)
are the standard library's own classes, so ``except queue.Full`` catches either module's.

:mod:`eventlet.queue` is Eventlet's own, faster queue, with different rules (there
``maxsize=0`` makes a channel); this module is for code written against the standard library.
"""

from __future__ import annotations

import queue as _stdlib_queue
from typing import TYPE_CHECKING

from eventlet.green import threading as _green_threading
from eventlet.green import time as _green_time
from eventlet.green._inject import inject

if TYPE_CHECKING:
    from queue import *  # noqa: F403  (what inject() copies in, for type checkers)

_copy = inject("queue", globals(), ("threading", _green_threading), ("time", _green_time))

# The copy defined classes of its own for these; use the standard library's, in the copy too
# (its methods look the names up there).
for _name in ("Empty", "Full", "ShutDown"):
    if hasattr(_stdlib_queue, _name):
        globals()[_name] = getattr(_stdlib_queue, _name)
        setattr(_copy, _name, getattr(_stdlib_queue, _name))
del _name

SimpleQueue = _copy._PySimpleQueue  # type: ignore[misc]

__all__ = list(_stdlib_queue.__all__)

__patched__ = ["LifoQueue", "PriorityQueue", "Queue", "SimpleQueue"]
