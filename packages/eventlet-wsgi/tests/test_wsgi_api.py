"""The eventlet.wsgi API in-process: argument checks, Server/shutdown, kill, constants,
the body reader, Unix sockets, docstrings, a quiet import."""

from __future__ import annotations

import inspect
import io
import os
import subprocess
import sys

import pytest
from greenlet import GreenletExit

from eventlet import wsgi
from eventlet._http11 import RequestParser
from eventlet._wsgi_input import Input
from eventlet.convenience import connect, listen
from eventlet.event import Event
from eventlet.green import socket as green_socket
from eventlet.greenthread import kill, spawn


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def fetch(address, request: bytes) -> bytes:
    family = green_socket.AF_UNIX if isinstance(address, str) else green_socket.AF_INET
    sock = connect(address, family=family)
    try:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)
    finally:
        sock.close()


def start(app=hello, **options):
    sock = listen(("127.0.0.1", 0))
    event = Event()
    options.setdefault("log_output", False)
    thread = spawn(wsgi.server, sock, app, server_event=event, **options)
    server = event.wait()
    return thread, server, sock.getsockname()


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"keepalive": -1}, ValueError, "keepalive"),
        ({"max_http_version": "HTTP/2"}, ValueError, "max_http_version"),
        ({"url_length_limit": 0}, ValueError, "url_length_limit"),
        ({"socket_timeout": 0}, ValueError, "socket_timeout"),
        ({"minimum_chunk_size": -5}, ValueError, "minimum_chunk_size"),
        ({"max_size": 0}, ValueError, "max_size"),
        ({"environ": [("a", "b")]}, TypeError, "environ"),
        ({"log": 42}, TypeError, "log"),
    ],
)
def test_bad_arguments_are_refused(options, error, words) -> None:
    sock = listen(("127.0.0.1", 0))
    try:
        with pytest.raises(error, match=words):
            wsgi.server(sock, hello, **options)
    finally:
        sock.close()


def test_bad_site_and_socket() -> None:
    sock = listen(("127.0.0.1", 0))
    try:
        with pytest.raises(TypeError, match="callable"):
            wsgi.server(sock, "not an app")
    finally:
        sock.close()
    with pytest.raises(TypeError, match="listening socket"):
        wsgi.server("not a socket", hello)


