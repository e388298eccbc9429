"""The hub's timers and loop: scheduling, ordering, cancellation, errors, abort.

Every test here runs once per hub backend.
"""

from __future__ import annotations

import pytest

from eventlet import debug
from eventlet.event import Event
from eventlet.greenthread import getcurrent, sleep, spawn, spawn_after

pytestmark = pytest.mark.all_hubs


@pytest.fixture
def frozen_clock(hub):
    """Replace the hub's clock by one that moves only when the test says so."""
    now = [1000.0]
    hub.clock = lambda: now[0]

    def advance(seconds):
        now[0] += seconds

    return advance


# -- schedule_call_global / schedule_call_local ----------------------------------------------


def test_schedule_call_global_runs_the_callback_in_the_hub(hub):
    done = Event()
    seen = []

    def callback(a, b, key=None):
        seen.append((a, b, key, getcurrent() is hub.greenlet))
        done.send()

    timer = hub.schedule_call_global(0.001, callback, 1, 2, key="k")
    assert timer.pending
    done.wait()
    assert seen == [(1, 2, "k", True)]
    assert not timer.pending


def test_canceled_timer_never_runs(hub):
    ran = []
    timer = hub.schedule_call_global(0.001, ran.append, "late")
    zero = hub.schedule_call_global(0, ran.append, "soon")
    timer.cancel()
    zero.cancel()
    assert not timer.pending and not zero.pending
    sleep(0.02)
    assert ran == []
    timer.cancel()  # canceling again does nothing


def test_zero_delay_runs_after_what_is_already_ready(hub):
    order = []
    spawn(order.append, "spawned first")
    hub.schedule_call_global(0, order.append, "timer(0)")
    spawn(order.append, "spawned last")
    sleep(0)
    assert order == ["spawned first", "timer(0)", "spawned last"]


def test_schedule_call_local_is_skipped_when_its_green_thread_has_died(hub):
    ran = []

    def schedule_and_exit():
        return hub.schedule_call_local(0.005, ran.append, "local")

    timer = spawn(schedule_and_exit).wait()
    assert not timer.pending  # its green thread is dead
    sleep(0.03)
    assert ran == []


def test_schedule_call_local_runs_while_its_green_thread_lives(hub):
    ran = Event()

    def schedule_and_wait():
        hub.schedule_call_local(0.005, ran.send, "local")
        return ran.wait()

    assert spawn(schedule_and_wait).wait() == "local"


def test_local_timer_canceled_does_not_run(hub):
    ran = []
    timer = hub.schedule_call_local(0.001, ran.append, "x")
    timer.cancel()
    sleep(0.02)
    assert ran == []


# -- ordering --------------------------------------------------------------------------------


def test_timers_fire_in_due_time_order_and_fifo_for_equal_times(hub, frozen_clock):
    order = []
    for name, delay in [("a", 0.5), ("b", 0.5), ("c", 0.2), ("d", 0.5), ("e", 0.9), ("f", 0.2)]:
        hub.schedule_call_global(delay, order.append, name)
    sleep(0)  # the clock has not moved: nothing is due
    assert order == []
    frozen_clock(0.3)
    sleep(0)
    assert order == ["c", "f"]
    frozen_clock(1.0)
    sleep(0)
    assert order == ["c", "f", "a", "b", "d", "e"]


def test_timers_set_in_different_turns_keep_due_time_order(hub, frozen_clock):
    order = []
    hub.schedule_call_global(1.0, order.append, "first-set, due later")
    sleep(0)  # now in the heap
    hub.schedule_call_global(0.5, order.append, "second-set, due sooner")
    hub.schedule_call_global(1.0, order.append, "third-set, due with the first")
    frozen_clock(0.9)
    sleep(0)
    frozen_clock(0.2)  # 1.1 s after the second and third were set
    sleep(0)
    assert order == [
        "second-set, due sooner",
        "first-set, due later",
        "third-set, due with the first",
    ]


def test_real_timers_fire_in_due_order(hub):
    order = []
    finished = Event()
    for delay in (0.03, 0.01, 0.02):
        hub.schedule_call_global(delay, order.append, delay)
    hub.schedule_call_global(0.04, finished.send)
    finished.wait()
    assert order == [0.01, 0.02, 0.03]


# -- counting and cancellation ---------------------------------------------------------------


def test_get_timers_count_and_timers_canceled(hub, frozen_clock):
    start = hub.get_timers_count()
    timers = [hub.schedule_call_global(10, lambda: None) for _ in range(5)]
    assert hub.get_timers_count() == start + 5
    sleep(0)  # the loop turns: the timers are now in the heap
    assert hub.get_timers_count() == start + 5
    timers[0].cancel()
    timers[1].cancel()
    assert hub.timers_canceled == 2
    frozen_clock(20)
    sleep(0)
    assert hub.get_timers_count() == start
    assert hub.timers_canceled == 0


def test_many_canceled_timers_do_not_pile_up_when_canceled_in_the_heap(hub):
    timers = [hub.schedule_call_global(60, lambda: None) for _ in range(10_000)]
    sleep(0)  # into the heap
    for timer in timers[10:]:
        timer.cancel()
    sleep(0)
    assert hub.get_timers_count() < 2_000
    assert hub.get_timers_count() - hub.timers_canceled == 10
    for timer in timers[:10]:
        timer.cancel()


