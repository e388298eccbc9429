"""eventlet.green.socket: the stdlib ``socket`` module's interface, with green sockets.

Its names are the stdlib's; the socket class is GreenSocket; the functions that make sockets
make green ones; name resolution of numeric hosts and ``localhost`` agrees with the stdlib
(only local names: nothing here leaves the machine). Real sockets on loopback: TCP, UDP,
Unix stream and datagram, IPv6 on ::1.
"""

from __future__ import annotations

import os
import socket as stdlib_socket
import sys

import pytest

from eventlet.green import socket
from eventlet.greenio import GreenSocket
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it

all_hubs = pytest.mark.all_hubs

needs_dualstack = pytest.mark.skipif(
    not stdlib_socket.has_dualstack_ipv6(), reason="no dual-stack IPv6 on this machine"
)


def ipv6_loopback_available():
    try:
        with stdlib_socket.socket(stdlib_socket.AF_INET6, stdlib_socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not ipv6_loopback_available(), reason="no IPv6 loopback")


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def green_server():
    """A green TCP listener on 127.0.0.1, closed afterwards."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(50)
    yield srv
    srv.close()


def infos_set(infos):
    return {(f, t, p, a) for f, t, p, _canon, a in infos}


# -- the module's names ----------------------------------------------------------------------


def test___all___is_the_stdlib_modules():
    assert sorted(socket.__all__) == sorted(stdlib_socket.__all__)
    for name in socket.__all__:
        assert hasattr(socket, name), name


def test_every_public_stdlib_name_is_here():
    missing = [
        name
        for name in dir(stdlib_socket)
        if not name.startswith("_") and not hasattr(socket, name)
    ]
    assert missing == []


def test_constants_equal_the_stdlibs():
    for name in dir(stdlib_socket):
        if name.isupper() and not name.startswith("_"):
            value = getattr(stdlib_socket, name)
            if isinstance(value, int):
                assert getattr(socket, name) == value, name


def test_exception_classes_are_the_stdlibs_own():
    # Code catching stdlib_socket.timeout must catch what green sockets raise, and back.
    for name in ("error", "timeout", "gaierror", "herror"):
        assert getattr(socket, name) is getattr(stdlib_socket, name), name
    assert socket.timeout is TimeoutError
    assert socket.error is OSError


def test_socket_and_sockettype_are_greensocket():
    assert socket.socket is GreenSocket
    assert socket.SocketType is GreenSocket
    with socket.socket() as s:
        assert isinstance(s, GreenSocket)
        assert (s.family, s.type) == (socket.AF_INET, socket.SOCK_STREAM)


def test___patched___names_are_green_replacements():
    patched = socket.__patched__
    for name in (
        "socket",
        "SocketType",
        "create_connection",
        "socketpair",
        "fromfd",
        "getaddrinfo",
        "gethostbyname",
    ):
        assert name in patched, name
    for name in patched:
        assert getattr(socket, name) is not getattr(stdlib_socket, name, None), name


def test_import_prints_and_warns_nothing(run_python):
    result = run_python("import eventlet.green.socket", "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


# -- create_connection ------------------------------------------------------------------------


@all_hubs
def test_create_connection(green_server, recv_exactly):
    with Timeout(GUARD):
        c = socket.create_connection(green_server.getsockname())
        conn, addr = green_server.accept()
        assert isinstance(c, GreenSocket)
        assert c.gettimeout() is None
        assert addr == c.getsockname()
        c.sendall(b"hello")
        assert recv_exactly(conn, 5) == b"hello"
    c.close()
    conn.close()


@all_hubs
def test_create_connection_with_timeout(green_server):
    with Timeout(GUARD):
        c = socket.create_connection(green_server.getsockname(), timeout=2.5)
        assert c.gettimeout() == 2.5
        c.close()
        c = socket.create_connection(green_server.getsockname(), 0.75)
        assert c.gettimeout() == 0.75
        c.close()


@all_hubs
def test_create_connection_default_timeout_is_getdefaulttimeout(green_server, default_timeout):
    default_timeout(3.0)
    with Timeout(GUARD):
        c = socket.create_connection(green_server.getsockname())
        assert c.gettimeout() == 3.0
        c.close()


@all_hubs
def test_create_connection_with_source_address(green_server):
    # Another local port, and another loopback address (all of 127/8 is loopback on Linux).
    with Timeout(GUARD):
        probe = stdlib_socket.socket()
        probe.bind(("127.0.0.2", 0))
        source = probe.getsockname()
        probe.close()
        c = socket.create_connection(green_server.getsockname(), source_address=source)
        conn, addr = green_server.accept()
        assert c.getsockname() == source
        assert addr == source
    c.close()
    conn.close()


@all_hubs
def test_create_connection_refused(refused_address):
    with Timeout(GUARD), pytest.raises(ConnectionRefusedError):
        socket.create_connection(refused_address)
    with Timeout(GUARD), pytest.raises(ConnectionRefusedError):
        socket.create_connection(refused_address, timeout=2)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="all_errors is new in Python 3.11")
@all_hubs
def test_create_connection_all_errors_raises_an_exception_group(refused_address):
    with Timeout(GUARD), pytest.raises(ExceptionGroup) as excinfo:  # noqa: F821
        socket.create_connection(refused_address, all_errors=True)
    assert all(isinstance(e, ConnectionRefusedError) for e in excinfo.value.exceptions)


@all_hubs
def test_create_connection_times_out_and_lets_others_run(saturated_address, start_ticker):
    ticker = start_ticker(0.01)
    with Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
        socket.create_connection(saturated_address, timeout=0.2)
    assert str(excinfo.value) == "timed out"
    assert ticker.stop() > 1


@all_hubs
def test_create_connection_to_localhost_by_name(green_server, recv_exactly):
    port = green_server.getsockname()[1]
    with Timeout(GUARD):
        c = socket.create_connection(("localhost", port))
        conn, _ = green_server.accept()
        c.sendall(b"by name")
        assert recv_exactly(conn, 7) == b"by name"
    c.close()
    conn.close()


# -- create_server ----------------------------------------------------------------------------


@all_hubs
def test_create_server_accepts_green():
    srv = socket.create_server(("127.0.0.1", 0))
    try:
        assert isinstance(srv, GreenSocket)
        assert srv.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        with Timeout(GUARD):
            waiter = spawn(srv.accept)
            sleep(0)
            assert not waiter.dead
            c = socket.create_connection(srv.getsockname())
            conn, addr = waiter.wait()
            assert isinstance(conn, GreenSocket)
            assert addr == c.getsockname()
        c.close()
        conn.close()
    finally:
        srv.close()


@pytest.mark.skipif(not hasattr(stdlib_socket, "SO_REUSEPORT"), reason="no SO_REUSEPORT")
def test_create_server_reuse_port():
    first = socket.create_server(("127.0.0.1", 0), reuse_port=True)
    try:
        assert first.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) != 0
        second = socket.create_server(first.getsockname(), reuse_port=True)
        assert second.getsockname() == first.getsockname()
        second.close()
    finally:
        first.close()


def test_create_server_backlog_and_reuse_addr():
    srv = socket.create_server(("127.0.0.1", 0), backlog=5)
    try:
        assert srv.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) != 0
    finally:
        srv.close()


@needs_dualstack
@all_hubs
def test_create_server_dualstack_ipv6_accepts_both_families():
    srv = socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True)
    port = srv.getsockname()[1]
    try:
        assert srv.family == socket.AF_INET6
        with Timeout(GUARD):
            c4 = socket.create_connection(("127.0.0.1", port))
            conn4, addr4 = srv.accept()
            c6 = socket.create_connection(("::1", port))
            conn6, addr6 = srv.accept()
        assert addr4[0] == "::ffff:127.0.0.1"
        assert addr6[0] == "::1"
        for s in (c4, conn4, c6, conn6):
            s.close()
    finally:
        srv.close()


@needs_ipv6
@all_hubs
def test_create_server_ipv6_loopback(recv_exactly):
    srv = socket.create_server(("::1", 0), family=socket.AF_INET6)
    try:
        with Timeout(GUARD):
            c = socket.create_connection(srv.getsockname()[:2])
            conn, addr = srv.accept()
            assert len(addr) == 4 and addr[0] == "::1"
            c.sendall(b"v6")
            assert recv_exactly(conn, 2) == b"v6"
        c.close()
        conn.close()
    finally:
        srv.close()


# -- socketpair / fromfd ----------------------------------------------------------------------


@all_hubs
def test_socketpair_is_green():
    a, b = socket.socketpair()
    try:
        assert isinstance(a, GreenSocket) and isinstance(b, GreenSocket)
        assert a.family == socket.AF_UNIX
        assert a.type == socket.SOCK_STREAM
        assert a.gettimeout() is None
        with Timeout(GUARD):
            gt = spawn(b.recv, 10)
            sleep(0)
            assert not gt.dead
            a.sendall(b"paired")
            assert gt.wait() == b"paired"
    finally:
        a.close()
        b.close()


@all_hubs
def test_socketpair_datagram():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        assert a.type == socket.SOCK_DGRAM
        with Timeout(GUARD):
            gt = spawn(b.recv, 100)
            sleep(0)
            a.send(b"one datagram")
            a.send(b"two")
            assert gt.wait() == b"one datagram"
            assert b.recv(100) == b"two"
    finally:
        a.close()
        b.close()


@all_hubs
def test_fromfd_makes_a_green_duplicate(green_server, recv_exactly):
    with Timeout(GUARD):
        real = stdlib_socket.create_connection(green_server.getsockname())
        conn, _ = green_server.accept()
        g = socket.fromfd(real.fileno(), socket.AF_INET, socket.SOCK_STREAM)
        try:
            assert isinstance(g, GreenSocket)
            assert g.fileno() != real.fileno()
            assert g.gettimeout() is None
            gt = spawn(g.recv, 10)
            sleep(0)
            assert not gt.dead
            conn.sendall(b"dup'd")
            assert gt.wait() == b"dup'd"
        finally:
            g.close()
        # The original descriptor stays open and usable.
        real.sendall(b"orig")
        assert recv_exactly(conn, 4) == b"orig"
    real.close()
    conn.close()


# -- name resolution (numeric hosts and localhost only) --------------------------------------


@pytest.mark.parametrize(
    "host, port, family, kind",
    [
        ("127.0.0.1", 80, 0, 0),
        ("127.0.0.1", 80, socket.AF_INET, socket.SOCK_STREAM),
        ("127.0.0.1", "8080", socket.AF_INET, socket.SOCK_DGRAM),
        ("127.0.0.1", None, socket.AF_INET, socket.SOCK_STREAM),
        ("::1", 443, socket.AF_INET6, socket.SOCK_STREAM),
        ("::1", 443, 0, 0),
        ("10.1.2.3", 0, 0, socket.SOCK_STREAM),
        (b"127.0.0.1", 80, socket.AF_INET, socket.SOCK_STREAM),
        (None, 80, socket.AF_INET, socket.SOCK_STREAM),
        (None, 80, socket.AF_INET6, socket.SOCK_STREAM),
        ("127.0.0.1", b"80", socket.AF_INET, socket.SOCK_STREAM),
    ],
)
def test_getaddrinfo_numeric_like_stdlib(host, port, family, kind):
    with Timeout(GUARD):
        green = socket.getaddrinfo(host, port, family, kind)
    expected = stdlib_socket.getaddrinfo(host, port, family, kind)
    assert infos_set(green) == infos_set(expected)
    for info in green:
        assert isinstance(info[0], socket.AddressFamily)
        assert isinstance(info[1], socket.SocketKind)


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6, 0])
def test_getaddrinfo_passive_wildcard_like_stdlib(family):
    args = (None, 8080, family, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    with Timeout(GUARD):
        green = socket.getaddrinfo(*args)
    expected = stdlib_socket.getaddrinfo(*args)
    assert infos_set(green) == infos_set(expected)
    for info in green:
        assert isinstance(info[0], socket.AddressFamily)
        assert isinstance(info[1], socket.SocketKind)


def test_getaddrinfo_localhost_ipv4_like_stdlib():
    with Timeout(GUARD):
        green = socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM)
    expected = stdlib_socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM)
    assert infos_set(green) == infos_set(expected)
    assert (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, ("127.0.0.1", 80)) in (
        infos_set(green)
    )


def test_getaddrinfo_localhost_any_family_includes_ipv4():
    with Timeout(GUARD):
        green = socket.getaddrinfo("localhost", 80, 0, socket.SOCK_STREAM)
    assert ("127.0.0.1", 80) in [info[4] for info in green]


def test_getaddrinfo_keyword_arguments():
    with Timeout(GUARD):
        green = socket.getaddrinfo(
            host="127.0.0.1", port=53, family=socket.AF_INET, type=socket.SOCK_DGRAM
        )
    assert [info[4] for info in green] == [("127.0.0.1", 53)]


def test_getaddrinfo_numerichost_refuses_a_name_like_stdlib():
    with pytest.raises(stdlib_socket.gaierror) as expected:
        stdlib_socket.getaddrinfo("localhost", 80, flags=socket.AI_NUMERICHOST)
    with Timeout(GUARD), pytest.raises(socket.gaierror) as excinfo:
        socket.getaddrinfo("localhost", 80, flags=socket.AI_NUMERICHOST)
    assert excinfo.value.errno == expected.value.errno


def test_getaddrinfo_service_names_like_stdlib():
    try:
        expected = stdlib_socket.getaddrinfo(
            "127.0.0.1", "http", socket.AF_INET, socket.SOCK_STREAM
        )
    except stdlib_socket.gaierror:
        pytest.skip("no services database on this machine")
    with Timeout(GUARD):
        green = socket.getaddrinfo("127.0.0.1", "http", socket.AF_INET, socket.SOCK_STREAM)
    assert infos_set(green) == infos_set(expected)


def test_getaddrinfo_unknown_service_raises_like_stdlib():
    args = ("127.0.0.1", "no-such-service", socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(stdlib_socket.gaierror) as expected:
        stdlib_socket.getaddrinfo(*args)
    with Timeout(GUARD), pytest.raises(socket.gaierror) as excinfo:
        socket.getaddrinfo(*args)
    assert excinfo.value.errno == expected.value.errno


def test_gethostbyname():
    with Timeout(GUARD):
        assert socket.gethostbyname("127.0.0.1") == "127.0.0.1"
        assert socket.gethostbyname("localhost") == stdlib_socket.gethostbyname("localhost")


def test_gethostbyname_ex_localhost():
    with Timeout(GUARD):
        name, aliases, addresses = socket.gethostbyname_ex("localhost")
    assert "127.0.0.1" in addresses
    assert isinstance(aliases, list)
    assert isinstance(name, str) and name


def test_getnameinfo_numeric():
    flags = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV
    with Timeout(GUARD):
        assert socket.getnameinfo(("127.0.0.1", 80), flags) == ("127.0.0.1", "80")
        assert socket.getnameinfo(("::1", 8080, 0, 0), flags) == ("::1", "8080")


def test_getnameinfo_names_like_stdlib():
    expected = stdlib_socket.getnameinfo(("127.0.0.1", 80), 0)
    with Timeout(GUARD):
        assert socket.getnameinfo(("127.0.0.1", 80), 0) == expected


def test_gethostbyname_of_an_ipv6_literal_raises_like_stdlib():
    with pytest.raises(stdlib_socket.gaierror) as expected:
        stdlib_socket.gethostbyname("::1")
    with Timeout(GUARD), pytest.raises(socket.gaierror) as excinfo:
        socket.gethostbyname("::1")
    assert excinfo.value.errno == expected.value.errno


def test_gethostbyaddr_loopback():
    expected = stdlib_socket.gethostbyaddr("127.0.0.1")
    with Timeout(GUARD):
        name, _aliases, addresses = socket.gethostbyaddr("127.0.0.1")
    assert "127.0.0.1" in addresses
    assert name == expected[0]


# -- UDP ---------------------------------------------------------------------------------------


def udp_roundtrip(family, host):
    a = socket.socket(family, socket.SOCK_DGRAM)
    b = socket.socket(family, socket.SOCK_DGRAM)
    try:
        a.bind((host, 0))
        b.bind((host, 0))
        with Timeout(GUARD):
            gt = spawn(a.recvfrom, 100)
            sleep(0)
            assert not gt.dead
            assert b.sendto(b"ping", a.getsockname()) == 4
            data, addr = gt.wait()
            assert data == b"ping"
            assert addr == b.getsockname()
            # Reply on a connected datagram socket.
            a.connect(addr)
            gt = spawn(b.recvfrom, 100)
            sleep(0)
            a.send(b"pong")
            assert gt.wait() == (b"pong", a.getsockname())
    finally:
        a.close()
        b.close()


@all_hubs
def test_udp_ipv4():
    udp_roundtrip(socket.AF_INET, "127.0.0.1")


@needs_ipv6
@all_hubs
def test_udp_ipv6():
    udp_roundtrip(socket.AF_INET6, "::1")


@all_hubs
def test_udp_recv_times_out():
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    a.settimeout(0.1)
    with Timeout(GUARD), pytest.raises(socket.timeout):
        a.recvfrom(10)
    a.close()


# -- Unix sockets ------------------------------------------------------------------------------


@all_hubs
def test_unix_stream(short_dir):
    path = os.path.join(short_dir, "s")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen()
    try:
        with Timeout(GUARD):
            waiter = spawn(srv.accept)
            sleep(0)
            assert not waiter.dead
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(path)
            conn, _ = waiter.wait()
            assert isinstance(conn, GreenSocket)
            assert c.getpeername() == path
            assert conn.getsockname() == path
            reply = spawn(c.recv, 100)
            sleep(0)
            conn.sendall(b"over unix")
            assert reply.wait() == b"over unix"
        c.close()
        conn.close()
    finally:
        srv.close()


@all_hubs
def test_unix_datagram(short_dir):
    a_path = os.path.join(short_dir, "a")
    b_path = os.path.join(short_dir, "b")
    a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.bind(a_path)
    b.bind(b_path)
    try:
        with Timeout(GUARD):
            gt = spawn(a.recvfrom, 100)
            sleep(0)
            assert not gt.dead
            b.sendto(b"unix dgram", a_path)
            assert gt.wait() == (b"unix dgram", b_path)
    finally:
        a.close()
        b.close()


# -- IPv6 TCP ------------------------------------------------------------------------------------


@needs_ipv6
@all_hubs
def test_ipv6_tcp_loopback(recv_exactly):
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.bind(("::1", 0))
    srv.listen()
    try:
        with Timeout(GUARD):
            waiter = spawn(srv.accept)
            c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            c.connect(srv.getsockname())
            conn, addr = waiter.wait()
            assert addr == c.getsockname()
            assert len(addr) == 4 and addr[0] == "::1"
            gt = spawn(recv_exactly, conn, 9)
            c.sendall(b"over ipv6")
            assert gt.wait() == b"over ipv6"
        c.close()
        conn.close()
    finally:
        srv.close()
