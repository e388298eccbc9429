"""WebSocket echo, side by side: our eventlet.websocket against upstream eventlet's.

Run from the repository root::

    python bench/websocket_bench.py [--messages N] [--connections 1,50] [--runs 3]
        [--ours-python PATH] [--eventlet-python PATH] [--size BYTES]

For each implementation a server process runs ``eventlet.wsgi.server`` with a
``WebSocketWSGI`` echo handler on loopback.  This process is the client: it opens the
connections, makes the opening handshake by hand, then sends ``--messages`` small masked
text messages in total, each connection waiting for the echo of its message before sending
the next, and counts echoes per second (the best of ``--runs`` timed runs, after a warm-up).

``ours`` runs with the interpreter given by ``--ours-python`` (default: this one) with every
``packages/*/src`` folder on PYTHONPATH, so the working tree is what gets measured (it needs
greenlet and dnspython).  ``eventlet`` is upstream eventlet 0.41.3 in its own virtual
environment (default ``.bench-venvs/eventlet/bin/python``, which ``bench/run.py`` creates;
or ``python3 -m venv /tmp/bench-eventlet && /tmp/bench-eventlet/bin/pip install
eventlet==0.41.3``).  Upstream has our import name: never install it next to ours.

Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import base64
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVENTLET_PYTHON = REPO / ".bench-venvs" / "eventlet" / "bin" / "python"

#: The server, the same source for both implementations (the public Eventlet API only).
SERVER = r"""
import sys, warnings
warnings.simplefilter("ignore")
from eventlet import websocket, wsgi
from eventlet.convenience import listen

def echo(ws):
    while True:
        message = ws.wait()
        if message is None:
            return
        ws.send(message)

class Quiet:
    def write(self, data):
        pass

sock = listen(("127.0.0.1", 0), backlog=512)
print(sock.getsockname()[1], flush=True)
wsgi.server(sock, websocket.WebSocketWSGI(echo), log=Quiet(), log_output=False)
"""

#: Fixed for the run, so every echo is the same bytes; a real client draws one per frame.
MASK = b"\x37\xfa\x21\x3d"


def masked_text_frame(payload: bytes) -> bytes:
    """A client's (masked) text frame; payloads under 126 bytes only."""
    assert len(payload) < 126
    masked = bytes(byte ^ MASK[index % 4] for index, byte in enumerate(payload))
    return bytes((0x81, 0x80 | len(payload))) + MASK + masked


def start_server(python: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int, str]:
    """Start a server process; its process, port and the file its stderr goes to."""
    errors = tempfile.NamedTemporaryFile(prefix="ws-bench-", suffix=".err", delete=False)
    process = subprocess.Popen(
        [python, "-W", "ignore", "-c", SERVER],
        stdout=subprocess.PIPE,
        stderr=errors,
        env=env,
        cwd=REPO,
    )
    errors.close()
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        process.wait()
        raise SystemExit(f"{python}: the server did not start:\n{Path(errors.name).read_text()}")
    return process, int(line), errors.name


def handshake(port: int) -> socket.socket:
    """A connected, upgraded client socket."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        if not byte:
            raise SystemExit(f"handshake failed: {head!r}")
        head += byte
    if not head.startswith(b"HTTP/1.1 101"):
        raise SystemExit(f"handshake refused: {head!r}")
    sock.setblocking(False)
    return sock


def echo_run(
    socks: list[socket.socket], messages: int, frame: bytes, reply_size: int, depth: int
) -> float:
    """Send ``messages`` frames spread over ``socks``, ``depth`` in flight on each; seconds."""
    selector = selectors.DefaultSelector()
    to_send = {sock: messages // len(socks) for sock in socks}
    to_send[socks[0]] += messages - sum(to_send.values())
    to_receive = dict(to_send)
    pending = dict.fromkeys(socks, 0)  # bytes of a partly received echo
    started = time.perf_counter()
    for sock in socks:
        burst = min(depth, to_send[sock])
        if burst:
            sock.sendall(frame * burst)
            to_send[sock] -= burst
            selector.register(sock, selectors.EVENT_READ)
    active = len(selector.get_map())
    while active:
        for key, _ in selector.select():
            sock = key.fileobj  # type: ignore[assignment]
            data = sock.recv(65536)
            if not data:
                raise SystemExit("the server closed a connection")
            # Every echo is the same size, so counting bytes counts echoes.
            done, pending[sock] = divmod(pending[sock] + len(data), reply_size)
            if not done:
                continue
            to_receive[sock] -= done
            if to_receive[sock] < 0:
                raise SystemExit("more bytes from the server than echoes asked for")
            burst = min(done, to_send[sock])
            if burst:
                sock.sendall(frame * burst)
                to_send[sock] -= burst
            if not to_receive[sock]:
                selector.unregister(sock)
                active -= 1
    elapsed = time.perf_counter() - started
    selector.close()
    return elapsed


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Side:
    """One implementation's server process and the client connections to it."""

    def __init__(self, name: str, python: str, env: dict[str, str]) -> None:
        self.name = name
        self.process, self.port, self._errors = start_server(python, env)
        self.socks: list[socket.socket] = []
        self.best: dict[tuple[int, int], float] = {}
        self.cpu: dict[tuple[int, int], float] = {}

    def connect(self, count: int) -> None:
        for sock in self.socks:
            sock.close()
        self.socks = [handshake(self.port) for _ in range(count)]

    def run(self, key: tuple[int, int], messages: int, frame: bytes, reply_size: int) -> None:
        """One timed run; keeps the best time and adds up the server's CPU time."""
        cpu_before = cpu_seconds(self.process.pid)
        elapsed = echo_run(self.socks, messages, frame, reply_size, key[1])
        self.cpu[key] = self.cpu.get(key, 0.0) + cpu_seconds(self.process.pid) - cpu_before
        self.best[key] = min(self.best.get(key, elapsed), elapsed)

    def stop(self) -> None:
        for sock in self.socks:
            sock.close()
        self.process.terminate()
        self.process.wait()
        os.unlink(self._errors)


