"""Tests of eventlet.green.ssl: real TLS over loopback with the test certificates of conftest.py.

Both ends are green threads of one OS thread unless a test says otherwise; every test runs
under an eventlet Timeout, so a green call that never returns fails the test instead of
hanging it.
"""

from __future__ import annotations

import errno
import os
import socket as stdlib_socket
import ssl as stdlib_ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eventlet import hubs
from eventlet.green import ssl as green_ssl
from eventlet.greenio import GreenSocket
from eventlet.greenthread import spawn
from eventlet.timeout import Timeout

MB = 1024 * 1024


# -- helpers --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def guard(fresh_hub: None) -> Iterator[None]:
    """Every test fails after 30 s instead of hanging (made on the test's own hub)."""
    with Timeout(30):
        yield


def server_context(tls_files: Any) -> green_ssl.SSLContext:
    context = green_ssl.SSLContext(green_ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files.cert, tls_files.key)
    return context


def client_context(tls_files: Any) -> green_ssl.SSLContext:
    return green_ssl.create_default_context(cafile=tls_files.ca)


def green_connection(address: Any) -> GreenSocket:
    sock = GreenSocket(stdlib_socket.AF_INET, stdlib_socket.SOCK_STREAM)
    sock.connect(address)
    return sock


@pytest.fixture
def tls_pair(tls_files: Any, green_listener: Any) -> Callable[..., tuple[Any, Any]]:
    """``tls_pair(hostname="localhost", **client_options)``: a connected (client, server) pair
    of green TLS sockets, handshakes done."""

    def make(hostname: str = "localhost", **client_options: Any) -> tuple[Any, Any]:
        listener = green_listener()

        def accept() -> Any:
            conn, _ = listener.accept()
            return server_context(tls_files).wrap_socket(conn, server_side=True)

        server = spawn(accept)
        raw = green_connection(listener.getsockname())
        client = client_context(tls_files).wrap_socket(
            raw, server_hostname=hostname, **client_options
        )
        server_side = server.wait()
        listener.close()
        return client, server_side

    return make


def waiting_on(fileno: int, readers: bool = True) -> bool:
    hub = hubs.get_hub()
    listeners = hub.get_readers() if readers else hub.get_writers()
    return any(listener.fileno == fileno for listener in listeners)


# -- the module -----------------------------------------------------------------------------


def test_module_has_every_stdlib_name_and_replaces_only_patched_ones() -> None:
    names = [name for name in vars(stdlib_ssl) if not name.startswith("__")]
    missing = [name for name in names if not hasattr(green_ssl, name)]
    assert missing == []
    changed = sorted(
        name for name in names if getattr(green_ssl, name) is not getattr(stdlib_ssl, name)
    )
    assert changed == sorted(green_ssl.__patched__)
    assert hasattr(green_ssl, "__all__") == hasattr(stdlib_ssl, "__all__")
    extra = {name for name in vars(green_ssl) if not name.startswith("_")} - set(names)
    assert extra == {"GreenSSLContext", "GreenSSLSocket"}


def test_green_classes_and_context_factories() -> None:
    assert green_ssl.SSLContext is green_ssl.GreenSSLContext
    assert green_ssl.SSLSocket is green_ssl.GreenSSLSocket
    assert issubclass(green_ssl.GreenSSLSocket, stdlib_ssl.SSLSocket)
    assert issubclass(green_ssl.GreenSSLContext, stdlib_ssl.SSLContext)
    assert green_ssl.GreenSSLContext.sslsocket_class is green_ssl.GreenSSLSocket
    assert green_ssl.GreenSSLContext.sslobject_class is stdlib_ssl.SSLObject
    default = green_ssl.create_default_context()
    assert type(default) is green_ssl.GreenSSLContext
    assert default.check_hostname and default.verify_mode == stdlib_ssl.CERT_REQUIRED
    server = green_ssl.create_default_context(green_ssl.Purpose.CLIENT_AUTH)
    assert type(server) is green_ssl.GreenSSLContext
    unverified = green_ssl._create_unverified_context()
    assert type(unverified) is green_ssl.GreenSSLContext
    assert unverified.verify_mode == stdlib_ssl.CERT_NONE and not unverified.check_hostname
    assert type(green_ssl._create_stdlib_context()) is green_ssl.GreenSSLContext
    assert type(green_ssl._create_default_https_context()) is green_ssl.GreenSSLContext
    with pytest.raises(TypeError):
        green_ssl.create_default_context("not a purpose")  # type: ignore[arg-type]


