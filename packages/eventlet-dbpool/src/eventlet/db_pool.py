"""Pools of database connections shared by green threads.

Most DB-API drivers block in C, where monkey patching cannot reach. :class:`TpooledConnectionPool`
(also known as :class:`ConnectionPool`) therefore hands out connections wrapped in a
:class:`eventlet.tpool.Proxy`: every call on them, and on their cursors, runs in an OS
thread of the pool while the other green threads go on. :class:`RawConnectionPool` hands
out the driver's connections as they are, for drivers that are green already.

A connection borrowed with :meth:`BaseConnectionPool.get` (or :meth:`~BaseConnectionPool.item`)
comes wrapped in a :class:`PooledConnectionWrapper`: its ``close()`` gives the connection
back to the pool, and so does the garbage collector if the wrapper is dropped unclosed. On
its way back, the pool's ``cleanup`` runs (by default :func:`cleanup_rollback`, so a
transaction left open never reaches the next user); a connection whose cleanup fails is
broken and is closed instead of kept. Connections idle for more than ``max_idle`` seconds,
or older than ``max_age`` seconds, are closed.

Example::

    import psycopg2
    from eventlet.db_pool import ConnectionPool

    pool = ConnectionPool(psycopg2, host="127.0.0.1", user="postgres", dbname="test")
    with pool.item() as conn:
        cursor = conn.cursor()
        cursor.execute("select 1")
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from eventlet.greenthread import spawn_n
from eventlet.hubs import get_hub
from eventlet.patcher import original
from eventlet.pools import Pool
from eventlet.timeout import Timeout
from eventlet.tpool import Proxy, execute

__all__ = [
    "BaseConnectionPool",
    "ConnectTimeout",
    "ConnectionPool",
    "DatabaseConnector",
    "GenericConnectionWrapper",
    "PooledConnectionWrapper",
    "RawConnectionPool",
    "TpooledConnectionPool",
    "cleanup_rollback",
]

# Stands for "the pool's own cleanup" in put() and item(); None means no cleanup at all.
_DEFAULT: Any = object()

# A real lock: it is shared with pool threads.
_allocate_lock: Callable[[], Any] = original("_thread").allocate_lock


class ConnectTimeout(Exception):
    """Connecting to the database took longer than the pool's ``connect_timeout``."""


def cleanup_rollback(conn: Any) -> None:
    """Roll back whatever transaction ``conn`` has open: the default cleanup of the pools."""
    conn.rollback()


def _close_quietly(conn: Any) -> None:
    # The connection is being thrown away, often because it is broken already.
    try:
        conn.close()
    except Exception:
        pass


def _check_seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__!r}")
    if value != value:
        raise ValueError(f"{name} must be a number of seconds, not NaN")
    return float(value)


