"""The ``MySQLdb`` module (mysqlclient), green.

mysqlclient talks to the server from C, where no green socket can reach, so here every call
that may wait on the server (connecting, ``execute``, ``fetch*``, ``commit``, ``close``, ...)
runs in a worker OS thread (:func:`eventlet.green._osthread.call`) while only the calling green
thread waits; the others run meanwhile. ``connect``, ``Connect`` and ``Connection`` return a
:class:`Connection` wrapping the real one, whose cursors are :class:`Cursor` wrappers; every
other name (exceptions, type objects, ``constants``, ``cursors``, ...) is the real module's.

The calls made on one connection (and its cursors) run one at a time, in the order they were
made, even when several green threads share the connection or a caller gave up waiting (a
Timeout) while its call was still running.

Importing this module raises ImportError when mysqlclient is not installed.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from eventlet.green._inject import is_green, original, slurp_properties
from eventlet.green._osthread import call

_T = TypeVar("_T")


def _load_real() -> Any:
    """The real MySQLdb module, even when monkey patching put this one under its name."""
    current = sys.modules.get("MySQLdb")
    if current is not None and is_green(current):
        return original("MySQLdb")
    try:
        return importlib.import_module("MySQLdb")
    except ModuleNotFoundError as error:
        if error.name != "MySQLdb":
            raise  # MySQLdb is there but something it needs is not: show the real cause
        raise ImportError(
            "MySQLdb (mysqlclient) is not installed: install it with `pip install mysqlclient`"
            " to use eventlet.green.MySQLdb",
            name="MySQLdb",
        ) from error


_real = _load_real()

__patched__ = ["connect", "Connect", "Connection"]

# Methods of a real connection that may wait on the server. Both mysqlclient and the drivers
# that stand in for it (PyMySQL's install_as_MySQLdb) are covered; a name one of them lacks
# is simply never looked up.
_BLOCKING_CONNECTION_METHODS = frozenset(
    {
        "autocommit",
        "begin",
        "change_user",
        "close",
        "commit",
        "connect",
        "discard_result",
        "dump_debug_info",
        "kill",
        "next_result",
        "ping",
        "query",
        "read_query_result",
        "rollback",
        "select_db",
        "send_query",
        "set_character_set",
        "set_charset",
        "set_server_option",
        "set_sql_mode",
        "show_warnings",
        "shutdown",
        "stat",
        "store_result",
        "use_result",
    }
)

# Cursor methods that may wait on the server (an unbuffered cursor fetches as it goes).
_BLOCKING_CURSOR_METHODS = frozenset({"fetchall_unbuffered", "read_next"})

# The wrappers' own instance attributes, never looked up on the real objects.
_OWN_ATTRIBUTES = frozenset({"_real", "_serializer", "_connection", "_run"})


class _Serializer:
    """Runs the calls on one connection in worker threads, one at a time.

    The lock is a real OS lock taken inside the worker: a call whose caller gave up still
    holds it until the server answered, so the next call cannot talk over it.
    """

    def __init__(self) -> None:
        self._lock = original("_thread").allocate_lock()

    def run(self, func: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run ``func(*args, **kwargs)`` in a worker OS thread under the connection's lock."""
        return call(self._locked, func, args, kwargs)

    def _locked(self, func: Callable[..., _T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> _T:
        with self._lock:
            return func(*args, **kwargs)


class Connection:
    """A MySQL connection whose blocking calls wait in a worker OS thread, not in the hub.

    Takes the arguments of ``MySQLdb.connect`` (host, user, passwd, db, port, ...). Methods
    not listed here are the real connection's: those that may wait on the server run in a
    worker thread too, the others (``escape``, ``literal``, ``get_autocommit``, ...) are
    called directly.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Connect to the server (in a worker OS thread) with ``MySQLdb.connect``'s arguments."""
        serializer = _Serializer()
        real = serializer.run(_real.connect, *args, **kwargs)
        object.__setattr__(self, "_serializer", serializer)
        object.__setattr__(self, "_real", real)

    @property
    def wrapped(self) -> Any:
        """The real MySQLdb connection underneath (its calls block the whole OS thread)."""
        return self._real

    def cursor(self, *args: Any, **kwargs: Any) -> Cursor:
        """A new :class:`Cursor` (arguments as the real ``cursor()``: a cursor class)."""
        return Cursor(self._real.cursor(*args, **kwargs), self)

    def commit(self) -> None:
        """Commit the current transaction."""
        self._serializer.run(self._real.commit)

    def rollback(self) -> None:
        """Roll the current transaction back."""
        self._serializer.run(self._real.rollback)

    def close(self) -> None:
        """Close the connection."""
        self._serializer.run(self._real.close)

    def __getattr__(self, name: str) -> Any:
        if name in _OWN_ATTRIBUTES:
            raise AttributeError(name)  # __init__ failed before setting it: no recursion
        value = getattr(self._real, name)
        if name in _BLOCKING_CONNECTION_METHODS and callable(value):
            return _in_worker(self._serializer, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        # Settings such as `encoders` or `messages` belong to the real connection.
        setattr(self._real, name, value)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<green {self._real!r}>"


class Cursor:
    """A cursor whose blocking calls (execute, fetch, ...) wait in a worker OS thread.

    Attributes (``description``, ``rowcount``, ``lastrowid``, ``arraysize``, ...) are the
    real cursor's; ``connection`` is the green :class:`Connection` it came from.
    """

    def __init__(self, real: Any, connection: Connection) -> None:
        """Wrap ``real``, a cursor of ``connection``'s real connection."""
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_connection", connection)
        object.__setattr__(self, "_run", connection._serializer.run)

    @property
    def connection(self) -> Connection:
        """The green connection this cursor belongs to."""
        return self._connection

    @property
    def wrapped(self) -> Any:
        """The real MySQLdb cursor underneath (its calls block the whole OS thread)."""
        return self._real

    def execute(self, query: Any, args: Any = None) -> Any:
        """Run ``query`` with ``args``; return what the real cursor returns (rows affected)."""
        return self._run(self._real.execute, query, args)

    def executemany(self, query: Any, args: Any) -> Any:
        """Run ``query`` once per item of ``args``."""
        return self._run(self._real.executemany, query, args)

    def callproc(self, procname: str, args: Any = ()) -> Any:
        """Call the stored procedure ``procname`` with ``args``."""
        return self._run(self._real.callproc, procname, args)

    def fetchone(self) -> Any:
        """The next row, or None when there are no more."""
        return self._run(self._real.fetchone)

    def fetchmany(self, size: int | None = None) -> Any:
        """Up to ``size`` more rows (default: ``arraysize``)."""
        if size is None:
            return self._run(self._real.fetchmany)
        return self._run(self._real.fetchmany, size)

    def fetchall(self) -> Any:
        """All the remaining rows."""
        return self._run(self._real.fetchall)

    def nextset(self) -> Any:
        """Move to the next result set; None when there is none."""
        return self._run(self._real.nextset)

    def scroll(self, value: int, mode: str = "relative") -> None:
        """Move the position in the result set by ``value`` (or to it, ``mode="absolute"``)."""
        self._run(self._real.scroll, value, mode)

    def close(self) -> None:
        """Close the cursor (an unbuffered one first reads what is left of its result)."""
        self._run(self._real.close)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchone, None)

    def __getattr__(self, name: str) -> Any:
        if name in _OWN_ATTRIBUTES:
            raise AttributeError(name)
        value = getattr(self._real, name)
        if name in _BLOCKING_CURSOR_METHODS and callable(value):
            return _in_worker(self._connection._serializer, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        # `arraysize` and the like are the real cursor's.
        setattr(self._real, name, value)

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<green {self._real!r}>"


def _in_worker(serializer: _Serializer, method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` as a function that runs it through ``serializer`` (in a worker thread)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        return serializer.run(method, *args, **kwargs)

    run.__name__ = getattr(method, "__name__", "run")
    run.__doc__ = getattr(method, "__doc__", None)
    return run


def connect(*args: Any, **kwargs: Any) -> Connection:
    """Connect to a MySQL server: ``MySQLdb.connect``'s arguments, a green :class:`Connection`."""
    return Connection(*args, **kwargs)


Connect = connect

# Every other name is the real module's (exceptions, type objects, constants, cursors, ...).
slurp_properties(_real, globals(), ignore=set(globals()))
if hasattr(_real, "__all__"):
    __all__ = list(_real.__all__)
