"""Build every wheel once and check how the wheels share the ``eventlet`` namespace.

The checks themselves live in tools/check_wheels.py (the ``wheels`` nox session runs it on
wheels built from sdists); here they run on wheels built straight from the working tree, on
hand-made wheels that break one rule each, and on the source tree.
"""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys
import zipfile
from types import ModuleType

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "packages"
DISTRIBUTIONS = sorted(p.name for p in PACKAGES.iterdir() if (p / "pyproject.toml").is_file())
LAYOUT_CHECK = ROOT.parent / "shared" / "tools" / "layout_check.py"


def _load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_eventlet_check_wheels", ROOT / "tools" / "check_wheels.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


check_wheels = _load_checker()


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """Build the wheel of every distribution in packages/ into one folder."""
    out = tmp_path_factory.mktemp("wheels")
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out)]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-build-isolation")  # faster, and needs no network
    subprocess.run([*command, *(str(PACKAGES / d) for d in DISTRIBUTIONS)], check=True, timeout=300)
    return out


def _contents(wheel_dir: pathlib.Path) -> dict[str, set[str]]:
    wheels = [check_wheels.read_wheel(p) for p in sorted(wheel_dir.glob("*.whl"))]
    return {w.name: set(w.files) for w in wheels}


def test_every_distribution_is_built(wheel_dir: pathlib.Path) -> None:
    assert sorted(_contents(wheel_dir)) == DISTRIBUTIONS


def test_built_wheels_follow_the_namespace_rules(wheel_dir: pathlib.Path) -> None:
    wheels, problems, _count = check_wheels.check_wheel_dir(wheel_dir)
    assert problems == []
    assert len({w.version for w in wheels}) == 1


def test_wheel_contents(wheel_dir: pathlib.Path) -> None:
    contents = _contents(wheel_dir)
    assert contents["eventlet"] == {"eventlet/__init__.py"}

    hub_modules = {f"eventlet/{m}.py" for m in ("greenthread", "event", "timeout", "debug")}
    hub = contents["eventlet-hub"]
    # eventlet-hub, which every other distribution needs, ships the namespace's PEP 561
    # marker and eventlet/support/__init__.py (DESIGN.md).
    shared = {"eventlet/py.typed", "eventlet/support/__init__.py", "eventlet/support/greenlets.py"}
    assert hub_modules | shared | {"eventlet/hubs/__init__.py", "eventlet/hubs/py.typed"} <= hub
    assert {f for f in hub if not f.startswith("eventlet/hubs/")} == hub_modules | shared | {
        "eventlet/asyncio.py"
    }

    primitives = ("semaphore", "lock", "queue", "greenpool", "pools", "corolocal", "coros")
    assert contents["eventlet-primitives"] == {f"eventlet/{m}.py" for m in primitives}


