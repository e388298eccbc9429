"""eventlet.green._inject: fresh copies of stdlib modules that import green modules.

Whatever import_patched / inject / original do inside, ``sys.modules`` and the packages'
attributes must look afterwards as they did before. Cases that need a module never imported
before run in a fresh interpreter (the ``run_python`` fixture).
"""

from __future__ import annotations

import http
import http.client
import socket as stdlib_socket
import sys
import textwrap
import types
from collections.abc import Callable
from typing import Any

import pytest

from eventlet.green import _inject
from eventlet.green import socket as green_socket
from eventlet.green._inject import (
    DEFAULT_GREEN_MODULES,
    green_module_pairs,
    import_patched,
    inject,
    is_green,
    original,
    rebind,
    save_original,
    slurp_properties,
)


def own_socket_module(name: str = "my_socket") -> types.ModuleType:
    """A module of the test's own: the stdlib socket's names plus a marker."""
    module = types.ModuleType(name)
    module.__dict__.update(vars(stdlib_socket))
    module.__name__ = name
    module.MARKER = name  # type: ignore[attr-defined]
    return module


# Where a fresh-interpreter script starts: import_patched and a socket module of its own.
OWN_SOCKET_PRELUDE = """
import socket, sys, types
from eventlet.green._inject import import_patched
mine = types.ModuleType("my_socket")
mine.__dict__.update(vars(socket))
"""


def check(run_python: Callable[..., Any], *parts: str) -> None:
    """Run the script ``parts`` make in a fresh interpreter (warnings are errors): its
    assertions must all hold."""
    script = "".join(textwrap.dedent(part) for part in parts) + 'print("ok")\n'
    result = run_python(script, "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"


@pytest.fixture
def isolated_originals(monkeypatch: pytest.MonkeyPatch) -> dict[str, types.ModuleType]:
    """The record of original modules, restored after the test."""
    copy = dict(_inject._originals)
    monkeypatch.setattr(_inject, "_originals", copy)
    return copy


# -- import_patched --------------------------------------------------------------------------


def test_import_patched_uses_the_given_module_and_leaves_the_real_one() -> None:
    mine = own_socket_module()
    real = sys.modules["http.client"]
    assert real is http.client
    socket_before = sys.modules["socket"]

    copy = import_patched("http.client", socket=mine)

    assert copy is not real
    assert copy.socket is mine
    assert copy.__name__ == "http.client"
    assert copy.HTTPConnection is not real.HTTPConnection
    # The copy's code finds our module through its globals.
    assert copy.HTTPConnection.connect.__globals__["socket"] is mine
    assert sys.modules["http.client"] is real
    assert http.client is real  # the package attribute the import set is put back
    assert sys.modules["socket"] is socket_before is stdlib_socket
    assert real.socket is stdlib_socket


def test_import_patched_with_pairs() -> None:
    mine = own_socket_module("pair_socket")
    copy = import_patched("http.client", ("socket", mine))
    assert copy.socket is mine
    assert sys.modules["http.client"] is http.client


def test_import_patched_copies_are_independent() -> None:
    first = import_patched("http.client", socket=own_socket_module("first"))
    second = import_patched("http.client", socket=own_socket_module("second"))
    assert first is not second
    assert first.socket.MARKER == "first"
    assert second.socket.MARKER == "second"


def test_import_patched_defaults_to_every_green_module() -> None:
    import ftplib

    copy = import_patched("ftplib")
    assert copy is not ftplib
    assert copy.socket is green_socket
    assert sys.modules["ftplib"] is ftplib
    assert vars(ftplib)["socket"] is stdlib_socket
    assert sys.modules["socket"] is stdlib_socket
    for name, _ in DEFAULT_GREEN_MODULES:
        if name in sys.modules:
            assert not is_green(sys.modules[name]), name


def test_import_patched_a_module_that_fails_restores_sys_modules() -> None:
    mine = own_socket_module()
    with pytest.raises(ModuleNotFoundError):
        import_patched("no_such_module_for_eventlet_tests", socket=mine)
    assert sys.modules["socket"] is stdlib_socket
    assert "no_such_module_for_eventlet_tests" not in sys.modules


@pytest.mark.parametrize("name", [None, 42, "", b"http.client"])
def test_import_patched_needs_a_module_name(name: Any) -> None:
    with pytest.raises(TypeError, match="module name"):
        import_patched(name, socket=own_socket_module())


@pytest.mark.parametrize(
    "pair", [("socket",), ("socket", "not a module"), (42, stdlib_socket), "socket", 7]
)
def test_import_patched_rejects_bad_pairs(pair: Any) -> None:
    with pytest.raises(TypeError, match="pairs"):
        import_patched("http.client", pair)
    assert sys.modules["http.client"] is http.client


def test_import_patched_rejects_a_keyword_that_is_not_a_module() -> None:
    with pytest.raises(TypeError, match="pairs"):
        import_patched("http.client", socket="eventlet.green.socket")


def test_import_patched_drops_first_time_imports_that_took_a_green_module(
    run_python: Callable[..., Any],
) -> None:
    # xmlrpc.client imports http.client, which imports socket: in a fresh interpreter
    # http.client is imported for the first time inside import_patched, with our socket.
    check(
        run_python,
        OWN_SOCKET_PRELUDE,
        """
        assert "xmlrpc.client" not in sys.modules and "http.client" not in sys.modules
        copy = import_patched("xmlrpc.client", socket=mine)
        # The copy reaches http.client through the package attribute, which is not left
        # pointing at the green http.client: green modules pass green packages explicitly.
        assert getattr(copy.http, "client", None) in (None, sys.modules.get("http.client"))
        assert "xmlrpc.client" not in sys.modules
        left = sys.modules.get("http.client")
        assert left is None or left.socket is socket, "a green http.client was left behind"
        assert sys.modules["socket"] is socket
        import http.client, xmlrpc.client
        assert http.client.socket is socket
        assert xmlrpc.client is not copy
        """,
    )


def test_no_green_submodule_is_left_as_a_package_attribute(
    run_python: Callable[..., Any],
) -> None:
    check(
        run_python,
        OWN_SOCKET_PRELUDE,
        """
        assert "http" not in sys.modules
        import_patched("xmlrpc.client", socket=mine)
        assert "http.client" not in sys.modules
        from http import client  # finds the package attribute, imports nothing
        assert client.socket is socket, "from http import client gave the green copy"
        """,
    )


def test_import_patched_before_the_parent_package_was_imported(
    run_python: Callable[..., Any],
) -> None:
    check(
        run_python,
        OWN_SOCKET_PRELUDE,
        """
        assert "http" not in sys.modules
        copy = import_patched("http.client", socket=mine)
        assert copy.socket is mine
        assert "http.client" not in sys.modules
        import http
        assert getattr(http, "client", None) is not copy, "http.client is the copy"
        """,
    )


# -- inject ----------------------------------------------------------------------------------


def test_inject_copies_the_names_into_a_dict() -> None:
    mine = own_socket_module()
    namespace: dict[str, Any] = {"__name__": "my_green_http_client", "keep": 1}
    module = inject("http.client", namespace, ("socket", mine))
    assert namespace["socket"] is mine
    assert namespace["HTTPConnection"] is module.HTTPConnection
    assert namespace["HTTPConnection"] is not http.client.HTTPConnection
    assert namespace["__all__"] == http.client.__all__
    assert namespace["__doc__"] == http.client.__doc__
    assert namespace["__name__"] == "my_green_http_client"  # its identity is kept
    assert "__file__" not in namespace and "__spec__" not in namespace
    assert namespace["keep"] == 1
    assert namespace["_MAXLINE"] == vars(http.client)["_MAXLINE"]  # private names are copied too
    assert sys.modules["http.client"] is http.client


def test_inject_without_a_namespace_returns_the_copy() -> None:
    mine = own_socket_module()
    module = inject("http.client", None, ("socket", mine))
    assert module.socket is mine
    assert sys.modules["http.client"] is http.client


# -- original / save_original / is_green -----------------------------------------------------


def test_original_socket_is_the_stdlib_socket() -> None:
    assert original("socket") is stdlib_socket


def test_original_while_a_green_module_is_in_sys_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "socket", green_socket)
    assert original("socket") is stdlib_socket
    assert sys.modules["socket"] is green_socket  # left as it was


