"""eventlet.green.urllib: green urllib.request (urlopen, build_opener, the handlers), the
re-exported parse, error and response, and robotparser.

A green http.server in a green thread answers on loopback; HTTPS uses the test certificates
of conftest.py. Every request and server runs in the test's one OS thread; each test is guarded by
a Timeout so a bug fails instead of hanging.
"""

from __future__ import annotations

import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
import urllib.response
import urllib.robotparser

import pytest

from eventlet.green import http as green_http
from eventlet.green import socket as green_socket
from eventlet.green import ssl as green_ssl
from eventlet.green.http import client as green_client
from eventlet.green.http import cookiejar as green_cookiejar
from eventlet.green.urllib import error, parse, request, response, robotparser
from eventlet.greenthread import spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it
CLIENTS = 8


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch):
    """urlopen honours *_proxy variables: make sure loopback requests go straight there."""
    for name in ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


# -- the modules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("green", "stdlib"),
    [(request, urllib.request), (parse, urllib.parse), (error, urllib.error),
     (response, urllib.response), (robotparser, urllib.robotparser)],
    ids=["request", "parse", "error", "response", "robotparser"],
)
def test_module_declares_the_stdlib_interface(green, stdlib):
    assert green.__all__ == stdlib.__all__
    for name in stdlib.__all__:
        assert hasattr(green, name), name
    for name in green.__patched__:
        assert hasattr(stdlib, name), name


@pytest.mark.parametrize(
    ("green", "stdlib"),
    [(parse, urllib.parse), (error, urllib.error), (response, urllib.response)],
    ids=["parse", "error", "response"],
)
def test_modules_without_io_are_the_stdlib_objects(green, stdlib):
    assert green.__patched__ == []
    for name in stdlib.__all__:
        assert getattr(green, name) is getattr(stdlib, name), name


def test_request_is_a_copy_reaching_green_http_client():
    assert request.urlopen is not urllib.request.urlopen
    handler_globals = request.HTTPHandler.http_open.__globals__
    assert handler_globals["http"] is green_http
    assert handler_globals["http"].client is green_client
    assert handler_globals["socket"] is green_socket
    assert request.URLError is urllib.error.URLError
    assert request.HTTPError is urllib.error.HTTPError
    # The stdlib module is untouched.
    assert urllib.request.http.client.HTTPConnection is not green_client.HTTPConnection


