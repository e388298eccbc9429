"""Tests of eventlet.green.OpenSSL: real TLS over loopback, server and client in one OS thread.

The certificate is made by the test (the cryptography package). A Timeout guard turns a
missed wake-up into a failure instead of a hang.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SSL = pytest.importorskip("eventlet.green.OpenSSL.SSL", exc_type=ImportError)

import OpenSSL  # noqa: E402  (pyOpenSSL itself, for comparison)
import OpenSSL.SSL as real_SSL  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from eventlet.event import Event  # noqa: E402
from eventlet.greenio import GreenSocket  # noqa: E402
from eventlet.greenthread import sleep, spawn  # noqa: E402
from eventlet.hubs import IOClosed  # noqa: E402
from eventlet.timeout import Timeout  # noqa: E402

GUARD = 20  # seconds: far more than any of these tests needs


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 and its key, as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
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
    cert_path = folder / "cert.pem"
    key_path = folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def server_context(cert_files: tuple[Path, Path]) -> Any:
    cert_path, key_path = cert_files
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.use_certificate_file(str(cert_path))
    context.use_privatekey_file(str(key_path))
    return context


@pytest.fixture
def client_context(cert_files: tuple[Path, Path]) -> Any:
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_verify(SSL.VERIFY_PEER)
    context.load_verify_locations(str(cert_files[0]))
    return context


def green_listener() -> GreenSocket:
    sock = GreenSocket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


def make_client_socket(kind: str) -> Any:
    if kind == "plain":
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    return GreenSocket(socket.AF_INET, socket.SOCK_STREAM)


def tls_pair(server_context: Any, client_context: Any, kind: str = "green") -> tuple[Any, Any]:
    """A handshaken (server connection, client connection) pair over loopback TCP."""
    listener = SSL.Connection(server_context, green_listener())
    address = listener.getsockname()

    def serve() -> Any:
        connection, _ = listener.accept()
        connection.do_handshake()
        return connection

    server_thread = spawn(serve)
    client = SSL.Connection(client_context, make_client_socket(kind))
    client.set_tlsext_host_name(b"localhost")
    client.connect(address)
    client.do_handshake()
    server = server_thread.wait()
    listener.close()
    return server, client


def test_module_is_pyopenssl_with_a_green_connection() -> None:
    from eventlet.green import OpenSSL as green_openssl
    from eventlet.green.OpenSSL import crypto, tsafe, version

    assert issubclass(SSL.Connection, real_SSL.Connection)
    assert SSL.Connection is not real_SSL.Connection
    assert SSL.Connection.__name__ == "Connection"
    assert SSL.__all__ == real_SSL.__all__ and SSL.__patched__ == ["Connection"]
    for name in real_SSL.__all__:
        if name != "Connection":
            assert getattr(SSL, name) is getattr(real_SSL, name), name
    assert SSL.GreenConnection is SSL.Connection is tsafe.Connection
    assert crypto.__all__ == OpenSSL.crypto.__all__
    assert crypto.X509 is OpenSSL.crypto.X509 and crypto.FILETYPE_PEM == OpenSSL.crypto.FILETYPE_PEM
    assert version.__version__ == OpenSSL.version.__version__
    assert green_openssl.SSL is SSL and green_openssl.__version__ == OpenSSL.__version__
    assert green_openssl.__all__ == OpenSSL.__all__


@pytest.mark.all_hubs
@pytest.mark.parametrize("kind", ["plain", "green"])
def test_server_and_client_exchange_data(
    server_context: Any, client_context: Any, kind: str
) -> None:
    with Timeout(GUARD):
        server, client = tls_pair(server_context, client_context, kind)
        assert isinstance(server, SSL.Connection) and isinstance(client, SSL.Connection)
        peer = client.get_peer_certificate(as_cryptography=True)
        assert peer.subject.rfc4514_string() == "CN=localhost"
        assert server.get_servername() == b"localhost"

        def echo() -> None:
            while True:
                try:
                    data = server.recv(4096)
                except SSL.ZeroReturnError:
                    return
                server.sendall(data.upper())

        echoer = spawn(echo)
        for word in (b"hello", b"green", b"tls"):
            client.sendall(word)
            assert client.recv(4096) == word.upper()
        client.write(b"via write")
        assert client.read(100) == b"VIA WRITE"
        buffer = bytearray(64)
        client.send(b"into")
        assert client.recv_into(buffer) == 4 and bytes(buffer[:4]) == b"INTO"
        client.shutdown()
        echoer.wait()
        client.close()
        server.close()


def test_large_payloads_cross(server_context: Any, client_context: Any) -> None:
    size = 6 * 1024 * 1024
    to_server = os.urandom(size)
    to_client = os.urandom(size)
    log: list[str] = []

    def receive_all(connection: Any, count: int, who: str) -> bytes:
        chunks = []
        got = 0
        while got < count:
            chunk = connection.recv(65536)
            chunks.append(chunk)
            got += len(chunk)
            log.append(who)
        return b"".join(chunks)

    with Timeout(GUARD):
        server, client = tls_pair(server_context, client_context, "plain")
        # Both sides write and read at the same time, each from two green threads: with
        # one green thread per side that only wrote, both would wait for ever.
        threads = [
            spawn(server.sendall, to_client),
            spawn(client.sendall, to_server),
        ]
        at_server = spawn(receive_all, server, size, "server")
        at_client = spawn(receive_all, client, size, "client")
        assert hashlib.sha256(at_server.wait()).digest() == hashlib.sha256(to_server).digest()
        assert hashlib.sha256(at_client.wait()).digest() == hashlib.sha256(to_client).digest()
        assert [thread.wait() for thread in threads] == [size, size]
    # The two transfers interleaved: neither side had everything before the other started.
    assert log.index("server") < len(log) - 1 - log[::-1].index("client")
    assert log.index("client") < len(log) - 1 - log[::-1].index("server")


@pytest.mark.parametrize("kind", ["plain", "green"])
def test_handshake_times_out_against_a_silent_server(client_context: Any, kind: str) -> None:
    # The server accepts the TCP connection but never answers the ClientHello.
    listener = green_listener()
    accepted: list[Any] = []
    ticks = 0
    done = Event()

    def silent() -> None:
        accepted.append(listener.accept()[0])

    def tick() -> None:
        nonlocal ticks
        while not done.ready():
            ticks += 1
            sleep(0.01)

    with Timeout(GUARD):
        spawn(silent)
        ticker = spawn(tick)
        sock = make_client_socket(kind)
        sock.settimeout(0.3)
        client = SSL.Connection(client_context, sock)
        client.connect(listener.getsockname())
        with pytest.raises(socket.timeout, match="timed out"):
            client.do_handshake()
        done.send()
        ticker.wait()
    assert ticks > 0  # the wait was green: the other green thread ran
    assert client.gettimeout() == 0.3
    client.close()
    for sock in accepted:
        sock.close()
    listener.close()


def test_recv_timeout_after_handshake(server_context: Any, client_context: Any) -> None:
    with Timeout(GUARD):
        server, client = tls_pair(server_context, client_context)
        client.settimeout(0.1)
        with pytest.raises(TimeoutError):
            client.recv(10)
        # Still usable afterwards.
        client.settimeout(None)
        spawn(server.sendall, b"late")
        assert client.recv(10) == b"late"


def test_shutdown_both_ways(server_context: Any, client_context: Any) -> None:
    with Timeout(GUARD):
        server, client = tls_pair(server_context, client_context)
        assert client.shutdown() is False  # ours is sent, the server's not yet
        with pytest.raises(SSL.ZeroReturnError):
            server.recv(100)
        assert server.shutdown() is True  # both alerts have now crossed
        assert client.shutdown() is True  # waits for the server's alert, green
        assert client.get_shutdown() == SSL.SENT_SHUTDOWN | SSL.RECEIVED_SHUTDOWN


def test_unexpected_eof_is_syscallerror_as_in_pyopenssl(
    server_context: Any, client_context: Any
) -> None:
    with Timeout(GUARD):
        server, client = tls_pair(server_context, client_context)
        server.close()  # TCP close, no TLS close-notify
        with pytest.raises(SSL.SysCallError) as caught:
            client.recv(100)
    assert caught.value.args[0] == -1


def test_nonblocking_socket_lets_want_read_through(
    server_context: Any, client_context: Any
) -> None:
    with Timeout(GUARD):
        server, client = tls_pair(server_context, client_context)
        client.setblocking(False)
        with pytest.raises(SSL.WantReadError):
            client.recv(100)
        server.sendall(b"now")
        client.setblocking(True)
        assert client.recv(100) == b"now"


def test_close_while_another_green_thread_waits(server_context: Any, client_context: Any) -> None:
    with Timeout(GUARD):
        server, client = tls_pair(server_context, client_context)
        started = Event()

        def reader() -> BaseException | None:
            started.send()
            try:
                client.recv(100)
            except (OSError, SSL.Error) as error:
                return error
            return None

        thread = spawn(reader)
        started.wait()
        sleep(0)
        client.close()
        error = thread.wait()
    assert isinstance(error, IOClosed)
    server.close()


def test_memory_bio_connection_is_left_as_pyopenssl_has_it(client_context: Any) -> None:
    connection = SSL.Connection(client_context, None)
    connection.set_connect_state()
    with Timeout(GUARD):
        with pytest.raises(SSL.WantReadError):
            connection.do_handshake()  # nothing to wait on: the caller feeds the BIO
    hello = connection.bio_read(65536)
    assert hello[:1] == b"\x16"  # a TLS handshake record: the ClientHello


def test_bad_transport_is_rejected(client_context: Any) -> None:
    with pytest.raises(TypeError, match="transport"):
        SSL.Connection(client_context, object())


def test_import_without_pyopenssl_names_the_extra(run_python: Callable[..., Any]) -> None:
    result = run_python(
        "import sys\n"
        "sys.modules['OpenSSL'] = None\n"
        "try:\n"
        "    import eventlet.green.OpenSSL.SSL\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    assert result.returncode == 0, result.stderr
    assert "pip install 'eventlet-green[openssl]'" in result.stdout


@pytest.mark.parametrize("module", ["", ".SSL", ".crypto", ".version", ".tsafe"])
def test_import_is_silent(run_python: Callable[..., Any], module: str) -> None:
    result = run_python(f"import eventlet.green.OpenSSL{module}", "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
