"""The seed documents' patterns, run for real on loopback.

- the echo server of "Basic Usage" (eventlet.green.socket + GreenPool), many clients at once;
- the crawler of "Basic Usage" (GreenPool.imap over URLs), against a small HTTP server the
  test runs, fetched with a minimal HTTP/1.0 GET written here over green sockets;
- fairness: hundreds of connections streaming on one hub, a ticker, and one connection that
  always has data ready: nobody starves;
- the chat server of the paper (Listing 1), with a few clients.
"""

from __future__ import annotations

import hashlib
import itertools
import socket as stdlib_socket
import threading
from urllib.parse import urlsplit

import pytest

from eventlet.event import Event
from eventlet.green import socket
from eventlet.greenpool import GreenPool
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

GUARD = 20  # seconds: far above what any test needs, so only a bug reaches it

all_hubs = pytest.mark.all_hubs


def listener(backlog=1024):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(backlog)
    return server


# -- the echo server --------------------------------------------------------------------------


class EchoServer:
    """The seed's echo server: accept loop spawning ``handle`` into a GreenPool."""

    def __init__(self, handle):
        self.server = listener()
        self.address = self.server.getsockname()
        self.pool = GreenPool(10000)
        self.active = 0
        self.most_active = 0
        self._handle = handle
        self._loop = spawn(self._accept_forever)

    def _accept_forever(self):
        while True:
            try:
                new_sock, _address = self.server.accept()
            except OSError:
                return  # the listener was closed: the server stops
            self.pool.spawn_n(self._serve, new_sock)

    def _serve(self, client):
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            self._handle(client)
        finally:
            self.active -= 1
            client.close()

    def stop(self):
        self.server.close()
        self._loop.wait()
        self.pool.waitall()


def handle_bytewise(client):
    """The seed's handler, verbatim in spirit: echo one byte at a time."""
    while True:
        c = client.recv(1)
        if not c:
            break
        client.sendall(c)


def handle_chunks(client):
    while True:
        data = client.recv(4096)
        if not data:
            break
        client.sendall(data)


