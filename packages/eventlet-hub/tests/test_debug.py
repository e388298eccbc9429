"""eventlet.debug: the switches and reports for debugging programs that run on the hub."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import threading
import time

import pytest

from eventlet import debug, hubs
from eventlet.event import Event
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

SEED_NAMES = [
    "format_asyncio_info",
    "format_hub_listeners",
    "format_hub_timers",
    "format_threads_info",
    "hub_blocking_detection",
    "hub_exceptions",
    "hub_listener_stacks",
    "hub_prevent_multiple_readers",
    "hub_timer_stacks",
    "spew",
    "tpool_exceptions",
    "unspew",
]


def test_every_documented_function_exists():
    for name in SEED_NAMES:
        assert callable(getattr(debug, name)), name


# -- listener and timer stacks ---------------------------------------------------------------


def wait_readable_here(sock):
    hubs.trampoline(sock, read=True, timeout=5)


@pytest.mark.all_hubs
def test_listener_stacks_show_where_each_listener_was_added(sockpair):
    a, b = sockpair
    debug.hub_listener_stacks(True)
    gt = spawn(wait_readable_here, a)
    sleep(0)
    text = debug.format_hub_listeners()
    assert isinstance(text, str)
    assert "wait_readable_here" in text
    assert str(a.fileno()) in text
    b.send(b"x")
    gt.wait()
    assert "wait_readable_here" not in debug.format_hub_listeners()


@pytest.mark.all_hubs
def test_listeners_are_listed_without_stacks_when_recording_is_off(sockpair):
    a, b = sockpair
    debug.hub_listener_stacks(False)
    gt = spawn(wait_readable_here, a)
    sleep(0)
    text = debug.format_hub_listeners()
    assert str(a.fileno()) in text
    assert "wait_readable_here" not in text
    b.send(b"x")
    gt.wait()


def timer_callback():
    pass


def set_a_timer_here():
    return hubs.get_hub().schedule_call_global(10, timer_callback)


def sleeps_here():
    sleep(10)


def test_timer_stacks_show_where_each_timer_was_set():
    debug.hub_timer_stacks(True)
    timer = set_a_timer_here()
    sleeper = spawn(sleeps_here)
    sleep(0)
    text = debug.format_hub_timers()
    assert isinstance(text, str)
    assert "set_a_timer_here" in text
    assert "sleeps_here" in text
    timer.cancel()
    sleeper.kill()
    text = debug.format_hub_timers()
    assert "set_a_timer_here" not in text
    assert "sleeps_here" not in text


def test_timers_are_listed_without_stacks_when_recording_is_off():
    debug.hub_timer_stacks(False)
    timer = set_a_timer_here()
    text = debug.format_hub_timers()
    assert "timer_callback" in text  # the callback is named
    assert "set_a_timer_here" not in text
    timer.cancel()


def time_limit_set_here():
    return Timeout(10)


def test_timer_stacks_cover_timeouts():
    debug.hub_timer_stacks(True)
    timeout = time_limit_set_here()
    try:
        assert "time_limit_set_here" in debug.format_hub_timers()
    finally:
        timeout.cancel()


# -- hub_exceptions, tpool_exceptions --------------------------------------------------------


def test_hub_exceptions_toggles_printing(capsys):
    def fails():
        raise KeyError("printed?")

    debug.hub_exceptions(False)
    spawn(fails)
    sleep(0)
    assert "printed?" not in capsys.readouterr().err
    debug.hub_exceptions(True)
    spawn(fails)
    sleep(0)
    assert "printed?" in capsys.readouterr().err


def test_tpool_exceptions_toggles_its_flag():
    debug.tpool_exceptions(True)
    assert debug.tpool_exceptions_enabled is True
    debug.tpool_exceptions(False)
    assert debug.tpool_exceptions_enabled is False
    debug.tpool_exceptions()
    assert debug.tpool_exceptions_enabled is False


# -- blocking detection ----------------------------------------------------------------------

needs_sigalrm = pytest.mark.skipif(
    not hasattr(signal, "setitimer"), reason="needs signal.setitimer"
)


@needs_sigalrm
@pytest.mark.all_hubs
def test_blocking_detection_interrupts_a_green_thread_that_blocks():
    before = signal.getsignal(signal.SIGALRM)

    def blocker():
        sleep(0.001)  # through the hub once
        time.sleep(2)  # then block the whole thread
        return "never interrupted"

    debug.hub_blocking_detection(True, resolution=0.05)
    try:
        gt = spawn(blocker)
        with pytest.raises(RuntimeError, match="blocking"):
            gt.wait()
    finally:
        debug.hub_blocking_detection(False)
    assert signal.getsignal(signal.SIGALRM) == before
    # Off again: blocking past the resolution goes unpunished.
    ok = spawn(lambda: (sleep(0.001), time.sleep(0.1), "not interrupted")[2])
    assert ok.wait() == "not interrupted"


@needs_sigalrm
def test_blocking_detection_catches_a_green_thread_that_blocks_at_once():
    def blocker():
        time.sleep(0.25)
        return "never interrupted"

    debug.hub_blocking_detection(True, resolution=0.05)
    try:
        gt = spawn(blocker)
        with pytest.raises(RuntimeError, match="blocking"):
            gt.wait()
    finally:
        debug.hub_blocking_detection(False)


@needs_sigalrm
def test_blocking_detection_spares_green_threads_that_yield(capsys):
    def yielder():
        end = time.monotonic() + 0.3
        turns = 0
        while time.monotonic() < end:
            sleep(0)
            turns += 1
        return turns

    debug.hub_blocking_detection(True, resolution=0.05)
    try:
        sleep(0.001)  # the hub waits in the OS once
        gt = spawn(yielder)
        assert gt.wait() > 0
    finally:
        debug.hub_blocking_detection(False)
    # A false alarm that went off in the hub itself is reported there rather than raised.
    assert "blocking detector" not in capsys.readouterr().err


def test_blocking_detection_resolution_must_be_positive():
    with pytest.raises(ValueError):
        debug.hub_blocking_detection(True, resolution=0)
    assert not hubs.get_hub().debug_blocking


# -- spew ------------------------------------------------------------------------------------


def traced_function(x):
    y = x + 1
    return y * 2


@pytest.fixture
def restore_trace():
    previous = sys.gettrace()
    yield
    sys.settrace(previous)


def test_spew_prints_each_line_executed(capsys, restore_trace):
    debug.spew()
    try:
        assert traced_function(3) == 8
    finally:
        debug.unspew()
    out = capsys.readouterr().out
    assert "y = x + 1" in out
    assert "return y * 2" in out
    assert sys.gettrace() is None
    traced_function(3)
    assert capsys.readouterr().out == ""


def test_spew_can_show_values(capsys, restore_trace):
    debug.spew(show_values=True)
    try:
        traced_function(41)
    finally:
        debug.unspew()
    out = capsys.readouterr().out
    assert "\tx=41" in out  # under "y = x + 1", before the line ran
    assert "\ty=42" in out  # under "return y * 2"


def test_spew_limited_to_other_modules_prints_nothing_from_here(capsys, restore_trace):
    debug.spew(trace_names=["no_such_module_anywhere"])
    try:
        traced_function(3)
    finally:
        debug.unspew()
    assert "y = x + 1" not in capsys.readouterr().out


SPEW_GLOBAL = "a module global"


def test_spew_line_format_is_upstreams(capsys):
    tracer = debug.Spew()
    frame = sys._getframe()
    tracer(frame, "line", None)
    lineno = frame.f_lineno - 1  # the line above, where the frame was traced
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{__name__}:{lineno}:     tracer(frame, \"line\", None)"
    assert re.fullmatch(r"\ttracer=<eventlet\.debug\.Spew object at 0x\w+> frame=<frame .*>", out[1])
    assert len(out) == 2


def test_spew_shows_globals_and_locals_of_the_line(capsys):
    tracer = debug.Spew()
    local_value = 7
    tracer(sys._getframe(), "line", (SPEW_GLOBAL, local_value))
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("\ttracer=<eventlet.debug.Spew object at ")
    assert out[1].endswith(" SPEW_GLOBAL='a module global' local_value=7")
    assert "sys=<module 'sys'" in out[1]  # globals too
    tracer.show_values = False
    tracer(sys._getframe(), "line", (SPEW_GLOBAL, local_value))
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_spew_names_code_without_a_file_unknown(capsys):
    tracer = debug.Spew()
    module_globals = dict(globals())
    del module_globals["__file__"]
    frame = eval("sys._getframe()", module_globals)
    lineno = frame.f_lineno
    tracer(frame, "line", None)
    out = capsys.readouterr().out
    assert out.startswith(f"[unknown]:{lineno}: Unknown code named [<module>].  VM instruction #")


def test_spew_skips_other_events_and_modules_not_named(capsys):
    tracer = debug.Spew(trace_names=["some.other.module"])
    assert tracer(sys._getframe(), "line", None) is tracer
    assert tracer(sys._getframe(), "call", None) is tracer
    assert capsys.readouterr().out == ""
    named = debug.Spew(trace_names=[__name__], show_values=False)
    named(sys._getframe(), "line", None)
    assert capsys.readouterr().out.startswith(f"{__name__}:")


def test_spew_survives_a_failing_repr(capsys):
    class Broken:
        def __repr__(self):
            raise ValueError("no repr")

    broken = Broken()
    frame = sys._getframe()
    debug.Spew()(frame, "line", None)
    assert broken
    assert "broken=<repr failed: ValueError>" not in capsys.readouterr().out  # not on the line
    frame = sys._getframe()
    debug.Spew()(frame, "line", broken)
    assert "broken=<repr failed: ValueError>" in capsys.readouterr().out


# -- reports ---------------------------------------------------------------------------------


def parked_green_thread_function(evt):
    return evt.wait()


def test_format_threads_info_lists_threads_and_green_threads():
    evt = Event()
    gt = spawn(parked_green_thread_function, evt)
    sleep(0)
    text = debug.format_threads_info()
    assert isinstance(text, str)
    assert threading.main_thread().name in text
    assert "parked_green_thread_function" in text
    evt.send("done")
    assert gt.wait() == "done"


def test_format_asyncio_info_returns_a_report_in_and_out_of_a_loop():
    outside = debug.format_asyncio_info()
    assert isinstance(outside, str) and outside

    async def probe():
        return debug.format_asyncio_info()

    inside = asyncio.run(probe())
    assert isinstance(inside, str) and inside
    assert inside != outside