def test_original_of_a_module_never_imported_while_patched(
    run_python: Callable[..., Any],
) -> None:
    check(
        run_python,
        """
        import socket, sys
        from eventlet.green import socket as green_socket
        from eventlet.green._inject import original
        assert "smtplib" not in sys.modules
        sys.modules["socket"] = green_socket  # as monkey patching does
        smtplib = original("smtplib")
        assert smtplib.socket is socket, smtplib.socket
        assert sys.modules["socket"] is green_socket
        assert original("smtplib") is smtplib  # recorded
        assert original("socket") is socket
        """,
    )


def test_original_drops_first_time_imports_that_took_a_real_module_while_patched(
    run_python: Callable[..., Any],
) -> None:
    # While socket is green (monkey patched), original("xmlrpc.client") imports
    # http.client for the first time with the real socket: that unpatched http.client
    # must not stay for the patched program to import.
    check(
        run_python,
        """
        import socket, sys
        from eventlet.green import socket as green_socket
        from eventlet.green._inject import original
        assert "http.client" not in sys.modules
        sys.modules["socket"] = green_socket
        real = original("xmlrpc.client")
        assert real.__name__ == "xmlrpc.client" and real is not sys.modules.get("xmlrpc.client")
        left = sys.modules.get("http.client")
        assert left is None or left.socket is green_socket
        """,
    )


