"""Tests of eventlet.green.OpenSSL: real TLS over loopback, server and client in one OS thread.

The certificates are the shared ones of conftest.py (``tls_files``). A Timeout guard turns a
missed wake-up into a failure instead of a hang.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from typing import Any

import pytest

SSL = pytest.importorskip("eventlet.green.OpenSSL.SSL", exc_type=ImportError)

import OpenSSL  # noqa: E402  (pyOpenSSL itself, for comparison)
import OpenSSL.SSL as real_SSL  # noqa: E402

from eventlet.event import Event  # noqa: E402
from eventlet.greenio import GreenSocket  # noqa: E402
from eventlet.greenthread import sleep, spawn  # noqa: E402
from eventlet.hubs import IOClosed  # noqa: E402
from eventlet.timeout import Timeout  # noqa: E402

GUARD = 20  # seconds: far more than any of these tests needs


@pytest.fixture
def server_context(tls_files: Any) -> Any:
    """A pyOpenSSL server context with the shared test certificate for localhost."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.use_certificate_file(tls_files.cert)
    context.use_privatekey_file(tls_files.key)
    return context


@pytest.fixture
def client_context(tls_files: Any) -> Any:
    """A pyOpenSSL client context that verifies the server against the test CA."""
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_verify(SSL.VERIFY_PEER)
    context.load_verify_locations(tls_files.ca)
    return context


def make_client_socket(kind: str) -> Any:
    if kind == "plain":
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    return GreenSocket(socket.AF_INET, socket.SOCK_STREAM)


@pytest.fixture
def tls_pair(
    server_context: Any, client_context: Any, green_listener: Any
) -> Callable[..., tuple[Any, Any]]:
    """``tls_pair(kind="green")``: a handshaken (server connection, client connection) pair over
    loopback TCP; the client's socket is a GreenSocket, or a stdlib socket if kind is "plain"."""

    def make(kind: str = "green") -> tuple[Any, Any]:
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

    return make


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
def test_server_and_client_exchange_data(tls_pair: Any, kind: str) -> None:
    with Timeout(GUARD):
        server, client = tls_pair(kind)
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


def test_large_payloads_cross(tls_pair: Any) -> None:
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
        server, client = tls_pair("plain")
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
def test_handshake_times_out_against_a_silent_server(
    client_context: Any, kind: str, silent_server: Any, start_ticker: Any
) -> None:
    # The server accepts the TCP connection but never answers the ClientHello.
    with Timeout(GUARD):
        ticker = start_ticker(0.01)
        sock = make_client_socket(kind)
        sock.settimeout(0.3)
        client = SSL.Connection(client_context, sock)
        client.connect(silent_server.address)
        with pytest.raises(socket.timeout, match="timed out"):
            client.do_handshake()
        assert ticker.stop() > 0  # the wait was green: the other green thread ran
    assert client.gettimeout() == 0.3
    client.close()


def test_recv_timeout_after_handshake(tls_pair: Any) -> None:
    with Timeout(GUARD):
        server, client = tls_pair()
        client.settimeout(0.1)
        with pytest.raises(TimeoutError):
            client.recv(10)
        # Still usable afterwards.
        client.settimeout(None)
        spawn(server.sendall, b"late")
        assert client.recv(10) == b"late"


def test_shutdown_both_ways(tls_pair: Any) -> None:
    with Timeout(GUARD):
        server, client = tls_pair()
        assert client.shutdown() is False  # ours is sent, the server's not yet
        with pytest.raises(SSL.ZeroReturnError):
            server.recv(100)
        assert server.shutdown() is True  # both alerts have now crossed
        assert client.shutdown() is True  # waits for the server's alert, green
        assert client.get_shutdown() == SSL.SENT_SHUTDOWN | SSL.RECEIVED_SHUTDOWN


def test_unexpected_eof_is_syscallerror_as_in_pyopenssl(tls_pair: Any) -> None:
    with Timeout(GUARD):
        server, client = tls_pair()
        server.close()  # TCP close, no TLS close-notify
        with pytest.raises(SSL.SysCallError) as caught:
            client.recv(100)
    assert caught.value.args[0] == -1


def test_nonblocking_socket_lets_want_read_through(tls_pair: Any) -> None:
    with Timeout(GUARD):
        server, client = tls_pair()
        client.setblocking(False)
        with pytest.raises(SSL.WantReadError):
            client.recv(100)
        server.sendall(b"now")
        client.setblocking(True)
        assert client.recv(100) == b"now"


def test_close_while_another_green_thread_waits(tls_pair: Any) -> None:
    with Timeout(GUARD):
        server, client = tls_pair()
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