@pytest.mark.parametrize(
    "name",
    ["eventlet.green.urllib", "eventlet.green.urllib.request", "eventlet.green.urllib.parse",
     "eventlet.green.urllib.error", "eventlet.green.urllib.response",
     "eventlet.green.urllib.robotparser"],
)
def test_import_is_quiet(run_python, name):
    result = run_python(f"import {name}", "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


# -- urlopen ---------------------------------------------------------------------------------


@pytest.mark.all_hubs
def test_many_urlopen_calls_overlap_in_one_os_thread(green_servers, make_gate):
    """Every request reaches its handler before any is answered: they all overlap."""
    gate = make_gate(CLIENTS)

    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            gate.arrive((self.path, threading.get_ident()))
            self.reply(f"page {self.path}".encode())

    base = green_servers.start_url(Handler)

    def fetch(i):
        with request.urlopen(f"{base}/{i}", timeout=GUARD) as reply:
            return reply.status, reply.read(), threading.get_ident()

    with Timeout(GUARD):
        fetchers = [spawn(fetch, i) for i in range(CLIENTS)]
        gate.all_arrived.wait()
        assert len(gate.arrived) == CLIENTS  # all handlers are waiting, none has answered
        gate.open()
        results = [f.wait() for f in fetchers]

    me = threading.get_ident()
    assert results == [(200, f"page /{i}".encode(), me) for i in range(CLIENTS)]
    assert sorted(gate.arrived) == sorted((f"/{i}", me) for i in range(CLIENTS))


def test_post_data_headers_and_redirect(green_servers):
    class Handler(green_servers.HTTPHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            if self.path == "/old":
                self.rfile.read(length)
                self.reply(b"", 303, [("Location", "/new")])  # see other: GET /new
            else:
                self.reply(self.headers["X-Tag"].encode() + b":" + self.rfile.read(length))

        def do_GET(self):
            self.reply(b"GET " + self.path.encode() + b" " + self.headers["X-Tag"].encode())

    base = green_servers.start_url(Handler)
    with Timeout(GUARD):
        req = request.Request(f"{base}/echo", data=b"payload", headers={"X-Tag": "t1"})
        with request.urlopen(req, timeout=GUARD) as reply:
            assert reply.read() == b"t1:payload"
        req = request.Request(f"{base}/old", data=b"payload", headers={"X-Tag": "t2"})
        with request.urlopen(req, timeout=GUARD) as reply:
            assert reply.geturl() == f"{base}/new"
            assert reply.read() == b"GET /new t2"


def test_http_error_is_the_stdlib_class_with_the_body(green_servers):
    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            self.reply(b"nothing here", 404)

    base = green_servers.start_url(Handler)
    with Timeout(GUARD):
        with pytest.raises(urllib.error.HTTPError) as caught:
            request.urlopen(f"{base}/missing", timeout=GUARD)
        assert caught.value.code == 404
        assert caught.value.read() == b"nothing here"
        caught.value.close()


def test_urlopen_timeout_against_a_server_that_never_answers(silent_server, start_ticker):
    host, port = silent_server.address
    ticker = start_ticker()
    with Timeout(GUARD):
        with pytest.raises(TimeoutError):
            request.urlopen(f"http://{host}:{port}/", timeout=0.2)
    assert silent_server.accepted, "the server never saw the connection"
    assert ticker.stop() > 0, "other green threads did not run while urlopen waited"


def test_connection_refused_is_a_url_error(refused_address):
    host, port = refused_address
    with Timeout(GUARD):
        with pytest.raises(urllib.error.URLError) as caught:
            request.urlopen(f"http://{host}:{port}/", timeout=GUARD)
    assert isinstance(caught.value.reason, ConnectionRefusedError)


def test_bad_input_is_refused_at_the_call():
    with pytest.raises(ValueError, match="unknown url type"):
        request.urlopen("no-scheme-here")
    with pytest.raises(urllib.error.URLError, match="unknown url type"):
        request.urlopen("gopher://example.invalid/")


def test_installed_opener_is_used_by_green_urlopen_only(green_servers):
    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            self.reply(self.headers.get("X-Opener", "none").encode())

    base = green_servers.start_url(Handler)
    opener = request.build_opener()
    opener.addheaders = [("X-Opener", "green")]
    request.install_opener(opener)
    try:
        assert urllib.request._opener is not opener
        with Timeout(GUARD):
            with request.urlopen(f"{base}/", timeout=GUARD) as reply:
                assert reply.read() == b"green"
    finally:
        request.install_opener(None)


def test_urlretrieve_writes_the_file(green_servers, tmp_path):
    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            self.reply(b"0123456789" * 1000)

    base = green_servers.start_url(Handler)
    target = tmp_path / "download.bin"
    with Timeout(GUARD):
        filename, headers = request.urlretrieve(f"{base}/file", str(target))
    assert filename == str(target)
    assert headers["Content-Length"] == "10000"
    assert target.read_bytes() == b"0123456789" * 1000


# -- HTTPS -----------------------------------------------------------------------------------


@pytest.mark.all_hubs
def test_https_urlopen_with_a_context(green_servers, tls_files, make_gate):
    server_context = green_ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tls_files.cert, tls_files.key)
    gate = make_gate(3)

    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            gate.arrive(self.path)
            self.reply(f"secret {self.path} {self.request.version()}".encode())

    base = green_servers.start_url(Handler, tls=server_context)
    client_context = green_ssl.create_default_context(cafile=tls_files.ca)

    def fetch(i):
        with request.urlopen(f"{base}/{i}", context=client_context, timeout=GUARD) as reply:
            return reply.read()

    with Timeout(GUARD):
        fetchers = [spawn(fetch, i) for i in range(3)]
        gate.all_arrived.wait()
        gate.open()
        bodies = [f.wait() for f in fetchers]
    assert [b.rsplit(b" ", 1)[0] for b in bodies] == [f"secret /{i}".encode() for i in range(3)]
    assert all(b.split()[-1].startswith(b"TLSv1.") for b in bodies)


def test_https_with_an_unknown_certificate_fails_verification(green_servers, tls_files):
    server_context = green_ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tls_files.cert, tls_files.key)

    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            self.reply(b"should not be read")

    base = green_servers.start_url(Handler, tls=server_context)
    strict = green_ssl.create_default_context()  # the system CAs only: ours is unknown
    with Timeout(GUARD):
        with pytest.raises(urllib.error.URLError) as caught:
            request.urlopen(f"{base}/", context=strict, timeout=GUARD)
    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)


# -- cookies and robots.txt ------------------------------------------------------------------


def test_cookie_processor_round_trip(green_servers):
    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            if self.path == "/login":
                self.reply(b"welcome", headers=[("Set-Cookie", "session=abc123; Path=/")])
            else:
                self.reply(self.headers.get("Cookie", "no cookie").encode())

    base = green_servers.start_url(Handler)
    processor = request.HTTPCookieProcessor()
    assert isinstance(processor.cookiejar, green_cookiejar.CookieJar)
    opener = request.build_opener(processor)
    with Timeout(GUARD):
        assert opener.open(f"{base}/profile", timeout=GUARD).read() == b"no cookie"
        assert opener.open(f"{base}/login", timeout=GUARD).read() == b"welcome"
        assert opener.open(f"{base}/profile", timeout=GUARD).read() == b"session=abc123"
    assert [(c.name, c.value) for c in processor.cookiejar] == [("session", "abc123")]


def test_cookie_processor_keeps_a_given_jar():
    jar = green_cookiejar.CookieJar()
    assert request.HTTPCookieProcessor(jar).cookiejar is jar


def test_robotparser_reads_robots_txt_with_green_urlopen(green_servers):
    class Handler(green_servers.HTTPHandler):
        def do_GET(self):
            assert self.path == "/robots.txt"
            self.reply(b"User-agent: *\nDisallow: /private/\n")

    base = green_servers.start_url(Handler)
    parser = robotparser.RobotFileParser(f"{base}/robots.txt")
    with Timeout(GUARD):
        parser.read()
    assert parser.can_fetch("bot", f"{base}/public/page")
    assert not parser.can_fetch("bot", f"{base}/private/page")
