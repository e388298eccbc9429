"""The hub and descriptors: trampoline, listeners, closing, threads, signals and fork.

Every test here runs once per hub backend.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import threading
import time

import pytest

from eventlet import debug, hubs
from eventlet.event import Event
from eventlet.greenthread import kill, sleep, spawn
from eventlet.timeout import Timeout

pytestmark = pytest.mark.all_hubs


class Interrupt(Exception):
    pass


def fill_send_buffer(sock):
    """Write to ``sock`` until the kernel refuses more; return how much went in."""
    total = 0
    chunk = b"x" * 65536
    while True:
        try:
            total += sock.send(chunk)
        except BlockingIOError:
            return total


def drain(sock):
    total = 0
    while True:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return total
        if not data:
            return total
        total += len(data)


# -- trampoline ------------------------------------------------------------------------------


def test_trampoline_read_waits_until_data_arrives(hub, sockpair):
    a, b = sockpair
    log = []

    def reader():
        log.append("waiting")
        hubs.trampoline(a, read=True, timeout=5)
        log.append("readable")
        return a.recv(100)

    gt = spawn(reader)
    sleep(0)
    sleep(0)
    assert log == ["waiting"]
    assert [listener.fileno for listener in hub.get_readers()] == [a.fileno()]
    b.send(b"ping")
    assert gt.wait() == b"ping"
    assert log == ["waiting", "readable"]
    assert hub.get_readers() == []


def test_trampoline_accepts_a_descriptor_number(hub, sockpair):
    a, b = sockpair
    gt = spawn(hubs.trampoline, a.fileno(), read=True, timeout=5)
    sleep(0)
    b.send(b"x")
    gt.wait()
    assert a.recv(10) == b"x"


def test_trampoline_write_returns_when_writable(hub, sockpair):
    a, _ = sockpair
    hubs.trampoline(a, write=True, timeout=5)
    assert hub.get_writers() == []


def test_trampoline_write_waits_while_the_send_buffer_is_full(hub, sockpair):
    a, b = sockpair
    fill_send_buffer(a)
    log = []

    def writer():
        hubs.trampoline(a, write=True, timeout=5)
        log.append("writable")

    gt = spawn(writer)
    sleep(0)
    sleep(0)
    assert log == []
    assert [listener.fileno for listener in hub.get_writers()] == [a.fileno()]

    def consumer():
        # Drain until the writer is woken; the kernel may need more than one drain.
        while not log:
            drain(b)
            hubs.trampoline(b, read=True, timeout=0.05, timeout_exc=Interrupt)

    reader = spawn(consumer)
    gt.wait()
    try:
        reader.wait()
    except Interrupt:
        pass
    assert log == ["writable"]
    assert hub.get_writers() == []


def test_trampoline_timeout_raises_the_given_exception_class(hub, sockpair):
    a, _ = sockpair
    with pytest.raises(socket.timeout):
        hubs.trampoline(a, read=True, timeout=0.01, timeout_exc=socket.timeout)
    assert hub.get_readers() == []


def test_trampoline_timeout_raises_the_given_exception_instance(hub, sockpair):
    a, _ = sockpair
    exc = Interrupt("too slow")
    with pytest.raises(Interrupt) as info:
        hubs.trampoline(a, read=True, timeout=0.01, timeout_exc=exc)
    assert info.value is exc
    assert hub.get_readers() == []


def test_trampoline_timeout_defaults_to_timeout(hub, sockpair):
    a, _ = sockpair
    with pytest.raises(Timeout):
        hubs.trampoline(a, read=True, timeout=0.01)


def test_trampoline_timeout_is_canceled_once_ready(hub, sockpair):
    a, b = sockpair
    b.send(b"x")
    hubs.trampoline(a, read=True, timeout=0.02, timeout_exc=Interrupt)
    # Well past the timeout: had it been left armed, this sleep would raise Interrupt.
    sleep(0.05)
    assert a.recv(10) == b"x"


def test_trampoline_on_a_closed_descriptor_fails_instead_of_hanging(hub):
    s = socket.socket()
    fd = s.fileno()
    s.close()
    with pytest.raises(OSError):
        hubs.trampoline(fd, read=True, timeout=2, timeout_exc=Interrupt)
    assert hub.get_readers() == []


# -- closing descriptors under waiters -------------------------------------------------------


def test_notify_close_wakes_the_waiter_with_ioclosed(hub, sockpair):
    a, _ = sockpair
    marked = []

    def reader():
        try:
            hubs.trampoline(a, read=True, timeout=5, mark_as_closed=lambda: marked.append(1))
        except hubs.IOClosed as exc:
            return exc
        return None

    gt = spawn(reader)
    sleep(0)
    hubs.notify_close(a.fileno())
    exc = gt.wait()
    assert isinstance(exc, hubs.IOClosed)
    assert isinstance(exc, OSError)
    assert marked == [1]
    assert hub.get_readers() == []


def test_notify_opened_wakes_waiters_on_the_old_file(hub, sockpair):
    a, _ = sockpair
    gt = spawn(hubs.trampoline, a, write=False, read=True, timeout=5)
    sleep(0)
    hubs.notify_opened(a.fileno())
    with pytest.raises(hubs.IOClosed):
        gt.wait()


def test_notify_close_of_an_unwatched_descriptor_is_harmless(hub, sockpair):
    a, b = sockpair
    hubs.notify_close(a.fileno())
    b.send(b"still fine")
    hubs.trampoline(a, read=True, timeout=5)
    assert a.recv(100) == b"still fine"


# -- several green threads on one descriptor -------------------------------------------------


def test_second_reader_is_a_clear_runtime_error(hub, sockpair):
    a, b = sockpair
    first = spawn(hubs.trampoline, a, read=True, timeout=5)
    sleep(0)

    def second():
        hubs.trampoline(a, read=True, timeout=5)

    gt = spawn(second)
    with pytest.raises(RuntimeError) as info:
        gt.wait()
    message = str(info.value)
    assert str(a.fileno()) in message
    assert "hub_prevent_multiple_readers" in message
    # The first reader is still waiting, and still wakes.
    b.send(b"x")
    first.wait()
    assert hub.get_readers() == []


def test_multiple_readers_allowed_when_protection_is_off(hub, sockpair):
    a, b = sockpair
    debug.hub_prevent_multiple_readers(False)
    try:
        woken = []

        def reader(name):
            hubs.trampoline(a, read=True, timeout=5)
            woken.append(name)

        one = spawn(reader, "one")
        two = spawn(reader, "two")
        sleep(0)
        assert woken == []
        b.send(b"x")  # nobody reads it, so the descriptor stays readable for both
        one.wait()
        two.wait()
        assert sorted(woken) == ["one", "two"]
    finally:
        debug.hub_prevent_multiple_readers(True)
    assert hub.get_readers() == []
    assert a.recv(10) == b"x"
    # Protection is back on.
    first = spawn(hubs.trampoline, a, read=True, timeout=5)
    sleep(0)
    second = spawn(hubs.trampoline, a, read=True, timeout=5)
    with pytest.raises(RuntimeError):
        second.wait()
    b.send(b"y")
    first.wait()


# -- the listener API ------------------------------------------------------------------------


def test_add_calls_back_with_the_fileno_until_removed(hub, sockpair):
    a, b = sockpair
    calls = []
    done = Event()

    def on_readable(fileno):
        calls.append(fileno)
        if len(calls) == 3:
            hub.remove(listener)
            done.send()

    listener = hub.add(hub.READ, a.fileno(), on_readable, lambda exc: None)
    assert hub.get_readers() == [listener]
    assert hub.get_writers() == []
    b.send(b"x")  # level-triggered: reported again every turn while unread
    done.wait()
    sleep(0.01)
    assert calls == [a.fileno()] * 3
    assert hub.get_readers() == []
    hub.remove(listener)  # twice is fine


def test_add_write_listener_and_remove(hub, sockpair):
    a, _ = sockpair
    woke = Event()
    listener = hub.add(hub.WRITE, a.fileno(), lambda fileno: woke.send(fileno), lambda exc: None)
    assert hub.get_writers() == [listener]
    assert woke.wait(timeout=5) == a.fileno()
    hub.remove(listener)
    assert hub.get_writers() == []


def test_removed_listener_is_not_called(hub, sockpair):
    a, b = sockpair
    calls = []
    listener = hub.add(hub.READ, a.fileno(), calls.append, lambda exc: None)
    hub.remove(listener)
    b.send(b"x")
    sleep(0.01)
    assert calls == []


def test_remove_descriptor_drops_listeners_without_waking_them(hub, sockpair):
    a, b = sockpair
    log = []

    def reader():
        try:
            hubs.trampoline(a, read=True)
            log.append("woken")
        except BaseException as exc:
            log.append(type(exc).__name__)
            raise

    gt = spawn(reader)
    sleep(0)
    assert len(hub.get_readers()) == 1
    hub.remove_descriptor(a.fileno())
    assert hub.get_readers() == []
    b.send(b"x")
    sleep(0.01)
    assert log == []
    kill(gt)
    assert log == ["GreenletExit"]


def test_listener_exception_is_reported_and_the_descriptor_dropped(hub, sockpair, capsys):
    a, b = sockpair

    called = Event()

    def broken(fileno):
        called.send()
        raise ValueError("listener broke")

    hub.add(hub.READ, a.fileno(), broken, lambda exc: None)
    b.send(b"x")
    called.wait()  # woken through the run queue, after the hub has handled the error
    err = capsys.readouterr().err
    assert "ValueError: listener broke" in err
    assert hub.get_readers() == []
    # The hub still serves others.
    assert spawn(lambda: "alive").wait() == "alive"


def test_listener_for_a_descriptor_number_that_closes_gets_ioclosed(hub):
    r, w = os.pipe()
    try:
        got = []
        hub.add(hub.READ, r, lambda fileno: got.append("ready"), got.append)
        hubs.notify_close(r)
        sleep(0)
        sleep(0)
        assert len(got) == 1 and isinstance(got[0], hubs.IOClosed)
        assert got[0].errno == errno.ENOTCONN
    finally:
        os.close(r)
        os.close(w)


# -- waking the hub from elsewhere -----------------------------------------------------------


def test_call_soon_threadsafe_wakes_a_hub_waiting_for_a_long_timer(hub):
    evt = Event()
    hub_thread = threading.get_ident()
    ran_in = []
    blocking = threading.Event()

    def callback(value):
        ran_in.append(threading.get_ident())
        evt.send(value)

    def other_thread():
        blocking.wait(10)
        hub.call_soon_threadsafe(callback, "from thread")

    thread = threading.Thread(target=other_thread)
    thread.start()
    # Let the other thread go once the hub runs; it then sleeps in the OS for 20 s.
    hub.schedule_call_global(0, blocking.set)
    start = time.monotonic()
    result = evt.wait(timeout=20)
    elapsed = time.monotonic() - start
    thread.join(10)
    assert result == "from thread"
    assert ran_in == [hub_thread]
    assert elapsed < 10


def test_os_threads_run_their_own_hubs_concurrently(hub, hub_backend):
    """Green threads of two OS threads talk over sockets: both hubs must run at once."""
    to_echo, echo_in = socket.socketpair()
    echo_out, from_echo = socket.socketpair()
    for s in (to_echo, echo_in, echo_out, from_echo):
        s.setblocking(False)
    outcome = {}

    def echo_thread():
        try:
            hubs.use_hub(hub_backend)
            own = hubs.get_hub()
            outcome["hub"] = own
            ticks = []

            def ticker():
                while len(ticks) < 3:
                    sleep(0.001)
                    ticks.append(1)

            def echo():
                for _ in range(3):
                    hubs.trampoline(echo_in, read=True, timeout=5)
                    echo_out.send(echo_in.recv(100).upper())

            green = [spawn(echo), spawn(ticker)]
            for gt in green:
                gt.wait()
            outcome["ticks"] = len(ticks)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=echo_thread)
    thread.start()
    replies = []
    try:
        for word in (b"a", b"b", b"c"):
            to_echo.send(word)
            hubs.trampoline(from_echo, read=True, timeout=5)
            replies.append(from_echo.recv(100))
    finally:
        thread.join(10)
        for s in (to_echo, echo_in, echo_out, from_echo):
            s.close()
    assert "error" not in outcome, outcome.get("error")
    assert replies == [b"A", b"B", b"C"]
    assert outcome["ticks"] == 3
    assert outcome["hub"] is not hub


# -- signals ---------------------------------------------------------------------------------


class SignalSender:
    """Another OS thread that sends ``signum`` to the main thread once told to, repeating it
    every 50 ms until stopped (a lone signal that lands just before the hub enters the OS
    wait is another test's business: see the test below)."""

    def __init__(self, signum):
        self.signum = signum
        self.go = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        if not self.go.wait(10):
            return
        while not self.done.is_set():
            signal.pthread_kill(threading.main_thread().ident, self.signum)
            self.done.wait(0.05)

    def stop(self):
        self.go.set()
        self.done.set()
        self.thread.join(10)


def _wait_for_signal(hub, signum, handler_sends_to):
    """Wait 20 s on ``handler_sends_to`` while a thread signals; return (result, seconds)."""
    sender = SignalSender(signum)
    try:
        hub.schedule_call_global(0, sender.go.set)  # once the hub runs, then sleeps in the OS
        start = time.monotonic()
        result = handler_sends_to.wait(timeout=20)
        return result, time.monotonic() - start
    finally:
        sender.stop()


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="needs SIGUSR1")
def test_signal_handler_runs_promptly_while_the_hub_sleeps(hub):
    evt = Event()

    def handler(signum, frame):
        if not evt.ready():
            evt.send(signum)

    old = signal.signal(signal.SIGUSR1, handler)
    try:
        result, elapsed = _wait_for_signal(hub, signal.SIGUSR1, evt)
    finally:
        signal.signal(signal.SIGUSR1, old)
    assert result == signal.SIGUSR1
    assert elapsed < 10


