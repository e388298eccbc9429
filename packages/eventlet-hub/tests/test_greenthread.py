"""eventlet.greenthread: spawning, sleeping, killing, waiting and linking green threads.

Tests that wait on real timers carry ``all_hubs``; the run-queue and API ones run once.
"""

from __future__ import annotations

import inspect
import socket
import sys
import traceback

import greenlet
import pytest
from greenlet import GreenletExit

from eventlet import debug, hubs
from eventlet.event import Event
from eventlet.greenthread import (
    GreenThread,
    getcurrent,
    kill,
    sleep,
    spawn,
    spawn_after,
    spawn_after_local,
    spawn_n,
)
from eventlet.timeout import Timeout

all_hubs = pytest.mark.all_hubs


class Interrupt(Exception):
    pass


# -- spawn, spawn_n --------------------------------------------------------------------------


def test_spawn_runs_later_and_returns_a_green_thread():
    log = []
    gt = spawn(log.append, "ran")
    assert isinstance(gt, GreenThread)
    assert isinstance(gt, greenlet.greenlet)
    assert log == []  # not yet: the caller keeps running
    assert gt.wait() is None
    assert log == ["ran"]


def test_spawn_passes_positional_and_keyword_arguments():
    def f(a, b, *rest, key=None, **more):
        return (a, b, rest, key, more)

    assert spawn(f, 1, 2, 3, key="k", extra=4).wait() == (1, 2, (3,), "k", {"extra": 4})


def test_spawn_accepts_keyword_arguments_named_like_its_own_parameter():
    def f(**kwargs):
        return kwargs

    assert spawn(f, func="value").wait() == {"func": "value"}
    assert inspect.signature(spawn).parameters["func"].kind is inspect.Parameter.POSITIONAL_ONLY


def test_first_parameter_of_the_spawn_functions_is_func():
    assert list(inspect.signature(spawn).parameters)[0] == "func"
    assert list(inspect.signature(spawn_n).parameters)[0] == "func"
    assert list(inspect.signature(spawn_after).parameters)[:2] == ["seconds", "func"]
    assert list(inspect.signature(spawn_after_local).parameters)[:2] == ["seconds", "func"]


def test_spawned_green_threads_start_in_fifo_order():
    order = []
    for i in range(5):
        spawn(order.append, i)
    sleep(0)
    assert order == [0, 1, 2, 3, 4]


def test_spawn_n_runs_the_function_with_arguments():
    log = []
    g = spawn_n(lambda *args, **kwargs: log.append((args, kwargs)), 1, 2, key=3)
    spawn_n(log.append, "positional only")
    assert isinstance(g, greenlet.greenlet)
    sleep(0)
    assert log == [((1, 2), {"key": 3}), "positional only"]


def test_spawn_n_failure_prints_its_traceback(capsys):
    def fails_loudly():
        raise ValueError("spawn_n failed")

    spawn_n(fails_loudly)
    sleep(0)
    err = capsys.readouterr().err
    assert "ValueError: spawn_n failed" in err
    assert "fails_loudly" in err
    assert spawn(lambda: "hub alive").wait() == "hub alive"


def test_spawn_n_failure_is_silent_with_hub_exceptions_off(capsys):
    debug.hub_exceptions(False)

    def fails_quietly():
        raise ValueError("spawn_n failed")

    spawn_n(fails_quietly)
    sleep(0)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("spawner", [spawn, spawn_n])
def test_spawning_a_non_callable_is_a_type_error_naming_it(spawner):
    with pytest.raises(TypeError) as info:
        spawner(42)
    assert spawner.__name__ in str(info.value)
    assert "int" in str(info.value)


@pytest.mark.parametrize("spawner", [spawn_after, spawn_after_local])
def test_spawn_after_non_callable_is_a_type_error_naming_it(spawner):
    with pytest.raises(TypeError) as info:
        spawner(0.1, "not callable")
    assert spawner.__name__ in str(info.value)
    assert "str" in str(info.value)


