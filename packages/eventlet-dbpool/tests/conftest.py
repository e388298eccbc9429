"""Fixtures shared by the eventlet-dbpool tests: a fresh hub, the database servers.

The servers are the ones running on this machine; a test that needs one that is down fails
with a message saying how to start it (it is never skipped).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eventlet import hubs

PG_START = "pg_ctlcluster --skip-systemctl-redirect 15 main start"
MARIADB_START = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"


@pytest.fixture(autouse=True)
def fresh_hub() -> Iterator[None]:
    """A new hub for each test."""
    hubs.use_hub()
    yield
    hubs.use_hub()


@pytest.fixture
def pg() -> Any:
    """The psycopg2 module, once the PostgreSQL server on 127.0.0.1:5432 has answered."""
    import psycopg2

    try:
        psycopg2.connect(**PG_PARAMS, connect_timeout=5).close()
    except psycopg2.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable on 127.0.0.1:5432 ({error}); start it with: {PG_START}"
        )
    return psycopg2


@pytest.fixture
def mysql() -> Any:
    """The PyMySQL module, once the MariaDB server on 127.0.0.1:3306 has answered."""
    import pymysql

    try:
        pymysql.connect(**MYSQL_PARAMS, connect_timeout=5).close()
    except pymysql.err.OperationalError as error:
        pytest.fail(
            f"MariaDB is not reachable on 127.0.0.1:3306 ({error}); start it with: {MARIADB_START}"
        )
    return pymysql


PG_PARAMS: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 5432,
    "user": "postgres",
    "dbname": "test",
}
MYSQL_PARAMS: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 3306,
    "user": "root",
    "password": "",
    "database": "test",
}


@pytest.fixture
def pg_params() -> dict[str, Any]:
    """psycopg2.connect() arguments for the test database."""
    return dict(PG_PARAMS)


@pytest.fixture
def mysql_params() -> dict[str, Any]:
    """pymysql.connect() arguments for the test database."""
    return dict(MYSQL_PARAMS)


@pytest.fixture
def table_name() -> str:
    """A table name no other test run uses (runs may share a server)."""
    return f"dbpool_{uuid.uuid4().hex[:12]}"


def _portion_root(module: str) -> Path:
    """The folder holding the portion of ``eventlet`` that ships ``module`` (src/ or site)."""
    path = Path(str(__import__(module, fromlist=["_"]).__file__)).resolve()
    # eventlet/<module>.py, or eventlet/<package>/__init__.py
    return path.parents[2] if path.name == "__init__.py" else path.parents[1]


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -c code`` in a fresh interpreter that sees the installed eventlet portions."""
    modules = ("eventlet.hubs", "eventlet.semaphore", "eventlet.green", "eventlet.patcher")
    roots = {str(_portion_root(m)) for m in (*modules, "eventlet.tpool", "eventlet.db_pool")}

    def run(code: str, timeout: float = 60) -> Any:
        environ = dict(os.environ)
        for name in ("EVENTLET_HUB", "EVENTLET_THREADPOOL_SIZE"):
            environ.pop(name, None)
        path = environ.get("PYTHONPATH")
        environ["PYTHONPATH"] = os.pathsep.join(sorted(roots) + ([path] if path else []))
        return subprocess.run(
            [sys.executable, "-c", code],
            env=environ,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
