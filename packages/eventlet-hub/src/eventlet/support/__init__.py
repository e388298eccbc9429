__path__ = __import__("pkgutil").extend_path(__path__, __name__)

__doc__ = """Helpers that third-party code imports from ``eventlet.support``.

This package is shared: eventlet-hub ships this file and :mod:`eventlet.support.greenlets`,
eventlet-green ships :mod:`eventlet.support.greendns`. The statement above, which stays first,
gathers the other distributions' parts of the folder wherever they are installed (editable
installs put each distribution's source folder on the path separately).

- :func:`get_errno`: the ``errno`` of an exception, or None;
- :func:`wrap_deprecated`: a decorator factory that marks a function as an old name of a
  new one and warns ``DeprecationWarning`` when it is called.
"""

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["get_errno", "wrap_deprecated"]

_F = TypeVar("_F", bound=Callable[..., Any])


def get_errno(exc: BaseException) -> int | None:
    """The error number of ``exc``: its ``errno``, else a leading int in its ``args``, else None.

    ``OSError`` and ``socket`` errors carry ``errno``; exceptions built as
    ``SomeError(errno.EPIPE, "text")`` by older code carry it as the first argument only.
    """
    if not isinstance(exc, BaseException):
        raise TypeError(f"get_errno() needs an exception, not {type(exc).__name__}")
    number = getattr(exc, "errno", None)
    if isinstance(number, int) and not isinstance(number, bool):
        return number
    args = exc.args
    if args and isinstance(args[0], int) and not isinstance(args[0], bool):
        return args[0]
    return None


def wrap_deprecated(old: str, new: str) -> Callable[[_F], _F]:
    """A decorator for a function kept under an old name ``old``, whose new name is ``new``.

    Each call of the decorated function warns ``DeprecationWarning`` ("old is deprecated
    and will be removed; use new instead"), pointing at the caller's line, then calls it.
    """
    if not isinstance(old, str) or not isinstance(new, str):
        raise TypeError(f"wrap_deprecated(old, new) needs two names (str), not {old!r} and {new!r}")
    message = f"{old} is deprecated and will be removed; use {new} instead"

    def decorator(function: _F) -> _F:
        if not callable(function):
            raise TypeError(f"wrap_deprecated decorates a callable, not {function!r}")

        @functools.wraps(function)
        def deprecated(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            return function(*args, **kwargs)

        return deprecated  # type: ignore[return-value]

    return decorator
