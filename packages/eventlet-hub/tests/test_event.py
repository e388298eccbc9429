"""eventlet.event.Event: one result or exception for any number of waiters."""

from __future__ import annotations

import sys
import traceback

import pytest

from eventlet.event import Event
from eventlet.greenthread import kill, sleep, spawn, spawn_n
from eventlet.timeout import Timeout

all_hubs = pytest.mark.all_hubs


class Boom(Exception):
    pass


def test_wait_returns_what_send_sent():
    evt = Event()
    gt = spawn(evt.wait)
    sleep(0)
    evt.send("value")
    assert gt.wait() == "value"


def test_wait_from_the_main_greenlet_with_a_spawn_n_sender():
    evt = Event()

    def sender(b):
        evt.send(b + 1)

    spawn_n(sender, 3)
    assert evt.wait() == 4


def test_wait_after_send_returns_at_once_every_time():
    evt = Event()
    evt.send("result")
    assert evt.wait() == "result"
    assert evt.wait() == "result"
    assert evt.wait(timeout=0.5) == "result"


def test_send_without_a_value_sends_none():
    evt = Event()
    evt.send()
    assert evt.ready()
    assert evt.wait() is None


def test_all_waiters_are_woken_in_fifo_order():
    evt = Event()
    woken = []

    def waiter(name):
        woken.append((name, evt.wait()))

    threads = [spawn(waiter, i) for i in range(5)]
    sleep(0)
    evt.send("go")
    for gt in threads:
        gt.wait()
    assert woken == [(i, "go") for i in range(5)]


def test_send_never_yields_to_the_waiters():
    evt = Event()
    order = []

    def waiter():
        evt.wait()
        order.append("waiter woke")

    spawn(waiter)
    sleep(0)
    evt.send("x")
    order.append("sender continued")
    sleep(0)
    assert order == ["sender continued", "waiter woke"]


def test_send_twice_is_an_assertion_error():
    evt = Event()
    evt.send(1)
    with pytest.raises(AssertionError):
        evt.send(2)
    assert evt.wait() == 1


def test_reset_allows_another_send():
    evt = Event()
    evt.send("first")
    evt.reset()
    assert not evt.ready()
    gt = spawn(evt.wait)
    sleep(0)
    assert not gt.dead
    evt.send("second")
    assert gt.wait() == "second"


def test_reset_of_a_fresh_event_is_an_assertion_error():
    evt = Event()
    with pytest.raises(AssertionError):
        evt.reset()
    evt.send(1)
    evt.reset()
    with pytest.raises(AssertionError):
        evt.reset()


def test_reset_after_an_exception_clears_it():
    evt = Event()
    evt.send_exception(Boom())
    evt.reset()
    evt.send("fine")
    assert evt.wait() == "fine"
    assert evt.has_result() and not evt.has_exception()


# -- exceptions ------------------------------------------------------------------------------


def test_send_exception_with_a_class_raises_an_instance():
    evt = Event()
    caught = []

    def waiter():
        try:
            evt.wait()
        except Boom as exc:
            caught.append(exc)

    waiters = [spawn(waiter) for _ in range(2)]
    sleep(0)
    evt.send_exception(Boom)
    for gt in waiters:
        gt.wait()
    assert [type(exc) for exc in caught] == [Boom, Boom]
    with pytest.raises(Boom):
        evt.wait()


def test_send_exception_reaches_every_waiter_even_those_that_die_of_it():
    evt = Event()
    waiters = [spawn(evt.wait) for _ in range(3)]
    sleep(0)
    evt.send_exception(Boom)
    outcomes = []
    for gt in waiters:
        try:
            with Timeout(0.2, TimeoutError("waiter never woken")):
                gt.wait()
        except Boom:
            outcomes.append("Boom")
        except TimeoutError:
            outcomes.append("hung")
            gt.kill()
    assert outcomes == ["Boom", "Boom", "Boom"]


def test_send_reaches_every_waiter_even_if_one_fails_after_waking(capsys):
    evt = Event()

    def fragile():
        evt.wait()
        raise Boom("failed after waking")

    threads = [spawn(fragile), spawn(evt.wait), spawn(evt.wait)]
    sleep(0)
    evt.send("value")
    with pytest.raises(Boom):
        threads[0].wait()
    results = []
    for gt in threads[1:]:
        try:
            with Timeout(0.2, TimeoutError("waiter never woken")):
                results.append(gt.wait())
        except TimeoutError:
            results.append("hung")
            gt.kill()
    assert results == ["value", "value"]


def test_a_woken_waiter_that_yields_lets_the_other_woken_waiters_run_first():
    evt = Event()
    order = []

    def waiter(name):
        evt.wait()
        order.append(f"{name} woke")
        sleep(0)
        order.append(f"{name} again")

    threads = [spawn(waiter, name) for name in "abc"]
    sleep(0)
    evt.send()
    for gt in threads:
        gt.wait()
    assert order[:3] == ["a woke", "b woke", "c woke"]
    assert sorted(order[3:]) == ["a again", "b again", "c again"]


def test_send_exception_with_an_instance_raises_that_instance():
    evt = Event()
    exc = Boom("this one")
    evt.send_exception(exc)
    with pytest.raises(Boom) as info:
        evt.wait()
    assert info.value is exc


