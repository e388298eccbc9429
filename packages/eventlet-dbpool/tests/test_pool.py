"""The connection pools with sqlite3 and with a small recording DB-API module."""

from __future__ import annotations

import gc
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from eventlet import db_pool, tpool
from eventlet.event import Event
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

PATIENCE = 20


class RecordingConnection:
    """A DB-API connection that records what is done to it."""

    def __init__(self, module: RecordingModule, args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.module = module
        self.args = args
        self.kwargs = kwargs
        self.rollbacks = 0
        self.closed = False
        self.broken = False
        self.threads: list[int] = []

    def rollback(self) -> None:
        self.threads.append(threading.get_ident())
        if self.broken:
            raise RuntimeError("server closed the connection")
        self.rollbacks += 1

    def close(self) -> None:
        self.closed = True
        self.module.on_close(self)

    def cursor(self) -> str:
        self.threads.append(threading.get_ident())
        return "a cursor"

    def ping(self, reconnect: bool = False) -> str:
        return f"pong {reconnect}"


class RecordingModule:
    """A DB-API module of :class:`RecordingConnection` objects."""

    def __init__(self) -> None:
        self.made: list[RecordingConnection] = []
        self.closed = Event()  # sent with the first connection closed in a green thread

    def connect(self, *args: Any, **kwargs: Any) -> RecordingConnection:
        conn = RecordingConnection(self, args, kwargs)
        self.made.append(conn)
        return conn

    def on_close(self, conn: RecordingConnection) -> None:
        if not self.closed.ready() and threading.current_thread() is threading.main_thread():
            self.closed.send(conn)


@pytest.fixture
def module() -> RecordingModule:
    return RecordingModule()


@pytest.fixture(params=[db_pool.RawConnectionPool, db_pool.TpooledConnectionPool])
def pool_class(request: pytest.FixtureRequest) -> type[db_pool.BaseConnectionPool]:
    cls: type[db_pool.BaseConnectionPool] = request.param
    return cls


def base_of(wrapper: db_pool.PooledConnectionWrapper) -> Any:
    """The driver's connection inside a wrapper (inside a Proxy for the tpooled pool)."""
    base = wrapper._base
    return base._obj if isinstance(base, tpool.Proxy) else base


def sqlite_pool(cls: type[db_pool.BaseConnectionPool], path: Path, **kw: Any) -> Any:
    return cls(sqlite3, database=str(path), check_same_thread=False, **kw)


def test_connection_pool_is_the_tpooled_one() -> None:
    assert db_pool.ConnectionPool is db_pool.TpooledConnectionPool
    assert issubclass(db_pool.TpooledConnectionPool, db_pool.BaseConnectionPool)
    assert issubclass(db_pool.PooledConnectionWrapper, db_pool.GenericConnectionWrapper)
    assert issubclass(db_pool.ConnectTimeout, Exception)


def test_sqlite_queries_through_the_pool(pool_class: Any, tmp_path: Path) -> None:
    pool = sqlite_pool(pool_class, tmp_path / "db.sqlite")
    with pool.item() as conn:
        assert isinstance(conn, db_pool.PooledConnectionWrapper)
        cursor = conn.cursor()
        cursor.execute("create table t (x integer)")
        cursor.execute("insert into t values (1), (2)")
        conn.commit()
        cursor.execute("select sum(x) from t")
        assert cursor.fetchone() == (3,)
    assert pool.free() == 4 and len(pool.free_items) == 1


def test_tpooled_connections_and_cursors_run_in_pool_threads(module: RecordingModule) -> None:
    pool = db_pool.TpooledConnectionPool(module)
    conn = pool.get()
    assert isinstance(conn._base, tpool.Proxy)
    cursor = conn.cursor()
    assert isinstance(cursor, tpool.Proxy) and cursor == "a cursor"
    assert threading.get_ident() not in module.made[0].threads
    conn.close()


def test_raw_connections_are_the_drivers_own(module: RecordingModule) -> None:
    pool = db_pool.RawConnectionPool(module, 1, 2, 10, 30, 5, db_pool.cleanup_rollback, "dsn", x=1)
    conn = pool.get()
    assert conn._base is module.made[0]
    assert (module.made[0].args, module.made[0].kwargs) == (("dsn",), {"x": 1})
    assert conn.cursor() == "a cursor"
    assert module.made[0].threads == [threading.get_ident()]


def test_an_open_transaction_is_rolled_back_before_reuse(pool_class: Any, tmp_path: Path) -> None:
    pool = sqlite_pool(pool_class, tmp_path / "db.sqlite", max_size=1)
    with pool.item() as conn:
        conn.cursor().execute("create table t (x integer)")
        conn.commit()
    with pool.item() as conn:
        first = base_of(conn)
        conn.cursor().execute("insert into t values (1)")  # never committed
    with pool.item() as conn:
        assert base_of(conn) is first
        cursor = conn.cursor()
        cursor.execute("select count(*) from t")
        assert cursor.fetchone() == (0,)


def test_cleanup_none_leaves_the_connection_as_it_is(module: RecordingModule) -> None:
    pool = db_pool.RawConnectionPool(module, cleanup=None)
    pool.get().close()
    assert module.made[0].rollbacks == 0
    conn = pool.get()
    pool.put(conn, cleanup=db_pool.cleanup_rollback)
    assert module.made[0].rollbacks == 1


def test_a_custom_cleanup_runs_on_each_return(module: RecordingModule) -> None:
    seen: list[Any] = []
    pool = db_pool.RawConnectionPool(module, cleanup=seen.append)
    with pool.item():
        pass
    with pool.item(cleanup=None):
        pass
    assert seen == [module.made[0]]


def test_a_connection_whose_cleanup_fails_is_discarded(pool_class: Any, module: Any) -> None:
    pool = pool_class(module, max_size=1)
    conn = pool.get()
    module.made[0].broken = True
    conn.close()
    assert module.made[0].closed
    assert pool.current_size == 0 and pool.free() == 1
    with pool.item() as again:
        assert base_of(again) is module.made[1]


def test_closing_gives_the_connection_back_and_disables_the_wrapper(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module, max_size=1)
    conn = pool.get()
    assert bool(conn) is True
    assert pool.free() == 0
    conn.close()
    assert pool.free() == 1
    assert bool(conn) is False
    assert not module.made[0].closed
    with pytest.raises(AttributeError, match="given back to its pool"):
        conn.cursor()
    conn.close()  # twice is harmless
    assert pool.free() == 1


def test_putting_a_wrapper_back_twice_is_refused(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module)
    conn = pool.get()
    pool.put(conn)
    with pytest.raises(ValueError, match="given back to its pool already"):
        pool.put(conn)


def test_a_dropped_wrapper_gives_its_connection_back(pool_class: Any, module: Any) -> None:
    # Upstream has this disabled: the slot was lost for good.
    pool = pool_class(module, max_size=1)
    conn = pool.get()
    first = base_of(conn)
    del conn
    gc.collect()
    with Timeout(PATIENCE):
        again = pool.get()  # would wait forever if the slot were lost
    assert base_of(again) is first
    assert first.rollbacks == 1  # the pool's cleanup ran on the way back
    assert len(module.made) == 1


def test_a_wrapper_dropped_in_another_os_thread_comes_back_too(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module, max_size=1)
    holder = [pool.get()]
    tpool.execute(holder.clear)  # the last reference goes away in a pool thread
    gc.collect()
    with Timeout(PATIENCE):
        again = pool.get()
    assert base_of(again) is module.made[0]


def test_at_max_size_get_waits_for_a_connection(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module, max_size=2)
    a, b = pool.get(), pool.get()
    order: list[str] = []

    def third() -> None:
        conn = pool.get()
        order.append("got")
        conn.close()

    waiter = spawn(third)
    sleep(0)
    assert order == [] and pool.waiting() == 1
    a.close()
    waiter.wait()
    assert order == ["got"]
    assert len(module.made) == 2
    b.close()


def test_min_size_connects_at_once(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module, min_size=3, max_size=4)
    assert len(module.made) == 3 and len(pool.free_items) == 3
    with pool.item() as conn:
        assert base_of(conn) in module.made
    assert len(module.made) == 3


def test_max_age_zero_closes_every_connection_given_back(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module, max_age=0)
    pool.get().close()
    pool.get().close()
    assert [c.closed for c in module.made] == [True, True]
    assert pool.current_size == 0


def test_max_idle_zero_closes_every_connection_given_back(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module, max_idle=0)
    pool.get().close()
    assert module.made[0].closed and pool.current_size == 0


def test_an_idle_connection_is_closed_after_max_idle(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module, max_idle=0.05, max_age=60)
    pool.get().close()
    assert not module.made[0].closed
    with Timeout(PATIENCE):
        assert module.closed.wait() is module.made[0]  # closed by the pool's timer
    assert pool.current_size == 0 and not pool.free_items


def test_an_old_connection_is_closed_on_its_way_back(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module, max_idle=60, max_age=30)
    conn = pool.get()
    conn._db_pool_created_at -= 31  # as if lent out for longer than max_age
    conn.close()
    assert module.made[0].closed and pool.current_size == 0


def test_an_expired_free_connection_is_not_handed_out(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module, max_idle=10, max_age=60)
    pool.get().close()
    last_used, created_at, conn = pool.free_items[0]
    pool.free_items[0] = (last_used - 11, created_at - 11, conn)  # idle for too long
    with pool.item() as conn:
        assert base_of(conn) is module.made[1]
    assert module.made[0].closed


def test_clear_closes_the_free_connections(module: Any) -> None:
    pool = db_pool.RawConnectionPool(module, max_size=3)
    a, b, c = pool.get(), pool.get(), pool.get()
    a.close()
    b.close()
    pool.clear()
    assert [conn.closed for conn in module.made] == [True, True, False]
    assert pool.current_size == 1 and pool.free() == 2
    c.close()
    assert not module.made[2].closed and pool.free() == 3


def test_connect_timeout_in_the_thread_pool_closes_the_late_connection() -> None:
    release = threading.Event()
    made: list[RecordingConnection] = []
    closed = threading.Event()

    class SlowModule(RecordingModule):
        def connect(self, *args: Any, **kwargs: Any) -> RecordingConnection:
            release.wait(PATIENCE)
            conn = super().connect(*args, **kwargs)
            made.append(conn)
            return conn

        def on_close(self, conn: RecordingConnection) -> None:
            closed.set()

    pool = db_pool.TpooledConnectionPool(SlowModule(), connect_timeout=0.05)
    with pytest.raises(db_pool.ConnectTimeout):
        pool.get()
    assert pool.current_size == 0
    release.set()
    assert tpool.execute(closed.wait, PATIENCE) is True
    assert made and made[0].closed


def test_connect_timeout_of_a_green_connect() -> None:
    class GreenSlowModule:
        @staticmethod
        def connect() -> None:
            sleep(PATIENCE)

    pool = db_pool.RawConnectionPool(GreenSlowModule, connect_timeout=0.05)
    with pytest.raises(db_pool.ConnectTimeout):
        pool.get()
    assert pool.free() == 4


def test_connect_errors_reach_the_caller_and_free_the_slot(pool_class: Any) -> None:
    class Refusing:
        @staticmethod
        def connect() -> None:
            raise ConnectionRefusedError("no server")

    pool = pool_class(Refusing, max_size=1)
    for _ in range(2):
        with pytest.raises(ConnectionRefusedError):
            pool.get()
    assert pool.free() == 1


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="connect"):
        db_pool.RawConnectionPool(object())
    with pytest.raises(ValueError, match="min_size"):
        db_pool.RawConnectionPool(sqlite3, min_size=5, max_size=2)
    with pytest.raises(TypeError, match="max_idle"):
        db_pool.RawConnectionPool(sqlite3, max_idle="10")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cleanup"):
        db_pool.RawConnectionPool(sqlite3, cleanup="rollback")  # type: ignore[arg-type]


