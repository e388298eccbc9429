"""The pools against the PostgreSQL (psycopg2) and MariaDB (PyMySQL) servers of this machine."""

from __future__ import annotations

import time
from typing import Any

import pytest

from eventlet import db_pool
from eventlet.greenpool import GreenPool
from eventlet.greenthread import sleep, spawn

CALLS = 20
NAP = 0.5  # seconds each query sleeps on the server


def test_postgres_queries_overlap(pg: Any, pg_params: dict[str, Any]) -> None:
    pool = db_pool.TpooledConnectionPool(pg, max_size=CALLS, **pg_params)

    def nap(_: int) -> int:
        with pool.item() as conn:
            cursor = conn.cursor()
            cursor.execute("select pg_backend_pid() from pg_sleep(%s)", (NAP,))
            (pid,) = cursor.fetchone()
            return int(pid)

    started = time.monotonic()
    pids = list(GreenPool(CALLS).imap(nap, range(CALLS)))
    elapsed = time.monotonic() - started
    pool.clear()
    assert len(set(pids)) == CALLS  # twenty sessions, one per green thread
    # One after the other they would need CALLS * NAP = 10 s; overlapping, about NAP.
    assert elapsed < CALLS * NAP / 2, f"{CALLS} x pg_sleep({NAP}) took {elapsed:.2f} s"


def test_postgres_the_hub_runs_while_a_query_waits(pg: Any, pg_params: dict[str, Any]) -> None:
    pool = db_pool.ConnectionPool(pg, **pg_params)
    ticks: list[int] = []
    running = True

    def ticker() -> None:
        while running:
            ticks.append(1)
            sleep(0.01)

    spawn(ticker)
    try:
        with pool.item() as conn:
            cursor = conn.cursor()
            cursor.execute("select pg_sleep(0.3)")
    finally:
        running = False
    pool.clear()
    assert len(ticks) >= 5


def test_postgres_a_killed_connection_is_discarded(pg: Any, pg_params: dict[str, Any]) -> None:
    pool = db_pool.TpooledConnectionPool(pg, max_size=2, **pg_params)
    victim = pool.get()
    cursor = victim.cursor()
    cursor.execute("select pg_backend_pid()")
    (victim_pid,) = cursor.fetchone()
    with pool.item() as killer:
        kill = killer.cursor()
        kill.execute("select pg_terminate_backend(%s)", (victim_pid,))
        assert kill.fetchone() == (True,)
        killer.commit()
    with pytest.raises(pg.OperationalError):
        cursor.execute("select 1")
    victim.close()  # the rollback fails: the connection is closed, not kept
    assert pool.current_size == 1
    assert all(not conn.closed for _, _, conn in pool.free_items)
    with pool.item() as a, pool.item() as b:
        pids = []
        for conn in (a, b):
            cur = conn.cursor()
            cur.execute("select pg_backend_pid()")
            pids.append(cur.fetchone()[0])
    assert victim_pid not in pids
    pool.clear()


def test_postgres_an_idle_killed_connection_is_discarded_after_use(
    pg: Any, pg_params: dict[str, Any]
) -> None:
    pool = db_pool.TpooledConnectionPool(pg, max_size=1, **pg_params)
    with pool.item() as conn:
        cur = conn.cursor()
        cur.execute("select pg_backend_pid()")
        (pid,) = cur.fetchone()
        conn.commit()
    admin = pg.connect(**pg_params)
    try:
        admin_cur = admin.cursor()
        admin_cur.execute("select pg_terminate_backend(%s)", (pid,))
        admin.commit()
    finally:
        admin.close()
    # The pool cannot know: the next user gets the dead connection, and the error.
    with pytest.raises(pg.OperationalError):
        with pool.item() as conn:
            conn.cursor().execute("select 1")
    # ...but it was discarded on its way back, so the one after that works.
    with pool.item() as conn:
        cur = conn.cursor()
        cur.execute("select pg_backend_pid()")
        assert cur.fetchone()[0] != pid
    pool.clear()


def test_postgres_an_open_transaction_is_rolled_back_before_reuse(
    pg: Any, pg_params: dict[str, Any], table_name: str
) -> None:
    pool = db_pool.TpooledConnectionPool(pg, max_size=1, **pg_params)
    with pool.item() as conn:
        cur = conn.cursor()
        cur.execute(f"create table {table_name} (x integer)")
        conn.commit()
    try:
        with pool.item() as conn:
            cur = conn.cursor()
            cur.execute(f"insert into {table_name} values (1)")  # left uncommitted
            assert conn.get_transaction_status() == pg.extensions.TRANSACTION_STATUS_INTRANS
        with pool.item() as conn:
            assert conn.get_transaction_status() == pg.extensions.TRANSACTION_STATUS_IDLE
            cur = conn.cursor()
            cur.execute(f"select count(*) from {table_name}")
            assert cur.fetchone() == (0,)
            conn.rollback()
    finally:
        with pool.item() as conn:
            conn.cursor().execute(f"drop table {table_name}")
            conn.commit()
        pool.clear()


def test_postgres_autocommit_is_set_through_the_wrapper(pg: Any, pg_params: dict[str, Any]) -> None:
    pool = db_pool.TpooledConnectionPool(pg, **pg_params)
    with pool.item() as conn:
        conn.autocommit = True
        assert conn.autocommit is True
        conn.autocommit = False
    pool.clear()


def test_postgres_connect_errors_reach_the_caller(pg: Any, pg_params: dict[str, Any]) -> None:
    pool = db_pool.TpooledConnectionPool(pg, **dict(pg_params, dbname="no_such_database_here"))
    with pytest.raises(pg.OperationalError, match="no_such_database_here"):
        pool.get()
    assert pool.free() == 4


