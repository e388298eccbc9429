#!/usr/bin/env python3
"""Run CPython's own test modules under ``eventlet.monkey_patch()`` and compare with no patching.

Usage (the nox session ``stdlib`` runs it in a venv with every distribution installed)::

    python tools/stdlib_tests.py [--mode both|patched|plain] [--modules test_queue ...]
                                 [--timeout SECONDS] [--test-timeout SECONDS]
                                 [--logdir DIR] [--json FILE] [--write-docs]

Each test module of the interpreter's ``test`` package runs in a process of its own, with a
time limit, through unittest (not regrtest): once as it is ("plain") and once after
``monkey_patch()`` ("patched"). Of the resources regrtest guards, only "network" is on (the
tests use loopback servers; those that would reach the Internet skip themselves when it is
out of reach, as here). Each process writes one line per finished test
to a file, so a module that hangs still reports what ran before the hang. A test that runs
longer than ``--test-timeout`` is stopped (a watchdog OS thread signals the main thread, whose
handler prints every greenlet's stack and raises in the main greenlet) and counts as an
error; a module that outlives ``--timeout`` prints every greenlet's stack and is killed.

The table printed at the end gives ran/ok/fail/error/skip per module and mode. A test that is
ok plain and not ok patched is a regression, unless tools/stdlib_known_failures.txt lists it
(with the reason it cannot hold under green threads). The exit status is 1 if any module hangs,
a test times out, or a test regresses beyond that list, so the session fails.

Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

REPO = pathlib.Path(__file__).resolve().parent.parent
KNOWN_FAILURES = REPO / "tools" / "stdlib_known_failures.txt"
DOCS_FILE = REPO / "docs" / "stdlib.md"

MODULES = [
    "test_queue",
    "test_threading",
    "test_thread",
    "test_threading_local",
    "test_socket",
    "test_select",
    "test_selectors",
    "test_subprocess",
    "test_httplib",
    "test_urllib2_localnet",
    "test_socketserver",
    "test_ftplib",
    "test_ssl",
    "test_timeout",
    "test_time",
    "test_os",
    "test_logging",
    "test_asyncore",
]

OUTCOMES = ("ok", "fail", "error", "skip")

# The child process: patch (or not), load the module's tests, run them, record each outcome.
CHILD = r"""
import _thread, fnmatch, json, os, signal, sys, time, unittest
mode, module, out_path, test_timeout = sys.argv[1:5]
# Taken before patching: the watchdog below is a real OS thread, sleeping for real.
real_start_thread, real_sleep, real_clock = _thread.start_new_thread, time.sleep, time.monotonic
main_thread_id = _thread.get_ident()
# Started from a background job, the process inherits SIGINT ignored, and Python then leaves
# it so: give it the handler it has when run from a terminal (tests of interrupt_main need it).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
if mode == "patched":
    from eventlet.patcher import monkey_patch
    monkey_patch()
def dump_stacks(signum, frame):
    # Sent by the runner before it kills a hung module: where every green thread waits.
    import gc, traceback
    print("\n=== timed out: stack of every greenlet ===", file=sys.stderr)
    try:
        from greenlet import greenlet
    except ImportError:
        greenlet = None
    traceback.print_stack(frame, file=sys.stderr)
    for obj in gc.get_objects() if greenlet else ():
        if isinstance(obj, greenlet) and obj.gr_frame is not None:
            print(f"--- {obj!r}", file=sys.stderr)
            traceback.print_stack(obj.gr_frame, file=sys.stderr)
    sys.stderr.flush()
    # And the child processes still running, with the files they hold.
    # (os.system blocks for real: this may run in the hub, where nothing green can wait.)
    me = os.getpid()
    os.system(f"(ps -o pid,ppid,stat,args --ppid {me}; ls -l /proc/{me}/fd "
              f"$(pgrep -P {me} | sed 's|.*|/proc/&/fd|')) >&2")
signal.signal(signal.SIGUSR1, dump_stacks)

class TestTimedOut(SystemExit):
    # A SystemExit, so that a hub that catches it in its loop hands it to the main greenlet,
    # where the test runs; unittest records it as the test's error and goes on.
    pass

