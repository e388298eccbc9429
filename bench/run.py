"""Side-by-side benchmark of our eventlet, upstream eventlet and gevent.

Run from the repository root (the nox session ``bench`` calls it)::

    python bench/run.py [--quick] [--only NAME ...] [--impls ours,eventlet,gevent] [--write-docs]

It keeps one virtual environment per implementation under ``.bench-venvs/`` (created on first
use, reused after): ``ours`` gets greenlet and real, non-editable installs of our packages
(reinstalled on every run, so the working tree is what gets measured), ``eventlet`` gets
upstream eventlet and ``gevent`` gets gevent, at the pinned versions below.  Each workload of
``bench/workloads.py`` then runs in a fresh process of each environment's Python, and the
results are printed as a table, with the project's targets and whether they are met.
``--write-docs`` also writes the table to ``docs/benchmarks.md``.

Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import workloads

REPO = Path(__file__).resolve().parent.parent
VENVS = REPO / ".bench-venvs"
WORKLOADS_SCRIPT = REPO / "bench" / "workloads.py"
DOCS_FILE = REPO / "docs" / "benchmarks.md"
RAW_RESULTS = REPO / "bench" / "results" / "last-run.json"
DOCS_COMMAND = "nox -s bench -- --write-docs"

#: Our distributions, installed (in this order) into the ``ours`` environment.
OUR_PACKAGES = (
    "packages/eventlet-hub",
    "packages/eventlet-primitives",
    "packages/eventlet-green",
    "packages/eventlet-patcher",
    "packages/eventlet-tpool",
    "packages/eventlet-dbpool",
    "packages/eventlet-wsgi",
    "packages/eventlet-websocket",
    "packages/eventlet-dagpool",
    "packages/eventlet-backdoor",
    "packages/eventlet",
)
#: The peers, pinned: ``impl name -> (distribution, version)``.
PEERS = {"eventlet": ("eventlet", "0.41.3"), "gevent": ("gevent", "26.9.0")}
IMPL_LABELS = {"ours": "ours", "eventlet": "upstream eventlet", "gevent": "gevent"}
#: Seconds one workload process may run before it is counted as failed.
WORKLOAD_TIMEOUT = 600


@dataclass(frozen=True)
class Target:
    """A goal from the project issue: ours compared with one peer on one workload.

    For time workloads the goal is a speed-up (peer time / our time) of at least ``bound``;
    for memory it is a ratio (our bytes / peer bytes) of at most ``bound``.
    """

    workload: str
    peer: str
    bound: float

    def describe(self) -> str:
        """The target in words, as printed in the table."""
        if workloads.WORKLOADS[self.workload].memory:
            return f"≤ {self.bound:g}x {self.peer}"
        return f"≥ {self.bound:g}x faster than {self.peer}"


def by_workload(targets: Iterable[Target]) -> dict[str, tuple[Target, ...]]:
    """Group ``targets`` by workload, keeping their order (a workload may have several)."""
    grouped: dict[str, tuple[Target, ...]] = {}
    for target in targets:
        grouped[target.workload] = (*grouped.get(target.workload, ()), target)
    return grouped


TARGETS = by_workload((
    Target("sleep0", "gevent", 2.0),
    Target("queue_roundtrip", "gevent", 1.5),
    Target("spawn_join", "eventlet", 2.0),
    Target("timeout", "gevent", 1.5),
    Target("memory_blocked", "eventlet", 0.8),
    Target("tcp_echo", "gevent", 1.3),
    Target("tcp_echo", "eventlet", 1.5),
))


class SetupError(RuntimeError):
    """A virtual environment could not be created or filled."""


# --------------------------------------------------------------------------- environments


def log(message: str) -> None:
    """Progress message on stderr (stdout carries the table)."""
    print(message, file=sys.stderr, flush=True)


def venv_python(impl: str) -> Path:
    """The Python interpreter of the environment for ``impl``."""
    return VENVS / impl / "bin" / "python"


def run_quietly(command: Sequence[str | os.PathLike[str]], what: str) -> None:
    """Run ``command`` with its output captured; on failure raise SetupError showing it."""
    done = subprocess.run(
        [str(part) for part in command], cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise SetupError(f"{what} failed (exit {done.returncode}):\n{tail}")


def pip_install(impl: str, *args: str) -> None:
    """``pip install ARGS`` inside the environment for ``impl``."""
    command = [str(venv_python(impl)), "-m", "pip", "install", "--disable-pip-version-check"]
    run_quietly([*command, "-q", *args], f"pip install {' '.join(args)} into {impl}")


INSPECT_SCRIPT = """
import importlib.metadata as metadata, json, sys
dists = {}
for name in sys.argv[1:]:
    try:
        dists[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        dists[name] = None
print(json.dumps({"python": list(sys.version_info[:2]), "dists": dists}))
"""


def installed_versions(impl: str, names: Iterable[str]) -> dict[str, str | None] | None:
    """Versions of ``names`` in the environment, or None if it is unusable or stale."""
    python = venv_python(impl)
    if not python.exists():
        return None
    done = subprocess.run(
        [str(python), "-I", "-c", INSPECT_SCRIPT, *names],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        return None
    facts = json.loads(done.stdout)
    if tuple(facts["python"]) != sys.version_info[:2]:
        return None  # made by another Python: rebuild so all three run the same one
    return dict(facts["dists"])


def ensure_venv(impl: str, requirements: dict[str, str | None]) -> None:
    """Make the environment for ``impl`` exist with ``requirements`` (name -> pinned version).

    A version of None means any version will do.
    """
    versions = installed_versions(impl, requirements)
    if versions is None:
        log(f"creating {VENVS / impl}")
        run_quietly([sys.executable, "-m", "venv", "--clear", VENVS / impl], f"venv {impl}")
        versions = dict.fromkeys(requirements)
    missing = [
        f"{name}=={pin}" if pin else name
        for name, pin in requirements.items()
        if versions.get(name) is None or (pin is not None and versions[name] != pin)
    ]
    if missing:
        log(f"installing {' '.join(missing)} into {impl}")
        pip_install(impl, *missing)


def read_pyproject(package: Path) -> dict[str, Any]:
    """The parsed ``pyproject.toml`` of one of our packages ({} without ``tomllib``)."""
    path = package / "pyproject.toml"
    if not path.exists():
        raise SetupError(f"{path.relative_to(REPO)} does not exist yet")
    if sys.version_info < (3, 11):
        return {}  # no tomllib: fall back to pip's defaults
    import tomllib

    with path.open("rb") as file:
        return tomllib.load(file)


def requirement_name(requirement: str) -> str:
    """The distribution name at the start of a PEP 508 requirement string, normalized."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise SetupError(f"cannot read requirement {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def our_dist_names() -> set[str]:
    """Normalized names of every distribution under ``packages/``."""
    names = set()
    for pyproject in (REPO / "packages").glob("*/pyproject.toml"):
        project = read_pyproject(pyproject.parent).get("project", {})
        names.add(requirement_name(project.get("name", pyproject.parent.name)))
    return names


def setup_ours() -> None:
    """Fill the ``ours`` environment and reinstall our packages from the working tree.

    Third-party dependencies and build requirements come from the packages' pyproject files;
    our own distributions are installed with ``--no-deps``, as real (non-editable) wheels.
    """
    projects = [read_pyproject(REPO / package) for package in OUR_PACKAGES]
    ours = our_dist_names()
    third_party = {"greenlet"}
    build_requires: set[str] = set()
    for project in projects:
        for requirement in project.get("project", {}).get("dependencies", []):
            if requirement_name(requirement) not in ours:
                third_party.add(requirement)
        build_requires.update(project.get("build-system", {}).get("requires", []))
    ensure_venv("ours", {})
    pip_install("ours", *sorted(third_party))
    isolation = []
    if build_requires:
        pip_install("ours", *sorted(build_requires))
        isolation = ["--no-build-isolation"]
    log("installing our packages (non-editable) into ours")
    pip_install("ours", "--force-reinstall", "--no-deps", *isolation, *OUR_PACKAGES)


def setup_environments(impls: Sequence[str]) -> None:
    """Create or refresh the environment of every implementation in ``impls``."""
    VENVS.mkdir(exist_ok=True)
    for impl in impls:
        if impl == "ours":
            setup_ours()
        else:
            dist, version = PEERS[impl]
            ensure_venv(impl, {dist: version})


# --------------------------------------------------------------------------- measuring


def run_workload_once(impl: str, name: str, quick: bool) -> dict[str, Any]:
    """Run one workload in a fresh process of ``impl``'s Python; return its JSON result."""
    command = [str(venv_python(impl)), "-I", str(WORKLOADS_SCRIPT),
               "--impl", impl, "--workload", name]
    if quick:
        command.append("--quick")
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                          timeout=WORKLOAD_TIMEOUT, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-15:])
        raise RuntimeError(f"exit {done.returncode}:\n{tail}")
    if done.stderr.strip():
        log(f"  note: {impl} {name} wrote to stderr:\n{done.stderr.rstrip()}")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError("printed no result")
    result: dict[str, Any] = json.loads(lines[-1])
    module = Path(result["module"])
    if impl != "gevent" and VENVS / impl not in module.parents:
        raise RuntimeError(f"imported eventlet from {module}, outside {VENVS / impl}")
    return result


