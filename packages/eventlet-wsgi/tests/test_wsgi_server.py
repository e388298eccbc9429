"""eventlet.wsgi.server in a subprocess, with real clients: raw sockets, http.client,
requests/urllib3, curl."""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest


def get_json(port: int, path: str, body: bytes | None = None, headers: dict | None = None) -> object:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST" if body is not None else "GET", path, body=body, headers=headers or {})
    response = conn.getresponse()
    assert response.status == 200
    data = json.loads(response.read())
    conn.close()
    return data


# -- ordinary clients ---------------------------------------------------------------------


def test_http_client_keep_alive(shared_server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", shared_server.port, timeout=10)
    for _ in range(3):
        conn.request("GET", "/")
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Length") == "5"
        assert response.getheader("Date", "").endswith(" GMT")
        assert response.read() == b"hello"
    sock = conn.sock
    conn.request("POST", "/echo", body=b"x" * 100000)
    assert conn.getresponse().read() == b"x" * 100000
    assert conn.sock is sock  # the same connection all along
    conn.close()


def test_requests_library(shared_server) -> None:
    requests = pytest.importorskip("requests")
    base = f"http://127.0.0.1:{shared_server.port}"
    with requests.Session() as session:
        assert session.get(base + "/").text == "hello"
        # A generator body goes out chunked.
        response = session.post(base + "/echo", data=(piece for piece in [b"one ", b"two ", b"three"]))
        assert response.content == b"one two three"
        response = session.get(base + "/gen?n=4")
        assert response.headers["Transfer-Encoding"] == "chunked"
        assert response.text == "piece0;piece1;piece2;piece3;"
        assert session.get(base + "/write").text == "written;returned"


def test_urllib3_pool(shared_server) -> None:
    urllib3 = pytest.importorskip("urllib3")
    with urllib3.HTTPConnectionPool("127.0.0.1", shared_server.port, maxsize=1) as pool:
        for i in range(5):
            response = pool.request("POST", "/echo", body=f"body {i}".encode())
            assert response.data == f"body {i}".encode()
        assert pool.num_connections == 1


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl(shared_server) -> None:
    base = f"http://127.0.0.1:{shared_server.port}"
    out = subprocess.run(
        ["curl", "-sS", "--http1.0", base + "/", base + "/gen?n=2"], capture_output=True, timeout=20
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == b"hellopiece0;piece1;"
    out = subprocess.run(
        ["curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "chunky", base + "/echo"],
        capture_output=True,
        timeout=20,
    )
    assert out.stdout == b"chunky"


# -- HTTP/1.1 behaviour -------------------------------------------------------------------


def test_pipelined_requests_answered_in_order(shared_server, http) -> None:
    with shared_server.connect() as sock:
        sock.sendall(
            b"GET /gen?n=1 HTTP/1.1\r\nHost: h\r\n\r\n"
            b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nfirst"
            b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n"
            b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        )
        bodies = []
        for _ in range(4):
            status, headers, body = http.read_response(sock)
            assert status == b"HTTP/1.1 200 OK"
            bodies.append(body)
        assert bodies == [b"piece0;", b"first", b"second", b"hello"]
        assert http.recv_until_closed(sock) == b""


def test_head_has_no_body(shared_server, http) -> None:
    with shared_server.connect() as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        data = http.recv_until_closed(sock)
    first, second = data.split(b"HTTP/1.1 200 OK", 2)[1:]
    assert b"Content-Length: 5\r\n" in first
    assert first.endswith(b"\r\n\r\n")  # nothing after the head
    assert second.endswith(b"hello")


@pytest.mark.parametrize("code", ["204", "304", "101"])
def test_bodiless_status_codes(shared_server, http, code: str) -> None:
    with shared_server.connect() as sock:
        sock.sendall(f"GET /status?code={code} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n".encode())
        data = http.recv_until_closed(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {code} ".encode())
    assert b"X-Status: " + code.encode() in head
    assert b"Content-Length" not in head and b"Transfer-Encoding" not in head
    assert body == b""


def test_http10_client(shared_server, http) -> None:
    with shared_server.connect() as sock:
        sock.sendall(b"GET /gen?n=2 HTTP/1.0\r\n\r\n")
        data = http.recv_until_closed(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and b"Connection: close" in head
    assert body == b"piece0;piece1;"
    # HTTP/1.0 with keep-alive and a known length keeps the connection.
    with shared_server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, headers, body = http.read_response(sock)
        assert headers["connection"] == "keep-alive" and body == b"hello"
        sock.sendall(b"GET /env HTTP/1.0\r\n\r\n")
        env = json.loads(http.recv_until_closed(sock).partition(b"\r\n\r\n")[2])
        assert env["SERVER_PROTOCOL"] == "HTTP/1.0"


def test_max_http_version_10_never_chunks(start_server, http) -> None:
    server = start_server(max_http_version="HTTP/1.0")
    with server.connect() as sock:
        sock.sendall(b"GET /gen?n=2 HTTP/1.1\r\nHost: h\r\n\r\n")
        data = http.recv_until_closed(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 ")
    assert b"chunked" not in head
    assert body == b"piece0;piece1;"


def test_environ(shared_server) -> None:
    env = get_json(
        shared_server.port,
        "/env?a=1&b=%20",
        headers={"X-Custom": "v1", "Cookie": "a=1", "Content-Type": "text/x-test"},
    )
    assert env["REQUEST_METHOD"] == "GET"
    assert env["PATH_INFO"] == "/env"
    assert env["QUERY_STRING"] == "a=1&b=%20"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["HTTP_X_CUSTOM"] == "v1"
    assert env["CONTENT_TYPE"] == "text/x-test"
    assert env["SCRIPT_NAME"] == ""
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert env["SERVER_PORT"] == str(shared_server.port)
    assert env["wsgi.url_scheme"] == "http"
    assert env["has_eventlet_input"] and env["has_socket"]


def test_environ_path_decoding_and_absolute_form(shared_server, http) -> None:
    with shared_server.connect() as sock:
        sock.sendall(
            b"GET http://other.example/env/caf%C3%A9%2Fx?q=1 HTTP/1.1\r\nHost: h\r\n"
            b"X_Forwarded_For: evil\r\nConnection: close\r\n\r\n"
        )
        env = json.loads(http.read_response(sock)[2])
    assert env["PATH_INFO"] == "/env/caf\u00c3\u00a9/x"  # latin-1 decoded bytes (PEP 3333)
    assert env["RAW_PATH_INFO"] == "/env/caf%C3%A9%2Fx"
    assert env["QUERY_STRING"] == "q=1"
    assert env["HTTP_HOST"] == "other.example"
    assert "HTTP_X_FORWARDED_FOR" not in env


def test_readlines_and_iteration_stop_at_the_body_end(shared_server, http) -> None:
    body = b"line one\nline two\nlast"
    with shared_server.connect() as sock:
        for path in ("/lines", "/iter"):
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: h\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
                + b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
            )
            status, _, lines = http.read_response(sock)
            assert json.loads(lines) == ["line one\n", "line two\n", "last"]
            assert http.read_response(sock)[2] == b"hello"


def test_partial_reads(shared_server) -> None:
    assert get_json(shared_server.port, "/read?n=4", body=b"0123456789") == ["0123", "4567", "89"]


def test_expect_100_continue(shared_server, http) -> None:
    with shared_server.connect() as sock:
        sock.sendall(
            b"POST /continue HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        )
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            interim += sock.recv(1)
        assert interim == b"HTTP/1.1 100 Continue\r\nX-Extra: yes\r\n\r\n"
        sock.sendall(b"data")
        assert json.loads(http.read_response(sock)[2]) == "data"


def test_expect_100_continue_body_not_read_closes(shared_server, http) -> None:
    # The application answers without reading: no 100, and the connection is not reused
    # (the client might or might not send the body).
    with shared_server.connect() as sock:
        sock.sendall(b"POST /noread HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        status, headers, body = http.read_response(sock)
        assert status == b"HTTP/1.1 200 OK" and body == b"unread"
        assert headers["connection"] == "close"
        assert http.recv_until_closed(sock) == b""


def test_unread_body_is_drained_not_parsed(shared_server, http) -> None:
    evil = b"GET /env HTTP/1.1\r\nHost: smuggled\r\n\r\n"
    with shared_server.connect() as sock:
        sock.sendall(
            f"POST /noread HTTP/1.1\r\nHost: h\r\nContent-Length: {len(evil)}\r\n\r\n".encode()
            + evil
            + b"POST /noread HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + f"{len(evil):x}\r\n".encode() + evil + b"\r\n0\r\n\r\n"
            + b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        )
        data = http.recv_until_closed(sock)
    assert data.count(b"HTTP/1.1 200 OK") == 3
    assert b"smuggled" not in data
    assert data.endswith(b"hello")


def test_chunked_response_and_write_callable(shared_server, http) -> None:
    with shared_server.connect() as sock:
        sock.sendall(b"GET /gen?n=3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        data = http.recv_until_closed(sock)
    assert data.partition(b"\r\n\r\n")[2] == b"7\r\npiece0;\r\n7\r\npiece1;\r\n7\r\npiece2;\r\n0\r\n\r\n"


def test_response_header_injection_refused(shared_server, http) -> None:
    with shared_server.connect() as sock:
        sock.sendall(b"GET /inject HTTP/1.1\r\nHost: h\r\n\r\n")
        status, headers, body = http.read_response(sock)
    assert status == b"HTTP/1.1 500 Internal Server Error"
    assert "set-cookie" not in headers
    assert b"CR, LF or NUL" in body  # debug=True: the traceback


def test_application_error(start_server, http) -> None:
    server = start_server(debug=False)
    with server.connect() as sock:
        sock.sendall(b"GET /boom HTTP/1.1\r\nHost: h\r\n\r\n")
        status, headers, body = http.read_response(sock)
    assert status == b"HTTP/1.1 500 Internal Server Error" and body == b""
    assert "RuntimeError: the application failed on purpose" in server.stop()


def test_file_wrapper(shared_server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", shared_server.port, timeout=10)
    conn.request("GET", "/file")
    response = conn.getresponse()
    assert response.getheader("Content-Length") == "10000"
    assert response.read() == b"0123456789" * 1000
    conn.close()


def test_posthooks(shared_server) -> None:
    get_json_raw = http.client.HTTPConnection("127.0.0.1", shared_server.port, timeout=10)
    get_json_raw.request("GET", "/posthook")
    assert get_json_raw.getresponse().read() == b"ok"
    get_json_raw.close()
    assert "hooked" in get_json(shared_server.port, "/posthooks")


def test_already_handled_takeover(shared_server, http) -> None:
    with shared_server.connect() as sock:
        sock.sendall(b"GET /takeover HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        # Only what the application wrote; the connection is not reused, no response.
        assert http.recv_until_closed(sock) == b"RAW TAKEOVER\n"


def test_access_log(start_server) -> None:
    server = start_server(log_output=True)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/?x=1", headers={"X-Forwarded-For": "10.0.0.1"})
    conn.getresponse().read()
    # The log line follows the response: once the next response on this connection
    # arrived, the first request's line was written.
    conn.request("GET", "/")
    conn.getresponse().read()
    conn.close()
    log = server.stop()
    assert '10.0.0.1,127.0.0.1 - - [' in log
    assert '"GET /?x=1 HTTP/1.1" 200 5 ' in log


# -- malformed requests: raw sockets -------------------------------------------------------

MALFORMED = [
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3a\r\n\r\nabc", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  folded\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX : a\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    (b"G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
    (b"GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
    (b"GET / HTTP/1.1\nHost: h\n\n", 400),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX: " + b"v" * 9000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X-Many: 1234567890123456789012345678901234567890\r\n" * 1700 + b"\r\n", 431),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n" .replace(b"5 ", b" 5"), 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;" + b"x" * 5000 + b"\r\nhello\r\n0\r\n\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nT: x\n\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5_0\r\nhello\r\n0\r\n\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;=x\r\nhello\r\n0\r\n\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"x\r\nhello\r\n0\r\n\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY0\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 0\r\n\r\n", 400),
    (b"GET /\x00 HTTP/1.1\r\nHost: h\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: h\r\n\x00: v\r\n\r\n", 400),
]


@pytest.mark.parametrize(("data", "status"), MALFORMED)
def test_malformed_request_rejected_and_closed(shared_server, http, data: bytes, status: int) -> None:
    with shared_server.connect() as sock:
        # A valid request pipelined after the bad one must never be answered.
        sock.sendall(data + b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        response = http.recv_until_closed(sock)
    assert response.startswith(f"HTTP/1.1 {status} ".encode()), response[:200]
    assert b"\r\nConnection: close" in response.partition(b"\r\n\r\n")[0]
    assert response.count(b"HTTP/1.1 200") == 0 and not response.endswith(b"hello")


def test_url_length_limit_option(start_server, http) -> None:
    server = start_server(url_length_limit=50)
    with server.connect() as sock:
        sock.sendall(b"GET /" + b"a" * 60 + b" HTTP/1.1\r\nHost: h\r\n\r\n")
        assert http.recv_until_closed(sock).startswith(b"HTTP/1.1 414 ")
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        assert http.recv_until_closed(sock).endswith(b"hello")


# -- connections: timeouts, disconnects, keep-alive ---------------------------------------


def test_socket_timeout_closes_slow_clients(start_server, http) -> None:
    server = start_server(socket_timeout=0.3)
    with server.connect() as slow, server.connect() as idle:
        slow.sendall(b"GET / HTTP/1.1\r\nHo")  # never finishes
        assert http.recv_until_closed(slow) == b""
        assert http.recv_until_closed(idle) == b""
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        assert http.recv_until_closed(sock).endswith(b"hello")


def test_socket_timeout_mid_body_and_mid_response(start_server, http) -> None:
    server = start_server(socket_timeout=0.3)
    # The body stops coming: the application's read times out, the connection closes.
    with server.connect() as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly ten..")
        assert http.recv_until_closed(sock) == b""
    # A client that stops reading a large response: the send times out, the connection
    # closes, and the client finds the response cut short.
    size = 32 * 1024 * 1024
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader.settimeout(10)
    reader.connect(("127.0.0.1", server.port))
    reader.sendall(b"GET /bigbody?mb=32 HTTP/1.1\r\nHost: h\r\n\r\n")
    with server.connect() as other:  # meanwhile the others are served
        other.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        assert http.recv_until_closed(other).endswith(b"hello")
    time.sleep(1.5)  # a timeout is what is tested: nothing else to wait on
    received = http.recv_until_closed(reader)
    reader.close()
    assert received.startswith(b"HTTP/1.1 200 OK")
    assert len(received) < size


def test_keepalive_false_and_timeout(start_server, http) -> None:
    server = start_server(keepalive=False)
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        data = http.recv_until_closed(sock)
    assert b"Connection: close" in data and data.endswith(b"hello")
    server = start_server(keepalive=0.2)
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        status, headers, body = http.read_response(sock)
        assert body == b"hello" and "connection" not in headers
        # No second request: the keep-alive timeout closes the connection.
        assert http.recv_until_closed(sock) == b""


def test_clients_disconnecting_mid_request_and_mid_response(start_server, http) -> None:
    shared_server = start_server()
    for data in (
        b"GET / HT",
        b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly part",
        b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nabc",
    ):
        sock = shared_server.connect()
        sock.sendall(data)
        sock.close()
    # Mid-response: a 4 MiB body, the client reads a little and resets the connection.
    sock = shared_server.connect()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(b"GET /bigbody HTTP/1.1\r\nHost: h\r\n\r\n")
    assert sock.recv(100).startswith(b"HTTP/1.1 200 OK")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()
    # The server still serves everyone else.
    for _ in range(3):
        assert get_json(shared_server.port, "/read?n=2", body=b"abcd") == ["ab", "cd"]
    # Clients going away is ordinary: nothing in the log about it.
    assert shared_server.stop() == ""


def test_many_concurrent_connections(shared_server, http) -> None:
    socks = [shared_server.connect() for _ in range(50)]
    try:
        for i, sock in enumerate(socks):
            sock.sendall(f"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: {len(str(i))}\r\n\r\n{i}".encode())
        for i, sock in enumerate(socks):
            assert http.read_response(sock)[2] == str(i).encode()
    finally:
        for sock in socks:
            sock.close()


def test_max_size_limits_connections(start_server, http) -> None:
    server = start_server(max_size=1)
    with server.connect() as first:
        first.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        assert http.read_response(first)[2] == b"hello"
        with server.connect() as second:
            second.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            second.settimeout(0.3)
            with pytest.raises(TimeoutError):
                second.recv(100)  # waiting for the first connection's slot
            first.close()
            second.settimeout(10)
            assert http.recv_until_closed(second).endswith(b"hello")


# -- TLS ----------------------------------------------------------------------------------


def test_tls(start_server, tls_files, http) -> None:
    server = start_server(**tls_files)
    context = ssl.create_default_context(cafile=tls_files["certfile"])
    # A client that connects and never says hello does not hold up the others.
    with server.connect() as stalled:
        for _ in range(2):
            with server.connect() as raw, context.wrap_socket(raw, server_hostname="localhost") as sock:
                sock.sendall(b"GET /env HTTP/1.1\r\nHost: h\r\n\r\n")
                env = json.loads(http.read_response(sock)[2])
                assert env["wsgi.url_scheme"] == "https"
                sock.sendall(b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
                assert http.read_response(sock)[2] == b"abc"
        stalled.sendall(b"not a TLS hello at all\r\n\r\n")
        assert http.recv_until_closed(stalled) == b""
    conn = http_client_tls(server.port, context)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"hello"
    conn.close()
    assert server.stop() == ""  # a failed handshake is the client's business, not logged


def http_client_tls(port: int, context: ssl.SSLContext) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection("localhost", port, context=context, timeout=10)


# -- graceful shutdown --------------------------------------------------------------------


def test_graceful_shutdown(start_server, http) -> None:
    server = start_server()
    idle = server.connect()
    idle.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert http.read_response(idle)[2] == b"hello"  # now an idle keep-alive connection
    busy = server.connect()
    busy.sendall(b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nfirst")
    with server.connect() as sock:
        sock.sendall(b"GET /shutdown HTTP/1.1\r\nHost: h\r\n\r\n")
        status, headers, body = http.read_response(sock)
        assert body == b"stopping"
        assert http.recv_until_closed(sock) == b""
    assert http.recv_until_closed(idle) == b""  # idle connections are closed at once
    with pytest.raises(ConnectionRefusedError):
        server.connect()  # no new connections
    assert server.process.poll() is None  # waiting for the request in progress
    busy.sendall(b"-half")
    status, headers, body = http.read_response(busy)
    assert body == b"first-half" and headers["connection"] == "close"
    assert http.recv_until_closed(busy) == b""
    assert server.wait_stopped() == "STOPPED\n"
    idle.close()
    busy.close()


def test_graceful_shutdown_deadline(start_server, http) -> None:
    server = start_server()
    with server.connect() as sock:
        busy2 = server.connect()
        busy2.sendall(b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nhalf")
        sock.sendall(b"GET /shutdown?timeout=0.3 HTTP/1.1\r\nHost: h\r\n\r\n")
        assert http.read_response(sock)[2] == b"stopping"
    # The request never completes: the deadline closes it and the server returns.
    assert http.recv_until_closed(busy2) == b""
    assert server.wait_stopped() == "STOPPED\n"
    busy2.close()


def test_ctrl_c_ends_server_quietly(start_server, http) -> None:
    # wsgi.server() as a program's main loop: SIGINT makes it return, as upstream's does.
    server = start_server(serve_in_main=True, log_output=True)
    # The connection stays open (keep-alive) until the server has stopped: SIGINT then finds
    # the server waiting, not collecting a finished connection's socket, whose finalizer's
    # first instruction is the one place a Ctrl-C is still dropped (by the interpreter).
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        assert http.read_response(sock)[2] == b"hello"
        server.process.send_signal(signal.SIGINT)
        out, err = server.process.communicate(timeout=20)
    assert (server.process.returncode, out) == (0, "STOPPED\n")
    assert "wsgi exiting" in err and "Traceback" not in err


# -- subclassing (swift, oslo.service) ----------------------------------------------------


def test_protocol_subclass(start_server) -> None:
    server = start_server(custom_protocol=True, log_output=True)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    envs = []
    for _ in range(2):
        conn.request("GET", "/env", headers={"X-Custom": "from-client"})
        envs.append(json.loads(conn.getresponse().read()))
    conn.close()
    assert [env["custom.seen"] for env in envs] == ["1", "2"]
    assert envs[0]["custom.command"] == "GET"
    assert envs[0]["custom.header"] == "from-client"
    assert envs[0]["custom.raw_requestline"] == "GET /env HTTP/1.1\r\n"
    log = server.stop()
    assert "CUSTOM LOG GET /env HTTP/1.1 200 " in log
