"""mypy --strict on small user programs sees precise types, not Any, from each wheel.

Three installs are checked, each with MYPYPATH set to just those distributions' src folders
(what a user of one wheel and its dependencies has): (a) eventlet-hub alone, (b)
eventlet-primitives with eventlet-hub, (c) everything with the meta-package. Each program
uses ``reveal_type`` and the test compares what mypy reveals, line by line, and requires
that mypy reports no error (``--strict`` includes ``--disallow-any-expr``-free checks of
untyped calls; ``Any`` leaking into a revealed type would show in the comparison).
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "packages" / "eventlet-hub" / "src"
PRIMITIVES = ROOT / "packages" / "eventlet-primitives" / "src"
GREEN = ROOT / "packages" / "eventlet-green" / "src"
META = ROOT / "packages" / "eventlet" / "src"

HUB_PROGRAM = """
from eventlet.event import Event
from eventlet.greenthread import GreenThread, sleep, spawn, spawn_after
from eventlet.hubs import get_hub
from eventlet.hubs.hub import BaseHub
from eventlet.timeout import Timeout, with_timeout


def double(x: int) -> int:
    return 2 * x


def name(x: int, suffix: str = "") -> str:
    return f"{x}{suffix}"


hub = get_hub()
reveal_type(hub)  # R: eventlet.hubs.hub.BaseHub
thread = spawn(double, 21)
reveal_type(thread)  # R: eventlet.greenthread.GreenThread[builtins.int]
reveal_type(thread.wait())  # R: builtins.int
later = spawn_after(0.01, name, 1, suffix="s")
reveal_type(later.wait())  # R: builtins.str
reveal_type(with_timeout(1, double, 2))  # R: builtins.int
with Timeout(1) as timeout:
    reveal_type(timeout)  # R: eventlet.timeout.Timeout
sleep(0)
evt = Event()
evt.send(1)
"""

PRIMITIVES_PROGRAM = """
from collections.abc import Iterator

from eventlet.greenpool import GreenPile, GreenPool
from eventlet.greenthread import spawn
from eventlet.hubs import get_hub
from eventlet.lock import Lock
from eventlet.queue import LifoQueue, LightQueue, PriorityQueue, Queue
from eventlet.semaphore import BoundedSemaphore, CappedSemaphore, Semaphore


def double(x: int) -> int:
    return 2 * x


def join(a: int, b: str) -> str:
    return f"{a}{b}"


reveal_type(get_hub())  # R: eventlet.hubs.hub.BaseHub
q: Queue[int] = Queue()
q.put(1)
reveal_type(q.get())  # R: builtins.int
reveal_type(q.get_nowait)  # R: def () -> builtins.int
light: LightQueue[str] = LightQueue(2)
light.put("a")
reveal_type(light.get(timeout=1))  # R: builtins.str
prio: PriorityQueue[tuple[int, str]] = PriorityQueue()
prio.put((1, "x"))
reveal_type(prio.get())  # R: tuple[builtins.int, builtins.str]
lifo: LifoQueue[bytes] = LifoQueue()
lifo.put(b"x")
reveal_type(lifo.get())  # R: builtins.bytes
reveal_type(Semaphore(2).acquire())  # R: builtins.bool
reveal_type(BoundedSemaphore().acquire(timeout=1))  # R: builtins.bool
reveal_type(CappedSemaphore(1, 2).release())  # R: builtins.bool
reveal_type(Lock().acquire())  # R: builtins.bool
pool = GreenPool(10)
reveal_type(pool.spawn(double, 2))  # R: eventlet.greenthread.GreenThread[builtins.int]
for doubled in pool.imap(double, [1, 2]):
    reveal_type(doubled)  # R: builtins.int
for joined in pool.imap(join, [1], ["a"]):
    reveal_type(joined)  # R: builtins.str
for pair in pool.imap(None, [1], ["a"]):
    reveal_type(pair)  # R: builtins.tuple[Any, ...]
results: Iterator[int] = pool.imap(double, [3])
pile: GreenPile[int] = GreenPile(pool)
pile.spawn(double, 3)
for result in pile:
    reveal_type(result)  # R: builtins.int
reveal_type(spawn(q.get).wait())  # R: builtins.int
"""

EVERYTHING_PROGRAM = """
import eventlet
from eventlet.green import socket


def double(x: int) -> int:
    return 2 * x


reveal_type(eventlet.spawn(double, 1).wait())  # R: builtins.int
q: eventlet.Queue[int] = eventlet.Queue()
q.put(3)
reveal_type(q.get())  # R: builtins.int
reveal_type(eventlet.Semaphore().acquire())  # R: builtins.bool
reveal_type(eventlet.hubs.get_hub())  # R: eventlet.hubs.hub.BaseHub
pool = eventlet.GreenPool()
for value in pool.imap(double, [1]):
    reveal_type(value)  # R: builtins.int
sock = socket.socket()
sock.close()
"""


def _mypy(tmp_path: Path, program: str, portions: list[Path], cache: Path) -> list[str]:
    """Run mypy --strict on ``program``; return its output lines."""
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.fail(
            f"mypy is needed for this test and is not importable by {sys.executable}: "
            "install it (pip install mypy) in the environment that runs the tests"
        )
    source = tmp_path / "user_program.py"
    source.write_text(textwrap.dedent(program))
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n")  # not the repository's settings: a user's, bare
    env = {
        "MYPYPATH": ":".join(str(p) for p in portions),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(config),
            "--cache-dir",
            str(cache),
            "--no-error-summary",
            "--hide-error-context",
            "--show-absolute-path",
            str(source),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=55,
    )
    return (result.stdout + result.stderr).splitlines()


def _normal(revealed: str) -> str:
    # mypy versions differ in spelling builtins ("builtins.int" or "int") and in marking
    # inferred types ("int?"): compare without either.
    return revealed.replace("builtins.", "").replace("?", "")


def _check(tmp_path: Path, program: str, portions: list[Path], cache: Path) -> None:
    output = _mypy(tmp_path, program, portions, cache)
    source = str(tmp_path / "user_program.py")
    lines = textwrap.dedent(program).splitlines()
    expected = {
        number: _normal(line.split("# R: ", 1)[1].strip())
        for number, line in enumerate(lines, start=1)
        if "# R: " in line
    }
    revealed: dict[int, str] = {}
    problems: list[str] = []
    for line in output:
        match = re.match(re.escape(source) + r":(\d+): note: Revealed type is \"(.*)\"$", line)
        if match:
            revealed[int(match.group(1))] = _normal(match.group(2))
        elif line.strip():
            problems.append(line)
    assert problems == [], "mypy --strict reported:\n" + "\n".join(problems)
    assert revealed == expected


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the three runs: the standard library is analysed once."""
    return tmp_path_factory.mktemp("mypy-cache")


def test_hub_alone(tmp_path: Path, mypy_cache: Path) -> None:
    _check(tmp_path, HUB_PROGRAM, [HUB], mypy_cache)


def test_primitives_with_their_dependencies(tmp_path: Path, mypy_cache: Path) -> None:
    _check(tmp_path, PRIMITIVES_PROGRAM, [PRIMITIVES, HUB], mypy_cache)


def test_everything(tmp_path: Path, mypy_cache: Path) -> None:
    _check(tmp_path, EVERYTHING_PROGRAM, [META, HUB, PRIMITIVES, GREEN], mypy_cache)