def run_workload(impl: str, name: str, quick: bool) -> dict[str, Any]:
    """Run a workload in as many processes as it asks for and combine their results.

    Time is the best of the processes; memory is their median.  ``extra`` is the first
    process's; ``process_extras`` holds every process's.
    """
    workload = workloads.WORKLOADS[name]
    results = [run_workload_once(impl, name, quick) for _ in range(workload.processes)]
    values = [result["value"] for result in results]
    combined = dict(results[0])
    combined["value"] = statistics.median(values) if workload.memory else min(values)
    combined["process_values"] = values
    combined["process_extras"] = [result.get("extra", {}) for result in results]
    return combined


def run_all(impls: Sequence[str], names: Sequence[str], quick: bool) -> dict[str, Any]:
    """Run every workload for every implementation; failures are recorded, not raised."""
    results: dict[str, dict[str, Any]] = {name: {} for name in names}
    total = len(impls) * len(names)
    step = 0
    for name in names:
        for impl in impls:
            step += 1
            started = time.monotonic()
            try:
                result = run_workload(impl, name, quick)
            except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as error:
                log(f"[{step}/{total}] {name} {impl}: FAILED: {error}")
                results[name][impl] = {"error": str(error)}
                continue
            results[name][impl] = result
            log(f"[{step}/{total}] {name} {impl}: {format_value(name, result['value'])} "
                f"{result['unit']} ({time.monotonic() - started:.1f} s)")
    return results