class BaseConnectionPool(Pool):
    """A pool of at most ``max_size`` connections made by ``db_module.connect(*args, **kwargs)``.

    ``min_size`` connections are opened at once. A free connection unused for ``max_idle``
    seconds is closed; so is any connection older than ``max_age`` seconds when it comes
    back (0 for either: connections are closed as soon as they are given back, the pool
    then only limits how many are open at once). Opening a connection that takes longer
    than ``connect_timeout`` seconds (``None``: no limit) raises :class:`ConnectTimeout`
    from :meth:`get`. ``cleanup(conn)`` runs on each connection given back (by default
    :func:`cleanup_rollback`; ``None`` for none); if it raises, the connection is closed
    and dropped, and its place freed. Subclasses say how to connect (:meth:`connect`).
    """

    def __init__(
        self,
        db_module: Any,
        min_size: int = 0,
        max_size: int = 4,
        max_idle: float = 10,
        max_age: float = 30,
        connect_timeout: float | None = 5,
        cleanup: Callable[[Any], Any] | None = cleanup_rollback,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if not callable(getattr(db_module, "connect", None)):
            raise TypeError(
                f"db_module must be a DB-API module with a connect() function, not {db_module!r}"
            )
        if cleanup is not None and not callable(cleanup):
            raise TypeError(f"cleanup must be callable or None, not {type(cleanup).__name__!r}")
        if connect_timeout is not None:
            connect_timeout = _check_seconds(connect_timeout, "connect_timeout")
        self._db_module = db_module
        self._args = args
        self._kwargs = kwargs
        self.max_idle = _check_seconds(max_idle, "max_idle")
        self.max_age = _check_seconds(max_age, "max_age")
        self.connect_timeout = connect_timeout
        self._cleanup = cleanup
        self._expiration_timer: Any = None
        self._expiration_due = 0.0
        # The free items are (last used, created, connection) triples; the most recently
        # used is handed out first, so the others can reach max_idle and be closed.
        super().__init__(min_size=0, max_size=max_size, order_as_stack=True)
        if min_size > max_size:
            raise ValueError(f"min_size ({min_size}) must not exceed max_size ({max_size})")
        self.min_size = min_size
        for _ in range(min_size):
            self.current_size += 1
            try:
                conn = self.create()
            except BaseException:
                self.current_size -= 1
                raise
            now = time.monotonic()
            self._free.put((now, now, conn))

    # -- what subclasses provide ------------------------------------------------------------

    @classmethod
    def connect(cls, db_module: Any, connect_timeout: float | None, *args: Any, **kw: Any) -> Any:
        """Open one connection; subclasses implement it."""
        raise NotImplementedError(f"{cls.__name__} does not know how to connect")

    def create(self) -> Any:
        """Open a new connection with the pool's module and arguments."""
        return self.connect(self._db_module, self.connect_timeout, *self._args, **self._kwargs)

    # -- borrowing and giving back ----------------------------------------------------------

    def _is_expired(self, now: float, last_used: float, created_at: float) -> bool:
        return now - last_used >= self.max_idle or now - created_at >= self.max_age

    def get(self) -> PooledConnectionWrapper:
        """Borrow a connection: a free one, a new one, or (at ``max_size``) wait for one.

        Free connections that have expired meanwhile are closed on the way.
        """
        while True:
            item = super().get()
            if isinstance(item, tuple):
                last_used, created_at, conn = item
                if self._is_expired(time.monotonic(), last_used, created_at):
                    self._discard(conn)
                    continue
            else:
                created_at, conn = time.monotonic(), item
            wrapper = PooledConnectionWrapper(conn, self)
            wrapper._db_pool_created_at = created_at
            return wrapper

    def put(self, conn: Any, cleanup: Any = _DEFAULT) -> None:
        """Give back ``conn`` (a wrapper from :meth:`get`, or the connection inside one).

        ``cleanup`` (default: the pool's) runs on it first; if that fails, or the connection
        is too old, it is closed instead and its place in the pool freed.
        """
        created_at = getattr(conn, "_db_pool_created_at", 0.0)
        if isinstance(conn, PooledConnectionWrapper):
            raw = conn._base
            conn._destroy()
            if raw is None:
                raise ValueError("this connection was given back to its pool already")
        else:
            raw = conn
        self._give_back(raw, created_at, self._cleanup if cleanup is _DEFAULT else cleanup)

    def _give_back(self, raw: Any, created_at: float, cleanup: Any) -> None:
        now = time.monotonic()
        if (
            now - created_at >= self.max_age
            or self.max_idle <= 0
            or self.current_size > self.max_size  # resized down meanwhile
        ):
            self._discard(raw)
            return
        if cleanup is not None:
            try:
                cleanup(raw)
            except Exception:
                # A connection that cannot even roll back is broken (the server went away,
                # the session was killed): never hand it out again.
                self._discard(raw)
                return
            except BaseException:
                # Interrupted (a Timeout, a kill) halfway through: its state is unknown.
                self._discard(raw)
                raise
        super().put((now, created_at, raw))
        self._schedule_expiration()

    def _discard(self, conn: Any) -> None:
        """Close ``conn`` and free its place in the pool."""
        self._drop_one()
        _close_quietly(conn)

    @contextmanager
    def item(self, cleanup: Any = _DEFAULT) -> Iterator[PooledConnectionWrapper]:
        """Borrow a connection for a ``with`` block; it is given back (with ``cleanup``) at the end."""
        conn = self.get()
        try:
            yield conn
        finally:
            if conn._base is not None:  # the block may have closed it already
                self.put(conn, cleanup)

    def clear(self) -> None:
        """Close every free connection the pool holds and forget them.

        Connections lent out are not affected; they are closed or kept as usual when given
        back.
        """
        free = self.free_items
        doomed = [conn for _, _, conn in free]
        free.clear()
        self.current_size -= len(doomed)
        self._let_waiters_create()
        for conn in doomed:
            _close_quietly(conn)

    # -- expiry -----------------------------------------------------------------------------

    def _schedule_expiration(self) -> None:
        """Make sure a timer fires when the next free connection expires."""
        free = self.free_items
        if not free:
            return
        due = min(min(used + self.max_idle, made + self.max_age) for used, made, _ in free)
        timer = self._expiration_timer  # None once it has fired
        if timer is not None and self._expiration_due <= due:
            return
        if timer is not None:
            timer.cancel()
        self._expiration_due = due
        # Closing may go through the thread pool, which needs a green thread, not the hub.
        self._expiration_timer = get_hub().schedule_call_global(
            max(due - time.monotonic(), 0.0), spawn_n, self._expire_old_connections
        )

    def _expire_old_connections(self, now: float | None = None) -> None:
        """Close the free connections that have been idle or alive too long."""
        self._expiration_timer = None
        if now is None:
            now = time.monotonic()
        free = self.free_items
        keep = [item for item in free if not self._is_expired(now, item[0], item[1])]
        expired = [item[2] for item in free if self._is_expired(now, item[0], item[1])]
        if expired:
            free.clear()
            free.extend(keep)
            self.current_size -= len(expired)
            self._let_waiters_create()
            for conn in expired:
                _close_quietly(conn)
        self._schedule_expiration()


class RawConnectionPool(BaseConnectionPool):
    """A pool which gives out plain database connections (for drivers that are green)."""

    @classmethod
    def connect(cls, db_module: Any, connect_timeout: float | None, *args: Any, **kw: Any) -> Any:
        """Call ``db_module.connect(*args, **kw)`` in the calling green thread."""
        with Timeout(connect_timeout, ConnectTimeout()):
            return db_module.connect(*args, **kw)


class TpooledConnectionPool(BaseConnectionPool):
    """A pool which gives out :class:`~eventlet.tpool.Proxy`-based database connections.

    Connecting, and every call on a connection or on its cursors, runs in the thread pool.
    """

    @classmethod
    def connect(cls, db_module: Any, connect_timeout: float | None, *args: Any, **kw: Any) -> Any:
        """Connect in the thread pool; return the connection in a Proxy that wraps cursors."""
        # If the timeout strikes first, the thread still finishes connecting: the late
        # connection is closed rather than left open with nobody to use it.
        lock = _allocate_lock()
        state: dict[str, Any] = {"abandoned": False, "conn": None}

        def connect_in_thread() -> Any:
            conn = db_module.connect(*args, **kw)
            with lock:
                if state["abandoned"]:
                    _close_quietly(conn)
                    return None
                state["conn"] = conn
            return conn

        try:
            with Timeout(connect_timeout, ConnectTimeout()):
                conn = execute(connect_in_thread)
        except BaseException:
            with lock:
                state["abandoned"] = True
                late = state["conn"]
            if late is not None:
                execute(_close_quietly, late)
            raise
        return Proxy(conn, autowrap_names=("cursor",))


#: The pool most programs want: connections used through the thread pool.
ConnectionPool = TpooledConnectionPool


class _Forward:
    """A name of the wrapped connection, read and assigned on it.

    A descriptor rather than a method: some drivers have a method under a name (MySQLdb's
    ``autocommit(on)``), others a property (psycopg2's ``autocommit = True``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.__doc__ = f"The wrapped connection's ``{name}``."

    def __get__(self, wrapper: GenericConnectionWrapper | None, owner: type) -> Any:
        if wrapper is None:
            return self
        return getattr(wrapper._connection(), self.name)

    def __set__(self, wrapper: GenericConnectionWrapper, value: Any) -> None:
        setattr(wrapper._connection(), self.name, value)


def _forward(name: str) -> Any:
    return _Forward(name)


class GenericConnectionWrapper:
    """Wraps a DB-API connection and passes every call and attribute on to it.

    The methods of the MySQLdb connection are spelled out; anything else (``autocommit``
    of psycopg2, ``execute`` of sqlite3, ...) is looked up on the connection too.
    """

    _base: Any

    def __init__(self, baseconn: Any) -> None:
        self._base = baseconn

    def _connection(self) -> Any:
        base = self._base
        if base is None:
            raise AttributeError(
                "this connection was closed (given back to its pool): borrow another one"
            )
        return base

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)  # the wrapper's own, not set (yet)
        return getattr(self._connection(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._connection(), name, value)

    def __enter__(self) -> Any:
        return self._connection().__enter__()

    def __exit__(self, *exc_info: Any) -> Any:
        return self._connection().__exit__(*exc_info)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._base!r}>"

    affected_rows = _forward("affected_rows")
    autocommit = _forward("autocommit")
    begin = _forward("begin")
    change_user = _forward("change_user")
    character_set_name = _forward("character_set_name")
    close = _forward("close")
    commit = _forward("commit")
    cursor = _forward("cursor")
    dump_debug_info = _forward("dump_debug_info")
    errno = _forward("errno")
    error = _forward("error")
    errorhandler = _forward("errorhandler")
    get_server_info = _forward("get_server_info")
    insert_id = _forward("insert_id")
    literal = _forward("literal")
    ping = _forward("ping")
    query = _forward("query")
    rollback = _forward("rollback")
    select_db = _forward("select_db")
    server_capabilities = _forward("server_capabilities")
    set_character_set = _forward("set_character_set")
    set_isolation_level = _forward("set_isolation_level")
    set_server_option = _forward("set_server_option")
    set_sql_mode = _forward("set_sql_mode")
    show_warnings = _forward("show_warnings")
    shutdown = _forward("shutdown")
    sqlstate = _forward("sqlstate")
    stat = _forward("stat")
    store_result = _forward("store_result")
    string_literal = _forward("string_literal")
    thread_id = _forward("thread_id")
    use_result = _forward("use_result")
    warning_count = _forward("warning_count")


class PooledConnectionWrapper(GenericConnectionWrapper):
    """A connection lent by a pool.

    - :meth:`close` gives the connection back to the pool instead of closing it; the
      wrapper is then unusable;
    - ``bool(conn)`` is False once it is closed;
    - if the wrapper is garbage-collected without being closed, the connection goes back to
      the pool all the same (through the hub of the thread that borrowed it, with the
      pool's cleanup), so its place is never lost.
    """

    _db_pool_created_at: float

    def __init__(self, baseconn: Any, pool: BaseConnectionPool) -> None:
        super().__init__(baseconn)
        self._pool: BaseConnectionPool | None = pool
        self._hub: Any = get_hub()

    def __bool__(self) -> bool:
        return self._base is not None and bool(self._base)

    def _destroy(self) -> None:
        self._pool = None
        self._base = None

    def close(self) -> None:
        """Give the connection back to the pool; this wrapper cannot be used afterwards."""
        pool = self._pool
        if self._base is not None and pool is not None:
            pool.put(self)
        self._destroy()

    def __del__(self) -> None:
        base, pool = getattr(self, "_base", None), getattr(self, "_pool", None)
        if base is None or pool is None:
            return
        self._destroy()
        created_at = getattr(self, "_db_pool_created_at", 0.0)
        try:
            # The collector may run anywhere (another OS thread, inside the hub): hand the
            # connection to a new green thread of the borrowing thread's hub, which may
            # then wait on the cleanup.
            self._hub.call_soon_threadsafe(
                spawn_n, pool._give_back, base, created_at, pool._cleanup
            )
        except Exception:
            pass  # that hub is gone, and its thread with it: interpreter shutdown


class DatabaseConnector:
    """Keeps one connection pool per (host, database name), made on first use.

    ``credentials`` maps a host to the keyword arguments of ``connect`` for it (``user``,
    ``passwd``, ...); the key ``"default"`` serves hosts not listed. ``conn_pool`` is the
    pool class (default :data:`ConnectionPool`); ``*args`` and ``**kwargs`` go to each pool.
    The database name is passed to ``connect`` as the keyword :attr:`database_keyword`:
    ``"database"``, the DB-API's name for it, which PyMySQL, psycopg2, mysqlclient (2.1 and
    later) and sqlite3 all take (upstream passed ``db``, deprecated in PyMySQL and unknown to
    psycopg2); a subclass may set another.
    """

    #: The keyword of ``connect`` that names the database.
    database_keyword = "database"

    def __init__(
        self,
        module: Any,
        credentials: dict[str, dict[str, Any]],
        conn_pool: type[BaseConnectionPool] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if not callable(getattr(module, "connect", None)):
            raise TypeError(
                f"module must be a DB-API module with a connect() function, not {module!r}"
            )
        if not isinstance(credentials, dict):
            raise TypeError(
                f"credentials must be a dict of host -> connect() arguments, "
                f"not {type(credentials).__name__!r}"
            )
        self._module = module
        self._credentials = credentials
        self._conn_pool = conn_pool if conn_pool is not None else ConnectionPool
        self._args = args
        self._kwargs = kwargs
        self._databases: dict[tuple[str, str], BaseConnectionPool] = {}

    def credentials_for(self, host: str) -> dict[str, Any]:
        """The ``connect`` arguments for ``host``: its own, else the ``"default"`` ones."""
        if host in self._credentials:
            return self._credentials[host]
        return self._credentials.get("default", {})

    def get(self, host: str, dbname: str) -> BaseConnectionPool:
        """Return the pool of connections to database ``dbname`` on ``host``."""
        key = (host, dbname)
        pool = self._databases.get(key)
        if pool is None:
            kwargs = dict(self._kwargs)
            kwargs[self.database_keyword] = dbname
            kwargs["host"] = host
            kwargs.update(self.credentials_for(host))
            pool = self._conn_pool(self._module, *self._args, **kwargs)
            self._databases[key] = pool
        return pool
