"""Building green copies of standard-library modules.

A green module is the standard library's own module, imported afresh while ``sys.modules``
holds green versions of the modules it depends on (``socket``, ``select``, ``time``, ...).
The fresh copy's ``import socket`` then finds the green socket module, so the copy's code is
green without a line of it being rewritten, and it follows the running Python's version.

- :func:`inject` imports such a fresh copy and copies its names into a green module;
- :func:`import_patched` returns a fresh copy of any module, for user code;
- :func:`original` returns the unpatched standard-library module, even after monkey patching;
- :func:`rebind` gives a standard-library function a green module's globals;
- :func:`run_stdlib_code` runs a standard-library module's code in a green module's own
  namespace, for green modules whose globals a program may set (``threading.excepthook``).

``eventlet.patcher`` (the eventlet-patcher distribution) exposes the public API on top of this.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "DEFAULT_GREEN_MODULES",
    "green_module_pairs",
    "import_patched",
    "inject",
    "is_green",
    "original",
    "rebind",
    "run_stdlib_code",
    "save_original",
    "slurp_properties",
]

# The green modules a fresh copy sees when the caller names none: the standard-library name
# and the green module standing in for it.
DEFAULT_GREEN_MODULES: tuple[tuple[str, str], ...] = (
    ("os", "eventlet.green.os"),
    ("select", "eventlet.green.select"),
    ("selectors", "eventlet.green.selectors"),
    ("socket", "eventlet.green.socket"),
    ("ssl", "eventlet.green.ssl"),
    ("_thread", "eventlet.green._thread"),
    ("threading", "eventlet.green.threading"),
    ("time", "eventlet.green.time"),
)

# What a saved sys.modules entry holds for a name that had none.
_MISSING: Any = object()

# Unpatched modules, recorded before monkey patching replaces them in sys.modules.
_originals: dict[str, types.ModuleType] = {}


def is_green(module: Any) -> bool:
    """Tell whether ``module`` is one of eventlet's green modules (it declares ``__patched__``)."""
    return isinstance(module, types.ModuleType) and hasattr(module, "__patched__")


def green_module_pairs(names: Iterable[str] | None = None) -> list[tuple[str, types.ModuleType]]:
    """``(stdlib name, green module)`` pairs for ``names`` (default: DEFAULT_GREEN_MODULES)."""
    table = dict(DEFAULT_GREEN_MODULES)
    wanted = list(table) if names is None else list(names)
    pairs = []
    for name in wanted:
        if name not in table:
            raise ValueError(f"no green module stands in for {name!r}; known: {', '.join(table)}")
        pairs.append((name, importlib.import_module(table[name])))
    return pairs


def save_original(name: str, module: types.ModuleType) -> None:
    """Remember ``module`` as the unpatched ``name`` (the patcher calls this before patching)."""
    if is_green(module):
        raise ValueError(f"{module.__name__} is a green module, not the original {name!r}")
    _originals.setdefault(name, module)


def original(name: str) -> types.ModuleType:
    """The standard-library module ``name`` as it is without eventlet, whatever is patched.

    If ``sys.modules`` holds a green module under ``name`` and the original was never
    recorded, a fresh copy is imported without any green module in sight.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"original() needs a module name, not {name!r}")
    module = _originals.get(name)
    if module is not None:
        return module
    current = sys.modules.get(name)
    greens = [n for n, m in list(sys.modules.items()) if is_green(m) and "." not in n]
    if current is not None and not is_green(current):
        module = current
    elif current is None and not greens:
        module = importlib.import_module(name)  # not imported yet, and nothing is patched
    else:
        # Green modules sit in sys.modules (monkey patching, or a green copy being made):
        # import a copy with the real ones back in their place, where they are known, and
        # leave sys.modules as it was.
        with _swapped_modules({n: _originals.get(n) for n in greens}, fresh=name):
            module = importlib.import_module(name)
    _originals[name] = module
    return module


@contextmanager
def _swapped_modules(
    replacements: dict[str, types.ModuleType | None], fresh: str
) -> Iterator[None]:
    """Within the block, ``sys.modules`` holds ``replacements`` (None: absent) and no ``fresh``.

    Everything is put back afterwards, including the attribute of ``fresh``'s parent package
    that an import sets to the new submodule. A module imported for the first time inside the
    block that took one of the green replacements is dropped from ``sys.modules`` too, so the
    rest of the program never meets a stdlib module made green by accident.
    """
    touched = set(replacements) | {fresh}
    saved: dict[str, Any] = {name: sys.modules.get(name, _MISSING) for name in touched}
    before = set(sys.modules)
    for name, module in saved.items():
        # The real module a green one displaces is the original: original() needs it while
        # the swap lasts (a green module imported meanwhile asks for it).
        if module is not _MISSING and not is_green(module) and name in replacements:
            _originals.setdefault(name, module)
    try:
        for name, module in replacements.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        sys.modules.pop(fresh, None)
        yield
    finally:
        greens = [m for m in replacements.values() if m is not None]
        dropped: dict[str, Any] = {}
        for name in set(sys.modules) - before - touched:
            if _uses_any(sys.modules[name], greens):
                dropped[name] = sys.modules.pop(name)
        if fresh in sys.modules:
            dropped[fresh] = sys.modules[fresh]
        _put_back(saved)
        # An import also binds a submodule as an attribute of its package: unbind the copies,
        # putting back what was there before.
        for name, module in dropped.items():
            parent_name, _, child = name.rpartition(".")
            parent = sys.modules.get(parent_name) if parent_name else None
            if parent is None or getattr(parent, child, None) is not module:
                continue
            real = sys.modules.get(name)
            if real is not None:
                setattr(parent, child, real)
            else:
                delattr(parent, child)


def run_stdlib_code(
    name: str, namespace: dict[str, Any], green: dict[str, types.ModuleType]
) -> None:
    """Run the code of the standard-library module ``name`` in ``namespace``.

    While it runs, ``sys.modules`` holds the ``green`` modules (stdlib name -> green module),
    so the code's imports take them; ``sys.modules`` is put back afterwards. Unlike
    :func:`inject`, which copies names out of a separate fresh module, the code runs in the
    green module's own namespace: its functions then see what a program (or a test's
    ``mock.patch``) later sets on the green module.
    """
    spec = original(name).__spec__
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot find the standard library's {name} module")
    get_code = getattr(spec.loader, "get_code", None)
    code = get_code(spec.name) if get_code is not None else None
    if code is None:
        raise ImportError(f"cannot load the code of the standard library's {name} module")
    saved = {module_name: sys.modules.get(module_name, _MISSING) for module_name in green}
    sys.modules.update(green)
    try:
        exec(code, namespace)
    finally:
        _put_back(saved)


def _put_back(saved: dict[str, Any]) -> None:
    """Make ``sys.modules`` hold ``saved`` again (an entry saved as _MISSING: none)."""
    for name, module in saved.items():
        if module is _MISSING:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


def _uses_any(module: Any, modules: list[types.ModuleType]) -> bool:
    """Whether one of ``module``'s globals is one of ``modules`` (it imported one of them)."""
    namespace = getattr(module, "__dict__", None) or {}
    return any(value is green for value in namespace.values() for green in modules)


