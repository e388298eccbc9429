"""The Python 2 names upstream Eventlet keeps: BaseHTTPServer, SimpleHTTPServer, CGIHTTPServer,
SocketServer, httplib and urllib2, each re-exporting a green Python 3 module.

Besides the names, one real exchange per alias family: the crawler of the design-pattern
documents (``urllib2.urlopen(url).read()`` in a GreenPool) against a BaseHTTPServer serving
files with SimpleHTTPServer's handler, httplib against it, and an echo over SocketServer.
"""

from __future__ import annotations

import threading
import urllib.error

import pytest

from eventlet.event import Event
from eventlet.green import (
    BaseHTTPServer,
    CGIHTTPServer,
    SimpleHTTPServer,
    SocketServer,
    httplib,
    socketserver,
    urllib2,
)
from eventlet.green import socket as green_socket
from eventlet.green.http import client, server
from eventlet.green.urllib import error, request
from eventlet.greenpool import GreenPool
from eventlet.greenthread import spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it

ALIASES = [
    (BaseHTTPServer, server),
    (SimpleHTTPServer, server),
    (CGIHTTPServer, server),
    (SocketServer, socketserver),
    (httplib, client),
    (urllib2, request),
]


@pytest.mark.parametrize(("alias", "green"), ALIASES, ids=[a.__name__ for a, _ in ALIASES])
def test_alias_re_exports_the_green_module(alias, green):
    assert alias.__patched__ == green.__patched__
    for name in green.__all__:
        assert getattr(alias, name) is getattr(green, name), name
    assert set(green.__all__) <= set(alias.__all__)


def test_python2_class_names_are_where_python2_had_them():
    assert BaseHTTPServer.HTTPServer is server.HTTPServer
    assert BaseHTTPServer.BaseHTTPRequestHandler is server.BaseHTTPRequestHandler
    assert SimpleHTTPServer.SimpleHTTPRequestHandler is server.SimpleHTTPRequestHandler
    assert CGIHTTPServer.CGIHTTPRequestHandler is server.CGIHTTPRequestHandler
    assert SocketServer.ThreadingTCPServer is socketserver.ThreadingTCPServer
    assert httplib.HTTPConnection is client.HTTPConnection
    assert httplib.HTTPException is client.HTTPException


def test_urllib2_holds_urllib_request_and_urllib_error():
    assert urllib2.urlopen is request.urlopen
    assert urllib2.Request is request.Request
    assert urllib2.build_opener is request.build_opener
    assert urllib2.HTTPError is error.HTTPError is urllib.error.HTTPError
    assert urllib2.URLError is urllib.error.URLError
    assert set(error.__all__) <= set(urllib2.__all__)


@pytest.mark.parametrize(
    "name",
    ["BaseHTTPServer", "SimpleHTTPServer", "CGIHTTPServer", "SocketServer", "httplib", "urllib2"],
)
def test_import_is_quiet(run_python, name):
    result = run_python(f"import eventlet.green.{name}", "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


@pytest.fixture
def file_server(hub, tmp_path):
    """A BaseHTTPServer.HTTPServer with SimpleHTTPServer's handler over a few files."""
    for i in range(6):
        (tmp_path / f"page{i}.html").write_bytes(b"<p>page %d</p>" % i * (i + 1))

    class Handler(SimpleHTTPServer.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, format, *args):  # noqa: A002  (the stdlib's parameter name)
            pass

    class Server(SocketServer.ThreadingMixIn, BaseHTTPServer.HTTPServer):
        daemon_threads = True

    httpd = Server(("127.0.0.1", 0), Handler)
    runner = spawn(httpd.serve_forever, 0.05)
    yield httpd.server_address[:2]
    with Timeout(GUARD):
        httpd.shutdown()
        runner.wait()
        httpd.server_close()


def test_the_crawler_pattern_with_urllib2(file_server):
    host, port = file_server
    urls = [f"http://{host}:{port}/page{i}.html" for i in range(6)]

    def fetch(url):
        return urllib2.urlopen(url, timeout=GUARD).read()

    pool = GreenPool()
    with Timeout(GUARD):
        bodies = list(pool.imap(fetch, urls))
    assert bodies == [b"<p>page %d</p>" % i * (i + 1) for i in range(6)]


def test_httplib_against_the_file_server(file_server):
    with Timeout(GUARD):
        conn = httplib.HTTPConnection(*file_server, timeout=GUARD)
        conn.request("GET", "/page2.html")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"<p>page 2</p>" * 3)
        conn.close()


def test_socketserver_alias_serves_in_green_threads(hub):
    arrived = []
    both = Event()

    class Echo(SocketServer.StreamRequestHandler):
        def handle(self):
            arrived.append(threading.get_ident())
            if len(arrived) == 2:
                both.send()
            both.wait()
            self.wfile.write(self.rfile.readline().upper())

    srv = SocketServer.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    runner = spawn(srv.serve_forever, 0.05)

    def talk(word):
        with green_socket.create_connection(srv.server_address, timeout=GUARD) as conn:
            conn.sendall(word + b"\n")
            return conn.makefile("rb").readline()

    try:
        with Timeout(GUARD):
            talkers = [spawn(talk, b"one"), spawn(talk, b"two")]
            assert [t.wait() for t in talkers] == [b"ONE\n", b"TWO\n"]
    finally:
        with Timeout(GUARD):
            srv.shutdown()
            runner.wait()
            srv.server_close()
    assert arrived == [threading.get_ident()] * 2