@pytest.fixture
def echo_client(recv_exactly):
    """``echo_client(address, payload, pieces)``: send ``payload`` in ``pieces`` parts while
    reading the echo back concurrently; return the echo."""

    def run(address, payload, pieces):
        sock = socket.create_connection(address)
        try:
            reader = spawn(recv_exactly, sock, len(payload))
            step = -(-len(payload) // pieces)
            for start in range(0, len(payload), step):
                sock.sendall(payload[start : start + step])
                sleep(0)
            echoed = reader.wait()
            sock.shutdown(socket.SHUT_WR)
            assert sock.recv(1) == b""  # the server closes after our EOF
            return echoed
        finally:
            sock.close()

    return run


@all_hubs
def test_echo_server_bytewise_many_clients(echo_client):
    server = EchoServer(handle_bytewise)
    payloads = [f"client {i:03d} says hello ".encode() * 8 for i in range(60)]
    clients = GreenPool(len(payloads))
    with Timeout(GUARD):
        results = list(clients.imap(lambda p: echo_client(server.address, p, 4), payloads))
        server.stop()
    assert results == payloads
    assert server.most_active > 1  # the clients were served at the same time


@all_hubs
def test_echo_server_chunked_many_clients_big_payloads(echo_client):
    server = EchoServer(handle_chunks)
    payloads = [hashlib.sha256(str(i).encode()).digest() * 2048 for i in range(100)]  # 64 KiB
    clients = GreenPool(len(payloads))
    with Timeout(GUARD):
        results = list(clients.imap(lambda p: echo_client(server.address, p, 16), payloads))
        server.stop()
    assert len(results) == len(payloads)
    for got, sent in zip(results, payloads, strict=True):
        assert got == sent
    assert server.most_active > 1


@all_hubs
def test_echo_server_stops_when_its_listener_closes():
    server = EchoServer(handle_chunks)
    with Timeout(GUARD):
        idle = socket.create_connection(server.address)
        sleep(0.01)
        idle.close()  # the handler sees EOF and ends
        server.stop()
    assert server._loop.dead


# -- the crawler ------------------------------------------------------------------------------


class TinyHTTPServer:
    """An HTTP/1.0 server on loopback, green: GET /page/N?delay=S answers after S seconds."""

    def __init__(self):
        self.server = listener()
        self.host, self.port = self.server.getsockname()
        self.pool = GreenPool()
        self.active = 0
        self.most_active = 0
        self.finished = []  # paths, in the order responses went out
        self._loop = spawn(self._accept_forever)

    def url(self, path):
        return f"http://{self.host}:{self.port}{path}"

    def _accept_forever(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.pool.spawn_n(self._serve, conn)

    def _serve(self, conn):
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                data = conn.recv(4096)
                if not data:
                    return
                request += data
            method, target, _version = request.split(b"\r\n", 1)[0].decode().split(" ")
            parts = urlsplit(target)
            delay = float(dict(p.split("=") for p in parts.query.split("&") if p).get("delay", 0))
            sleep(delay)
            if method == "GET" and parts.path.startswith("/page/"):
                body = f"body of {parts.path}".encode()
                status = "200 OK"
            else:
                body = b"not found"
                status = "404 Not Found"
            head = f"HTTP/1.0 {status}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            conn.sendall(head + body)
            self.finished.append(parts.path)
        finally:
            self.active -= 1
            conn.close()

    def stop(self):
        self.server.close()
        self._loop.wait()
        self.pool.waitall()


class HTTPError(Exception):
    pass


def fetch(url):
    """A minimal HTTP/1.0 GET over green sockets; returns the body."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    sock = socket.create_connection((parts.hostname, parts.port))
    try:
        sock.sendall(f"GET {target} HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode())
        response = b""
        while True:
            data = sock.recv(4096)
            if not data:
                break
            response += data
    finally:
        sock.close()
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ")[1])
    headers = dict(line.split(": ", 1) for line in header_lines)
    if status != 200:
        raise HTTPError(status)
    assert int(headers["Content-Length"]) == len(body)
    return body


@all_hubs
def test_crawler_imap_gives_bodies_in_input_order():
    http = TinyHTTPServer()
    count = 12
    # Later pages answer sooner: completion order is the reverse of the input order.
    urls = [http.url(f"/page/{i}?delay={0.1 + (count - i) * 0.02:.2f}") for i in range(count)]
    pool = GreenPool()
    with Timeout(GUARD):
        bodies = list(pool.imap(fetch, urls))
        http.stop()
    assert bodies == [f"body of /page/{i}".encode() for i in range(count)]
    assert http.finished != sorted(http.finished, key=lambda p: int(p.rsplit("/", 1)[1]))
    assert http.most_active == count  # all fetched in parallel


@all_hubs
def test_crawler_pool_size_bounds_the_concurrency():
    http = TinyHTTPServer()
    urls = [http.url(f"/page/{i}?delay=0.01") for i in range(20)]
    pool = GreenPool(3)
    with Timeout(GUARD):
        bodies = list(pool.imap(fetch, urls))
        http.stop()
    assert bodies == [f"body of /page/{i}".encode() for i in range(20)]
    assert 1 < http.most_active <= 3


@all_hubs
def test_crawler_a_failed_fetch_surfaces_at_its_place():
    http = TinyHTTPServer()
    urls = [http.url("/page/0"), http.url("/missing"), http.url("/page/2")]
    pool = GreenPool()
    with Timeout(GUARD):
        results = pool.imap(fetch, urls)
        assert next(results) == b"body of /page/0"
        with pytest.raises(HTTPError) as excinfo:
            next(results)
        assert excinfo.value.args == (404,)
        assert next(results) == b"body of /page/2"
        http.stop()


# -- fairness ---------------------------------------------------------------------------------


def describe(log):
    """The read log as runs: 'hog x12, others x340, hog x3, ...' (for failure messages)."""
    runs = []
    for is_hog, group in itertools.groupby(log, key=lambda cid: cid == -1):
        runs.append(f"{'hog' if is_hog else 'others'} x{len(list(group))}")
    return ", ".join(runs[:40]) + (" ..." if len(runs) > 40 else "")


@all_hubs
def test_many_streams_share_one_hub_without_starving(recv_exactly):
    """200 green clients stream 64 KiB each (2 KiB a hub turn) to green handlers; one more
    connection is fed by an OS thread as fast as the kernel takes it, so its handler always
    has data ready (it yields with sleep(0) after each read, as a well-behaved busy handler
    does); a ticker counts hub turns. Every regular stream must finish while the hog is far
    from done, the reads must interleave, and the ticker must tick throughout."""
    clients = 200
    size = 64 * 1024
    hog_size = 16 * 1024 * 1024
    server = listener()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)  # inherited on accept
    address = server.getsockname()

    log = []  # one entry per read: the connection id (-1 for the hog)
    received = {}
    hog_received = 0
    total = 0
    done = Event()
    handlers = GreenPool(clients + 10)

    def handle(conn):
        nonlocal total
        ident = recv_exactly(conn, 4)
        cid = int.from_bytes(ident, "big")
        count = 0
        while True:
            data = conn.recv(4096)
            if not data:
                break
            assert data == bytes([cid % 251]) * len(data)
            count += len(data)
            total += len(data)
            log.append(cid)
        received[cid] = count
        conn.close()

    def handle_hog(conn):
        nonlocal hog_received, total
        while True:
            data = conn.recv(8192)
            if not data:
                break
            hog_received += len(data)
            total += len(data)
            log.append(-1)
            sleep(0)  # the busy handler is polite; its data is always ready anyway
        conn.close()

    def accept_loop():
        hog_conn, _ = server.accept()
        handlers.spawn_n(handle_hog, hog_conn)
        for _ in range(clients):
            conn, _ = server.accept()
            handlers.spawn_n(handle, conn)

    def client(cid):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
        sock.connect(address)
        sock.sendall(cid.to_bytes(4, "big"))
        chunk = bytes([cid % 251]) * 2048
        for _ in range(size // len(chunk)):
            sock.sendall(chunk)
            sleep(0)  # a paced stream: it lasts many hub turns
        sock.close()

    def hog_writer(sock):
        chunk = b"\xff" * 65536
        try:
            for _ in range(hog_size // len(chunk)):
                sock.sendall(chunk)
        finally:
            sock.close()

    ticks_while_streaming = 0

    def ticker():
        nonlocal ticks_while_streaming
        while not done.ready():
            if 0 < total:
                ticks_while_streaming += 1
            sleep(0)

    with Timeout(GUARD):
        acceptor = spawn(accept_loop)
        # The hog first, from an OS thread, with a plain blocking socket.
        hog_sock = stdlib_socket.create_connection(address)
        writer = threading.Thread(target=hog_writer, args=(hog_sock,), daemon=True)
        writer.start()
        tick = spawn(ticker)
        senders = GreenPool(clients)
        for cid in range(clients):
            senders.spawn_n(client, cid)
        senders.waitall()
        acceptor.wait()
        handlers.waitall()
        done.send()
        tick.wait()
    writer.join(GUARD)
    server.close()

    assert received == {cid: size for cid in range(clients)}
    assert hog_received == hog_size
    # Every regular stream made its progress and finished before the hog was half done.
    hog_positions = [i for i, cid in enumerate(log) if cid == -1]
    hog_half = hog_positions[len(hog_positions) // 2]
    last_seen = {}
    for i, cid in enumerate(log):
        last_seen[cid] = i
    assert all(last_seen[cid] < hog_half for cid in range(clients))
    # The hog's reads are spread out, interleaved with the others', not one long run.
    runs = sum(1 for i in range(1, len(log)) if log[i] == -1 and log[i - 1] != -1)
    assert runs > 10, describe(log)
    assert ticks_while_streaming > 100


@all_hubs
def test_ticker_keeps_ticking_while_green_streams_run(recv_exactly):
    """Only green threads: 50 pairs stream 1 MiB each through small buffers while a ticker
    sleeps a millisecond at a time; the ticker sees the transfer in progress many times."""
    pairs = 50
    size = 1024 * 1024
    server = listener()
    address = server.getsockname()
    progress = {cid: 0 for cid in range(pairs)}
    samples = []
    done = Event()

    def receiver(conn):
        cid = int.from_bytes(recv_exactly(conn, 4), "big")
        while True:
            data = conn.recv(16384)
            if not data:
                break
            progress[cid] += len(data)
        conn.close()

    def sender(cid):
        sock = socket.create_connection(address)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
        sock.sendall(cid.to_bytes(4, "big") + b"s" * size)
        sock.close()

    def ticker():
        while not done.ready():
            samples.append(sum(progress.values()))
            sleep(0.001)

    with Timeout(GUARD):
        tick = spawn(ticker)
        pool = GreenPool()
        for cid in range(pairs):
            pool.spawn_n(sender, cid)
        for _ in range(pairs):
            conn, _ = server.accept()
            pool.spawn_n(receiver, conn)
        pool.waitall()
        done.send()
        tick.wait()
    server.close()
    assert progress == {cid: size for cid in range(pairs)}
    middle = [s for s in samples if 0 < s < pairs * size]
    assert len(set(middle)) >= 3  # the ticker ran at several points of the transfer


# -- the chat server (the paper's Listing 1) --------------------------------------------------


class ChatServer:
    """Listing 1, in today's Python: every line a participant writes goes to all the others."""

    def __init__(self):
        self.participants = []
        self.server = listener()
        self.address = self.server.getsockname()
        self.joined = 0
        self._loop = spawn(self._accept_forever)
        self._readers = GreenPool()

    def read_chat_forever(self, writer, reader):
        line = reader.readline()
        while line:
            for p in self.participants:
                if p is not writer:  # Don't echo
                    p.write(line)
                    p.flush()
            line = reader.readline()
        self.participants.remove(writer)
        reader.close()
        writer.close()

    def _accept_forever(self):
        while True:
            try:
                new_connection, _address = self.server.accept()
            except OSError:
                return
            new_writer = new_connection.makefile("w")
            reader = new_connection.makefile("r")
            new_connection.close()  # the files keep the connection open, as in the stdlib
            self.participants.append(new_writer)
            self.joined += 1
            self._readers.spawn_n(self.read_chat_forever, new_writer, reader)

    def stop(self):
        self.server.close()
        self._loop.wait()
        self._readers.waitall()


class ChatClient:
    def __init__(self, address):
        self.sock = socket.create_connection(address)
        self.reader = self.sock.makefile("r")
        self.writer = self.sock.makefile("w")

    def say(self, text):
        self.writer.write(text + "\n")
        self.writer.flush()

    def hear(self):
        return self.reader.readline()

    def leave(self):
        self.reader.close()
        self.writer.close()
        self.sock.close()


@all_hubs
def test_chat_server_relays_to_everyone_but_the_writer(wait_until):
    chat = ChatServer()
    with Timeout(GUARD):
        alice, bob, carol = (ChatClient(chat.address) for _ in range(3))
        wait_until(lambda: len(chat.participants) == 3)

        alice.say("hello from alice")
        assert bob.hear() == "hello from alice\n"
        assert carol.hear() == "hello from alice\n"

        bob.say("bob here")
        assert alice.hear() == "bob here\n"  # alice did not get her own line back
        assert carol.hear() == "bob here\n"

        # Concurrent talk: each hears the other two, in the order each of them spoke.
        lines = {name: [] for name in ("alice", "bob", "carol")}
        clients = {"alice": alice, "bob": bob, "carol": carol}

        def listen(name):
            for _ in range(4):
                lines[name].append(clients[name].hear())

        listeners = [spawn(listen, name) for name in clients]
        for i in range(2):
            for name, c in clients.items():
                c.say(f"{name} {i}")
                sleep(0)
        for gt in listeners:
            gt.wait()
        for name in clients:
            others = [n for n in clients if n != name]
            heard = lines[name]
            assert sorted(heard) == sorted(f"{n} {i}\n" for n in others for i in range(2))
            for n in others:
                assert [h for h in heard if h.startswith(n)] == [f"{n} 0\n", f"{n} 1\n"]

        carol.leave()
        wait_until(lambda: len(chat.participants) == 2)
        alice.say("carol left")
        assert bob.hear() == "carol left\n"

        alice.leave()
        bob.leave()
        wait_until(lambda: not chat.participants)
        chat.stop()
    assert chat.joined == 3
