"""eventlet.greenio: GreenSocket against the standard library's socket semantics, GreenPipe,
shutdown_safe and set_nonblocking.

The reference for every behaviour is the stdlib ``socket.socket``: where a case is subtle the
test computes the stdlib's answer with a plain socket next to the green one. I/O tests run on
every hub backend; each is guarded by a Timeout so a bug fails instead of hanging.
"""

from __future__ import annotations

import array
import errno
import io
import os
import pickle
import socket
import struct
import threading

import pytest

from eventlet.event import Event
from eventlet.greenio import GreenPipe, GreenSocket, set_nonblocking, shutdown_safe
from eventlet.greenthread import sleep, spawn
from eventlet.hubs import get_hub
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it

all_hubs = pytest.mark.all_hubs


# -- helpers ---------------------------------------------------------------------------------


# The calls that receive on a connected stream socket, for tests of each one's waiting.
RECEIVE_CALLS = {
    "recv": lambda s: s.recv(10),
    "recv_into": lambda s: s.recv_into(bytearray(10)),
    "recvfrom": lambda s: s.recvfrom(10),
    "recvfrom_into": lambda s: s.recvfrom_into(bytearray(10)),
    "recvmsg": lambda s: s.recvmsg(10),
    "recvmsg_into": lambda s: s.recvmsg_into([bytearray(10)]),
}


@pytest.fixture
def green_tcp_pair(green_listener):
    """``green_tcp_pair()``: two connected GreenSockets over TCP on 127.0.0.1 (client, server
    side); the test closes them."""

    def make():
        srv = green_listener()
        try:
            client = GreenSocket(socket.AF_INET, socket.SOCK_STREAM)
            client.connect(srv.getsockname())
            conn, _ = srv.accept()
        finally:
            srv.close()
        return client, conn

    return make


def green_unix_pair(type=socket.SOCK_STREAM):
    """Two connected GreenSockets over an AF_UNIX socketpair, wrapping the stdlib's."""
    a, b = socket.socketpair(socket.AF_UNIX, type)
    return GreenSocket(a), GreenSocket(b)


def fill_until_blocked(sock):
    """Send on non-blocking ``sock`` until the kernel refuses; return the bytes sent."""
    sock.setblocking(False)
    total = 0
    chunk = b"f" * 65536
    try:
        while True:
            total += sock.send(chunk)
    except BlockingIOError:
        return total


def small_buffers(*socks, size=16384):
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)


class Watchdog:
    """An OS thread that shuts ``socks`` down after ``seconds`` unless canceled.

    For tests where a bug could block the whole OS thread (where a green Timeout cannot
    fire): shutting the socket down from another thread wakes the blocked system call.
    """

    def __init__(self, seconds, *socks):
        self.fired = False
        self._socks = socks
        self._canceled = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(seconds,), daemon=True)
        self._thread.start()

    def _run(self, seconds):
        if not self._canceled.wait(seconds):
            self.fired = True
            for s in self._socks:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cancel(self):
        self._canceled.set()
        self._thread.join()


@pytest.fixture
def tcp(green_tcp_pair):
    a, b = green_tcp_pair()
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def unix():
    a, b = green_unix_pair()
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def unix_dgram(short_dir):
    """A green AF_UNIX datagram socket and the path of a bound one that never reads."""
    path = os.path.join(short_dir, "dgram")
    receiver = GreenSocket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    sender = GreenSocket(socket.AF_UNIX, socket.SOCK_DGRAM)
    yield sender, path
    sender.close()
    receiver.close()


@pytest.fixture
def udp():
    a = GreenSocket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b = GreenSocket(socket.AF_INET, socket.SOCK_DGRAM)
    b.bind(("127.0.0.1", 0))
    yield a, b
    a.close()
    b.close()


# -- modes: settimeout / setblocking / gettimeout / getblocking -------------------------------


def test_new_socket_is_blocking_by_default():
    with GreenSocket() as s:
        assert s.gettimeout() is None
        assert s.getblocking() is True


def test_new_socket_takes_getdefaulttimeout(default_timeout):
    default_timeout(3.5)
    with GreenSocket() as s, socket.socket() as ref:
        assert s.gettimeout() == ref.gettimeout() == 3.5
        assert s.getblocking() is ref.getblocking() is True
    default_timeout(None)
    with GreenSocket() as s:
        assert s.gettimeout() is None


@pytest.mark.parametrize(
    "value, expected, blocking",
    [(2, 2.0, True), (0.25, 0.25, True), (0, 0.0, False), (0.0, 0.0, False), (None, None, True)],
)
def test_settimeout_like_stdlib(value, expected, blocking):
    with GreenSocket() as s, socket.socket() as ref:
        s.settimeout(value)
        ref.settimeout(value)
        assert s.gettimeout() == ref.gettimeout() == expected
        assert type(s.gettimeout()) is type(ref.gettimeout())
        assert s.getblocking() is ref.getblocking() is blocking


@pytest.mark.parametrize("flag, expected", [(False, 0.0), (True, None), (0, 0.0), (1, None)])
def test_setblocking_like_stdlib(flag, expected):
    with GreenSocket() as s:
        s.settimeout(5)
        s.setblocking(flag)
        assert s.gettimeout() == expected
        assert s.getblocking() is bool(flag)


def test_settimeout_negative_raises_valueerror():
    with GreenSocket() as s:
        s.settimeout(1.5)
        with pytest.raises(ValueError):
            s.settimeout(-1)
        with pytest.raises(ValueError):
            s.settimeout(-0.001)
        assert s.gettimeout() == 1.5


@pytest.mark.parametrize("bad", ["1", [], object(), b"2"])
def test_settimeout_non_number_raises_typeerror(bad):
    with GreenSocket() as s:
        with pytest.raises(TypeError):
            s.settimeout(bad)
        assert s.gettimeout() is None


@pytest.mark.parametrize("timeout", [None, 0.0, 2.0])
def test_real_socket_is_always_nonblocking_at_os_level(timeout):
    with GreenSocket() as s:
        s.settimeout(timeout)
        assert isinstance(s.fd, socket.socket)
        assert not isinstance(s.fd, GreenSocket)
        assert s.fd.fileno() == s.fileno()
        assert os.get_blocking(s.fileno()) is False
        assert s.fd.gettimeout() == 0.0
        assert s.gettimeout() == timeout


