"""eventlet.convenience: connect, listen, serve / StopServe and wrap_ssl on real loopback sockets.

Clients and servers are green threads of the test's own OS thread, so anything that blocked
the OS thread instead of the green thread would deadlock; every test runs under an eventlet
Timeout (the ``guard`` fixture), which turns such a deadlock into a failure.
"""

from __future__ import annotations

import errno
import os
import socket as stdlib_socket
import ssl as stdlib_ssl
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventlet import convenience
from eventlet.convenience import (
    ReusePortUnavailableWarning,
    ReuseRandomPortWarning,
    StopServe,
    connect,
    listen,
    serve,
    wrap_ssl,
)
from eventlet.event import Event
from eventlet.green import ssl as green_ssl
from eventlet.greenio import GreenSocket
from eventlet.greenthread import kill, sleep, spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds; far more than any test needs, so only a bug reaches it
LOCALHOST = ("127.0.0.1", 0)
HAS_REUSEPORT = hasattr(stdlib_socket, "SO_REUSEPORT")
needs_reuseport = pytest.mark.skipif(not HAS_REUSEPORT, reason="the OS has no SO_REUSEPORT")


def _ipv6_loopback() -> bool:
    try:
        with stdlib_socket.socket(stdlib_socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")


@pytest.fixture(autouse=True)
def guard(fresh_hub: None) -> Iterator[None]:
    """Fail the test (instead of hanging) if it is still running after GUARD seconds."""
    with Timeout(GUARD):
        yield


@pytest.fixture
def closing() -> Iterator[list[Any]]:
    """A list to put sockets in; each is closed after the test."""
    things: list[Any] = []
    yield things
    for thing in things:
        thing.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with stdlib_socket.socket() as probe:
        probe.bind(LOCALHOST)
        return probe.getsockname()[1]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def reuseaddr(sock: Any) -> int:
    return sock.getsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_REUSEADDR)


def reuseport(sock: Any) -> int:
    return sock.getsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_REUSEPORT)


# -- connect ---------------------------------------------------------------------------------


def test_connect_tcp_to_a_listen_socket(closing: list[Any]) -> None:
    server = listen(LOCALHOST)
    closing.append(server)
    accepted: list[Any] = []

    def accept_one() -> None:
        conn, _ = server.accept()
        accepted.append(conn)
        conn.sendall(b"hello " + conn.recv(100))

    acceptor = spawn(accept_one)
    client = connect(server.getsockname())
    closing.append(client)
    assert isinstance(client, GreenSocket)
    client.sendall(b"world")
    assert client.recv(100) == b"hello world"
    acceptor.wait()
    closing.extend(accepted)
    assert client.getpeername() == server.getsockname()
    assert accepted[0].getpeername() == client.getsockname()
    assert client.family == stdlib_socket.AF_INET
    assert client.type == stdlib_socket.SOCK_STREAM


@needs_ipv6
def test_connect_ipv6(closing: list[Any]) -> None:
    server = listen(("::1", 0), family=stdlib_socket.AF_INET6)
    closing.append(server)
    acceptor = spawn(server.accept)
    client = connect(("::1", server.getsockname()[1]), family=stdlib_socket.AF_INET6)
    closing.append(client)
    conn, addr = acceptor.wait()
    closing.append(conn)
    assert isinstance(client, GreenSocket)
    assert client.family == stdlib_socket.AF_INET6
    assert client.getpeername()[:2] == ("::1", server.getsockname()[1])
    assert addr[0] == "::1"
    conn.sendall(b"six")
    assert client.recv(10) == b"six"


def test_connect_unix(closing: list[Any], tmp_path: Path) -> None:
    path = str(tmp_path / "sock")
    server = listen(path, family=stdlib_socket.AF_UNIX)
    closing.append(server)
    assert isinstance(server, GreenSocket)
    assert server.family == stdlib_socket.AF_UNIX
    assert server.getsockname() == path
    acceptor = spawn(server.accept)
    client = connect(path, family=stdlib_socket.AF_UNIX)
    closing.append(client)
    conn, _ = acceptor.wait()
    closing.append(conn)
    assert isinstance(client, GreenSocket)
    assert client.getpeername() == path
    client.sendall(b"over unix")
    assert conn.recv(100) == b"over unix"


