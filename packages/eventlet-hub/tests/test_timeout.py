"""eventlet.timeout: Timeout, with_timeout, is_timeout, wrap_is_timeout."""

from __future__ import annotations

import socket
import types

import pytest

from eventlet import hubs
from eventlet.event import Event
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout, is_timeout, with_timeout, wrap_is_timeout

all_hubs = pytest.mark.all_hubs


class Slow(Exception):
    pass


# -- as a context manager --------------------------------------------------------------------


@all_hubs
def test_timeout_raises_itself_in_the_with_block():
    reached = []
    with pytest.raises(Timeout) as info:
        with Timeout(0.01) as timeout:
            sleep(1)
            reached.append("after sleep")
    assert info.value is timeout
    assert reached == []
    assert not timeout.pending


@all_hubs
def test_timeout_that_does_not_fire_lets_the_block_finish():
    with Timeout(1) as timeout:
        sleep(0.001)
        assert timeout.pending
    assert not timeout.pending
    sleep(0.01)  # canceled: nothing fires later


@all_hubs
def test_silent_timeout_is_swallowed_by_its_with_block():
    reached = []
    with Timeout(0.01, False):
        sleep(1)
        reached.append("after sleep")
    reached.append("after block")
    assert reached == ["after block"]


@all_hubs
def test_timeout_with_an_exception_class():
    with pytest.raises(Slow):
        with Timeout(0.01, Slow):
            sleep(1)


@all_hubs
def test_timeout_with_an_exception_instance():
    exc = Slow("too slow")
    with pytest.raises(Slow) as info:
        with Timeout(0.01, exc):
            sleep(1)
    assert info.value is exc


def test_timeout_zero_fires_at_the_next_yield():
    reached = []
    with pytest.raises(Timeout):
        with Timeout(0):
            reached.append("before yield")  # no yield yet: nothing fires
            sleep(0)
            reached.append("after yield")
    assert reached == ["before yield"]


def test_timeout_none_never_fires():
    with Timeout(None) as timeout:
        assert not timeout.pending
        sleep(0)
    timeout = Timeout()
    assert not timeout.pending
    assert timeout.seconds is None


# -- nesting ---------------------------------------------------------------------------------


@all_hubs
def test_nested_timeouts_each_catch_their_own():
    log = []
    with pytest.raises(Timeout) as outer_info:
        with Timeout(0.05) as outer:
            try:
                with Timeout(0.005) as inner:
                    sleep(1)
            except Timeout as exc:
                log.append("inner" if exc is inner else "other")
            sleep(1)
            log.append("outer block finished")
    assert outer_info.value is outer
    assert log == ["inner"]


@all_hubs
def test_outer_timeout_firing_inside_an_inner_block_is_not_swallowed():
    log = []
    with pytest.raises(Timeout) as info:
        with Timeout(0.01) as outer:
            with Timeout(5, False):  # silent, but only about itself
                sleep(1)
            log.append("continued after inner block")
    assert info.value is outer
    assert log == []


@all_hubs
def test_outer_silent_timeout_passes_through_an_inner_block():
    log = []
    with Timeout(0.01, False):
        try:
            with Timeout(5):
                sleep(1)
        except Timeout:
            log.append("inner except caught it")
            raise
    log.append("after")
    assert log == ["inner except caught it", "after"]


# -- cancel, pending, start ------------------------------------------------------------------


@all_hubs
def test_cancel_stops_a_pending_timeout():
    timeout = Timeout(0.01)
    assert timeout.pending
    timeout.cancel()
    assert not timeout.pending
    sleep(0.03)  # would have raised here
    timeout.cancel()  # twice is fine


@all_hubs
def test_start_after_cancel_arms_it_again():
    timeout = Timeout(1)
    timeout.cancel()
    timeout.seconds = 0.01
    timeout.start()
    assert timeout.pending
    with pytest.raises(Timeout) as info:
        sleep(1)
    assert info.value is timeout
    assert not timeout.pending


def test_start_twice_is_a_runtime_error():
    timeout = Timeout(10)
    try:
        with pytest.raises(RuntimeError):
            timeout.start()
        assert timeout.pending
    finally:
        timeout.cancel()


def test_timeout_used_without_with_must_be_canceled():
    timeout = Timeout(10)
    try:
        sleep(0)
        assert timeout.pending
    finally:
        timeout.cancel()
    assert not timeout.pending


def test_start_returns_the_timeout():
    timeout = Timeout(None)
    timeout.seconds = 10
    assert timeout.start() is timeout
    timeout.cancel()


@pytest.mark.parametrize("bad", ["1", [1], object()])
def test_bad_seconds_is_a_type_error(bad):
    with pytest.raises(TypeError):
        Timeout(bad)
    assert hubs.get_hub().get_timers_count() == 0


# -- a timeout that outlives its green thread ------------------------------------------------


