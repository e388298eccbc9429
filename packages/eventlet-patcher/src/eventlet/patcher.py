"""Monkey patching: make the standard library, and the code built on it, green.

:func:`monkey_patch` puts eventlet's green modules in ``sys.modules`` in place of the
standard library's (``socket``, ``threading``, ``time``, ...), so every module imported
afterwards gets the green ones. Modules imported earlier are fixed too: their globals that
refer to a patched module, or to a name taken from one (``from time import sleep``), are
pointed at the green versions, and the locks they created at import (``logging``'s,
``concurrent.futures``') are replaced by green locks. The originals stay untouched and
available through :func:`original`; the hub and the green modules keep using them.

:func:`import_patched` and :func:`inject` make green copies of single modules without
patching anything globally.

Run a program with everything patched first::

    python -m eventlet.patcher script.py [args...]
    python -m eventlet.patcher -m package.module [args...]
"""

from __future__ import annotations

import builtins as _builtins
import importlib
import sys
import types
from collections.abc import Iterable
from typing import Any

from eventlet._patching import (
    green_existing_locks,
    patched_modules,
    rebind_imported,
    replace_modules,
)
from eventlet.green import _inject

__all__ = [
    "already_patched",
    "import_patched",
    "inject",
    "is_monkey_patched",
    "monkey_patch",
    "original",
]

# What each keyword of monkey_patch() patches: (standard-library name, green module name).
_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "os": (("os", "eventlet.green.os"),),
    "select": (("select", "eventlet.green.select"), ("selectors", "eventlet.green.selectors")),
    "socket": (("socket", "eventlet.green.socket"), ("ssl", "eventlet.green.ssl")),
    "thread": (
        ("_thread", "eventlet.green._thread"),
        ("threading", "eventlet.green.threading"),
        ("queue", "eventlet.green.queue"),
        ("signal", "eventlet.green.signal"),  # pthread_kill() given a green thread's ident
    ),
    "time": (("time", "eventlet.green.time"),),
    "subprocess": (("subprocess", "eventlet.green.subprocess"),),
    "MySQLdb": (("MySQLdb", "eventlet.green.MySQLdb"),),
    "builtins": (),  # patched in place: the interpreter uses the builtins module it has
    "psycopg": (),  # made cooperative through psycopg2's wait callback
}

# Patched only when asked for by name, as upstream does: they change programs that did not
# ask (builtins.open), or need a driver most programs do not have (MySQLdb).
_OPT_IN = frozenset({"builtins", "MySQLdb"})

# Upstream's other spelling of a keyword (its Python 2 name).
_ALIASES = {"__builtin__": "builtins"}

already_patched: dict[str, bool] = {}
"""The keywords of :func:`monkey_patch` whose modules are patched, each mapped to True
(``"socket"``, ``"thread"``, ...), as in upstream Eventlet."""


def original(modname: str) -> types.ModuleType:
    """Return the standard library's module ``modname`` as it is without eventlet.

    Even after :func:`monkey_patch`, ``original("threading").Thread`` starts a real OS thread
    and ``original("socket").socket`` makes a blocking socket.
    """
    return _inject.original(modname)


def inject(
    module_name: str, new_globals: dict[str, Any] | None, *additional_modules: Any
) -> types.ModuleType:
    """Import a fresh copy of ``module_name`` that sees ``additional_modules`` when it imports.

    ``additional_modules`` are ``(name, module)`` pairs (default: every green module). The
    copy's names are copied into ``new_globals`` unless it is None; the copy is returned and
    ``sys.modules`` is left as it was.
    """
    return _inject.inject(module_name, new_globals, *additional_modules)


def import_patched(
    module_name: str, *additional_modules: Any, **kw_additional_modules: Any
) -> types.ModuleType:
    """Import a fresh copy of ``module_name`` that uses green modules; the original is untouched.

    ``additional_modules`` are ``(name, module)`` pairs and ``kw_additional_modules`` are
    ``name=module``; with neither, every green module stands in for its standard-library one.
    """
    return _inject.import_patched(module_name, *additional_modules, **kw_additional_modules)


def _stdlib_name(module: Any) -> str:
    """The name ``is_monkey_patched()`` was asked about, given a name or a module."""
    if isinstance(module, str):
        if not module:
            raise ValueError("is_monkey_patched() needs a module name, not ''")
        return module
    if isinstance(module, types.ModuleType):
        if _inject.is_green(module):
            for pairs in _GROUPS.values():
                for name, green_name in pairs:
                    if green_name == module.__name__:
                        return name
        return module.__name__
    raise TypeError(f"is_monkey_patched() takes a module or its name, not {module!r}")


def is_monkey_patched(module: types.ModuleType | str) -> bool:
    """Return True if ``module`` (a module, or its name) is monkey patched now.

    Every module :func:`monkey_patch` replaced counts (``threading``, ``_thread``, ``queue``,
    ``ssl``, ``selectors``, ...), and so does each keyword of :func:`monkey_patch` that was
    applied (``"thread"``, ``"psycopg"``, ...).
    """
    name = _stdlib_name(module)
    if name in patched_modules():
        return _inject.is_green(sys.modules.get(name)) or name == "builtins"
    return bool(already_patched.get(_ALIASES.get(name, name)))


