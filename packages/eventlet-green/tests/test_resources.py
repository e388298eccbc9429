"""Green sockets, pipes and TLS sockets own their descriptors as the stdlib's objects do.

- One dropped without ``close()`` is collected and its descriptor closed, with the stdlib's
  ``ResourceWarning``, whether it blocked before or not; the green thread that used it and
  its result are freed too.
- A descriptor closed behind the hub's back (``os.close``, the real socket closed directly,
  while a duplicate or a child process keeps the file open, its number then reused) leaves
  the hub idle: an idle ``sleep(0.5)`` makes only a few poll calls.
- Upstream Eventlet compatibility, written as an upstream user would: a reset or
  unconnected socket reads as the end of the stream; ``GreenSocket(green_socket)`` shares
  the descriptor; ``shutdown_safe`` ignores closed sockets; ``serve()`` does not stay behind
  in ``accept()``; a TLS server's accept loop is never stalled by one silent client.

Every test runs once per hub backend.
"""

from __future__ import annotations

import errno
import gc
import os
import resource
import socket as stdlib_socket
import struct
import subprocess
import sys
import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from eventlet import hubs
from eventlet.convenience import StopServe, connect, listen, serve, wrap_ssl
from eventlet.event import Event
from eventlet.green import socket
from eventlet.green import ssl as green_ssl
from eventlet.greenio import GreenPipe, GreenSocket, shutdown_safe
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

pytestmark = pytest.mark.all_hubs

GUARD = 10  # seconds: a bound on anything a test waits for, never reached when it passes
COUNT = 1000  # sockets or pipes dropped unclosed
TLS_COUNT = 200  # TLS sockets dropped unclosed (each needs a handshake)
IDLE_POLLS = 10  # an idle sleep(0.5) asks the OS fewer times than this


def open_fds() -> int:
    """How many descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture(autouse=True)
def enough_descriptors() -> Iterator[None]:
    """Room for COUNT leaked descriptors, so that a leak fails an assertion, not the run."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * COUNT if hard == resource.RLIM_INFINITY else min(hard, 4 * COUNT)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class Result:
    """What a green thread returns (a weakly referenceable object)."""


