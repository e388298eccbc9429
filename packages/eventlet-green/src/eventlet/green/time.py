"""The ``time`` module with a green :func:`sleep`: it suspends only the calling green thread.

:func:`pthread_getcpuclockid` takes green thread identifiers (``threading.get_ident()`` under
monkey patching) as well as OS threads': a green thread's clock is its OS thread's.
"""

import operator as _operator
import time as _time
from time import *  # noqa: F403  (the whole standard-library interface)

from eventlet.greenthread import sleep as _green_sleep

__patched__ = ["sleep"]
if hasattr(_time, "pthread_getcpuclockid"):
    __patched__.append("pthread_getcpuclockid")


def sleep(secs: float, /) -> None:  # type: ignore[no-redef]
    """Suspend the calling green thread for ``secs`` seconds; other green threads run.

    As :func:`time.sleep`, a negative or NaN duration raises ``ValueError`` and anything but
    a number ``TypeError`` (:func:`eventlet.sleep` itself takes a negative one for 0).
    """
    if isinstance(secs, float):
        if not secs >= 0.0:
            if secs != secs:
                raise ValueError("Invalid value NaN (not a number)")
            raise ValueError("sleep length must be non-negative")
    elif _operator.index(secs) < 0:  # an int, or TypeError as the standard library's
        raise ValueError("sleep length must be non-negative")
    _green_sleep(secs)


if hasattr(_time, "pthread_getcpuclockid"):

    def pthread_getcpuclockid(thread_id: int, /) -> int:
        """The CPU-time clock of thread ``thread_id``: a green thread's is its OS thread's.

        The standard library's, given a green identifier (the address of a greenlet), would
        make the C library read a thread that is not one.
        """
        from eventlet.green import thread  # only here: most programs never ask

        return _time.pthread_getcpuclockid(thread._os_thread_ident_of(thread_id))


# Private names too, for code that finds this module under the name "time" after patching.
for _name in dir(_time):
    if _name.startswith("_") and not _name.startswith("__") and _name not in globals():
        globals()[_name] = getattr(_time, _name)
del _name