def test_generic_wrapper_forwards_methods_and_attributes(module: Any) -> None:
    conn = module.connect()
    wrapper = db_pool.GenericConnectionWrapper(conn)
    assert wrapper.ping(True) == "pong True"
    assert wrapper.cursor() == "a cursor"
    wrapper.rollback()
    assert conn.rollbacks == 1
    wrapper.autocommit = True  # a property in psycopg2: set on the connection
    assert conn.autocommit is True
    assert wrapper.autocommit is True
    assert wrapper.kwargs == {}
    wrapper.close()
    assert conn.closed
    for name in ("affected_rows", "insert_id", "select_db", "warning_count", "thread_id"):
        assert hasattr(db_pool.GenericConnectionWrapper, name)


def test_a_cleanup_interrupted_by_a_timeout_discards_the_connection(module: Any) -> None:
    def slow_cleanup(conn: Any) -> None:
        sleep(PATIENCE)

    pool = db_pool.RawConnectionPool(module, max_size=1, cleanup=slow_cleanup)
    conn = pool.get()
    with pytest.raises(Timeout):
        with Timeout(0.01):
            conn.close()
    assert module.made[0].closed
    assert pool.free() == 1  # the place is not lost
    with pool.item(cleanup=None) as again:
        assert base_of(again) is module.made[1]