@pytest.mark.skipif(not hasattr(signal, "SIGUSR2"), reason="needs SIGUSR2")
def test_signal_handler_that_spawns_wakes_the_waiter(hub):
    evt = Event()

    def handler(signum, frame):
        spawn(lambda: evt.ready() or evt.send("spawned by handler"))

    old = signal.signal(signal.SIGUSR2, handler)
    try:
        result, elapsed = _wait_for_signal(hub, signal.SIGUSR2, evt)
    finally:
        signal.signal(signal.SIGUSR2, old)
    assert result == "spawned by handler"
    assert elapsed < 10


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="needs SIGUSR1")
def test_signal_landing_as_the_hub_computes_its_sleep_is_handled_promptly(hub):
    evt = Event()
    old = signal.signal(signal.SIGUSR1, lambda signum, frame: evt.send(signum))
    real_clock = hub.clock
    armed = []

    def clock():
        # The hub reads its clock to compute how long to sleep; the signal lands right then.
        if armed:
            armed.clear()
            signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)
        return real_clock()

    hub.clock = clock
    try:
        hub.schedule_call_global(0, armed.append, True)
        result = evt.wait(timeout=0.2)
    finally:
        hub.clock = real_clock
        signal.signal(signal.SIGUSR1, old)
    assert not armed  # the signal was sent
    assert result == signal.SIGUSR1


