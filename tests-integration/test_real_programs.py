"""Real programs that patch, run unchanged against this project on loopback.

Each scenario runs in a fresh interpreter that calls ``eventlet.monkey_patch()`` first, as
such programs do, and prints what it saw as JSON. Overlap is shown by order, not by time: every
one of N slow operations started before the first of them finished, which is impossible
unless the green threads really waited concurrently.

The servers are this machine's own: Redis on 127.0.0.1:6379 (celery's broker, redis-py),
PostgreSQL on 127.0.0.1:5432 (psycopg2). A test that cannot reach one fails and says how to
start it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REDIS = ("127.0.0.1", 6379)
POSTGRES = ("127.0.0.1", 5432)
START_HINTS = {
    REDIS: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    POSTGRES: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
}


def _require_server(address: tuple[str, int]) -> None:
    """Fail (never skip) when a server the test needs is not running."""
    try:
        socket.create_connection(address, timeout=2).close()
    except OSError as exc:
        pytest.fail(f"no server on {address[0]}:{address[1]} ({exc}); start it: {START_HINTS[address]}")


def _run_script(
    source: str,
    *args: str,
    timeout: float = 60,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> dict:
    """Run ``source`` in a fresh interpreter; return the JSON object it prints last."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def _all_overlap(spans: list[list[float]]) -> bool:
    """True when every operation started before any of them ended."""
    return max(start for start, _ in spans) < min(end for _, end in spans)


def test_redis_py_blocking_calls_overlap() -> None:
    _require_server(REDIS)
    report = _run_script(
        """
        import eventlet
        eventlet.monkey_patch()
        import json, os, time, redis

        prefix = f"eventlet-test-{os.getpid()}"
        pool = redis.ConnectionPool(host="127.0.0.1", port=6379)

        def blocking_pop(i):
            client = redis.Redis(connection_pool=pool)
            start = time.monotonic()
            popped = client.blpop(f"{prefix}:{i}", timeout=1)  # nothing there: waits 1 s
            return [start, time.monotonic(), popped]

        def push_and_get(i):
            client = redis.Redis(connection_pool=pool)
            client.rpush(f"{prefix}:value", i)
            return int(client.lpop(f"{prefix}:value"))

        pool_of_threads = eventlet.GreenPool(50)
        spans = list(pool_of_threads.imap(blocking_pop, range(20)))
        values = sorted(pool_of_threads.imap(push_and_get, range(200)))
        print(json.dumps({"spans": [s[:2] for s in spans], "popped": [s[2] for s in spans],
                          "values": values}))
        """
    )
    assert report["popped"] == [None] * 20
    assert report["values"] == list(range(200))
    assert _all_overlap(report["spans"])


def test_requests_and_urllib3_calls_overlap(tmp_path: Path) -> None:
    # A slow HTTP server in its own process (threads, not green): each answer takes 0.5 s.
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import http.server, sys, time
                class Slow(http.server.BaseHTTPRequestHandler):
                    protocol_version = "HTTP/1.1"
                    def do_GET(self):
                        time.sleep(0.5)
                        body = self.path.encode()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *args):
                        pass
                server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
                print(server.server_address[1], flush=True)
                server.serve_forever()
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        report = _run_script(
            """
            import eventlet
            eventlet.monkey_patch()
            import json, sys, time, requests, urllib3

            base = f"http://127.0.0.1:{sys.argv[1]}"
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=20, pool_maxsize=20)
            session.mount("http://", adapter)
            http = urllib3.PoolManager(maxsize=20)

            def with_requests(i):
                start = time.monotonic()
                body = session.get(f"{base}/requests/{i}", timeout=10).text
                return [start, time.monotonic(), body]

            def with_urllib3(i):
                start = time.monotonic()
                body = http.request("GET", f"{base}/urllib3/{i}", timeout=10).data.decode()
                return [start, time.monotonic(), body]

            pool = eventlet.GreenPool(40)
            a = list(pool.imap(with_requests, range(15)))
            b = list(pool.imap(with_urllib3, range(15)))
            print(json.dumps({"requests": a, "urllib3": b}))
            """,
            str(port),
        )
    finally:
        server.kill()
        server.wait()
    for name in ("requests", "urllib3"):
        results = report[name]
        assert [r[2] for r in results] == [f"/{name}/{i}" for i in range(15)]
        assert _all_overlap([r[:2] for r in results]), name


def test_psycopg2_queries_overlap_with_psycopg_patching() -> None:
    _require_server(POSTGRES)
    report = _run_script(
        """
        import eventlet
        eventlet.monkey_patch(psycopg=True)
        import json, time, psycopg2

        def query(i):
            conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test")
            try:
                cur = conn.cursor()
                start = time.monotonic()
                cur.execute("SELECT pg_sleep(0.5), %s", (i,))
                value = cur.fetchone()[1]
                return [start, time.monotonic(), value]
            finally:
                conn.close()

        results = list(eventlet.GreenPool(10).imap(query, range(10)))
        print(json.dumps(results))
        """
    )
    assert [r[2] for r in report] == list(range(10))
    assert _all_overlap([r[:2] for r in report])


CELERY_TASKS = """
import os, time
from celery import Celery

app = Celery("tasks", broker=os.environ["BROKER"], backend=os.environ["BROKER"])
app.conf.worker_hijack_root_logger = False

@app.task
def slow_square(x):
    start = time.time()
    time.sleep(1)  # patched: a green sleep, so the worker runs the others meanwhile
    return [x * x, start, time.time()]
"""


def test_celery_worker_with_the_eventlet_pool_runs_tasks_concurrently(tmp_path: Path) -> None:
    _require_server(REDIS)
    (tmp_path / "tasks.py").write_text(CELERY_TASKS)
    database = 1 + os.getpid() % 15  # a Redis database of its own, emptied before use
    env = dict(os.environ, BROKER=f"redis://127.0.0.1:6379/{database}", PYTHONPATH=str(tmp_path))
    subprocess.run(
        ["redis-cli", "-n", str(database), "flushdb"], check=False, capture_output=True
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tasks",
            "worker",
            "-P",
            "eventlet",
            "-c",
            "20",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        report = _run_script(
            """
            import json
            from tasks import slow_square
            results = [slow_square.delay(i) for i in range(10)]
            print(json.dumps([r.get(timeout=45) for r in results]))
            """,
            cwd=tmp_path,
            env=env,
            timeout=60,
        )
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert [r[0] for r in report] == [i * i for i in range(10)], output
    assert _all_overlap([r[1:] for r in report]), output
    assert worker.returncode is not None
    assert "Traceback" not in output, output