@all_hubs
@pytest.mark.parametrize("listener_timeout", [None, 0.0, 2.0])
@pytest.mark.parametrize("default", [None, 4.0])
def test_accepted_socket_mode_like_stdlib(
    green_listener, default_timeout, listener_timeout, default
):
    default_timeout(default)
    # The stdlib's answer for this listener mode and default timeout.
    ref_srv = socket.socket()
    ref_srv.bind(("127.0.0.1", 0))
    ref_srv.listen()
    ref_srv.settimeout(listener_timeout)
    ref_client = socket.create_connection(ref_srv.getsockname(), timeout=2)
    ready = Timeout(GUARD)
    try:
        while True:
            try:
                ref_conn, _ = ref_srv.accept()
                break
            except BlockingIOError:
                sleep(0.01)
    finally:
        ready.cancel()
    expected = ref_conn.gettimeout()
    for s in (ref_conn, ref_client, ref_srv):
        s.close()

    with Timeout(GUARD):
        srv = green_listener()
        srv.settimeout(listener_timeout)
        client = GreenSocket()
        client.settimeout(2)
        client.connect(srv.getsockname())
        while True:
            try:
                conn, _ = srv.accept()
                break
            except BlockingIOError:
                sleep(0.01)
        assert isinstance(conn, GreenSocket)
        assert conn.gettimeout() == expected
        assert os.get_blocking(conn.fileno()) is False
        for s in (conn, client, srv):
            s.close()


def test_new_socket_with_sock_nonblock_type_is_nonblocking():
    kind = socket.SOCK_STREAM | socket.SOCK_NONBLOCK
    with GreenSocket(socket.AF_INET, kind) as s, socket.socket(socket.AF_INET, kind) as ref:
        assert s.gettimeout() == ref.gettimeout() == 0.0
        assert s.type == ref.type == socket.SOCK_STREAM


# -- timeouts on every blocking call ----------------------------------------------------------


def assert_timed_out(excinfo):
    exc = excinfo.value
    assert isinstance(exc, socket.timeout)
    assert isinstance(exc, TimeoutError)
    assert isinstance(exc, OSError)
    assert str(exc) == "timed out"


@all_hubs
def test_accept_times_out(green_listener):
    srv = green_listener()
    srv.settimeout(0.1)
    with Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
        srv.accept()
    assert_timed_out(excinfo)
    assert get_hub().get_readers() == []
    srv.close()


@all_hubs
def test_connect_times_out(saturated_address):
    s = GreenSocket()
    s.settimeout(0.2)
    with Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
        s.connect(saturated_address)
    assert_timed_out(excinfo)
    assert get_hub().get_writers() == []
    s.close()


@all_hubs
def test_connect_ex_timing_out_returns_stdlib_errno(saturated_address):
    ref = socket.socket()
    ref.settimeout(0.2)
    expected = ref.connect_ex(saturated_address)
    ref.close()
    s = GreenSocket()
    s.settimeout(0.2)
    with Timeout(GUARD):
        assert s.connect_ex(saturated_address) == expected == errno.EWOULDBLOCK
    s.close()


@all_hubs
@pytest.mark.parametrize("call", RECEIVE_CALLS.values(), ids=RECEIVE_CALLS.keys())
def test_receiving_times_out(tcp, call, start_ticker):
    a, b = tcp
    a.settimeout(0.1)
    ticker = start_ticker()
    with Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
        call(a)
    assert ticker.stop() > 0  # the wait let other green threads run
    assert_timed_out(excinfo)
    assert get_hub().get_readers() == []
    # The socket is still usable after a timeout, as in the stdlib.
    b.sendall(b"late")
    with Timeout(GUARD):
        assert a.recv(10) == b"late"


@all_hubs
@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.recvfrom(10),
        lambda s: s.recvfrom_into(bytearray(10)),
        lambda s: s.recvmsg(10),
    ],
    ids=["recvfrom", "recvfrom_into", "recvmsg"],
)
def test_udp_receiving_times_out(udp, call):
    a, _ = udp
    a.settimeout(0.1)
    with Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
        call(a)
    assert_timed_out(excinfo)


@all_hubs
def test_send_times_out(unix):
    a, _ = unix
    small_buffers(a)
    a.settimeout(0.1)
    with Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
        for _ in range(100000):
            a.send(b"s" * 65536)
    assert_timed_out(excinfo)
    assert get_hub().get_writers() == []


@all_hubs
def test_sendmsg_times_out(unix):
    a, _ = unix
    small_buffers(a)
    a.settimeout(0.1)
    with Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
        for _ in range(100000):
            a.sendmsg([b"m" * 32768, b"n" * 32768])
    assert_timed_out(excinfo)


@all_hubs
def test_sendall_times_out_when_nobody_reads(tcp):
    a, _ = tcp
    small_buffers(a)
    a.settimeout(0.2)
    with Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
        a.sendall(b"x" * (32 * 1024 * 1024))
    assert_timed_out(excinfo)


@all_hubs
def test_sendall_timeout_bounds_the_total_duration(unix):
    """The peer keeps reading a little, so every single send makes progress within the
    timeout; sendall must still give up once the whole call has lasted the timeout (the
    stdlib's rule since 3.5), not run for the minute the data would need."""
    a, b = unix
    small_buffers(a, b)
    stop = Event()

    b.setblocking(False)

    def trickle_reader():
        while not stop.ready():
            try:
                b.recv(4096)
            except BlockingIOError:
                pass
            sleep(0.01)

    reader = spawn(trickle_reader)
    a.settimeout(0.5)
    with Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
        a.sendall(b"x" * (64 * 1024 * 1024))
    assert_timed_out(excinfo)
    stop.send()
    reader.wait()


@all_hubs
def test_sendto_times_out(unix_dgram):
    sender, path = unix_dgram
    sender.settimeout(0.1)
    with Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
        for _ in range(1000000):
            sender.sendto(b"d" * 1024, path)
    assert_timed_out(excinfo)


# -- non-blocking mode: BlockingIOError -------------------------------------------------------


@all_hubs
@pytest.mark.parametrize("call", RECEIVE_CALLS.values(), ids=RECEIVE_CALLS.keys())
def test_nonblocking_receive_raises_blockingioerror(tcp, call):
    a, b = tcp
    a.setblocking(False)
    with Timeout(GUARD), pytest.raises(BlockingIOError) as excinfo:
        call(a)
    assert excinfo.value.errno in (errno.EAGAIN, errno.EWOULDBLOCK)
    assert get_hub().get_readers() == []
    b.sendall(b"ready")
    with Timeout(GUARD):
        while True:
            try:
                assert a.recv(10) == b"ready"
                break
            except BlockingIOError:
                sleep(0.01)


@all_hubs
def test_nonblocking_accept_raises_blockingioerror(green_listener):
    srv = green_listener()
    srv.setblocking(False)
    with Timeout(GUARD), pytest.raises(BlockingIOError):
        srv.accept()
    srv.close()