@all_hubs
def test_timeout_left_behind_by_a_finished_green_thread_is_harmless(capsys):
    def forgets_to_cancel():
        Timeout(0.005)
        return "done"

    assert spawn(forgets_to_cancel).wait() == "done"
    sleep(0.02)  # past its due time: it fires into a dead green thread
    assert spawn(lambda: "hub alive").wait() == "hub alive"
    assert capsys.readouterr().err == ""


@all_hubs
def test_timeout_fires_only_in_the_green_thread_that_set_it():
    evt = Event()
    log = []

    def sets_timeout():
        try:
            with Timeout(0.01):
                evt.wait()
        except Timeout:
            log.append("setter timed out")

    def bystander():
        evt.wait()
        log.append("bystander woken normally")

    setter = spawn(sets_timeout)
    other = spawn(bystander)
    setter.wait()
    assert log == ["setter timed out"]
    evt.send()
    other.wait()
    assert log == ["setter timed out", "bystander woken normally"]


# -- str and repr ----------------------------------------------------------------------------


def test_str_and_repr():
    one = Timeout(1)
    two = Timeout(2)
    silent = Timeout(3, False)
    custom = Timeout(4, Slow("custom"))
    try:
        assert str(one) == "1 second"
        assert str(two) == "2 seconds"
        assert "silent" in str(silent)
        assert "custom" in str(custom)
        assert str(Timeout()) == ""
        text = repr(two)
        assert "Timeout" in text and "seconds=2" in text and "pending" in text
        assert "Slow" in repr(custom)
    finally:
        for timeout in (one, two, silent, custom):
            timeout.cancel()
    assert "pending" not in repr(two)


def test_timeout_is_a_base_exception_not_an_exception():
    assert issubclass(Timeout, BaseException)
    assert not issubclass(Timeout, Exception)


# -- with_timeout ----------------------------------------------------------------------------


@all_hubs
def test_with_timeout_returns_the_result_and_cancels_the_timeout():
    def add(a, b, *, c):
        sleep(0)
        return a + b + c

    assert with_timeout(0.01, add, 1, 2, c=3) == 6
    sleep(0.03)  # past the timeout: it must not fire here


@all_hubs
def test_with_timeout_raises_timeout():
    with pytest.raises(Timeout):
        with_timeout(0.01, sleep, 1)


@all_hubs
def test_with_timeout_returns_timeout_value_instead():
    assert with_timeout(0.01, sleep, 1, timeout_value="gave up") == "gave up"
    assert with_timeout(0.01, sleep, 1, timeout_value=None) is None


@all_hubs
def test_with_timeout_lets_another_timeout_through():
    def inner_times_out():
        with Timeout(0.005, Slow):
            sleep(1)

    with pytest.raises(Slow):
        with_timeout(1, inner_times_out, timeout_value="not this one")

    def foreign_timeout():
        with Timeout(0.005):
            sleep(1)

    with pytest.raises(Timeout):
        with_timeout(1, foreign_timeout, timeout_value="not this one")


def test_with_timeout_propagates_other_exceptions():
    def fails():
        raise Slow("failure")

    with pytest.raises(Slow):
        with_timeout(1, fails, timeout_value="unused")


# -- is_timeout and wrap_is_timeout ----------------------------------------------------------


def test_is_timeout():
    timeout = Timeout()
    assert timeout.is_timeout is True
    assert is_timeout(timeout)
    assert is_timeout(TimeoutError())
    assert is_timeout(socket.timeout())  # noqa: UP041 (the alias programs still use)
    assert is_timeout(types.SimpleNamespace(is_timeout=True))
    assert not is_timeout(types.SimpleNamespace(is_timeout=False))
    assert not is_timeout(ValueError())
    assert not is_timeout(None)
    assert not is_timeout("timeout")


def test_wrap_is_timeout_on_a_class():
    class MyTimeout(Exception):
        pass

    assert wrap_is_timeout(MyTimeout) is MyTimeout
    exc = MyTimeout("x")
    assert exc.is_timeout is True
    assert is_timeout(exc)
    with pytest.raises(AttributeError):
        exc.is_timeout = False  # read-only
    assert isinstance(exc, Exception)


def test_wrap_is_timeout_on_a_function():
    def make_error(message):
        """Build an error."""
        return OSError(message)

    wrapped = wrap_is_timeout(make_error)
    assert wrapped.__name__ == "make_error"
    assert wrapped.__doc__ == "Build an error."
    result = wrapped("deadline")
    assert isinstance(result, OSError)
    assert result.args == ("deadline",)
    assert result.is_timeout is True
    assert is_timeout(result)
    assert not is_timeout(make_error("plain"))


def test_wrap_is_timeout_on_a_function_returning_what_cannot_take_attributes():
    wrapped = wrap_is_timeout(lambda: 42)
    assert wrapped() == 42