# -- fork ------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_child_gets_a_working_hub_and_the_parent_keeps_its_own(hub, sockpair):
    watched, feeder = sockpair

    def parent_reader():
        hubs.trampoline(watched, read=True, timeout=5)
        return watched.recv(100)

    reader = spawn(parent_reader)
    sleep(0)  # the parent now watches `watched`
    assert len(hub.get_readers()) == 1

    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 1
        try:
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(10)  # a hung child dies rather than hanging the parent
            status = 10
            if spawn(lambda: (sleep(0.01), "child")[1]).wait() != "child":
                os._exit(11)
            status = 12
            c1, c2 = socket.socketpair()
            c1.setblocking(False)
            c2.setblocking(False)

            def child_reader():
                hubs.trampoline(c1, read=True, timeout=5)
                return c1.recv(10)

            gt = spawn(child_reader)
            sleep(0)
            c2.send(b"hi")
            if gt.wait() != b"hi":
                os._exit(13)
            status = 14
            # Dropping the parent's descriptor here must not touch the parent's poller.
            hubs.get_hub().remove_descriptor(watched.fileno())
            status = 0
        finally:
            os._exit(status)

    _, wait_status = os.waitpid(pid, 0)
    assert os.WIFEXITED(wait_status), wait_status
    assert os.WEXITSTATUS(wait_status) == 0
    # The parent's hub still works, and still watches `watched`.
    assert len(hub.get_readers()) == 1
    feeder.send(b"after fork")
    assert reader.wait() == b"after fork"
    assert spawn(lambda: (sleep(0.001), "parent")[1]).wait() == "parent"