def test_many_canceled_timers_do_not_pile_up_when_canceled_before_the_loop(hub):
    # A Timeout around code that never blocks: set and canceled before the loop turns.
    for _ in range(10_000):
        hub.schedule_call_global(60, lambda: None).cancel()
    assert hub.get_timers_count() <= 2_000
    sleep(0)
    assert hub.get_timers_count() == 0


def test_canceled_count_stays_right_when_a_callback_compacts_the_heap(hub, frozen_clock):
    far = [hub.schedule_call_global(100, lambda: None) for _ in range(3000)]
    due = [hub.schedule_call_global(2, lambda: None) for _ in range(10)]

    def cancel_many():
        for timer in due + far[:2000]:
            timer.cancel()

    hub.schedule_call_global(1, cancel_many)
    sleep(0)
    frozen_clock(5)
    sleep(0)  # cancel_many runs and its cancellations compact the heap
    live = sum(not timer.called for timer in far)
    assert live == 1000
    assert hub.get_timers_count() - hub.timers_canceled == live
    frozen_clock(200)
    sleep(0)
    assert hub.get_timers_count() == 0
    assert hub.timers_canceled == 0


# -- errors in callbacks ---------------------------------------------------------------------


def test_exception_in_a_timer_is_printed_and_the_hub_keeps_running(hub, capsys):
    def broken():
        raise ValueError("timer broke")

    hub.schedule_call_global(0.001, broken)
    hub.schedule_call_global(0, broken)
    after = Event()
    hub.schedule_call_global(0.002, after.send, "still running")  # due after both
    assert after.wait() == "still running"
    err = capsys.readouterr().err
    assert err.count("ValueError: timer broke") == 2
    assert "broken" in err  # the traceback names the function


def test_hub_exceptions_false_silences_timer_errors(hub, capsys):
    debug.hub_exceptions(False)

    def broken():
        raise ValueError("timer broke")

    hub.schedule_call_global(0.001, broken)
    after = Event()
    hub.schedule_call_global(0.002, after.send)
    after.wait()
    assert "timer broke" not in capsys.readouterr().err
    debug.hub_exceptions(True)
    hub.schedule_call_global(0, broken)
    sleep(0)
    assert "timer broke" in capsys.readouterr().err


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit])
def test_system_exceptions_in_the_hub_surface_in_the_main_greenlet(hub, exc_type):
    def stop():
        raise exc_type()

    hub.schedule_call_global(0.001, stop)
    with pytest.raises(exc_type):
        sleep(1)
    hub.schedule_call_global(0, stop)
    with pytest.raises(exc_type):
        sleep(1)
    # The hub is usable afterwards.
    assert spawn(lambda: (sleep(0.001), "after")[1]).wait() == "after"


def test_green_threads_survive_a_keyboard_interrupt_in_the_hub(hub):
    def worker():
        sleep(0.01)
        return "worker done"

    gt = spawn(worker)
    sleep(0)  # the worker now sleeps on a timer

    def interrupt():
        raise KeyboardInterrupt

    hub.schedule_call_global(0, interrupt)
    with pytest.raises(KeyboardInterrupt):
        sleep(0)
    # The worker's wake-up must go to the worker, never into the main greenlet.
    evt = Event()
    spawn_after(0.03, evt.send, "main woken properly")
    assert evt.wait() == "main woken properly"
    assert gt.wait() == "worker done"


# -- abort -----------------------------------------------------------------------------------


def test_abort_from_a_green_thread_returns_to_the_main_greenlet(hub):
    log = []

    def stopper():
        log.append("stopper")
        hub.abort()
        log.append("after abort")

    spawn(stopper)
    hub.switch()  # run the hub "forever", as a server's main does
    assert log == ["stopper", "after abort"]
    assert not hub.running
    # The hub starts again on demand.
    assert spawn(lambda: (sleep(0.001), "again")[1]).wait() == "again"


def test_abort_on_an_idle_hub_does_nothing(hub):
    hub.abort()
    assert spawn(lambda: "fine").wait() == "fine"


def test_abort_wait_leaves_no_stale_wake_up(hub):
    sleep(0)  # the hub is running
    hub.abort(wait=True)
    assert not hub.running
    evt = Event()
    spawn_after(0.01, evt.send, "sent")
    assert evt.wait(timeout=5) == "sent"


def test_green_threads_spawned_before_abort_finish_into_the_hub(hub):
    def worker():
        sleep(0.005)
        return "worker result"

    gt = spawn(worker)
    sleep(0)
    spawn(hub.abort)
    hub.switch()  # returns once the loop has stopped
    assert not hub.running
    evt = Event()
    spawn_after(0.03, evt.send, "main woken properly")
    assert evt.wait(timeout=5) == "main woken properly"
    assert gt.wait() == "worker result"


def test_default_sleep_bounds_the_idle_wait(hub):
    value = hub.default_sleep()
    assert isinstance(value, float)
    assert value > 0