@all_hubs
def test_nonblocking_send_and_sendall_raise_blockingioerror(unix):
    a, _ = unix
    small_buffers(a)
    with Timeout(GUARD):
        assert fill_until_blocked(a) > 0
        with pytest.raises(BlockingIOError):
            a.send(b"more")
        with pytest.raises(BlockingIOError):
            a.sendall(b"more" * 100000)
        with pytest.raises(BlockingIOError):
            a.sendmsg([b"more" * 100000])


@all_hubs
def test_nonblocking_connect_raises_inprogress_then_completes(green_listener):
    srv = green_listener()
    s = GreenSocket()
    s.setblocking(False)
    with Timeout(GUARD):
        with pytest.raises(BlockingIOError) as excinfo:
            s.connect(srv.getsockname())
        assert excinfo.value.errno == errno.EINPROGRESS
        conn, addr = srv.accept()
        assert addr == s.getsockname()
    s.close()
    conn.close()
    srv.close()


@all_hubs
def test_nonblocking_connect_ex_returns_einprogress(green_listener):
    srv = green_listener()
    s = GreenSocket()
    s.setblocking(False)
    with Timeout(GUARD):
        assert s.connect_ex(srv.getsockname()) == errno.EINPROGRESS
    s.close()
    srv.close()


@all_hubs
def test_nonblocking_sendto_raises_blockingioerror(unix_dgram):
    sender, path = unix_dgram
    sender.setblocking(False)
    with Timeout(GUARD), pytest.raises(BlockingIOError):
        for _ in range(1000000):
            sender.sendto(b"d" * 1024, path)


@all_hubs
def test_nonblocking_calls_succeed_when_ready(tcp):
    a, b = tcp
    a.setblocking(False)
    b.sendall(b"abc")
    with Timeout(GUARD):
        while True:
            try:
                data = a.recv(10)
                break
            except BlockingIOError:
                sleep(0.01)
    assert data == b"abc"
    assert a.send(b"xyz") == 3


# -- blocking mode: waits in the hub, others run ----------------------------------------------


@all_hubs
def test_blocking_recv_waits_for_another_green_thread(tcp):
    a, b = tcp
    log = []

    def reader():
        log.append("reading")
        data = a.recv(10)
        log.append(data)
        return data

    gt = spawn(reader)
    sleep(0)
    sleep(0)
    assert log == ["reading"]
    b.sendall(b"hello")
    with Timeout(GUARD):
        assert gt.wait() == b"hello"
    assert log == ["reading", b"hello"]


@all_hubs
def test_blocking_accept_waits_for_a_connecting_green_thread(green_listener, recv_exactly):
    srv = green_listener()
    addr = srv.getsockname()

    def connector():
        c = GreenSocket()
        c.connect(addr)
        c.sendall(b"hi from client")
        return c

    with Timeout(GUARD):
        gt = spawn(connector)
        conn, peer = srv.accept()
        c = gt.wait()
        assert isinstance(conn, GreenSocket)
        assert peer == c.getsockname()
        assert conn.getpeername() == c.getsockname()
        assert recv_exactly(conn, 14) == b"hi from client"
    for s in (conn, c, srv):
        s.close()


@all_hubs
def test_blocking_sendall_of_much_data_with_a_green_reader(tcp, recv_all):
    a, b = tcp
    payload = os.urandom(4 * 1024 * 1024)
    with Timeout(GUARD):
        reader = spawn(recv_all, b)
        a.sendall(payload)
        a.shutdown(socket.SHUT_WR)
        assert reader.wait() == payload


@all_hubs
def test_timeout_mode_operations_succeed_within_time(tcp, recv_exactly):
    a, b = tcp
    a.settimeout(5)
    b.settimeout(5)
    with Timeout(GUARD):
        reader = spawn(recv_exactly, b, 6)
        sleep(0)
        assert a.send(b"abc") == 3
        a.sendall(b"def")
        assert reader.wait() == b"abcdef"


# -- connect / connect_ex ---------------------------------------------------------------------


@all_hubs
@pytest.mark.parametrize("timeout", [None, 2.0])
def test_connect_refused_raises_connectionrefusederror(timeout, refused_address):
    s = GreenSocket()
    s.settimeout(timeout)
    with Timeout(GUARD), pytest.raises(ConnectionRefusedError) as excinfo:
        s.connect(refused_address)
    assert excinfo.value.errno == errno.ECONNREFUSED
    s.close()


@all_hubs
@pytest.mark.parametrize("timeout", [None, 2.0])
def test_connect_ex_refused_returns_econnrefused(timeout, refused_address):
    s = GreenSocket()
    s.settimeout(timeout)
    with Timeout(GUARD):
        assert s.connect_ex(refused_address) == errno.ECONNREFUSED
    s.close()


@all_hubs
def test_connect_ex_success_returns_zero(green_listener):
    srv = green_listener()
    s = GreenSocket()
    with Timeout(GUARD):
        assert s.connect_ex(srv.getsockname()) == 0
        conn, _ = srv.accept()
        s.sendall(b"ok")
        assert conn.recv(2) == b"ok"
    for x in (s, conn, srv):
        x.close()


@all_hubs
def test_unix_connect_waits_for_room_in_a_full_backlog(short_dir):
    path = os.path.join(short_dir, "stream")
    srv = GreenSocket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(0)
    clients = []
    try:
        with Timeout(GUARD):
            # Fill the accept queue with non-blocking connects until one would block.
            while True:
                c = GreenSocket(socket.AF_UNIX, socket.SOCK_STREAM)
                clients.append(c)
                c.setblocking(False)
                try:
                    c.connect(path)
                except BlockingIOError:
                    clients.pop().close()
                    break
            late = GreenSocket(socket.AF_UNIX, socket.SOCK_STREAM)
            clients.append(late)
            gt = spawn(late.connect, path)
            sleep(0.05)
            assert not gt.dead  # it waits, as a blocking stdlib connect does
            accepted = [srv.accept()[0] for _ in range(len(clients) - 1)]
            gt.wait()
            accepted.append(srv.accept()[0])
            late.sendall(b"made it")
            assert accepted[-1].recv(10) == b"made it"
            for a in accepted:
                a.close()
    finally:
        for c in clients:
            c.close()
        srv.close()


