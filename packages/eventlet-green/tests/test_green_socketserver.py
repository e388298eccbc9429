"""eventlet.green.socketserver: TCP, UDP and Unix servers on green sockets, ThreadingMixIn
handling requests in green threads, ForkingMixIn in real child processes, shutdown() from
another green thread.

Everything runs on real loopback sockets in the test's one OS thread (the forking server's
children aside); each test is guarded by a Timeout so a bug fails instead of hanging.
"""

from __future__ import annotations

import os
import socket
import socketserver
import threading

import pytest

from eventlet.event import Event
from eventlet.green import selectors as green_selectors
from eventlet.green import socket as green_socket
from eventlet.green import socketserver as green_socketserver
from eventlet.green import threading as green_threading
from eventlet.greenthread import spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it
CLIENTS = 8


# -- helpers ---------------------------------------------------------------------------------


def green_tcp_exchange(address, payload: bytes) -> bytes:
    """Send one line to a TCP server with a green socket and read its reply to the end."""
    with green_socket.create_connection(address, timeout=GUARD) as conn:
        conn.sendall(payload + b"\n")
        chunks = []
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


# -- the module ------------------------------------------------------------------------------


def test_module_declares_the_stdlib_interface():
    assert green_socketserver.__all__ == socketserver.__all__
    for name in socketserver.__all__:
        assert hasattr(green_socketserver, name), name
    for name in green_socketserver.__patched__:
        assert hasattr(socketserver, name), name
    assert "ThreadingMixIn" in green_socketserver.__patched__
    assert "BaseRequestHandler" not in green_socketserver.__patched__


def test_copy_uses_the_green_modules():
    namespace = green_socketserver.TCPServer.__init__.__globals__
    assert namespace["socket"] is green_socket
    assert namespace["selectors"] is green_selectors
    assert namespace["threading"] is green_threading
    assert green_socketserver.TCPServer is not socketserver.TCPServer
    assert socketserver.socket is socket  # the stdlib module is untouched


