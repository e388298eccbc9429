"""tpool.execute: real OS threads, results and exceptions back in the caller, the pool size."""

from __future__ import annotations

import threading
import traceback
from typing import Any

import pytest

from eventlet import hubs, tpool
from eventlet.event import Event
from eventlet.greenpool import GreenPool
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

# Long enough never to expire on a loaded machine; a test that needs it has failed anyway.
PATIENCE = 20


class Fatal(BaseException):
    """A BaseException that is neither an Exception nor one the interpreter knows."""


def test_returns_the_result_of_the_call() -> None:
    def add(a: int, b: int, *, scale: int = 1) -> int:
        return (a + b) * scale

    assert tpool.execute(add, 2, 3) == 5
    assert tpool.execute(add, 2, 3, scale=10) == 50


def test_runs_in_another_os_thread() -> None:
    caller = threading.get_ident()
    worker = tpool.execute(threading.get_ident)
    assert worker != caller
    assert tpool.execute(lambda: threading.current_thread().name).startswith("tpool-")


def test_the_hub_serves_other_green_threads_while_a_call_blocks() -> None:
    # The call blocks its OS thread until a green thread sets the gate: if the hub were
    # blocked too, the gate would never open and wait() would give up.
    gate = threading.Event()

    def blocked() -> bool:
        return gate.wait(PATIENCE)

    spawn(gate.set)
    assert tpool.execute(blocked) is True


def test_a_green_thread_ticks_while_a_call_runs() -> None:
    done = threading.Event()
    ticks: list[int] = []

    def ticker() -> None:
        while not done.is_set():
            ticks.append(1)
            sleep(0.001)

    def wait_for_ticks() -> int:
        # The worker waits until the green ticker has demonstrably run a few times.
        deadline = threading.Event()
        for _ in range(PATIENCE * 100):
            if len(ticks) >= 5:
                break
            deadline.wait(0.01)
        return len(ticks)

    spawn(ticker)
    try:
        assert tpool.execute(wait_for_ticks) >= 5
    finally:
        done.set()


def test_an_exception_is_raised_in_the_caller_with_its_traceback() -> None:
    def failing_function_in_worker() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing") as info:
        tpool.execute(failing_function_in_worker)
    names = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    # The caller's frames first, then the function's, and no frame of the pool's own loop.
    assert names[0] == "test_an_exception_is_raised_in_the_caller_with_its_traceback"
    assert names[-1] == "failing_function_in_worker"
    assert "_worker" not in names


@pytest.mark.parametrize("exc_type", [Fatal, SystemExit, KeyboardInterrupt, GeneratorExit])
def test_a_base_exception_is_passed_back_and_the_thread_survives(
    exc_type: type[BaseException],
) -> None:
    # Upstream lets such an exception kill its pool thread and the caller waits forever.
    tpool.set_num_threads(1)
    tpool.killall()
    worker = tpool.execute(threading.current_thread)

    def fail() -> None:
        raise exc_type("from the pool")

    for _ in range(3):
        with pytest.raises(exc_type):
            tpool.execute(fail)
    assert tpool.execute(threading.current_thread) is worker
    assert worker.is_alive()


def test_twenty_calls_run_at_once() -> None:
    # A barrier of 20 is passed only if 20 calls run in 20 threads at the same time.
    barrier = threading.Barrier(20, timeout=PATIENCE)
    pool = GreenPool(20)
    results = list(pool.imap(lambda i: (i, tpool.execute(barrier.wait)), range(20)))
    assert [i for i, _ in results] == list(range(20))
    assert sorted(index for _, index in results) == list(range(20))


def test_results_come_back_to_the_right_callers() -> None:
    pool = GreenPool(50)
    assert list(pool.imap(lambda i: tpool.execute(pow, i, 2), range(500))) == [
        i * i for i in range(500)
    ]


def test_set_num_threads_limits_the_calls_running_at_once() -> None:
    tpool.set_num_threads(1)
    first_started = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        first_started.set()
        release.wait(PATIENCE)
        order.append("first")

    def second() -> None:
        order.append("second")

    def run_second() -> None:
        first_started.wait(PATIENCE)
        tpool.execute(second)

    a = spawn(tpool.execute, first)
    b = spawn(run_second)
    sleep(0)  # a submits first; b waits (blocking this OS thread) until it runs, then queues
    # With one thread, second is queued behind first, which is still blocked.
    assert first_started.is_set()
    assert order == []
    release.set()
    a.wait()
    b.wait()
    assert order == ["first", "second"]


