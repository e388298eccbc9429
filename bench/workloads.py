"""Benchmark workloads, run once per process for one implementation.

Usage (normally called by ``bench/run.py``)::

    python bench/workloads.py --impl ours|eventlet|gevent --workload NAME [--quick]

The process imports only the implementation named by ``--impl``, runs one workload and prints
one JSON line with the measurement on stdout.  ``ours`` and ``eventlet`` are driven through the
same public Eventlet API; ``gevent`` through its equivalents.  Every workload runs the same
logic for every implementation: a warm-up pass, then the best of several timed runs measured
with ``time.perf_counter``.  A timed run spans from spawning the workload's green threads until
all of them are joined, so work that a hub defers (such as dropping canceled timers) is counted.
The socket workloads set up their connections first and time only the traffic (``tcp_echo``),
or time the setting up itself (``idle_connections``).

This module uses only the standard library at import time, so that ``bench/run.py`` can read
the workload list from it.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import random
import socket
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

IMPLS = ("ours", "eventlet", "gevent")

#: Number of green threads in the workloads that use many of them.
MANY = 10_000
#: Number of waiters on the event in ``event_wakeup``.
WAITERS = 1_000
#: Number of green threads in ``sleep0_10``.
SWITCHERS = 10
#: Sleeps per green thread in ``timed_sleeps`` and the largest delay, in seconds.
TIMED_SLEEPS_EACH = 3
TIMED_SLEEP_MAX = 0.010
#: Seed of the delays in ``timed_sleeps``; the same for every run and implementation.
SEED = 20_240_601
#: Where the socket workloads listen: loopback, a port the kernel picks.
LOOPBACK = ("127.0.0.1", 0)
#: Listen backlog of the socket workloads; above ``ECHO_CLIENTS`` and ``CONNECT_BATCH``, so no
#: connection attempt is ever dropped (a dropped SYN costs a one-second retransmission).
BACKLOG = 128
#: Client green threads in ``tcp_echo`` and the size of each message they send.
ECHO_CLIENTS = 100
ECHO_BYTES = 64
#: Connections ``idle_connections`` would like to hold, and the fewest it accepts to hold.
IDLE_WANTED = 10_000
IDLE_MINIMUM = 1_000
#: ``idle_connections`` connects this many clients, then lets the server accept them.
CONNECT_BATCH = 100
#: File descriptors kept free for the interpreter and the hub beyond the two per connection.
FD_MARGIN = 64
#: Seconds a socket workload may wait for its connections before it fails instead of hanging.
SETUP_GUARD = 120


@dataclass(frozen=True)
class Api:
    """The green-thread operations the workloads use, bound to one implementation."""

    impl: str
    version: str
    module_file: str
    sleep: Callable[[float], Any]
    spawn: Callable[..., Any]
    join: Callable[[Any], Any]
    queue: Callable[[], Any]
    timeout: Callable[[float], Any]
    event: Callable[[], Any]
    event_set: Callable[[Any], Any]
    event_wait: Callable[[Any], Any]
    #: ``listen(addr, backlog=N)``: a green listening TCP socket bound to ``addr``.
    listen: Callable[..., Any]
    #: ``connect(addr)``: a green TCP socket connected to ``addr``.
    connect: Callable[[tuple[str, int]], Any]


def optional(load: Callable[[], Any]) -> Any:
    """``load()``, or if that raises ImportError a stand-in that raises it when called.

    So a module that an implementation does not have yet fails only the workloads using it.
    """
    try:
        return load()
    except ImportError as error:
        missing = error

        def unavailable(*args: Any, **kwargs: Any) -> Any:
            raise missing

        return unavailable


def load_eventlet_api(impl: str) -> Api:
    """Bind the Eventlet public API (ours or upstream, whichever this venv has)."""
    with warnings.catch_warnings():
        if impl == "eventlet":
            # Upstream warns on import that it is deprecated (EventletDeprecationWarning, a
            # plain Warning subclass).  Ours must warn nothing, so its warnings stay visible.
            warnings.simplefilter("ignore")
        import eventlet
        import eventlet.event
    probe = eventlet.spawn(int)
    join = type(probe).wait
    join(probe)
    event_cls = eventlet.event.Event
    return Api(
        impl=impl,
        version=str(getattr(eventlet, "__version__", "?")),
        module_file=str(eventlet.__file__ or next(iter(eventlet.__path__), "?")),
        sleep=eventlet.sleep,
        spawn=eventlet.spawn,
        join=join,
        queue=optional(lambda: importlib.import_module("eventlet.queue").Queue),
        timeout=optional(lambda: eventlet.Timeout),
        event=event_cls,
        event_set=event_cls.send,
        event_wait=event_cls.wait,
        listen=optional(lambda: eventlet.listen),
        connect=optional(lambda: eventlet.connect),
    )


def load_gevent_api() -> Api:
    """Bind gevent's equivalents of the Eventlet operations."""
    import gevent
    import gevent.event
    import gevent.queue
    import gevent.socket

    # gevent has no listen()/connect() helpers outside gevent.server; these do what
    # eventlet.listen and eventlet.connect do, with gevent's green socket.
    def listen(addr: tuple[str, int], backlog: int = 50) -> Any:
        """A listening gevent socket bound to ``addr``, with SO_REUSEADDR as eventlet sets."""
        sock = gevent.socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(backlog)
        return sock

    def connect(addr: tuple[str, int]) -> Any:
        """A gevent socket connected to ``addr``."""
        sock = gevent.socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.connect(addr)
        return sock

    probe = gevent.spawn(int)
    join = type(probe).get
    join(probe)
    event_cls = gevent.event.Event
    return Api(
        impl="gevent",
        version=gevent.__version__,
        module_file=str(gevent.__file__),
        sleep=gevent.sleep,
        spawn=gevent.spawn,
        join=join,
        queue=gevent.queue.Queue,
        # gevent.Timeout is started by ``__enter__``; eventlet's by its constructor.
        timeout=gevent.Timeout,
        event=event_cls,
        event_set=event_cls.set,
        event_wait=event_cls.wait,
        listen=listen,
        connect=connect,
    )


