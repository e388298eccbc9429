"""The meta-package ``eventlet``: silent and light import, version, lazy re-exports, errors.

Each check that imports ``eventlet`` runs in a fresh interpreter (``sys.executable``), so
what one import loads cannot leak into another check.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "packages"
META_INIT = PACKAGES / "eventlet" / "src" / "eventlet" / "__init__.py"
HUB_SUBMODULES = ["hubs", "greenthread", "event", "timeout", "debug"]
PRIMITIVE_SUBMODULES = ["semaphore", "lock", "queue", "greenpool", "pools", "corolocal", "coros"]


def _python(
    code: str, *flags: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that turns every warning into an error."""
    result = subprocess.run(
        [sys.executable, "-W", "error", *flags, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def _pyprojects() -> dict[str, dict]:
    return {
        p.name: tomllib.loads((p / "pyproject.toml").read_text(encoding="utf-8"))
        for p in sorted(PACKAGES.iterdir())
        if (p / "pyproject.toml").is_file()
    }


def _declared_version() -> str:
    """The version written in the meta-package's __init__.py, read without importing it."""
    for node in ast.parse(META_INIT.read_text(encoding="utf-8")).body:
        targets = [getattr(t, "id", None) for t in getattr(node, "targets", [])]
        if isinstance(node, ast.Assign) and targets == ["__version__"]:
            return ast.literal_eval(node.value)
    raise AssertionError("no __version__ in the meta-package")


def _installed(module: str) -> bool:
    """Tell, in a fresh interpreter, whether ``eventlet.<module>`` can be found."""
    code = f"import importlib.util as u; print(u.find_spec('eventlet.{module}') is not None)"
    result = _python(code)
    return result.stdout.strip() == "True"


def test_import_prints_and_warns_nothing() -> None:
    result = _python("import eventlet")
    assert (result.stdout, result.stderr) == ("", "")


def test_import_loads_nothing_but_the_package() -> None:
    result = _python(
        """
        import importlib, importlib.machinery, importlib.util, pkgutil, sys
        before = set(sys.modules)
        import eventlet
        print(*sorted(set(sys.modules) - before))
        """
    )
    assert result.stdout.split() == ["eventlet"]


def test_version_matches_the_pyprojects() -> None:
    result = _python("import eventlet; print(eventlet.__version__); print(*eventlet.version_info)")
    version, info = result.stdout.splitlines()
    version_info = tuple(int(part) for part in info.split())
    assert version_info >= (1, 0)
    assert version == ".".join(str(part) for part in version_info)
    assert version == _declared_version()
    assert {p["project"]["version"] for p in _pyprojects().values()} == {version}


def test_versions_and_exact_pins_agree() -> None:
    pyprojects = _pyprojects()
    versions = {p["project"]["version"] for p in pyprojects.values()}
    assert len(versions) == 1, versions
    (version,) = versions
    local = set(pyprojects)
    for name, pyproject in pyprojects.items():
        assert pyproject["project"]["name"] == name
        for requirement in pyproject["project"].get("dependencies", []):
            dep = requirement.split("==")[0].split(">")[0].split("<")[0].strip()
            if dep in local:
                assert requirement.replace(" ", "") == f"{dep}=={version}", (name, requirement)
    assert _meta_dependencies() == local - {"eventlet"}


def _meta_dependencies() -> set[str]:
    return {r.split("==")[0].strip() for r in _pyprojects()["eventlet"]["project"]["dependencies"]}


def test_all_lists_the_names_of_the_pinned_distributions() -> None:
    result = _python(
        f"""
        import eventlet
        print(*sorted(eventlet.__all__))
        pinned = {sorted(_meta_dependencies())!r}
        print(*sorted(n for n, (_m, _a, d) in eventlet._EXPORTS.items() if d in pinned))
        """
    )
    listed, expected = result.stdout.splitlines()
    assert listed == expected


def test_reexports_are_lazy_and_cached() -> None:
    _python(
        """
        import sys
        import eventlet
        assert "eventlet.greenthread" not in sys.modules
        assert "greenlet" not in sys.modules
        from eventlet import spawn
        import eventlet.greenthread
        assert spawn is eventlet.greenthread.spawn
        assert vars(eventlet)["spawn"] is spawn
        assert eventlet.Queue is sys.modules["eventlet.queue"].Queue
        """
    )


def test_every_reexport_of_the_pinned_distributions_resolves() -> None:
    _python(
        """
        import eventlet
        for name in eventlet.__all__:
            module, attribute, _dist = eventlet._EXPORTS[name]
            value = getattr(eventlet, name)
            assert value is getattr(__import__(module, fromlist=["_"]), attribute), name
        from eventlet import *
        """
    )


@pytest.mark.parametrize("name", HUB_SUBMODULES + PRIMITIVE_SUBMODULES)
def test_submodule_attributes(name: str) -> None:
    _python(
        f"""
        import sys
        import eventlet
        module = eventlet.{name}
        assert module is sys.modules["eventlet.{name}"]
        """
    )


def test_patcher_reexports() -> None:
    _python(
        """
        import eventlet
        from eventlet import patcher
        assert eventlet.monkey_patch is patcher.monkey_patch
        assert eventlet.import_patched is patcher.import_patched
        """
    )


def test_hub_and_queue_through_the_meta_package() -> None:
    _python(
        """
        import eventlet
        assert callable(eventlet.hubs.get_hub)
        assert eventlet.queue.Queue is eventlet.Queue
        """
    )


@pytest.mark.parametrize(
    ("expression", "module", "distribution"),
    [
        ("eventlet.monkey_patch", "patcher", "eventlet-patcher"),
        ("eventlet.tpool", "tpool", "eventlet-tpool"),
        ("eventlet.wsgi", "wsgi", "eventlet-wsgi"),
    ],
)
def test_name_of_a_missing_distribution(expression: str, module: str, distribution: str) -> None:
    if _installed(module):
        pytest.skip(f"{distribution} is installed")
    result = _python(
        f"""
        import eventlet
        try:
            {expression}
        except ImportError as error:
            print(type(error).__name__, error.name)
            print(error)
        else:
            raise AssertionError("no ImportError")
        """
    )
    kind, message = result.stdout.splitlines()
    assert kind == f"ModuleNotFoundError eventlet.{module}"
    assert f"{expression} needs the '{distribution}' distribution" in message
    assert f"pip install {distribution}" in message


def test_from_import_of_a_missing_distribution() -> None:
    if _installed("patcher"):
        pytest.skip("eventlet-patcher is installed")
    result = _python("from eventlet import monkey_patch", check=False)
    assert result.returncode == 1
    assert "needs the 'eventlet-patcher' distribution" in result.stderr


def test_installed_distribution_missing_the_module(tmp_path: pathlib.Path) -> None:
    if _installed("patcher"):
        pytest.skip("eventlet-patcher is installed")
    # Metadata of an eventlet-patcher that lacks eventlet.patcher (a version mismatch).
    dist_info = tmp_path / "eventlet_patcher-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: eventlet-patcher\nVersion: 0.1\n"
    )
    env = {**os.environ, "PYTHONPATH": _pythonpath(tmp_path)}
    result = _python(
        """
        import eventlet
        try:
            eventlet.monkey_patch
        except ModuleNotFoundError as error:
            print(error)
        """,
        env=env,
    )
    message = result.stdout.strip()
    assert "the installed 'eventlet-patcher' distribution does not provide" in message
    assert "pip install eventlet-patcher==" in message


def _pythonpath(first: pathlib.Path) -> str:
    """PYTHONPATH with ``first`` ahead of the current one."""
    return os.pathsep.join([str(first), *filter(None, [os.environ.get("PYTHONPATH")])])


def test_other_import_errors_propagate_unchanged(tmp_path: pathlib.Path) -> None:
    # A portion whose eventlet.convenience exists but misses one of its own dependencies.
    portion = tmp_path / "eventlet"
    portion.mkdir()
    (portion / "convenience.py").write_text("import eventlet_test_no_such_dependency\n")
    env = {**os.environ, "PYTHONPATH": _pythonpath(tmp_path)}
    result = _python(
        """
        import eventlet
        try:
            eventlet.listen
        except ModuleNotFoundError as error:
            print(error.name)
            print(error)
        """,
        env=env,
    )
    name, message = result.stdout.splitlines()
    assert name == "eventlet_test_no_such_dependency"
    assert "eventlet-green" not in message


def test_unknown_attribute() -> None:
    result = _python(
        """
        import eventlet
        assert not hasattr(eventlet, "no_such_name")
        try:
            eventlet.no_such_name
        except AttributeError as error:
            print(error)
        """
    )
    assert result.stdout.strip() == "module 'eventlet' has no attribute 'no_such_name'"


def test_dir_lists_the_available_names() -> None:
    result = _python(
        """
        import inspect
        import eventlet
        names = dir(eventlet)
        print(*names)
        inspect.getmembers(eventlet)  # every listed name resolves
        """
    )
    names = set(result.stdout.split())
    expected = {"__version__", "version_info", "spawn", "sleep", "Queue", "GreenPool", "Timeout"}
    assert expected <= names
    assert set(HUB_SUBMODULES + PRIMITIVE_SUBMODULES) <= names
    if not _installed("convenience"):
        assert "listen" not in names


def _src(dist: str) -> str:
    return str(PACKAGES / dist / "src")


def _isolated_env(*paths: str) -> dict[str, str]:
    """An environment whose PYTHONPATH holds ``paths`` and greenlet's folder, nothing else."""
    spec = importlib.util.find_spec("greenlet")
    if spec is None or spec.origin is None:
        pytest.skip("greenlet is not installed")
    greenlet_dir = str(pathlib.Path(spec.origin).parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, greenlet_dir])}


