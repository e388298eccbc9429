"""Real servers run unchanged on this project, on loopback.

- gunicorn 25.3 with ``-k eventlet`` (its eventlet worker checks ``eventlet.__version__``,
  calls ``eventlet.monkey_patch()`` and serves with ``GreenSocket``, ``GreenPool`` and
  ``StopServe``) serving a WSGI app module written into ``tmp_path``;
- python-socketio (``socketio.Server(async_mode="eventlet")`` in ``socketio.WSGIApp``) under
  ``eventlet.wsgi.server``, with websocket and long-polling clients;
- Flask-SocketIO with ``async_mode="eventlet"`` started by ``socketio.run(app, host, port)``.

Every server runs in its own process; the clients run here, in plain OS threads. Overlap is
shown by the order of events the server records (every slow request started before the
first one finished), never by timing. Waiting is on the servers' own output or replies, each
with a deadline, so a broken server fails the test with its output instead of hanging it.
The gunicorn shutdown test reads ``/proc/net/tcp`` (Linux) to see the listener go away.

The tools are test-only: ``pip install gunicorn==25.3.0 python-socketio flask flask-socketio
websocket-client requests``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

HOST = "127.0.0.1"
START_DEADLINE = 20.0  # seconds a server gets to come up (a cold import of Flask is slow)
REPLY_TIMEOUT = 10.0  # seconds any one reply may take


def _need(module: str, requirement: str) -> Any:
    """Import a test tool, failing (never skipping) with the command that installs it."""
    try:
        return __import__(module)
    except ImportError as exc:
        pytest.fail(f"{module} is needed ({exc}); install it: pip install {requirement}")


class _Program:
    """A server program in a subprocess; its output is collected line by line as it comes."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._lines: list[str] = []
        self._ended = False
        self._changed = threading.Condition()
        # Reading in a thread keeps the pipe drained, so a chatty server never blocks on it.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    @property
    def output(self) -> str:
        """Everything the program printed so far (stdout and stderr)."""
        with self._changed:
            return "".join(self._lines)

    def describe(self) -> str:
        """The program's exit status (if any) and the tail of its output, for a failure."""
        status = self.process.poll()
        state = "still running" if status is None else f"exited with {status}"
        output = self.output
        if len(output) > 8000:  # the first failure and the latest lines tell the most
            output = f"{output[:4000]}\n[...]\n{output[-4000:]}"
        return f"server {state}; its output:\n{output}"

    def wait_for(self, pattern: str, timeout: float = START_DEADLINE) -> re.Match[str]:
        """Wait until a line of output matches ``pattern``; fail if it never comes."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        checked = 0
        with self._changed:
            while True:
                for line in self._lines[checked:]:
                    match = regex.search(line)
                    if match:
                        return match
                checked = len(self._lines)
                remaining = deadline - time.monotonic()
                if self._ended or remaining <= 0:
                    break
                self._changed.wait(remaining)
        pytest.fail(f"no output line matched {pattern!r} within {timeout} s; {self.describe()}")

    def exit_status(self, timeout: float) -> int:
        """Wait for the program to exit on its own and return its status."""
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the server did not exit within {timeout} s; {self.describe()}")
        self._reader.join(timeout=5)
        return status

    def stop(self) -> None:
        """End the program if it still runs (SIGTERM, then SIGKILL) and reap it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)


@contextlib.contextmanager
def _running(argv: list[str], cwd: Path, **env: str) -> Iterator[_Program]:
    program = _Program(argv, cwd, dict(os.environ, PYTHONUNBUFFERED="1", **env))
    try:
        yield program
    finally:
        program.stop()