# --------------------------------------------------------------------------- reporting


def format_value(name: str, value: float | None) -> str:
    """A measurement with sensible precision (bytes as integers, times to 3 digits)."""
    if value is None:
        return "n/a"
    if workloads.WORKLOADS[name].memory:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value >= 1 else f"{value:.3f}"


def value_of(results: dict[str, Any], name: str, impl: str) -> float | None:
    """The measured value of ``impl`` on ``name``, or None if it was not measured."""
    result = results.get(name, {}).get(impl)
    if not result or "value" not in result:
        return None
    return float(result["value"])


def ratio(results: dict[str, Any], name: str, peer: str) -> float | None:
    """Ours against ``peer``: speed-up (peer/ours) for time, ours/peer for memory."""
    ours, theirs = value_of(results, name, "ours"), value_of(results, name, peer)
    if not ours or not theirs:
        return None
    return ours / theirs if workloads.WORKLOADS[name].memory else theirs / ours


def one_target_status(results: dict[str, Any], target: Target) -> str:
    """Whether ``target`` is met: "met", "missed by N%" or "n/a" (not measured)."""
    achieved = ratio(results, target.workload, target.peer)
    if achieved is None:
        return "n/a"
    if workloads.WORKLOADS[target.workload].memory:
        shortfall = (achieved - target.bound) / target.bound
    else:
        shortfall = (target.bound - achieved) / target.bound
    return "met" if shortfall <= 0 else f"missed by {shortfall:.0%}"


def target_status(results: dict[str, Any], name: str) -> tuple[str, str]:
    """The targets of workload ``name`` in words and whether each is met ("" if none).

    Several targets share the two cells, joined by "; " in the same order; each status then
    names its peer, so that a reader can tell which target it belongs to.
    """
    targets = TARGETS.get(name, ())
    statuses = [one_target_status(results, target) for target in targets]
    if len(targets) > 1:
        statuses = [f"{target.peer}: {status}"
                    for target, status in zip(targets, statuses, strict=True)]
    return "; ".join(target.describe() for target in targets), "; ".join(statuses)