def load_api(impl: str) -> Api:
    """Import the implementation named ``impl`` and nothing else."""
    if impl == "gevent":
        return load_gevent_api()
    return load_eventlet_api(impl)


# A workload run returns (elapsed seconds, operations, extra facts about the run).
RunResult = tuple[float, int, dict[str, Any]]


def run_sleep0(api: Api, n: int) -> RunResult:
    """One green thread calls ``sleep(0)`` ``n`` times."""
    sleep = api.sleep

    def switcher(count: int) -> None:
        for _ in range(count):
            sleep(0)

    start = time.perf_counter()
    api.join(api.spawn(switcher, n))
    return time.perf_counter() - start, n, {}


def run_sleep0_10(api: Api, n: int) -> RunResult:
    """``SWITCHERS`` green threads call ``sleep(0)`` in a loop, ``n`` calls in total."""
    sleep = api.sleep
    each = n // SWITCHERS

    def switcher(count: int) -> None:
        for _ in range(count):
            sleep(0)

    start = time.perf_counter()
    threads = [api.spawn(switcher, each) for _ in range(SWITCHERS)]
    for thread in threads:
        api.join(thread)
    return time.perf_counter() - start, each * SWITCHERS, {}


def noop() -> None:
    """The body of the green threads that only get spawned and joined."""


def run_spawn_join(api: Api, n: int) -> RunResult:
    """Spawn a green thread and wait for it, ``n`` times one after the other."""
    spawn, join = api.spawn, api.join

    def driver(count: int) -> None:
        for _ in range(count):
            join(spawn(noop))

    start = time.perf_counter()
    api.join(api.spawn(driver, n))
    return time.perf_counter() - start, n, {}


def run_spawn_many(api: Api, n: int) -> RunResult:
    """Spawn ``n`` green threads, then join them all."""
    spawn, join = api.spawn, api.join
    start = time.perf_counter()
    threads = [spawn(noop) for _ in range(n)]
    for thread in threads:
        join(thread)
    return time.perf_counter() - start, n, {}