def test_getcurrent_is_the_green_thread():
    gt = spawn(getcurrent)
    assert gt.wait() is gt
    assert getcurrent() is greenlet.getcurrent()


def test_green_thread_accepts_arbitrary_attributes():
    gt = spawn(lambda: None)
    gt.request_id = 17
    gt.wait()
    assert gt.request_id == 17


# -- spawn_after -----------------------------------------------------------------------------


@all_hubs
def test_spawn_after_runs_after_the_delay():
    gt = spawn_after(0.05, lambda x, y=0: x + y, 1, y=2)
    sleep(0)
    assert not gt.dead and not gt  # not started yet
    assert gt.wait() == 3


@all_hubs
def test_spawn_after_runs_even_if_the_spawner_has_finished():
    def spawner():
        return spawn_after(0.005, lambda: "orphan ran")

    gt = spawn(spawner).wait()
    assert gt.wait() == "orphan ran"


@all_hubs
def test_spawn_after_canceled_before_starting_never_runs():
    ran = []
    gt = spawn_after(0.005, ran.append, "ran")
    gt.cancel()
    with pytest.raises(GreenletExit):
        gt.wait()
    sleep(0.02)
    assert ran == []


@all_hubs
def test_cancel_of_a_running_green_thread_does_nothing():
    evt = Event()
    gt = spawn(evt.wait)
    sleep(0)
    gt.cancel()
    assert not gt.dead
    evt.send("finished normally")
    assert gt.wait() == "finished normally"


@all_hubs
def test_spawn_after_local_is_skipped_if_the_spawner_died():
    ran = []

    def spawner():
        spawn_after_local(0.005, ran.append, "ran")

    spawn(spawner).wait()
    sleep(0.03)
    assert ran == []


@all_hubs
def test_spawn_after_local_runs_while_the_spawner_lives():
    def spawner():
        return spawn_after_local(0.005, lambda: "local ran").wait()

    assert spawn(spawner).wait() == "local ran"


# -- sleep -----------------------------------------------------------------------------------


def test_sleep_zero_round_robins_in_fifo_order():
    order = []

    def worker(name):
        for i in range(3):
            order.append(f"{name}{i}")
            sleep(0)

    threads = [spawn(worker, name) for name in "abc"]
    for gt in threads:
        gt.wait()
    assert order == ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]


def test_lone_sleep_zero_runs_a_timer_that_has_come_due():
    hub = hubs.get_hub()
    fired = []
    hub.schedule_call_global(0.001, fired.append, "timer")
    sleep(0)  # the hub moves the timer onto its heap
    due = hub.clock() + 0.002
    while hub.clock() < due:
        pass  # busy: no yield, so the timer is overdue when sleep(0) comes
    assert fired == []
    sleep(0)
    assert fired == ["timer"]


def test_lone_sleep_zero_polls_watched_descriptors():
    a, b = socket.socketpair()
    try:
        a.setblocking(False)
        log = []

        def reader():
            hubs.trampoline(a, read=True, timeout=5)
            log.append(a.recv(10))

        gt = spawn(reader)
        sleep(0)  # the reader waits on `a`
        b.send(b"ping")
        sleep(0)  # one turn: the hub polls, the reader runs
        assert log == [b"ping"]
        gt.wait()
    finally:
        a.close()
        b.close()


@all_hubs
def test_sleep_wakes_in_order_of_the_delays():
    order = []

    def sleeper(delay):
        sleep(delay)
        order.append(delay)

    threads = [spawn(sleeper, d) for d in (0.03, 0.01, 0.02, 0.0)]
    for gt in threads:
        gt.wait()
    assert order == [0.0, 0.01, 0.02, 0.03]


@all_hubs
def test_sleep_lasts_at_least_the_delay():
    hub = hubs.get_hub()
    start = hub.clock()
    sleep(0.02)
    assert hub.clock() - start >= 0.02


def test_sleep_with_a_bad_delay_is_a_type_error():
    with pytest.raises(TypeError):
        sleep("x")
    with pytest.raises(TypeError):
        sleep(None)


