"""Every public name of eventlet.tpool says what it is, and the public API is typed."""

from __future__ import annotations

import inspect

from eventlet import tpool


def test_every_public_name_has_a_docstring() -> None:
    assert tpool.__doc__
    undocumented = []
    for name in tpool.__all__:
        obj = getattr(tpool, name)
        if not obj.__doc__:
            undocumented.append(name)
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                if attr.startswith("_") or not callable(value):
                    continue
                if not value.__doc__:
                    undocumented.append(f"{name}.{attr}")
    assert not undocumented


def test_public_functions_are_annotated() -> None:
    for name in ("execute", "set_num_threads", "get_num_threads", "killall"):
        signature = inspect.signature(getattr(tpool, name))
        assert signature.return_annotation is not inspect.Signature.empty, name
        for parameter in signature.parameters.values():
            assert parameter.annotation is not inspect.Parameter.empty, (name, parameter)
