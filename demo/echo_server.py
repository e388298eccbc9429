"""Demo: an echo server where every connection is one green thread.

It uses only the foundation (the hub and the primitives): non-blocking sockets that wait on
the hub with ``trampoline``. When eventlet-green lands, ``eventlet.listen`` and green
sockets make this shorter; the shape stays the same.

    python demo/echo_server.py                   # serve on 127.0.0.1:6000 until Ctrl-C
    python demo/echo_server.py --port 0 --clients 200   # serve, run 200 clients, report, exit
"""

from __future__ import annotations

import argparse
import socket
import sys
import time

from eventlet.greenpool import GreenPool
from eventlet.greenthread import spawn
from eventlet.hubs import trampoline


def recv(sock: socket.socket, size: int) -> bytes:
    """Receive up to ``size`` bytes, letting other green threads run while none are there."""
    while True:
        try:
            return sock.recv(size)
        except BlockingIOError:
            trampoline(sock, read=True)


def sendall(sock: socket.socket, data: bytes) -> None:
    """Send all of ``data``, waiting on the hub whenever the socket buffer is full."""
    view = memoryview(data)
    while view:
        try:
            view = view[sock.send(view) :]
        except BlockingIOError:
            trampoline(sock, write=True)


def handle(conn: socket.socket) -> None:
    """Echo every byte back until the client closes."""
    with conn:
        while data := recv(conn, 4096):
            sendall(conn, data)


def serve(listener: socket.socket, pool: GreenPool) -> None:
    """Accept connections forever, one green thread each (the pool caps concurrency)."""
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            trampoline(listener, read=True)
            continue
        conn.setblocking(False)
        pool.spawn_n(handle, conn)


def client(address: tuple[str, int], rounds: int) -> int:
    """Connect, send ``rounds`` messages, check every echo; return bytes echoed."""
    sock = socket.socket()
    sock.setblocking(False)
    try:
        sock.connect(address)
    except BlockingIOError:
        trampoline(sock, write=True)
    total = 0
    with sock:
        for i in range(rounds):
            message = f"message {i} from {sock.getsockname()[1]}\n".encode()
            sendall(sock, message)
            received = b""
            while len(received) < len(message):
                chunk = recv(sock, 4096)
                if not chunk:
                    raise ConnectionError("server closed the connection early")
                received += chunk
            if received != message:
                raise AssertionError(f"echo mismatch: sent {message!r}, got {received!r}")
            total += len(received)
    return total


def main(argv: list[str] | None = None) -> int:
    """Run the demo server; with --clients, also run that many clients and exit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=0, help="run N clients, then exit")
    parser.add_argument("--rounds", type=int, default=20, help="messages per client")
    args = parser.parse_args(argv)

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(1024)
    listener.setblocking(False)
    address = listener.getsockname()
    print(f"echo server listening on {address[0]}:{address[1]}", flush=True)
    server = spawn(serve, listener, GreenPool(10_000))

    if not args.clients:
        try:
            server.wait()
        except KeyboardInterrupt:
            print("bye")
        return 0

    started = time.perf_counter()
    pool = GreenPool(args.clients)
    echoed = sum(pool.imap(lambda _: client(address, args.rounds), range(args.clients)))
    elapsed = time.perf_counter() - started
    print(
        f"{args.clients} concurrent clients x {args.rounds} round trips: "
        f"{echoed} bytes echoed in {elapsed:.2f}s "
        f"({args.clients * args.rounds / elapsed:,.0f} round trips/s)"
    )
    server.kill()
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