def _as_pairs(additional_modules: Iterable[Any]) -> list[tuple[str, types.ModuleType]]:
    pairs = []
    for item in additional_modules:
        try:
            name, module = item
        except (TypeError, ValueError):
            raise TypeError(
                f"additional modules must be (name, module) pairs, not {item!r}"
            ) from None
        if not isinstance(name, str) or not isinstance(module, types.ModuleType):
            raise TypeError(f"additional modules must be (name, module) pairs, not {item!r}")
        pairs.append((name, module))
    return pairs


def import_patched(module_name: str, *additional_modules: Any, **kw_modules: Any) -> types.ModuleType:
    """A fresh copy of ``module_name`` that imports green modules in place of the stdlib's.

    ``additional_modules`` are ``(name, module)`` pairs, ``kw_modules`` are ``name=module``;
    with neither, every green module of :data:`DEFAULT_GREEN_MODULES` is used. The copy is not
    left in ``sys.modules``: the real module there stays as it was.
    """
    if not isinstance(module_name, str) or not module_name:
        raise TypeError(f"import_patched() needs a module name, not {module_name!r}")
    pairs = _as_pairs(additional_modules) + _as_pairs(kw_modules.items())
    if not pairs:
        pairs = green_module_pairs()
    replacements: dict[str, types.ModuleType | None] = dict(pairs)
    with _swapped_modules(replacements, fresh=module_name):
        return importlib.import_module(module_name)


def inject(
    module_name: str, new_globals: dict[str, Any] | None, *additional_modules: Any
) -> types.ModuleType:
    """Import a fresh green copy of ``module_name``; copy its names into ``new_globals``.

    This is how a green module is made from the standard library's: the green module calls
    ``inject("http.client", globals(), ("socket", green_socket), ...)``. Dunder names other
    than ``__all__`` and ``__doc__`` are not copied, so the green module keeps its identity.
    """
    module = import_patched(module_name, *additional_modules)
    if new_globals is not None:
        for name, value in vars(module).items():
            if name.startswith("__") and name not in ("__all__", "__doc__"):
                continue
            new_globals[name] = value
    return module


def rebind(function: Callable[..., Any], namespace: dict[str, Any]) -> Callable[..., Any]:
    """A copy of ``function`` whose global names are looked up in ``namespace``.

    So a standard-library function such as ``socket.create_connection`` runs its own code but
    finds the green ``socket`` and ``getaddrinfo`` of the green module's namespace.
    """
    if not isinstance(function, types.FunctionType):
        raise TypeError(f"rebind() needs a Python function, not {type(function).__name__}")
    copy = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__doc__ = function.__doc__
    copy.__qualname__ = function.__qualname__
    copy.__module__ = namespace.get("__name__", function.__module__)
    copy.__annotations__ = dict(function.__annotations__)
    return copy


def slurp_properties(
    source: Any, destination: dict[str, Any], ignore: Iterable[str] = (), srckeys: Iterable[str] | None = None
) -> None:
    """Copy the public names of module ``source`` into ``destination``, except ``ignore``."""
    skip = set(ignore)
    keys = dir(source) if srckeys is None else srckeys
    for name in keys:
        if name.startswith("__") or name in skip:
            continue
        destination[name] = getattr(source, name)
