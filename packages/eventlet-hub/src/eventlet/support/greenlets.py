"""The greenlet names older code imports from ``eventlet.support.greenlets``.

``greenlet`` (the class), ``GreenletExit`` and ``getcurrent`` are greenlet's own objects.
``preserves_excinfo`` is True: every greenlet release this project supports (3.0 and later)
keeps each greenlet's ``sys.exc_info()`` apart across switches.
"""

from greenlet import GreenletExit, getcurrent, greenlet

__all__ = ["GreenletExit", "getcurrent", "greenlet", "preserves_excinfo"]

#: Whether a greenlet's exception being handled survives switches to and from other greenlets.
preserves_excinfo: bool = True