def _wanted(on: dict[str, Any]) -> list[str]:
    """The keywords of ``monkey_patch(**on)`` to apply, in a safe order."""
    on = dict(on)
    for alias, name in _ALIASES.items():
        if alias in on:
            if name in on:
                raise TypeError(f"monkey_patch() got both {alias!r} and {name!r}")
            on[name] = on.pop(alias)
    everything = on.pop("all", None)
    unknown = sorted(set(on) - set(_GROUPS))
    if unknown:
        raise TypeError(
            f"monkey_patch() got unexpected keyword(s) {', '.join(map(repr, unknown))}; "
            f"known: all, {', '.join(sorted(_GROUPS))}"
        )
    if everything is None:
        # Only True keywords: just those. Otherwise (none, or only False): all but those.
        everything = not any(bool(value) for value in on.values())
    chosen = []
    for name in _GROUPS:
        default = bool(everything) and name not in _OPT_IN
        if bool(on.get(name, default)):
            chosen.append(name)
    return chosen


def _importable(name: str) -> bool:
    """Whether the optional driver ``name`` can be imported (without importing it twice)."""
    if name in sys.modules:
        return True
    from importlib.util import find_spec

    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _import_hubs() -> None:
    """Import the hub backends this OS has, and make this thread's hub, with real modules."""
    from eventlet import hubs

    for name in hubs.BUILTIN_HUBS:
        if name == "asyncio" and "asyncio" not in sys.modules:
            # It imports asyncio, which would then keep the real selectors (a loop blocking
            # every green thread); get_hub() below still imports it if it is the chosen hub.
            continue
        try:
            importlib.import_module(f"eventlet.hubs.{name}")
        except ImportError:
            continue  # a backend this OS lacks (kqueue on Linux) may not even import
    hubs.get_hub()


def monkey_patch(**on: bool) -> None:
    """Patch the standard library so that blocking calls suspend only the green thread.

    With no keyword, everything is patched; with True keywords, only those; with False
    keywords, everything but those. Keywords: ``all``, ``os``, ``select`` (with
    ``selectors``), ``socket`` (with ``ssl``), ``thread`` (``_thread``, ``threading``,
    ``queue``, ``signal``), ``time``, ``subprocess``, ``psycopg``, ``MySQLdb`` and ``builtins`` (the last
    two only when named). Calling it again patches what is new and leaves the rest.
    """
    # A driver that is not installed is not patched (nor reported as patched), as upstream.
    groups = [
        group
        for group in _wanted(on)
        if not (group == "MySQLdb" and not _importable("MySQLdb"))
        and not (group == "psycopg" and not _importable("psycopg2"))
    ]
    pairs = [pair for group in groups for pair in _GROUPS[group]]
    # Every green module and hub is imported before anything is replaced, so they bind the
    # real modules (a hub imported later would find the green select, without epoll).
    _import_hubs()
    greens = [(name, importlib.import_module(green_name)) for name, green_name in pairs]
    if greens:
        replace_modules(greens)
    if "builtins" in groups and "builtins" not in already_patched:
        from eventlet.green import builtin as green_builtins

        # builtins is patched in place, so original("builtins") is a copy made beforehand.
        snapshot = types.ModuleType("builtins", _builtins.__doc__)
        vars(snapshot).update(vars(_builtins))
        _inject.save_original("builtins", snapshot)
        for attr in green_builtins.__patched__:
            setattr(_builtins, attr, getattr(green_builtins, attr))
        patched_modules().add("builtins")
    if "psycopg" in groups and "psycopg" not in already_patched:
        from eventlet.support.psycopg2_patcher import make_psycopg_green

        make_psycopg_green()
    if greens:
        rebind_imported()
    if "thread" in groups:
        green_existing_locks()
    for group in groups:
        already_patched[group] = True


def _main(argv: Iterable[str]) -> None:
    """``python -m eventlet.patcher [-m module | script] [args...]``: patch, then run."""
    import runpy

    args = list(argv)
    if not args or args[0] in ("-h", "--help"):
        print(
            "usage: python -m eventlet.patcher script.py [args...]\n"
            "       python -m eventlet.patcher -m module [args...]\n"
            "Runs the script (or module) with eventlet.patcher.monkey_patch() applied first."
        )
        raise SystemExit(0 if args else 2)
    monkey_patch()
    if args[0] == "-m":
        if len(args) < 2:
            raise SystemExit("eventlet.patcher: -m needs a module name")
        sys.argv = args[1:]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = args
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    # Run as `python -m eventlet.patcher`: this file is executing as __main__, a second copy.
    # Hand over to the one true eventlet.patcher module, so a program that imports it later
    # sees the patching state (already_patched, ...) that was set up for it.
    importlib.import_module("eventlet.patcher")._main(sys.argv[1:])