@pytest.mark.parametrize("name", ["", None, 1, ["socket"]])
def test_original_needs_a_module_name(name: Any) -> None:
    with pytest.raises(TypeError, match="module name"):
        original(name)


def test_save_original_refuses_a_green_module(isolated_originals: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="green"):
        save_original("socket", green_socket)
    with pytest.raises(ValueError, match="eventlet.green.socket"):
        save_original("a_name_never_used", green_socket)
    assert "a_name_never_used" not in isolated_originals


def test_save_original_records_the_first_module(isolated_originals: dict[str, Any]) -> None:
    first = types.ModuleType("fake_stdlib_module")
    second = types.ModuleType("fake_stdlib_module")
    save_original("fake_stdlib_module", first)
    save_original("fake_stdlib_module", second)
    assert original("fake_stdlib_module") is first


def test_is_green() -> None:
    assert is_green(green_socket)
    assert not is_green(stdlib_socket)
    assert not is_green("eventlet.green.socket")
    assert not is_green(None)
    fake = types.SimpleNamespace(__patched__=[])
    assert not is_green(fake)  # only modules


# -- green_module_pairs ----------------------------------------------------------------------


def test_green_module_pairs_default() -> None:
    pairs = green_module_pairs()
    assert [name for name, _ in pairs] == [name for name, _ in DEFAULT_GREEN_MODULES]
    for (name, module), (_, module_name) in zip(pairs, DEFAULT_GREEN_MODULES, strict=True):
        assert module.__name__ == module_name
        assert is_green(module), name


def test_green_module_pairs_chosen() -> None:
    assert green_module_pairs(["socket"]) == [("socket", green_socket)]
    assert green_module_pairs(()) == []


def test_green_module_pairs_unknown_name() -> None:
    with pytest.raises(ValueError, match="'nope'") as caught:
        green_module_pairs(["socket", "nope"])
    assert "socket" in str(caught.value)  # lists the known names


# -- rebind ----------------------------------------------------------------------------------


def _uses_a_global(a: int, b: int = 2, *, c: int = 3) -> tuple[Any, int, int, int]:
    """The sample function."""
    return (SOME_GLOBAL, a, b, c)  # type: ignore[name-defined]  # noqa: F821


def test_rebind_gives_a_function_with_the_given_globals() -> None:
    namespace: dict[str, Any] = {"SOME_GLOBAL": "from the namespace", "__name__": "elsewhere"}
    copy = rebind(_uses_a_global, namespace)
    assert copy.__globals__ is namespace
    assert copy(1) == ("from the namespace", 1, 2, 3)
    assert copy(1, 5, c=6) == ("from the namespace", 1, 5, 6)
    assert copy.__name__ == "_uses_a_global"
    assert copy.__qualname__ == _uses_a_global.__qualname__
    assert copy.__doc__ == "The sample function."
    assert copy.__module__ == "elsewhere"
    assert copy.__code__ is _uses_a_global.__code__
    # The namespace is live, and the original is untouched.
    namespace["SOME_GLOBAL"] = "changed"
    assert copy(0)[0] == "changed"
    with pytest.raises(NameError):
        _uses_a_global(1)


def test_rebind_keeps_a_closure() -> None:
    def make() -> Callable[[], tuple[Any, int]]:
        captured = 41

        def inner() -> tuple[Any, int]:
            return (OTHER_GLOBAL, captured + 1)  # type: ignore[name-defined]  # noqa: F821

        return inner

    copy = rebind(make(), {"OTHER_GLOBAL": "g"})
    assert copy() == ("g", 42)


def test_rebind_a_stdlib_function_to_a_green_namespace() -> None:
    namespace = dict(vars(stdlib_socket))
    mine = own_socket_module()
    namespace["_socket"] = mine
    copy = rebind(stdlib_socket.create_connection, namespace)
    assert copy.__globals__["_socket"] is mine
    assert stdlib_socket.create_connection.__globals__["_socket"] is not mine


@pytest.mark.parametrize("thing", [len, "create_connection", None, str.upper])
def test_rebind_needs_a_python_function(thing: Any) -> None:
    with pytest.raises(TypeError, match="function"):
        rebind(thing, {})


# -- slurp_properties ------------------------------------------------------------------------


def test_slurp_properties() -> None:
    source = types.ModuleType("source")
    source.public = 1  # type: ignore[attr-defined]
    source._private = 2  # type: ignore[attr-defined]
    source.skipped = 3  # type: ignore[attr-defined]
    source.__dunder__ = 4  # type: ignore[attr-defined]
    destination: dict[str, Any] = {"public": "old"}
    slurp_properties(source, destination, ignore=["skipped"])
    assert destination == {"public": 1, "_private": 2}


def test_slurp_properties_with_srckeys() -> None:
    source = types.SimpleNamespace(a=1, b=2, c=3)
    destination: dict[str, Any] = {}
    slurp_properties(source, destination, srckeys=["a", "c"])
    assert destination == {"a": 1, "c": 3}
