"""Hello-world WSGI throughput: our eventlet.wsgi next to upstream eventlet.wsgi, gevent.pywsgi
and a minimal selectors loop (no WSGI at all, a fixed answer: the ceiling for pure Python).

Each implementation runs in a server process of its own; ``wrk`` (Debian: ``apt-get install
-y wrk``) loads it from another process, with keep-alive and with ``Connection: close``::

    python bench/wsgi_bench.py [--runs 3] [--duration 4] [--connections 50] [--client wrk]
        [--ours-python PY] [--eventlet-python PY] [--gevent-python PY] [--only ours,ceiling]

Without wrk (or with ``--client python``) a small Python load generator in another process
takes its place; it is slower than wrk, so compare only ratios measured with the same client.
Besides requests per second, the server's CPU time per request is reported (from /proc): it
is less disturbed by other load on the machine.

``--ours-python`` defaults to this interpreter (with our packages installed, editable or
not); the upstream eventlet and gevent interpreters default to ``.bench-venvs/eventlet`` and
``.bench-venvs/gevent`` (made by bench/run.py; or ``python3 -m venv DIR && DIR/bin/pip
install eventlet==0.41.3``, same for ``gevent==26.9.0``). An interpreter that is missing is
skipped with a note. Only the standard library is used here. The numbers depend on the
machine and on what else runs on it: compare ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENVS = REPO / ".bench-venvs"

_APP = '''
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [b"Hello, World!"]
'''

SERVERS = {
    # Ours and upstream eventlet run the same program.
    "ours": _APP + '''
import sys
from eventlet.convenience import listen
from eventlet import wsgi
wsgi.server(listen(("127.0.0.1", int(sys.argv[1])), backlog=1024), app, log_output=False)
''',
    "eventlet": _APP + '''
import sys
import eventlet
from eventlet import wsgi
wsgi.server(eventlet.listen(("127.0.0.1", int(sys.argv[1])), backlog=1024), app, log_output=False)
''',
    "gevent": _APP + '''
import sys
from gevent.pywsgi import WSGIServer
WSGIServer(("127.0.0.1", int(sys.argv[1])), app, log=None, backlog=1024).serve_forever()
''',
    # The ceiling: one selectors loop, a fixed response per request head, no WSGI.
    "ceiling": '''
import selectors, socket, sys
RESPONSE = (b"HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 13\\r\\n\\r\\n"
            b"Hello, World!")
CLOSING = RESPONSE.replace(b"\\r\\n\\r\\n", b"\\r\\nConnection: close\\r\\n\\r\\n", 1)
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen(1024)
listener.setblocking(False)
selector = selectors.DefaultSelector()
selector.register(listener, selectors.EVENT_READ, None)
buffers = {}
while True:
    for key, _ in selector.select():
        sock = key.fileobj
        if key.data is None:
            try:
                conn, _ = listener.accept()
            except BlockingIOError:
                continue
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            selector.register(conn, selectors.EVENT_READ, 1)
            buffers[conn] = b""
            continue
        try:
            data = sock.recv(65536)
        except (BlockingIOError, ConnectionError):
            data = b"" if not isinstance(sys.exc_info()[1], BlockingIOError) else None
        if data is None:
            continue
        if not data:
            selector.unregister(sock); del buffers[sock]; sock.close(); continue
        data = buffers[sock] + data
        heads = data.split(b"\\r\\n\\r\\n")
        buffers[sock] = heads.pop()
        close = any(b"onnection: close" in head for head in heads)
        out = (CLOSING if close else RESPONSE) * len(heads)
        try:
            sock.sendall(out)
        except OSError:
            close = True
        if close:
            selector.unregister(sock); del buffers[sock]; sock.close()
''',
}


# A load generator for machines without wrk: one process, a selectors loop, N connections,
# each sending its next request when the previous response is complete. It is slower than
# wrk, so its numbers are lower for every server; compare ratios measured with one client.
PY_CLIENT = '''
import selectors, socket, sys, time
port, connections, duration, close = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"
request = (b"GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n"
           + (b"Connection: close\\r\\n" if close else b"") + b"\\r\\n")
selector = selectors.DefaultSelector()
done = 0
def open_one():
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(request)
    sock.setblocking(False)
    selector.register(sock, selectors.EVENT_READ, [b""])
for _ in range(connections):
    open_one()
end = time.monotonic() + duration
while time.monotonic() < end:
    for key, _ in selector.select(0.1):
        sock, state = key.fileobj, key.data
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            continue
        buffer = state[0] + data
        while True:
            head_end = buffer.find(b"\\r\\n\\r\\n")
            if head_end < 0:
                break
            head = buffer[:head_end].lower()
            length = int(head.split(b"content-length:")[1].split(b"\\r\\n")[0])
            if len(buffer) < head_end + 4 + length:
                break
            buffer = buffer[head_end + 4 + length:]
            done += 1
            if close:
                selector.unregister(sock)
                sock.close()
                open_one()
                break
            sock.sendall(request)
        if sock.fileno() >= 0:
            state[0] = buffer
        if not data and sock.fileno() >= 0:
            selector.unregister(sock)
            sock.close()
            open_one()
print(done / duration)
'''


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the server did not listen on port {port} within {limit} s")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time the process used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(port: int, duration: float, connections: int, close: bool) -> tuple[float, int]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s"]
    if close:
        command += ["-H", "Connection: close"]
    command.append(f"http://127.0.0.1:{port}/")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if match is None:
        raise RuntimeError(f"no Requests/sec in wrk's output:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        print(f"    (wrk saw {errors.group(1)} non-2xx responses)", file=sys.stderr)
    total = re.search(r"(\d+) requests in", output)
    return float(match.group(1)), int(total.group(1)) if total else 0


def _python_client(port: int, duration: float, connections: int, close: bool) -> tuple[float, int]:
    output = subprocess.run(
        [sys.executable, "-c", PY_CLIENT, str(port), str(connections), f"{duration:g}", "1" if close else "0"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(output.split()[-1])
    return rate, int(rate * duration)


def measure(name: str, python: str, args: argparse.Namespace) -> dict[str, list[float]]:
    """Start ``name``'s server with ``python``; return req/s lists for keep-alive and close,
    and the server's CPU microseconds per request ("cpu keep-alive", "cpu close"): a
    figure that other load on the machine disturbs less than req/s."""
    port = _free_port()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONWARNINGS="ignore")
    process = subprocess.Popen(
        [python, "-c", SERVERS[name], str(port)], env=env, stdout=subprocess.DEVNULL
    )
    results: dict[str, list[float]] = {
        "keep-alive": [], "close": [], "cpu keep-alive": [], "cpu close": []
    }
    try:
        _wait_listening(port, process)
        load = _wrk if args.client == "wrk" else _python_client
        load(port, 1, args.connections, False)  # warm-up
        for _ in range(args.runs):
            for mode in ("keep-alive", "close"):
                before = _cpu_seconds(process.pid)
                rate, count = load(port, args.duration, args.connections, mode == "close")
                used = _cpu_seconds(process.pid) - before
                results[mode].append(rate)
                if count:
                    results["cpu " + mode].append(used / count * 1e6)
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--ours-python", default=sys.executable)
    parser.add_argument("--eventlet-python", default=str(VENVS / "eventlet" / "bin" / "python"))
    parser.add_argument("--gevent-python", default=str(VENVS / "gevent" / "bin" / "python"))
    parser.add_argument("--ceiling-python", default=sys.executable)
    parser.add_argument("--only", default="ours,eventlet,gevent,ceiling")
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        default=None,
        help="the load generator (default: wrk if installed, else the Python one)",
    )
    args = parser.parse_args(argv)
    if args.client is None:
        found = subprocess.run(["which", "wrk"], capture_output=True).returncode == 0
        args.client = "wrk" if found else "python"
        if not found:
            print("wrk is not installed (apt-get install -y wrk): using the Python client", file=sys.stderr)
    pythons = {
        "ours": args.ours_python,
        "eventlet": args.eventlet_python,
        "gevent": args.gevent_python,
        "ceiling": args.ceiling_python,
    }
    table: dict[str, dict[str, float]] = {}
    for name in args.only.split(","):
        python = pythons[name]
        if not Path(python).exists():
            print(f"{name}: no interpreter at {python}, skipped", file=sys.stderr)
            continue
        print(f"{name}: measuring ({args.runs} x {args.duration:g} s per mode) ...", file=sys.stderr)
        results = measure(name, python, args)
        table[name] = {mode: statistics.median(values) for mode, values in results.items()}
        for mode, values in results.items():
            print(f"  {mode}: " + ", ".join(f"{v:,.1f}" for v in values), file=sys.stderr)
    client = "wrk -t1" if args.client == "wrk" else "the Python client,"
    print(f"\n{client} -c{args.connections} -d{args.duration:g}s, median of {args.runs} runs")
    print(f"{'server':<10} {'keep-alive':>12} {'close':>12} {'cpu us/req ka':>14} {'cpu us/req close':>17}")
    for name, row in table.items():
        print(
            f"{name:<10} {row['keep-alive']:>12,.0f} {row['close']:>12,.0f}"
            f" {row['cpu keep-alive']:>14.1f} {row['cpu close']:>17.1f}"
        )
    ours = table.get("ours")
    if ours:
        peers = [table[n] for n in ("eventlet", "gevent") if n in table]
        for mode in ("keep-alive", "close"):
            notes = []
            if peers:
                best = max(peer[mode] for peer in peers)
                notes.append(f"{ours[mode] / best:.2f}x the better peer")
            if "ceiling" in table:
                notes.append(f"{ours[mode] / table['ceiling'][mode]:.0%} of the ceiling")
                notes.append(
                    f"CPU per request {ours['cpu ' + mode] / table['ceiling']['cpu ' + mode]:.1f}x"
                    " the ceiling's"
                )
            if notes:
                print(f"ours, {mode}: " + ", ".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