def test_sleep_inside_the_hub_is_a_runtime_error():
    caught = []

    def in_hub():
        for seconds in (0, 0.1):
            try:
                sleep(seconds)
            except RuntimeError as exc:
                caught.append(exc)

    hubs.get_hub().schedule_call_global(0, in_hub)
    sleep(0)
    assert len(caught) == 2


# -- kill ------------------------------------------------------------------------------------


@all_hubs
def test_kill_raises_greenlet_exit_by_default():
    seen = []

    def victim():
        try:
            sleep(10)
        except GreenletExit:
            seen.append("GreenletExit")
            raise

    gt = spawn(victim)
    sleep(0)
    kill(gt)
    assert gt.dead
    assert seen == ["GreenletExit"]
    with pytest.raises(GreenletExit):
        gt.wait()


@all_hubs
def test_kill_with_a_custom_exception_instance():
    exc = Interrupt("stop now")
    gt = spawn(sleep, 10)
    sleep(0)
    gt.kill(exc)
    with pytest.raises(Interrupt) as info:
        gt.wait()
    assert info.value is exc


@all_hubs
def test_kill_with_an_exception_class():
    gt = spawn(sleep, 10)
    sleep(0)
    kill(gt, Interrupt)
    with pytest.raises(Interrupt):
        gt.wait()


@all_hubs
def test_kill_with_an_exc_info_tuple_keeps_its_traceback():
    def where_it_was_raised():
        raise Interrupt("with traceback")

    try:
        where_it_was_raised()
    except Interrupt:
        exc_info = sys.exc_info()
    gt = spawn(sleep, 10)
    sleep(0)
    kill(gt, *exc_info)
    with pytest.raises(Interrupt) as info:
        gt.wait()
    assert info.value is exc_info[1]
    names = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "where_it_was_raised" in names


def test_kill_before_start_means_the_function_never_runs():
    ran = []
    gt = spawn(ran.append, "ran")
    kill(gt)
    assert gt.dead
    with pytest.raises(GreenletExit):
        gt.wait()
    sleep(0)
    sleep(0)
    assert ran == []


def test_kill_before_start_with_an_exception_is_what_wait_raises():
    ran = []
    gt = spawn(ran.append, "ran")
    kill(gt, Interrupt("never started"))
    with pytest.raises(Interrupt, match="never started"):
        gt.wait()
    sleep(0)
    assert ran == []


def test_kill_of_a_spawn_n_green_thread_before_start():
    ran = []
    g = spawn_n(ran.append, "ran")
    kill(g)
    assert g.dead
    sleep(0)
    assert ran == []


def test_kill_of_a_dead_green_thread_is_a_no_op():
    gt = spawn(lambda: "result")
    assert gt.wait() == "result"
    kill(gt)
    kill(gt, Interrupt)
    assert gt.wait() == "result"


def test_kill_yields_to_the_victim_then_resumes_the_killer():
    order = []
    evt = Event()

    def victim():
        try:
            evt.wait()
        except GreenletExit:
            order.append("victim handles the kill")

    def killer(target):
        order.append("killer kills")
        kill(target)
        order.append("killer resumed")

    gt = spawn(victim)
    sleep(0)
    spawn(killer, gt).wait()
    assert order == ["killer kills", "victim handles the kill", "killer resumed"]


def test_kill_from_the_main_greenlet_resumes_main():
    gt = spawn(Event().wait)
    sleep(0)
    kill(gt)
    assert gt.dead  # and we are back here, in the main greenlet


# -- a kill leaves no stale wake-up behind ---------------------------------------------------


def _catch_kill_then_wait_again(first_wait, second, log):
    """Green thread body: wait, absorb an Interrupt, then wait on ``second``."""
    try:
        first_wait()
        log.append("first wait returned")
    except Interrupt:
        log.append("interrupted")
    log.append(("second", second.wait()))


