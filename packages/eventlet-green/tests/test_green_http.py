"""eventlet.green.http: green http.client, http.server, http.cookies and http.cookiejar.

Servers and clients run on real loopback sockets, all in the test's one OS thread: a request
handler that waits for every request to arrive before answering proves that the requests are
in flight at the same time. Each test is guarded by a Timeout so a bug fails instead of
hanging.
"""

from __future__ import annotations

import errno
import http
import http.client
import http.cookiejar
import http.cookies
import http.server
import os
import shutil
import tempfile
import threading
import urllib.request

import pytest

from eventlet.green import socket as green_socket
from eventlet.green import socketserver as green_socketserver
from eventlet.green.http import client, cookiejar, cookies, server
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it
CLIENTS = 8


# -- the modules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("green", "stdlib"),
    [(client, http.client), (server, http.server), (cookies, http.cookies),
     (cookiejar, http.cookiejar)],
    ids=["client", "server", "cookies", "cookiejar"],
)
def test_module_declares_the_stdlib_interface(green, stdlib):
    assert green.__all__ == stdlib.__all__
    for name in stdlib.__all__:
        assert hasattr(green, name), name
    for name in green.__patched__:
        assert hasattr(stdlib, name), name


def test_package_reexports_the_stdlib_enums():
    from eventlet.green import http as green_http

    assert green_http.__all__ == http.__all__
    assert green_http.HTTPStatus is http.HTTPStatus
    assert green_http.HTTPStatus.NOT_FOUND == 404
    assert green_http.__patched__ == []


def test_client_is_a_copy_built_on_green_sockets():
    assert client.HTTPConnection is not http.client.HTTPConnection
    assert client.HTTPConnection.connect.__globals__["socket"] is green_socket
    assert set(client.__patched__) == {"HTTPConnection", "HTTPSConnection", "HTTPResponse"}


def test_client_exceptions_are_the_stdlib_classes():
    for name in ("HTTPException", "RemoteDisconnected", "IncompleteRead", "BadStatusLine",
                 "LineTooLong", "ResponseNotReady", "error"):
        assert getattr(client, name) is getattr(http.client, name), name
    # The copy's own code raises them by name, so it raises the stdlib's classes too.
    assert client.HTTPResponse.begin.__globals__["BadStatusLine"] is http.client.BadStatusLine


def test_server_is_built_on_green_socketserver():
    assert issubclass(server.HTTPServer, green_socketserver.TCPServer)
    assert issubclass(server.ThreadingHTTPServer, green_socketserver.ThreadingMixIn)
    assert issubclass(server.BaseHTTPRequestHandler, green_socketserver.StreamRequestHandler)
    assert not issubclass(server.HTTPServer, http.server.socketserver.TCPServer)


def test_cookies_is_the_stdlib_module_itself():
    assert cookies.SimpleCookie is http.cookies.SimpleCookie
    assert cookies.__patched__ == []


def test_cookiejar_locks_with_green_locks():
    from eventlet.green import threading as green_threading

    jar = cookiejar.CookieJar()
    assert isinstance(jar._cookies_lock, type(green_threading.RLock()))
    assert cookiejar.LoadError is http.cookiejar.LoadError
    assert cookiejar.Cookie is not http.cookiejar.Cookie  # a copy, with the same behaviour


