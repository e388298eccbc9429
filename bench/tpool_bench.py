"""eventlet.tpool and eventlet.db_pool, side by side: ours against upstream eventlet's.

Run from the repository root::

    python bench/tpool_bench.py [--calls N] [--runs 3] [--rounds 3] [--ours-python PATH]
        [--eventlet-python PATH] [--no-db] [--only ours|eventlet]

Measured in fresh processes of each implementation, taking turns for ``--rounds`` rounds
(rates: the best of ``--runs`` timed runs per process, after a warm-up, and the best round;
lateness: the median over rounds; never asserted anywhere):

- ``one caller``: ``tpool.execute`` round trips per second of a trivial function, one green
  thread calling it in a loop;
- ``20 callers``: the same with 20 green threads calling at once;
- ``late ms``: how late a green thread's ``sleep(0.001)`` returns (median, p99 and worst, in
  milliseconds) while 20 OS threads of the pool are busy, with pure-Python work (which holds
  the GIL: the hub thread competes with 20 others for it) or with C work that releases the
  GIL (hashing 1 MiB buffers);
- ``20 x pg_sleep(1)``: seconds for 20 green threads each running ``select pg_sleep(1)``
  through ``db_pool.TpooledConnectionPool`` on the PostgreSQL server at 127.0.0.1:5432
  (user postgres, database test), if that interpreter has psycopg2.

``ours`` runs with the interpreter given by ``--ours-python`` (default: this one) with every
``packages/*/src`` folder on PYTHONPATH, so the working tree is what gets measured (it needs
greenlet and dnspython, and psycopg2 for the database line). ``eventlet`` is upstream eventlet
0.41.3 in its own virtual environment (default ``.bench-venvs/eventlet/bin/python``; or
``python3 -m venv /tmp/bench-eventlet && /tmp/bench-eventlet/bin/pip install eventlet==0.41.3
psycopg2-binary``). Upstream has our import name: never install it next to ours.

Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVENTLET_PYTHON = REPO / ".bench-venvs" / "eventlet" / "bin" / "python"

#: The targets of the project issue: ours / upstream for rates, ours for the database line.
RATE_TARGET = 2.0
PG_TARGET_SECONDS = 1.3

#: Runs in the measured interpreter; only the public Eventlet API, so the same for both.
WORKLOAD = r"""
import json, statistics, sys, threading, time, warnings
warnings.simplefilter("ignore")
from eventlet import tpool
from eventlet.greenpool import GreenPool
from eventlet.greenthread import sleep, spawn

calls, runs, with_db = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
tpool.set_num_threads(20)
result = {}

def trivial():
    return None

def one_caller(n):
    execute = tpool.execute
    started = time.perf_counter()
    for _ in range(n):
        execute(trivial)
    return n / (time.perf_counter() - started)

def many_callers(n, callers=20):
    per = n // callers
    def loop():
        execute = tpool.execute
        for _ in range(per):
            execute(trivial)
    pool = GreenPool(callers)
    started = time.perf_counter()
    for _ in range(callers):
        pool.spawn(loop)
    pool.waitall()
    return per * callers / (time.perf_counter() - started)

