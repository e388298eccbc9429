"""Every task of the repository: ``nox -l`` lists them, ``nox`` runs the default ones.

- ``tests``: all tests against editable installs of every distribution;
- ``tests_package``: one distribution's tests against its built wheels alone;
- ``wheels``: build every sdist and wheel and check how the wheels share the namespace;
- ``lint``: ruff and mypy;
- ``stdlib``: CPython's own test suite under ``monkey_patch()`` (tools/stdlib_tests.py);
- ``bench``: the side-by-side benchmarks (``bench/run.py`` makes its own venvs);
- ``demo``: the demo server.
"""

from __future__ import annotations

import pathlib
import shutil

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

nox.options.sessions = ["lint", "tests", "wheels", "tests_package"]

ROOT = pathlib.Path(__file__).resolve().parent
PACKAGES = ROOT / "packages"

# The interpreters the test sessions run on (CI has them all; see .ci/run for pyenv).
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
META = "eventlet"

TEST_TOOLS = ["pytest>=8", "pytest-timeout", "tomli; python_version < '3.11'"]
# What the packages' tests need besides: eventlet-green's extras (pyOpenSSL, pyzmq),
# cryptography to make certificates, PyMySQL standing in for MySQLdb against the local MariaDB,
# psycopg2 for PostgreSQL, HTTP and WebSocket clients to talk to the WSGI server.
TEST_TOOLS += ["pyOpenSSL>=23.2", "pyzmq>=25", "cryptography", "PyMySQL", "psycopg2-binary"]
TEST_TOOLS += ["requests", "urllib3", "websockets", "websocket-client"]
# Only the cross-package tests need these: mypy (typing of the installed parts), hatchling
# (wheels built without network access), and the real programs run against this project.
INTEGRATION_TOOLS = ["mypy", "types-greenlet", "hatchling"]
INTEGRATION_TOOLS += ["celery[redis]", "redis", "gunicorn==25.3.0", "python-socketio", "flask"]
INTEGRATION_TOOLS += ["flask-socketio"]
PYTEST_OPTIONS = ["--import-mode=importlib", "-p", "no:cacheprovider", "--timeout=60"]


def _repository_dependencies(dist: str) -> list[str]:
    """The distributions of this repository that ``dist`` declares as dependencies."""
    pyproject = nox.project.load_toml(PACKAGES / dist / "pyproject.toml")
    names = [canonicalize_name(Requirement(r).name) for r in pyproject["project"]["dependencies"]]
    return [name for name in names if (PACKAGES / name / "pyproject.toml").is_file()]


def _all_distributions() -> list[str]:
    """Every distribution in packages/, each after the ones it depends on."""
    ordered: list[str] = []
    for dist in sorted(p.parent.name for p in PACKAGES.glob("*/pyproject.toml")):
        for needed in _local_dependencies(dist):
            if needed not in ordered:
                ordered.append(needed)
    return ordered


def _local_dependencies(dist: str) -> list[str]:
    """Return ``dist`` and the repository distributions it needs, dependencies first."""
    needed: list[str] = []

    def visit(name: str) -> None:
        for dep in _repository_dependencies(name):
            if dep not in needed:
                visit(dep)
        if name not in needed:
            needed.append(name)

    visit(dist)
    return needed


# The distributions of this repository, each in packages/<name>/, dependencies first; all
# but the meta-package have their own tests/ folder.
DISTRIBUTIONS = _all_distributions()
SUB_DISTRIBUTIONS = [d for d in DISTRIBUTIONS if d != META]