@pytest.mark.parametrize(
    "order",
    [
        ["eventlet-hub", "eventlet-primitives", "eventlet"],
        ["eventlet-primitives", "eventlet", "eventlet-hub"],
    ],
)
def test_portions_in_other_directories(order: list[str]) -> None:
    # -S: no site-packages, so only the three source folders provide `eventlet`.
    env = _isolated_env(*(_src(d) for d in order))
    result = _python(
        """
        import eventlet
        print(eventlet.__file__)
        print(eventlet.hubs.__file__)
        print(eventlet.queue.__file__)
        assert callable(eventlet.hubs.get_hub) and eventlet.queue.Queue is eventlet.Queue
        """,
        "-S",
        env=env,
    )
    meta, hubs, queue = (pathlib.Path(line) for line in result.stdout.splitlines())
    assert meta.is_relative_to(_src("eventlet"))
    assert hubs.is_relative_to(_src("eventlet-hub"))
    assert queue.is_relative_to(_src("eventlet-primitives"))


def test_portions_without_the_meta_package() -> None:
    env = _isolated_env(_src("eventlet-hub"), _src("eventlet-primitives"))
    _python(
        """
        import eventlet.hubs, eventlet.queue
        import eventlet
        assert getattr(eventlet, "__file__", None) is None  # a plain namespace package
        assert not hasattr(eventlet, "__version__")
        assert callable(eventlet.hubs.get_hub) and eventlet.queue.Queue
        """,
        "-S",
        env=env,
    )
