"""Demo: an echo server where every connection is one green thread.

The server is the seeds' echo pattern: ``eventlet.listen`` for the listening socket and
``eventlet.serve`` to run one green thread per connection; the clients use ``eventlet.connect``
and a ``GreenPool``. Everything is plain blocking-style code on green sockets.

    python demo/echo_server.py                          # serve on 127.0.0.1:6000 until Ctrl-C
    python demo/echo_server.py --port 0 --clients 200   # serve, run 200 clients, report, exit
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import eventlet


def handle(conn: Any, address: Any) -> None:
    """Echo every byte back until the client closes (serve() closes the socket after)."""
    while data := conn.recv(4096):
        conn.sendall(data)


def client(address: tuple[str, int], rounds: int) -> int:
    """Connect, send ``rounds`` lines, check every echo; return the bytes echoed."""
    total = 0
    with eventlet.connect(address) as sock:
        reader = sock.makefile("rb")
        for i in range(rounds):
            message = f"message {i} from {sock.getsockname()[1]}\n".encode()
            sock.sendall(message)
            received = reader.readline()
            if received != message:
                raise AssertionError(f"echo mismatch: sent {message!r}, got {received!r}")
            total += len(received)
        reader.close()
    return total


def main(argv: list[str] | None = None) -> int:
    """Run the demo server; with --clients, also run that many clients and exit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=0, help="run N clients, then exit")
    parser.add_argument("--rounds", type=int, default=20, help="messages per client")
    args = parser.parse_args(argv)

    listener = eventlet.listen((args.host, args.port), backlog=1024)
    address = listener.getsockname()
    print(f"echo server listening on {address[0]}:{address[1]}", flush=True)
    server = eventlet.spawn(eventlet.serve, listener, handle, 10_000)

    if not args.clients:
        try:
            server.wait()
        except KeyboardInterrupt:
            print("bye")
        return 0

    started = time.perf_counter()
    pool = eventlet.GreenPool(args.clients)
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
