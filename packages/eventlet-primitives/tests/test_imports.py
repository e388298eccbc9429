from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = [
    "eventlet.semaphore",
    "eventlet.lock",
    "eventlet.queue",
    "eventlet.greenpool",
    "eventlet.pools",
    "eventlet.corolocal",
    "eventlet.coros",
]


@pytest.mark.parametrize("module", MODULES)
def test_import_prints_and_warns_nothing(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_documented(module: str) -> None:
    mod = __import__(module, fromlist=["__all__"])
    assert mod.__doc__
    for name in mod.__all__:
        obj = getattr(mod, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            continue  # Empty and Full are the standard library's
        assert obj.__doc__, f"{module}.{name} has no docstring"
        for attr, value in vars(obj).items() if isinstance(obj, type) else ():
            if not attr.startswith("_") and callable(value):
                assert value.__doc__, f"{module}.{name}.{attr} has no docstring"