def test_second_connect_raises_eisconn_like_stdlib(green_listener):
    srv = green_listener()
    ref = socket.socket()
    ref.connect(srv.getsockname())
    with pytest.raises(OSError) as expected:
        ref.connect(srv.getsockname())
    expected_ex = ref.connect_ex(srv.getsockname())
    s = GreenSocket()
    with Timeout(GUARD):
        s.connect(srv.getsockname())
        with pytest.raises(OSError) as excinfo:
            s.connect(srv.getsockname())
        assert excinfo.value.errno == expected.value.errno == errno.EISCONN
        assert s.connect_ex(srv.getsockname()) == expected_ex == errno.EISCONN
    for x in (s, ref, srv):
        x.close()


@all_hubs
def test_connect_by_host_name_localhost(green_listener):
    srv = green_listener()
    port = srv.getsockname()[1]
    with Timeout(GUARD):
        s = GreenSocket()
        s.connect(("localhost", port))
        conn, addr = srv.accept()
        assert addr == s.getsockname()
    for x in (s, conn, srv):
        x.close()


# -- accept -----------------------------------------------------------------------------------


@all_hubs
def test_accept_returns_greensocket_and_address(green_listener):
    srv = green_listener()
    with Timeout(GUARD):
        c = GreenSocket()
        c.connect(srv.getsockname())
        result = srv.accept()
        assert isinstance(result, tuple) and len(result) == 2
        conn, addr = result
        assert type(conn) is GreenSocket
        assert addr == c.getsockname()
        assert conn.family == socket.AF_INET
        assert conn.type == socket.SOCK_STREAM
        # The accepted socket is green too: its recv waits in the hub.
        gt = spawn(conn.recv, 5)
        sleep(0)
        c.sendall(b"12345")
        assert gt.wait() == b"12345"
    for s in (conn, c, srv):
        s.close()


# -- receiving --------------------------------------------------------------------------------


@all_hubs
def test_recv_variants(tcp):
    a, b = tcp
    with Timeout(GUARD):
        b.sendall(b"peekaboo")
        assert a.recv(4, socket.MSG_PEEK) == b"peek"
        assert a.recv(4) == b"peek"
        buf = bytearray(10)
        assert a.recv_into(buf, 2) == 2
        assert buf[:2] == b"ab"
        b.sendall(b"xyz")
        got = a.recv_into(memoryview(buf)[5:])
        assert 2 <= got <= 5
        assert buf[5 : 5 + got] == b"ooxyz"[:got]


@all_hubs
def test_recv_returns_empty_at_eof(tcp):
    a, b = tcp
    with Timeout(GUARD):
        gt = spawn(a.recv, 10)
        sleep(0)
        b.close()
        assert gt.wait() == b""


@all_hubs
def test_recvfrom_and_recvfrom_into_give_the_sender_address(udp):
    a, b = udp
    with Timeout(GUARD):
        gt = spawn(a.recvfrom, 100)
        sleep(0)
        b.sendto(b"dgram", a.getsockname())
        assert gt.wait() == (b"dgram", b.getsockname())
        buf = bytearray(100)
        gt = spawn(a.recvfrom_into, buf)
        sleep(0)
        b.sendto(b"again", a.getsockname())
        assert gt.wait() == (5, b.getsockname())
        assert buf[:5] == b"again"


@all_hubs
def test_recvmsg_plain(udp):
    a, b = udp
    with Timeout(GUARD):
        gt = spawn(a.recvmsg, 100)
        sleep(0)
        b.sendmsg([b"par", b"ts"], [], 0, a.getsockname())
        data, ancdata, flags, address = gt.wait()
        assert data == b"parts"
        assert ancdata == []
        assert address == b.getsockname()
        assert flags & socket.MSG_TRUNC == 0


@all_hubs
def test_recvmsg_receives_a_file_descriptor_over_scm_rights(unix):
    a, b = unix
    r, w = os.pipe()
    try:
        with Timeout(GUARD):
            receiver = spawn(b.recvmsg, 16, socket.CMSG_SPACE(array.array("i").itemsize))
            sleep(0)
            assert not receiver.dead
            a.sendmsg([b"fd!"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [r]))])
            data, ancdata, flags, _ = receiver.wait()
        assert data == b"fd!"
        assert flags & socket.MSG_CTRUNC == 0
        assert len(ancdata) == 1
        level, kind, payload = ancdata[0]
        assert (level, kind) == (socket.SOL_SOCKET, socket.SCM_RIGHTS)
        fds = array.array("i")
        fds.frombytes(payload[: fds.itemsize])
        received = fds[0]
        assert received != r
        try:
            os.write(w, b"through the passed fd")
            assert os.read(received, 100) == b"through the passed fd"
        finally:
            os.close(received)
    finally:
        os.close(r)
        os.close(w)


@all_hubs
def test_recvmsg_into(unix):
    a, b = unix
    bufs = [bytearray(3), bytearray(10)]
    with Timeout(GUARD):
        gt = spawn(b.recvmsg_into, bufs)
        sleep(0)
        a.sendall(b"abcdefg")
        nbytes, ancdata, flags, _ = gt.wait()
    assert nbytes == 7
    assert bytes(bufs[0]) == b"abc"
    assert bytes(bufs[1][:4]) == b"defg"


# -- sending ----------------------------------------------------------------------------------


@all_hubs
def test_send_returns_the_count_sent(tcp, recv_exactly):
    a, b = tcp
    with Timeout(GUARD):
        assert a.send(b"count me") == 8
        assert a.send(memoryview(b"viewed")) == 6
        assert recv_exactly(b, 14) == b"count meviewed"


@all_hubs
def test_sendall_returns_none(tcp, recv_exactly):
    a, b = tcp
    with Timeout(GUARD):
        assert a.sendall(b"all of it") is None
        assert recv_exactly(b, 9) == b"all of it"


@all_hubs
def test_sendto_udp(udp):
    a, b = udp
    with Timeout(GUARD):
        assert b.sendto(b"to a", a.getsockname()) == 4
        assert b.sendto(b"flagged", 0, a.getsockname()) == 7
        assert a.recvfrom(100) == (b"to a", b.getsockname())
        assert a.recvfrom(100) == (b"flagged", b.getsockname())


@all_hubs
def test_sendmsg_gathers_buffers(unix, recv_exactly):
    a, b = unix
    with Timeout(GUARD):
        assert a.sendmsg([b"one ", memoryview(b"two "), bytearray(b"three")]) == 13
        assert recv_exactly(b, 13) == b"one two three"


@all_hubs
def test_blocking_send_waits_for_room(unix, recv_exactly):
    a, b = unix
    small_buffers(a, b)
    filled = fill_until_blocked(a)
    a.setblocking(True)
    with Timeout(GUARD):
        sender = spawn(a.sendall, b"tail")
        sleep(0)
        sleep(0)
        assert not sender.dead  # it waits for the peer to read
        data = recv_exactly(b, filled + 4)
        sender.wait()
    assert data[-4:] == b"tail"


