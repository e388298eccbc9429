"""eventlet.green.profile: a Profile that keeps each green thread's calls and timings apart.

Timing checks use a fake timer that only advances when a test function says so, so they are
exact and independent of the machine's load. Green threads interleave through sleep(0) and
Events, in a known order.
"""

from __future__ import annotations

import io
import profile as std_profile
import pstats

import pytest

from eventlet.event import Event
from eventlet.green import profile
from eventlet.greenthread import sleep, spawn

# -- helpers: functions to profile -------------------------------------------------------------


class FakeClock:
    """A timer for Profile(timer=...) that moves only when a test adds to ``now``.

    Adding to the attribute, not calling a method, keeps the time in the function that adds.
    """

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def helper_a():
    return "a"


def helper_b():
    return "b"


def work_a():
    for _ in range(5):
        helper_a()
        sleep(0)


def work_b():
    for _ in range(5):
        helper_b()
        sleep(0)


def run_both():
    first, second = spawn(work_a), spawn(work_b)
    first.wait()
    second.wait()


def by_name(prof):
    """The profiler's statistics keyed by function name (keep test functions' names unique:
    not ``main``, which GreenThread has)."""
    prof.create_stats()
    return {func[2]: value for func, value in prof.stats.items()}


def names(callers):
    return {func[2]: count for func, count in callers.items()}


# -- the module ------------------------------------------------------------------------------


def test_module_interface():
    assert profile.__all__ == std_profile.__all__
    assert set(profile.__patched__) == {"Profile", "run", "runctx"}
    assert profile.Profile is not std_profile.Profile
    assert issubclass(profile.Profile, profile._StdlibProfile)


# -- calls and callers per green thread ---------------------------------------------------------


def test_interleaved_green_threads_keep_their_own_calls_and_callers():
    prof = profile.Profile()
    prof.runcall(run_both)  # the stdlib's Profile fails here ("Bad call") or mixes them up
    stats = by_name(prof)
    assert stats["helper_a"][:2] == (5, 5)
    assert names(stats["helper_a"][4]) == {"work_a": 5}
    assert stats["helper_b"][:2] == (5, 5)
    assert names(stats["helper_b"][4]) == {"work_b": 5}
    assert stats["work_a"][:2] == (1, 1)
    assert stats["work_b"][:2] == (1, 1)
    assert names(stats["sleep"][4]) == {"work_a": 5, "work_b": 5}


def test_time_another_green_thread_spends_is_not_charged_to_a_waiter():
    clock = FakeClock()
    ready = Event()

    def busy():
        clock.now += 10.0  # no call: the time is the caller's own

    def waiter():
        ready.wait()

    def burner():
        busy()
        ready.send()

    def parent():
        first = spawn(waiter)
        sleep(0)  # the waiter waits now
        second = spawn(burner)
        first.wait()
        second.wait()

    prof = profile.Profile(timer=clock)
    prof.runcall(parent)
    stats = by_name(prof)
    assert stats["busy"][2:4] == (10.0, 10.0)  # internal, cumulative
    assert stats["burner"][2:4] == (0.0, 10.0)
    assert stats["waiter"][2:4] == (0.0, 0.0)  # it waited while the burner ran
    assert stats["parent"][2:4] == (0.0, 0.0)  # nor to the one that waits for both


def test_the_same_function_in_two_green_threads_is_not_recursion():
    clock = FakeClock()

    def shared():
        clock.now += 5.0
        sleep(0)  # the other green thread runs shared() meanwhile
        clock.now += 5.0

    def main():
        first, second = spawn(shared), spawn(shared)
        first.wait()
        second.wait()

    prof = profile.Profile(timer=clock)
    prof.runcall(main)
    stats = by_name(prof)
    cc, nc, tt, ct, _ = stats["shared"]
    assert (cc, nc) == (2, 2)  # two primitive calls, not one call and one recursive one
    assert (tt, ct) == (20.0, 20.0)


def test_real_recursion_in_one_green_thread_is_still_recursion():
    clock = FakeClock()

    def fact(n):
        clock.now += 1.0
        return 1 if n <= 1 else n * fact(n - 1)

    prof = profile.Profile(timer=clock)
    assert prof.runcall(fact, 5) == 120
    cc, nc, tt, ct, _ = by_name(prof)["fact"]
    assert (cc, nc) == (1, 5)
    assert (tt, ct) == (5.0, 5.0)


def test_a_green_thread_begun_before_profiling_is_followed():
    started = Event()
    go = Event()

    def early():
        started.send()
        go.wait()  # suspended here when profiling starts
        helper_a()

    thread = spawn(early)
    started.wait()

    def main():
        go.send()
        thread.wait()

    prof = profile.Profile()
    prof.runcall(main)
    stats = by_name(prof)
    assert stats["helper_a"][:2] == (1, 1)
    assert "early" not in stats  # it began before profiling: only what it called since counts


def test_open_frames_of_suspended_green_threads_count_when_stats_are_made():
    clock = FakeClock()
    never = Event()

    def stuck():
        clock.now += 3.0
        never.wait()

    def main():
        spawn(stuck)
        sleep(0)

    prof = profile.Profile(timer=clock)
    prof.runcall(main)
    stats = by_name(prof)
    assert stats["stuck"][0] == 1
    assert stats["stuck"][2] == 3.0
    never.send()


def test_runcall_from_another_green_thread_than_the_constructor():
    prof = profile.Profile()
    result = []
    spawn(lambda: result.append(prof.runcall(helper_b))).wait()
    assert result == ["b"]
    assert by_name(prof)["helper_b"][:2] == (1, 1)


# -- running and reporting, as the stdlib's ------------------------------------------------------


def test_runctx_and_pstats():
    prof = profile.Profile()
    assert prof.runctx("run_both()", globals(), {}) is prof
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("calls").print_stats()
    text = out.getvalue()
    assert "helper_a" in text and "helper_b" in text
    assert "run_both()" in text  # the command, as the stdlib names it


def test_module_run_prints_and_dumps(tmp_path, capsys):
    profile.run("sorted(range(10))")  # run() executes in __main__'s namespace
    out = capsys.readouterr().out
    assert "function calls" in out and "sorted" in out
    target = tmp_path / "stats"
    profile.runctx("run_both()", globals(), {}, filename=str(target))
    stats = pstats.Stats(str(target))
    assert any(func[2] == "helper_a" for func in stats.stats)


def test_calibrate_works_for_the_green_profile():
    assert isinstance(profile.Profile().calibrate(200), float)


def test_an_exception_in_profiled_code_propagates():
    def fails():
        helper_a()
        raise KeyError("boom")

    prof = profile.Profile()
    with pytest.raises(KeyError):
        prof.runcall(fails)
    assert by_name(prof)["helper_a"][:2] == (1, 1)
