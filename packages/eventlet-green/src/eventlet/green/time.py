"""The ``time`` module with a green :func:`sleep`: it suspends only the calling green thread."""

import operator as _operator
import time as _time
from time import *  # noqa: F403  (the whole standard-library interface)

from eventlet.greenthread import sleep as _green_sleep

__patched__ = ["sleep"]


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


# Private names too, for code that finds this module under the name "time" after patching.
for _name in dir(_time):
    if _name.startswith("_") and not _name.startswith("__") and _name not in globals():
        globals()[_name] = getattr(_time, _name)
del _name
