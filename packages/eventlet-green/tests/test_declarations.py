"""Every green module against the standard-library (or third-party) module it stands for.

A green module declares ``__patched__`` (the names it replaces with green versions) and, where
a name could only block, ``__deleted__``; its ``__all__`` is the original's. These tests hold
each green module to what it declares.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from types import ModuleType

import pytest

# green module -> the module it stands for
PAIRS = {
    "eventlet.green.socket": "socket",
    "eventlet.green.ssl": "ssl",
    "eventlet.green.select": "select",
    "eventlet.green.selectors": "selectors",
    "eventlet.green.time": "time",
    "eventlet.green.os": "os",
    "eventlet.green.subprocess": "subprocess",
    "eventlet.green._thread": "_thread",
    "eventlet.green.thread": "_thread",
    "eventlet.green.threading": "threading",
    "eventlet.green.queue": "queue",
    "eventlet.green.signal": "signal",
    "eventlet.green.Queue": "queue",
    "eventlet.green.urllib": "urllib",
    "eventlet.green.urllib.request": "urllib.request",
    "eventlet.green.urllib.parse": "urllib.parse",
    "eventlet.green.urllib.error": "urllib.error",
    "eventlet.green.urllib.response": "urllib.response",
    "eventlet.green.http": "http",
    "eventlet.green.http.client": "http.client",
    "eventlet.green.http.server": "http.server",
    "eventlet.green.http.cookies": "http.cookies",
    "eventlet.green.http.cookiejar": "http.cookiejar",
    "eventlet.green.socketserver": "socketserver",
    "eventlet.green.ftplib": "ftplib",
    "eventlet.green.builtin": "builtins",
    "eventlet.green.profile": "profile",
    "eventlet.green.BaseHTTPServer": "http.server",
    "eventlet.green.SimpleHTTPServer": "http.server",
    "eventlet.green.CGIHTTPServer": "http.server",
    "eventlet.green.SocketServer": "socketserver",
    "eventlet.green.httplib": "http.client",
    "eventlet.green.urllib2": "urllib.request",
    "eventlet.green.OpenSSL.SSL": "OpenSSL.SSL",
    "eventlet.green.zmq": "zmq",
}

# Modules whose whole point is green replacements: each must replace something.
MUST_PATCH = {
    "eventlet.green.socket",
    "eventlet.green.ssl",
    "eventlet.green.select",
    "eventlet.green.selectors",
    "eventlet.green.time",
    "eventlet.green.os",
    "eventlet.green.subprocess",
    "eventlet.green._thread",
    "eventlet.green.threading",
    "eventlet.green.queue",
    "eventlet.green.signal",
    "eventlet.green.http.client",
    "eventlet.green.urllib.request",
    "eventlet.green.socketserver",
    "eventlet.green.ftplib",
    "eventlet.green.OpenSSL.SSL",
    "eventlet.green.zmq",
}


def _load(green_name: str, original_name: str) -> tuple[ModuleType, ModuleType]:
    return importlib.import_module(green_name), importlib.import_module(original_name)


def _public(module: ModuleType) -> set[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return set(names)
    return {name for name in dir(module) if not name.startswith("_")}


@pytest.mark.parametrize("green_name, original_name", sorted(PAIRS.items()))
def test_declares_what_it_patches(green_name: str, original_name: str) -> None:
    green, _original = _load(green_name, original_name)
    patched = getattr(green, "__patched__", None)
    assert isinstance(patched, list), f"{green_name} has no __patched__ list"
    assert all(isinstance(name, str) for name in patched)
    assert len(set(patched)) == len(patched), f"{green_name}.__patched__ repeats a name"
    missing = [name for name in patched if not hasattr(green, name)]
    assert not missing, f"{green_name} declares {missing} patched but does not have them"
    if green_name in MUST_PATCH:
        assert patched, f"{green_name} patches nothing"


@pytest.mark.parametrize("green_name, original_name", sorted(PAIRS.items()))
def test_patched_names_are_not_the_originals(green_name: str, original_name: str) -> None:
    green, original = _load(green_name, original_name)
    if green_name in MUST_PATCH:
        same = [
            name
            for name in green.__patched__
            if hasattr(original, name) and getattr(green, name) is getattr(original, name)
        ]
        assert not same, f"{green_name} declares {same} patched but they are the originals"


@pytest.mark.parametrize("green_name, original_name", sorted(PAIRS.items()))
def test_has_every_name_of_the_original(green_name: str, original_name: str) -> None:
    green, original = _load(green_name, original_name)
    deleted = set(getattr(green, "__deleted__", ()))
    missing = sorted(_public(original) - deleted - set(dir(green)))
    assert not missing, f"{green_name} lacks {missing} of {original_name}"
    present = sorted(name for name in deleted if hasattr(green, name))
    assert not present, f"{green_name} declares {present} deleted but has them"


@pytest.mark.parametrize("green_name, original_name", sorted(PAIRS.items()))
def test_all_matches_the_original(green_name: str, original_name: str) -> None:
    green, original = _load(green_name, original_name)
    expected = getattr(original, "__all__", None)
    if expected is None:
        return  # the original declares no __all__; the names test covers it
    if green_name.rsplit(".", 1)[1] in ("BaseHTTPServer", "SimpleHTTPServer", "CGIHTTPServer", "urllib2"):
        # The Python 2 names gather several Python 3 modules: at least the original's names.
        assert set(expected) <= set(green.__all__)
        return
    deleted = set(getattr(green, "__deleted__", ()))
    assert list(green.__all__) == [name for name in expected if name not in deleted]


def test_every_green_module_imports_silently() -> None:
    """Importing prints nothing and warns nothing (warnings are errors here)."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {sorted(PAIRS)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('eventlet'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    loaded = json.loads(result.stdout)
    assert set(PAIRS) <= set(loaded)


def test_importing_green_modules_leaves_the_stdlib_alone() -> None:
    """Green copies are made aside: sys.modules keeps the real standard-library modules."""
    code = (
        "import importlib, sys\n"
        "names = ['socket', 'ssl', 'select', 'selectors', 'time', 'os', 'subprocess',\n"
        "         'threading', 'queue', 'http.client', 'http.server', 'urllib.request',\n"
        "         'socketserver', 'ftplib', '_thread', 'signal']\n"
        "before = {n: importlib.import_module(n) for n in names}\n"
        f"for name in {sorted(k for k in PAIRS if 'OpenSSL' not in k and 'zmq' not in k)!r}:\n"
        "    importlib.import_module(name)\n"
        "changed = [n for n in names if sys.modules[n] is not before[n]]\n"
        "assert not changed, changed\n"
        "import http.client, socket\n"
        "assert http.client.socket is socket, 'http.client sees a green socket'\n"
        "assert socket.socket.__module__ == 'socket'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
