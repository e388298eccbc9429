"""The ``signal`` module, whose :func:`pthread_kill` takes green thread identifiers.

Under monkey patching, ``threading.get_ident()`` and ``Thread.ident`` name green threads
(:func:`eventlet.green.thread.get_ident`), not OS threads. Handed to the standard library's
``pthread_kill``, such a number would make the C library treat memory that holds no thread
as one, and block the whole process. This module's :func:`pthread_kill` sends the signal to
the OS thread that runs the green thread instead; every other name is the standard
library's own object.
"""

# No `from __future__ import annotations`: it would add a public name the stdlib module lacks.
from signal import *  # noqa: F403  (the whole standard-library interface)

from eventlet.green import thread as _green_thread
from eventlet.green._inject import original as _original
from eventlet.green._inject import slurp_properties as _slurp_properties

# The real module, even when monkey patching has put this one in sys.modules.
_stdlib_signal = _original("signal")

# Every other name, private ones included (_int_to_enum, ...): the same objects.
_slurp_properties(_stdlib_signal, globals(), ignore=set(globals()))

__patched__ = ["pthread_kill"] if hasattr(_stdlib_signal, "pthread_kill") else []

if hasattr(_stdlib_signal, "pthread_kill"):

    def pthread_kill(thread_id: int, signalnum: int, /) -> None:
        """Send ``signalnum`` to the thread ``thread_id``.

        ``thread_id`` may name a green thread (``threading.get_ident()``, ``Thread.ident``)
        or an OS thread. A green thread's signal goes to the OS thread that runs it: signals
        reach OS threads only, and, as always in Python, a handler runs in the main thread.
        """
        _stdlib_signal.pthread_kill(_green_thread._os_thread_ident_of(thread_id), signalnum)
