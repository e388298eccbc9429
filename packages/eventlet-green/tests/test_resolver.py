"""Tests of eventlet.green._resolver: greendns by default, the system resolver on request.

With ``EVENTLET_NO_GREENDNS`` set, the system resolver runs in a worker OS thread; these
tests check, in a fresh interpreter, that the hub keeps running meanwhile. Only ``localhost``
and numeric addresses are looked up (the hosts file answers them), so nothing leaves the
machine.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import eventlet.green._resolver as resolver_module
from eventlet.support import greendns

NAMES = ["getaddrinfo", "gethostbyname", "gethostbyname_ex", "getnameinfo", "gethostbyaddr"]


@pytest.fixture
def fresh_resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A function importing a fresh copy of _resolver with EVENTLET_NO_GREENDNS set to a value."""
    loaded: list[str] = []

    def load(value: str | None) -> ModuleType:
        if value is None:
            monkeypatch.delenv("EVENTLET_NO_GREENDNS", raising=False)
        else:
            monkeypatch.setenv("EVENTLET_NO_GREENDNS", value)
        name = f"_fresh_resolver_{len(loaded)}"
        spec = importlib.util.spec_from_file_location(name, Path(resolver_module.__file__))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loaded.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in loaded:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("value", [None, "", "no", "0", "off", "false", "maybe"])
def test_greendns_by_default(fresh_resolver: Any, value: str | None) -> None:
    module = fresh_resolver(value)
    assert module.USE_GREENDNS is True
    for name in NAMES:
        assert getattr(module, name) is getattr(greendns, name)


@pytest.mark.parametrize("value", ["yes", "YES", "true", "True", "1", "on", " On "])
def test_system_resolver_on_request(fresh_resolver: Any, value: str) -> None:
    module = fresh_resolver(value)
    assert module.USE_GREENDNS is False
    for name in NAMES:
        assert getattr(module, name) is not getattr(greendns, name)
        assert getattr(module, name).__doc__
    # Numeric hosts: answered at once, exactly as the standard library answers.
    assert module.getaddrinfo("127.0.0.1", 80) == socket.getaddrinfo("127.0.0.1", 80)
    with pytest.raises(socket.gaierror) as info:
        module.getaddrinfo("127.0.0.1", "no-such-service")
    assert info.value.errno == socket.EAI_SERVICE
    with pytest.raises(TypeError):
        module.getaddrinfo(123, 80)


def test_system_resolver_runs_in_a_worker_thread(run_python: Any) -> None:
    code = r"""
import _socket
import threading
from eventlet.green import _resolver
from eventlet.green._inject import original
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

assert _resolver.USE_GREENDNS is False
real = original("socket")
args = ("localhost", 80, real.AF_INET, real.SOCK_STREAM)
assert _resolver.getaddrinfo(*args) == real.getaddrinfo(*args)
assert _resolver.gethostbyname_ex("localhost") == real.gethostbyname_ex("localhost")
assert _resolver.gethostbyaddr("127.0.0.1") == real.gethostbyaddr("127.0.0.1")
assert _resolver.getnameinfo(("127.0.0.1", 80), 0) == real.getnameinfo(("127.0.0.1", 80), 0)

# The system resolver (the C function under socket) blocks its OS thread until a green thread opens the gate: if the
# call held up the hub, the gate would never open.
gate = threading.Event()
threads = []
system_gethostbyname = _socket.gethostbyname

def blocking_gethostbyname(name):
    threads.append(threading.get_ident())
    if not gate.wait(10):
        raise RuntimeError("the hub was blocked while the resolver ran")
    return system_gethostbyname(name)

_socket.gethostbyname = blocking_gethostbyname
ticks = []

def opener():
    for _ in range(5):
        ticks.append(1)
        sleep(0.01)
    gate.set()

spawn(opener)
with Timeout(20):
    address = _resolver.gethostbyname("localhost")
print(address, len(ticks), threads[0] != threading.get_ident())

# Errors come back to the caller.
def failing(name):
    raise real.gaierror(real.EAI_NONAME, "Name or service not known")

_socket.gethostbyname = failing
try:
    _resolver.gethostbyname("localhost")
except real.gaierror as error:
    print("error", error.errno == real.EAI_NONAME)
"""
    result = run_python(code, "-W", "error", env={"EVENTLET_NO_GREENDNS": "yes"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["127.0.0.1 5 True", "error True"]
    assert result.stderr == ""


def test_import_prints_and_warns_nothing(run_python: Any) -> None:
    for value in ("", "yes"):
        result = run_python(
            "import eventlet.green._resolver, eventlet.support.greendns",
            "-W",
            "error",
            env={"EVENTLET_NO_GREENDNS": value},
        )
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_dnspython_loads_on_the_first_lookup_not_on_import(run_python: Any) -> None:
    result = run_python(
        "import sys\n"
        "import eventlet.green.socket as gs\n"
        "from eventlet.support import greendns\n"
        "assert 'dns' not in sys.modules\n"
        "assert gs.gethostbyname is greendns.gethostbyname\n"
        "assert gs.getaddrinfo('127.0.0.1', 80)[0][4] == ('127.0.0.1', 80)\n"
        "assert 'dns' not in sys.modules  # a numeric host needs no resolver\n"
        "assert gs.gethostbyname('localhost') == '127.0.0.1'\n"
        "assert 'dns' in sys.modules\n"
        "print('ok')\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
