"""Fixtures: WSGI servers in subprocesses (tests/wsgi_testserver.py), raw socket helpers and
a TLS certificate made for the test run."""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import subprocess
import sys
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SERVER_SCRIPT = Path(__file__).with_name("wsgi_testserver.py")


class ServerProcess:
    """A running test server: ``port``, ``process``; ``connect()`` opens a raw client socket."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), json.dumps(options)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("PORT "):
            self.process.kill()
            raise RuntimeError(f"test server did not start: {line!r} {self.process.stderr.read()}")  # type: ignore[union-attr]
        self.port = int(line.split()[1])

    def connect(self, timeout: float = 10.0) -> socket.socket:
        """A plain client socket connected to the server."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def wait_stopped(self, timeout: float = 20.0) -> str:
        """Wait for the server process to end after a shutdown; return what it printed."""
        out, err = self.process.communicate(timeout=timeout)
        return out

    def stop(self) -> str:
        """Kill the server process; return its stderr (the log)."""
        if self.process.poll() is None:
            self.process.kill()
        _, err = self.process.communicate(timeout=20)
        return err


@pytest.fixture
def start_server() -> Iterator[Callable[..., ServerProcess]]:
    """Start test servers with the given ``eventlet.wsgi.server`` options; all are killed
    at the end of the test."""
    servers: list[ServerProcess] = []

    def start(**options: Any) -> ServerProcess:
        options.setdefault("log_output", False)
        server = ServerProcess(options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ServerProcess]:
    """One default server for the tests that need no special options."""
    server = ServerProcess({"log_output": False})
    yield server
    server.stop()


_leftovers: weakref.WeakKeyDictionary[Any, bytes] = weakref.WeakKeyDictionary()


def read_response(sock: socket.socket) -> tuple[bytes, dict[str, str], bytes]:
    """Read one response (body framed by Content-Length, chunked, or the end of the
    connection): return (status line, headers with lowercase names, body). Bytes read past
    it are kept for the next call on the same socket."""
    buffer = _leftovers.pop(sock, b"")

    def more() -> bytes:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError(f"connection closed early: {buffer[:200]!r}")
        return data

    while b"\r\n\r\n" not in buffer:
        buffer += more()
    head, _, buffer = buffer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    status = lines[0]
    code = int(status.split()[1])
    if code < 200 or code in (204, 304):
        _leftovers[sock] = buffer
        return status, headers, b""
    if "content-length" in headers:
        length = int(headers["content-length"])
        while len(buffer) < length:
            buffer += more()
        _leftovers[sock] = buffer[length:]
        return status, headers, buffer[:length]
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            while b"\r\n" not in buffer:
                buffer += more()
            size_line, _, buffer = buffer.partition(b"\r\n")
            size = int(size_line, 16)
            while len(buffer) < size + 2:
                buffer += more()
            body += buffer[:size]
            buffer = buffer[size + 2 :]
            if size == 0:
                _leftovers[sock] = buffer
                return status, headers, body
    return status, headers, buffer + recv_until_closed(sock)


def recv_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (after what
    :func:`read_response` kept)."""
    chunks = [_leftovers.pop(sock, b"")]
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


@pytest.fixture
def http() -> Any:
    """The raw-HTTP helpers: ``http.read_response(sock)``, ``http.recv_until_closed(sock)``."""

    class Helpers:
        pass

    helpers = Helpers()
    helpers.read_response = staticmethod(read_response)  # type: ignore[attr-defined]
    helpers.recv_until_closed = staticmethod(recv_until_closed)  # type: ignore[attr-defined]
    return helpers


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A self-signed certificate for 127.0.0.1/localhost, made with ``cryptography``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    certfile = folder / "cert.pem"
    keyfile = folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return {"certfile": str(certfile), "keyfile": str(keyfile)}