def test_wrap_socket_function_follows_the_running_python() -> None:
    assert hasattr(green_ssl, "wrap_socket") == hasattr(stdlib_ssl, "wrap_socket")
    if not hasattr(stdlib_ssl, "wrap_socket"):
        return
    assert "wrap_socket" in green_ssl.__patched__
    sock = GreenSocket(stdlib_socket.AF_INET, stdlib_socket.SOCK_STREAM)
    with pytest.warns(DeprecationWarning):
        wrapped = green_ssl.wrap_socket(sock)
    assert type(wrapped) is green_ssl.GreenSSLSocket
    wrapped.close()


def test_import_prints_and_warns_nothing(run_python: Callable[..., Any]) -> None:
    result = run_python("import eventlet.green.ssl", "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


def test_constructor_is_not_public() -> None:
    with pytest.raises(TypeError, match="does not have a public constructor"):
        green_ssl.GreenSSLSocket()


# -- handshakes and data --------------------------------------------------------------------


@pytest.mark.all_hubs
def test_handshake_and_echo(tls_pair: Any, recv_exactly: Any) -> None:
    client, server = tls_pair()
    assert type(client) is green_ssl.GreenSSLSocket and type(server) is green_ssl.GreenSSLSocket
    assert client.version() == server.version() is not None
    assert not client.server_side and server.server_side
    subject = dict(item[0] for item in client.getpeercert()["subject"])
    assert subject["commonName"] == "localhost"

    def echo() -> None:
        while data := server.recv(1024):
            server.sendall(data[::-1])

    echoer = spawn(echo)
    for message in (b"hello", b"green", b"tls" * 100):
        client.sendall(message)
        assert recv_exactly(client, len(message)) == message[::-1]
    buffer = bytearray(5)
    client.write(b"abcde")
    assert client.recv_into(buffer) == 5 and bytes(buffer) == b"edcba"
    # What the stdlib refuses on a TLS socket, this one refuses too.
    with pytest.raises(ValueError):
        client.recvfrom(10)
    with pytest.raises(ValueError):
        client.sendto(b"x", ("127.0.0.1", 9))
    with pytest.raises(ValueError):
        client.send(b"x", stdlib_socket.MSG_DONTWAIT)
    with pytest.raises(NotImplementedError):
        client.recvmsg(10)
    client.close()
    echoer.wait()
    server.close()


def test_wrap_socket_accepts_stdlib_and_green_sockets_and_keeps_their_timeout(
    tls_files: Any, green_listener: Any,
) -> None:
    listener = green_listener()
    address = listener.getsockname()
    accepted: list[Any] = []

    def serve(count: int) -> None:
        for _ in range(count):
            conn, _ = listener.accept()
            accepted.append(server_context(tls_files).wrap_socket(conn, server_side=True))

    server = spawn(serve, 2)
    plain = stdlib_socket.create_connection(address)
    plain.settimeout(7.0)
    first = client_context(tls_files).wrap_socket(plain, server_hostname="localhost")
    green = green_connection(address)
    green.settimeout(None)
    second = client_context(tls_files).wrap_socket(green, server_hostname="localhost")
    server.wait()
    assert plain.fileno() == -1 and green.fileno() == -1  # both detached into the TLS socket
    assert type(first) is type(second) is green_ssl.GreenSSLSocket
    assert first.gettimeout() == 7.0 and second.gettimeout() is None
    for sock in (first, second):
        # The OS socket never blocks; the user's timeout lives in Python.
        assert os.get_blocking(sock.fileno()) is False
    first.settimeout(0.0)
    assert first.gettimeout() == 0.0 and first.timeout == 0.0 and not first.getblocking()
    first.setblocking(True)
    assert first.gettimeout() is None and first.getblocking()
    first.settimeout(2)
    assert first.gettimeout() == 2.0 and first.getblocking()
    assert os.get_blocking(first.fileno()) is False
    with pytest.raises(ValueError):
        first.settimeout(-1)
    with pytest.raises(TypeError):
        first.settimeout("soon")  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError):
        first.dup()
    for sock in (first, second, *accepted):
        sock.close()
    listener.close()


