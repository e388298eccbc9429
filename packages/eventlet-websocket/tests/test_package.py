"""The distribution as a whole: docstrings, annotations, a quiet import, its file list."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

MODULES = [
    "eventlet.websocket",
    "eventlet._websocket_frames",
    "eventlet._websocket_deflate",
    "eventlet._websocket_protocol",
    "eventlet._websocket_handshake",
]
PACKAGE = Path(__file__).resolve().parent.parent


def public_callables(module_name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(module_name)
    found: list[tuple[str, object]] = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            found.append((name, obj))
            if inspect.isclass(obj) and obj.__module__ == module_name:
                for attr, value in vars(obj).items():
                    if not attr.startswith("_") and inspect.isfunction(value):
                        found.append((f"{name}.{attr}", value))
    return found


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_has_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__, f"{module_name} has no docstring"
    missing = [name for name, obj in public_callables(module_name) if not obj.__doc__]
    assert not missing, f"{module_name}: no docstring on {missing}"


@pytest.mark.parametrize("module_name", MODULES)
def test_public_functions_are_annotated(module_name: str) -> None:
    missing = []
    for name, obj in public_callables(module_name):
        function = obj.__init__ if inspect.isclass(obj) else obj
        if not inspect.isfunction(function):
            continue
        annotations = function.__annotations__
        parameters = [p for p in inspect.signature(function).parameters if p not in ("self", "cls")]
        if "return" not in annotations or any(p not in annotations for p in parameters):
            missing.append(name)
    assert not missing, f"{module_name}: incomplete annotations on {missing}"


def test_import_is_silent() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import eventlet.websocket"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_client_does_not_load_the_wsgi_server() -> None:
    code = "import sys, eventlet.websocket; print('eventlet.wsgi' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


def test_wheel_file_list_names_every_module() -> None:
    # (tomllib is 3.11+: read the wheel's list with a pattern instead)
    config = (PACKAGE / "pyproject.toml").read_text()
    wheel = config.split("[tool.hatch.build.targets.wheel]")[1].split("\n[")[0]
    listed = set(re.findall(r'"(src/[^"]+)"', wheel))
    present = {
        str(path.relative_to(PACKAGE)) for path in (PACKAGE / "src" / "eventlet").glob("*.py")
    }
    assert listed == present
    assert not (PACKAGE / "src" / "eventlet" / "__init__.py").exists()