def test_connect_bind_sets_the_local_address(closing: list[Any]) -> None:
    server = listen(LOCALHOST)
    closing.append(server)
    acceptor = spawn(server.accept)
    local = ("127.0.0.1", free_port())
    client = connect(server.getsockname(), bind=local)
    closing.append(client)
    conn, addr = acceptor.wait()
    closing.append(conn)
    assert client.getsockname() == local
    assert addr == local  # what the server sees


def test_connect_refused_raises_and_leaks_no_descriptor() -> None:
    # Bound but not listening: a connection to it is refused, and nobody else can take it.
    with stdlib_socket.socket() as holder:
        holder.bind(LOCALHOST)
        before = open_fds()
        with pytest.raises(ConnectionRefusedError) as caught:
            connect(holder.getsockname())
        assert caught.value.errno == errno.ECONNREFUSED
        # No gc.collect(): the traceback keeps the failed socket alive, so only an explicit
        # close() gives its descriptor back.
        assert open_fds() == before


def test_connect_bad_bind_address_raises_and_leaks_no_descriptor(closing: list[Any]) -> None:
    server = listen(LOCALHOST)
    closing.append(server)
    taken = listen(LOCALHOST, reuse_port=False)
    closing.append(taken)
    before = open_fds()
    with pytest.raises(OSError) as caught:
        connect(server.getsockname(), bind=taken.getsockname())
    assert caught.value.errno == errno.EADDRINUSE
    assert open_fds() == before


# -- listen ----------------------------------------------------------------------------------


def test_listen_returns_a_listening_green_socket(closing: list[Any]) -> None:
    server = listen(LOCALHOST)
    closing.append(server)
    assert isinstance(server, GreenSocket)
    assert server.getsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_ACCEPTCONN) == 1
    assert server.getsockname()[0] == "127.0.0.1"
    assert server.getsockname()[1] != 0


def test_listen_sets_reuseaddr_by_default(closing: list[Any]) -> None:
    server = listen(LOCALHOST)
    closing.append(server)
    assert reuseaddr(server) != 0


def test_listen_reuse_addr_false_leaves_it_unset(closing: list[Any]) -> None:
    server = listen(LOCALHOST, reuse_addr=False)
    closing.append(server)
    assert reuseaddr(server) == 0


@needs_reuseport
def test_listen_sets_reuseport_on_a_fixed_port_by_default(closing: list[Any]) -> None:
    server = listen(("127.0.0.1", free_port()))
    closing.append(server)
    assert reuseport(server) != 0


@needs_reuseport
def test_listen_leaves_reuseport_unset_on_port_zero_by_default(closing: list[Any]) -> None:
    server = listen(LOCALHOST)
    closing.append(server)
    assert reuseport(server) == 0


@needs_reuseport
def test_listen_reuse_port_on_port_zero_warns(closing: list[Any]) -> None:
    with pytest.warns(ReuseRandomPortWarning) as record:
        server = listen(LOCALHOST, reuse_port=True)
    closing.append(server)
    assert len(record) == 1
    assert record[0].filename == __file__  # stacklevel points at the caller
    assert reuseport(server) != 0  # asked for explicitly: still set, as documented
    assert server.getsockname()[1] != 0


@needs_reuseport
def test_listen_reuse_port_false_leaves_it_unset(closing: list[Any]) -> None:
    server = listen(("127.0.0.1", free_port()), reuse_port=False)
    closing.append(server)
    assert reuseport(server) == 0


@needs_reuseport
def test_listen_twice_on_one_port_with_reuseport(closing: list[Any]) -> None:
    addr = ("127.0.0.1", free_port())
    first = listen(addr)
    closing.append(first)
    second = listen(addr, reuse_port=True)
    closing.append(second)
    assert first.getsockname() == second.getsockname() == addr
    # Both really listen: connections reach one or the other.
    client = connect(addr)
    closing.append(client)
    assert client.getpeername() == addr