@pytest.mark.parametrize("hostname", ["localhost", "127.0.0.1", "::1"])
def test_hostname_verification_succeeds(hostname: str, tls_pair: Any, recv_exactly: Any) -> None:
    client, server = tls_pair(hostname=hostname)
    assert client.server_hostname == hostname
    client.sendall(b"ok")
    assert recv_exactly(server, 2) == b"ok"
    client.close()
    server.close()


def test_hostname_verification_failure(tls_files: Any, green_listener: Any) -> None:
    listener = green_listener()
    server_errors: list[BaseException] = []

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            server_context(tls_files).wrap_socket(conn, server_side=True)
        except (stdlib_ssl.SSLError, OSError) as exc:  # the client aborts the handshake
            server_errors.append(exc)

    server = spawn(serve)
    raw = green_connection(listener.getsockname())
    with pytest.raises(stdlib_ssl.SSLCertVerificationError) as info:
        client_context(tls_files).wrap_socket(raw, server_hostname="example.com")
    assert "example.com" in str(info.value) or "match" in str(info.value)
    assert info.value.verify_code == 62  # X509_V_ERR_HOSTNAME_MISMATCH
    server.wait()
    assert len(server_errors) == 1
    listener.close()


def test_unknown_ca_fails_verification(tls_files: Any, green_listener: Any) -> None:
    listener = green_listener()

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            server_context(tls_files).wrap_socket(conn, server_side=True)
        except (stdlib_ssl.SSLError, OSError):
            pass

    server = spawn(serve)
    raw = green_connection(listener.getsockname())
    context = green_ssl.SSLContext(green_ssl.PROTOCOL_TLS_CLIENT)  # trusts no CA at all
    with pytest.raises(stdlib_ssl.SSLCertVerificationError):
        context.wrap_socket(raw, server_hostname="localhost")
    server.wait()
    listener.close()


@pytest.mark.all_hubs
def test_large_payloads_both_ways_while_another_green_thread_runs(
    tls_pair: Any, recv_exactly: Any, start_ticker: Any
) -> None:
    client, server = tls_pair()
    size = 8 * MB
    upstream = os.urandom(size)

    def echo() -> int:
        done = 0
        while done < size:
            data = server.recv(65536)
            assert data
            server.sendall(data)
            done += len(data)
        return done

    ticker = start_ticker()
    echoer = spawn(echo)
    writer = spawn(client.sendall, upstream)
    first = client.recv(65536)
    ticks_at_first_chunk = ticker.ticks
    rest = recv_exactly(client, size - len(first))
    ticks_at_end = ticker.ticks
    writer.wait()
    assert echoer.wait() == size
    assert first + rest == upstream
    # The ticker's turns came while the megabytes were flowing, not only before or after.
    assert ticks_at_end > ticks_at_first_chunk
    ticker.stop()
    client.close()
    server.close()


# -- timeouts and non-blocking mode ---------------------------------------------------------


def stdlib_handshake_timeout_message(address: Any, tls_files: Any) -> str:
    """What the stdlib itself says when a handshake times out against ``address``."""
    context = stdlib_ssl.create_default_context(cafile=tls_files.ca)
    with stdlib_socket.create_connection(address) as sock:
        sock.settimeout(0.05)
        with pytest.raises(TimeoutError) as info:
            context.wrap_socket(sock, server_hostname="localhost")
    return str(info.value)