# -- sendfile ---------------------------------------------------------------------------------


@pytest.fixture
def payload_file(tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 123)
    path = tmp_path / "payload.bin"
    path.write_bytes(data)
    with open(path, "rb") as f:
        yield f, data


@all_hubs
def test_sendfile_whole_file_over_tcp(tcp, payload_file, recv_exactly, start_ticker):
    a, b = tcp
    f, data = payload_file
    small_buffers(a, b, size=65536)
    watchdog = Watchdog(GUARD, a.fd, b.fd)
    ticker = start_ticker()
    try:
        with Timeout(GUARD):
            reader = spawn(recv_exactly, b, len(data))
            assert a.sendfile(f) == len(data)
            assert reader.wait() == data
    finally:
        watchdog.cancel()
    assert not watchdog.fired
    assert ticker.stop() > 0
    assert f.tell() == len(data)


@all_hubs
def test_sendfile_with_offset_and_count(tcp, payload_file, recv_exactly):
    a, b = tcp
    f, data = payload_file
    watchdog = Watchdog(GUARD, a.fd, b.fd)
    try:
        with Timeout(GUARD):
            reader = spawn(recv_exactly, b, 200000)
            assert a.sendfile(f, offset=1000, count=200000) == 200000
            assert reader.wait() == data[1000:201000]
    finally:
        watchdog.cancel()
    assert f.tell() == 201000


@all_hubs
def test_sendfile_of_a_non_regular_file_falls_back_to_send(tcp, recv_exactly):
    a, b = tcp
    data = os.urandom(500000)
    with Timeout(GUARD):
        reader = spawn(recv_exactly, b, len(data) - 10)
        assert a.sendfile(io.BytesIO(data), offset=10) == len(data) - 10
        assert reader.wait() == data[10:]


@all_hubs
def test_sendfile_count_beyond_the_end_and_offset_past_it(tcp, payload_file, recv_exactly):
    a, b = tcp
    f, data = payload_file
    with Timeout(GUARD):
        reader = spawn(recv_exactly, b, 100)
        assert a.sendfile(f, offset=len(data) - 100, count=10**6) == 100
        assert reader.wait() == data[-100:]
        assert a.sendfile(f, offset=len(data) + 10) == 0


def test_sendfile_on_a_nonblocking_socket_raises_valueerror(tcp, payload_file):
    a, _ = tcp
    f, _ = payload_file
    a.setblocking(False)
    with pytest.raises(ValueError):
        a.sendfile(f)


@all_hubs
def test_sendfile_times_out(tcp, tmp_path):
    a, b = tcp
    small_buffers(a, b)
    path = tmp_path / "sparse.bin"
    with open(path, "wb") as f:
        f.truncate(256 * 1024 * 1024)  # sparse: cheap to make, far more than the buffers hold
    a.settimeout(0.2)
    watchdog = Watchdog(GUARD, a.fd, b.fd)
    try:
        with open(path, "rb") as f, Timeout(GUARD), pytest.raises(TimeoutError) as excinfo:
            a.sendfile(f)
    finally:
        watchdog.cancel()
    assert_timed_out(excinfo)


# -- makefile ---------------------------------------------------------------------------------


@all_hubs
def test_makefile_binary_read_write_readline(tcp):
    a, b = tcp
    with Timeout(GUARD):
        reader = a.makefile("rb")
        writer = b.makefile("wb")

        def slow_writer():
            for piece in (b"first ", b"line\nsec", b"ond line\n", b"rest"):
                writer.write(piece)
                writer.flush()
                sleep(0.01)
            writer.close()
            b.shutdown(socket.SHUT_WR)

        gt = spawn(slow_writer)
        assert reader.readline() == b"first line\n"
        assert reader.readline() == b"second line\n"
        assert reader.read() == b"rest"
        assert reader.read() == b""
        gt.wait()
        reader.close()


@all_hubs
def test_makefile_text_mode(tcp):
    a, b = tcp
    with Timeout(GUARD):
        out = a.makefile("w", encoding="utf-8", newline="\n")
        inp = b.makefile("r", encoding="utf-8", newline="\n")
        out.write("héllo\nwörld\n")
        out.flush()
        assert inp.readline() == "héllo\n"
        assert inp.readline() == "wörld\n"
        out.close()
        inp.close()


@all_hubs
def test_makefile_read_write_mode_and_unbuffered(tcp, recv_exactly):
    a, b = tcp
    with Timeout(GUARD):
        f = a.makefile("rwb")
        f.write(b"ping")
        f.flush()
        assert recv_exactly(b, 4) == b"ping"
        b.sendall(b"pong")
        assert f.read(4) == b"pong"
        f.close()
        raw = a.makefile("rb", buffering=0)
        buf = bytearray(4)
        b.sendall(b"raw!")
        assert raw.readinto(buf) == 4
        assert buf == b"raw!"
        raw.close()


@all_hubs
def test_makefile_keeps_the_descriptor_open_until_both_are_closed(tcp, recv_exactly):
    a, b = tcp
    with Timeout(GUARD):
        f = a.makefile("rwb")
        a.close()
        # The file still works: the descriptor is open while the file is.
        f.write(b"after close")
        f.flush()
        assert recv_exactly(b, 11) == b"after close"
        b.setblocking(False)
        with pytest.raises(BlockingIOError):
            b.recv(1)  # no EOF yet
        f.close()
        b.setblocking(True)
        assert b.recv(1) == b""  # now the descriptor is closed
        assert a.fileno() == -1


@all_hubs
def test_makefile_closed_first_then_socket(tcp, recv_exactly):
    a, b = tcp
    with Timeout(GUARD):
        f = a.makefile("wb")
        f.write(b"x")
        f.close()
        a.sendall(b"y")  # the socket is still open
        assert recv_exactly(b, 2) == b"xy"
        a.close()
        assert b.recv(1) == b""


@all_hubs
def test_makefile_readline_times_out(tcp):
    a, b = tcp
    a.settimeout(0.1)
    f = a.makefile("rb")
    b.sendall(b"no newline yet")
    with Timeout(GUARD), pytest.raises(TimeoutError):
        f.readline()
    f.close()


# -- dup / detach / shutdown ------------------------------------------------------------------


