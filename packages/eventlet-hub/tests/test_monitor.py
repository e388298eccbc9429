"""The blocking monitor (debug.start_blocking_monitor) and debug.hub_stats.

The green threads here block for real, in the OS (the original ``time.sleep``), until the
monitor has reported them: the tests wait for the report, never for a guessed duration.
"""

from __future__ import annotations

import io
import signal
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import greenlet
import pytest

from eventlet import debug, hubs
from eventlet.event import Event
from eventlet.greenthread import sleep, spawn
from eventlet.hubs import _monitor
from eventlet.hubs._monitor import BlockingEpisode

THRESHOLD = 0.05
GUARD = 30  # seconds: a test that hangs fails instead


class Collector:
    """A report callable: keeps the episodes, and lets a blocked thread wait for one.

    ``episodes`` holds those whose stack shows ``marker`` (the test's blocking function):
    on a loaded machine, pytest's own code between two hub turns may take long enough to
    be reported too, and that is right, but not what a test counts. ``every`` has them all.
    """

    def __init__(self, marker: str = "") -> None:
        self.marker = marker
        self.episodes: list[BlockingEpisode] = []
        self.every: list[BlockingEpisode] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)

    def __call__(self, episode: BlockingEpisode) -> None:
        with self.arrived:
            self.every.append(episode)
            if self.marker in "".join(episode.stack):
                self.episodes.append(episode)
            self.arrived.notify_all()

    def block_until(self, count: int, limit: float = 20.0) -> None:
        """Block this OS thread (and so the hub) until ``count`` episodes have come."""
        deadline = time.monotonic() + limit
        with self.arrived:
            while len(self.episodes) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"the monitor reported {len(self.episodes)} of {count} episodes"
                self.arrived.wait(left)


def block_in_os(seconds: float) -> None:
    """Keep the hub's thread busy without yielding, as blocking code does."""
    time.sleep(seconds)  # the original time module: these tests do not monkey-patch


@pytest.fixture
def collector(fresh_hub: None, request: pytest.FixtureRequest) -> Iterator[Collector]:
    """A collector of the episodes in ``blocker``/``two_blocks``/``slow_callback``, and a
    monitor started with it (stopped after the test)."""
    found = Collector(marker=getattr(request, "param", "blocker"))
    debug.start_blocking_monitor(THRESHOLD, found)
    yield found
    debug.stop_blocking_monitor()


def blocker_waiting_for_report(collector: Collector, count: int) -> str:
    collector.block_until(count)
    block_in_os(THRESHOLD * 3)  # still blocked: must not give a second report
    return "finished"


@pytest.mark.all_hubs
def test_a_blocking_green_thread_is_reported_once_and_not_interrupted(
    collector: Collector,
) -> None:
    thread = spawn(blocker_waiting_for_report, collector, 1)
    assert thread.wait() == "finished"  # never interrupted
    sleep(THRESHOLD * 3)  # the hub turns freely again: nothing more to report
    assert len(collector.episodes) == 1
    episode = collector.episodes[0]
    assert episode.number >= 1
    assert episode.duration >= THRESHOLD
    assert episode.thread_id == threading.get_ident()
    stack = "".join(episode.stack)
    assert "blocker_waiting_for_report" in stack and "block_until" in stack
    text = episode.format()
    assert "has not turned" in text and "blocker_waiting_for_report" in text


@pytest.mark.parametrize("collector", ["two_blocks"], indirect=True)
def test_each_episode_is_reported_once(collector: Collector) -> None:
    def two_blocks() -> None:
        collector.block_until(1)
        block_in_os(THRESHOLD * 2)
        sleep(0)  # the hub turns: the first episode ends
        collector.block_until(2)
        block_in_os(THRESHOLD * 2)

    spawn(two_blocks).wait()
    assert len(collector.episodes) == 2
    first, second = collector.episodes
    assert first.number < second.number


def test_an_idle_hub_is_not_blocking(collector: Collector) -> None:
    sleep(THRESHOLD * 4)  # the hub sleeps in the OS: that is not blocking
    event = Event()

    def later() -> None:
        sleep(THRESHOLD * 2)
        event.send("woke")

    spawn(later)
    assert event.wait() == "woke"
    # No report ever blamed the hub's own wait in the OS.
    assert not [e for e in collector.every if "eventlet/hubs/" in e.stack[-1]]