@pytest.mark.parametrize(
    ("first_reuse", "second_reuse"), [(None, False), (False, None), (False, False)]
)
def test_listen_twice_on_one_port_without_reuseport_fails(
    closing: list[Any], first_reuse: bool | None, second_reuse: bool | None
) -> None:
    addr = ("127.0.0.1", free_port())
    closing.append(listen(addr, reuse_port=first_reuse))
    before = open_fds()
    with pytest.raises(OSError) as caught:
        listen(addr, reuse_port=second_reuse)
    assert caught.value.errno == errno.EADDRINUSE
    assert open_fds() == before  # the failed socket was closed


@pytest.mark.parametrize("backlog", ["5", 5.0, None, True])
def test_listen_backlog_must_be_an_int(backlog: Any) -> None:
    before = open_fds()
    with pytest.raises(TypeError, match="backlog"):
        listen(LOCALHOST, backlog=backlog)
    assert open_fds() == before


@pytest.mark.parametrize("backlog", [0, -1])
def test_listen_backlog_must_be_positive(backlog: int) -> None:
    with pytest.raises(ValueError, match="backlog"):
        listen(LOCALHOST, backlog=backlog)


def test_listen_backlog_one_is_accepted(closing: list[Any]) -> None:
    server = listen(LOCALHOST, backlog=1)
    closing.append(server)
    client = connect(server.getsockname())
    closing.append(client)


@needs_ipv6
def test_listen_ipv6(closing: list[Any]) -> None:
    server = listen(("::1", 0), family=stdlib_socket.AF_INET6)
    closing.append(server)
    assert server.family == stdlib_socket.AF_INET6
    assert server.getsockname()[0] == "::1"
    assert reuseaddr(server) != 0
    acceptor = spawn(server.accept)
    client = connect(server.getsockname(), family=stdlib_socket.AF_INET6)
    closing.append(client)
    conn, _ = acceptor.wait()
    closing.append(conn)
    assert isinstance(conn, GreenSocket)


@needs_ipv6
@needs_reuseport
def test_listen_ipv6_fixed_port_sets_reuseport(closing: list[Any]) -> None:
    with stdlib_socket.socket(stdlib_socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    server = listen(("::1", port), family=stdlib_socket.AF_INET6)
    closing.append(server)
    assert reuseport(server) != 0


def test_listen_unix_serves_connections(closing: list[Any], tmp_path: Path) -> None:
    path = str(tmp_path / "listening")
    server = listen(path, family=stdlib_socket.AF_UNIX, backlog=5)
    closing.append(server)
    assert server.getsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_ACCEPTCONN) == 1
    clients = [connect(path, family=stdlib_socket.AF_UNIX) for _ in range(3)]
    closing.extend(clients)
    for index, client in enumerate(clients):
        conn, _ = server.accept()
        closing.append(conn)
        client.sendall(bytes([index]))
        assert conn.recv(1) == bytes([index])


