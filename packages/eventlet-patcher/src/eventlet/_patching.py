"""The machinery behind :func:`eventlet.patcher.monkey_patch`.

- :func:`replace_modules` records each original module and puts its green module in
  ``sys.modules`` under the original's name. The original module object itself is never
  changed: the hub, the green modules and :func:`eventlet.patcher.original` keep using it,
  and so does ``importlib`` (whose locks must stay real, or an import could hang);
- :func:`rebind_imported` fixes the modules imported before patching: a global naming a
  patched module, or a function or class taken from one (``from time import sleep``), is
  pointed at its green version;
- :func:`green_existing_locks` replaces the real locks those modules made at import
  (``logging``'s module lock and its handlers' locks, ``concurrent.futures``' shutdown lock)
  with green ones, so that green threads contending for them never block the OS thread.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from eventlet.green import _inject

__all__ = ["green_existing_locks", "patched_modules", "rebind_imported", "replace_modules"]

# stdlib name -> (original module, green module), for every module replaced so far.
_replaced: dict[str, tuple[types.ModuleType, types.ModuleType]] = {}
# The names that count as patched (the replaced modules, and builtins when patched in place).
_patched: set[str] = set()

# Modules whose globals are never rewritten: eventlet's own (they hold the originals on
# purpose), the import system (its locks must stay real), greenlet, and libraries that run
# their own event loop or are made green another way.
_KEEP_PREFIXES = (
    "eventlet",
    "greenlet",
    "importlib",
    "_frozen_importlib",
    "zipimport",
    "asyncio",
    "dns",
)
_KEEP_NAMES = frozenset({"sys", "builtins", "_thread", "threading", "_threading_local"})


def patched_modules() -> set[str]:
    """The names of the standard-library modules patched so far (a live set)."""
    return _patched


def replace_modules(pairs: list[tuple[str, types.ModuleType]]) -> None:
    """Put each green module of ``pairs`` in ``sys.modules`` in place of its original."""
    # Every original is found before anything is replaced: importing one after another was
    # replaced could give it green imports.
    originals = []
    for name, green in pairs:
        current = sys.modules.get(name)
        if current is green:
            continue
        originals.append((name, _inject.original(name), green))
    for name, real, green in originals:
        _replaced[name] = (real, green)
        sys.modules[name] = green
        _patched.add(name)
    if "threading" in dict(pairs):
        _adopt_threading_atexits()


def _adopt_threading_atexits() -> None:
    """Move the exit hooks registered with the real threading module to the green one.

    ``concurrent.futures`` registers one at import (``threading._register_atexit``) that stops
    its idle workers; imported before patching, it registered with the real module, whose
    hooks the interpreter no longer calls: its green workers would then keep the exit waiting.
    """
    real, green = _replaced["threading"]
    pending = getattr(real, "_threading_atexits", None)
    adopted = getattr(green, "_threading_atexits", None)
    if pending and adopted is not None and pending is not adopted:
        adopted.extend(pending)
        pending.clear()


def _kept(name: str, module: Any) -> bool:
    """Whether ``module`` (named ``name`` in sys.modules) must keep its globals as they are."""
    if name in _KEEP_NAMES or _inject.is_green(module):
        return True
    if any(name == prefix or name.startswith(prefix + ".") for prefix in _KEEP_PREFIXES):
        return True
    return any(module is real for real, _ in _replaced.values())


def _imported_modules() -> list[tuple[str, types.ModuleType]]:
    """The modules to fix: those in sys.modules that are not kept as they are."""
    return [
        (name, module)
        for name, module in list(sys.modules.items())
        if isinstance(module, types.ModuleType)
        and (_is_python_module(module) or name == "__main__")
        and not _kept(name, module)
    ]


def _defined_in(value: Any, module: types.ModuleType) -> bool:
    """Whether ``value`` belongs to ``module``, not to a module it took it from.

    ``socket.SocketType`` is ``_socket.socket``: only ``socket``'s own names are rebound.
    """
    return getattr(value, "__module__", None) == module.__name__


def _is_python_module(module: types.ModuleType) -> bool:
    """Whether ``module`` was made from Python source (extension modules are left alone)."""
    return str(getattr(module, "__file__", None) or "").endswith(".py")


def rebind_imported() -> None:
    """Point the globals of already imported modules at the green modules and names."""
    # id of a real object -> (the real object, its green version), and the names it is
    # imported as (threading.Lock is _thread.allocate_lock: both names count).
    green_for: dict[int, tuple[Any, Any]] = {}
    names: dict[int, set[str]] = {}
    for name, (real, green) in _replaced.items():
        green_for[id(real)] = (real, green)
        names.setdefault(id(real), set()).add(name.rpartition(".")[2])
        for attr in getattr(green, "__patched__", ()):
            old = getattr(real, attr, None)
            new = getattr(green, attr, None)
            if old is None or new is None or old is new:
                continue
            names.setdefault(id(old), set()).add(attr)
            if _defined_in(old, real):
                green_for[id(old)] = (old, new)
    for _, module in _imported_modules():
        namespace = vars(module)
        for key, value in list(namespace.items()):
            entry = green_for.get(id(value))
            # Only what an import bound: `import socket`, `import socket as _socket`,
            # `from time import sleep`; a program's `real = original("threading")` stays.
            if entry is not None and entry[0] is value and key.lstrip("_") in names[id(value)]:
                namespace[key] = entry[1]


def _real_lock_types() -> tuple[type, type]:
    real_thread = _inject.original("_thread")
    return type(real_thread.allocate_lock()), real_thread.RLock


def _is_free(lock: Any) -> bool:
    """Whether nobody holds the real ``lock`` (then it can be swapped for a green one)."""
    if not lock.acquire(False):
        return False
    lock.release()
    return True


def _green_copy(lock: Any, lock_type: type) -> Any:
    """A green lock to stand in for the real ``lock``, or None if it is held."""
    from eventlet.green import thread as green_thread

    if not _is_free(lock):
        return None
    return green_thread.allocate_lock() if type(lock) is lock_type else green_thread.RLock()


def green_existing_locks() -> None:
    """Replace the free real locks that imported modules and logging handlers hold."""
    lock_type, rlock_type = _real_lock_types()
    real_types = (lock_type, rlock_type)
    for _, module in _imported_modules():
        namespace = vars(module)
        for key, value in list(namespace.items()):
            if type(value) in real_types:
                green = _green_copy(value, lock_type)
                if green is not None:
                    namespace[key] = green
    logging = sys.modules.get("logging")
    if logging is not None:
        for ref in list(getattr(logging, "_handlerList", ())):
            handler = ref()
            lock = getattr(handler, "lock", None)
            if type(lock) in real_types and _is_free(lock):
                handler.createLock()
