"""Every public name of this distribution's own modules says what it is (a docstring)."""

from __future__ import annotations

import importlib
import inspect

import pytest

OWN_MODULES = [
    "eventlet.greenio",
    "eventlet.greenio.base",
    "eventlet.greenio.py3",
    "eventlet.convenience",
    "eventlet.support.greendns",
    "eventlet.green._inject",
    "eventlet.green._osthread",
    "eventlet.green._getaddrinfo",
    "eventlet.green._modules",
]


@pytest.mark.parametrize("module_name", OWN_MODULES)
def test_every_public_name_has_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__, f"{module_name} has no docstring"
    undocumented = []
    for name in module.__all__:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # constants
        if not obj.__doc__:
            undocumented.append(name)
        if inspect.isclass(obj) and obj.__module__ == module.__name__:
            for attr, value in vars(obj).items():
                if attr.startswith("_") or not (callable(value) or isinstance(value, property)):
                    continue
                if not getattr(value, "__doc__", None):
                    undocumented.append(f"{name}.{attr}")
    assert not undocumented, f"{module_name}: no docstring on {undocumented}"
