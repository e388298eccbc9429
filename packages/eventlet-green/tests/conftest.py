"""Fixtures shared by the eventlet-green tests.

Every test gets a fresh hub of its own (``use_hub`` discards the thread's hub), and the debug
switches are put back afterwards. Tests marked ``all_hubs`` run once per hub backend.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eventlet import hubs
from eventlet.hubs import hub as hub_module

BACKENDS = ["epolls", "poll", "selects"] + (["kqueue"] if hasattr(select, "kqueue") else [])


def _portion_root(module: str) -> Path:
    """The folder holding the portion of ``eventlet`` that ships ``module`` (src/ or site)."""
    spec = __import__(module, fromlist=["_"])
    return Path(spec.__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "all_hubs: run the test once with each hub backend available on this OS"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("all_hubs") is not None:
        metafunc.parametrize("hub_backend", BACKENDS, indirect=True)


@pytest.fixture
def hub_backend(request: pytest.FixtureRequest) -> str | None:
    """The backend name of an ``all_hubs`` test, None (the default hub) for the others."""
    return getattr(request, "param", None)


@pytest.fixture(autouse=True)
def fresh_hub(hub_backend: str | None) -> Iterator[None]:
    """A new hub for the test (of the parametrized backend), and clean state afterwards."""
    saved_debug = dict(vars(hub_module.debug_state))
    hubs.use_hub(hub_backend)
    yield
    hubs.use_hub()
    vars(hub_module.debug_state).update(saved_debug)


@pytest.fixture
def hub(fresh_hub: None) -> Any:
    """The current thread's hub, made for this test."""
    return hubs.get_hub()


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -c code`` in a fresh interpreter that sees the installed eventlet portions."""
    roots = {
        str(_portion_root(m))
        for m in ("eventlet.hubs", "eventlet.semaphore", "eventlet.green")
    }

    def run(code: str, *flags: str, env: dict[str, str] | None = None, timeout: float = 30) -> Any:
        environ = dict(os.environ)
        environ.pop("EVENTLET_HUB", None)
        environ.update(env or {})
        path = environ.get("PYTHONPATH")
        environ["PYTHONPATH"] = os.pathsep.join(sorted(roots) + ([path] if path else []))
        return subprocess.run(
            [sys.executable, *flags, "-c", code],
            env=environ,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