def _free_port() -> int:
    """A port nobody listens on now (for a program that must be given its port)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(port: int, program: _Program) -> None:
    """Wait until ``port`` accepts connections; fail with the program's output if it never does.

    The program cannot say when it listens (``socketio.run`` blocks), so this asks the port.
    """
    deadline = time.monotonic() + START_DEADLINE
    while True:
        try:
            socket.create_connection((HOST, port), timeout=REPLY_TIMEOUT).close()
            return
        except ConnectionRefusedError:
            if program.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"nothing listens on {HOST}:{port}; {program.describe()}")
            time.sleep(0.05)


def _get(port: int, path: str) -> tuple[int, str]:
    """One GET on a fresh connection: (status, body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REPLY_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def _no_tracebacks(program: _Program) -> None:
    assert "Traceback" not in program.output, program.describe()


# -- gunicorn -k eventlet ---------------------------------------------------------------------

WSGI_APP = '''
"""The WSGI app gunicorn serves: /slow/<name> and /hold/<name> record when they start and end."""
import json
import os
import time

from eventlet import patcher

EVENTS = os.environ["APP_EVENTS"]
RELEASE = os.environ["APP_RELEASE"]


def record(line):
    descriptor = os.open(EVENTS, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(descriptor, (line + "\\n").encode())
    finally:
        os.close(descriptor)


def application(environ, start_response):
    path = environ["PATH_INFO"]
    kind, _, name = path.strip("/").partition("/")
    if kind == "slow":
        record(f"start {name}")
        time.sleep(0.5)  # the worker patched time: a green sleep
        record(f"end {name}")
    elif kind == "hold":  # held until the test creates the release file (10 s at most)
        record(f"start {name}")
        deadline = time.monotonic() + 10
        while not os.path.exists(RELEASE) and time.monotonic() < deadline:
            time.sleep(0.02)
        record(f"end {name}")
    elif kind == "info":
        name = json.dumps({
            "time": patcher.is_monkey_patched("time"),
            "socket": patcher.is_monkey_patched("socket"),
            "pid": os.getpid(),
        })
    body = f"{name} {environ['REMOTE_PORT']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''


class _Gunicorn:
    """A gunicorn master with one eventlet worker, and the app's event log."""

    def __init__(self, program: _Program, port: int, events: Path, release: Path) -> None:
        self.program = program
        self.port = port
        self.events = events
        self.release = release

    def recorded(self) -> list[str]:
        """The app's events so far, in the order they happened."""
        if not self.events.exists():
            return []
        return self.events.read_text().splitlines()


@contextlib.contextmanager
def _gunicorn(tmp_path: Path) -> Iterator[_Gunicorn]:
    _need("gunicorn", "gunicorn==25.3.0")
    (tmp_path / "app.py").write_text(WSGI_APP)
    events, release = tmp_path / "events.log", tmp_path / "release"
    argv = [
        sys.executable, "-m", "gunicorn",
        "-k", "eventlet", "-w", "1", "--worker-connections", "100",
        "-b", f"{HOST}:0",
        "--keep-alive", "5",
        "--graceful-timeout", "20",
        "--no-control-socket",  # 25.x: else every run shares ~/.gunicorn/gunicorn.ctl
        "--chdir", str(tmp_path),
        "app:application",
    ]  # fmt: skip
    with _running(argv, tmp_path, APP_EVENTS=str(events), APP_RELEASE=str(release)) as program:
        port = int(program.wait_for(r"Listening at: http://127\.0\.0\.1:(\d+)").group(1))
        program.wait_for(r"Booting worker with pid")
        _wait_until_serving(program, port)
        yield _Gunicorn(program, port, events, release)


def _wait_until_serving(program: _Program, port: int) -> None:
    """Wait for the worker's first reply; fail at once if the worker crashed instead.

    The master listens already, so a request waits in the backlog until a worker takes it;
    a worker that fails to start is replaced forever, so its traceback is the signal.
    """
    deadline = time.monotonic() + START_DEADLINE
    while "Exception in worker process" not in program.output:
        connection = http.client.HTTPConnection(HOST, port, timeout=1)
        try:
            connection.request("GET", "/ready")
            status = connection.getresponse().status
        except TimeoutError:
            if time.monotonic() > deadline:
                break
            continue
        finally:
            connection.close()
        assert status == 200, program.describe()
        return
    pytest.fail(f"the eventlet worker does not serve; {program.describe()}")


def _listening(port: int) -> bool:
    """Whether a TCP socket listens on ``port`` of 127.0.0.1, as Linux reports it."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as table:
        next(table)  # the header
        for row in table:
            fields = row.split()
            if fields[1] == wanted and fields[3] == "0A":  # 0A: LISTEN
                return True
    return False


def _all_started_before_any_ended(events: list[str], names: list[str]) -> bool:
    """True when the first events are the starts of every named request, in any order."""
    return sorted(events[: len(names)]) == sorted(f"start {name}" for name in names)


def _concurrent_gets(port: int, paths: list[str]) -> list[tuple[int, str]]:
    """GET every path at once, each from its own thread and connection."""
    barrier = threading.Barrier(len(paths))

    def fetch(path: str) -> tuple[int, str]:
        barrier.wait(timeout=REPLY_TIMEOUT)  # all clients set off together
        return _get(port, path)

    with ThreadPoolExecutor(len(paths)) as executor:
        return list(executor.map(fetch, paths))


def test_gunicorn_eventlet_worker_overlaps_slow_requests(tmp_path: Path) -> None:
    with _gunicorn(tmp_path) as server:
        status, body = _get(server.port, "/info")
        assert status == 200, server.program.describe()
        info = json.loads(body.rpartition(" ")[0])
        assert info["time"] and info["socket"], info  # gunicorn's worker monkey-patched

        names = [str(i) for i in range(10)]
        replies = _concurrent_gets(server.port, [f"/slow/{name}" for name in names])
        assert [status for status, _ in replies] == [200] * 10, server.program.describe()
        assert [body.split()[0] for _, body in replies] == names
        events = server.recorded()
        assert len(events) == 20, events
        # One worker, ten requests sleeping 0.5 s each: all ten began before any finished.
        assert _all_started_before_any_ended(events, names), events
    _no_tracebacks(server.program)


def test_gunicorn_eventlet_worker_keeps_connections_alive(tmp_path: Path) -> None:
    with _gunicorn(tmp_path) as server:
        connection = http.client.HTTPConnection(HOST, server.port, timeout=REPLY_TIMEOUT)
        try:
            peers = []
            for name in ("first", "second"):
                connection.request("GET", f"/plain/{name}")
                response = connection.getresponse()
                body = response.read().decode()
                assert response.status == 200, server.program.describe()
                assert response.getheader("Connection", "").lower() != "close"
                answered, port = body.split()
                assert answered == name
                peers.append(int(port))
            assert connection.sock is not None
            local_port = connection.sock.getsockname()[1]
        finally:
            connection.close()
        # Both requests came over the one connection the client opened.
        assert peers == [local_port, local_port]
    _no_tracebacks(server.program)


def test_gunicorn_sigterm_lets_in_flight_requests_finish(tmp_path: Path) -> None:
    with _gunicorn(tmp_path) as server:
        names = [str(i) for i in range(5)]
        with ThreadPoolExecutor(len(names)) as executor:
            futures = [executor.submit(_get, server.port, f"/hold/{n}") for n in names]
            deadline = time.monotonic() + START_DEADLINE
            while len(server.recorded()) < len(names):  # every request is in the app
                assert time.monotonic() < deadline, (server.recorded(), server.program.describe())
                time.sleep(0.02)
            assert _listening(server.port)  # (the probe below sees the listener)
            server.program.process.send_signal(signal.SIGTERM)
            server.program.wait_for(r"Handling signal: term")
            # The worker has begun its graceful shutdown once nothing listens on the port
            # (master and worker both closed the listener); only then may the requests end.
            # Asked of the kernel, not by connecting: a connection accepted in the last
            # instant would meet gunicorn's closed listener (a gunicorn race, not ours).
            deadline = time.monotonic() + START_DEADLINE
            while _listening(server.port):
                assert time.monotonic() < deadline, server.program.describe()
                time.sleep(0.02)
            server.release.touch()
            replies = [future.result(timeout=REPLY_TIMEOUT * 2) for future in futures]
        assert [status for status, _ in replies] == [200] * 5, server.program.describe()
        assert [body.split()[0] for _, body in replies] == names
        assert server.program.exit_status(timeout=30) == 0, server.program.describe()
        assert sorted(server.recorded()) == sorted(
            [f"start {n}" for n in names] + [f"end {n}" for n in names]
        )
    _no_tracebacks(server.program)


# -- python-socketio under eventlet.wsgi.server -------------------------------------------------

SOCKETIO_SERVER = """
import eventlet

eventlet.monkey_patch()

import time

import socketio
from eventlet import wsgi

sio = socketio.Server(async_mode="eventlet")
app = socketio.WSGIApp(sio)
events = []


@sio.on("echo")
def echo(sid, data):
    return data


@sio.on("shout")
def shout(sid, data):
    sio.emit("reply", data, to=sid)


@sio.on("transport")
def transport(sid):
    return sio.transport(sid)


@sio.on("slow")
def slow(sid, name):
    events.append(f"start {name}")
    time.sleep(0.5)  # patched: the other clients' handlers run meanwhile
    events.append(f"end {name}")
    return name


@sio.on("events")
def recorded(sid):
    return events


@sio.on("join")
def join(sid, room):
    sio.enter_room(sid, room)
    return sorted(r for r in sio.rooms(sid) if r != sid)


@sio.on("announce")
def announce(sid, data):
    sio.emit("news", data["text"], room=data["room"])
    sio.emit("done", data["text"])  # to everyone, after the news
    return "sent"


listener = eventlet.listen(("127.0.0.1", 0))
print("PORT", listener.getsockname()[1], flush=True)
wsgi.server(listener, app, log_output=False)
"""


@contextlib.contextmanager
def _socketio_server(tmp_path: Path) -> Iterator[str]:
    _need("socketio", "python-socketio")
    _need("websocket", "websocket-client")
    _need("requests", "requests")
    script = tmp_path / "socketio_server.py"
    script.write_text(textwrap.dedent(SOCKETIO_SERVER))
    with _running([sys.executable, str(script)], tmp_path) as program:
        port = int(program.wait_for(r"^PORT (\d+)$").group(1))
        yield f"http://{HOST}:{port}"
        assert program.process.poll() is None, program.describe()
    _no_tracebacks(program)


@contextlib.contextmanager
def _clients(url: str, transports: list[str]) -> Iterator[list[Any]]:
    """One connected ``socketio.SimpleClient`` per entry of ``transports``."""
    socketio = _need("socketio", "python-socketio")
    clients = []
    try:
        for transport in transports:
            client = socketio.SimpleClient()
            client.connect(url, transports=[transport], wait_timeout=REPLY_TIMEOUT)
            clients.append(client)
        yield clients
    finally:
        for client in clients:
            client.disconnect()


def _exchange(client: Any, transport: str) -> None:
    """What every client checks: its transport, an ack, a pushed reply, a big payload."""
    assert client.transport == transport
    assert client.call("transport", timeout=REPLY_TIMEOUT) == transport  # as the server sees it
    payload = {"n": 1, "text": "héllo", "list": [1, 2.5, None, True]}
    assert client.call("echo", payload, timeout=REPLY_TIMEOUT) == payload
    client.emit("shout", ["a", 1])
    assert client.receive(timeout=REPLY_TIMEOUT) == ["reply", ["a", 1]]
    big = "x" * 200_000  # many TCP segments; several websocket frames' worth
    assert client.call("echo", big, timeout=REPLY_TIMEOUT) == big


def test_socketio_websocket_client_emits_and_gets_acks(tmp_path: Path) -> None:
    with _socketio_server(tmp_path) as url, _clients(url, ["websocket"]) as (client,):
        _exchange(client, "websocket")


def test_socketio_long_polling_client_emits_and_gets_acks(tmp_path: Path) -> None:
    with _socketio_server(tmp_path) as url, _clients(url, ["polling"]) as (client,):
        _exchange(client, "polling")


def test_socketio_serves_several_clients_at_once(tmp_path: Path) -> None:
    transports = ["websocket", "polling"] * 3
    with _socketio_server(tmp_path) as url, _clients(url, transports) as clients:
        names = [f"{t}-{i}" for i, t in enumerate(transports)]
        barrier = threading.Barrier(len(clients))

        def slow(client: Any, name: str) -> str:
            barrier.wait(timeout=REPLY_TIMEOUT)
            return str(client.call("slow", name, timeout=REPLY_TIMEOUT))

        with ThreadPoolExecutor(len(clients)) as executor:
            answers = list(executor.map(slow, clients, names))
        assert answers == names
        events = clients[0].call("events", timeout=REPLY_TIMEOUT)
        assert len(events) == 2 * len(names), events
        assert _all_started_before_any_ended(events, names), events


def test_socketio_server_pushes_to_a_room(tmp_path: Path) -> None:
    transports = ["websocket", "polling", "websocket", "polling", "websocket", "polling"]
    with _socketio_server(tmp_path) as url, _clients(url, transports) as clients:
        members, others = clients[:4], clients[4:]
        for client in members:
            assert client.call("join", "room-a", timeout=REPLY_TIMEOUT) == ["room-a"]
        sender = others[-1]  # not in the room itself
        announced = sender.call("announce", {"room": "room-a", "text": "hi"}, timeout=REPLY_TIMEOUT)
        assert announced == "sent"
        for client in members:
            assert client.receive(timeout=REPLY_TIMEOUT) == ["news", "hi"]
            assert client.receive(timeout=REPLY_TIMEOUT) == ["done", "hi"]
        for client in others:  # "done" came to everyone; "news" to the room only
            assert client.receive(timeout=REPLY_TIMEOUT) == ["done", "hi"]


# -- Flask-SocketIO ------------------------------------------------------------------------------

FLASK_SOCKETIO_SERVER = """
import signal

# Ctrl-C raises KeyboardInterrupt, as in a terminal, even when started from a background job
# (which would inherit SIGINT ignored).
signal.signal(signal.SIGINT, signal.default_int_handler)

import eventlet

eventlet.monkey_patch()

import sys

from flask import Flask, request
from flask_socketio import SocketIO, emit

app = Flask(__name__)
socketio = SocketIO(app, async_mode="eventlet")


@app.route("/")
def index():
    return "flask here"


@socketio.on("transport")
def transport():
    return socketio.server.transport(request.sid)


@socketio.on("chat")
def chat(text):
    emit("chat", {"text": text, "from": socketio.server.transport(request.sid)}, broadcast=True)
    return "delivered"


socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_output=False)
print("run() returned", flush=True)
"""


@contextlib.contextmanager
def _flask_socketio_server(tmp_path: Path) -> Iterator[tuple[_Program, int]]:
    _need("flask", "flask")
    _need("flask_socketio", "flask-socketio")
    _need("socketio", "python-socketio")
    _need("websocket", "websocket-client")
    script = tmp_path / "flask_server.py"
    script.write_text(textwrap.dedent(FLASK_SOCKETIO_SERVER))
    port = _free_port()
    with _running([sys.executable, str(script), str(port)], tmp_path) as program:
        _wait_until_listening(port, program)
        assert _get(port, "/") == (200, "flask here"), program.describe()
        yield program, port


def test_flask_socketio_websocket_and_polling_clients_exchange_events(tmp_path: Path) -> None:
    with _flask_socketio_server(tmp_path) as (program, port):
        url = f"http://{HOST}:{port}"
        with _clients(url, ["websocket", "polling"]) as (ws, polling):
            assert ws.call("transport", timeout=REPLY_TIMEOUT) == "websocket"
            assert polling.call("transport", timeout=REPLY_TIMEOUT) == "polling"
            for sender, text in ((ws, "from websocket"), (polling, "from polling")):
                assert sender.call("chat", text, timeout=REPLY_TIMEOUT) == "delivered"
                kind = "websocket" if sender is ws else "polling"
                expected = ["chat", {"text": text, "from": kind}]
                # broadcast: the sender hears itself, and the other client hears it too
                assert ws.receive(timeout=REPLY_TIMEOUT) == expected
                assert polling.receive(timeout=REPLY_TIMEOUT) == expected
        assert program.process.poll() is None, program.describe()
    _no_tracebacks(program)


def test_flask_socketio_server_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    # The server has answered a request and sits idle, as when a developer presses Ctrl-C.
    # (No Socket.IO client here: engineio joins its websocket writer task, so an interrupt
    # that lands while that task runs reaches the main greenlet twice, upstream as here.)
    with _flask_socketio_server(tmp_path) as (program, port):
        # One more request on a connection kept open until the end: the server has finished
        # the fixture's connection before it answers this one, so SIGINT finds it waiting,
        # not in the finalizer of a collected socket (where the interpreter can drop one).
        conn = http.client.HTTPConnection(HOST, port, timeout=REPLY_TIMEOUT)
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"flask here", program.describe()
        program.process.send_signal(signal.SIGINT)
        # eventlet.wsgi.server ends on KeyboardInterrupt ("wsgi exiting"), so socketio.run()
        # returns and the program goes on to exit normally.
        assert program.exit_status(timeout=REPLY_TIMEOUT) == 0, program.describe()
        assert "run() returned" in program.output, program.describe()
        conn.close()
    _no_tracebacks(program)


def test_patched_flask_program_exits_silently(tmp_path: Path) -> None:
    # A patched program that imports Flask (whose module-level log handler is collected at
    # interpreter exit, taking logging's lock from a finalizer) ends without a word on stderr.
    _need("flask", "flask")
    source = "import eventlet\neventlet.monkey_patch()\nimport flask\nprint('done')\n"
    result = subprocess.run(
        [sys.executable, "-c", source],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=START_DEADLINE,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "done\n", "")