@pytest.mark.parametrize(
    "name",
    ["eventlet.green.http", "eventlet.green.http.client", "eventlet.green.http.server",
     "eventlet.green.http.cookies", "eventlet.green.http.cookiejar"],
)
def test_import_is_quiet(run_python, name):
    result = run_python(f"import {name}", "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


def test_importing_leaves_the_stdlib_modules_alone(run_python):
    code = (
        "import http.client, http.server, socketserver, socket\n"
        "from eventlet.green.http import client, server, cookiejar\n"
        "import sys\n"
        "assert sys.modules['http.client'] is http.client\n"
        "assert http.client.socket is socket and http.client.HTTPConnection is not client.HTTPConnection\n"
        "assert sys.modules['socketserver'] is socketserver and socketserver.socket is socket\n"
        "assert http.server.socketserver is socketserver\n"
        "import http as pkg\n"
        "assert pkg.client is http.client and pkg.server is http.server\n"
        "print('ok')\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"


# -- client and server together --------------------------------------------------------------


@pytest.mark.all_hubs
def test_many_green_clients_are_served_at_once(green_servers, make_gate):
    """Every request reaches its handler before any is answered: they all overlap."""
    gate = make_gate(CLIENTS)

    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            gate.arrive((self.path, threading.get_ident()))
            self.reply(f"hello {self.path}".encode())

    host, port = green_servers.start_http(Handler)

    def fetch(i):
        conn = client.HTTPConnection(host, port, timeout=GUARD)
        try:
            conn.request("GET", f"/{i}")
            response = conn.getresponse()
            return response.status, response.read(), threading.get_ident()
        finally:
            conn.close()

    with Timeout(GUARD):
        fetchers = [spawn(fetch, i) for i in range(CLIENTS)]
        gate.all_arrived.wait()
        assert len(gate.arrived) == CLIENTS  # all handlers are waiting, none has answered
        gate.open()
        results = [f.wait() for f in fetchers]

    me = threading.get_ident()
    assert results == [(200, f"hello /{i}".encode(), me) for i in range(CLIENTS)]
    assert sorted(gate.arrived) == sorted((f"/{i}", me) for i in range(CLIENTS))


def test_keep_alive_connection_serves_several_requests(green_servers):
    class Handler(green_servers.HTTPHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            self.reply(self.rfile.read(length)[::-1])

    host, port = green_servers.start_http(Handler)
    with Timeout(GUARD):
        conn = client.HTTPConnection(host, port, timeout=GUARD)
        replies = []
        for body in (b"abc", b"hello world", b"x" * 100_000):
            conn.request("POST", "/echo", body=body)
            response = conn.getresponse()
            replies.append((response.status, response.read()))
        conn.close()
    assert replies == [(200, b"cba"), (200, b"dlrow olleh"), (200, b"x" * 100_000)]


def test_chunked_response_is_read_in_pieces(green_servers):
    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"one ", b"two ", b"three"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")

    host, port = green_servers.start_http(Handler)
    with Timeout(GUARD):
        conn = client.HTTPConnection(host, port, timeout=GUARD)
        conn.request("GET", "/")
        response = conn.getresponse()
        assert response.chunked
        assert response.read() == b"one two three"
        conn.close()


def test_simple_handler_serves_files_from_a_directory(green_servers, tmp_path):
    (tmp_path / "page.txt").write_bytes(b"static content\n")

    class Handler(server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, format, *args):  # noqa: A002
            pass

    host, port = green_servers.start_http(Handler)
    with Timeout(GUARD):
        conn = client.HTTPConnection(host, port, timeout=GUARD)
        conn.request("GET", "/page.txt")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"static content\n")
        conn.close()
        conn = client.HTTPConnection(host, port, timeout=GUARD)
        conn.request("GET", "/missing.txt")
        response = conn.getresponse()
        response.read()
        assert response.status == http.HTTPStatus.NOT_FOUND
        conn.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="CGI scripts run in forked children")
def test_cgi_script_runs_while_the_hub_keeps_running(green_servers):
    """The handler waits for its CGI child with the green os.waitpid.

    The script blocks reading a FIFO until the test, in another green thread of the same OS
    thread, writes to it: that can only happen if waiting for the child left the hub running.
    """
    # The script may run as "nobody" (the handler drops root), so it must reach its folder.
    root = tempfile.mkdtemp(prefix="eventlet-cgi-")
    try:
        os.chmod(root, 0o755)
        os.mkdir(os.path.join(root, "cgi-bin"), 0o755)
        fifo = os.path.join(root, "gate")
        os.mkfifo(fifo)
        os.chmod(fifo, 0o666)
        script = os.path.join(root, "cgi-bin", "wait.sh")
        with open(script, "w") as f:
            f.write(
                "#!/bin/sh\n"
                f"read word < {fifo}\n"
                'printf "Content-Type: text/plain\\r\\n\\r\\n"\n'
                'printf "script got %s for %s" "$word" "$QUERY_STRING"\n'
            )
        os.chmod(script, 0o755)

        class Handler(server.CGIHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=root, **kwargs)

            def log_message(self, format, *args):  # noqa: A002
                pass

        host, port = green_servers.start_http(Handler)

        def fetch():
            conn = client.HTTPConnection(host, port, timeout=GUARD)
            try:
                conn.request("GET", "/cgi-bin/wait.sh?q=1")
                response = conn.getresponse()
                return response.status, response.read()
            finally:
                conn.close()

        with Timeout(GUARD):
            fetcher = spawn(fetch)
            while True:  # until the script has opened the FIFO for reading
                try:
                    gate = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                except OSError as error:
                    if error.errno != errno.ENXIO:
                        raise
                    sleep(0.01)
                else:
                    break
            os.write(gate, b"hello\n")
            os.close(gate)
            assert fetcher.wait() == (200, b"script got hello for q=1")
    finally:
        shutil.rmtree(root)


def test_plain_http_server_handles_requests_one_by_one(green_servers):
    """The non-threading HTTPServer still serves (in its own green thread), one at a time."""

    class Handler(green_servers.HTTPHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            self.reply(self.path.encode())

    host, port = green_servers.start_http(Handler, server.HTTPServer)
    with Timeout(GUARD):
        bodies = []
        for path in ("/a", "/b"):
            conn = client.HTTPConnection(host, port, timeout=GUARD)
            conn.request("GET", path)
            bodies.append(conn.getresponse().read())
            conn.close()
    assert bodies == [b"/a", b"/b"]


def test_server_closing_without_answer_raises_stdlib_remote_disconnected(green_servers):
    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            self.close_connection = True  # and write nothing

    host, port = green_servers.start_http(Handler)
    with Timeout(GUARD):
        conn = client.HTTPConnection(host, port, timeout=GUARD)
        conn.request("GET", "/")
        with pytest.raises(http.client.RemoteDisconnected):
            conn.getresponse()
        conn.close()


@pytest.mark.all_hubs
def test_response_timeout_raises_timeout_error_and_others_run(silent_server, start_ticker):
    ticker = start_ticker()
    with Timeout(GUARD):
        conn = client.HTTPConnection(*silent_server.address, timeout=0.2)
        conn.request("GET", "/")
        before = ticker.ticks
        with pytest.raises(TimeoutError):
            conn.getresponse()
        assert ticker.ticks > before  # the hub kept running while the client waited
        conn.close()


def test_connect_to_closed_port_raises_connection_refused(refused_address):
    with Timeout(GUARD):
        conn = client.HTTPConnection(*refused_address, timeout=GUARD)
        with pytest.raises(ConnectionRefusedError):
            conn.request("GET", "/")


def test_bad_input_is_refused_at_the_call():
    conn = client.HTTPConnection("127.0.0.1", 1)
    with pytest.raises(ValueError, match="method"):
        conn.putrequest("GE\nT", "/")
    with pytest.raises(http.client.InvalidURL):
        client.HTTPConnection("127.0.0.1:notaport")


# -- cookies ---------------------------------------------------------------------------------


def test_cookie_round_trip_with_green_cookiejar(green_servers):
    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            if self.path == "/set":
                jar = cookies.SimpleCookie()
                jar["session"] = "s3cr3t"
                jar["session"]["path"] = "/"
                jar["theme"] = "dark"
                jar["theme"]["path"] = "/"
                self.send_response(200)
                self.send_header("Set-Cookie", jar["session"].OutputString())
                self.send_header("Set-Cookie", jar["theme"].OutputString())
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                received = cookies.SimpleCookie(self.headers.get("Cookie", ""))
                body = ";".join(f"{k}={m.value}" for k, m in sorted(received.items()))
                self.reply(body.encode())

    host, port = green_servers.start_http(Handler)
    jar = cookiejar.CookieJar()
    base = f"http://{host}:{port}"

    def get(path):
        # cookiejar works with urllib-style requests and responses; build them by hand
        # on the green http.client, as any client library would.
        request = urllib.request.Request(base + path)
        jar.add_cookie_header(request)
        conn = client.HTTPConnection(host, port, timeout=GUARD)
        conn.request("GET", path, headers=dict(request.header_items()))
        response = conn.getresponse()
        body = response.read()
        jar.extract_cookies(response, request)
        conn.close()
        return body

    with Timeout(GUARD):
        assert get("/check") == b""
        get("/set")
        assert sorted(c.name for c in jar) == ["session", "theme"]
        assert get("/check") == b"session=s3cr3t;theme=dark"
