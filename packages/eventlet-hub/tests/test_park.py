"""Parking and waking green threads: stray switches, a stopped hub, closed hubs, timers.

A green thread waiting in sleep(), Event.wait(), GreenThread.wait() or a timed trampoline()
that foreign code switches into (``greenlet.switch(value)``) gets UnexpectedWakeup from the
call it waited in, and the primitive is left as if the wait had been killed.
"""

from __future__ import annotations

import gc
import socket
import threading
import weakref
from typing import Any

import pytest
from greenlet import greenlet

from eventlet import debug, hubs
from eventlet.event import Event
from eventlet.greenthread import sleep, spawn, spawn_after
from eventlet.hubs import UnexpectedWakeup, trampoline
from eventlet.hubs.hub import debug_state
from eventlet.hubs.timer import LocalTimer, Timer
from eventlet.timeout import Timeout

pytestmark = pytest.mark.all_hubs


def stray_switch_into(target: greenlet, *values: Any) -> None:
    """Switch into ``target`` from a hub callback, as foreign code would."""
    hubs.get_hub().schedule_call_global(0, target.switch, *values)


def outcome(thread: Any) -> Any:
    try:
        return ("returned", thread.wait())
    except BaseException as exc:  # noqa: B036 - the outcome is what the test compares
        return ("raised", exc)


# -- stray switches --------------------------------------------------------------------------


def test_stray_switch_into_sleep_raises_unexpected_wakeup() -> None:
    sleeper = spawn(sleep, 5)
    sleep(0)
    stray_switch_into(sleeper, "bogus")
    kind, exc = outcome(sleeper)
    assert kind == "raised" and isinstance(exc, UnexpectedWakeup)
    assert exc.where == "sleep()" and exc.value == "bogus" and not exc.hub_stopped
    assert "sleep()" in str(exc) and "'bogus'" in str(exc)
    assert hubs.get_hub().get_timers_count() <= 1  # the sleep's timer was canceled


def test_stray_switch_into_sleep_zero_raises() -> None:
    log: list[Any] = []
    hub = hubs.get_hub()

    def sleeper() -> None:
        me = greenlet.getcurrent()
        # Runs before the sleep(0)'s own wake-up, which was queued after it.
        hub.run_soon(me.switch, 1, 2)
        try:
            sleep(0)
        except UnexpectedWakeup as exc:
            log.append(exc.value)

    spawn(sleeper).wait()
    assert log == [(1, 2)]
    sleep(0)  # the canceled wake-up of the sleep(0) does not resume anything


def test_switch_without_arguments_is_described() -> None:
    sleeper = spawn(sleep, 5)
    sleep(0)
    stray_switch_into(sleeper)
    kind, exc = outcome(sleeper)
    assert isinstance(exc, UnexpectedWakeup) and exc.value == ()
    assert "with no value" in str(exc)


def test_stray_switch_into_event_wait_leaves_the_event_usable() -> None:
    evt: Event = Event()
    victim = spawn(evt.wait)
    other = spawn(evt.wait)
    sleep(0)
    stray_switch_into(victim, 42)
    kind, exc = outcome(victim)
    assert isinstance(exc, UnexpectedWakeup) and exc.where == "Event.wait()"
    assert exc.value == 42
    evt.send("sent")
    assert other.wait() == "sent"
    assert evt.wait() == "sent"


def test_stray_switch_into_event_wait_with_timeout() -> None:
    evt: Event = Event()
    victim = spawn(evt.wait, 5)
    sleep(0)
    stray_switch_into(victim, None)  # None is what a timeout gives: must not pass for one
    kind, exc = outcome(victim)
    assert isinstance(exc, UnexpectedWakeup) and exc.value is None


def test_stray_switch_into_green_thread_wait() -> None:
    gate: Event = Event()
    worker = spawn(gate.wait)
    joiner = spawn(worker.wait)
    sleep(0)
    stray_switch_into(joiner, "not a result")
    kind, exc = outcome(joiner)
    assert isinstance(exc, UnexpectedWakeup) and exc.where == "GreenThread.wait()"
    gate.send("done")
    assert worker.wait() == "done"