# -- a green thread dying after a wake-up must not hurt the others ---------------------------


def test_reader_dying_after_wake_up_does_not_drop_a_writer_on_the_same_socket(
    hub, sockpair, capsys
):
    a, b = sockpair
    fill_send_buffer(a)

    def reader():
        hubs.trampoline(a, read=True, timeout=5)
        raise ValueError("reader failed")

    def writer():
        hubs.trampoline(a, write=True, timeout=1, timeout_exc=Interrupt)
        return "writable"

    r = spawn(reader)
    w = spawn(writer)
    sleep(0)
    b.send(b"wake the reader")
    with pytest.raises(ValueError):
        r.wait()
    assert [listener.fileno for listener in hub.get_writers()] == [a.fileno()]
    drain(b)
    assert w.wait() == "writable"
    assert "Removing descriptor" not in capsys.readouterr().err


def test_notify_close_reaches_every_waiter_even_if_one_dies_of_it(hub, sockpair):
    a, _ = sockpair
    fill_send_buffer(a)
    reader = spawn(hubs.trampoline, a, read=True, timeout=0.2, timeout_exc=Interrupt)
    writer = spawn(hubs.trampoline, a, write=True, timeout=0.2, timeout_exc=Interrupt)
    sleep(0)
    hubs.notify_close(a.fileno())
    outcomes = []
    for gt in (reader, writer):
        try:
            gt.wait()
            outcomes.append("woken without error")
        except hubs.IOClosed:
            outcomes.append("IOClosed")
        except Interrupt:
            outcomes.append("never told")
    assert outcomes == ["IOClosed", "IOClosed"]