@all_hubs
def test_dup(tcp, recv_exactly):
    a, b = tcp
    a.settimeout(1.5)
    d = a.dup()
    try:
        assert isinstance(d, GreenSocket)
        assert d.fileno() != a.fileno()
        assert d.gettimeout() == 1.5
        assert os.get_blocking(d.fileno()) is False
        assert (d.family, d.type) == (a.family, a.type)
        a.close()
        with Timeout(GUARD):
            d.sendall(b"via dup")
            assert recv_exactly(b, 7) == b"via dup"
            gt = spawn(d.recv, 10)
            sleep(0)
            assert not gt.dead
            b.sendall(b"back")
            assert gt.wait() == b"back"
    finally:
        d.close()


@all_hubs
def test_detach_returns_the_descriptor_and_leaves_it_open(tcp, recv_exactly):
    a, b = tcp
    fileno = a.fileno()
    fd = a.detach()
    assert fd == fileno
    assert a.fileno() == -1
    os.fstat(fd)  # still open
    again = GreenSocket(fileno=fd)
    try:
        assert again.family == socket.AF_INET
        assert again.type == socket.SOCK_STREAM
        with Timeout(GUARD):
            again.sendall(b"reborn")
            assert recv_exactly(b, 6) == b"reborn"
    finally:
        again.close()
    a.close()  # closing the detached object does nothing


@all_hubs
def test_greensocket_from_explicit_fileno(tcp):
    a, b = tcp
    fd = a.detach()
    again = GreenSocket(socket.AF_INET, socket.SOCK_STREAM, 0, fd)
    try:
        assert again.fileno() == fd
        with Timeout(GUARD):
            gt = spawn(again.recv, 10)
            sleep(0)
            b.sendall(b"hello fd")
            assert gt.wait() == b"hello fd"
    finally:
        again.close()


@all_hubs
def test_shutdown_write_side(tcp, recv_exactly, recv_all):
    a, b = tcp
    with Timeout(GUARD):
        a.sendall(b"last words")
        a.shutdown(socket.SHUT_WR)
        assert recv_all(b) == b"last words"
        b.sendall(b"reply")  # a can still read
        assert recv_exactly(a, 5) == b"reply"


@all_hubs
@pytest.mark.parametrize(
    "shutdown",
    [lambda a, b: b.shutdown(socket.SHUT_RDWR), lambda a, b: a.shutdown(socket.SHUT_RD)],
    ids=["peer_shut_rdwr", "own_shut_rd"],
)
def test_shutdown_wakes_a_reader_with_eof(tcp, shutdown):
    a, b = tcp
    with Timeout(GUARD):
        gt = spawn(a.recv, 10)
        sleep(0)
        assert not gt.dead
        shutdown(a, b)
        assert gt.wait() == b""


# -- errors reach waiters ---------------------------------------------------------------------


@all_hubs
def test_reset_by_peer_wakes_a_reader_with_end_of_stream(tcp):
    """As upstream Eventlet: a reset reads as the end of the stream (b""), not an error."""
    a, b = tcp
    with Timeout(GUARD):
        gt = spawn(a.recv, 10)
        sleep(0)
        assert not gt.dead
        # SO_LINGER with a zero timeout: close() sends a RST instead of a FIN.
        b.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        b.close()
        assert gt.wait() == b""


@all_hubs
def test_peer_closing_wakes_a_blocked_sender_with_an_error(tcp):
    a, b = tcp
    small_buffers(a, b)
    with Timeout(GUARD):
        gt = spawn(a.sendall, b"p" * (32 * 1024 * 1024))
        sleep(0)
        sleep(0)
        assert not gt.dead  # the buffers are full: it waits
        b.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        b.close()
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            gt.wait()


@all_hubs
def test_udp_refused_port_error_reaches_recv():
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    addr = probe.getsockname()
    probe.close()
    s = GreenSocket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(addr)
    with Timeout(GUARD):
        gt = spawn(s.recv, 10)
        sleep(0)
        s.send(b"anyone?")  # the ICMP port-unreachable comes back as ECONNREFUSED
        with pytest.raises(ConnectionRefusedError):
            gt.wait()
    s.close()


def test_errors_of_unconnected_and_unlistening_sockets_like_upstream():
    with GreenSocket() as s, Timeout(GUARD):
        assert s.recv(1) == b""  # ENOTCONN reads as end of stream, as upstream Eventlet
        with pytest.raises(OSError) as excinfo:
            s.accept()  # not listening: an error at once, not a wait forever
        assert excinfo.value.errno == errno.EINVAL


# -- interrupting a waiter --------------------------------------------------------------------


@all_hubs
def test_killed_waiter_leaves_the_socket_usable(tcp, recv_exactly):
    a, b = tcp
    with Timeout(GUARD):
        gt = spawn(a.recv, 10)
        sleep(0)
        gt.kill()
        assert gt.dead
        assert get_hub().get_readers() == []
        b.sendall(b"still fine")
        assert recv_exactly(a, 10) == b"still fine"


@all_hubs
def test_eventlet_timeout_interrupts_a_blocking_recv(tcp):
    a, b = tcp
    with pytest.raises(Timeout):
        with Timeout(0.05):
            a.recv(10)
    assert get_hub().get_readers() == []
    b.sendall(b"after")
    with Timeout(GUARD):
        assert a.recv(10) == b"after"


# -- close while another green thread waits ---------------------------------------------------


def close_under_a_waiter(sock, call, *args):
    """Run ``call(*args)`` in another green thread and close ``sock`` while it waits there;
    return the OSError the waiter gets."""
    waiter = spawn(call, *args)
    sleep(0)
    sleep(0)
    assert not waiter.dead
    sock.close()
    with Timeout(GUARD), pytest.raises(OSError) as excinfo:
        waiter.wait()
    return excinfo.value


@all_hubs
def test_close_while_another_green_thread_waits_on_recv(tcp):
    a, _ = tcp
    close_under_a_waiter(a, a.recv, 10)
    assert get_hub().get_readers() == []


@all_hubs
def test_close_while_another_green_thread_waits_on_recv_with_timeout(tcp):
    a, _ = tcp
    a.settimeout(5)
    assert not isinstance(close_under_a_waiter(a, a.recv, 10), TimeoutError)


@all_hubs
def test_close_while_another_green_thread_waits_on_accept(green_listener):
    srv = green_listener()
    close_under_a_waiter(srv, srv.accept)


@all_hubs
def test_close_while_another_green_thread_waits_on_send(unix):
    a, b = unix
    small_buffers(a, b)
    fill_until_blocked(a)
    a.setblocking(True)
    close_under_a_waiter(a, a.sendall, b"z" * 1000000)
    assert get_hub().get_writers() == []


