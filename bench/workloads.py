"""Benchmark workloads, run once per process for one implementation.

Usage (normally called by ``bench/run.py``)::

    python bench/workloads.py --impl ours|eventlet|gevent --workload NAME [--quick]

The process imports only the implementation named by ``--impl``, runs one workload and prints
one JSON line with the measurement on stdout.  ``ours`` and ``eventlet`` are driven through the
same public Eventlet API; ``gevent`` through its equivalents.  Every workload runs the same
logic for every implementation: a warm-up pass, then the best of several timed runs measured
with ``time.perf_counter``.  A timed run spans from spawning the workload's green threads until
all of them are joined, so work that a hub defers (such as dropping canceled timers) is counted.

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
    )


def load_gevent_api() -> Api:
    """Bind gevent's equivalents of the Eventlet operations."""
    import gevent
    import gevent.event
    import gevent.queue

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
