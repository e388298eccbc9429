"""Fixtures shared by the eventlet-tpool tests.

Every test gets a fresh hub, and the pool size it found is put back afterwards. Test files are
imported with ``--import-mode=importlib``; what they share is given to them as fixtures here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eventlet import hubs, tpool


def _portion_root(module: str) -> Path:
    """The folder holding the portion of ``eventlet`` that ships ``module`` (src/ or site)."""
    path = Path(str(__import__(module, fromlist=["_"]).__file__)).resolve()
    # eventlet/<module>.py, or eventlet/<package>/__init__.py
    return path.parents[2] if path.name == "__init__.py" else path.parents[1]


@pytest.fixture(autouse=True)
def fresh_hub() -> Iterator[None]:
    """A new hub for the test; the pool size as it was before the test afterwards."""
    size = tpool.get_num_threads()
    hubs.use_hub()
    yield
    tpool.set_num_threads(size)
    hubs.use_hub()


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -c code`` in a fresh interpreter that sees the installed eventlet portions."""
    roots = {
        str(_portion_root(m))
        for m in (
            "eventlet.hubs",
            "eventlet.semaphore",
            "eventlet.green",
            "eventlet.patcher",
            "eventlet.tpool",
        )
    }

    def run(code: str, env: dict[str, str] | None = None, timeout: float = 30) -> Any:
        environ = dict(os.environ)
        for name in ("EVENTLET_HUB", "EVENTLET_THREADPOOL_SIZE", "EVENTLET_TPOOL_DNS"):
            environ.pop(name, None)
        environ.update(env or {})
        path = environ.get("PYTHONPATH")
        environ["PYTHONPATH"] = os.pathsep.join(sorted(roots) + ([path] if path else []))
        return subprocess.run(
            [sys.executable, "-c", code],
            env=environ,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
