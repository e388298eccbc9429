"""eventlet.green.select: select() and poll() against the standard library's, and green.

The stdlib module is the reference: where the answer is not obvious, the test asks the stdlib
the same question on the same descriptors. Waiting tests prove greenness by having another
green thread run (in a known order) while select or poll waits; every wait is bounded by a
Timeout guard so a bug fails instead of hanging.
"""

from __future__ import annotations

import errno
import os
import re
import select as std_select
import socket
import tempfile
import time

import pytest

from eventlet.event import Event
from eventlet.green import os as green_os
from eventlet.green import select
from eventlet.greenthread import spawn
from eventlet.hubs import get_hub
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it

all_hubs = pytest.mark.all_hubs


@pytest.fixture
def tcp_pair():
    """Two connected TCP sockets on loopback (client, server side)."""
    srv = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(srv.getsockname())
    conn, _ = srv.accept()
    srv.close()
    yield client, conn
    client.close()
    conn.close()


class CountingSelect:
    """Stands in for the stdlib module inside eventlet.green.select, counting select() calls."""

    def __init__(self):
        self.calls = 0

    def select(self, *args):
        self.calls += 1
        return std_select.select(*args)

    def __getattr__(self, name):
        return getattr(std_select, name)


# -- the module ------------------------------------------------------------------------------


def test_blocking_only_objects_are_absent_and_constants_stay():
    for name in ("epoll", "devpoll", "kqueue", "kevent"):
        assert not hasattr(select, name)
        assert name in select.__deleted__
    assert select.error is OSError
    for name in dir(std_select):
        if name.isupper():
            assert getattr(select, name) == getattr(std_select, name), name
    assert "select" in select.__patched__
    assert select.select is not std_select.select


def test_get_fileno_as_upstream_exposes_it():
    class Holder:
        def __init__(self, value):
            self.value = value

        def fileno(self):
            return self.value

    a, b = socket.socketpair()
    try:
        assert select.get_fileno(a) == a.fileno()
        assert select.get_fileno(a.fileno()) == a.fileno()
        assert select.get_fileno(Holder(7)) == 7
    finally:
        a.close()
        b.close()
    # The same exception types as the standard library's select() for bad objects.
    for bad in ("3", object(), Holder("3"), -1, Holder(-2)):
        with pytest.raises(Exception) as ours:
            select.get_fileno(bad)
        with pytest.raises(Exception) as theirs:
            std_select.select([bad], [], [], 0)
        assert type(ours.value) is type(theirs.value), bad
    with pytest.raises(TypeError, match="fileno\\(\\) method, not str"):
        select.get_fileno("3")


def test_poll_is_green_where_the_os_has_it():
    assert hasattr(std_select, "poll")
    assert "poll" in select.__patched__
    assert select.poll is not std_select.poll


# -- select(): answers without waiting --------------------------------------------------------


@all_hubs
def test_ready_descriptors_come_back_at_once_like_stdlib(pair, pipe):
    a, b = pair
    r, w = pipe.r, pipe.w
    b.send(b"data")
    os.write(w, b"x")
    args = ([a, r, b], [w, a], [], GUARD)
    with Timeout(GUARD):
        got = select.select(*args)
    assert got == std_select.select(*args)
    assert got == ([a, r], [w, a], [])
    assert got[0][0] is a  # the very objects given, in the order given


# -- every call is a switch point ----------------------------------------------------------------


def _loop_until_other_ran(call, other_ran, turns=200):
    """Call ``call()`` up to ``turns`` times, stopping once ``other_ran``: the turns it took."""
    for turn in range(turns):
        call()
        if other_ran:
            return turn
    return turns


def _ready_for_writing(kind, sock):
    """A call of select() or of a poll object's poll() that finds ``sock`` writable."""
    if kind == "select":
        return lambda: select.select([], [sock], [], GUARD)
    poller = select.poll()
    poller.register(sock, std_select.POLLOUT)
    return lambda: poller.poll(GUARD * 1000)


@all_hubs
@pytest.mark.parametrize("kind", ["select", "poll"])
def test_a_loop_that_always_finds_a_ready_socket_lets_others_run(pair, kind):
    # The shape of an asyncore server with a pending write on a socket whose peer it waits
    # for: the socket is always writable, so the call answers at once, every time. The
    # green thread waiting on I/O must still get its turn (CPython's test_ftplib over TLS).
    a, b = pair
    got = []
    other = spawn(lambda: (select.select([b], [], [], GUARD), got.append(b.recv(10))))
    a.send(b"hello")
    with Timeout(GUARD):
        turns = _loop_until_other_ran(_ready_for_writing(kind, a), got)
        other.wait()
    assert got == [b"hello"]
    assert turns < 5  # the reader ran during the loop, not after it


