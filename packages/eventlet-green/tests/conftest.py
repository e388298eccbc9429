"""Fixtures shared by the eventlet-green tests.

Every test gets a fresh hub of its own (``use_hub`` discards the thread's hub), and the debug
switches are put back afterwards. Tests marked ``all_hubs`` run once per hub backend.

Test files are imported with ``--import-mode=importlib`` and cannot import one another or this
file, so what several of them need is here, given to them as fixtures:

- the certificates of the TLS tests: ``tls_files``;
- loopback sockets: ``green_listener``, ``recv_exactly``, ``recv_all``, ``refused_address``,
  ``saturated_address``, ``default_timeout``, ``short_dir``, ``fill``, ``drain``, ``pair``,
  ``silent_server``;
- pipes: ``make_pipe``, ``pipe``;
- green threads: ``start_ticker``, ``make_gate``, ``wait_until``;
- socketserver and http.server servers in green threads: ``green_servers``.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eventlet import hubs
from eventlet.event import Event
from eventlet.green import os as green_os
from eventlet.green.http import server as green_http_server
from eventlet.greenio import GreenSocket
from eventlet.greenthread import sleep, spawn
from eventlet.hubs import hub as hub_module
from eventlet.timeout import Timeout

BACKENDS = ["epolls", "poll", "selects"] + (["kqueue"] if hasattr(select, "kqueue") else [])


def _portion_root(module: str) -> Path:
    """The folder holding the portion of ``eventlet`` that ships ``module`` (src/ or site)."""
    spec = __import__(module, fromlist=["_"])
    return Path(spec.__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "all_hubs: run the test once with each hub backend available on this OS"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("all_hubs") is not None:
        metafunc.parametrize("hub_backend", BACKENDS, indirect=True)


@pytest.fixture
def hub_backend(request: pytest.FixtureRequest) -> str | None:
    """The backend name of an ``all_hubs`` test, None (the default hub) for the others."""
    return getattr(request, "param", None)


@pytest.fixture(autouse=True)
def fresh_hub(hub_backend: str | None) -> Iterator[None]:
    """A new hub for the test (of the parametrized backend), and clean state afterwards."""
    saved_debug = dict(vars(hub_module.debug_state))
    hubs.use_hub(hub_backend)
    yield
    hubs.use_hub()
    vars(hub_module.debug_state).update(saved_debug)


@pytest.fixture
def hub(fresh_hub: None) -> Any:
    """The current thread's hub, made for this test."""
    return hubs.get_hub()


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -c code`` in a fresh interpreter that sees the installed eventlet portions."""
    roots = {
        str(_portion_root(m))
        for m in ("eventlet.hubs", "eventlet.semaphore", "eventlet.green")
    }

    def run(code: str, *flags: str, env: dict[str, str] | None = None, timeout: float = 30) -> Any:
        environ = dict(os.environ)
        environ.pop("EVENTLET_HUB", None)
        environ.update(env or {})
        path = environ.get("PYTHONPATH")
        environ["PYTHONPATH"] = os.pathsep.join(sorted(roots) + ([path] if path else []))
        return subprocess.run(
            [sys.executable, *flags, "-c", code],
            env=environ,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


# -- TLS certificates --------------------------------------------------------------------------


@dataclass(frozen=True)
class TLSFiles:
    """Paths of PEM files made for this test run (see the ``tls_files`` fixture)."""

    ca: str  # the CA that signed the server certificate
    cert: str  # the server certificate: "localhost", 127.0.0.1 and ::1
    key: str  # the server certificate's private key
    other_ca: str  # a CA that signed nothing here: verifying against it must fail


def _tls_name(common_name: str) -> Any:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _tls_builder(common_name: str, issuer: Any, public_key: Any) -> Any:
    """A certificate builder valid from an hour ago (a skewed clock fails no test) for 2 days."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(_tls_name(common_name))
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
    )