def _fresh_dir(session: nox.Session, name: str) -> pathlib.Path:
    """Return an empty folder ``name`` in the session's temporary folder."""
    path = pathlib.Path(session.create_tmp()).resolve() / name
    # create_tmp() also points TMPDIR into .nox/: tests that make Unix sockets in tmp_path
    # would hit the 108-byte limit of AF_UNIX paths there, so keep the machine's TMPDIR.
    session.env.pop("TMPDIR", None)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _install_editable(session: nox.Session, *extra: str) -> None:
    """Install every distribution from the working tree in editable mode."""
    editables = [arg for dist in DISTRIBUTIONS for arg in ("-e", str(PACKAGES / dist))]
    session.install(*editables, *extra)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run every test against editable installs of all distributions."""
    _install_editable(session, *TEST_TOOLS, *INTEGRATION_TOOLS)
    paths = [PACKAGES / d / "tests" for d in SUB_DISTRIBUTIONS] + [ROOT / "tests-integration"]
    session.run("pytest", *PYTEST_OPTIONS, *[str(p) for p in paths if p.is_dir()], *session.posargs)


@nox.session(python=PYTHONS)
@nox.parametrize("dist", SUB_DISTRIBUTIONS)
def tests_package(session: nox.Session, dist: str) -> None:
    """Run one distribution's tests against its wheel (and its dependencies' wheels) alone."""
    wheelhouse = _fresh_dir(session, "wheels")
    sources = [str(PACKAGES / d) for d in _local_dependencies(dist)]
    session.run("python", "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheelhouse), *sources)
    built = sorted(str(w) for w in wheelhouse.glob("*.whl"))
    session.install(*built, *TEST_TOOLS)
    # The same version may already be installed in a reused venv (nox -r): replace it.
    session.install("--force-reinstall", "--no-deps", *built)

    # Run from an empty folder, so nothing of the source tree can be imported.
    workdir = _fresh_dir(session, "work")
    session.chdir(workdir)
    locations = session.run(
        "python",
        "-c",
        "import eventlet; print(*eventlet.__path__, sep='\\n')",
        silent=True,
    )
    for location in str(locations).split():
        if pathlib.Path(location).resolve().is_relative_to(PACKAGES):
            session.error(f"eventlet is imported from the source tree ({location}), not a wheel")
    session.run(
        "pytest",
        *PYTEST_OPTIONS,
        "--rootdir",
        str(workdir),
        str(PACKAGES / dist / "tests"),
        *session.posargs,
    )


@nox.session
def wheels(session: nox.Session) -> None:
    """Build every sdist, and every wheel from its sdist, then check the wheels together."""
    session.install("build")
    outdir = _fresh_dir(session, "dist")
    for dist in DISTRIBUTIONS:
        session.run("python", "-m", "build", "--outdir", str(outdir), str(PACKAGES / dist))
    checker = ROOT / "tools" / "check_wheels.py"
    session.run("python", str(checker), str(outdir), "--source", str(ROOT))


@nox.session
def lint(session: nox.Session) -> None:
    """Check style with ruff and the public API's types with mypy."""
    session.install(
        "ruff",
        "mypy",
        "types-greenlet",
        "types-psycopg2",
        "greenlet>=3.0",
        "dnspython>=2.6",
        "pyOpenSSL",
        "pyzmq",
    )
    paths = ["packages", "tests-integration", "bench", "tools", "demo", "noxfile.py"]
    session.run("ruff", "check", *[p for p in paths if (ROOT / p).exists()], *session.posargs)
    sources = [PACKAGES / d / "src" for d in DISTRIBUTIONS]
    # Every src folder holds a portion of the one `eventlet` namespace.
    session.env["MYPYPATH"] = ":".join(str(src) for src in sources)
    session.run("mypy", *[str(src) for src in sources if any(src.rglob("*.py"))])


@nox.session(python=PYTHONS)
def stdlib(session: nox.Session) -> None:
    """Run CPython's own test modules with and without monkey_patch(), side by side."""
    _install_editable(session)
    session.run("python", str(ROOT / "tools" / "stdlib_tests.py"), *session.posargs)


# Benchmarks of one server or pool each, run after bench/run.py with the interpreters of the
# virtual environments it made (ours, upstream eventlet, gevent).
SERVER_BENCHMARKS = ["wsgi_bench.py", "websocket_bench.py", "tpool_bench.py"]


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks; they need only the stdlib and make their own venvs.

    ``nox -s bench -- ARGS`` passes ARGS to bench/run.py (the micro benchmarks); the server
    benchmarks run after it unless ARGS hold ``--only``. The WSGI benchmark uses ``wrk`` when
    it is installed (``apt-get install wrk``), else a slower load generator in Python.
    """
    session.run("python", str(ROOT / "bench" / "run.py"), *session.posargs)
    if "--only" in session.posargs:
        return
    ours = ROOT / ".bench-venvs" / "ours" / "bin" / "python"
    for script in SERVER_BENCHMARKS:
        session.run("python", str(ROOT / "bench" / script), "--ours-python", str(ours))


@nox.session
def demo(session: nox.Session) -> None:
    """Run the demo server on editable installs of every distribution."""
    _install_editable(session)
    session.run("python", str(ROOT / "demo" / "echo_server.py"), *session.posargs)