@pytest.mark.parametrize("collector", ["slow_callback"], indirect=True)
def test_a_slow_hub_callback_is_reported(collector: Collector, hub: Any) -> None:
    def slow_callback() -> None:
        collector.block_until(1)

    done = Event()
    hub.schedule_call_global(0, slow_callback)
    hub.schedule_call_global(0, done.send, True)
    assert done.wait() is True
    assert "slow_callback" in "".join(collector.episodes[0].stack)


def test_report_to_a_stream(fresh_hub: None) -> None:
    stream = io.StringIO()
    debug.start_blocking_monitor(THRESHOLD, stream)
    try:

        def blocked_writer() -> None:
            deadline = time.monotonic() + 20
            while "blocked_writer" not in stream.getvalue():
                assert time.monotonic() < deadline, "no report"
                block_in_os(0.005)

        spawn(blocked_writer).wait()
    finally:
        debug.stop_blocking_monitor()
    text = stream.getvalue()
    assert "has not turned" in text and "blocked_writer" in text


def test_a_failing_report_does_not_stop_the_monitor(
    fresh_hub: None, capsys: pytest.CaptureFixture[str]
) -> None:
    collector = Collector(marker="blocks_twice")
    calls = []

    def flaky(episode: BlockingEpisode) -> None:
        calls.append(episode)
        if len(calls) == 1:
            raise ValueError("report failed")
        collector(episode)

    debug.start_blocking_monitor(THRESHOLD, flaky)
    try:

        def blocks_twice() -> None:
            deadline = time.monotonic() + 20
            while not calls:
                assert time.monotonic() < deadline, "no report"
                block_in_os(0.005)
            sleep(0)
            collector.block_until(1)

        spawn(blocks_twice).wait()
    finally:
        debug.stop_blocking_monitor()
    assert len(calls) >= 2 and collector.episodes
    assert "report failed" in capsys.readouterr().err


def test_default_report_goes_to_stderr(fresh_hub: None, capsys: pytest.CaptureFixture[str]) -> None:
    monitor = debug.start_blocking_monitor(THRESHOLD)
    try:

        def blocked() -> None:
            deadline = time.monotonic() + 20
            while monitor.episodes == 0:
                assert time.monotonic() < deadline, "no report"
                block_in_os(0.005)

        spawn(blocked).wait()
    finally:
        debug.stop_blocking_monitor()
    assert "has not turned" in capsys.readouterr().err


