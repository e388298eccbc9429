"""Fixtures shared by the eventlet-hub tests.

Every test gets a fresh hub of its own (``use_hub`` discards the thread's hub), and the debug
switches are put back afterwards. Tests whose behaviour depends on the hub backend (I/O,
timers, the loop waiting in the OS) carry the ``all_hubs`` marker, directly or through a
module-level ``pytestmark``: they run once per backend this OS offers. Unmarked tests exercise
pure API and run once, on the default hub.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eventlet import debug, hubs
from eventlet.hubs import hub as hub_module

BACKENDS = ["epolls", "poll", "selects", "asyncio"] + (["kqueue"] if hasattr(select, "kqueue") else [])

# The folder that holds this distribution's portion of the `eventlet` namespace: src/ in a
# checkout, site-packages once installed.
PORTION_ROOT = Path(hubs.__file__).resolve().parents[2]


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


def _debug_snapshot() -> dict[str, Any]:
    return dict(vars(hub_module.debug_state))


@pytest.fixture(autouse=True)
def fresh_hub(hub_backend: str | None) -> Iterator[None]:
    """A new hub for the test (of the parametrized backend), and clean state afterwards."""
    saved_debug = _debug_snapshot()
    saved_tpool = debug.tpool_exceptions_enabled
    hubs.use_hub(hub_backend)
    yield
    if hubs.get_hub().debug_blocking:  # a test that failed before turning it off
        debug.hub_blocking_detection(False)
    hubs.use_hub()
    vars(hub_module.debug_state).update(saved_debug)
    debug.tpool_exceptions_enabled = saved_tpool


@pytest.fixture
def hub(fresh_hub: None) -> Any:
    """The current thread's hub, made for this test."""
    return hubs.get_hub()


@pytest.fixture
def sockpair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """Two connected non-blocking sockets, closed after the test."""
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -c code`` in a fresh interpreter that imports this distribution."""

    def run(code: str, *flags: str, env: dict[str, str] | None = None) -> Any:
        environ = dict(os.environ)
        environ.pop("EVENTLET_HUB", None)
        environ.update(env or {})
        path = environ.get("PYTHONPATH")
        environ["PYTHONPATH"] = str(PORTION_ROOT) + (os.pathsep + path if path else "")
        return subprocess.run(
            [sys.executable, *flags, "-c", code],
            env=environ,
            capture_output=True,
            text=True,
            timeout=30,
        )

    return run