@all_hubs
def test_close_under_waiter_then_reuse_of_the_descriptor_number(tcp, green_tcp_pair):
    """The closed descriptor number is often reused at once by the next socket; a waiter on the
    old socket must not be woken by (or steal events of) the new one."""
    a, b = tcp
    waiter = spawn(a.recv, 10)
    sleep(0)
    a.close()
    c, d = green_tcp_pair()
    try:
        with Timeout(GUARD), pytest.raises(OSError):
            waiter.wait()
        d.sendall(b"new")
        with Timeout(GUARD):
            assert c.recv(10) == b"new"
    finally:
        c.close()
        d.close()


# -- after close ------------------------------------------------------------------------------


def test_fileno_after_close_is_minus_one():
    s = GreenSocket()
    assert s.fileno() >= 0
    s.close()
    assert s.fileno() == -1
    s.close()  # closing twice is fine, as in the stdlib


@pytest.mark.parametrize(
    "op",
    [
        lambda s: s.recv(1),
        lambda s: s.recv_into(bytearray(1)),
        lambda s: s.recvfrom(1),
        lambda s: s.send(b"x"),
        lambda s: s.sendall(b"x"),
        lambda s: s.sendto(b"x", ("127.0.0.1", 9)),
        lambda s: s.accept(),
        lambda s: s.connect(("127.0.0.1", 9)),
        lambda s: s.getsockname(),
        lambda s: s.shutdown(socket.SHUT_RDWR),
        lambda s: s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE),
        lambda s: s.dup(),
    ],
    ids=[
        "recv",
        "recv_into",
        "recvfrom",
        "send",
        "sendall",
        "sendto",
        "accept",
        "connect",
        "getsockname",
        "shutdown",
        "getsockopt",
        "dup",
    ],
)
def test_operations_after_close_raise_ebadf(op):
    s = GreenSocket()
    s.close()
    with Timeout(GUARD), pytest.raises(OSError) as excinfo:
        op(s)
    assert excinfo.value.errno == errno.EBADF


def test_connect_ex_after_close_returns_ebadf():
    s = GreenSocket()
    s.close()
    ref = socket.socket()
    ref.close()
    with Timeout(GUARD):
        assert s.connect_ex(("127.0.0.1", 9)) == ref.connect_ex(("127.0.0.1", 9)) == errno.EBADF


# -- construction, attributes, wrapping -------------------------------------------------------


def test_default_construction_and_attributes():
    with GreenSocket() as s:
        assert s.family == socket.AF_INET
        assert s.type == socket.SOCK_STREAM
        assert s.proto == 0
        assert isinstance(s.family, socket.AddressFamily)
        assert isinstance(s.type, socket.SocketKind)


@pytest.mark.parametrize(
    "family, kind",
    [
        (socket.AF_INET, socket.SOCK_DGRAM),
        (socket.AF_INET6, socket.SOCK_STREAM),
        (socket.AF_INET6, socket.SOCK_DGRAM),
        (socket.AF_UNIX, socket.SOCK_STREAM),
        (socket.AF_UNIX, socket.SOCK_DGRAM),
    ],
)
def test_family_type_proto_like_stdlib(family, kind):
    with GreenSocket(family, kind) as s, socket.socket(family, kind) as ref:
        assert (s.family, s.type, s.proto) == (ref.family, ref.type, ref.proto)
        assert type(s.family) is type(ref.family)
        assert type(s.type) is type(ref.type)


def test_type_does_not_show_the_os_level_nonblock_flag():
    with GreenSocket() as s:
        s.setblocking(False)
        assert s.type == socket.SOCK_STREAM
        s.settimeout(3)
        assert s.type == socket.SOCK_STREAM


def test_keyword_arguments():
    with GreenSocket(family=socket.AF_INET6, type=socket.SOCK_DGRAM, proto=0) as s:
        assert (s.family, s.type) == (socket.AF_INET6, socket.SOCK_DGRAM)


def test_wrapping_an_existing_blocking_socket():
    real = socket.socket()
    assert os.get_blocking(real.fileno()) is True
    s = GreenSocket(real)
    try:
        assert s.fd is real
        assert s.fileno() == real.fileno()
        assert os.get_blocking(s.fileno()) is False
        assert s.gettimeout() is None
        assert (s.family, s.type) == (socket.AF_INET, socket.SOCK_STREAM)
    finally:
        s.close()
    assert real.fileno() == -1


def test_wrapping_an_existing_socket_keeps_its_timeout():
    real = socket.socket()
    real.settimeout(2.5)
    with GreenSocket(real) as s:
        assert s.gettimeout() == 2.5
        assert s.fd.gettimeout() == 0.0


@all_hubs
def test_wrapped_socket_works_green():
    real_srv = socket.socket()
    real_srv.bind(("127.0.0.1", 0))
    real_srv.listen()
    srv = GreenSocket(real_srv)
    with Timeout(GUARD):
        client = GreenSocket()
        gt = spawn(srv.accept)
        sleep(0)
        assert not gt.dead
        client.connect(srv.getsockname())
        conn, _ = gt.wait()
        assert isinstance(conn, GreenSocket)
    for s in (conn, client, srv):
        s.close()


def test_context_manager():
    with GreenSocket() as s:
        assert isinstance(s, GreenSocket)
        assert s.fileno() >= 0
    assert s.fileno() == -1


def test_context_manager_closes_on_error():
    with pytest.raises(KeyError), GreenSocket() as s:
        raise KeyError("boom")
    assert s.fileno() == -1


def test_repr_like_stdlib():
    s = GreenSocket()
    s.bind(("127.0.0.1", 0))
    text = repr(s)
    assert f"fd={s.fileno()}" in text
    assert "laddr=" in text and str(s.getsockname()[1]) in text
    assert "family=" in text and "type=" in text
    s.close()
    assert "closed" in repr(s)


def test_pickling_is_refused():
    with GreenSocket() as s:
        with pytest.raises(TypeError):
            pickle.dumps(s)


def test_getsockopt_setsockopt():
    with GreenSocket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        assert s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) != 0
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
        assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        assert s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_STREAM
        raw = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4)
        assert isinstance(raw, bytes) and len(raw) == 4


def test_bind_listen_getsockname_getpeername(tcp):
    a, b = tcp
    assert a.getpeername() == b.getsockname()
    assert b.getpeername() == a.getsockname()
    with GreenSocket() as s, pytest.raises(OSError) as excinfo:
        s.getpeername()
    assert excinfo.value.errno == errno.ENOTCONN


# -- GreenPipe --------------------------------------------------------------------------------