def test_mariadb_queries_overlap(mysql: Any, mysql_params: dict[str, Any]) -> None:
    calls = 10
    pool = db_pool.TpooledConnectionPool(mysql, max_size=calls, **mysql_params)

    def nap(_: int) -> int:
        with pool.item() as conn:
            cursor = conn.cursor()
            cursor.execute("select connection_id(), sleep(%s)", (NAP,))
            return int(cursor.fetchone()[0])

    started = time.monotonic()
    ids = list(GreenPool(calls).imap(nap, range(calls)))
    elapsed = time.monotonic() - started
    pool.clear()
    assert len(set(ids)) == calls
    assert elapsed < calls * NAP / 2, f"{calls} x SLEEP({NAP}) took {elapsed:.2f} s"


def test_mariadb_an_open_transaction_is_rolled_back_before_reuse(
    mysql: Any, mysql_params: dict[str, Any], table_name: str
) -> None:
    pool = db_pool.TpooledConnectionPool(mysql, max_size=1, **mysql_params)
    with pool.item() as conn:
        conn.cursor().execute(f"create table {table_name} (x integer) engine=InnoDB")
    try:
        with pool.item() as conn:
            conn.cursor().execute(f"insert into {table_name} values (1)")  # not committed
        with pool.item() as conn:
            cur = conn.cursor()
            cur.execute(f"select count(*) from {table_name}")
            assert cur.fetchone() == (0,)
    finally:
        with pool.item() as conn:
            conn.cursor().execute(f"drop table {table_name}")
        pool.clear()


def test_mariadb_a_killed_connection_is_discarded(mysql: Any, mysql_params: dict[str, Any]) -> None:
    pool = db_pool.TpooledConnectionPool(mysql, max_size=2, **mysql_params)
    victim = pool.get()
    victim_id = victim.thread_id()
    with pool.item() as killer:
        killer.cursor().execute(f"kill {int(victim_id)}")
    with pytest.raises(mysql.err.OperationalError):
        victim.cursor().execute("select 1")
    victim.close()
    assert pool.current_size == 1
    with pool.item() as conn:
        assert conn.thread_id() != victim_id
        cur = conn.cursor()
        cur.execute("select 1")
        assert cur.fetchone() == (1,)
    pool.clear()


def test_database_connector_keeps_a_pool_per_host_and_database(
    mysql: Any, mysql_params: dict[str, Any]
) -> None:
    credentials = {
        "default": {"user": "nobody", "password": "wrong"},
        "127.0.0.1": {"user": mysql_params["user"], "password": mysql_params["password"]},
    }
    connector = db_pool.DatabaseConnector(mysql, credentials, port=mysql_params["port"])
    assert connector.credentials_for("127.0.0.1") == credentials["127.0.0.1"]
    assert connector.credentials_for("elsewhere") == credentials["default"]
    pool = connector.get("127.0.0.1", "test")
    assert isinstance(pool, db_pool.ConnectionPool)
    assert connector.get("127.0.0.1", "test") is pool
    assert connector.get("127.0.0.1", "mysql") is not pool
    with pool.item() as conn:
        cur = conn.cursor()
        cur.execute("select database()")
        assert cur.fetchone() == ("test",)
    pool.clear()


@pytest.mark.parametrize("keyword", [None, "dbname"])
def test_database_connector_for_psycopg2(pg: Any, keyword: str | None) -> None:
    class PgConnector(db_pool.DatabaseConnector):
        pass

    if keyword is not None:
        PgConnector.database_keyword = keyword  # psycopg2's own name; "database" works too
    connector = PgConnector(
        pg, {"default": {"user": "postgres"}}, db_pool.RawConnectionPool, max_size=1
    )
    pool = connector.get("127.0.0.1", "test")
    assert isinstance(pool, db_pool.RawConnectionPool) and pool.max_size == 1
    with pool.item() as conn:
        cur = conn.cursor()
        cur.execute("select current_database()")
        assert cur.fetchone() == ("test",)
    pool.clear()


def test_both_pools_after_monkey_patch(pg: Any, mysql: Any, run_python: Any) -> None:
    # Patched, psycopg2 waits through the hub of whichever thread runs it (a pool thread's
    # own hub for the tpooled pool) and PyMySQL's sockets are green: both pools overlap.
    code = """
from eventlet.patcher import monkey_patch
monkey_patch()
import time, psycopg2, pymysql
from eventlet import db_pool
from eventlet.greenpool import GreenPool
drivers = [
    (psycopg2, dict(host="127.0.0.1", user="postgres", dbname="test"), "select pg_sleep(%s)"),
    (pymysql, dict(host="127.0.0.1", user="root", password="", database="test"),
     "select sleep(%s)"),
]
for module, params, query in drivers:
    for cls in (db_pool.TpooledConnectionPool, db_pool.RawConnectionPool):
        pool = cls(module, 0, 10, **params)
        def nap(_):
            with pool.item() as conn:
                cursor = conn.cursor()
                cursor.execute(query, (0.5,))
                return cursor.fetchone() is not None
        started = time.monotonic()
        done = list(GreenPool(10).imap(nap, range(10)))
        # Ten 0.5 s queries one after the other would take 5 s.
        print(module.__name__, cls.__name__, all(done), time.monotonic() - started < 2.5)
        pool.clear()
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:4] == [
        "psycopg2 TpooledConnectionPool True True",
        "psycopg2 RawConnectionPool True True",
        "pymysql TpooledConnectionPool True True",
        "pymysql RawConnectionPool True True",
    ]