@all_hubs
def test_killed_in_sleep_is_not_woken_by_the_old_timer():
    second = Event()
    log = []
    gt = spawn(_catch_kill_then_wait_again, lambda: sleep(0.01), second, log)
    sleep(0)
    kill(gt, Interrupt)
    assert log == ["interrupted"]
    sleep(0.03)  # past the old sleep's due time
    assert log == ["interrupted"]
    second.send("second")
    gt.wait()
    assert log == ["interrupted", ("second", "second")]


def test_killed_in_sleep_zero_is_not_woken_by_the_old_entry():
    second = Event()
    log = []
    gt = spawn(_catch_kill_then_wait_again, lambda: sleep(0), second, log)
    spawn(kill, gt, Interrupt)  # runs right after the victim's sleep(0) queued its wake-up
    sleep(0)
    sleep(0)
    sleep(0)
    assert log == ["interrupted"]
    second.send("second")
    gt.wait()
    assert log == ["interrupted", ("second", "second")]


def test_killed_in_event_wait_is_not_woken_by_the_old_event():
    first, second = Event(), Event()
    log = []
    gt = spawn(_catch_kill_then_wait_again, first.wait, second, log)
    sleep(0)
    kill(gt, Interrupt)
    first.send("first")
    sleep(0)
    sleep(0)
    assert log == ["interrupted"]
    second.send("second")
    gt.wait()
    assert log == ["interrupted", ("second", "second")]


@all_hubs
def test_killed_in_event_wait_with_timeout_is_not_woken_by_the_old_timer():
    first, second = Event(), Event()
    log = []
    gt = spawn(_catch_kill_then_wait_again, lambda: first.wait(timeout=0.01), second, log)
    sleep(0)
    kill(gt, Interrupt)
    sleep(0.03)
    assert log == ["interrupted"]
    second.send("second")
    gt.wait()
    assert log == ["interrupted", ("second", "second")]


def test_killed_in_green_thread_wait_is_not_woken_when_that_thread_ends():
    release, second = Event(), Event()
    other = spawn(release.wait)
    log = []
    gt = spawn(_catch_kill_then_wait_again, other.wait, second, log)
    sleep(0)
    kill(gt, Interrupt)
    release.send("other done")
    assert other.wait() == "other done"
    sleep(0)
    sleep(0)
    assert log == ["interrupted"]
    second.send("second")
    gt.wait()
    assert log == ["interrupted", ("second", "second")]


@all_hubs
def test_killed_in_trampoline_is_not_woken_by_the_descriptor(sockpair):
    a, b = sockpair
    second = Event()
    log = []
    gt = spawn(_catch_kill_then_wait_again, lambda: hubs.trampoline(a, read=True), second, log)
    sleep(0)
    kill(gt, Interrupt)
    assert hubs.get_hub().get_readers() == []
    b.send(b"data")
    sleep(0.01)
    assert log == ["interrupted"]
    second.send("second")
    gt.wait()
    assert log == ["interrupted", ("second", "second")]


# -- GreenThread.wait ------------------------------------------------------------------------


def test_wait_returns_the_result_to_every_waiter():
    release = Event()
    gt = spawn(lambda: release.wait() * 2)
    waiters = [spawn(gt.wait) for _ in range(3)]
    sleep(0)
    release.send(21)
    assert [w.wait() for w in waiters] == [42, 42, 42]
    assert gt.wait() == 42


def test_wait_raises_the_exception_with_its_original_traceback():
    def deep_in_the_function():
        raise KeyError("lost")

    def body():
        deep_in_the_function()

    gt = spawn(body)
    with pytest.raises(KeyError) as info:
        gt.wait()
    names = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "body" in names
    assert "deep_in_the_function" in names
    with pytest.raises(KeyError):  # every time
        gt.wait()


def test_wait_for_itself_is_refused():
    def self_wait():
        return getcurrent().wait()

    with pytest.raises(RuntimeError):
        spawn(self_wait).wait()


# -- link ------------------------------------------------------------------------------------