def run_queue_roundtrip(api: Api, n: int) -> RunResult:
    """Ping-pong ``n`` items between two green threads through two unbounded queues."""
    requests, replies = api.queue(), api.queue()

    def pinger(count: int) -> None:
        put, get = requests.put, replies.get
        for i in range(count):
            put(i)
            if get() != i:
                raise AssertionError("queue round trip returned the wrong item")

    def ponger(count: int) -> None:
        put, get = replies.put, requests.get
        for _ in range(count):
            put(get())

    start = time.perf_counter()
    threads = [api.spawn(pinger, n), api.spawn(ponger, n)]
    for thread in threads:
        api.join(thread)
    return time.perf_counter() - start, n, {}


def run_timeout(api: Api, n: int) -> RunResult:
    """Enter and leave ``with Timeout(10): pass`` ``n`` times in one green thread."""
    timeout = api.timeout

    def body(count: int) -> None:
        for _ in range(count):
            with timeout(10):
                pass

    start = time.perf_counter()
    api.join(api.spawn(body, n))
    return time.perf_counter() - start, n, {}


def timed_sleep_delays(threads: int) -> list[tuple[float, ...]]:
    """The seeded delays of ``timed_sleeps``: ``TIMED_SLEEPS_EACH`` per green thread."""
    rng = random.Random(SEED)
    return [
        tuple(rng.uniform(0, TIMED_SLEEP_MAX) for _ in range(TIMED_SLEEPS_EACH))
        for _ in range(threads)
    ]


def run_timed_sleeps(api: Api, n: int) -> RunResult:
    """``n`` green threads each sleep ``TIMED_SLEEPS_EACH`` seeded random delays."""
    sleep = api.sleep
    delays = timed_sleep_delays(n)

    def sleeper(mine: tuple[float, ...]) -> None:
        for delay in mine:
            sleep(delay)

    start = time.perf_counter()
    threads = [api.spawn(sleeper, mine) for mine in delays]
    for thread in threads:
        api.join(thread)
    elapsed = time.perf_counter() - start
    floor = max(sum(mine) for mine in delays)
    extra = {"total_ms": elapsed * 1e3, "floor_ms": floor * 1e3}
    return elapsed, n * TIMED_SLEEPS_EACH, extra


def wait_until(api: Api, done: Callable[[], bool], what: str) -> None:
    """Yield to the hub with ``sleep(0)`` until ``done()`` holds (bounded)."""
    for _ in range(1_000):
        if done():
            return
        api.sleep(0)
    raise RuntimeError(f"gave up waiting until {what}")


def rss_bytes() -> int:
    """Resident set size of this process, from ``/proc/self/statm``."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def spawn_blocked(api: Api, n: int) -> tuple[Any, list[Any]]:
    """Spawn ``n`` green threads blocked on one event; return the event and the threads."""
    event = api.event()
    started = [0]

    def waiter() -> None:
        started[0] += 1
        api.event_wait(event)

    threads = [api.spawn(waiter) for _ in range(n)]
    wait_until(api, lambda: started[0] == n, "all green threads blocked")
    api.sleep(0)
    api.sleep(0)
    return event, threads


def release(api: Api, event: Any, threads: list[Any]) -> None:
    """Wake the blocked green threads and join them."""
    api.event_set(event)
    for thread in threads:
        api.join(thread)


def run_event_wakeup(api: Api, rounds: int) -> RunResult:
    """``rounds`` times: ``WAITERS`` threads block on one event; time send and join-all."""
    spent = 0.0
    for _ in range(rounds):
        event, threads = spawn_blocked(api, WAITERS)
        start = time.perf_counter()
        release(api, event, threads)
        spent += time.perf_counter() - start
    return spent, rounds * WAITERS, {}


def run_memory_blocked(api: Api, n: int) -> RunResult:
    """Resident memory per green thread blocked on ``Event.wait()``, ``n`` of them."""
    release(api, *spawn_blocked(api, 100))  # warm up the hub and lazily built objects
    gc.collect()
    before = rss_bytes()
    event, threads = spawn_blocked(api, n)
    gc.collect()
    after = rss_bytes()
    release(api, event, threads)
    return float(after - before), n, {"rss_before": before, "rss_after": after}


# --------------------------------------------------------------------------- sockets


def set_nodelay(sock: Any) -> None:
    """Send small writes at once (no Nagle delay), as request/response protocols do."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def echo(conn: Any) -> None:
    """Server side of ``tcp_echo``: send back what arrives until the client closes."""
    recv, sendall = conn.recv, conn.sendall
    try:
        while True:
            data = recv(4096)
            if not data:
                return
            sendall(data)
    finally:
        conn.close()