@all_hubs
def test_a_zero_timeout_select_loop_lets_others_run(pair):
    a, _ = pair
    ran = []
    spawn(ran.append, "other")
    turns = _loop_until_other_ran(lambda: select.select([a], [], [], 0), ran)
    assert ran == ["other"]
    assert turns == 0


def test_select_and_poll_answer_inside_the_hub_without_switching(pair):
    # A hub callback must not switch; there, select() and poll() only look.
    a, _ = pair
    poller = select.poll()
    poller.register(a, std_select.POLLOUT)
    answers = Event()
    get_hub().schedule_call_global(
        0, lambda: answers.send((select.select([], [a], [], 1), poller.poll(1000)))
    )
    with Timeout(GUARD):
        assert answers.wait() == (([], [a], []), [(a.fileno(), std_select.POLLOUT)])


def test_zero_timeout_only_looks(pair):
    a, _ = pair
    assert select.select([a], [], [a], 0) == ([], [], [])
    assert select.select([a], [], [], 0.0) == ([], [], [])


def test_iterables_are_accepted_like_stdlib(pair):
    a, b = pair
    b.send(b"x")
    got = select.select((s for s in [a]), iter([b]), (), 0)
    assert got == ([a], [b], [])


def test_ints_and_fileno_objects_mix(pair):
    a, b = pair
    b.send(b"x")
    assert select.select([a.fileno(), a], [], [], 0) == ([a.fileno(), a], [], [])


def test_regular_files_are_always_ready(tmp_path):
    with open(tmp_path / "f", "w+b") as f:
        assert select.select([f], [f], [], GUARD) == ([f], [f], [])


@all_hubs
def test_regular_file_never_exceptional_times_out(tmp_path):
    # epoll refuses regular files: the wait must not fail, just time out as the stdlib does.
    with open(tmp_path / "f", "w+b") as f, Timeout(GUARD):
        assert select.select([], [], [f], 0.05) == ([], [], [])


# -- select(): argument checking like the stdlib ----------------------------------------------


def stdlib_error(*args):
    try:
        std_select.select(*args)
    except Exception as exc:
        return type(exc), str(exc)
    raise AssertionError(f"the stdlib accepted {args!r}")


@pytest.mark.parametrize(
    "args",
    [
        ([], [], [], -1),
        ([], [], [], -0.5),
        ([], [], [], "1"),
        ([], [], [], float("nan")),
        (1, [], []),
        ([], None, []),
        (["x"], [], []),
        ([1.5], [], []),
        ([-1], [], []),
    ],
)
def test_bad_arguments_fail_like_stdlib(args):
    expected_type, expected_message = stdlib_error(*args)
    with pytest.raises(expected_type) as info:
        select.select(*args)
    assert str(info.value) == expected_message


def test_fileno_returning_a_non_int_fails_like_stdlib():
    class Bad:
        def fileno(self):
            return "three"

    expected = stdlib_error([Bad()], [], [], 0)
    with pytest.raises(expected[0], match=re.escape(expected[1])):
        select.select([Bad()], [], [], 1)


def test_closed_descriptor_fails_with_ebadf(pipe):
    r = pipe.r
    pipe.close(r, green=False)
    with pytest.raises(OSError) as info:
        select.select([r], [], [], GUARD)
    assert info.value.errno == errno.EBADF


# -- select(): waiting, green -------------------------------------------------------------------


@all_hubs
def test_waits_on_the_hub_while_another_green_thread_runs(pair):
    a, b = pair
    order = []

    def other():
        # select is waiting: through a hub listener on a's descriptor, not a busy loop.
        order.append(("other", a.fileno() in {lst.fileno for lst in get_hub().get_readers()}))
        b.send(b"ping")

    spawn(other)
    order.append("select")
    with Timeout(GUARD):
        got = select.select([a], [], [], GUARD)
    order.append("ready")
    assert got == ([a], [], [])
    assert order == ["select", ("other", True), "ready"]
    assert a.recv(10) == b"ping"


@all_hubs
def test_waits_for_writability(pair, fill):
    a, b = pair
    fill(a)
    assert select.select([], [a], [], 0) == ([], [], [])
    drained = Event()

    def drain():
        b.setblocking(False)
        try:
            while True:
                b.recv(1 << 20)
        except BlockingIOError:
            pass
        drained.send()

    spawn(drain)
    with Timeout(GUARD):
        got = select.select([], [a], [], GUARD)
    assert got == ([], [a], [])
    assert drained.ready()