def measure(sides: list[Side], args: argparse.Namespace) -> list[tuple[int, int]]:
    """Time every (connections, depth) case, alternating the sides run by run so that a
    change in the machine's load hits both alike.  Returns the cases."""
    payload = b"m" * args.size
    frame = masked_text_frame(payload)
    reply_size = 2 + len(payload)
    cases = []
    for connections in args.connections:
        for side in sides:
            side.connect(connections)
        for depth in args.depth:
            key = (connections, depth)
            cases.append(key)
            warm_up = max(args.messages // 10, connections * depth)
            for side in sides:
                echo_run(side.socks, warm_up, frame, reply_size, depth)
            for _ in range(args.runs):
                for side in sides:
                    side.run(key, args.messages, frame, reply_size)
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000, help="messages per timed run")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the best counts)")
    parser.add_argument("--size", type=int, default=16, help="payload bytes (< 126)")
    parser.add_argument(
        "--connections",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 50],
        help="comma-separated connection counts (default 1,50)",
    )
    parser.add_argument(
        "--depth",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 8],
        help="comma-separated messages in flight per connection (default 1,8)",
    )
    parser.add_argument("--ours-python", default=sys.executable)
    parser.add_argument("--eventlet-python", default=str(DEFAULT_EVENTLET_PYTHON))
    parser.add_argument("--only", choices=("ours", "eventlet"), help="measure one side only")
    args = parser.parse_args()
    if not 0 <= args.size < 126:
        parser.error("--size must be 0 to 125")

    ours_env = dict(os.environ)
    sources = sorted(str(path) for path in (REPO / "packages").glob("*/src"))
    ours_env["PYTHONPATH"] = os.pathsep.join(sources + [ours_env.get("PYTHONPATH", "")])
    eventlet_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    wanted = {
        "ours": (args.ours_python, ours_env),
        "eventlet": (args.eventlet_python, eventlet_env),
    }
    if args.only:
        wanted = {args.only: wanted[args.only]}
    for name, (python, _) in wanted.items():
        if not Path(python).exists():
            raise SystemExit(f"{name}: no interpreter at {python} (see --{name}-python)")
    sides: list[Side] = []
    try:
        for name, (python, env) in wanted.items():
            sides.append(Side(name, python, env))
        cases = measure(sides, args)
    finally:
        for side in sides:
            side.stop()

    print(
        f"websocket echo, {args.size}-byte text messages, {args.messages} per run, best of "
        f"{args.runs} (server CPU: the mean)"
    )
    for key in cases:
        connections, depth = key
        line = f"  {connections:>3} conn x {depth:>2} in flight:"
        rates = {}
        cpus = {}
        for side in sides:
            rates[side.name] = args.messages / side.best[key]
            cpus[side.name] = side.cpu[key] / (args.messages * args.runs) * 1e6
            line += f"  {side.name} {rates[side.name]:>8,.0f} msg/s ({cpus[side.name]:4.1f} µs CPU)"
        if len(sides) == 2:
            line += (
                f"  speed-up {rates['ours'] / rates['eventlet']:.2f}x"
                f" (CPU {cpus['eventlet'] / cpus['ours']:.2f}x)"
            )
        print(line)


if __name__ == "__main__":
    main()