def test_set_num_threads_grows_a_running_pool() -> None:
    tpool.set_num_threads(1)
    tpool.execute(int)
    tpool.set_num_threads(3)
    barrier = threading.Barrier(3, timeout=PATIENCE)
    pool = GreenPool(3)
    assert sorted(pool.imap(lambda _: tpool.execute(barrier.wait), range(3))) == [0, 1, 2]


def test_shrinking_ends_the_extra_threads() -> None:
    tpool.killall()  # no thread of an earlier pool still on its way out
    tpool.set_num_threads(4)
    tpool.execute(int)
    threads = [t for t in threading.enumerate() if t.name.startswith("tpool-")]
    assert len(threads) == 4
    tpool.set_num_threads(1)
    # Three threads take their stop request and end; nothing signals that, so look again
    # until it is so (the test fails on the deadline only if they never end).
    pause = threading.Event()
    for _ in range(PATIENCE * 100):
        if sum(t.is_alive() for t in threads) == 1:
            break
        pause.wait(0.01)
    assert sum(t.is_alive() for t in threads) == 1
    assert tpool.execute(threading.current_thread) in threads


def test_zero_threads_runs_calls_inline() -> None:
    tpool.set_num_threads(0)
    assert tpool.get_num_threads() == 0
    assert tpool.execute(threading.get_ident) == threading.get_ident()
    with pytest.raises(ValueError, match="invalid literal"):
        tpool.execute(int, "x")


@pytest.mark.parametrize("bad", [-1, -20])
def test_negative_sizes_are_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="nthreads must be 0"):
        tpool.set_num_threads(bad)


@pytest.mark.parametrize("bad", [1.5, "4", None, True])
def test_sizes_that_are_not_ints_are_refused(bad: Any) -> None:
    with pytest.raises(TypeError, match="nthreads must be an int"):
        tpool.set_num_threads(bad)


def test_execute_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="needs a callable, not 'int'"):
        tpool.execute(42)  # type: ignore[arg-type]


def test_killall_ends_every_thread_and_the_next_call_starts_a_new_pool() -> None:
    tpool.set_num_threads(5)
    first = tpool.execute(threading.current_thread)
    tpool.killall()
    assert not first.is_alive()
    assert not [t for t in threading.enumerate() if t.name.startswith("tpool-")]
    second = tpool.execute(threading.current_thread)
    assert second is not first and second.is_alive()
    tpool.killall()
    tpool.killall()  # twice is harmless


def test_killall_lets_queued_calls_finish() -> None:
    tpool.set_num_threads(1)
    release = threading.Event()
    started = threading.Event()

    def slow(value: int) -> int:
        started.set()
        release.wait(PATIENCE)
        return value

    calls = [spawn(tpool.execute, slow, i) for i in range(3)]
    sleep(0)
    assert started.wait(PATIENCE)
    release.set()
    tpool.killall()
    assert [c.wait() for c in calls] == [0, 1, 2]


def test_a_timeout_abandons_the_call_and_drops_its_result() -> None:
    release = threading.Event()
    finished = threading.Event()

    def slow() -> str:
        release.wait(PATIENCE)
        finished.set()
        return "late"

    with pytest.raises(Timeout):
        with Timeout(0.05):
            tpool.execute(slow)
    release.set()
    assert tpool.execute(finished.wait, PATIENCE) is True
    sleep(0)
    # The hub survived the late result, and calls go on working.
    assert tpool.execute(str, 5) == "5"


def test_a_killed_caller_does_not_break_the_pool() -> None:
    release = threading.Event()
    caller = spawn(tpool.execute, release.wait, PATIENCE)
    sleep(0)
    caller.kill()
    release.set()
    assert tpool.execute(lambda: "alive") == "alive"


def test_execute_inside_a_pool_thread_runs_inline() -> None:
    tpool.set_num_threads(1)

    def outer() -> tuple[int, int]:
        return threading.get_ident(), tpool.execute(threading.get_ident)

    outer_ident, inner_ident = tpool.execute(outer)
    assert outer_ident == inner_ident != threading.get_ident()


