"""eventlet.green._osthread.call: a blocking function in a worker OS thread, the caller green.

The worker functions block for real (stdlib ``time.sleep``, ``threading.Event.wait``);
green threads of the test prove the hub kept running meanwhile. Every test runs under an
eventlet Timeout, and every real wait has a timeout of its own, so nothing can hang.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from eventlet.event import Event
from eventlet.green import _osthread
from eventlet.green._osthread import MAX_WORKERS, call
from eventlet.greenthread import sleep, spawn
from eventlet.hubs import get_hub
from eventlet.timeout import Timeout

GUARD = 10  # seconds; only a bug reaches it
REAL_WAIT = 5  # seconds a worker waits on a real Event at most


@pytest.fixture(autouse=True)
def guard(fresh_hub: None) -> Iterator[None]:
    with Timeout(GUARD):
        yield


def test_returns_the_result() -> None:
    assert call(lambda: 42) == 42
    assert call(divmod, 17, 5) == (3, 2)
    assert call(dict, a=1, b=2) == {"a": 1, "b": 2}


def test_runs_in_another_os_thread() -> None:
    worker = call(threading.get_ident)
    assert worker != threading.get_ident()


def test_reraises_the_exception_in_the_caller() -> None:
    error = ValueError("from the worker")

    def fail() -> None:
        raise error

    with pytest.raises(ValueError) as caught:
        call(fail)
    assert caught.value is error


def test_reraises_base_exceptions() -> None:
    def stop() -> None:
        raise KeyboardInterrupt("not swallowed")

    with pytest.raises(KeyboardInterrupt, match="not swallowed"):
        call(stop)


def test_other_green_threads_run_while_it_blocks() -> None:
    log: list[str] = []
    stop = [False]

    def ticker() -> None:
        while not stop[0]:
            log.append("tick")
            sleep(0.01)

    spawn(ticker)
    sleep(0)  # the ticker's first tick
    log.clear()

    def nap() -> str:
        time.sleep(0.3)
        return "slept"

    result = call(nap)
    log.append("returned")
    stop[0] = True
    assert result == "slept"
    assert log.index("returned") > 0, "no green thread ran while call() blocked"
    assert set(log[: log.index("returned")]) == {"tick"}


def test_a_green_thread_unblocks_the_worker() -> None:
    # The worker waits for something only a green thread does: if call() held the hub,
    # the worker would wait REAL_WAIT seconds in vain and report False.
    go = threading.Event()
    ticks: list[int] = []

    def green() -> None:
        for tick in range(3):
            ticks.append(tick)
            sleep(0)
        go.set()

    spawn(green)
    assert call(go.wait, REAL_WAIT) is True
    assert ticks == [0, 1, 2]


def test_more_concurrent_calls_than_workers() -> None:
    count = MAX_WORKERS * 3
    # Each round of MAX_WORKERS jobs meets at the barrier: they must run at the same time,
    # in MAX_WORKERS threads.
    barrier = threading.Barrier(MAX_WORKERS, timeout=REAL_WAIT)
    lock = threading.Lock()
    running = [0, 0]  # now, most at once

    def job(index: int) -> int:
        with lock:
            running[0] += 1
            running[1] = max(running)
        barrier.wait()
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return index * index

    callers = [spawn(call, job, i) for i in range(count)]
    assert [c.wait() for c in callers] == [i * i for i in range(count)]
    assert running[1] == MAX_WORKERS


def test_calls_wait_for_a_free_worker_in_order() -> None:
    # More calls than workers, all blocked: the extra ones start only when a worker is free.
    release = threading.Event()
    started: list[int] = []
    lock = threading.Lock()

    def job(index: int) -> int:
        with lock:
            started.append(index)
        release.wait(REAL_WAIT)
        return index

    callers = [spawn(call, job, i) for i in range(MAX_WORKERS + 2)]
    while True:
        with lock:
            if len(started) >= MAX_WORKERS:
                break
        sleep(0.01)
    sleep(0.1)  # a window for a ninth worker to (wrongly) start; not synchronisation
    with lock:
        assert sorted(started) == list(range(MAX_WORKERS))
    release.set()
    assert [c.wait() for c in callers] == list(range(MAX_WORKERS + 2))
    assert sorted(started) == list(range(MAX_WORKERS + 2))


def test_timeout_interrupts_the_caller_and_drops_the_late_result(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    release = threading.Event()
    resumed: list[Any] = []
    real_resume = _osthread._resume

    def spy(waiter: Any) -> None:  # records the worker's wake-up, then does the real thing
        resumed.append(waiter)
        real_resume(waiter)

    monkeypatch.setattr(_osthread, "_resume", spy)

    def late(value: Any) -> Any:
        release.wait(REAL_WAIT)
        if isinstance(value, Exception):
            raise value
        return value

    for value in ("a late result", RuntimeError("a late error")):
        resumed.clear()
        release.clear()
        with pytest.raises(Timeout) as caught, Timeout(0.05) as timeout:
            call(late, value)
        assert caught.value is timeout
        seen = Event()

        def watch(seen: Event) -> None:
            while not resumed:
                sleep(0.01)
            sleep(0.01)
            seen.send("the late wake-up came and went")

        spawn(watch, seen)
        release.set()
        # The worker now finishes and wakes the hub for a caller that has gone. Were this
        # green thread switched to by that wake-up, wait() would return None at once.
        assert seen.wait() == "the late wake-up came and went"
    # The hub keeps working: green threads, timers and new calls.
    assert spawn(lambda: "green").wait() == "green"
    assert call(lambda: "after") == "after"
    sleep(0.01)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_kill_interrupts_the_caller() -> None:
    release = threading.Event()
    waiting = []

    def blocked() -> str:
        waiting.append(True)
        release.wait(REAL_WAIT)
        return "late"

    caller = spawn(call, blocked)
    while not waiting:
        sleep(0.01)
    caller.kill()
    assert caller.dead
    release.set()
    assert call(lambda: "next") == "next"


def test_rejects_a_non_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        call(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="callable"):
        call("print")  # type: ignore[arg-type]


def test_refuses_to_run_inside_the_hub() -> None:
    outcome: list[BaseException] = []

    def in_the_hub() -> None:
        try:
            call(lambda: None)
        except BaseException as error:  # recorded for the test to look at
            outcome.append(error)

    get_hub().schedule_call_global(0, in_the_hub)
    sleep(0.01)
    assert len(outcome) == 1
    assert isinstance(outcome[0], RuntimeError)
    assert "hub" in str(outcome[0])


def test_from_another_os_thread_with_its_own_hub() -> None:
    results: list[Any] = []

    def other_thread() -> None:
        try:
            results.append(call(lambda: threading.get_ident()))
        except BaseException as error:  # reported to the test's thread
            results.append(error)

    thread = threading.Thread(target=other_thread)
    thread.start()
    # Joined from a worker, so this green thread's hub keeps running.
    call(thread.join, REAL_WAIT)
    assert len(results) == 1
    assert isinstance(results[0], int)