def test_shutdown_returns_server() -> None:
    thread, server, address = start()
    assert isinstance(server, wsgi.Server)
    assert fetch(address, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").endswith(b"hello")
    idle = connect(address)
    idle.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert idle.recv(65536).endswith(b"hello")
    server.shutdown(timeout=5)
    assert thread.dead
    assert idle.recv(100) == b""  # the idle keep-alive connection was closed
    idle.close()
    with pytest.raises(ConnectionRefusedError):
        connect(address)
    server.shutdown()  # a second time does nothing


def test_kill_closes_idle_connections_and_returns() -> None:
    thread, server, address = start()
    idle = connect(address)
    idle.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert idle.recv(65536).endswith(b"hello")
    kill(thread)  # returns once the server waits for its connections to close
    try:
        thread.wait()
    except GreenletExit:
        pass
    assert thread.dead
    assert idle.recv(100) == b""
    idle.close()


def test_set_idle_lets_shutdown_close_long_requests() -> None:
    taken = Event()

    def long_lived(environ, start_response):
        sock = environ["eventlet.input"].get_socket()
        environ["eventlet.set_idle"]()
        taken.send(True)
        assert sock.recv(100) == b""  # the shutdown closes it
        return wsgi.ALREADY_HANDLED

    thread, server, address = start(long_lived)
    client = connect(address)
    client.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    taken.wait()
    server.shutdown(timeout=5)
    assert client.recv(100) == b""
    client.close()


def test_start_response_misuse_gets_500() -> None:
    def twice(environ, start_response):
        start_response("200 OK", [])
        start_response("200 OK", [])
        return [b"no"]

    def never(environ, start_response):
        return [b"no"]

    for app in (twice, never):
        thread, server, address = start(app, debug=False, log=io.StringIO(), log_output=True)
        response = fetch(address, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        assert response.startswith(b"HTTP/1.1 500 "), response
        assert b"Connection: close" in response
        server.shutdown(0)


def test_exc_info_replaces_the_response() -> None:
    def app(environ, start_response):
        start_response("200 OK", [("X-First", "1")])
        try:
            raise ValueError("boom")
        except ValueError:
            start_response("503 Unavailable", [("X-Second", "2")], sys.exc_info())
        return [b"replaced"]

    thread, server, address = start(app)
    response = fetch(address, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 503 Unavailable\r\n")
    assert b"X-Second: 2" in response and b"X-First" not in response
    server.shutdown(0)


def test_minimum_chunk_size_gathers_small_pieces() -> None:
    def app(environ, start_response):
        start_response("200 OK", [])
        return iter([b"a"] * 10 + [b"b" * 20])

    thread, server, address = start(app, minimum_chunk_size=8)
    response = fetch(address, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    body = response.partition(b"\r\n\r\n")[2]
    assert body == b"8\r\naaaaaaaa\r\n16\r\naa" + b"b" * 20 + b"\r\n0\r\n\r\n"
    server.shutdown(0)


def test_environ_option_and_capitalize() -> None:
    def app(environ, start_response):
        start_response("200 OK", [("x-lower-case", environ["my.key"])])
        return [b""]

    thread, server, address = start(app, environ={"my.key": "value"}, capitalize_response_headers=False)
    response = fetch(address, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert b"\r\nx-lower-case: value\r\n" in response
    server.shutdown(0)


def test_unix_socket(tmp_path) -> None:
    path = str(tmp_path / "wsgi.sock")
    sock = listen(path, family=green_socket.AF_UNIX)
    event = Event()

    def app(environ, start_response):
        start_response("200 OK", [])
        return [repr((environ["REMOTE_ADDR"], environ["SERVER_NAME"])).encode()]

    spawn(wsgi.server, sock, app, server_event=event, log_output=False)
    server = event.wait()
    response = fetch(path, b"GET / HTTP/1.0\r\n\r\n")
    assert response.endswith(repr(("", path)).encode())
    server.shutdown(0)


def test_input_reader_without_a_socket() -> None:
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\nab\ncd\nefghij\nklmnop\nGET")
    request = parser.next_request()
    body = Input(parser, None, None, request.expect_continue)
    assert body.readline(1) == b"a"
    assert body.readline() == b"b\n"
    assert body.read(2) == b"cd"
    assert body.readline(3) == b"\n"
    assert body.readlines(2) == [b"efghij\n"]
    assert list(body) == [b"klmnop\n"]
    assert body.read() == b"" and body.readline() == b""
    assert parser.next_request() is None  # the next request's bytes were left alone
    assert parser.buffered == 3


def test_constants() -> None:
    assert wsgi.ALREADY_HANDLED is not None
    assert wsgi.MAX_HEADER_LINE == 8192
    assert (wsgi.STATE_IDLE, wsgi.STATE_REQUEST, wsgi.STATE_CLOSE) == ("idle", "request", "close")
    assert {32, 104, 108} <= set(wsgi.BROKEN_SOCK) or len(wsgi.BROKEN_SOCK) == 3
    wsgi.WSGI_LOCAL.value = 1
    assert wsgi.format_date_time(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"


def test_public_names_have_docstrings_and_annotations() -> None:
    for name in wsgi.__all__:
        obj = getattr(wsgi, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, name
        if inspect.isfunction(obj):
            assert "return" in obj.__annotations__, name
    from eventlet import _http11

    for name in _http11.__all__:
        obj = getattr(_http11, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, name
    for cls in (wsgi.HttpProtocol, wsgi.Server, wsgi.Input, _http11.RequestParser):
        for attr, value in vars(cls).items():
            if not attr.startswith("_") and inspect.isfunction(value):
                assert value.__doc__, f"{cls.__name__}.{attr}"


def test_import_prints_and_warns_nothing() -> None:
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import eventlet.wsgi, eventlet._http11"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONWARNINGS="error"),
        timeout=60,
    )
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")


def test_max_header_line_can_be_raised_at_run_time(monkeypatch) -> None:
    # oslo.service assigns eventlet.wsgi.MAX_HEADER_LINE from its configuration.
    def app(environ, start_response):
        start_response("200 OK", [])
        return [str(len(environ["HTTP_X_TOKEN"])).encode()]

    request = b"GET / HTTP/1.1\r\nHost: h\r\nX-Token: " + b"t" * 10000 + b"\r\nConnection: close\r\n\r\n"
    thread, server, address = start(app)
    assert fetch(address, request).startswith(b"HTTP/1.1 431 ")
    monkeypatch.setattr(wsgi, "MAX_HEADER_LINE", 16384)
    assert fetch(address, request).endswith(b"\r\n\r\n10000")
    server.shutdown(0)


def test_shutdown_while_the_pool_is_full() -> None:
    thread, server, address = start(max_size=1)
    first = connect(address)
    first.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert first.recv(65536).endswith(b"hello")  # idle, holding the only slot
    second = connect(address)  # accepted, waiting for a slot
    second.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    server.shutdown(timeout=5)
    assert thread.dead
    assert first.recv(100) == b""
    try:
        assert second.recv(100) == b""  # closed unanswered: the shutdown came first
    except ConnectionResetError:
        pass  # or still in the listening socket's backlog when it closed
    first.close()
    second.close()


def test_a_kept_body_reader_never_reads_the_next_request() -> None:
    kept = []

    def app(environ, start_response):
        kept.append(environ["wsgi.input"])
        start_response("200 OK", [])
        return [environ["wsgi.input"].read(2)]

    thread, server, address = start(app)
    response = fetch(
        address,
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd"
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nConnection: close\r\n\r\nefgh",
    )
    assert response.count(b"200 OK") == 2 and response.endswith(b"ef")
    assert kept[0].read() == b"" and kept[0].readline() == b""
    server.shutdown(0)


@pytest.mark.parametrize(
    "app_result",
    ["bad content-length", "str body", "str piece"],
)
def test_application_mistakes_get_500(app_result: str) -> None:
    def app(environ, start_response):
        if app_result == "bad content-length":
            start_response("200 OK", [("Content-Length", "twelve")])
            return [b"body"]
        if app_result == "str body":
            start_response("200 OK", [])
            return ["text, not bytes"]
        start_response("200 OK", [])
        return iter(["text, not bytes"])

    thread, server, address = start(app, debug=True, log=io.StringIO())
    response = fetch(address, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 500 "), response
    assert b"Connection: close" in response
    server.shutdown(0)


def test_take_buffered_gives_bytes_past_the_request_to_a_takeover() -> None:
    def app(environ, start_response):
        body = environ["eventlet.input"]
        extra = body.take_buffered()
        sock = body.get_socket()
        sock.sendall(b"TOOK " + extra + b"|")
        sock.sendall(sock.recv(100))
        return wsgi.ALREADY_HANDLED

    thread, server, address = start(app)
    client = connect(address)
    client.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: x\r\n\r\nfirst frame")
    received = b""
    while not received.endswith(b"|"):
        received += client.recv(100)
    assert received == b"TOOK first frame|"
    client.sendall(b"later")
    assert client.recv(100) == b"later"
    assert client.recv(100) == b""  # closed when the application returned
    client.close()
    server.shutdown(0)


def test_take_buffered_refuses_an_unread_body() -> None:
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nab")
    request = parser.next_request()
    body = Input(parser, None, None, request.expect_continue)
    with pytest.raises(RuntimeError, match="not read to its end"):
        body.take_buffered()


def test_logger_and_log_format() -> None:
    import logging

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("test_wsgi_api.access")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(Keep())
    thread, server, address = start(
        log=logger, log_output=True, log_format="%(request_line)s|%(status_code)s|%(body_length)s"
    )
    fetch(address, b"GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    server.shutdown(0)
    lines = [record.getMessage() for record in records]
    assert "GET /x HTTP/1.1|200|5" in lines
    assert all(record.levelno == logging.INFO for record in records)


def test_custom_pool_runs_the_connections() -> None:
    from eventlet.greenpool import GreenPool

    pool = GreenPool(7)
    seen = []

    def app(environ, start_response):
        seen.append(pool.running())
        start_response("200 OK", [])
        return [b"pooled"]

    thread, server, address = start(app, custom_pool=pool, max_size=1)
    assert fetch(address, b"GET / HTTP/1.0\r\n\r\n").endswith(b"pooled")
    assert seen == [1]  # this connection, in the given pool (max_size is ignored)
    server.shutdown(0)


def test_server_driven_by_the_program_as_nameko_does() -> None:
    # nameko makes a wsgi.Server with its own protocol subclass, runs its own accept loop
    # and hands each connection to Server.process_request([address, socket, STATE_IDLE]).
    import logging

    class HttpOnlyProtocol(wsgi.HttpProtocol):
        def finish(self) -> None:
            try:
                wsgi.HttpProtocol.finish(self)
            except OSError as exc:
                if exc.args[0] not in wsgi.BROKEN_SOCK:
                    raise

    sock = listen(("127.0.0.1", 0))
    server = wsgi.Server(
        sock, sock.getsockname(), hello, protocol=HttpOnlyProtocol, debug=False,
        log=logging.getLogger("test_wsgi_api.nameko"),
    )

    def accept_loop() -> None:
        while True:
            client, address = sock.accept()
            spawn(server.process_request, [address, client, wsgi.STATE_IDLE])

    loop = spawn(accept_loop)
    try:
        for _ in range(2):
            assert fetch(sock.getsockname(), b"GET / HTTP/1.0\r\n\r\n").endswith(b"hello")
    finally:
        kill(loop)
        sock.close()


def test_headers_raw_and_the_headers_message() -> None:
    seen = {}

    class Swiftish(wsgi.HttpProtocol):
        def get_environ(self, *args, **kwargs):
            environ = wsgi.HttpProtocol.get_environ(self, *args, **kwargs)
            seen["payload"] = self.headers.get_payload()
            seen["x"] = self.headers.get_all("X-Dup")
            return environ

    def app(environ, start_response):
        seen["raw"] = environ["headers_raw"]
        start_response("200 OK", [])
        return [b""]

    thread, server, address = start(app, protocol=Swiftish)
    fetch(address, b"GET / HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nX-Dup: 2\r\nConnection: close\r\n\r\n")
    server.shutdown(0)
    assert seen["raw"] == (("Host", "h"), ("X-Dup", "1"), ("X-Dup", "2"), ("Connection", "close"))
    assert seen["x"] == ["1", "2"]
    assert not seen["payload"]


def test_bad_chunked_body_raises_chunk_read_error_in_the_application() -> None:
    caught = []

    def app(environ, start_response):
        try:
            environ["wsgi.input"].read()
        except ValueError as error:  # upstream's ChunkReadError is a ValueError
            caught.append(error)
            start_response("400 Bad Request", [])
            return [b"bad body"]
        start_response("200 OK", [])
        return [b"fine"]

    thread, server, address = start(app)
    response = fetch(
        address,
        b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
    )
    server.shutdown(0)
    assert response.startswith(b"HTTP/1.1 400 Bad Request\r\n") and response.endswith(b"bad body")
    assert b"Connection: close" in response  # the rest of that body cannot be trusted
    assert isinstance(caught[0], wsgi.ChunkReadError)
    assert issubclass(wsgi.HeaderLineTooLong, wsgi.HeadersTooLarge)


def test_proxy_line_read_through_rfile_as_swift_does() -> None:
    class ProxiedProtocol(wsgi.HttpProtocol):
        def handle(self) -> None:
            line = self.rfile.readline(self.server.url_length_limit)
            parts = line.split()
            if parts[:1] != [b"PROXY"]:
                self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            self.client_address = (parts[2].decode(), int(parts[4]))
            super().handle()

    def app(environ, start_response):
        start_response("200 OK", [])
        return [f"{environ['REMOTE_ADDR']}:{environ['REMOTE_PORT']}".encode()]

    thread, server, address = start(app, protocol=ProxiedProtocol)
    response = fetch(
        address,
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\nGET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    )
    assert response.startswith(b"HTTP/1.1 200 OK") and response.endswith(b"1.2.3.4:1111")
    # The line may also come alone, before the request.
    client = connect(address)
    client.sendall(b"PROXY TCP4 9.9.9.9 5.6.7.8 7 2222\r\n")
    client.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    received = b""
    while True:
        data = client.recv(65536)
        if not data:
            break
        received += data
    client.close()
    assert received.endswith(b"9.9.9.9:7")
    assert fetch(address, b"GET / HTTP/1.1\r\n\r\n") == b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    server.shutdown(0)


def test_requests_leave_no_reference_cycles() -> None:
    # Cycles would make the garbage collector run (and cost) for every connection.
    import gc

    thread, server, address = start()
    request = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    fetch(address, request)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(20):
            assert fetch(address, request).endswith(b"hello")
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
        server.shutdown(0)


def test_set_idle_during_a_shutdown_closes_at_once() -> None:
    started = Event()
    go_idle = Event()

    def long_lived(environ, start_response):
        sock = environ["eventlet.input"].get_socket()
        started.send(True)
        go_idle.wait()
        environ["eventlet.set_idle"]()
        assert sock.recv(100) == b""
        return wsgi.ALREADY_HANDLED

    thread, server, address = start(long_lived)
    client = connect(address)
    client.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    started.wait()
    stopper = spawn(server.shutdown)  # no deadline: only set_idle can end it
    go_idle.send(True)
    stopper.wait()
    assert thread.dead
    assert client.recv(100) == b""
    client.close()