def test_check_wheels_command(wheel_dir: pathlib.Path) -> None:
    script = ROOT / "tools" / "check_wheels.py"
    result = subprocess.run(
        [sys.executable, str(script), str(wheel_dir), "--source", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("wheels ok")


def test_source_tree_follows_the_namespace_rules() -> None:
    assert check_wheels.check_source_tree(ROOT) == []
    if LAYOUT_CHECK.is_file():
        result = subprocess.run(
            [sys.executable, str(LAYOUT_CHECK), str(ROOT)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "layout ok" in result.stdout


# Hand-made wheels: a clean set, then one broken rule per case.


def _write_wheel(
    folder: pathlib.Path,
    name: str,
    files: dict[str, str],
    requires: tuple[str, ...] = (),
    version: str = "1.0.0",
) -> None:
    stem = f"{name.replace('-', '_')}-{version}"
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        *(f"Requires-Dist: {r}" for r in requires),
    ]
    with zipfile.ZipFile(folder / f"{stem}-py3-none-any.whl", "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
        archive.writestr(f"{stem}.dist-info/METADATA", "\n".join(metadata) + "\n")


def _clean_set() -> dict[str, dict]:
    return {
        "eventlet-hub": {
            "files": {
                "eventlet/hubs/__init__.py": "from . import hub\nfrom .hub import Hub\n",
                "eventlet/hubs/hub.py": "import greenlet\nfrom ..greenthread import spawn\n",
                "eventlet/greenthread.py": "from eventlet import hubs\nfrom .hubs import hub\n",
                "eventlet/event.py": "from eventlet.hubs import get_hub\n",
                "eventlet/py.typed": "",
                "eventlet/support/__init__.py": "",
            },
            "requires": ("greenlet>=3.0",),
        },
        "eventlet-primitives": {
            "files": {
                "eventlet/queue.py": "import eventlet.hubs\nfrom eventlet.event import Event\n",
            },
            "requires": ("eventlet-hub==1.0.0",),
        },
        "eventlet": {
            "files": {
                "eventlet/__init__.py": "from eventlet.queue import Queue\n",
            },
            "requires": ("eventlet-hub==1.0.0", "eventlet-primitives==1.0.0"),
        },
    }


def _check(tmp_path: pathlib.Path, wheels: dict[str, dict]) -> list[str]:
    for name, spec in wheels.items():
        requires, version = spec.get("requires", ()), spec.get("version", "1.0.0")
        _write_wheel(tmp_path, name, spec["files"], requires, version)
    _wheels, problems, _count = check_wheels.check_wheel_dir(tmp_path)
    return problems


def test_checker_accepts_a_clean_set(tmp_path: pathlib.Path) -> None:
    assert _check(tmp_path, _clean_set()) == []


HUB, PRIMITIVES, META = "eventlet-hub", "eventlet-primitives", "eventlet"

# case -> (wheel, file added to it, the file's text, expected problem)
ADDED_FILES = {
    "file in two wheels": (PRIMITIVES, "eventlet/greenthread.py", "", "shipped by 2 wheels"),
    "namespace __init__ in a sub-wheel": (HUB, "eventlet/__init__.py", "", "only the meta"),
    "shared folder __init__": (
        PRIMITIVES,
        "eventlet/support/__init__.py",
        "",
        "only 'eventlet-hub' may",
    ),
    "namespace marker elsewhere": (PRIMITIVES, "eventlet/py.typed", "", "only 'eventlet-hub' may"),
    "file in the meta-package": (META, "eventlet/data.txt", "", "meta-package ships file"),
    "folder filled by two wheels": (PRIMITIVES, "eventlet/hubs/extra.py", "", "hubs/ is shared"),
    "file outside the namespace": (PRIMITIVES, "tests/test_queue.py", "", "outside eventlet/"),
    "compiled file": (PRIMITIVES, "eventlet/__pycache__/q.cpython-311.pyc", "", "compiled file"),
    "module in the meta-package": (META, "eventlet/extra.py", "", "meta-package ships module"),
    "undeclared dependency": (
        HUB,
        "eventlet/debug.py",
        "from eventlet.queue import Queue\n",
        "imports eventlet.queue from eventlet-primitives, which eventlet-hub does not declare",
    ),
    "undeclared dependency, relative": (
        HUB,
        "eventlet/hubs/timer.py",
        "from .. import queue\n",
        "imports eventlet.queue from eventlet-primitives",
    ),
    "meta-package name": (
        PRIMITIVES,
        "eventlet/lock.py",
        "from eventlet import spawn\n",
        "uses the meta-package (eventlet.spawn)",
    ),
    "meta-package module": (
        PRIMITIVES,
        "eventlet/lock.py",
        "import eventlet\n",
        "uses the meta-package (eventlet)",
    ),
    "module nobody ships": (
        PRIMITIVES,
        "eventlet/lock.py",
        "import eventlet.green.socket\n",
        "imports eventlet.green.socket, which no wheel here ships",
    ),
}

# case -> (wheel, metadata changed, its new value, expected problem)
CHANGED_METADATA = {
    "different versions": (PRIMITIVES, "version", "1.0.1", "different versions"),
    "inexact pin": (
        PRIMITIVES,
        "requires",
        ("eventlet-hub>=1.0",),
        "it must pin the exact version: eventlet-hub==1.0.0",
    ),
    "meta-package misses a distribution": (
        META,
        "requires",
        ("eventlet-hub==1.0.0",),
        "the meta-package does not require eventlet-primitives",
    ),
}


@pytest.mark.parametrize("case", sorted(ADDED_FILES))
def test_checker_reports_a_misplaced_file(tmp_path: pathlib.Path, case: str) -> None:
    wheel, path, text, expected = ADDED_FILES[case]
    wheels = _clean_set()
    wheels[wheel]["files"][path] = text
    problems = _check(tmp_path, wheels)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("case", sorted(CHANGED_METADATA))
def test_checker_reports_wrong_metadata(tmp_path: pathlib.Path, case: str) -> None:
    wheel, field, value, expected = CHANGED_METADATA[case]
    wheels = _clean_set()
    wheels[wheel][field] = value
    problems = _check(tmp_path, wheels)
    assert any(expected in p for p in problems), problems


def test_checker_reports_a_stray_init_in_the_source_tree(tmp_path: pathlib.Path) -> None:
    for dist in ("eventlet-hub", "eventlet"):
        (tmp_path / "packages" / dist / "src" / "eventlet").mkdir(parents=True)
        (tmp_path / "packages" / dist / "pyproject.toml").write_text("")
    (tmp_path / "packages" / "eventlet-hub" / "tests").mkdir()
    (tmp_path / "packages" / "eventlet" / "src" / "eventlet" / "__init__.py").write_text("")
    assert check_wheels.check_source_tree(tmp_path) == []

    stray = tmp_path / "packages" / "eventlet-hub" / "src" / "eventlet" / "__init__.py"
    stray.write_text("")
    problems = check_wheels.check_source_tree(tmp_path)
    assert any("eventlet-hub: has src/eventlet/__init__.py" in p for p in problems), problems


def test_checker_reports_a_source_file_left_out_of_the_wheel(tmp_path: pathlib.Path) -> None:
    src = tmp_path / "repo" / "packages" / "eventlet-hub" / "src" / "eventlet"
    src.mkdir(parents=True)
    (src / "greenthread.py").write_text("")
    (src / "asyncio.py").write_text("")
    out = tmp_path / "wheels"
    out.mkdir()
    _write_wheel(out, "eventlet-hub", {"eventlet/greenthread.py": ""})
    wheels = [check_wheels.read_wheel(p) for p in out.glob("*.whl")]
    problems = check_wheels.check_shipped(tmp_path / "repo", wheels)
    assert len(problems) == 1 and "src/eventlet/asyncio.py is in no wheel" in problems[0]