def test_handshake_timeout_against_a_silent_peer(tls_files: Any, start_ticker: Any) -> None:
    silent = stdlib_socket.create_server(("127.0.0.1", 0))  # never accepts, never answers
    address = silent.getsockname()
    expected = stdlib_handshake_timeout_message(address, tls_files)
    assert "The handshake operation timed out" in expected
    raw = green_connection(address)
    raw.settimeout(0.2)
    ticker = start_ticker()
    with pytest.raises(TimeoutError) as info:
        client_context(tls_files).wrap_socket(raw, server_hostname="localhost")
    assert str(info.value) == expected
    assert type(info.value) is TimeoutError and isinstance(info.value, stdlib_socket.timeout)
    assert ticker.stop() > 0  # the wait was green
    silent.close()


@pytest.mark.all_hubs
def test_recv_timeout_against_a_silent_peer(
    tls_pair: Any, recv_exactly: Any, start_ticker: Any
) -> None:
    client, server = tls_pair()
    client.settimeout(0.1)
    ticker = start_ticker()
    with pytest.raises(TimeoutError, match="^The read operation timed out$"):
        client.recv(10)
    with pytest.raises(TimeoutError, match="^The read operation timed out$"):
        client.read(10)
    with pytest.raises(TimeoutError, match="^The read operation timed out$"):
        client.recv_into(bytearray(10))
    assert ticker.stop() > 0
    # The connection still works afterwards.
    server.sendall(b"late")
    assert recv_exactly(client, 4) == b"late"
    client.close()
    server.close()


def test_send_timeout_against_a_peer_that_never_reads(tls_pair: Any) -> None:
    client, server = tls_pair()
    client.settimeout(0.2)
    chunk = b"x" * 65536
    sent = 0
    with pytest.raises(TimeoutError, match="^The write operation timed out$"):
        for _ in range(10_000):
            sent += client.send(chunk)
    assert sent > 0
    with pytest.raises(TimeoutError, match="^The write operation timed out$"):
        for _ in range(10_000):  # the kernel may have grown its buffers meanwhile
            client.sendall(chunk)
    client.close()
    server.close()


def test_non_blocking_mode_raises_want_read_and_want_write(tls_pair: Any) -> None:
    client, server = tls_pair()
    client.setblocking(False)
    with pytest.raises(stdlib_ssl.SSLWantReadError):
        client.recv(10)
    with pytest.raises(stdlib_ssl.SSLWantReadError):
        client.read(10)
    chunk = b"y" * 65536
    with pytest.raises(stdlib_ssl.SSLWantWriteError):
        for _ in range(10_000):
            client.send(chunk)
    client.close()
    server.close()


def test_non_blocking_handshake(tls_files: Any, green_listener: Any) -> None:
    listener = green_listener()

    def serve() -> Any:
        conn, _ = listener.accept()
        return server_context(tls_files).wrap_socket(conn, server_side=True)

    context = client_context(tls_files)
    raw = green_connection(listener.getsockname())
    raw.setblocking(False)
    with pytest.raises(ValueError, match="non-blocking"):
        context.wrap_socket(raw, server_hostname="localhost")
    assert raw.fileno() == -1  # the stdlib closed it
    # The refused connection still waits in the backlog: take it off and drop it.
    stale, _ = listener.accept()
    stale.close()
    server2 = spawn(serve)
    raw = green_connection(listener.getsockname())
    raw.setblocking(False)
    client = context.wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False)
    with pytest.raises(stdlib_ssl.SSLWantReadError):
        client.do_handshake()  # the server has not answered yet
    client.do_handshake(block=True)  # waits (green) although the socket is non-blocking
    assert client.gettimeout() == 0.0
    assert client.version() is not None
    peer = server2.wait()
    peer.sendall(b"after")
    while True:  # the way a non-blocking program reads: try, and wait when OpenSSL wants more
        try:
            data = client.recv(5)
            break
        except stdlib_ssl.SSLWantReadError:
            hubs.trampoline(client.fileno(), read=True)  # session tickets come first
    assert data == b"after"
    client.close()
    peer.close()
    listener.close()


def test_accept_timeout_on_a_green_tls_listener(tls_files: Any, green_listener: Any) -> None:
    listener = server_context(tls_files).wrap_socket(green_listener(), server_side=True)
    listener.settimeout(0.1)
    with pytest.raises(TimeoutError, match="^timed out$"):
        listener.accept()
    listener.setblocking(False)
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()