# The selects hub watches no exceptional set, so only epoll and poll hear urgent data.
@pytest.mark.parametrize("hub_backend", ["epolls", "poll"], indirect=True)
def test_urgent_data_is_exceptional(tcp_pair):
    client, server = tcp_pair
    spawn(client.send, b"!", socket.MSG_OOB)
    with Timeout(GUARD):
        got = select.select([], [], [server], GUARD)
    assert got == ([], [], [server])
    assert got == std_select.select([], [], [server], 0)


@all_hubs
def test_plain_data_on_an_xlist_only_socket_neither_reports_nor_spins(pair, monkeypatch):
    a, b = pair
    counter = CountingSelect()
    monkeypatch.setattr(select, "_select", counter)
    b.send(b"not urgent")
    with Timeout(GUARD):
        got = select.select([], [], [a], 0.1)
    assert got == ([], [], []) == std_select.select([], [], [a], 0)
    # The first look, one after the read listener fired for nothing; then that listener is
    # left out and only the timeout ends the wait.
    assert counter.calls <= 3


@all_hubs
def test_one_ready_among_many_comes_back_alone():
    pipes = [os.pipe() for _ in range(20)]
    try:
        reads = [r for r, _ in pipes]
        spawn(os.write, pipes[13][1], b"x")
        with Timeout(GUARD):
            got = select.select(reads, [], [], GUARD)
        assert got == ([pipes[13][0]], [], [])
    finally:
        for r, w in pipes:
            green_os.close(r)
            green_os.close(w)


@all_hubs
def test_timeout_returns_empty_lists_after_waiting_once(pair, monkeypatch):
    a, _ = pair
    counter = CountingSelect()
    monkeypatch.setattr(select, "_select", counter)
    ran = []
    spawn(ran.append, "other")
    start = time.monotonic()
    with Timeout(GUARD):
        got = select.select([a], [], [], 0.1)
    assert got == ([], [], [])
    assert time.monotonic() - start >= 0.09  # it waited (a lower bound only)
    assert ran == ["other"]
    assert counter.calls == 1  # one look, then one wait on the hub: no polling
    assert a.fileno() not in {lst.fileno for lst in get_hub().get_readers()}


def test_empty_lists_with_a_timeout_sleep_green():
    ran = []
    spawn(ran.append, "other")
    with Timeout(GUARD):
        assert select.select([], [], [], 0.02) == ([], [], [])
    assert ran == ["other"]


@all_hubs
def test_closing_a_descriptor_under_select_raises(pipe):
    r = pipe.r
    closed = Event()

    def closer():
        pipe.close(r)  # the green close tells the hub
        closed.send()

    spawn(closer)
    with Timeout(GUARD), pytest.raises(OSError):
        select.select([r], [], [], GUARD)
    assert closed.ready()


@all_hubs
def test_greenpipe_closed_under_select_raises():
    from eventlet.greenio import GreenPipe

    r, w = os.pipe()
    reader = GreenPipe(r, "rb")
    try:
        spawn(reader.close)
        with Timeout(GUARD), pytest.raises(OSError):
            select.select([reader], [], [], GUARD)
    finally:
        reader.close()
        green_os.close(w)


@all_hubs
def test_eventlet_timeout_interrupts_a_wait_and_cleans_up(pair):
    a, _ = pair
    with pytest.raises(Timeout):
        with Timeout(0.05):
            select.select([a], [], [], None)
    assert a.fileno() not in {lst.fileno for lst in get_hub().get_readers()}
    # The descriptor can be waited on again at once.
    assert select.select([a], [], [], 0) == ([], [], [])


@all_hubs
def test_the_answer_after_waiting_is_complete(pair, fill, drain):
    # Both conditions come true before the waiter runs again: one listener wakes it, and the
    # answer still names both, as the stdlib's would.
    a, b = pair
    fill(a)

    def both():
        b.send(b"x")
        drain(b)

    spawn(both)
    with Timeout(GUARD):
        got = select.select([a], [a], [], GUARD)
    assert got == ([a], [a], [])


# -- poll() ------------------------------------------------------------------------------------


def stdlib_poll_error(method, *args):
    poller = std_select.poll()
    try:
        getattr(poller, method)(*args)
    except Exception as exc:
        return type(exc), str(exc)
    raise AssertionError(f"the stdlib accepted {method}{args!r}")


@pytest.mark.parametrize(
    "method, args",
    [
        ("register", ("x",)),
        ("register", (-1,)),
        ("register", (0, "x")),
        ("register", (0, 1 << 20)),
        ("modify", (50, std_select.POLLIN)),
        ("unregister", (50,)),
        ("poll", ("x",)),
        ("poll", (float("nan"),)),
    ],
)
def test_poll_bad_calls_fail_like_stdlib(method, args):
    expected_type, expected_message = stdlib_poll_error(method, *args)
    poller = select.poll()
    with pytest.raises(expected_type) as info:
        getattr(poller, method)(*args)
    assert str(info.value) == expected_message