def test_import_is_quiet(run_python):
    result = run_python("import eventlet.green.socketserver", "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


# -- TCP -------------------------------------------------------------------------------------


@pytest.mark.all_hubs
def test_threading_tcp_server_handles_clients_in_green_threads(green_servers, make_gate):
    """Every client reaches its handler before any is answered: they all overlap."""
    gate = make_gate(CLIENTS)

    class Echo(green_socketserver.StreamRequestHandler):
        def handle(self):
            line = self.rfile.readline().strip()
            gate.arrive((line, threading.get_ident(), green_threading.current_thread().name))
            self.wfile.write(line.upper())

    srv = green_servers.start(green_socketserver.ThreadingTCPServer, ("127.0.0.1", 0), Echo)
    with Timeout(GUARD):
        clients = [
            spawn(green_tcp_exchange, srv.server_address, b"client %d" % i)
            for i in range(CLIENTS)
        ]
        gate.all_arrived.wait()
        assert len(gate.arrived) == CLIENTS  # all handlers are waiting, none has answered
        gate.open()
        replies = [c.wait() for c in clients]

    assert replies == [b"CLIENT %d" % i for i in range(CLIENTS)]
    me = threading.get_ident()
    assert {ident for _, ident, _ in gate.arrived} == {me}  # one OS thread for everything
    assert len({name for _, _, name in gate.arrived}) == CLIENTS  # one green thread per client


@pytest.mark.all_hubs
def test_shutdown_from_another_green_thread_stops_serve_forever(hub):
    class Nothing(green_socketserver.BaseRequestHandler):
        def handle(self):
            pass

    srv = green_socketserver.TCPServer(("127.0.0.1", 0), Nothing)
    try:
        started = Event()
        order = []

        def run():
            started.send()
            srv.serve_forever(poll_interval=0.05)
            order.append("serve_forever returned")

        def stop():
            started.wait()
            srv.shutdown()  # waits until serve_forever has stopped
            order.append("shutdown returned")

        with Timeout(GUARD):
            runner = spawn(run)
            stopper = spawn(stop)
            stopper.wait()
            runner.wait()
        assert order == ["serve_forever returned", "shutdown returned"]
    finally:
        srv.server_close()


def test_server_close_joins_non_daemon_handler_threads(hub):
    finished = []
    entered = Event()
    release = Event()

    class Slow(green_socketserver.BaseRequestHandler):
        def handle(self):
            entered.send()
            release.wait()
            finished.append("handler")

    class Server(green_socketserver.ThreadingTCPServer):
        daemon_threads = False
        block_on_close = True

    srv = Server(("127.0.0.1", 0), Slow)
    with Timeout(GUARD):
        conn = green_socket.create_connection(srv.server_address)
        srv.handle_request()  # accepts and starts the handler's green thread
        entered.wait()
        spawn(release.send)  # runs only once server_close() waits for the handler
        srv.server_close()
        finished.append("server_close")
        conn.close()
    assert finished == ["handler", "server_close"]


def test_handle_request_times_out_without_blocking_the_hub(hub):
    timeouts = []
    ticks = []

    class Server(green_socketserver.TCPServer):
        timeout = 0.1

        def handle_timeout(self):
            timeouts.append(True)

    def ticker():
        from eventlet.greenthread import sleep

        while True:
            ticks.append(None)
            sleep(0.01)

    srv = Server(("127.0.0.1", 0), green_socketserver.BaseRequestHandler)
    ticking = spawn(ticker)
    try:
        with Timeout(GUARD):
            srv.handle_request()
    finally:
        ticking.kill()
        srv.server_close()
    assert timeouts == [True]
    assert ticks, "other green threads did not run while handle_request waited"


# -- UDP and Unix ----------------------------------------------------------------------------


@pytest.mark.all_hubs
def test_threading_udp_server_answers_datagrams(green_servers):
    class Upper(green_socketserver.DatagramRequestHandler):
        def handle(self):
            self.wfile.write(self.rfile.read().upper())

    srv = green_servers.start(green_socketserver.ThreadingUDPServer, ("127.0.0.1", 0), Upper)
    replies = []
    with Timeout(GUARD):
        with green_socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for word in (b"alpha", b"beta", b"gamma"):
                sock.sendto(word, srv.server_address)
                data, source = sock.recvfrom(1024)
                assert source == srv.server_address
                replies.append(data)
    assert replies == [b"ALPHA", b"BETA", b"GAMMA"]


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets on this OS")
def test_threading_unix_stream_server(green_servers, tmp_path):
    class Echo(green_socketserver.StreamRequestHandler):
        def handle(self):
            self.wfile.write(b"unix:" + self.rfile.readline().strip())

    path = str(tmp_path / "server.sock")
    srv = green_servers.start(green_socketserver.ThreadingUnixStreamServer, path, Echo)
    with Timeout(GUARD):
        results = []

        def talk(i):
            with green_socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.connect(path)
                conn.sendall(b"%d\n" % i)
                conn.shutdown(socket.SHUT_WR)
                results.append(conn.recv(100))

        talkers = [spawn(talk, i) for i in range(4)]
        for t in talkers:
            t.wait()
    assert sorted(results) == [b"unix:%d" % i for i in range(4)]
    assert srv.server_address == path


# -- forking ---------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this OS")
def test_forking_tcp_server_handles_requests_in_child_processes(green_servers):
    class Pid(green_socketserver.StreamRequestHandler):
        def handle(self):
            self.rfile.readline()
            self.wfile.write(b"%d" % os.getpid())

    srv = green_servers.start(green_socketserver.ForkingTCPServer, ("127.0.0.1", 0), Pid)
    with Timeout(GUARD):
        pids = [int(green_tcp_exchange(srv.server_address, b"who")) for _ in range(3)]
    assert os.getpid() not in pids
    assert len(set(pids)) == 3
    with Timeout(GUARD):
        srv.shutdown()
        srv.server_close()  # reaps the children with the green os.waitpid
    assert not srv.active_children