@all_hubs
def test_greenpipe_read_while_another_green_thread_writes_slowly(start_ticker):
    r, w = os.pipe()
    reader = GreenPipe(r, "rb")
    writer = GreenPipe(w, "wb", 0)
    pieces = [b"alpha\n", b"be", b"ta\n", b"gamma"]

    def slow_writer():
        for piece in pieces:
            writer.write(piece)
            writer.flush()
            sleep(0.01)
        writer.close()

    ticker = start_ticker()
    with Timeout(GUARD):
        gt = spawn(slow_writer)
        assert reader.readline() == b"alpha\n"
        assert reader.readline() == b"beta\n"
        assert reader.read() == b"gamma"
        assert reader.read() == b""
        gt.wait()
    assert ticker.stop() > 0
    reader.close()


@all_hubs
def test_greenpipe_read_some_returns_what_is_available():
    r, w = os.pipe()
    reader = GreenPipe(r, "rb", 0)
    with Timeout(GUARD):
        gt = spawn(reader.read, 100)
        sleep(0)
        assert not gt.dead  # it waits in the hub, not in the OS
        os.write(w, b"partial")
        assert gt.wait() == b"partial"
    os.close(w)
    reader.close()


@all_hubs
def test_greenpipe_text_mode_by_default():
    r, w = os.pipe()
    reader = GreenPipe(r)  # mode "r": text, as open()
    writer = GreenPipe(w, "w")
    with Timeout(GUARD):
        gt = spawn(lambda: list(reader))
        sleep(0)
        writer.write("line one\nline two\n")
        writer.flush()
        sleep(0.01)
        writer.write("line three\n")
        writer.close()
        assert gt.wait() == ["line one\n", "line two\n", "line three\n"]
    reader.close()


@all_hubs
@pytest.mark.parametrize("buffering", [0, -1], ids=["unbuffered", "buffered"])
def test_greenpipe_writer_waits_when_the_pipe_is_full(buffering):
    """write() of more than the pipe holds writes it all, waiting on the hub meanwhile, as
    open(fd, "wb", buffering).write() does on a blocking pipe (it returns the full count)."""
    r, w = os.pipe()
    writer = GreenPipe(w, "wb", buffering)
    reader = GreenPipe(r, "rb")
    payload = os.urandom(1024 * 1024)  # far more than a pipe holds (64 KiB on Linux)
    with Timeout(GUARD):
        gt = spawn(reader.read)
        assert writer.write(payload) == len(payload)
        writer.close()
        assert gt.wait() == payload
    reader.close()


@all_hubs
def test_greenpipe_close_while_another_green_thread_reads_unbuffered():
    r, w = os.pipe()
    reader = GreenPipe(r, "rb", 0)
    waiter = spawn(reader.read, 10)
    sleep(0)
    assert not waiter.dead
    reader.close()
    with Timeout(GUARD), pytest.raises(OSError):
        waiter.wait()
    os.close(w)


@all_hubs
def test_greenpipe_close_while_another_green_thread_reads_buffered():
    """As with threads and open(): close() of a file another green thread reads must close
    it, and the reader must get an error, not hang (nor close() raise 'reentrant call')."""
    r, w = os.pipe()
    reader = GreenPipe(r, "rb")
    waiter = spawn(reader.read, 10)
    sleep(0)
    assert not waiter.dead
    try:
        with Timeout(GUARD):
            reader.close()
            with pytest.raises((OSError, ValueError)):
                waiter.wait()
    finally:
        os.close(w)  # a waiter still there sees end of file
        if not waiter.dead:
            waiter.wait()
    assert reader.closed


def test_greenpipe_close_closes_the_descriptor():
    r, w = os.pipe()
    reader = GreenPipe(r, "rb")
    writer = GreenPipe(w, "wb")
    assert reader.fileno() == r
    writer.close()
    reader.close()
    assert reader.closed and writer.closed
    for fd in (r, w):
        with pytest.raises(OSError) as excinfo:
            os.fstat(fd)
        assert excinfo.value.errno == errno.EBADF


def test_greenpipe_context_manager():
    r, w = os.pipe()
    os.close(w)
    with GreenPipe(r, "rb") as reader:
        assert reader.read() == b""
    assert reader.closed


def test_greenpipe_over_a_path(tmp_path):
    path = tmp_path / "out.txt"
    with GreenPipe(str(path), "w") as f:
        f.write("written through a green pipe\n")
    assert path.read_text() == "written through a green pipe\n"
    with GreenPipe(str(path), "rb") as f:
        assert f.read() == b"written through a green pipe\n"


def test_greenpipe_over_a_file_object(tmp_path):
    path = tmp_path / "in.bin"
    path.write_bytes(b"from a file object")
    with open(path, "rb") as original:
        pipe = GreenPipe(original, "rb")
        assert pipe.read() == b"from a file object"
        pipe.close()


def test_greenpipe_rejects_bad_input():
    with pytest.raises((TypeError, ValueError)):
        GreenPipe(3.5)


# -- shutdown_safe / set_nonblocking ----------------------------------------------------------


@all_hubs
def test_shutdown_safe_on_a_connected_socket(tcp):
    a, b = tcp
    with Timeout(GUARD):
        shutdown_safe(a)
        assert b.recv(10) == b""
        with pytest.raises(OSError):
            a.sendall(b"after shutdown")


def test_shutdown_safe_on_an_unconnected_socket():
    with GreenSocket() as s:
        shutdown_safe(s)  # ENOTCONN is swallowed
    with socket.socket() as real:
        shutdown_safe(real)


def test_set_nonblocking_on_a_socket_and_a_descriptor():
    with socket.socket() as real:
        set_nonblocking(real)
        assert os.get_blocking(real.fileno()) is False
    r, w = os.pipe()
    try:
        assert os.get_blocking(r) is True
        set_nonblocking(r)
        assert os.get_blocking(r) is False

        class HasFileno:
            def fileno(self):
                return w

        set_nonblocking(HasFileno())
        assert os.get_blocking(w) is False
    finally:
        os.close(r)
        os.close(w)


def test_a_ctrl_c_raised_inside_the_finalizer_reaches_the_main_green_thread(monkeypatch):
    # A signal handler may run inside GreenSocket.__del__ (SIGINT as a connection's socket
    # is collected); the interpreter drops what a finalizer raises. The hub raises it again.
    import gc
    import warnings

    from eventlet.greenio import base

    def interrupted(fileno):
        raise KeyboardInterrupt

    monkeypatch.setattr(base, "notify_released", interrupted)
    sock = GreenSocket(socket.AF_INET, socket.SOCK_STREAM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # collected unclosed, on purpose
        del sock
        gc.collect()
    with pytest.raises(KeyboardInterrupt), Timeout(5):
        sleep(1)