# -- other peers ----------------------------------------------------------------------------


def test_stdlib_server_in_an_os_thread_with_a_green_client(
    tls_files: Any, recv_exactly: Any, wait_until: Any, start_ticker: Any
) -> None:
    listener = stdlib_socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    context = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files.cert, tls_files.key)
    failures: list[BaseException] = []

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            conn.settimeout(10)
            with context.wrap_socket(conn, server_side=True) as tls:
                assert type(tls) is stdlib_ssl.SSLSocket
                while data := tls.recv(65536):
                    tls.sendall(data.upper())
        except BaseException as exc:  # reported by the test below
            failures.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = client_context(tls_files).wrap_socket(
        green_connection(listener.getsockname()), server_hostname="localhost"
    )
    payload = b"abcdefgh" * (MB // 4)
    ticker = start_ticker()
    writer = spawn(client.sendall, payload)
    assert recv_exactly(client, len(payload)) == payload.upper()
    writer.wait()
    assert ticker.stop() > 0  # the hub kept running while the OS thread worked
    client.close()
    wait_until(lambda: not thread.is_alive())
    thread.join()
    assert failures == []
    listener.close()


def test_green_server_with_a_stdlib_client_in_an_os_thread(
    tls_files: Any, green_listener: Any, wait_until: Any
) -> None:
    listener = server_context(tls_files).wrap_socket(green_listener(), server_side=True)
    address = listener.getsockname()
    replies: list[bytes] = []

    def client() -> None:
        context = stdlib_ssl.create_default_context(cafile=tls_files.ca)
        with stdlib_socket.create_connection(address, timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"from a real thread\n")
                replies.append(tls.recv(100))

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    conn, _ = listener.accept()
    assert type(conn) is green_ssl.GreenSSLSocket
    line = conn.makefile("rb").readline()
    conn.sendall(line.upper())
    wait_until(lambda: not thread.is_alive())
    thread.join()
    assert replies == [b"FROM A REAL THREAD\n"]
    conn.close()
    listener.close()


# -- unwrap, sendfile, makefile, accept -----------------------------------------------------


def test_after_shutdown_the_socket_is_plain_and_still_green(
    tmp_path: Path, tls_pair: Any, recv_exactly: Any
) -> None:
    client, server = tls_pair()
    server.sendall(b"tls")  # behind the session tickets: reading it consumes them too
    assert recv_exactly(client, 3) == b"tls"
    server.shutdown(stdlib_socket.SHUT_RD)  # the stdlib drops the TLS layer here
    client.settimeout(0.1)
    client.shutdown(stdlib_socket.SHUT_WR)
    with pytest.raises(TimeoutError, match="^timed out$"):
        client.recv(10)  # a plain recv now, with the plain socket's message
    path = tmp_path / "plain.bin"
    path.write_bytes(b"0123456789" * 1000)
    client.settimeout(5)

    def send_plain() -> int:
        server.send(b"raw ")
        server.sendall(b"bytes")
        with path.open("rb") as file:
            return server.sendfile(file)

    sender = spawn(send_plain)
    assert recv_exactly(client, 9) == b"raw bytes"
    buffer = bytearray(10000)
    view = memoryview(buffer)
    got = 0
    while got < len(buffer):
        got += client.recv_into(view[got:])
    assert bytes(buffer) == path.read_bytes()
    assert sender.wait() == 10000
    client.setblocking(False)
    with pytest.raises(BlockingIOError):
        client.recv(10)
    client.close()
    server.close()


def test_unwrap_goes_on_in_the_clear_on_the_same_object(tls_pair: Any, recv_exactly: Any) -> None:
    client, server = tls_pair()
    client.sendall(b"secret")
    assert recv_exactly(server, 6) == b"secret"

    def server_side() -> bytes:
        assert server.recv(10) == b""  # the client's close_notify
        plain = server.unwrap()
        assert plain is server  # as the stdlib's: the same socket, no longer encrypted
        plain.sendall(b"in the clear")
        return recv_exactly(plain, 6)

    peer = spawn(server_side)
    timeout = 5.0
    client.settimeout(timeout)
    plain = client.unwrap()
    assert plain is client
    assert plain.gettimeout() == timeout
    assert client.fileno() >= 0
    assert recv_exactly(plain, len(b"in the clear")) == b"in the clear"
    plain.sendall(b"hello!")
    assert peer.wait() == b"hello!"
    with pytest.raises(ValueError, match="No SSL wrapper"):
        client.unwrap()
    # Waiting in the clear is still green: the sender runs while recv waits.
    sender = spawn(server.sendall, b"late")
    assert recv_exactly(client, 4) == b"late"
    assert sender.dead
    client.close()
    server.close()


def test_sendfile_is_green_and_encrypted(
    tmp_path: Path, tls_pair: Any, recv_exactly: Any, start_ticker: Any
) -> None:
    client, server = tls_pair()
    content = os.urandom(3 * MB)
    path = tmp_path / "payload.bin"
    path.write_bytes(content)
    received = spawn(recv_exactly, server, len(content))
    ticker = start_ticker()
    with path.open("rb") as file:
        assert client.sendfile(file) == len(content)
        assert file.tell() == len(content)
    assert received.wait() == content
    with path.open("rb") as file:
        assert client.sendfile(file, offset=100, count=1000) == 1000
        assert file.tell() == 1100
    assert recv_exactly(server, 1000) == content[100:1100]
    assert ticker.stop() > 0
    client.settimeout(0.0)
    with path.open("rb") as file, pytest.raises(ValueError):
        client.sendfile(file)  # the stdlib refuses non-blocking sockets
    client.close()
    server.close()


def test_makefile_readline_and_write(tls_pair: Any) -> None:
    client, server = tls_pair()

    def serve() -> list[bytes]:
        reader = server.makefile("rb")
        writer = server.makefile("wb")
        lines = []
        for line in reader:
            lines.append(line)
            writer.write(b"got " + line)
            writer.flush()
        reader.close()
        writer.close()
        return lines

    peer = spawn(serve)
    out = client.makefile("w", encoding="ascii", newline="\n")
    inp = client.makefile("r", encoding="ascii", newline="\n")
    out.write("first line\nsecond")
    out.flush()
    assert inp.readline() == "got first line\n"
    out.write(" line\n")
    out.flush()
    assert inp.readline() == "got second line\n"
    out.close()
    inp.close()
    client.close()  # the last reference: the descriptor closes now, the server sees EOF
    assert peer.wait() == [b"first line\n", b"second line\n"]
    server.close()


def test_accept_on_a_green_tls_listener_and_connect_through_tls_socket(
    tls_files: Any, green_listener: Any, recv_exactly: Any
) -> None:
    context = server_context(tls_files)
    listener = context.wrap_socket(green_listener(), server_side=True)
    assert type(listener) is green_ssl.GreenSSLSocket
    address = listener.getsockname()

    def serve(count: int) -> list[Any]:
        seen = []
        for _ in range(count):
            conn, peer_address = listener.accept()
            assert peer_address[0] == "127.0.0.1"
            seen.append((type(conn), conn.context is context, conn.server_side))
            conn.sendall(conn.recv(100) * 2)
            conn.close()
        return seen

    server = spawn(serve, 2)
    # A TLS socket wrapped before it is connected: connect() connects, then shakes hands.
    first = client_context(tls_files).wrap_socket(
        GreenSocket(stdlib_socket.AF_INET, stdlib_socket.SOCK_STREAM), server_hostname="localhost"
    )
    first.connect(address)
    first.sendall(b"one")
    assert recv_exactly(first, 6) == b"oneone"
    second = client_context(tls_files).wrap_socket(
        GreenSocket(stdlib_socket.AF_INET, stdlib_socket.SOCK_STREAM), server_hostname="localhost"
    )
    second.settimeout(5)
    assert second.connect_ex(address) == 0
    second.sendall(b"two")
    assert recv_exactly(second, 6) == b"twotwo"
    assert server.wait() == [(green_ssl.GreenSSLSocket, True, True)] * 2
    with pytest.raises(ValueError, match="already-connected"):
        first.connect(address)
    first.close()
    second.close()
    listener.close()


def test_connect_to_a_closed_port_raises_refused(tls_files: Any, refused_address: Any) -> None:
    address = refused_address
    sock = client_context(tls_files).wrap_socket(
        GreenSocket(stdlib_socket.AF_INET, stdlib_socket.SOCK_STREAM), server_hostname="localhost"
    )
    with pytest.raises(ConnectionRefusedError):
        sock.connect(address)
    sock.close()
    sock = client_context(tls_files).wrap_socket(
        GreenSocket(stdlib_socket.AF_INET, stdlib_socket.SOCK_STREAM), server_hostname="localhost"
    )
    assert sock.connect_ex(address) == errno.ECONNREFUSED
    sock.close()


def test_get_server_certificate_is_green(tls_files: Any, green_listener: Any) -> None:
    listener = server_context(tls_files).wrap_socket(green_listener(), server_side=True)

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            conn.recv(1)  # until the client goes
        except OSError:
            pass  # it may go without a close_notify
        conn.close()

    server = spawn(serve)
    pem = green_ssl.get_server_certificate(listener.getsockname(), ca_certs=tls_files.ca)
    der = stdlib_ssl.PEM_cert_to_DER_cert(Path(tls_files.cert).read_text())
    expected = stdlib_ssl.DER_cert_to_PEM_cert(der)
    assert pem == expected
    server.wait()
    listener.close()


# -- closing under a waiting green thread, many connections ---------------------------------


@pytest.mark.all_hubs
def test_close_under_a_green_thread_waiting_to_read(tls_pair: Any, wait_until: Any) -> None:
    client, server = tls_pair()
    fileno = client.fileno()
    outcome: list[BaseException] = []

    def reader() -> None:
        try:
            client.recv(100)
        except OSError as exc:
            outcome.append(exc)

    waiter = spawn(reader)
    wait_until(lambda: waiting_on(fileno))
    client.close()
    waiter.wait()
    assert len(outcome) == 1 and isinstance(outcome[0], OSError)
    server.close()


def test_close_under_a_green_thread_waiting_to_write(tls_pair: Any, wait_until: Any) -> None:
    client, server = tls_pair()
    fileno = client.fileno()
    outcome: list[BaseException] = []

    def writer() -> None:
        try:
            client.sendall(b"z" * (64 * MB))  # the server never reads: this must wait
        except OSError as exc:
            outcome.append(exc)

    waiter = spawn(writer)
    wait_until(lambda: waiting_on(fileno, readers=False))
    client.close()
    waiter.wait()
    assert len(outcome) == 1 and isinstance(outcome[0], OSError)
    server.close()


@pytest.mark.all_hubs
def test_many_concurrent_tls_connections(
    tls_files: Any, green_listener: Any, recv_exactly: Any
) -> None:
    context = server_context(tls_files)
    listener = context.wrap_socket(green_listener(), server_side=True)
    address = listener.getsockname()
    count = 60

    def handle(conn: Any) -> None:
        with conn:
            while data := conn.recv(1024):
                conn.sendall(data + b"!")

    def serve() -> None:
        handlers = []
        for _ in range(count):
            conn, _ = listener.accept()
            handlers.append(spawn(handle, conn))
        for handler in handlers:
            handler.wait()

    def client(number: int) -> list[bytes]:
        with client_context(tls_files).wrap_socket(
            green_connection(address), server_hostname="localhost"
        ) as tls:
            replies = []
            for round_trip in range(3):
                message = f"{number}:{round_trip}".encode()
                tls.sendall(message)
                replies.append(recv_exactly(tls, len(message) + 1))
            return replies

    server = spawn(serve)
    clients = [spawn(client, number) for number in range(count)]
    for number, thread in enumerate(clients):
        assert thread.wait() == [f"{number}:{r}!".encode() for r in range(3)]
    server.wait()
    listener.close()