def test_link_calls_with_the_green_thread_and_curried_arguments_in_order():
    calls = []

    def link_a(gt, *args, **kwargs):
        calls.append(("a", gt, args, kwargs, getcurrent() is gt))

    def link_b(gt, *args, **kwargs):
        calls.append(("b", gt, args, kwargs, gt.wait()))

    gt = spawn(lambda: "result")
    gt.link(link_a, 1, 2, key="k")
    gt.link(link_b, 3)
    assert gt.wait() == "result"
    assert calls == [
        ("a", gt, (1, 2), {"key": "k"}, True),  # links run in the ending green thread
        ("b", gt, (3,), {}, "result"),
    ]


def test_link_sees_the_exception_through_wait():
    seen = []

    def on_exit(gt):
        try:
            gt.wait()
        except Interrupt as exc:
            seen.append(exc.args)

    def body():
        raise Interrupt("from body")

    gt = spawn(body)
    gt.link(on_exit)
    with pytest.raises(Interrupt):
        gt.wait()
    assert seen == [("from body",)]


def test_link_after_death_is_called_at_once():
    gt = spawn(lambda: 5)
    gt.wait()
    calls = []
    gt.link(lambda g, extra: calls.append((g.wait(), extra)), "now")
    assert calls == [(5, "now")]


def test_unlink_reports_whether_it_found_the_link():
    calls = []

    def on_exit(gt, tag):
        calls.append(tag)

    release = Event()
    gt = spawn(release.wait)
    gt.link(on_exit, "kept")
    gt.link(on_exit, "removed")
    assert gt.unlink(on_exit, "removed") is True
    assert gt.unlink(on_exit, "removed") is False
    assert gt.unlink(on_exit, "never linked") is False
    release.send()
    gt.wait()
    assert calls == ["kept"]


def test_failing_link_is_printed_and_the_other_links_still_run(capsys):
    calls = []

    def bad_link(gt):
        raise ValueError("link broke")

    gt = spawn(lambda: "ok")
    gt.link(bad_link)
    gt.link(lambda g: calls.append("second link"))
    assert gt.wait() == "ok"
    assert calls == ["second link"]
    err = capsys.readouterr().err
    assert "ValueError: link broke" in err
    assert "bad_link" in err


def test_link_of_a_killed_unstarted_thread_runs():
    calls = []
    gt = spawn(lambda: "never")
    gt.link(lambda g: calls.append("linked"))
    kill(gt)
    assert calls == ["linked"]


def test_link_needs_a_callable():
    gt = spawn(lambda: None)
    with pytest.raises(TypeError):
        gt.link("not callable")
    gt.wait()


def test_every_waiter_of_a_green_thread_is_woken_even_if_one_fails():
    release = Event()
    gt = spawn(release.wait)

    def fragile_waiter():
        gt.wait()
        raise Interrupt("failed after waking")

    waiters = [spawn(fragile_waiter), spawn(gt.wait), spawn(gt.wait)]
    sleep(0)
    release.send("done")
    with pytest.raises(Interrupt):
        waiters[0].wait()
    results = []
    for waiter in waiters[1:]:
        try:
            with Timeout(0.2, TimeoutError("never woken")):
                results.append(waiter.wait())
        except TimeoutError:
            results.append("hung")
            waiter.kill()
    assert results == ["done", "done"]


def test_waiter_killed_by_an_earlier_waiter_is_not_woken_stale():
    release, second = Event(), Event()
    target = spawn(release.wait)
    log = []

    def victim():
        try:
            target.wait()
            log.append("victim woken by target")
        except Interrupt:
            log.append("victim interrupted")
        log.append(("second", second.wait()))

    def killer():
        target.wait()
        kill(victim_gt, Interrupt)
        log.append("killer done")

    killer_gt = spawn(killer)
    victim_gt = spawn(victim)
    sleep(0)
    release.send("value")
    killer_gt.wait()
    sleep(0)
    assert log == ["victim interrupted", "killer done"]
    second.send("second")
    victim_gt.wait()
    assert log == ["victim interrupted", "killer done", ("second", "second")]
