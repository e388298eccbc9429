"""The green ``selectors`` module: a selector's ``select()`` suspends only the calling green
thread.

This is the running Python's own ``selectors`` module, imported afresh with the green
:mod:`eventlet.green.select` in place of ``select``. So :class:`SelectSelector` and
:class:`PollSelector` wait on the hub, and :data:`DefaultSelector` is the best of them
(``PollSelector`` where the OS has poll). ``EpollSelector``, ``DevpollSelector`` and
``KqueueSelector`` are left out (see ``__deleted__``): the green ``select`` module has no
``epoll``, ``devpoll`` or ``kqueue``, whose objects could only block the hub.
"""

from __future__ import annotations

import selectors as _stdlib_selectors
from abc import ABCMeta as _ABCMeta
from types import FunctionType as _FunctionType
from typing import TYPE_CHECKING

from eventlet.green import select as _green_select
from eventlet.green._inject import inject as _inject

if TYPE_CHECKING:
    # What the standard library's code below defines, for readers and type checkers.
    from selectors import (  # noqa: F401
        EVENT_READ,
        EVENT_WRITE,
        BaseSelector,
        DefaultSelector,
        PollSelector,
        SelectorKey,
        SelectSelector,
    )

_inject("selectors", globals(), ("select", _green_select))

__deleted__ = ["DevpollSelector", "EpollSelector", "KqueueSelector"]
__patched__ = ["DefaultSelector", "SelectSelector"] + (
    ["PollSelector"] if "PollSelector" in globals() else []
)

# The standard library stores ``select.select`` as a class attribute and calls it as
# ``self._select(...)``: harmless for a built-in function, but the green one is a Python
# function, which would become a method and receive ``self``.
if SelectSelector.__dict__.get("_select") is _green_select.select:
    setattr(SelectSelector, "_select", staticmethod(_green_select.select))  # noqa: B010
# The same for the poll selector's factory (``_selector_cls = select.poll``), should the green
# poll be a Python function rather than a class.
for _cls in [globals().get("PollSelector")]:
    _factory = _cls.__dict__.get("_selector_cls") if _cls is not None else None
    if isinstance(_factory, _FunctionType):
        setattr(_cls, "_selector_cls", staticmethod(_factory))  # noqa: B010
del _cls, _factory

# Code that checks ``isinstance(selector, selectors.BaseSelector)`` against the standard
# library's class accepts the green selectors too.
# (ABCMeta.register: the class's own ``register`` is the selector method.)
_ABCMeta.register(_stdlib_selectors.BaseSelector, BaseSelector)  # type: ignore[type-abstract]