def test_nothing_warns_by_default(closing: list[Any], tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        closing.append(listen(LOCALHOST))
        fixed = listen(("127.0.0.1", free_port()))
        closing.append(fixed)
        closing.append(listen(("127.0.0.1", free_port()), reuse_port=False))
        closing.append(listen(LOCALHOST, reuse_port=False))
        closing.append(listen(str(tmp_path / "u"), family=stdlib_socket.AF_UNIX))
        if _ipv6_loopback():
            closing.append(listen(("::1", 0), family=stdlib_socket.AF_INET6))
        acceptor = spawn(fixed.accept)
        closing.append(connect(fixed.getsockname()))
        closing.append(acceptor.wait()[0])


@pytest.fixture
def no_reuseport_os(monkeypatch: pytest.MonkeyPatch) -> None:
    """eventlet.convenience sees a ``socket`` module without SO_REUSEPORT, as on an OS
    lacking it (the real socket module and the sockets themselves are untouched)."""
    view = types.ModuleType("socket")
    view.__dict__.update({k: v for k, v in vars(stdlib_socket).items() if k != "SO_REUSEPORT"})
    monkeypatch.setattr(convenience, "socket", view)


@pytest.mark.usefixtures("no_reuseport_os")
def test_reuse_port_unavailable_warns_when_asked_for(closing: list[Any]) -> None:
    addr = ("127.0.0.1", free_port())
    with pytest.warns(ReusePortUnavailableWarning) as record:
        server = listen(addr, reuse_port=True)
    closing.append(server)
    assert len(record) == 1
    assert record[0].filename == __file__
    assert server.getsockname() == addr  # it still listens, without the option
    if HAS_REUSEPORT:
        assert reuseport(server) == 0


@pytest.mark.usefixtures("no_reuseport_os")
def test_reuse_port_unavailable_is_silent_by_default(closing: list[Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        server = listen(("127.0.0.1", free_port()))
    closing.append(server)
    assert reuseaddr(server) != 0
    if HAS_REUSEPORT:
        assert reuseport(server) == 0


def test_warning_classes() -> None:
    assert issubclass(ReusePortUnavailableWarning, Warning)
    assert issubclass(ReuseRandomPortWarning, Warning)
    assert issubclass(StopServe, Exception)
    assert not issubclass(StopServe, Warning)


# -- serve -----------------------------------------------------------------------------------


@pytest.fixture
def server(closing: list[Any]) -> Any:
    sock = listen(LOCALHOST)
    closing.append(sock)
    return sock


@pytest.fixture
def background() -> Iterator[list[Any]]:
    """Green threads to kill at the end of the test (servers still serving)."""
    threads: list[Any] = []
    yield threads
    for thread in threads:
        kill(thread)


def test_serve_handles_many_clients_concurrently(
    server: Any, background: list[Any], recv_all: Any
) -> None:
    count = 30
    inside = [0]
    everyone_in = Event()
    seen_socks: list[Any] = []

    def handle(conn: Any, addr: Any) -> None:
        seen_socks.append(conn)
        assert addr == conn.getpeername()
        inside[0] += 1
        if inside[0] == count:
            everyone_in.send()
        # Only returns once every handler is inside at the same time: serving one after
        # another would never get there.
        everyone_in.wait()
        conn.sendall(conn.recv(100).upper())

    background.append(spawn(serve, server, handle))

    def client(index: int) -> bytes:
        with connect(server.getsockname()) as sock:
            sock.sendall(b"client %d" % index)
            return recv_all(sock)

    clients = [spawn(client, i) for i in range(count)]
    assert [c.wait() for c in clients] == [b"CLIENT %d" % i for i in range(count)]
    assert inside[0] == count
    assert all(isinstance(s, GreenSocket) for s in seen_socks)


def test_serve_closes_the_connection_when_handle_returns(
    server: Any, background: list[Any]
) -> None:
    returned = Event()
    handled: list[Any] = []

    def handle(conn: Any, addr: Any) -> None:
        handled.append(conn)
        conn.sendall(b"bye")
        returned.send()
        # Returning without closing: serve() must close it.

    background.append(spawn(serve, server, handle))
    with connect(server.getsockname()) as client:
        assert client.recv(3) == b"bye"
        returned.wait()
        assert client.recv(100) == b""  # end of stream: the server side was closed
    assert handled[0].fileno() == -1


def test_serve_closes_the_connection_when_handle_raises(
    server: Any, capfd: pytest.CaptureFixture[str], recv_all: Any
) -> None:
    def handle(conn: Any, addr: Any) -> None:
        raise KeyError("handler failed")

    def client() -> bytes:
        with connect(server.getsockname()) as sock:
            return recv_all(sock)

    reader = spawn(client)
    with pytest.raises(KeyError, match="handler failed"):
        serve(server, handle)
    assert reader.wait() == b""


def test_stop_serve_makes_serve_return(
    server: Any, capfd: pytest.CaptureFixture[str], recv_all: Any
) -> None:
    calls: list[Any] = []

    def handle(conn: Any, addr: Any) -> None:
        calls.append(addr)
        raise StopServe()

    client = spawn(lambda: recv_all(connect(server.getsockname())))
    serve(server, handle)  # returns, instead of raising StopServe
    assert len(calls) == 1
    assert client.wait() == b""  # closed after the handler stopped the server
    sleep(0.05)  # let the hub report anything it would (it must not)
    out, err = capfd.readouterr()
    assert "Traceback" not in err
    assert "StopServe" not in err
    assert out == ""


def test_stop_serve_after_other_clients_were_served(server: Any) -> None:
    served: list[bytes] = []

    def handle(conn: Any, addr: Any) -> None:
        data = conn.recv(100)
        if data == b"stop":
            raise StopServe
        served.append(data)
        conn.sendall(b"ok")

    def clients() -> None:
        for message in (b"one", b"two", b"three"):
            with connect(server.getsockname()) as sock:
                sock.sendall(message)
                assert sock.recv(2) == b"ok"
        with connect(server.getsockname()) as sock:
            sock.sendall(b"stop")

    driver = spawn(clients)
    serve(server, handle)
    driver.wait()
    assert served == [b"one", b"two", b"three"]


def test_handler_exception_is_raised_by_serve(server: Any) -> None:
    class HandlerError(Exception):
        pass

    raised = HandlerError("from the handler")

    def handle(conn: Any, addr: Any) -> None:
        raise raised

    spawn(connect, server.getsockname())
    with pytest.raises(HandlerError) as caught:
        serve(server, handle)
    assert caught.value is raised
    # serve() has stopped: the listening socket is still usable for an accept loop.
    assert server.fileno() >= 0


def test_handler_return_value_is_ignored(server: Any, recv_all: Any) -> None:
    def handle(conn: Any, addr: Any) -> Any:
        if conn.recv(10) == b"stop":
            raise StopServe
        return "ignored"

    def clients() -> None:
        with connect(server.getsockname()) as sock:
            sock.sendall(b"go")
            assert recv_all(sock) == b""
        with connect(server.getsockname()) as sock:
            sock.sendall(b"stop")

    driver = spawn(clients)
    serve(server, handle)  # returns, instead of raising StopServe
    driver.wait()


def test_serve_concurrency_limits_the_running_handlers(
    server: Any, background: list[Any], closing: list[Any]
) -> None:
    log: list[str] = []
    started = {name: Event() for name in "ABC"}
    release = {name: Event() for name in "ABC"}
    finished = {name: Event() for name in "ABC"}

    def handle(conn: Any, addr: Any) -> None:
        name = conn.recv(1).decode()
        log.append("start " + name)
        started[name].send()
        release[name].wait()
        log.append("end " + name)
        finished[name].send()

    background.append(spawn(serve, server, handle, concurrency=2))

    def client(name: str) -> Any:
        sock = connect(server.getsockname())
        closing.append(sock)
        sock.sendall(name.encode())
        return sock

    client("A")
    started["A"].wait()
    client("B")
    started["B"].wait()
    client("C")  # the kernel completes the connection; serve() must not take it yet
    sleep(0.2)  # a window for a wrong third handler to start; not synchronisation
    assert log == ["start A", "start B"]
    release["A"].send()
    started["C"].wait()
    assert log == ["start A", "start B", "end A", "start C"]
    release["B"].send()
    release["C"].send()
    finished["B"].wait()
    finished["C"].wait()
    assert sorted(log[4:]) == ["end B", "end C"]


def test_serve_rejects_a_non_callable_handle(server: Any) -> None:
    with pytest.raises(TypeError, match="callable"):
        serve(server, "not a function")  # type: ignore[arg-type]


def test_serve_rejects_a_non_socket() -> None:
    with pytest.raises(TypeError, match="socket"):
        serve(object(), lambda conn, addr: None)


def test_no_exception_reaches_the_caller_after_serve_returned(server: Any) -> None:
    both_in = Event()
    inside: list[bytes] = []

    def handle(conn: Any, addr: Any) -> None:
        inside.append(conn.recv(1))
        if len(inside) == 2:
            both_in.send()
        both_in.wait()
        raise StopServe  # both handlers: the first makes serve() return, the second comes after

    def clients() -> None:
        for name in (b"1", b"2"):
            connect(server.getsockname()).sendall(name)

    spawn(clients)
    serve(server, handle)
    # serve() has returned: the caller's code from here on is not serve(), and must not get
    # the second handler's StopServe.
    sleep(0.2)
    assert sorted(inside) == [b"1", b"2"]


# -- wrap_ssl --------------------------------------------------------------------------------


def _tls_echo_server(server: Any, results: list[Any]) -> Any:
    """Spawn a green thread that accepts one TLS connection and echoes one message upper-cased."""

    def run() -> None:
        conn, _ = server.accept()
        try:
            results.append((conn, conn.cipher()))
            conn.sendall(conn.recv(1024).upper())
        finally:
            conn.close()

    return spawn(run)


def test_wrap_ssl_server_and_client_from_files(tls_files: Any, closing: list[Any]) -> None:
    server = wrap_ssl(
        listen(LOCALHOST), certfile=tls_files.cert, keyfile=tls_files.key, server_side=True
    )
    closing.append(server)
    assert isinstance(server, green_ssl.GreenSSLSocket)
    accepted: list[Any] = []
    echo = _tls_echo_server(server, accepted)
    client = wrap_ssl(connect(server.getsockname()))
    closing.append(client)
    assert isinstance(client, green_ssl.GreenSSLSocket)
    version = client.version()
    assert version is not None and version.startswith("TLS")
    client.sendall(b"secret message")
    assert client.recv(1024) == b"SECRET MESSAGE"
    echo.wait()
    conn, cipher = accepted[0]
    assert isinstance(conn, green_ssl.GreenSSLSocket)
    assert cipher is not None  # the handshake is done on first use (not in accept())
    assert client.getpeercert() == {}  # no verification asked for: the cert is not checked


def test_wrap_ssl_with_a_plain_stdlib_context_is_green(tls_files: Any, closing: list[Any]) -> None:
    server_context = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tls_files.cert, tls_files.key)
    client_context = stdlib_ssl.create_default_context(cafile=tls_files.ca)
    assert type(client_context) is stdlib_ssl.SSLContext  # the real stdlib class, not green

    server = wrap_ssl(listen(LOCALHOST), server_side=True, context=server_context)
    closing.append(server)
    assert isinstance(server, green_ssl.GreenSSLSocket)
    ticks: list[int] = []
    handshake_started = Event()

    def ticker() -> None:
        handshake_started.wait()
        for tick in range(3):
            ticks.append(tick)
            sleep(0)

    spawn(ticker)

    def run_server() -> None:
        conn, _ = server.accept()
        with conn:
            # Several round trips, each needing the other green thread to go on.
            for _ in range(3):
                conn.sendall(conn.recv(100) + b"!")

    serving = spawn(run_server)
    handshake_started.send()
    client = wrap_ssl(
        connect(("127.0.0.1", server.getsockname()[1])),
        context=client_context,
        server_hostname="localhost",
    )
    closing.append(client)
    assert isinstance(client, green_ssl.GreenSSLSocket)
    assert client.context is client_context
    for word in (b"a", b"bb", b"ccc"):
        client.sendall(word)
        assert client.recv(100) == word + b"!"
    serving.wait()
    assert ticks == [0, 1, 2]  # a third green thread ran during the exchange
    peer = client.getpeercert()
    assert peer is not None and peer["subject"] == ((("commonName", "localhost"),),)


def test_wrap_ssl_cert_reqs_with_the_right_ca(tls_files: Any, closing: list[Any]) -> None:
    server = wrap_ssl(
        listen(LOCALHOST), certfile=tls_files.cert, keyfile=tls_files.key, server_side=True
    )
    closing.append(server)
    echo = _tls_echo_server(server, [])
    client = wrap_ssl(
        connect(server.getsockname()), cert_reqs=stdlib_ssl.CERT_REQUIRED, ca_certs=tls_files.ca
    )
    closing.append(client)
    peer = client.getpeercert()
    assert peer is not None and peer["subject"] == ((("commonName", "localhost"),),)
    client.sendall(b"verified")
    assert client.recv(100) == b"VERIFIED"
    echo.wait()


def test_wrap_ssl_cert_reqs_with_a_wrong_ca_fails(tls_files: Any, closing: list[Any]) -> None:
    server = wrap_ssl(
        listen(LOCALHOST), certfile=tls_files.cert, keyfile=tls_files.key, server_side=True
    )
    closing.append(server)
    server_error: list[BaseException] = []

    def run_server() -> None:
        conn, _ = server.accept()  # the handshake is the connection's, on its first I/O
        try:
            conn.recv(1)
        except (stdlib_ssl.SSLError, OSError) as error:
            server_error.append(error)
        finally:
            conn.close()

    serving = spawn(run_server)
    before = open_fds()
    with pytest.raises(stdlib_ssl.SSLCertVerificationError) as caught:
        wrap_ssl(
            connect(server.getsockname()),
            cert_reqs=stdlib_ssl.CERT_REQUIRED,
            ca_certs=tls_files.other_ca,
        )
    assert caught.value.verify_code != 0
    serving.wait()
    assert server_error, "the server's handshake should have failed too"
    assert open_fds() == before  # both failed sockets were closed


def test_wrap_ssl_with_a_pyopenssl_context_serves_a_stdlib_client(
    tls_files: Any, closing: list[Any]
) -> None:
    SSL = pytest.importorskip("OpenSSL.SSL")
    from eventlet.green.OpenSSL import SSL as green_SSL

    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.use_certificate_file(tls_files.cert)
    context.use_privatekey_file(tls_files.key)
    server = wrap_ssl(listen(LOCALHOST), context=context, server_side=True)
    closing.append(server)
    assert isinstance(server, green_SSL.Connection)
    received: list[bytes] = []

    def run_server() -> None:
        conn, _ = server.accept()
        assert isinstance(conn, green_SSL.Connection)
        received.append(conn.recv(100))
        conn.sendall(b"from pyOpenSSL")
        conn.shutdown()
        conn.close()

    serving = spawn(run_server)
    client = wrap_ssl(
        connect(server.getsockname()), cert_reqs=stdlib_ssl.CERT_REQUIRED, ca_certs=tls_files.ca
    )
    closing.append(client)
    client.sendall(b"from the stdlib")
    assert client.recv(100) == b"from pyOpenSSL"
    serving.wait()
    assert received == [b"from the stdlib"]


def test_wrap_ssl_with_a_pyopenssl_context_as_client(tls_files: Any, closing: list[Any]) -> None:
    SSL = pytest.importorskip("OpenSSL.SSL")
    from eventlet.green.OpenSSL import SSL as green_SSL

    server = wrap_ssl(
        listen(LOCALHOST), certfile=tls_files.cert, keyfile=tls_files.key, server_side=True
    )
    closing.append(server)
    echo = _tls_echo_server(server, [])
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    client = wrap_ssl(connect(server.getsockname()), context=context)
    closing.append(client)
    assert isinstance(client, green_SSL.Connection)
    client.sendall(b"openssl client")
    assert client.recv(100) == b"OPENSSL CLIENT"
    echo.wait()


def test_wrap_ssl_keyfile_without_certfile(tls_files: Any, closing: list[Any]) -> None:
    sock = listen(LOCALHOST)
    closing.append(sock)
    with pytest.raises(ValueError, match="certfile"):
        wrap_ssl(sock, keyfile=tls_files.key)


def test_wrap_ssl_server_side_without_certfile(closing: list[Any]) -> None:
    sock = listen(LOCALHOST)
    closing.append(sock)
    with pytest.raises(ValueError, match="certfile"):
        wrap_ssl(sock, server_side=True)


@pytest.mark.parametrize("context", [object(), "context", 42])
def test_wrap_ssl_bad_context_type(context: Any, closing: list[Any]) -> None:
    sock = listen(LOCALHOST)
    closing.append(sock)
    with pytest.raises(TypeError, match="context"):
        wrap_ssl(sock, context=context)
