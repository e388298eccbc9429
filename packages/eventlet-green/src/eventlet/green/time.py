"""The ``time`` module with a green :func:`sleep`: it suspends only the calling green thread."""

from time import *  # noqa: F403  (the whole standard-library interface)

from eventlet.greenthread import sleep  # type: ignore[assignment]  # noqa: F401

__patched__ = ["sleep"]