@all_hubs
def test_poll_answers_like_stdlib_without_waiting(pair, pipe):
    a, b = pair
    r, w = pipe.r, pipe.w
    b.send(b"x")
    green, real = select.poll(), std_select.poll()
    for poller in (green, real):
        poller.register(a)
        poller.register(r, std_select.POLLIN)
        poller.register(w, std_select.POLLOUT)
    assert sorted(green.poll(GUARD * 1000)) == sorted(real.poll(0))
    green.modify(a, std_select.POLLIN)
    real.modify(a, std_select.POLLIN)
    assert sorted(green.poll(0)) == sorted(real.poll(0))
    green.unregister(w)
    assert green.poll(0) == [(a.fileno(), std_select.POLLIN)]


@all_hubs
def test_poll_waits_green(pair):
    a, b = pair
    poller = select.poll()
    poller.register(a, select.POLLIN)
    order = []

    def other():
        order.append("other")
        b.send(b"x")

    spawn(other)
    order.append("poll")
    with Timeout(GUARD):
        got = poller.poll(GUARD * 1000)
    assert got == [(a.fileno(), select.POLLIN)]
    assert order == ["poll", "other"]


@all_hubs
@pytest.mark.parametrize("forever", [None, -1])
def test_poll_none_or_negative_waits_until_ready(pair, forever):
    a, b = pair
    poller = select.poll()
    poller.register(a.fileno(), select.POLLIN)
    spawn(b.send, b"x")
    with Timeout(GUARD):
        assert poller.poll(forever) == [(a.fileno(), select.POLLIN)]


@all_hubs
def test_poll_timeout_in_milliseconds(pair, monkeypatch):
    a, _ = pair
    poller = select.poll()
    poller.register(a, select.POLLIN)
    start = time.monotonic()
    with Timeout(GUARD):
        assert poller.poll(50) == []
    assert time.monotonic() - start >= 0.045  # milliseconds, not seconds (a lower bound)
    assert poller.poll(0) == []


@all_hubs
def test_poll_reports_hangup_when_the_writer_goes(pipe):
    r, w = pipe.r, pipe.w
    poller = select.poll()
    poller.register(r, select.POLLIN)
    spawn(pipe.close, w)
    with Timeout(GUARD):
        got = poller.poll(GUARD * 1000)
    assert got == [(r, select.POLLHUP)]


@all_hubs
def test_poll_with_an_empty_mask_still_hears_errors(pipe):
    # A write end registered for nothing gets POLLERR when the reader goes, as the stdlib's.
    r, w = pipe.r, pipe.w
    poller = select.poll()
    poller.register(w, 0)
    spawn(pipe.close, r)
    with Timeout(GUARD):
        got = poller.poll(GUARD * 1000)
    assert got == [(w, select.POLLERR)]


def test_poll_reports_pollnval_for_a_closed_descriptor(pipe):
    r = pipe.r
    poller, real = select.poll(), std_select.poll()
    poller.register(r, select.POLLIN)
    real.register(r, select.POLLIN)
    pipe.close(r, green=False)
    # The stdlib's answer first: the green call's turn of the hub may open descriptors.
    expected = real.poll(0)
    assert poller.poll(GUARD * 1000) == expected == [(r, select.POLLNVAL)]


@all_hubs
def test_poll_waits_for_writability(pair, fill, drain):
    a, b = pair
    fill(a)
    poller = select.poll()
    poller.register(a, select.POLLOUT)
    assert poller.poll(0) == []

    spawn(drain, b)
    with Timeout(GUARD):
        assert poller.poll(GUARD * 1000) == [(a.fileno(), select.POLLOUT)]


def test_poll_concurrent_invocation_is_refused(pair):
    a, _ = pair
    poller = select.poll()
    poller.register(a, select.POLLIN)
    waiting = Event()
    errors = []

    def second():
        waiting.wait()
        try:
            poller.poll(0)
        except RuntimeError as exc:
            errors.append(str(exc))

    spawn(second)
    spawn(waiting.send)
    with Timeout(GUARD):
        assert poller.poll(50) == []
    assert errors == ["concurrent poll() invocation"]


@all_hubs
def test_closing_a_descriptor_under_poll_raises(pipe):
    r = pipe.r
    poller = select.poll()
    poller.register(r, select.POLLIN)
    spawn(pipe.close, r)
    with Timeout(GUARD), pytest.raises(OSError):
        poller.poll(GUARD * 1000)


def test_poll_works_with_a_regular_file():
    with tempfile.TemporaryFile() as f:
        poller = select.poll()
        poller.register(f, select.POLLIN | select.POLLOUT)
        assert poller.poll(GUARD * 1000) == [(f.fileno(), select.POLLIN | select.POLLOUT)]