def test_stray_switch_into_timed_trampoline() -> None:
    a, b = socket.socketpair()
    try:
        waiter = spawn(trampoline, a, read=True, timeout=5)
        sleep(0)
        stray_switch_into(waiter, a.fileno())  # even the right number is not a wake-up
        kind, exc = outcome(waiter)
        assert isinstance(exc, UnexpectedWakeup) and exc.where == "trampoline()"
        # The listener is gone: a new wait on the descriptor works and is woken by data.
        reader = spawn(trampoline, a, read=True, timeout=5)
        sleep(0)
        b.send(b"x")
        assert reader.wait() == a.fileno()
    finally:
        a.close()
        b.close()


def test_legitimate_wake_ups_still_work() -> None:
    evt: Event = Event()
    spawn_after(0.001, evt.send, "late")
    assert evt.wait() == "late"
    assert Event().wait(timeout=0.001) is None
    sleep(0.001)
    sleep(0)
    with pytest.raises(Timeout):
        with Timeout(0.001):
            sleep(1)


# -- the hub itself --------------------------------------------------------------------------


def test_sleep_returns_early_when_the_hub_is_stopped() -> None:
    hub = hubs.get_hub()
    spawn_after(0.001, hub.abort)
    sleep(30)  # the hub stops: the main greenlet's sleep ends, as upstream's does
    assert not hub.running
    assert spawn(lambda: "hub runs again").wait() == "hub runs again"


def test_event_wait_says_so_when_the_hub_is_stopped() -> None:
    hub = hubs.get_hub()
    spawn_after(0.001, hub.abort)
    with pytest.raises(UnexpectedWakeup, match=r"hub was stopped.*Event\.wait\(\)") as info:
        Event().wait()
    assert info.value.hub_stopped


def test_blocking_inside_the_hub_is_refused_clearly() -> None:
    errors: list[BaseException] = []
    evt: Event = Event()

    def callback() -> None:
        try:
            evt.wait()
        except RuntimeError as exc:
            errors.append(exc)

    hubs.get_hub().schedule_call_global(0, callback)
    sleep(0)
    assert len(errors) == 1 and "cannot block inside the hub" in str(errors[0])
    evt.send(1)  # no waiter was left behind
    assert evt.wait() == 1


# -- call_soon_threadsafe --------------------------------------------------------------------


def test_call_soon_threadsafe_from_real_threads() -> None:
    hub = hubs.get_hub()
    done: Event = Event()
    got: list[int] = []

    def arrived(n: int) -> None:
        got.append(n)
        if len(got) == 20:
            done.send(sorted(got))

    threads = [
        threading.Thread(target=hub.call_soon_threadsafe, args=(arrived, n)) for n in range(20)
    ]
    for thread in threads:
        thread.start()
    assert done.wait(timeout=10) == list(range(20))
    for thread in threads:
        thread.join()


def test_call_soon_threadsafe_on_a_closed_hub_raises() -> None:
    hub = hubs.get_hub()
    hubs.use_hub()  # the thread gets a new hub next time; this one can be closed
    hub.close()
    errors: list[BaseException] = []

    def from_thread() -> None:
        try:
            hub.call_soon_threadsafe(print, "never")
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=from_thread)
    thread.start()
    thread.join()
    assert len(errors) == 1 and "closed hub" in str(errors[0])
    with pytest.raises(RuntimeError, match="closed hub"):
        hub.call_soon_threadsafe(print, "never")


def test_call_soon_threadsafe_on_the_hub_of_an_ended_thread_raises() -> None:
    holder: list[Any] = []

    def make_hub() -> None:
        holder.append(hubs.get_hub())

    thread = threading.Thread(target=make_hub)
    thread.start()
    thread.join()
    gc.collect()  # the thread's locals, and so its hub's closer, are gone
    with pytest.raises(RuntimeError, match="closed hub"):
        holder[0].call_soon_threadsafe(print, "never")


def test_call_soon_threadsafe_checks_its_callback() -> None:
    with pytest.raises(TypeError, match="needs a callable, not 'int'"):
        hubs.get_hub().call_soon_threadsafe(42)  # type: ignore[arg-type]


def test_racing_close_never_loses_a_call_silently() -> None:
    # Threads call in while the hub's thread closes it: each call either ran or raised.
    hub = hubs.get_hub()
    hubs.use_hub()
    ran: list[int] = []
    refused: list[int] = []
    start = threading.Barrier(5)

    def caller(base: int) -> None:
        start.wait()
        for n in range(base, base + 200):
            try:
                hub.call_soon_threadsafe(ran.append, n)
            except RuntimeError:
                refused.append(n)

    threads = [threading.Thread(target=caller, args=(i * 1000,)) for i in range(4)]
    for thread in threads:
        thread.start()
    start.wait()
    hub.close()
    for thread in threads:
        thread.join()
    accepted = len(hub._threadsafe)
    assert accepted + len(refused) == 800
    assert all(isinstance(entry[0], type(ran.append)) for entry in hub._threadsafe)