# -- the hub's own descriptors ---------------------------------------------------------------


def test_closing_a_hub_twice_leaves_other_descriptors_alone(hub):
    spare = type(hub)()  # a hub of the same backend, not installed in any thread
    spare.close()
    r, w = os.pipe()  # may well reuse the numbers the spare hub had
    try:
        spare.close()
        os.fstat(r)
        os.fstat(w)
        os.write(w, b"still open")
        assert os.read(r, 100) == b"still open"
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_discarded_hubs_do_not_leak_descriptors(hub_backend):
    def open_fds():
        return len(os.listdir("/proc/self/fd"))

    hubs.get_hub()
    before = open_fds()
    for _ in range(50):
        hubs.use_hub(hub_backend)
        spawn(sleep, 0.0005).wait()
    hubs.get_hub()
    assert open_fds() - before < 10


# -- when the poller is told that a listener went -------------------------------------------


def _count_poller_calls(hub, monkeypatch):
    calls = []
    real = hub._poller_set

    def counting(fileno, read, write):
        calls.append((fileno, read, write))
        return real(fileno, read, write)

    monkeypatch.setattr(hub, "_poller_set", counting)
    return calls


def test_owned_descriptor_waits_again_without_telling_the_poller(hub, sockpair, monkeypatch):
    """A descriptor whose owner notifies the hub on close (mark_as_closed given) stays
    watched between a wake-up and the next wait: no system call; it is unwatched once the
    OS reports it with nobody waiting."""
    a, b = sockpair
    calls = _count_poller_calls(hub, monkeypatch)
    got = []

    def reader():
        for _ in range(3):
            hub.wait_io(hubs.READ, a.fileno(), lambda: None)
            got.append(a.recv(10))

    thread = spawn(reader)
    sleep(0)
    for message in (b"one", b"two", b"three"):
        b.send(message)
        with Timeout(5):
            while len(got) < [b"one", b"two", b"three"].index(message) + 1:
                sleep(0.001)
    thread.wait()
    assert got == [b"one", b"two", b"three"]
    assert calls == [(a.fileno(), True, False)]  # watched once, not once per wait
    b.send(b"nobody reads this")  # the OS reports it with no one waiting: now unwatched
    with Timeout(5):
        while calls[-1] != (a.fileno(), False, False):
            sleep(0.001)
    assert a.fileno() not in hub._watched