def rest_of_reply(recv: Callable[[int], bytes], first: bytes, expected: bytes) -> None:
    """Read the remainder of an echo that arrived in pieces, and check it."""
    reply = first
    while len(reply) < len(expected):
        chunk = recv(len(expected) - len(reply))
        if not chunk:
            raise RuntimeError("the echo server closed the connection in mid-reply")
        reply += chunk
    if reply != expected:
        raise RuntimeError(f"the echo server sent back {reply!r}, not {expected!r}")


def run_tcp_echo(api: Api, n: int) -> RunResult:
    """``ECHO_CLIENTS`` green threads each make ``n // ECHO_CLIENTS`` echo round trips.

    The server is in the same process: a green thread accepting, and one green thread per
    connection echoing.  Connecting is not timed: every client connects, then waits until all
    are connected and accepted; the timed part runs from then until every client is done.
    """
    each = max(1, n // ECHO_CLIENTS)
    payload = b"x" * ECHO_BYTES
    listener = api.listen(LOOPBACK, backlog=BACKLOG)
    address = listener.getsockname()
    servers: list[Any] = []
    all_accepted, all_connected, go = api.event(), api.event(), api.event()
    connected = [0]

    def acceptor() -> None:
        for _ in range(ECHO_CLIENTS):
            conn, _peer = listener.accept()
            set_nodelay(conn)
            servers.append(api.spawn(echo, conn))
        api.event_set(all_accepted)

    def client() -> None:
        sock = api.connect(address)
        set_nodelay(sock)
        connected[0] += 1
        if connected[0] == ECHO_CLIENTS:
            api.event_set(all_connected)
        api.event_wait(go)
        sendall, recv = sock.sendall, sock.recv
        try:
            for _ in range(each):
                sendall(payload)
                reply = recv(ECHO_BYTES)
                if reply != payload:
                    rest_of_reply(recv, reply, payload)
        finally:
            sock.close()

    accepting = api.spawn(acceptor)
    clients = [api.spawn(client) for _ in range(ECHO_CLIENTS)]
    with api.timeout(SETUP_GUARD):
        api.event_wait(all_connected)
        api.event_wait(all_accepted)
    start = time.perf_counter()
    api.event_set(go)
    for thread in clients:
        api.join(thread)
    elapsed = time.perf_counter() - start
    api.join(accepting)
    for thread in servers:
        api.join(thread)
    listener.close()
    return elapsed, each * ECHO_CLIENTS, {}


def raise_fd_limit(connections: int) -> tuple[int, int]:
    """Raise this process's RLIMIT_NOFILE soft limit to the hard limit.

    Returns the descriptors now allowed and the hard limit (-1: none).  Without a hard limit
    the soft limit is raised only to what ``connections`` need (two descriptors each, plus a
    margin), since the kernel refuses an unlimited one.
    """
    import resource

    unlimited = resource.RLIM_INFINITY
    enough = 2 * connections + FD_MARGIN + len(os.listdir("/proc/self/fd"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == unlimited:
        return enough, hard
    target = enough if hard == unlimited else hard
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft, hard


def connections_that_fit(wanted: int) -> tuple[int, dict[str, Any]]:
    """How many idle connections (two descriptors each) fit under the raised fd limit.

    At most ``wanted``; raises RuntimeError when fewer than ``IDLE_MINIMUM`` fit.  Also
    returns facts to report, with a note when the count had to be reduced.
    """
    soft, hard = raise_fd_limit(wanted)
    in_use = len(os.listdir("/proc/self/fd"))
    fit = (soft - in_use - FD_MARGIN) // 2
    count = min(wanted, fit)
    facts: dict[str, Any] = {"connections": count, "fd_soft_limit": soft, "fd_hard_limit": hard}
    if count < IDLE_MINIMUM:
        needed = 2 * IDLE_MINIMUM + in_use + FD_MARGIN
        raise RuntimeError(
            f"idle_connections needs at least {needed:,} file descriptors for "
            f"{IDLE_MINIMUM:,} connections, but RLIMIT_NOFILE allows {soft:,} (hard limit "
            f"{hard:,}); raise the hard limit (ulimit -Hn) and run again"
        )
    if count < wanted:
        facts["note"] = (
            f"held {count:,} connections, not {wanted:,}: that is all the RLIMIT_NOFILE limit "
            f"of {soft:,} descriptors leaves room for, at two descriptors each"
        )
    return count, facts


def idle(conn: Any, blocked: list[int]) -> None:
    """Server side of ``idle_connections``: wait in ``recv`` until the client closes."""
    blocked[0] += 1
    try:
        data = conn.recv(1)
    finally:
        conn.close()
    if data:
        raise RuntimeError(f"an idle connection received {data!r}")


def open_idle(api: Api, count: int) -> tuple[Any, list[Any], list[Any]]:
    """Connect ``count`` clients to an in-process server holding each in a green thread.

    Returns when every server-side green thread is blocked in ``recv``: the listening socket,
    the client sockets and the server-side green threads.  Clients connect in batches of
    ``CONNECT_BATCH``, so the listen backlog never overflows.
    """
    listener = api.listen(LOOPBACK, backlog=BACKLOG)
    address = listener.getsockname()
    servers: list[Any] = []
    clients: list[Any] = []
    blocked = [0]

    def acceptor() -> None:
        for _ in range(count):
            conn, _peer = listener.accept()
            servers.append(api.spawn(idle, conn, blocked))

    def all_blocked() -> bool:
        return blocked[0] == len(clients)

    accepting = api.spawn(acceptor)
    with api.timeout(SETUP_GUARD):
        while len(clients) < count:
            for _ in range(min(CONNECT_BATCH, count - len(clients))):
                clients.append(api.connect(address))
            wait_until(api, all_blocked, f"{len(clients):,} connections were accepted")
        api.join(accepting)
    api.sleep(0)
    return listener, clients, servers


def close_idle(api: Api, listener: Any, clients: list[Any], servers: list[Any]) -> None:
    """Close the client ends, join the server-side green threads, close the listener."""
    for sock in clients:
        sock.close()
    for thread in servers:
        api.join(thread)
    listener.close()


def run_idle_connections(api: Api, n: int) -> RunResult:
    """Resident memory per idle TCP connection, up to ``n`` of them held at once.

    Both ends are in this process: each connection is a green client socket and a green
    server socket whose green thread is blocked in ``recv``.  Also times establishing them.
    """
    count, facts = connections_that_fit(n)
    close_idle(api, *open_idle(api, CONNECT_BATCH))  # warm up the hub and lazily built objects
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    held = open_idle(api, count)
    established = time.perf_counter() - start
    gc.collect()
    after = rss_bytes()
    close_idle(api, *held)
    facts.update(rss_before=before, rss_after=after, connect_ms=established * 1e3,
                 connect_us_each=established / count * 1e6)
    return float(after - before), count, facts


@dataclass(frozen=True)
class Workload:
    """What a workload measures, how to run it, and how large it is."""

    name: str
    unit: str
    summary: str
    func: Callable[[Api, int], RunResult]
    size: int
    size_quick: int
    repeat: int = 7
    repeat_quick: int = 5
    #: Processes the driver runs; their median is reported (memory needs a fresh process).
    processes: int = 1
    memory: bool = False


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("sleep0", "µs/call", "one green thread calls sleep(0)", run_sleep0,
                 200_000, 50_000),
        Workload("sleep0_10", "µs/switch", f"{SWITCHERS} green threads call sleep(0)",
                 run_sleep0_10, 200_000, 50_000),
        Workload("spawn_join", "µs/thread", "spawn(f), then wait for it, sequentially",
                 run_spawn_join, 50_000, 10_000),
        Workload("spawn_many", "µs/thread", f"spawn {MANY:,} green threads, then join all",
                 run_spawn_many, MANY, MANY),
        Workload("queue_roundtrip", "µs/round trip",
                 "ping-pong between two green threads through two Queue()",
                 run_queue_roundtrip, 50_000, 10_000),
        Workload("timeout", "µs/with", "with Timeout(10): pass", run_timeout, 200_000, 50_000),
        Workload("timed_sleeps", "µs/sleep",
                 f"{MANY:,} green threads each sleep {TIMED_SLEEPS_EACH} random 0-10 ms delays",
                 run_timed_sleeps, MANY, MANY),
        Workload("event_wakeup", "µs/waiter",
                 f"{WAITERS:,} waiters on one Event; send, join all (per round)",
                 run_event_wakeup, 40, 10),
        Workload("memory_blocked", "bytes/thread",
                 f"RSS growth per green thread blocked on Event.wait() ({MANY:,} threads)",
                 run_memory_blocked, MANY, MANY, repeat=1, repeat_quick=1, processes=3,
                 memory=True),
        Workload("tcp_echo", "µs/round trip",
                 f"{ECHO_CLIENTS} client green threads each make {ECHO_BYTES}-byte echo round "
                 "trips over loopback to a server in the same process (time per round trip, "
                 "all clients together)",
                 run_tcp_echo, 100_000, 20_000),
        Workload("idle_connections", "bytes/conn",
                 f"RSS growth per idle TCP connection, {IDLE_WANTED:,} held in one process "
                 "(both ends green, the server end blocked in recv; fewer if the fd limit "
                 "is lower)",
                 run_idle_connections, IDLE_WANTED, IDLE_WANTED, repeat=1, repeat_quick=1,
                 processes=3, memory=True),
    )
}


def measure(api: Api, workload: Workload, quick: bool) -> dict[str, Any]:
    """Run ``workload`` (warm-up, then best of K) and describe the result as a dict."""
    size = workload.size_quick if quick else workload.size
    repeat = workload.repeat_quick if quick else workload.repeat
    if workload.memory:
        elapsed, ops, extra = workload.func(api, size)
        return {"value": elapsed / ops, "runs": [elapsed / ops], "ops": ops, "extra": extra}
    workload.func(api, max(1, size // 10))  # warm-up pass
    runs: list[tuple[float, int, dict[str, Any]]] = []
    for _ in range(repeat):
        gc.collect()
        runs.append(workload.func(api, size))
    best = min(runs, key=lambda run: run[0] / run[1])
    per_op = [elapsed / ops * 1e6 for elapsed, ops, _ in runs]
    return {"value": min(per_op), "runs": per_op, "ops": best[1], "extra": best[2]}


def greenlet_version() -> str:
    """Version of the greenlet package this process runs on."""
    import greenlet

    return str(greenlet.__version__)


def main(argv: list[str] | None = None) -> int:
    """Run one workload for one implementation and print its JSON result line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=IMPLS, required=True)
    parser.add_argument("--workload", choices=sorted(WORKLOADS), required=True)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args(argv)
    workload = WORKLOADS[args.workload]
    api = load_api(args.impl)
    result = {
        "impl": args.impl,
        "workload": workload.name,
        "unit": workload.unit,
        **measure(api, workload, args.quick),
        "version": api.version,
        "module": api.module_file,
        "greenlet": greenlet_version(),
        "python": platform.python_version(),
    }
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
