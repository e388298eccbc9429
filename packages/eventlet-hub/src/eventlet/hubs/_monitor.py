"""A blocking monitor fit for production, and the hub's figures a service can export.

``debug.hub_blocking_detection`` uses SIGALRM: it takes the process's only alarm, clashes
with code that uses signals, and raises inside the code that blocks. This monitor instead
runs in an OS thread of its own, started on demand. Every ``threshold / 4`` seconds it
looks at a progress counter of the hub's OS thread; when the counter has not moved for
``threshold`` seconds while the hub is not asleep in the OS, a green thread (or a hub
callback) is blocking: the monitor reports the stack the hub's thread is running
(``sys._current_frames()``), once per episode, and never interrupts it.

The progress counter is ``hub.turns`` when the hub counts its loop turns; otherwise the
monitor counts the greenlet switches of the hub's thread with ``greenlet.settrace`` while
it runs (a blocked green thread does not switch). Off, it costs nothing at all.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import greenlet

__all__ = [
    "BlockingEpisode",
    "BlockingMonitor",
    "HubStats",
    "hub_stats",
    "start_blocking_monitor",
    "stop_blocking_monitor",
]


@dataclass(frozen=True)
class BlockingEpisode:
    """One time the hub stopped turning for longer than the monitor's threshold.

    ``duration`` is how long the hub had not turned when it was reported (at least the
    threshold); ``stack`` the formatted frames the hub's OS thread was running then, the
    innermost last, as ``traceback.format_stack`` gives them; ``thread_id`` that thread's
    ident; ``number`` counts the episodes of this monitor from 1.
    """

    duration: float
    stack: list[str]
    thread_id: int
    number: int

    def format(self) -> str:
        """The report as text: a headline and the blocking stack."""
        return (
            f"eventlet blocking monitor: the hub of thread {self.thread_id} has not turned "
            f"for {self.duration:.3f}s (episode {self.number}); the code running:\n"
            + "".join(self.stack)
        )


@dataclass(frozen=True)
class HubStats:
    """Figures about the current OS thread's hub, for a service to export.

    ``loop_lag`` is how long the hub has gone without turning, right now, while not asleep
    in the OS (0 when it turns freely); ``max_loop_lag`` the longest seen since the monitor
    started. Both, ``turns`` and ``blocking_episodes`` are measured by the blocking monitor
    and are 0 while it is off (``monitoring`` False). The counts are read from the hub:
    ``greenthreads`` alive in this OS thread (None unless asked for: finding them scans
    the garbage collector's objects), ``run_queue`` callbacks ready to run, descriptors
    ``watched`` by the OS poller, green threads waiting to read (``readers``) or write
    (``writers``), and ``timers`` scheduled and not canceled. Counting the timers and green
    threads takes time in proportion to their number.
    """

    monitoring: bool
    turns: int
    loop_lag: float
    max_loop_lag: float
    blocking_episodes: int
    run_queue: int
    watched: int
    readers: int
    writers: int
    timers: int
    greenthreads: int | None = field(default=None)


Report = Callable[[BlockingEpisode], Any] | TextIO


class BlockingMonitor:
    """Watches one hub from an OS thread of its own; see :func:`start_blocking_monitor`."""

    def __init__(self, hub: Any, threshold: float, report: Report | None) -> None:
        self.hub = hub
        self.threshold = threshold
        self.report = report
        self.thread_id = threading.get_ident()  # the hub's OS thread: the caller's
        self.interval = min(max(threshold / 4, 0.001), 1.0)
        self.episodes = 0
        self.loop_lag = 0.0
        self.max_loop_lag = 0.0
        self._switches = 0  # the fallback progress counter, bumped by _trace
        self._previous_trace: Any = None
        self._tracing = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the progress counter ---------------------------------------------------------------

    def turns(self) -> int:
        """The progress counter: the hub's loop turns, or the switches counted meanwhile."""
        hub_turns = getattr(self.hub, "turns", None)
        return hub_turns if isinstance(hub_turns, int) else self._switches

    def _trace(self, event: str, args: Any) -> None:
        self._switches += 1
        previous = self._previous_trace
        if previous is not None:
            previous(event, args)

    # -- starting and stopping --------------------------------------------------------------

    def start(self) -> None:
        """Start the monitor thread (and, if the hub counts no turns, count switches)."""
        if not isinstance(getattr(self.hub, "turns", None), int):
            self._previous_trace = greenlet.settrace(self._trace)
            self._tracing = True
        self._thread = threading.Thread(
            target=self._watch, name=f"eventlet-blocking-monitor-{self.thread_id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the monitor thread and the switch counting; wait for the thread to end."""
        self._stop.set()
        if self._tracing:
            if threading.get_ident() == self.thread_id:
                self._untrace()
            else:  # settrace is per thread: undo it in the hub's own thread
                try:
                    self.hub.call_soon_threadsafe(self._untrace)
                except RuntimeError:
                    pass  # the hub is closed: its thread, and the trace, are gone
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _untrace(self) -> None:
        if self._tracing:
            self._tracing = False
            greenlet.settrace(self._previous_trace)

    # -- the monitor thread -----------------------------------------------------------------

    def _idle(self) -> bool:
        """True while the hub sleeps in the OS, waiting for I/O or a timer: not blocked."""
        return bool(getattr(self.hub, "_waiting_in_os", False))

    def _watch(self) -> None:
        clock = time.monotonic
        last = self.turns()
        since = clock()
        reported = False
        while not self._stop.wait(self.interval):
            now = clock()
            current = self.turns()
            if current != last or self._idle():
                last = current
                since = now
                reported = False
                self.loop_lag = 0.0
                continue
            lag = now - since
            self.loop_lag = lag
            if lag > self.max_loop_lag:
                self.max_loop_lag = lag
            if lag >= self.threshold and not reported:
                reported = True
                if not self._report(lag):
                    # The hub's thread has ended: nothing left to watch.
                    with _lock:
                        if _monitors.get(self.thread_id) is self:
                            del _monitors[self.thread_id]
                    return

    def _report(self, lag: float) -> bool:
        frame = sys._current_frames().get(self.thread_id)
        if frame is None:
            return False
        stack = traceback.format_stack(frame)
        del frame
        self.episodes += 1
        episode = BlockingEpisode(lag, stack, self.thread_id, self.episodes)
        report = self.report
        try:
            if report is None:
                sys.stderr.write(episode.format())
                sys.stderr.flush()
            elif callable(report):
                report(episode)
            else:
                report.write(episode.format())
                report.flush()
        except Exception:
            # A failing report must not stop the monitoring.
            traceback.print_exc()
        return True


# One monitor per OS thread's hub, by the thread's ident.
_monitors: dict[int, BlockingMonitor] = {}
_lock = threading.Lock()


def start_blocking_monitor(threshold: float = 0.1, report: Report | None = None) -> BlockingMonitor:
    """Watch the current OS thread's hub for code that blocks it ``threshold`` seconds.

    Each time the hub goes ``threshold`` seconds without turning (and is not asleep in the
    OS), the stack of the code running is reported once, with the code left to run: as a
    :class:`BlockingEpisode` to ``report`` if it is a callable, as text if it is a stream
    (something with ``write``), else to ``sys.stderr``. The report runs in the monitor's
    OS thread. Starting again replaces the thread's monitor. Returns the monitor.

    The monitor watches the hub current when it starts: after ``use_hub()``, start it
    again. It ends by itself if the hub's OS thread ends.
    """
    from eventlet.hubs import get_hub

    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise TypeError(f"threshold must be a number of seconds, not {type(threshold).__name__!r}")
    if not threshold > 0 or threshold == float("inf"):
        raise ValueError(f"threshold must be a positive number of seconds, not {threshold!r}")
    if report is not None and not callable(report) and not hasattr(report, "write"):
        raise TypeError(
            f"report must be a callable or a stream with write(), not {type(report).__name__!r}"
        )
    monitor = BlockingMonitor(get_hub(), float(threshold), report)
    with _lock:
        old = _monitors.pop(monitor.thread_id, None)
    if old is not None:
        old.stop()
    monitor.start()
    with _lock:
        _monitors[monitor.thread_id] = monitor
    return monitor


def stop_blocking_monitor() -> None:
    """Stop the current OS thread's blocking monitor; does nothing if none runs."""
    with _lock:
        monitor = _monitors.pop(threading.get_ident(), None)
    if monitor is not None:
        monitor.stop()


def hub_stats(count_greenthreads: bool = False) -> HubStats:
    """Figures about the current OS thread's hub (see :class:`HubStats`).

    With ``count_greenthreads``, the live green threads of this OS thread are counted too;
    that scans every object the garbage collector tracks, so it costs in proportion to the
    program's size.
    """
    from eventlet.hubs import get_hub

    hub = get_hub()
    monitor = _monitors.get(threading.get_ident())
    if monitor is not None and monitor.hub is not hub:
        monitor = None  # watching a hub this thread has replaced since
    ready = getattr(hub, "_ready", ())
    stats = HubStats(
        monitoring=monitor is not None,
        turns=monitor.turns() if monitor is not None else 0,
        loop_lag=monitor.loop_lag if monitor is not None else 0.0,
        max_loop_lag=monitor.max_loop_lag if monitor is not None else 0.0,
        blocking_episodes=monitor.episodes if monitor is not None else 0,
        run_queue=sum(1 for entry in list(ready) if entry[0] is not None),
        watched=len(getattr(hub, "_watched", ())),
        readers=len(hub.get_readers()),
        writers=len(hub.get_writers()),
        timers=_count_timers(hub),
        greenthreads=_count_greenthreads(hub) if count_greenthreads else None,
    )
    return stats


def _count_timers(hub: Any) -> int:
    """Timers scheduled and not canceled (canceled ones wait in the heap to be swept)."""
    heap = getattr(hub, "timers", None)
    pending = getattr(hub, "next_timers", None)
    if heap is None or pending is None:
        return int(hub.get_timers_count())
    return sum(1 for entry in list(heap) if not entry[2].called) + sum(
        1 for timer in list(pending) if not timer.called
    )


def _count_greenthreads(hub: Any) -> int:
    """Green threads of this hub not yet finished: the greenlets whose parent is the hub's."""
    hub_greenlet = hub.greenlet
    return sum(
        1
        for obj in gc.get_objects()
        if isinstance(obj, greenlet.greenlet) and obj.parent is hub_greenlet and not obj.dead
    )