# -- timers ----------------------------------------------------------------------------------


class Big:
    """Stands for a large object a callback's arguments hold."""


def test_canceled_timer_lets_go_of_its_callback_and_arguments() -> None:
    hub = hubs.get_hub()
    big = Big()
    ref = weakref.ref(big)
    timer = hub.schedule_call_global(60, lambda obj: None, big)
    sleep(0)  # the timer is in the heap now
    timer.cancel()
    del big
    gc.collect()
    assert ref() is None
    assert timer.called and not timer.pending


def test_timer_canceled_before_the_loop_turns_lets_go_at_once() -> None:
    hub = hubs.get_hub()
    big = Big()
    ref = weakref.ref(big)
    timer = hub.schedule_call_global(60, lambda obj: None, big)
    timer.cancel()  # still in the list of new timers
    del big
    assert ref() is None


def test_canceled_local_timer_lets_go_of_its_green_thread() -> None:
    big = Big()
    ref = weakref.ref(big)
    timer = LocalTimer(60, lambda obj: None, big)
    hubs.get_hub().add_timer(timer)
    timer.cancel()
    del big
    assert ref() is None and not timer.pending


def test_canceled_timeout_lets_go_of_the_green_thread() -> None:
    def body() -> Timeout:
        with Timeout(60) as timeout:
            sleep(0)
        return timeout

    thread = spawn(body)
    timeout = thread.wait()
    ref = weakref.ref(thread)
    del thread
    sleep(0)  # the hub finishes the turn that woke this green thread
    gc.collect()
    assert ref() is None
    assert not timeout.pending


def test_canceled_timeout_without_with_lets_go() -> None:
    big = Big()
    ref = weakref.ref(big)
    timeout = Timeout(60, big)  # type: ignore[arg-type]
    sleep(0)
    timeout.cancel()
    del timeout, big
    gc.collect()
    assert ref() is None


def test_timer_copy() -> None:
    calls: list[Any] = []
    timer = Timer(0.5, calls.append, "x")
    copy = timer.copy()
    assert copy is not timer and isinstance(copy, Timer)
    assert copy.seconds == 0.5 and copy.callback == calls.append and copy.args == ("x",)
    copy()
    assert calls == ["x"] and copy.called and not timer.called
    local = LocalTimer(0.1, calls.append, "y")
    assert isinstance(local.copy(), LocalTimer) and local.copy().args == ("y",)


# -- hub debug switches ----------------------------------------------------------------------


def test_hub_set_debug_listeners_and_set_timer_exceptions() -> None:
    hub = hubs.get_hub()
    hub.set_debug_listeners(True)
    assert debug_state.listener_stacks is True
    hub.set_debug_listeners(False)
    assert debug_state.listener_stacks is False
    hub.set_timer_exceptions(False)
    assert debug_state.exceptions is False
    hub.set_timer_exceptions(True)
    assert debug_state.exceptions is True
    # The same switches as eventlet.debug's.
    debug.hub_exceptions(False)
    assert debug_state.exceptions is False


def test_set_debug_listeners_records_where_listeners_are_added() -> None:
    hub = hubs.get_hub()
    hub.set_debug_listeners(True)
    a, b = socket.socketpair()
    try:
        def read_here() -> Any:
            return trampoline(a, read=True)

        reader = spawn(read_here)
        sleep(0)
        assert "in read_here" in debug.format_hub_listeners()
        b.send(b"x")
        reader.wait()
    finally:
        a.close()
        b.close()


def test_set_timer_exceptions_silences_failing_callbacks(capfd: pytest.CaptureFixture[str]) -> None:
    hub = hubs.get_hub()

    def fail() -> None:
        raise ValueError("timer failure for the test")

    hub.set_timer_exceptions(False)
    hub.schedule_call_global(0, fail)
    sleep(0)
    assert "timer failure for the test" not in capfd.readouterr().err
    hub.set_timer_exceptions(True)
    hub.schedule_call_global(0, fail)
    sleep(0)
    assert "timer failure for the test" in capfd.readouterr().err