def table_rows(results: dict[str, Any], impls: Sequence[str]) -> list[list[str]]:
    """Header and rows of the results table."""
    peers = [impl for impl in PEERS if impl in impls and "ours" in impls]
    header = ["workload", "unit", *(IMPL_LABELS[impl] for impl in impls)]
    header += [f"vs {peer}" for peer in peers] + ["target", "status"]
    rows = [header]
    for name in results:
        row = [name, workloads.WORKLOADS[name].unit]
        for impl in impls:
            value = value_of(results, name, impl)
            row.append("error" if value is None else format_value(name, value))
        for peer in peers:
            achieved = ratio(results, name, peer)
            row.append("n/a" if achieved is None else f"{achieved:.2f}x")
        row.extend(target_status(results, name))
        rows.append(row)
    return rows


def markdown_table(rows: list[list[str]]) -> str:
    """Rows as a Markdown table, padded so that it also reads well in a terminal.

    Numbers (every column but the first two and the last two) are aligned right.
    """
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    numeric = [2 <= col < len(widths) - 2 for col in range(len(widths))]

    def line(cells: list[str]) -> str:
        padded = [cell.rjust(width) if right else cell.ljust(width)
                  for cell, width, right in zip(cells, widths, numeric, strict=True)]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * (w - 1) + ":" if right else "-" * w
            for w, right in zip(widths, numeric, strict=True)]
    return "\n".join([line(rows[0]), line(rule), *(line(row) for row in rows[1:])])


def legend(quick: bool) -> str:
    """How to read the table."""
    sample = workloads.WORKLOADS["sleep0"]
    repeat = sample.repeat_quick if quick else sample.repeat
    memory = [w for w in workloads.WORKLOADS.values() if w.memory]
    memory_names = " and ".join(w.name for w in memory)
    processes = {w.processes for w in memory}
    median_of = f"{processes.pop()} processes" if len(processes) == 1 else "several processes"
    return (
        "Times are per operation in microseconds, lower is better. Each workload runs in a "
        f"fresh process per implementation: a warm-up pass, then the best of {repeat} timed "
        "runs. For times, `vs X` is the speed-up, X's time / our time (above 1x: ours is "
        f"faster). For {memory_names}, `vs X` is our bytes / X's bytes (below 1x: ours uses "
        f"less), the median of {median_of}. \"missed by N%\" is how far the ratio falls "
        "short of the target, relative to the target."
    )


def notes(results: dict[str, Any], impls: Sequence[str]) -> list[str]:
    """Extra facts worth printing under the table."""
    lines = []
    extras = {impl: results.get("timed_sleeps", {}).get(impl, {}).get("extra", {})
              for impl in impls}
    totals = [f"{IMPL_LABELS[impl]} {extra['total_ms']:.0f} ms"
              for impl, extra in extras.items() if "total_ms" in extra]
    floors = [extra["floor_ms"] for extra in extras.values() if "floor_ms" in extra]
    if totals:
        lines.append(f"timed_sleeps total wall time (best run): {', '.join(totals)}; "
                     f"the longest chain of delays alone is {max(floors):.0f} ms.")
    lines += idle_connection_notes(results, impls)
    for name, by_impl in results.items():
        for impl, result in by_impl.items():
            if "error" in result:
                first = result["error"].strip().splitlines()[-1] if result["error"] else ""
                lines.append(f"{name} failed for {IMPL_LABELS[impl]}: {first}")
    return lines


def idle_connection_notes(results: dict[str, Any], impls: Sequence[str]) -> list[str]:
    """How many connections ``idle_connections`` held and how long establishing them took."""
    lines = []
    measured = {impl: result for impl, result in results.get("idle_connections", {}).items()
                if impl in impls and "process_extras" in result}
    times = []
    for impl, result in measured.items():
        extras = result["process_extras"]
        total_ms = statistics.median(extra["connect_ms"] for extra in extras)
        each_us = statistics.median(extra["connect_us_each"] for extra in extras)
        times.append(f"{IMPL_LABELS[impl]} {total_ms:,.0f} ms ({each_us:.0f} µs each)")
    if times:
        counts = {result["extra"]["connections"] for result in measured.values()}
        count = f"{counts.pop():,}" if len(counts) == 1 else "the"
        lines.append(f"idle_connections: time to establish {count} connections (median of "
                     f"the processes): {', '.join(times)}.")
    notes_seen = {result["extra"]["note"] for result in measured.values()
                  if "note" in result["extra"]}
    lines += [f"idle_connections {note}." for note in sorted(notes_seen)]
    return lines


