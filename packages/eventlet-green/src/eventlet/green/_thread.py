"""The green ``_thread`` module: exactly the names of the running Python's ``_thread``.

``start_new_thread`` starts a green thread, locks suspend only the calling green thread and
``get_ident`` tells green threads apart. The code lives in :mod:`eventlet.green.thread`;
this module carries the same objects under the standard library's names, and nothing else,
so that a standard-library module imported with it as ``_thread`` (such as ``threading``)
finds just what it expects.
"""

from eventlet.green import thread as _green

# The names every supported Python's _thread has, spelled out for readers and type checkers.
from eventlet.green.thread import (  # noqa: F401  (re-exported)
    TIMEOUT_MAX,
    LockType,
    RLock,
    _count,
    _excepthook,
    _ExceptHookArgs,
    _local,
    allocate,
    allocate_lock,
    error,
    exit,
    exit_thread,
    get_ident,
    get_native_id,
    interrupt_main,
    stack_size,
    start_new,
    start_new_thread,
)

# And those only some Pythons have (_set_sentinel up to 3.12; start_joinable_thread and the
# thread handles from 3.13, ...).
for _name in _green.STDLIB_NAMES:
    globals()[_name] = getattr(_green, _name)
del _name

__patched__ = list(_green.__patched__)

del _green