def _tls_ca(common_name: str) -> tuple[Any, Any]:
    """A new self-signed CA: (private key, certificate)."""
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        _tls_builder(common_name, _tls_name(common_name), key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _tls_server_certificate(ca_key: Any, ca_cert: Any) -> tuple[Any, Any]:
    """A new key and a certificate signed by the CA for "localhost", 127.0.0.1 and ::1."""
    key = ec.generate_private_key(ec.SECP256R1())
    names = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    )
    cert = (
        _tls_builder("localhost", ca_cert.subject, key.public_key())
        .add_extension(names, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    """A test CA, a server certificate and key it signed, and an unrelated CA, as PEM files.

    The server certificate is for "localhost", 127.0.0.1 and ::1, so clients that check the
    host name and trust ``ca`` accept it; clients trusting only ``other_ca`` (or the system's
    CAs) reject it. Made with the cryptography package, once per test run.
    """
    folder = tmp_path_factory.mktemp("tls")
    ca_key, ca_cert = _tls_ca("eventlet test CA")
    _, other_ca_cert = _tls_ca("eventlet unrelated CA")
    server_key, server_cert = _tls_server_certificate(ca_key, ca_cert)
    files = TLSFiles(
        ca=str(folder / "ca.pem"),
        cert=str(folder / "server.pem"),
        key=str(folder / "server-key.pem"),
        other_ca=str(folder / "other-ca.pem"),
    )
    pem = serialization.Encoding.PEM
    Path(files.ca).write_bytes(ca_cert.public_bytes(pem))
    Path(files.other_ca).write_bytes(other_ca_cert.public_bytes(pem))
    Path(files.cert).write_bytes(server_cert.public_bytes(pem))
    Path(files.key).write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


# -- loopback sockets --------------------------------------------------------------------------


def _green_listener(
    family: int = socket.AF_INET, host: str = "127.0.0.1", backlog: int = 128
) -> GreenSocket:
    """A listening GreenSocket on an ephemeral port of ``host`` (SO_REUSEADDR set)."""
    sock = GreenSocket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(backlog)
    return sock


@pytest.fixture
def green_listener() -> Callable[..., GreenSocket]:
    """``green_listener(family=AF_INET, host="127.0.0.1", backlog=128)``: a new listening
    GreenSocket on an ephemeral loopback port; the test closes it."""
    return _green_listener


def _recv_exactly(sock: Any, size: int) -> bytes:
    """Read ``size`` bytes from ``sock``: fewer only if the peer closes first."""
    chunks = []
    while size:
        chunk = sock.recv(min(size, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _recv_all(sock: Any) -> bytes:
    """Read from ``sock`` until the peer closes."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def recv_exactly() -> Callable[[Any, int], bytes]:
    """``recv_exactly(sock, size)``: ``size`` bytes, fewer only if the peer closes first."""
    return _recv_exactly


@pytest.fixture
def recv_all() -> Callable[[Any], bytes]:
    """``recv_all(sock)``: everything ``sock`` receives until the peer closes."""
    return _recv_all


@pytest.fixture
def refused_address() -> tuple[str, int]:
    """A loopback TCP address nobody listens on (a port bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()


@pytest.fixture
def saturated_address() -> Iterator[tuple[str, int]]:
    """The address of a stdlib listener whose accept queue is full: connect() never completes.

    Skips the test where the kernel will not fill a ``listen(0)`` queue.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers: list[socket.socket] = []
    try:
        for _ in range(16):
            filler = socket.socket()
            filler.settimeout(0.2)
            try:
                filler.connect(address)
            except TimeoutError:
                filler.close()  # the queue is full: this connect() could not complete
                yield address
                return
            fillers.append(filler)
        pytest.skip("could not fill a listen(0) accept queue on this system")
    finally:
        for sock in (listener, *fillers):
            sock.close()


@pytest.fixture
def default_timeout() -> Iterator[Callable[[float | None], None]]:
    """``socket.setdefaulttimeout``, for the test to change; the old default is put back."""
    saved = socket.getdefaulttimeout()
    yield socket.setdefaulttimeout
    socket.setdefaulttimeout(saved)


@pytest.fixture
def short_dir() -> Iterator[str]:
    """A new directory whose path is short enough for AF_UNIX addresses; removed afterwards."""
    folder = tempfile.mkdtemp(prefix="egt", dir="/tmp")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _fill(sock: socket.socket) -> int:
    """Send on blocking ``sock`` until its buffers are full; return how many bytes went."""
    sock.setblocking(False)
    sent = 0
    try:
        while True:
            sent += sock.send(b"x" * 65536)
    except BlockingIOError:
        pass
    sock.setblocking(True)
    return sent


@pytest.fixture
def fill() -> Callable[[socket.socket], int]:
    """``fill(sock)``: send until the buffers are full (so the peer is readable and ``sock``
    is not writable); the number of bytes sent."""
    return _fill


def _drain(sock: socket.socket) -> None:
    """Read all that blocking ``sock`` has received, without waiting for more."""
    sock.setblocking(False)
    try:
        while sock.recv(1 << 20):
            pass
    except BlockingIOError:
        pass
    sock.setblocking(True)


@pytest.fixture
def drain() -> Callable[[socket.socket], None]:
    """``drain(sock)``: read all that ``sock`` has received, without waiting for more (so the
    peer's buffers have room again)."""
    return _drain


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected AF_UNIX stream socketpair (stdlib sockets), closed afterwards."""
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


class SilentServer:
    """A green TCP listener on loopback that accepts every connection and never answers."""

    def __init__(self) -> None:
        self.listener = _green_listener()
        self.address = self.listener.getsockname()
        self.accepted: list[GreenSocket] = []  # kept open, never written to
        self._acceptor = spawn(self._accept_forever)

    def _accept_forever(self) -> None:
        while True:
            self.accepted.append(self.listener.accept()[0])

    def close(self) -> None:
        """Stop accepting and close the listener and every accepted connection."""
        self._acceptor.kill()
        for sock in (self.listener, *self.accepted):
            sock.close()


@pytest.fixture
def silent_server(fresh_hub: None) -> Iterator[SilentServer]:
    """A :class:`SilentServer` (``.address``, ``.accepted``), closed after the test."""
    server = SilentServer()
    yield server
    server.close()


# -- pipes -------------------------------------------------------------------------------------


class Pipe:
    """An ``os.pipe()`` (``r``, ``w``) whose ends a test may close; the rest are closed after
    the test (see ``make_pipe``)."""

    def __init__(self, blocking: bool = True) -> None:
        self.r, self.w = os.pipe()
        os.set_blocking(self.r, blocking)
        os.set_blocking(self.w, blocking)
        self.open = {self.r, self.w}

    def close(self, fd: int, green: bool = True) -> None:
        """Close ``fd`` (with eventlet.green.os.close unless ``green`` is false), once only."""
        self.open.discard(fd)  # never twice: the number may belong to another file by then
        (green_os.close if green else os.close)(fd)

    def close_all(self) -> None:
        """Close the ends still open."""
        for fd in list(self.open):
            self.close(fd)


@pytest.fixture
def make_pipe(fresh_hub: None) -> Iterator[Callable[..., Pipe]]:
    """``make_pipe(blocking=True)``: a new :class:`Pipe`; all are closed after the test."""
    pipes: list[Pipe] = []

    def make(blocking: bool = True) -> Pipe:
        pipes.append(Pipe(blocking))
        return pipes[-1]

    yield make
    for made in pipes:
        made.close_all()


@pytest.fixture
def pipe(make_pipe: Callable[..., Pipe]) -> Pipe:
    """A blocking :class:`Pipe`, closed after the test."""
    return make_pipe()


# -- green threads -----------------------------------------------------------------------------


class Ticker:
    """A green thread counting its turns: proof that the hub ran other green threads meanwhile."""

    def __init__(self, interval: float = 0.001) -> None:
        self.ticks = 0
        self._interval = interval
        self._running = True
        self._thread = spawn(self._run)

    def _run(self) -> None:
        while self._running:
            self.ticks += 1
            sleep(self._interval)

    def stop(self) -> int:
        """Stop the green thread (once it wakes) and return how many turns it had."""
        self._running = False
        self._thread.wait()
        return self.ticks


@pytest.fixture
def start_ticker(fresh_hub: None) -> Iterator[Callable[..., Ticker]]:
    """``start_ticker(interval=0.001)``: a running :class:`Ticker`; all stopped afterwards."""
    tickers: list[Ticker] = []

    def start(interval: float = 0.001) -> Ticker:
        tickers.append(Ticker(interval))
        return tickers[-1]

    yield start
    for ticker in tickers:
        ticker.stop()


class Gate:
    """Holds green threads back until ``count`` have arrived and the test opens it: a test that
    sees ``all_arrived`` knows that ``count`` requests were in flight at the same time."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.arrived: list[Any] = []
        self.all_arrived = Event()  # sent when the count-th green thread arrives
        self._opened = Event()

    def arrive(self, what: Any = None) -> None:
        """Note ``what`` in ``arrived``, then wait until the gate is opened."""
        self.arrived.append(what)
        if len(self.arrived) == self.count:
            self.all_arrived.send()
        self._opened.wait()

    def open(self) -> None:
        """Let every green thread waiting in :meth:`arrive` (and any later one) go on."""
        self._opened.send()


@pytest.fixture
def make_gate(fresh_hub: None) -> Callable[[int], Gate]:
    """``make_gate(count)``: a new closed :class:`Gate` for ``count`` green threads."""
    return Gate


def _wait_until(condition: Callable[[], bool]) -> None:
    """Let the other green threads run until ``condition()`` holds (a test's Timeout bounds it)."""
    while not condition():
        sleep(0.001)


@pytest.fixture
def wait_until() -> Callable[[Callable[[], bool]], None]:
    """``wait_until(condition)``: yield to the other green threads until ``condition()``."""
    return _wait_until


# -- socketserver and http.server --------------------------------------------------------------


class QuietHTTPHandler(green_http_server.BaseHTTPRequestHandler):
    """A green HTTP/1.1 request handler that logs nothing, with ``reply()`` to send a body."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the stdlib's name)
        pass

    def reply(
        self, body: bytes, status: int = 200, headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Send ``status`` with ``headers``, a text/plain Content-Type and ``body``."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class GreenServers:
    """socketserver servers a test starts: each serves in a green thread until the test ends.

    ``HTTPHandler`` is :class:`QuietHTTPHandler`, for the tests' HTTP handlers to subclass.
    """

    HTTPHandler = QuietHTTPHandler

    def __init__(self) -> None:
        self._running: list[tuple[Any, Any]] = []

    def start(self, server_class: type, address: Any, handler: type) -> Any:
        """A new ``server_class(address, handler)``, serving in a green thread."""
        return self._serve(server_class(address, handler))

    def start_http(
        self,
        handler: type,
        server_class: type = green_http_server.ThreadingHTTPServer,
        tls: Any = None,
    ) -> tuple[str, int]:
        """A green HTTP server on 127.0.0.1 (HTTPS with the SSLContext ``tls``): its address."""
        server = server_class(("127.0.0.1", 0), handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        host, port = self._serve(server).server_address[:2]
        return host, port

    def start_url(self, handler: type, tls: Any = None) -> str:
        """As :meth:`start_http`, but the server's base URL: ``http(s)://127.0.0.1:port``."""
        host, port = self.start_http(handler, tls=tls)
        return f"{'https' if tls is not None else 'http'}://{host}:{port}"

    def _serve(self, server: Any) -> Any:
        self._running.append((server, spawn(server.serve_forever, 0.05)))
        return server

    def close(self) -> None:
        """Shut every server down, wait for its green thread and close it."""
        with Timeout(10):
            for server, runner in self._running:
                server.shutdown()
                runner.wait()
                server.server_close()


@pytest.fixture
def green_servers(fresh_hub: None) -> Iterator[GreenServers]:
    """A :class:`GreenServers`: socketserver and http.server servers for the test to start."""
    servers = GreenServers()
    yield servers
    servers.close()