def test_raw_descriptor_is_unwatched_at_once(hub, sockpair, monkeypatch):
    """Without mark_as_closed the caller may close the descriptor behind the hub's back, so
    the poller is told as soon as the listener goes."""
    a, b = sockpair
    calls = _count_poller_calls(hub, monkeypatch)
    b.send(b"x")
    with Timeout(5):
        hubs.trampoline(a, read=True)
    assert calls == [(a.fileno(), True, False), (a.fileno(), False, False)]


def test_number_reused_behind_the_hubs_back_in_one_turn_is_watched_anew(hub):
    """Wait on a raw pipe, close it without telling the hub, get the same number for a new
    pipe and wait again at once: the new pipe must be watched (no hang)."""
    r, w = os.pipe()
    os.write(w, b"x")
    with Timeout(5):
        hubs.trampoline(r, read=True)
    os.close(r)
    os.close(w)
    r2, w2 = os.pipe()
    try:
        assert r2 == r  # the lowest free number comes back
        spawn(os.write, w2, b"y")
        with Timeout(5):
            hubs.trampoline(r2, read=True)
        assert os.read(r2, 1) == b"y"
    finally:
        os.close(r2)
        os.close(w2)


def test_notify_close_forgets_a_still_watched_descriptor(hub, sockpair):
    a, b = sockpair
    b.send(b"x")
    with Timeout(5):
        hub.wait_io(hubs.READ, a.fileno(), lambda: None)
    assert a.fileno() in hub._watched  # kept between waits
    hubs.notify_close(a.fileno())
    assert a.fileno() not in hub._watched


def test_wait_io_wakes_the_right_green_thread_when_listeners_are_reused(hub, sockpair):
    """wait_io keeps the last listener per descriptor for the green thread that waits again;
    another green thread waiting on it later must get its own wake-up, not the old one's."""
    a, b = sockpair
    order = []

    def reader(name):
        hub.wait_io(hubs.READ, a.fileno(), lambda: None)
        order.append((name, a.recv(10)))

    for name, message in (("first", b"1"), ("second", b"2"), ("first-again", b"3")):
        thread = spawn(reader, name)
        sleep(0)
        b.send(message)
        with Timeout(5):
            thread.wait()
    assert order == [("first", b"1"), ("second", b"2"), ("first-again", b"3")]


def test_a_listener_defanged_by_close_is_not_reused(hub, sockpair):
    a, b = sockpair
    fileno = a.fileno()
    caught = []

    def reader():
        try:
            hub.wait_io(hubs.READ, fileno, lambda: None)
        except hubs.IOClosed as error:
            caught.append(error)
        hub.wait_io(hubs.READ, fileno, lambda: None)  # the same green thread waits again
        caught.append(a.recv(10))

    thread = spawn(reader)
    sleep(0)
    hubs.notify_close(fileno)  # as a close would, but the descriptor stays usable here
    sleep(0)
    b.send(b"after")
    with Timeout(5):
        thread.wait()
    assert isinstance(caught[0], hubs.IOClosed) and caught[1] == b"after"


def test_number_of_an_owned_descriptor_lost_unclosed_is_watched_anew(hub):
    """An owned descriptor stays watched after its last wait; if its owner loses it without
    telling the hub (closed behind its back) and a raw waiter gets a new file with the same
    number, that file must be watched, not taken for the old registration."""
    r, w = os.pipe()
    os.write(w, b"x")
    with Timeout(5):
        hub.wait_io(hubs.READ, r, lambda: None)  # owned: stays watched
    assert r in hub._watched
    os.close(r)  # behind the hub's back
    os.close(w)
    r2, w2 = os.pipe()
    try:
        assert r2 == r
        spawn(os.write, w2, b"y")
        with Timeout(5):
            hubs.trampoline(r2, read=True)
        assert os.read(r2, 1) == b"y"
    finally:
        os.close(r2)
        os.close(w2)