class Leaks:
    """Weak references to what a test dropped, and the ResourceWarnings it caused."""

    def __init__(self) -> None:
        self.refs: list[weakref.ref[Any]] = []
        gc.collect()  # earlier tests' garbage is not this test's to count
        hubs.get_hub()  # its own descriptors are not a leak
        self.before = open_fds()
        self.warnings: list[tuple[type[Warning], str]] = []
        self._catcher = warnings.catch_warnings()

    def _record(self, message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        # Only the text: a warning's record holds its source (the unclosed object) alive.
        self.warnings.append((category, str(message)))

    def __enter__(self) -> Leaks:
        self._catcher.__enter__()
        warnings.simplefilter("always", ResourceWarning)
        warnings.showwarning = self._record
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._catcher.__exit__(*exc_info)

    def watch(self, *objects: Any) -> None:
        self.refs.extend(weakref.ref(obj) for obj in objects)

    def alive(self) -> list[Any]:
        """What is still alive once the hub has run again and the collector has run."""
        sleep(0)  # the hub lets go of the last callback it ran once it runs again
        gc.collect()
        return [obj for obj in (ref() for ref in self.refs) if obj is not None]

    def resource_warnings(self) -> list[str]:
        return [text for category, text in self.warnings if issubclass(category, ResourceWarning)]


def read_once_blocked(sock: Any, peer_send: Callable[[], Any], leaks: Leaks) -> None:
    """A green thread reads ``sock``, blocking once (the peer sends only after it waits)."""

    def read() -> Result:
        assert sock.recv(10) == b"x"
        return Result()

    thread = spawn(read)
    sleep(0)
    assert not thread.dead  # it blocked
    peer_send()
    result = thread.wait()
    leaks.watch(sock, thread, result)


def test_green_sockets_dropped_unclosed_are_freed(fresh_hub: None) -> None:
    with Leaks() as leaks, Timeout(GUARD):
        for _ in range(COUNT):
            mine, peer = socket.socketpair()
            read_once_blocked(mine, lambda peer=peer: peer.send(b"x"), leaks)
            peer.close()
            del mine
        assert leaks.alive() == []
        assert open_fds() <= leaks.before
    unclosed = leaks.resource_warnings()
    assert len(unclosed) == COUNT and all(w.startswith("unclosed <socket") for w in unclosed)


def test_green_sockets_dropped_unclosed_without_blocking_are_freed(fresh_hub: None) -> None:
    with Leaks() as leaks, Timeout(GUARD):
        for _ in range(COUNT):
            mine, peer = socket.socketpair()
            peer.send(b"x")
            assert mine.recv(10) == b"x"
            leaks.watch(mine)
            peer.close()
            del mine
        assert leaks.alive() == []
        assert open_fds() <= leaks.before
    assert len(leaks.resource_warnings()) == COUNT


def test_green_pipes_dropped_unclosed_are_freed(fresh_hub: None) -> None:
    with Leaks() as leaks, Timeout(GUARD):
        for _ in range(COUNT):
            r, w = os.pipe()
            pipe = GreenPipe(r, "rb", buffering=0)
            read_once_blocked(
                type("Reader", (), {"recv": lambda self, n, p=pipe: p.read(n)})(),
                lambda w=w: os.write(w, b"x"),
                leaks,
            )
            leaks.watch(pipe)
            os.close(w)
            del pipe
        assert leaks.alive() == []
        assert open_fds() <= leaks.before
    unclosed = leaks.resource_warnings()
    assert len(unclosed) == COUNT and all(w.startswith("unclosed file") for w in unclosed)


def test_buffered_green_pipes_dropped_unclosed_are_freed(fresh_hub: None) -> None:
    with Leaks() as leaks, Timeout(GUARD):
        for _ in range(COUNT // 10):
            r, w = os.pipe()
            pipe = GreenPipe(r, "r")  # text over buffered over raw, as open() makes
            reader = spawn(pipe.readline)
            sleep(0)
            os.write(w, b"line\n")
            assert reader.wait() == "line\n"
            leaks.watch(pipe, reader)
            os.close(w)
            del pipe, reader
        assert leaks.alive() == []
        assert open_fds() <= leaks.before
    assert len(leaks.resource_warnings()) == COUNT // 10


def test_green_tls_sockets_dropped_unclosed_are_freed(fresh_hub: None, tls_files: Any) -> None:
    server_context = green_ssl.SSLContext(green_ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tls_files.cert, tls_files.key)
    client_context = green_ssl.create_default_context(cafile=tls_files.ca)
    with Leaks() as leaks, Timeout(GUARD * 3):
        for _ in range(TLS_COUNT):
            a, b = socket.socketpair()
            server = server_context.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
            client = client_context.wrap_socket(
                a, server_hostname="localhost", do_handshake_on_connect=False
            )
            handshake = spawn(server.do_handshake)
            client.do_handshake()
            handshake.wait()
            read_once_blocked(client, lambda server=server: server.sendall(b"x"), leaks)
            server.close()
            a.close()
            b.close()
            del client, server, a, b
        assert leaks.alive() == []
        assert open_fds() <= leaks.before
    assert len(leaks.resource_warnings()) == TLS_COUNT


# -- descriptors closed behind the hub's back ----------------------------------------------------


class Idle:
    """Counts the hub's calls into the OS poller (``hub.wait``)."""

    def __init__(self, hub: Any) -> None:
        self.calls = 0
        real = hub.wait

        def counting(seconds: float) -> None:
            self.calls += 1
            real(seconds)

        hub.wait = counting

    def polls_during(self, seconds: float) -> int:
        """How many times the hub polled while the test slept ``seconds``."""
        self.calls = 0
        sleep(seconds)
        return self.calls


@pytest.fixture
def idle(hub: Any) -> Idle:
    """An :class:`Idle` counter on this test's hub."""
    return Idle(hub)


def blocked_once() -> tuple[GreenSocket, GreenSocket]:
    """A connected pair of green sockets; the first has blocked once on a read."""
    mine, peer = socket.socketpair()
    reader = spawn(mine.recv, 10)
    sleep(0)
    peer.send(b"x")
    with Timeout(GUARD):
        assert reader.wait() == b"x"
    return mine, peer


def test_real_socket_closed_directly_while_a_duplicate_keeps_the_file(idle: Idle) -> None:
    mine, peer = blocked_once()
    duplicate = os.dup(mine.fileno())
    try:
        mine.fd.close()  # the stdlib socket underneath, behind the green one's back
        peer.send(b"ready, and nobody reads it")
        assert idle.polls_during(0.5) < IDLE_POLLS
        assert os.read(duplicate, 100) == b"ready, and nobody reads it"
    finally:
        os.close(duplicate)
        peer.close()


def test_closed_dup_of_a_green_socket(idle: Idle) -> None:
    original, peer = socket.socketpair()
    copy = original.dup()
    reader = spawn(copy.recv, 10)
    sleep(0)
    peer.send(b"x")
    with Timeout(GUARD):
        assert reader.wait() == b"x"
    try:
        os.close(copy.fileno())  # behind the hub's back; `original` keeps the file open
        peer.send(b"ready, and nobody reads it")
        assert idle.polls_during(0.5) < IDLE_POLLS
        assert original.recv(100) == b"ready, and nobody reads it"
    finally:
        copy.detach()
        original.close()
        peer.close()


def test_descriptor_closed_while_a_child_process_holds_it(idle: Idle) -> None:
    mine, peer = blocked_once()
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"],
        stdin=subprocess.PIPE,
        pass_fds=[mine.fileno()],
    )
    try:
        os.close(mine.fileno())  # behind the hub's back; the child holds the file open
        peer.send(b"ready, and nobody reads it")
        assert idle.polls_during(0.5) < IDLE_POLLS
    finally:
        child.communicate(b"", timeout=GUARD)
        mine.detach()
        peer.close()
    assert child.returncode == 0


def test_number_reused_by_a_new_socket_after_a_close_behind_the_hub(idle: Idle) -> None:
    mine, peer = blocked_once()
    number = mine.fileno()
    duplicate = os.dup(number)
    new_mine, new_peer = stdlib_socket.socketpair()
    try:
        os.close(number)  # behind the hub's back; the duplicate keeps the old file open
        mine.detach()
        peer.send(b"old file, ready")
        os.dup2(new_mine.fileno(), number)
        reused = GreenSocket(stdlib_socket.socket(fileno=number))
        reader = spawn(reused.recv, 100)
        assert idle.polls_during(0.5) < IDLE_POLLS
        assert not reader.dead
        new_peer.send(b"new file")
        with Timeout(GUARD):
            assert reader.wait() == b"new file"
        reused.close()
    finally:
        os.close(duplicate)
        for sock in (peer, new_mine, new_peer):
            sock.close()


def test_green_socket_dropped_unclosed_while_a_duplicate_keeps_the_file(idle: Idle) -> None:
    mine, peer = blocked_once()
    duplicate = os.dup(mine.fileno())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            del mine
            gc.collect()
        peer.send(b"ready, and nobody reads it")
        assert idle.polls_during(0.5) < IDLE_POLLS
    finally:
        os.close(duplicate)
        peer.close()


# -- upstream Eventlet compatibility --------------------------------------------------------------


def reset(sock: GreenSocket) -> None:
    """Close ``sock`` with a RST instead of a FIN (SO_LINGER with a zero timeout)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def tcp_pair() -> tuple[GreenSocket, GreenSocket]:
    server = listen(("127.0.0.1", 0))
    client = connect(server.getsockname())
    conn, _ = server.accept()
    server.close()
    return client, conn


@pytest.mark.parametrize("timeout", [None, 5.0])
def test_recv_after_a_reset_is_the_end_of_the_stream(fresh_hub: None, timeout: Any) -> None:
    client, conn = tcp_pair()
    conn.settimeout(timeout)
    received = []

    def server_loop() -> None:
        while data := conn.recv(1024):
            received.append(data)

    with Timeout(GUARD):
        loop = spawn(server_loop)
        client.sendall(b"hello")
        while not received:
            sleep(0.001)
        reset(client)
        loop.wait()  # ended quietly
    assert received == [b"hello"]
    conn.close()


def test_every_receive_call_reads_a_reset_as_the_end(fresh_hub: None) -> None:
    results = []
    for call in ("recv", "recv_into", "recvfrom", "recvfrom_into"):
        client, conn = tcp_pair()
        reset(client)
        with Timeout(GUARD):
            if call == "recv":
                results.append(conn.recv(10))
            elif call == "recv_into":
                results.append(conn.recv_into(bytearray(10)))
            elif call == "recvfrom":
                results.append(conn.recvfrom(10)[0])
            else:
                results.append(conn.recvfrom_into(bytearray(10))[0])
        conn.close()
    assert results == [b"", 0, b"", 0]


def test_receiving_on_an_unconnected_socket_is_the_end(fresh_hub: None) -> None:
    with socket.socket() as sock:
        assert sock.recv(10) == b""
        assert sock.recv_into(bytearray(10)) == 0


def test_green_socket_of_a_green_socket_shares_the_descriptor(fresh_hub: None) -> None:
    client, conn = tcp_pair()
    client.settimeout(3.0)
    again = GreenSocket(client)
    assert again.fileno() == client.fileno()
    assert again.gettimeout() == 3.0
    again.sendall(b"via the second")
    with Timeout(GUARD):
        assert conn.recv(100) == b"via the second"
    plain = GreenSocket(socket.socket(), set_nonblocking=True)
    assert isinstance(plain.fileno(), int)
    kept = GreenSocket(stdlib_socket.socket(), set_nonblocking=False)
    for sock in (plain, kept, client, conn):
        sock.close()


class _ForwardingSocket:
    """What gunicorn passes: its own listener class that forwards to the real socket."""

    def __init__(self, sock: stdlib_socket.socket) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)


def test_green_socket_of_a_forwarding_wrapper_uses_it(fresh_hub: None) -> None:
    listener = stdlib_socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    green = GreenSocket(_ForwardingSocket(listener))
    assert green.fileno() == listener.fileno()
    client = socket.socket()
    client.connect(listener.getsockname())
    with Timeout(GUARD):
        conn, _ = green.accept()
        client.sendall(b"through the wrapper")
        assert conn.recv(100) == b"through the wrapper"
    for sock in (conn, client, green):
        sock.close()


def test_shutdown_safe_ignores_unconnected_and_closed_sockets(fresh_hub: None) -> None:
    unconnected = socket.socket()
    assert shutdown_safe(unconnected) is None  # ENOTCONN
    unconnected.close()
    assert shutdown_safe(unconnected) is None  # EBADF
    stdlib_closed = stdlib_socket.socket()
    stdlib_closed.close()
    assert shutdown_safe(stdlib_closed) is None
    # A socket whose number now names a pipe: ENOTSOCK.
    sock = socket.socket()
    r, w = os.pipe()
    try:
        os.dup2(r, sock.fileno())
        assert shutdown_safe(sock) is None
    finally:
        sock.close()
        os.close(r)
        os.close(w)


def test_shutdown_safe_still_raises_other_errors(fresh_hub: None) -> None:
    class Refusing:
        def shutdown(self, how: int) -> None:
            raise OSError(errno.EINVAL, "refused")

    with pytest.raises(OSError) as caught:
        shutdown_safe(Refusing())
    assert caught.value.errno == errno.EINVAL


def test_serve_with_a_handler_that_exits_leaves_nothing_in_accept(hub: Any) -> None:
    server = listen(("127.0.0.1", 0))

    def handler(conn: Any, addr: Any) -> None:
        sys.exit(3)

    serving = spawn(serve, server, handler)
    client = connect(server.getsockname())
    with Timeout(GUARD), pytest.raises(SystemExit):
        serving.wait()
    assert serving.dead
    assert server.fileno() not in [listener.fileno for listener in hub.get_readers()]
    client.close()
    server.close()


def test_serve_stops_quietly_on_stopserve(hub: Any) -> None:
    server = listen(("127.0.0.1", 0))

    def handler(conn: Any, addr: Any) -> None:
        raise StopServe()

    serving = spawn(serve, server, handler)
    client = connect(server.getsockname())
    with Timeout(GUARD):
        assert serving.wait() is None
    assert server.fileno() not in [listener.fileno for listener in hub.get_readers()]
    client.close()
    server.close()


def test_tls_accept_loop_is_not_stalled_by_a_silent_client(
    fresh_hub: None, tls_files: Any
) -> None:
    server = wrap_ssl(
        listen(("127.0.0.1", 0)), certfile=tls_files.cert, keyfile=tls_files.key, server_side=True
    )
    address = server.getsockname()
    handlers = []

    def echo(conn: Any) -> None:
        try:
            while data := conn.recv(1024):
                conn.sendall(data)
        except (OSError, green_ssl.SSLError):
            pass
        finally:
            conn.close()

    def accept_loop() -> None:
        while True:
            conn, _ = server.accept()
            handlers.append(spawn(echo, conn))

    accepting = spawn(accept_loop)
    silent = connect(address)  # connects, never says a word
    with Timeout(GUARD):
        while not handlers:
            sleep(0.001)
        client = wrap_ssl(connect(address))  # handshake on connect
        client.sendall(b"not stalled")
        assert client.recv(100) == b"not stalled"
    assert len(handlers) == 2
    client.close()
    silent.close()
    accepting.kill()
    for handler in handlers:
        with Timeout(GUARD):
            handler.wait()
    server.close()


def test_tls_accept_leaves_the_handshake_to_the_connection(
    fresh_hub: None, tls_files: Any
) -> None:
    """Without do_handshake_on_connect the accepted connection waits for do_handshake()."""
    context = green_ssl.SSLContext(green_ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files.cert, tls_files.key)
    server = context.wrap_socket(
        listen(("127.0.0.1", 0)), server_side=True, do_handshake_on_connect=False
    )
    connected = Event()

    def client() -> Any:
        sock = wrap_ssl(connect(server.getsockname()))
        connected.send()
        return sock

    with Timeout(GUARD):
        client_thread = spawn(client)
        conn, _ = server.accept()
        assert conn.version() is None  # no handshake yet
        conn.do_handshake()
        assert conn.version() is not None
        connected.wait()
        tls_client = client_thread.wait()
    for sock in (tls_client, conn, server):
        sock.close()


def test_idle_after_the_hub_forgets_a_closed_socket(idle: Idle) -> None:
    """The plain case, for comparison: closed properly, nothing is watched, nothing polled."""
    mine, peer = blocked_once()
    mine.close()
    peer.close()
    assert idle.polls_during(0.5) < IDLE_POLLS
    assert hubs.get_hub().get_readers() == []


def test_tls_connect_waits_for_room_in_a_full_unix_backlog(
    fresh_hub: None, tls_files: Any, short_dir: str
) -> None:
    """The TLS socket connects through the same code as the plain one: a full Unix-socket
    backlog (EAGAIN) means wait and connect again, not an error."""
    path = os.path.join(short_dir, "tls")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(0)
    context = green_ssl.create_default_context(cafile=tls_files.ca)
    fillers = []
    try:
        with Timeout(GUARD):
            while True:  # fill the accept queue until a non-blocking connect would block
                filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                filler.setblocking(False)
                try:
                    filler.connect(path)
                except BlockingIOError:
                    filler.close()
                    break
                fillers.append(filler)
            late = context.wrap_socket(
                socket.socket(socket.AF_UNIX, socket.SOCK_STREAM),
                server_hostname="localhost",
                do_handshake_on_connect=False,
            )
            fillers.append(late)
            connecting = spawn(late.connect, path)
            for _ in range(3):
                sleep(0)
            assert not connecting.dead  # it waits, as a blocking connect does
            accepted = [server.accept()[0] for _ in range(len(fillers))]
            connecting.wait()
            assert late.getpeername() == path
            for conn in accepted:
                conn.close()
    finally:
        for sock in fillers:
            sock.close()
        server.close()