def test_send_exception_with_class_and_argument():
    evt = Event()
    evt.send_exception(Boom, "argument")
    with pytest.raises(Boom, match="argument"):
        evt.wait()


def test_send_exception_with_exc_info_keeps_the_original_traceback():
    def origin_of_the_error():
        raise Boom("original")

    evt = Event()
    try:
        origin_of_the_error()
    except Boom:
        evt.send_exception(*sys.exc_info())
    gt = spawn(evt.wait)
    with pytest.raises(Boom) as info:
        gt.wait()
    names = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "origin_of_the_error" in names


def test_send_with_exc_keyword():
    evt = Event()
    evt.send(exc=Boom("via keyword"))
    assert evt.has_exception()
    with pytest.raises(Boom, match="via keyword"):
        evt.wait()
    other = Event()
    other.send(exc=Boom)
    with pytest.raises(Boom):
        other.wait()


# -- inspection ------------------------------------------------------------------------------


def test_state_of_a_fresh_event():
    evt = Event()
    assert not evt.ready()
    assert not evt.has_exception()
    assert not evt.has_result()
    assert evt.poll() is None
    assert evt.poll("nothing") == "nothing"
    assert evt.poll_exception("nothing") == "nothing"
    assert evt.poll_result("nothing") == "nothing"


def test_state_after_a_result():
    evt = Event()
    evt.send(0)
    assert evt.ready()
    assert evt.has_result()
    assert not evt.has_exception()
    assert evt.poll("nothing") == 0
    assert evt.poll_result("nothing") == 0
    assert evt.poll_exception("nothing") == "nothing"


def test_state_after_an_exception():
    evt = Event()
    exc = Boom("x")
    evt.send_exception(exc)
    assert evt.ready()
    assert evt.has_exception()
    assert not evt.has_result()
    with pytest.raises(Boom):
        evt.poll()
    assert evt.poll_result("nothing") == "nothing"
    exc_info = evt.poll_exception()
    assert exc_info[0] is Boom and exc_info[1] is exc


def test_ready_changes_only_on_send():
    evt = Event()
    gt = spawn(evt.wait)
    sleep(0)
    assert not evt.ready()
    evt.send("x")
    assert evt.ready()
    gt.wait()


# -- timeouts --------------------------------------------------------------------------------


@all_hubs
def test_wait_with_timeout_returns_none_when_nothing_is_sent():
    evt = Event()
    assert evt.wait(timeout=0.01) is None
    assert not evt.ready()
    # The timed-out waiter is gone: a later send wakes nobody stale.
    evt.send("later")
    sleep(0)
    assert evt.wait() == "later"


@all_hubs
def test_wait_with_timeout_returns_the_value_sent_in_time():
    evt = Event()
    spawn(lambda: (sleep(0.005), evt.send("in time")))
    assert evt.wait(timeout=5) == "in time"


@all_hubs
def test_wait_with_timeout_raises_an_exception_sent_in_time():
    evt = Event()
    spawn(lambda: evt.send_exception(Boom("sent")))
    with pytest.raises(Boom):
        evt.wait(timeout=5)


@all_hubs
def test_timed_out_waiter_is_not_woken_later_by_the_send():
    first, second = Event(), Event()
    log = []

    timed_out = Event()

    def waiter():
        log.append(("first", first.wait(timeout=0.005)))
        timed_out.send()
        log.append(("second", second.wait()))

    gt = spawn(waiter)
    timed_out.wait()
    assert log == [("first", None)]
    first.send("too late")
    sleep(0)
    sleep(0)
    assert log == [("first", None)]
    second.send("two")
    gt.wait()
    assert log == [("first", None), ("second", "two")]


@all_hubs
def test_wait_timeout_is_canceled_once_woken():
    evt, second = Event(), Event()
    log = []

    def waiter():
        log.append(evt.wait(timeout=0.01))
        log.append(second.wait())

    gt = spawn(waiter)
    sleep(0)
    evt.send("one")
    sleep(0.03)  # past the first wait's timeout
    assert log == ["one"]
    second.send("two")
    gt.wait()
    assert log == ["one", "two"]


def test_bad_timeout_is_a_type_error_that_leaves_no_waiter():
    first, second = Event(), Event()
    log = []

    def waiter():
        with pytest.raises(TypeError):
            first.wait(timeout="soon")
        log.append(("second", second.wait()))

    gt = spawn(waiter)
    sleep(0)
    first.send("first")
    sleep(0)
    sleep(0)
    assert log == []
    second.send("second")
    gt.wait()
    assert log == [("second", "second")]


class Interrupt(Exception):
    pass


def test_waiter_killed_by_an_earlier_waiter_during_delivery_is_not_woken_stale():
    evt, second = Event(), Event()
    log = []

    def victim():
        try:
            evt.wait()
            log.append("victim woken by evt")
        except Interrupt:
            log.append("victim interrupted")
        log.append(("second", second.wait()))

    def killer():
        evt.wait()
        kill(victim_gt, Interrupt)
        log.append("killer done")

    killer_gt = spawn(killer)  # waits first, so is woken first
    victim_gt = spawn(victim)
    sleep(0)
    evt.send("value")
    killer_gt.wait()
    sleep(0)
    assert log == ["victim interrupted", "killer done"]
    second.send("second")
    victim_gt.wait()
    assert log == ["victim interrupted", "killer done", ("second", "second")]