one_caller(calls // 10)
result["one_caller"] = max(one_caller(calls) for _ in range(runs))
many_callers(calls // 10)
result["twenty_callers"] = max(many_callers(calls) for _ in range(runs))

# Jitter: how late a green thread's sleep(1 ms) returns while 20 pool threads are busy,
# with pure-Python work (holding the GIL) or with C work that releases it (hashing).
import hashlib
chunk = b"x" * (1 << 20)
def python_work():
    sum(range(2000))
def c_work():
    hashlib.sha256(chunk).digest()
for name, work in (("jitter_python_ms", python_work), ("jitter_c_ms", c_work)):
    stop = threading.Event()
    def busy():
        while not stop.is_set():
            work()
    workers = [spawn(tpool.execute, busy) for _ in range(20)]
    sleep(0.05)
    lateness = []
    for _ in range(200):
        started = time.perf_counter()
        sleep(0.001)
        lateness.append((time.perf_counter() - started - 0.001) * 1000)
    stop.set()
    for worker in workers:
        worker.wait()
    lateness.sort()
    result[name] = {
        "median": statistics.median(lateness),
        "p99": lateness[int(len(lateness) * 0.99)],
        "max": lateness[-1],
    }

if with_db:
    try:
        import psycopg2
    except ImportError:
        result["pg_sleep"] = None
    else:
        from eventlet import db_pool
        pool = db_pool.TpooledConnectionPool(
            psycopg2, 0, 20, 10, 30, 5,
            host="127.0.0.1", port=5432, user="postgres", dbname="test",
        )
        def nap(seconds):
            conn = pool.get()
            try:
                cursor = conn.cursor()
                cursor.execute("select pg_sleep(%s)", (seconds,))
                cursor.fetchall()
            finally:
                pool.put(conn)
        green = GreenPool(20)
        list(green.imap(nap, [0] * 20))  # connect all 20 first
        best = None
        for _ in range(runs):
            started = time.perf_counter()
            list(green.imap(nap, [1] * 20))
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        result["pg_sleep"] = best
        pool.clear()

print(json.dumps(result))
"""


def ours_env() -> dict[str, str]:
    """The environment that makes the working tree's packages importable."""
    env = dict(os.environ)
    sources = sorted(str(p) for p in (REPO / "packages").glob("*/src") if p.is_dir())
    if env.get("PYTHONPATH"):
        sources.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(sources)
    for name in ("EVENTLET_THREADPOOL_SIZE", "EVENTLET_HUB"):
        env.pop(name, None)
    return env


def measure(python: str, env: dict[str, str] | None, args: argparse.Namespace) -> dict[str, Any]:
    """Run the workload in ``python`` and return its results."""
    command = [python, "-c", WORKLOAD, str(args.calls), str(args.runs), "0" if args.no_db else "1"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{python} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The best of several rounds: highest rates, shortest times, median lateness."""
    best: dict[str, Any] = {
        "one_caller": max(r["one_caller"] for r in rounds),
        "twenty_callers": max(r["twenty_callers"] for r in rounds),
    }
    for key in ("jitter_python_ms", "jitter_c_ms"):
        best[key] = {
            stat: statistics.median(r[key][stat] for r in rounds)
            for stat in ("median", "p99", "max")
        }
    if "pg_sleep" in rounds[0]:
        times = [r["pg_sleep"] for r in rounds if r.get("pg_sleep") is not None]
        best["pg_sleep"] = min(times) if times else None
    return best


def main() -> None:
    """Measure both implementations and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=50_000, help="calls per timed run")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per process")
    parser.add_argument(
        "--rounds", type=int, default=3, help="processes per implementation, taking turns"
    )
    parser.add_argument("--ours-python", default=sys.executable)
    parser.add_argument("--eventlet-python", default=str(DEFAULT_EVENTLET_PYTHON))
    parser.add_argument("--no-db", action="store_true", help="skip the PostgreSQL line")
    parser.add_argument("--only", choices=["ours", "eventlet"])
    args = parser.parse_args()

    impls: dict[str, tuple[str, dict[str, str] | None]] = {}
    if args.only in (None, "ours"):
        impls["ours"] = (args.ours_python, ours_env())
    if args.only in (None, "eventlet"):
        if not Path(args.eventlet_python).exists():
            raise SystemExit(
                f"no upstream interpreter at {args.eventlet_python}: create it with "
                "python3 -m venv /tmp/bench-eventlet && "
                "/tmp/bench-eventlet/bin/pip install eventlet==0.41.3 psycopg2-binary, "
                "then pass --eventlet-python /tmp/bench-eventlet/bin/python"
            )
        impls["eventlet"] = (args.eventlet_python, None)
    # The implementations take turns, round after round, so that a busy spell of the machine
    # does not fall on one of them only; each keeps its best round.
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in impls}
    for _ in range(args.rounds):
        for name, (python, env) in impls.items():
            rounds[name].append(measure(python, env, args))
    results = {name: combine(found) for name, found in rounds.items()}

    names = list(results)
    print(f"{'':28}" + "".join(f"{name:>14}" for name in names) + "     ratio  target")

    def row(label: str, values: list[Any], fmt: str, ratio: str = "", target: str = "") -> None:
        cells = "".join(f"{format(v, fmt) if v is not None else 'n/a':>14}" for v in values)
        print(f"{label:28}{cells}  {ratio:>8}  {target}")

    for key, label in (
        ("one_caller", "execute/s, one caller"),
        ("twenty_callers", "execute/s, 20 callers"),
    ):
        values = [results[n][key] for n in names]
        ratio = target = ""
        if len(names) == 2:
            speedup = values[0] / values[1]
            ratio = f"{speedup:.2f}x"
            verdict = "met" if speedup >= RATE_TARGET else "NOT met"
            target = f">= {RATE_TARGET:g}x upstream: {verdict}"
        row(label, values, ",.0f", ratio, target)
    for key, work in (("jitter_python_ms", "Python"), ("jitter_c_ms", "C")):
        for stat in ("median", "p99", "max"):
            label = f"late ms, {work} work, {stat}"
            row(label, [results[n][key][stat] for n in names], ".2f")
    if "pg_sleep" in results.get(names[0], {}):
        values = [results[n].get("pg_sleep") for n in names]
        ours = values[0]
        target = ""
        if ours is not None:
            verdict = "met" if ours < PG_TARGET_SECONDS else "NOT met"
            target = f"ours < {PG_TARGET_SECONDS:g} s: {verdict}"
        row("20 x pg_sleep(1), seconds", values, ".3f", "", target)


if __name__ == "__main__":
    main()