def on_test_timeout(signum, frame):
    fired[0] += 1
    if fired[0] == 1:
        dump_stacks(signum, frame)
    exc = TestTimedOut(f"the test did not finish in {test_timeout} seconds")
    try:
        from greenlet import getcurrent
    except ImportError:
        raise exc from None
    # The handler runs in whichever greenlet was running: the test runs in the main one.
    current = main = getcurrent()
    while main.parent is not None:
        main = main.parent
    if current is main:
        raise exc
    if fired[0] == 1 and mode == "patched":
        from eventlet.hubs import get_hub
        hub = get_hub()
        if current is not hub.greenlet:
            # Another green thread: let it go on (a server loop, say, that the test's
            # tearDown will stop), and have the hub raise in the main one next.
            hub.schedule_call_global(0, main.throw, exc)
            return
    # The hub (it goes on when the main greenlet next waits), or a second try: a green
    # thread stuck in C code never lets the hub run, so it is left where it is.
    main.throw(exc)

signal.signal(signal.SIGUSR2, on_test_timeout)
deadline = [None]
fired = [0]

def watchdog():
    # One test that hangs must not lose the rest of its module: past its deadline, the
    # main thread gets SIGUSR2 (once), whose handler raises TestTimedOut in it.
    while True:
        real_sleep(0.5)
        if deadline[0] is not None and real_clock() > deadline[0]:
            # Once more 5 seconds later, if the first signal did not end the test.
            deadline[0] = real_clock() + 5 if not fired[0] else None
            signal.pthread_kill(main_thread_id, signal.SIGUSR2)

real_start_thread(watchdog, ())
import test.support
test.support.use_resources = ["network"]  # loopback servers; no cpu-hungry tests
out = open(out_path, "a", buffering=1)

def record(test, outcome):
    out.write(json.dumps([test.id(), outcome]) + "\n")

class Recorder(unittest.TextTestResult):
    def startTest(self, test):
        fired[0] = 0
        deadline[0] = real_clock() + float(test_timeout)
        super().startTest(test)
    def stopTest(self, test):
        deadline[0] = None
        super().stopTest(test)
    def addSuccess(self, test):
        super().addSuccess(test); record(test, "ok")
    def addFailure(self, test, err):
        super().addFailure(test, err); record(test, "fail")
    def addError(self, test, err):
        if issubclass(err[0], TestTimedOut):
            record(test, "timeout")
        super().addError(test, err); record(test, "error")
    def addSkip(self, test, reason):
        super().addSkip(test, reason); record(test, "skip")
    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err); record(test, "ok")
    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test); record(test, "fail")
    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            record(test, "fail" if failed else "error")

not_run = json.loads(os.environ.get("STDLIB_TESTS_NOT_RUN", "[]"))
if mode == "patched":
    not_run += json.loads(os.environ.get("STDLIB_TESTS_HANG", "[]"))

def without(suite):
    # Leave out the tests that cannot run on this machine at all (see not_run in the list).
    kept = unittest.TestSuite()
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            kept.addTest(without(item))
        elif not any(fnmatch.fnmatchcase(item.id(), p) for p in not_run):
            kept.addTest(item)
    return kept

try:
    suite = without(unittest.defaultTestLoader.loadTestsFromName("test." + module))
except unittest.SkipTest as exc:
    print("module skipped:", exc)
    sys.exit(0)
runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=Recorder)
runner.run(suite)
out.write(json.dumps(["", "done"]) + "\n")
out.close()
sys.stdout.flush(); sys.stderr.flush()
# No waiting at exit for threads a timed-out test left stuck for ever.
os._exit(0)
"""


@dataclass
class ModuleRun:
    """The outcome of one test module in one mode."""

    module: str
    mode: str
    results: dict[str, str] = field(default_factory=dict)
    finished: bool = False
    hung: bool = False
    seconds: float = 0.0
    missing: bool = False
    timed_out: list[str] = field(default_factory=list)  # tests stopped by the per-test limit

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.results.values() if value == outcome)

    @property
    def status(self) -> str:
        if self.missing:
            return "absent"
        if self.hung:
            return "HANG"
        return "done" if self.finished else "CRASH"


def module_exists(python: str, module: str) -> bool:
    """Whether the interpreter's test package has ``module``."""
    code = (
        f"import importlib.util, sys; sys.exit(importlib.util.find_spec('test.{module}') is None)"
    )
    return subprocess.run([python, "-c", code], check=False).returncode == 0


