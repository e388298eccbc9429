"""eventlet.patcher's functions that change nothing globally, tested in this process:
original(), import_patched(), inject(), is_monkey_patched() and monkey_patch()'s arguments."""

from __future__ import annotations

import http.client
import socket
import sys
import types

import pytest

from eventlet import patcher
from eventlet.green import socket as green_socket
from eventlet.green import thread as green_thread
from eventlet.greenio import GreenSocket


def test_public_names_have_docstrings():
    for name in patcher.__all__:
        assert getattr(patcher, name) is not None
        if callable(getattr(patcher, name)):
            assert getattr(patcher, name).__doc__, name
    assert patcher.already_patched == {} or isinstance(patcher.already_patched, dict)


def test_original_before_patching_is_the_loaded_module():
    assert patcher.original("socket") is socket
    assert patcher.original("json") is sys.modules["json"] or patcher.original("json").dumps


def test_original_rejects_bad_names():
    with pytest.raises(TypeError, match="module name"):
        patcher.original("")
    with pytest.raises(TypeError, match="module name"):
        patcher.original(socket)  # type: ignore[arg-type]


def test_import_patched_with_pairs_and_keywords():
    with_pair = patcher.import_patched("http.client", ("socket", green_socket))
    with_keyword = patcher.import_patched("http.client", socket=green_socket)
    for copy in (with_pair, with_keyword):
        assert isinstance(copy, types.ModuleType)
        assert copy.socket is green_socket
        assert copy is not http.client
    assert sys.modules["http.client"] is http.client
    assert http.client.socket is socket
    assert sys.modules["socket"] is socket


def test_import_patched_rejects_bad_arguments():
    with pytest.raises(TypeError, match="module name"):
        patcher.import_patched("")
    with pytest.raises(TypeError, match="pairs"):
        patcher.import_patched("http.client", "socket")


def test_inject_fills_globals():
    namespace: dict = {}
    module = patcher.inject("http.client", namespace, ("socket", green_socket))
    assert namespace["HTTPConnection"] is module.HTTPConnection
    assert module.socket.socket is GreenSocket
    assert "__name__" not in namespace
    assert patcher.inject("http.client", None, ("socket", green_socket)).socket is green_socket


def test_is_monkey_patched_without_patching():
    assert patcher.is_monkey_patched("socket") is False
    assert patcher.is_monkey_patched(socket) is False
    assert patcher.is_monkey_patched(green_thread) is False
    with pytest.raises(TypeError, match="module or its name"):
        patcher.is_monkey_patched(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="module name"):
        patcher.is_monkey_patched("")


@pytest.mark.parametrize(
    ("keywords", "expected"),
    [
        ({}, ["os", "select", "socket", "thread", "time", "subprocess", "psycopg"]),
        ({"all": True}, ["os", "select", "socket", "thread", "time", "subprocess", "psycopg"]),
        ({"socket": True, "select": True}, ["select", "socket"]),
        ({"thread": False, "os": False}, ["select", "socket", "time", "subprocess", "psycopg"]),
        ({"all": False, "time": True}, ["time"]),
        ({"builtins": True}, ["builtins"]),
        ({"__builtin__": True, "MySQLdb": True}, ["MySQLdb", "builtins"]),
        (
            {"all": True, "MySQLdb": True},
            [
                "os",
                "select",
                "socket",
                "thread",
                "time",
                "subprocess",
                "MySQLdb",
                "psycopg",
            ],
        ),
    ],
)
def test_keywords_choose_groups(keywords, expected):
    assert sorted(patcher._wanted(keywords)) == sorted(expected)


def test_unknown_keyword_is_named():
    with pytest.raises(TypeError, match="'socks'"):
        patcher.monkey_patch(socks=True)
    with pytest.raises(TypeError, match="both"):
        patcher.monkey_patch(builtins=True, __builtin__=False)
