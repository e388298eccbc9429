"""eventlet.green.MySQLdb: connections whose blocking calls run in a worker OS thread.

mysqlclient cannot be built here (no client headers), so PyMySQL stands in for it:
``pymysql.install_as_MySQLdb()`` makes ``import MySQLdb`` give PyMySQL, exactly as programs
that lack mysqlclient do. The server is the real MariaDB running on this machine
(127.0.0.1:3306, user root, no password, database ``test``); when it is not reachable the
tests fail and say how to start it.
"""

from __future__ import annotations

import importlib
import socket
import sys
import threading
import uuid

import pytest

from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it
SERVER = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": "", "database": "test"}
START_HINT = (
    "MariaDB is not reachable on 127.0.0.1:3306; start it with "
    "`start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`"
)


def _reachable() -> bool:
    try:
        socket.create_connection((SERVER["host"], SERVER["port"]), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture
def green_mysqldb(monkeypatch, hub):
    """eventlet.green.MySQLdb, imported afresh over PyMySQL standing in for mysqlclient."""
    try:
        import pymysql
    except ImportError:
        pytest.fail("PyMySQL is needed to test eventlet.green.MySQLdb: pip install PyMySQL")
    monkeypatch.setitem(sys.modules, "MySQLdb", pymysql)
    monkeypatch.delitem(sys.modules, "eventlet.green.MySQLdb", raising=False)
    module = importlib.import_module("eventlet.green.MySQLdb")
    yield module
    sys.modules.pop("eventlet.green.MySQLdb", None)


@pytest.fixture
def server_up():
    """Fail (not skip) when the MariaDB server is not running."""
    if not _reachable():
        pytest.fail(START_HINT)


def test_import_without_mysqldb_says_it_is_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "MySQLdb", None)  # as if mysqlclient were absent
    monkeypatch.delitem(sys.modules, "eventlet.green.MySQLdb", raising=False)
    with pytest.raises(ImportError, match=r"MySQLdb \(mysqlclient\) is not installed"):
        importlib.import_module("eventlet.green.MySQLdb")
    assert "eventlet.green.MySQLdb" not in sys.modules


def test_import_without_mysqldb_in_a_fresh_interpreter(run_python):
    code = (
        "import sys\n"
        "sys.modules['MySQLdb'] = None  # absent, even where mysqlclient is installed\n"
        "try:\n"
        "    import eventlet.green.MySQLdb\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert "MySQLdb (mysqlclient) is not installed" in result.stdout


def test_module_keeps_the_real_names(green_mysqldb):
    import pymysql

    assert green_mysqldb.__patched__ == ["connect", "Connect", "Connection"]
    assert green_mysqldb.OperationalError is pymysql.OperationalError
    assert green_mysqldb.paramstyle == pymysql.paramstyle
    assert green_mysqldb.connect is not pymysql.connect
    assert green_mysqldb.Connect is green_mysqldb.connect
    assert "connect" in green_mysqldb.__all__


def test_queries_commit_and_cursor_attributes(green_mysqldb, server_up):
    with Timeout(GUARD):
        conn = green_mysqldb.connect(**SERVER)
        assert isinstance(conn, green_mysqldb.Connection)
        try:
            cur = conn.cursor()
            assert cur.connection is conn
            cur.execute("CREATE TEMPORARY TABLE greeting (id INT PRIMARY KEY, word VARCHAR(20))")
            cur.executemany(
                "INSERT INTO greeting VALUES (%s, %s)", [(1, "hello"), (2, "green"), (3, "world")]
            )
            assert cur.rowcount == 3
            conn.commit()
            cur.arraysize = 2
            assert cur.wrapped.arraysize == 2
            cur.execute("SELECT id, word FROM greeting ORDER BY id")
            assert [d[0] for d in cur.description] == ["id", "word"]
            assert cur.fetchone() == (1, "hello")
            assert cur.fetchmany() == ((2, "green"), (3, "world"))
            assert cur.fetchall() == ()
            cur.execute("SELECT word FROM greeting WHERE id > %s ORDER BY id", (1,))
            assert [row for row in cur] == [("green",), ("world",)]
            conn.ping()  # a method reached through the wrapper, run in a worker thread
            with pytest.raises(green_mysqldb.ProgrammingError):
                cur.execute("SELECT * FROM no_such_table_here")
            cur.close()
            with conn.cursor() as second:
                second.execute("SELECT 6 * 7")
                assert second.fetchone() == (42,)
        finally:
            conn.close()


def test_connect_error_is_raised_in_the_caller(green_mysqldb, server_up):
    with Timeout(GUARD):
        with pytest.raises(green_mysqldb.OperationalError):
            green_mysqldb.connect(**{**SERVER, "user": "no_such_user_here", "password": "x"})


def test_two_slow_queries_are_in_flight_while_a_third_green_thread_runs(
    green_mysqldb, server_up
):
    """Two `SELECT SLEEP(...)` run at once, and the hub keeps running meanwhile.

    A third green thread, on a connection of its own, watches the server's process list
    until both queries are there together, then cuts them short with KILL QUERY (MariaDB then
    fails them with error 1317): no timing, just order. Had a query blocked the OS thread, the
    watcher could not have run.
    """
    events: list[str] = []
    connections = []
    # Only this run's queries: other test runs may share the server.
    run = uuid.uuid4().hex

    def slow_query(name):
        conn = green_mysqldb.connect(**SERVER)
        connections.append(conn)
        cur = conn.cursor()
        events.append(f"{name} started")
        try:
            cur.execute(f"SELECT SLEEP(8) AS `{name}_{run}`")
        except green_mysqldb.OperationalError as error:
            assert error.args[0] == 1317, error  # "Query execution was interrupted": KILL QUERY
        events.append(f"{name} done")
        return conn.thread_id(), threading.get_ident()

    def watcher():
        conn = green_mysqldb.connect(**SERVER)
        try:
            cur = conn.cursor()
            while True:
                cur.execute(
                    "SELECT id FROM information_schema.processlist "
                    f"WHERE info LIKE 'SELECT SLEEP(8) AS `q_\\_{run}`' ORDER BY id"
                )
                ids = [row[0] for row in cur.fetchall()]
                if len(ids) == 2:
                    break
                sleep(0.02)
            events.append("watcher saw both queries running")
            for thread_id in ids:
                cur.execute(f"KILL QUERY {int(thread_id)}")
            return ids
        finally:
            conn.close()

    with Timeout(GUARD):
        queries = [spawn(slow_query, "q1"), spawn(slow_query, "q2")]
        watching = spawn(watcher)
        killed = watching.wait()
        results = [q.wait() for q in queries]
    for conn in connections:
        conn.close()

    assert sorted(killed) == sorted(thread_id for thread_id, _ in results)
    assert {ident for _, ident in results} == {threading.get_ident()}
    saw = events.index("watcher saw both queries running")
    assert {"q1 started", "q2 started"} == set(events[:saw])
    assert {"q1 done", "q2 done"} == set(events[saw + 1 :])


def test_one_connection_shared_by_green_threads_runs_calls_one_at_a_time(
    green_mysqldb, server_up
):
    conn = green_mysqldb.connect(**SERVER)
    try:

        def ask(n):
            cur = conn.cursor()
            cur.execute("SELECT %s + 0, SLEEP(0.05)", (n,))
            return cur.fetchone()[0]

        with Timeout(GUARD):
            askers = [spawn(ask, n) for n in range(5)]
            assert [a.wait() for a in askers] == [0, 1, 2, 3, 4]
    finally:
        conn.close()