def test_execute_in_a_hub_callback_is_refused() -> None:
    hub = hubs.get_hub()
    outcome = Event()

    def in_hub() -> None:
        try:
            tpool.execute(int)
        except RuntimeError as error:
            outcome.send(str(error))

    tpool.execute(int)  # the pool is running
    hub.schedule_call_global(0, in_hub)
    assert "cannot wait inside the hub" in outcome.wait()


def test_results_wake_the_hub_instead_of_polling_it() -> None:
    hub = hubs.get_hub()
    turns = 0
    wait = hub.wait

    def counting_wait(seconds: float) -> None:
        nonlocal turns
        turns += 1
        wait(seconds)

    hub.wait = counting_wait  # type: ignore[method-assign]
    release = threading.Event()
    try:
        timer = threading.Timer(0.3, release.set)
        timer.start()
        assert tpool.execute(release.wait, PATIENCE) is True
        timer.join()
    finally:
        del hub.wait
    # One wait while the call runs, maybe one more for the wake-up; a poll would be many.
    assert turns <= 3


def test_several_os_threads_each_with_a_hub_share_the_pool() -> None:
    results: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def in_own_hub(n: int) -> None:
        try:
            pool = GreenPool(10)
            results[n] = list(pool.imap(lambda i: tpool.execute(lambda: i * n), range(100)))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=in_own_hub, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)
    assert not errors
    assert results == {n: [i * n for i in range(100)] for n in range(1, 5)}


def test_tpool_exceptions_prints_the_exceptions_it_passes_back(
    capfd: pytest.CaptureFixture[str],
) -> None:
    from eventlet import debug

    def fail() -> None:
        raise ValueError("printed in the worker")

    debug.tpool_exceptions(True)
    try:
        with pytest.raises(ValueError):
            tpool.execute(fail)
    finally:
        debug.tpool_exceptions(False)
    assert "ValueError: printed in the worker" in capfd.readouterr().err
    with pytest.raises(ValueError):
        tpool.execute(fail)
    assert "printed in the worker" not in capfd.readouterr().err


def test_one_wake_up_delivers_every_result_finished_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub = hubs.get_hub()
    wakeups = 0
    call_soon_threadsafe = hub.call_soon_threadsafe

    def counting(cb: Any, *args: Any) -> None:
        nonlocal wakeups
        wakeups += 1
        call_soon_threadsafe(cb, *args)

    posted = threading.Event()
    count = 0
    lock = threading.Lock()
    post = tpool._Inbox.post

    def counting_post(inbox: Any, call: Any) -> None:
        nonlocal count
        post(inbox, call)
        with lock:
            count += 1
            if count == 10:
                posted.set()

    monkeypatch.setattr(tpool._Inbox, "post", counting_post)
    hub.call_soon_threadsafe = counting  # type: ignore[method-assign]
    try:
        go = threading.Event()
        callers = [spawn(tpool.execute, lambda i=i: go.wait(PATIENCE) and i) for i in range(10)]
        sleep(0)  # all ten calls are submitted
        go.set()
        # This OS thread (and so the hub) stays busy until all ten results are posted.
        assert posted.wait(PATIENCE)
        assert [caller.wait() for caller in callers] == list(range(10))
    finally:
        del hub.call_soon_threadsafe
    assert wakeups == 1


def test_killall_racing_with_callers_in_other_os_threads_strands_no_call() -> None:
    # Each killall() ends the pool under the feet of callers in other OS threads (each with
    # its own hub); every call must still complete, in the old pool or in a new one.
    results: dict[int, list[int]] = {}
    errors: list[BaseException] = []
    started = threading.Barrier(4, timeout=PATIENCE)

    def caller(n: int) -> None:
        try:
            started.wait()
            results[n] = [tpool.execute(lambda i=i: i * n) for i in range(300)]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(1, 4)]
    for thread in threads:
        thread.start()
    started.wait()
    for _ in range(30):
        tpool.killall()
    for thread in threads:
        thread.join(PATIENCE)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors
    assert results == {n: [i * n for i in range(300)] for n in range(1, 4)}
