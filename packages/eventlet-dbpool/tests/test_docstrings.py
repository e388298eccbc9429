"""Every public name of eventlet.db_pool says what it is; importing it is quiet."""

from __future__ import annotations

import inspect
from typing import Any

from eventlet import db_pool


def test_every_public_name_has_a_docstring() -> None:
    assert db_pool.__doc__
    undocumented = []
    for name in db_pool.__all__:
        obj = getattr(db_pool, name)
        if not obj.__doc__:
            undocumented.append(name)
        if inspect.isclass(obj) and obj.__module__ == db_pool.__name__:
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(value, classmethod):
                    value = value.__func__
                if not (callable(value) or hasattr(value, "__get__")):
                    continue
                if not getattr(value, "__doc__", None):
                    undocumented.append(f"{name}.{attr}")
    assert not undocumented


def test_importing_prints_and_warns_nothing(run_python: Any) -> None:
    result = run_python("import warnings; warnings.simplefilter('error'); import eventlet.db_pool")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