def versions(results: dict[str, Any], impls: Sequence[str]) -> list[str]:
    """What was measured: each implementation's version and its greenlet's."""
    lines = []
    for impl in impls:
        sample = next((r[impl] for r in results.values() if "version" in r.get(impl, {})), None)
        if sample:
            lines.append(f"{IMPL_LABELS[impl]} {sample['version']} "
                         f"(greenlet {sample['greenlet']}, Python {sample['python']})")
    return lines


def machine() -> list[str]:
    """A short description of this machine."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"CPU: {cpu}",
        f"cores (nproc): {cores}",
        f"Python: {platform.python_version()} ({platform.python_implementation()})",
        f"OS: {platform.system()} {platform.release()}",
    ]


def report(results: dict[str, Any], impls: Sequence[str], quick: bool) -> str:
    """The table, legend, notes and versions as printed on the console."""
    parts = [markdown_table(table_rows(results, impls)), "", legend(quick)]
    parts += ["", *notes(results, impls), *versions(results, impls)]
    return "\n".join(parts)


def docs_page(results: dict[str, Any], impls: Sequence[str]) -> str:
    """The content of ``docs/benchmarks.md``."""
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    described = [f"- `{w.name}`: {w.summary}." for w in workloads.WORKLOADS.values()
                 if w.name in results]
    sections = [
        "# Benchmarks",
        "",
        "Our eventlet measured side by side with upstream eventlet and gevent, each installed "
        "in its own virtual environment and driven through the same workloads "
        "(`bench/workloads.py`): ours and upstream eventlet through the same code, gevent "
        "through its equivalent calls.",
        "",
        "Regenerate this page from the repository root with:",
        "",
        "```sh",
        DOCS_COMMAND,
        "```",
        "",
        "Where a target is missed, [performance.md](performance.md) says by how much and why.",
        "",
        f"## Results ({today})",
        "",
        markdown_table(table_rows(results, impls)),
        "",
        legend(quick=False),
        "",
        *(f"- {line}" for line in notes(results, impls)),
        "",
        "## Machine and versions",
        "",
        *(f"- {line}" for line in machine() + versions(results, impls)),
        "",
        "## Workloads",
        "",
        *described,
        "",
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(sections))


# --------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes and fewer repeats (about a minute)")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=list(workloads.WORKLOADS),
                        help="run only these workloads")
    parser.add_argument("--impls", default=",".join(workloads.IMPLS),
                        help="comma-separated implementations to run (default: all three)")
    parser.add_argument("--no-install", action="store_true",
                        help="use the environments as they are (no pip, no reinstall of ours)")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"also write {DOCS_FILE.relative_to(REPO)} (needs a full run)")
    args = parser.parse_args(argv)
    args.impls = [impl.strip() for impl in args.impls.split(",") if impl.strip()]
    unknown = sorted(set(args.impls) - set(workloads.IMPLS))
    if unknown or not args.impls:
        parser.error(f"--impls takes names from {', '.join(workloads.IMPLS)}; got {unknown}")
    if args.write_docs and (args.quick or args.only
                            or set(args.impls) != set(workloads.IMPLS)):
        parser.error("--write-docs needs a full run: no --quick, --only or --impls")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Set up the environments, run the workloads, print (and maybe write) the results."""
    args = parse_args(argv)
    impls = [impl for impl in workloads.IMPLS if impl in args.impls]
    names = [name for name in workloads.WORKLOADS if not args.only or name in args.only]
    if not args.no_install:
        try:
            setup_environments(impls)
        except SetupError as error:
            log(f"setup failed: {error}")
            return 2
    started = time.monotonic()
    results = run_all(impls, names, args.quick)
    log(f"measured in {time.monotonic() - started:.0f} s")
    RAW_RESULTS.parent.mkdir(exist_ok=True)
    RAW_RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(report(results, impls, args.quick))
    failed = any("error" in result for by_impl in results.values() for result in by_impl.values())
    if args.write_docs:
        if failed:
            log(f"not writing {DOCS_FILE.relative_to(REPO)}: some workloads failed")
            return 1
        DOCS_FILE.parent.mkdir(exist_ok=True)
        DOCS_FILE.write_text(docs_page(results, impls), encoding="utf-8")
        log(f"wrote {DOCS_FILE.relative_to(REPO)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
