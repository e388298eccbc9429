"""eventlet.green.selectors: the stdlib's selectors, waiting on the hub.

Each green selector class is checked against the standard library's behaviour (registration
errors, the shape of ``select()``'s answer, timeouts) and for greenness: while ``select()``
waits, another green thread runs, in a known order. Timeout guards turn a hang into a failure.
"""

from __future__ import annotations

import os
import selectors as std_selectors
import socket
import sys

import pytest

from eventlet.green import os as green_os
from eventlet.green import selectors
from eventlet.greenio import GreenSocket
from eventlet.greenthread import spawn
from eventlet.hubs import get_hub
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it

all_hubs = pytest.mark.all_hubs

GREEN_CLASSES = ["DefaultSelector", "SelectSelector", "PollSelector"]


@pytest.fixture(params=GREEN_CLASSES)
def selector(request):
    """One of the green selector classes, instantiated, closed afterwards."""
    sel = getattr(selectors, request.param)()
    yield sel
    sel.close()


# -- the module ------------------------------------------------------------------------------


def test_default_selector_is_the_green_poll_selector():
    assert selectors.DefaultSelector is selectors.PollSelector
    assert selectors.PollSelector is not std_selectors.PollSelector
    assert selectors.SelectSelector is not std_selectors.SelectSelector


def test_blocking_only_selectors_are_absent():
    for name in ("EpollSelector", "DevpollSelector", "KqueueSelector"):
        assert not hasattr(selectors, name)
        assert name in selectors.__deleted__
    assert set(selectors.__patched__) == {"DefaultSelector", "SelectSelector", "PollSelector"}


def test_the_rest_of_the_module_is_the_stdlibs():
    for name in ("EVENT_READ", "EVENT_WRITE"):
        assert getattr(selectors, name) == getattr(std_selectors, name)
    for name in ("BaseSelector", "SelectorKey"):
        assert hasattr(selectors, name)
    key = selectors.SelectorKey(None, 3, selectors.EVENT_READ, "d")
    assert key == std_selectors.SelectorKey(None, 3, std_selectors.EVENT_READ, "d")


def test_the_real_selectors_module_is_left_alone():
    assert sys.modules["selectors"] is std_selectors
    assert std_selectors.select.select is __import__("select").select
    if hasattr(std_selectors, "EpollSelector"):
        assert std_selectors.DefaultSelector is std_selectors.EpollSelector


def test_green_selectors_are_stdlib_base_selectors(selector):
    assert isinstance(selector, std_selectors.BaseSelector)
    assert isinstance(selector, selectors.BaseSelector)


# -- registration, as the stdlib's -----------------------------------------------------------


def test_registration_like_stdlib(selector, pair):
    a, b = pair
    key = selector.register(a, selectors.EVENT_READ, "data")
    assert key == std_selectors.SelectorKey(a, a.fileno(), selectors.EVENT_READ, "data")
    assert selector.get_key(a) is key
    assert selector.get_map()[a.fileno()] is key
    with pytest.raises(KeyError):
        selector.register(a, selectors.EVENT_READ)
    with pytest.raises(ValueError):
        selector.register(b, 0)
    with pytest.raises(KeyError):
        selector.unregister(b)
    with pytest.raises(ValueError):
        selector.register(-1, selectors.EVENT_READ)
    changed = selector.modify(a, selectors.EVENT_WRITE, "other")
    assert (changed.events, changed.data) == (selectors.EVENT_WRITE, "other")
    assert selector.unregister(a) == changed
    assert len(selector.get_map()) == 0


# -- select() --------------------------------------------------------------------------------


@all_hubs
def test_ready_at_once(selector, pair):
    a, b = pair
    selector.register(a, selectors.EVENT_READ | selectors.EVENT_WRITE, "a")
    b.send(b"x")
    with Timeout(GUARD):
        got = selector.select(GUARD)
    assert [(key.fileobj, key.data, events) for key, events in got] == [
        (a, "a", selectors.EVENT_READ | selectors.EVENT_WRITE)
    ]


@all_hubs
def test_zero_or_negative_timeout_only_looks(selector, pair):
    a, _ = pair
    selector.register(a, selectors.EVENT_READ)
    assert selector.select(0) == []
    assert selector.select(-1) == []


@all_hubs
def test_select_waits_green_for_reading(selector, pair):
    a, b = pair
    selector.register(a, selectors.EVENT_READ, "reader")
    order = []

    def other():
        order.append(("other", a.fileno() in {lst.fileno for lst in get_hub().get_readers()}))
        b.send(b"ping")

    spawn(other)
    order.append("select")
    with Timeout(GUARD):
        got = selector.select(GUARD)
    order.append("ready")
    assert [(key.data, events) for key, events in got] == [("reader", selectors.EVENT_READ)]
    assert order == ["select", ("other", True), "ready"]


@all_hubs
def test_select_none_waits_until_ready(selector, pair):
    a, b = pair
    selector.register(a, selectors.EVENT_READ)
    spawn(b.send, b"x")
    with Timeout(GUARD):
        got = selector.select(None)
    assert [key.fileobj for key, _ in got] == [a]


@all_hubs
def test_select_waits_green_for_writing(selector, pair, fill, drain):
    a, b = pair
    fill(a)
    selector.register(a, selectors.EVENT_WRITE)
    assert selector.select(0) == []
    spawn(drain, b)
    with Timeout(GUARD):
        got = selector.select(GUARD)
    assert [(key.fileobj, events) for key, events in got] == [(a, selectors.EVENT_WRITE)]


@all_hubs
def test_select_times_out_empty(selector, pair):
    a, _ = pair
    selector.register(a, selectors.EVENT_READ)
    ran = []
    spawn(ran.append, "other")
    with Timeout(GUARD):
        assert selector.select(0.05) == []
    assert ran == ["other"]


@all_hubs
def test_many_descriptors_one_ready(selector):
    pairs = [socket.socketpair() for _ in range(10)]
    try:
        for i, (a, _) in enumerate(pairs):
            selector.register(a, selectors.EVENT_READ, i)
        spawn(pairs[7][1].send, b"x")
        with Timeout(GUARD):
            got = selector.select(GUARD)
        assert [key.data for key, _ in got] == [7]
    finally:
        for a, b in pairs:
            a.close()
            b.close()


@all_hubs
def test_green_sockets_can_be_registered(selector):
    a, b = (GreenSocket(s) for s in socket.socketpair())
    try:
        selector.register(a, selectors.EVENT_READ)
        spawn(b.sendall, b"hello")
        with Timeout(GUARD):
            got = selector.select(GUARD)
        assert [key.fileobj for key, _ in got] == [a]
        assert a.recv(5) == b"hello"
    finally:
        a.close()
        b.close()


@all_hubs
def test_closing_a_registered_descriptor_under_select_raises(selector):
    r, w = os.pipe()
    try:
        selector.register(r, selectors.EVENT_READ)
        spawn(green_os.close, r)
        with Timeout(GUARD), pytest.raises(OSError):
            selector.select(GUARD)
    finally:
        green_os.close(w)


def test_eventlet_timeout_interrupts_select(selector, pair):
    a, _ = pair
    selector.register(a, selectors.EVENT_READ)
    with pytest.raises(Timeout), Timeout(0.05):
        selector.select()
    assert a.fileno() not in {lst.fileno for lst in get_hub().get_readers()}