def test_signals_stay_the_programs_own(collector: Collector) -> None:
    fired = Event()
    old = signal.signal(signal.SIGALRM, lambda signum, frame: fired.send(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        assert fired.wait() == signal.SIGALRM
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_off_costs_nothing_and_stop_restores_everything(fresh_hub: None) -> None:
    def monitor_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith("eventlet-blocking")]

    assert greenlet.gettrace() is None and monitor_threads() == []
    previous_calls = []

    def previous(event: str, args: Any) -> None:
        previous_calls.append(event)

    greenlet.settrace(previous)
    try:
        debug.start_blocking_monitor(THRESHOLD, Collector())
        assert len(monitor_threads()) == 1
        sleep(0)
        assert previous_calls, "an existing greenlet trace function is chained, not replaced"
        debug.stop_blocking_monitor()
        assert monitor_threads() == []
        assert greenlet.gettrace() is previous
        debug.stop_blocking_monitor()  # a second stop does nothing
    finally:
        greenlet.settrace(None)


def test_starting_again_replaces_the_monitor(fresh_hub: None) -> None:
    first = debug.start_blocking_monitor(THRESHOLD, Collector())
    second = debug.start_blocking_monitor(THRESHOLD * 2, Collector())
    try:
        assert first._thread is not None and not first._thread.is_alive()
        assert second._thread is not None and second._thread.is_alive()
        assert _monitor._monitors[threading.get_ident()] is second
    finally:
        debug.stop_blocking_monitor()
    assert greenlet.gettrace() is None


def test_stop_from_another_thread(fresh_hub: None, hub: Any) -> None:
    monitor = debug.start_blocking_monitor(THRESHOLD, Collector())
    worker = threading.Thread(target=monitor.stop)
    worker.start()
    worker.join()
    sleep(0)  # the trace is removed in the hub's own thread, on its next turn
    sleep(0)
    assert greenlet.gettrace() is None
    _monitor._monitors.pop(threading.get_ident(), None)


def test_a_monitor_per_os_thread(collector: Collector) -> None:
    """Another OS thread's hub gets its own monitor; this thread's goes on untouched."""
    other = Collector(marker="blocked_in_other_thread")
    outcome: list[Any] = []

    def blocked_in_other_thread() -> None:
        other.block_until(1)

    def thread_main() -> None:
        try:
            debug.start_blocking_monitor(THRESHOLD, other)
            try:
                spawn(blocked_in_other_thread).wait()
            finally:
                debug.stop_blocking_monitor()
            outcome.append(threading.get_ident())
        except BaseException as exc:  # reported by the assertion below
            outcome.append(exc)

    worker = threading.Thread(target=thread_main)
    worker.start()
    worker.join(GUARD)
    assert outcome == [worker.ident]
    assert [e.thread_id for e in other.episodes] == [worker.ident]
    assert _monitor._monitors.get(threading.get_ident()) is not None  # ours still runs
    assert collector.episodes == []


def test_monitor_ends_with_its_thread(fresh_hub: None) -> None:
    monitors: list[Any] = []

    def thread_main() -> None:
        monitors.append(debug.start_blocking_monitor(THRESHOLD, Collector()))
        sleep(0)  # ends without stopping it

    worker = threading.Thread(target=thread_main)
    worker.start()
    worker.join(GUARD)
    (monitor,) = monitors
    assert monitor._thread is not None
    monitor._thread.join(GUARD)  # it notices that the hub's thread is gone, and ends
    assert not monitor._thread.is_alive() and monitor.episodes == 0
    assert worker.ident not in _monitor._monitors


@pytest.mark.parametrize(
    ("threshold", "report", "error"),
    [
        (0, None, ValueError),
        (-1, None, ValueError),
        (float("nan"), None, ValueError),
        (float("inf"), None, ValueError),
        ("0.1", None, TypeError),
        (True, None, TypeError),
        (0.1, 5, TypeError),
    ],
)
def test_bad_arguments(fresh_hub: None, threshold: Any, report: Any, error: type) -> None:
    with pytest.raises(error, match="threshold|report"):
        debug.start_blocking_monitor(threshold, report)
    assert threading.get_ident() not in _monitor._monitors


# -- hub_stats --------------------------------------------------------------------------------


def test_hub_stats_counts(hub: Any) -> None:
    stats = debug.hub_stats()
    assert stats.monitoring is False and stats.turns == 0 and stats.loop_lag == 0.0
    assert stats.greenthreads is None
    assert (stats.run_queue, stats.readers, stats.writers, stats.timers) == (0, 0, 0, 0)

    gate = Event()
    waiters = [spawn(gate.wait) for _ in range(4)]
    sleep(0)  # they start, and wait
    a, b = socket.socketpair()
    reader = spawn(hubs.trampoline, a.fileno(), read=True)
    sleep(0)
    timer = hub.schedule_call_global(30, lambda: None)
    for _ in range(3):
        hub.run_soon(lambda: None)
    stats = debug.hub_stats(count_greenthreads=True)
    assert stats.greenthreads == 5
    assert stats.run_queue == 3
    assert stats.readers == 1 and stats.writers == 0
    assert stats.watched >= 1
    assert stats.timers == 1
    timer.cancel()
    assert debug.hub_stats().timers == 0

    gate.send()
    b.send(b"x")
    for thread in [*waiters, reader]:
        thread.wait()
    assert debug.hub_stats(count_greenthreads=True).greenthreads == 0
    a.close()
    b.close()


def test_hub_stats_while_monitoring(collector: Collector) -> None:
    for _ in range(3):
        sleep(0)
    stats = debug.hub_stats()
    assert stats.monitoring is True and stats.turns > 0
    before = stats.blocking_episodes

    spawn(blocker_waiting_for_report, collector, 1).wait()
    stats = debug.hub_stats()
    assert stats.blocking_episodes >= before + 1
    assert stats.max_loop_lag >= THRESHOLD
    debug.stop_blocking_monitor()
    assert debug.hub_stats().monitoring is False


def test_hub_stats_ignores_a_monitor_of_a_replaced_hub(fresh_hub: None) -> None:
    debug.start_blocking_monitor(THRESHOLD, Collector())
    try:
        hubs.use_hub()  # a new hub for this thread
        assert debug.hub_stats().monitoring is False
    finally:
        debug.stop_blocking_monitor()


def test_debug_names_are_documented() -> None:
    for name in ("start_blocking_monitor", "stop_blocking_monitor", "hub_stats"):
        assert name in debug.__all__
        assert getattr(debug, name).__doc__
    for name in _monitor.__all__:
        assert getattr(_monitor, name).__doc__, name