def run_module(
    python: str,
    module: str,
    mode: str,
    timeout: float,
    logdir: pathlib.Path,
    not_run: list[str],
    hang: list[str] = (),  # type: ignore[assignment]
    test_timeout: float = 60.0,
) -> ModuleRun:
    """Run one test module in a fresh process, killing it (and its children) after ``timeout``."""
    run = ModuleRun(module, mode)
    if not module_exists(python, module):
        run.missing = True
        return run
    out_path = logdir / f"{module}.{mode}.jsonl"
    out_path.unlink(missing_ok=True)
    log = open(logdir / f"{module}.{mode}.log", "wb")
    started = time.monotonic()
    env = dict(
        os.environ,
        PYTHONUNBUFFERED="1",
        STDLIB_TESTS_NOT_RUN=json.dumps(not_run),
        STDLIB_TESTS_HANG=json.dumps(list(hang)),
    )
    process = subprocess.Popen(
        [python, "-c", CHILD, mode, module, str(out_path), str(test_timeout)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tempfile.mkdtemp(prefix=f"{module}-"),
        env=env,
        start_new_session=True,  # so a timeout kills the tests' own children too
    )
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        run.hung = True
        try:
            process.send_signal(signal.SIGUSR1)  # the child prints every greenlet's stack
            process.wait(5)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the whole group is gone already
        process.wait()
    finally:
        log.close()
    run.seconds = time.monotonic() - started
    if out_path.exists():
        for line in out_path.read_text().splitlines():
            test_id, outcome = json.loads(line)
            if outcome == "done":
                run.finished = True
            elif outcome == "timeout":
                run.timed_out.append(test_id)
            elif run.results.get(test_id) not in ("fail", "error"):
                run.results[test_id] = outcome  # a failing subtest makes the test fail
    if not run.hung and process.returncode == 0 and not run.results:
        run.finished = True  # the whole module skipped itself
    return run


def load_known_failures(
    path: pathlib.Path,
) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Read the list: ``pattern  # reason`` lines, tests that cannot hold under green threads;
    ``hang pattern  # reason`` lines, such tests that would block the only OS thread for good
    (left out of the patched run, and excused); ``bug pattern  # reason`` lines, tests that
    hang patched because of a bug of ours not fixed yet (left out of the patched run, to save
    the per-test time limit, but still counted as regressions); and ``not-run pattern  #
    reason`` lines, tests that cannot run on this machine at all (they hang or need hardware
    even without patching), left out of both modes."""
    known, not_run, hang = [], [], []
    for line in path.read_text().splitlines() if path.exists() else []:
        pattern, _, reason = line.partition("#")
        pattern = pattern.strip()
        if pattern.startswith("not-run "):
            not_run.append(pattern.removeprefix("not-run ").strip())
        elif pattern.startswith("hang "):
            pattern = pattern.removeprefix("hang ").strip()
            hang.append(pattern)
            known.append((pattern, reason.strip()))
        elif pattern.startswith("bug "):
            hang.append(pattern.removeprefix("bug ").strip())  # not run, and not excused
        elif pattern:
            known.append((pattern, reason.strip()))
    return known, not_run, hang


def regressions(plain: ModuleRun, patched: ModuleRun, known: list[tuple[str, str]]) -> list[str]:
    """Tests ok without patching and not ok with it, that the known list does not excuse."""
    lost = [t for t, o in plain.results.items() if o == "ok" and patched.results.get(t) != "ok"]
    return [t for t in lost if not any(fnmatch.fnmatchcase(t, p) for p, _ in known)]


def table(runs: dict[tuple[str, str], ModuleRun], modes: list[str]) -> list[str]:
    """The results as Markdown table rows."""
    header = (
        "| module | " + " | ".join(f"{m}: ran / ok / fail / error / skip" for m in modes) + " |"
    )
    lines = [header, "|" + " --- |" * (1 + len(modes))]
    totals = {m: [0] * 5 for m in modes}
    for module in sorted({k[0] for k in runs}):
        cells = []
        for mode in modes:
            run = runs[(module, mode)]
            if run.missing:
                cells.append("not in this Python")
                continue
            counts = [len(run.results), *(run.count(o) for o in OUTCOMES)]
            totals[mode] = [a + b for a, b in zip(totals[mode], counts, strict=True)]
            note = "" if run.status == "done" else f" **{run.status}**"
            cells.append(" / ".join(str(c) for c in counts) + note)
        lines.append(f"| {module} | " + " | ".join(cells) + " |")
    lines.append(
        "| **total** | " + " | ".join(" / ".join(str(c) for c in totals[m]) for m in modes) + " |"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter to test")
    parser.add_argument("--mode", choices=["both", "patched", "plain"], default="both")
    parser.add_argument("--modules", nargs="+", default=MODULES)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per module")
    parser.add_argument(
        "--test-timeout", type=float, default=60.0, help="seconds per test (then: an error)"
    )
    parser.add_argument("--logdir", type=pathlib.Path, default=None)
    parser.add_argument("--json", type=pathlib.Path, help="write every outcome to this file")
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS_FILE.name}")
    args = parser.parse_args()

    modes = ["plain", "patched"] if args.mode == "both" else [args.mode]
    logdir = args.logdir or pathlib.Path(tempfile.mkdtemp(prefix="stdlib-tests-"))
    logdir.mkdir(parents=True, exist_ok=True)
    known, not_run, hang = load_known_failures(KNOWN_FAILURES)
    runs: dict[tuple[str, str], ModuleRun] = {}
    for module in args.modules:
        for mode in modes:
            run = run_module(
                args.python, module, mode, args.timeout, logdir, not_run, hang, args.test_timeout
            )
            runs[(module, mode)] = run
            print(
                f"{module:24} {mode:8} {run.status:6} {len(run.results):5} ran "
                + " ".join(f"{run.count(o):4} {o}" for o in OUTCOMES)
                + f"  {run.seconds:6.1f}s",
                flush=True,
            )

    lines = table(runs, modes)
    print("\n" + "\n".join(lines))
    failed = [
        f"{k[0]} ({k[1]}) {r.status}" for k, r in runs.items() if r.status in ("HANG", "CRASH")
    ]
    for (_, mode), run in runs.items():
        for test_id in dict.fromkeys(run.timed_out):
            if not any(fnmatch.fnmatchcase(test_id, p) for p, _ in known):
                failed.append(f"timed out ({mode}): {test_id}")
    if args.mode == "both":
        for module in args.modules:
            lost = regressions(runs[(module, "plain")], runs[(module, "patched")], known)
            for test_id in lost:
                failed.append(f"regression: {test_id}")
    print(f"\nlogs in {logdir}")
    if args.json:
        args.json.write_text(
            json.dumps({f"{m}:{mode}": r.results for (m, mode), r in runs.items()}, indent=1)
        )
    if args.write_docs:
        version = subprocess.run(
            [args.python, "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        write_docs(lines, version)
    for problem in failed:
        print(problem)
    return 1 if failed else 0


def write_docs(lines: list[str], version: str) -> None:
    """Put the table into docs/stdlib.md between its markers."""
    begin, end = "<!-- stdlib-table begin -->", "<!-- stdlib-table end -->"
    text = DOCS_FILE.read_text() if DOCS_FILE.exists() else f"{begin}\n{end}\n"
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    body = f"Python {version}, `nox -s stdlib`:\n\n" + "\n".join(lines)
    DOCS_FILE.write_text(f"{head}{begin}\n{body}\n{end}{tail}")


if __name__ == "__main__":
    sys.exit(main())
