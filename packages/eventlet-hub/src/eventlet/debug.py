"""Switches and reports for debugging programs that run on the hub."""

from __future__ import annotations

import gc
import inspect
import linecache
import re
import sys
import threading
import traceback
from types import FrameType
from typing import Any

from eventlet.hubs import get_hub
from eventlet.hubs.hub import debug_state

__all__ = [
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

# Read by eventlet.tpool: whether it prints the exceptions of the functions it runs.
tpool_exceptions_enabled = False


# What counts as a name in a source line, for the values spew shows.
_NAME = re.compile(r"[^\W\d]\w*")


class Spew:
    """A trace function that prints every line executed, for :func:`spew`.

    Each line is printed as upstream Eventlet prints it: ``module:lineno: source line``,
    where ``module`` is the ``__name__`` of the frame's globals, or ``[unknown]`` for code
    whose globals have no ``__file__`` (then the source line is found through
    :mod:`inspect` if possible, else described by the code's name and instruction offset).
    With ``show_values``, a second line, indented with a tab, gives ``name=repr`` for each
    name of the line found in the frame's globals or locals. ``trace_names``, if given, is
    the collection of module names to trace (others are skipped).
    """

    def __init__(self, trace_names: Any = None, show_values: bool = True) -> None:
        self.trace_names = trace_names
        self.show_values = show_values

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Spew:
        if event != "line":
            return self
        lineno = frame.f_lineno
        module_globals = frame.f_globals
        if "__file__" in module_globals:
            name = module_globals.get("__name__", "[unknown]")
            line = linecache.getline(frame.f_code.co_filename, lineno, module_globals)
        else:
            name = "[unknown]"
            line = _source_line(frame, lineno)
        if self.trace_names is not None and name not in self.trace_names:
            return self
        line = line.rstrip()
        print(f"{name}:{lineno}: {line}")
        if self.show_values:
            values = []
            seen = set()
            for word in _NAME.findall(line):
                if word in seen:
                    continue
                seen.add(word)
                for scope in (module_globals, frame.f_locals):
                    if word in scope:
                        values.append(f"{word}={_safe_repr(scope[word])}")
            if values:
                print("\t" + " ".join(values))
        return self


def _source_line(frame: FrameType, lineno: int) -> str:
    """The source of ``frame``'s current line for code without a file, if it can be found."""
    try:
        lines, first = inspect.getsourcelines(frame.f_code)
        return lines[lineno - max(first, 1)]
    except (OSError, TypeError, IndexError):
        return (
            f"Unknown code named [{frame.f_code.co_name}].  "
            f"VM instruction #{frame.f_lasti}"
        )


def _safe_repr(value: Any) -> str:
    # A tracer must not die of an object whose repr fails.
    try:
        return repr(value)
    except Exception as exc:
        return f"<repr failed: {type(exc).__name__}>"


def spew(trace_names: Any = None, show_values: bool = False) -> None:
    """Print each line executed (in the modules named in ``trace_names``); see :class:`Spew`."""
    sys.settrace(Spew(trace_names, show_values))


def unspew() -> None:
    """Remove the trace function that :func:`spew` installed."""
    sys.settrace(None)


def format_hub_listeners() -> str:
    """The current hub's listeners, with where each was added if recording is on."""
    hub = get_hub()
    lines = ["READERS:"]
    for listener in hub.get_readers():
        lines.append(repr(listener))
        lines.append(getattr(listener, "traceback", "") or "")
    lines.append("WRITERS:")
    for listener in hub.get_writers():
        lines.append(repr(listener))
        lines.append(getattr(listener, "traceback", "") or "")
    return "\n".join(lines) + "\n"


def format_hub_timers() -> str:
    """The current hub's pending timers, with where each was set if recording is on."""
    hub = get_hub()
    lines = ["TIMERS:"]
    timers = [entry[2] for entry in hub.timers] + list(hub.next_timers)
    for timer in timers:
        if timer.called:
            continue
        lines.append(repr(timer))
        lines.append(getattr(timer, "traceback", "") or "")
    lines.append("READY:")
    lines.extend(repr(entry[0]) for entry in hub._ready if entry[0] is not None)
    return "\n".join(lines) + "\n"


def format_asyncio_info() -> str:
    """The running asyncio event loop of this thread and its tasks, if any."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return "no running asyncio event loop in this thread\n"
    lines = [f"running loop: {loop!r}", f"tasks: {len(asyncio.all_tasks(loop))}"]
    lines.extend(repr(task) for task in asyncio.all_tasks(loop))
    return "\n".join(lines) + "\n"


def format_threads_info() -> str:
    """The OS threads of the process, and the greenlets found alive, with their stacks."""
    import greenlet

    frames = sys._current_frames()
    lines = ["THREADS:"]
    for thread in threading.enumerate():
        lines.append(repr(thread))
        frame = frames.get(thread.ident or -1)
        if frame is not None:
            lines.append("".join(traceback.format_stack(frame)))
    lines.append("GREENLETS:")
    for obj in gc.get_objects():
        if isinstance(obj, greenlet.greenlet) and obj and not obj.dead:
            lines.append(repr(obj))
            if obj.gr_frame is not None:
                lines.append("".join(traceback.format_stack(obj.gr_frame)))
    return "\n".join(lines) + "\n"


def hub_listener_stacks(state: bool = False) -> None:
    """Record the stack of each place that adds a listener (see format_hub_listeners)."""
    debug_state.listener_stacks = bool(state)


def hub_timer_stacks(state: bool = False) -> None:
    """Record the stack of each place that sets a timer (see format_hub_timers)."""
    debug_state.timer_stacks = bool(state)


def hub_exceptions(state: bool = True) -> None:
    """Whether the hub prints the tracebacks of failing timers and green threads."""
    debug_state.exceptions = bool(state)


def tpool_exceptions(state: bool = False) -> None:
    """Whether tpool prints the exceptions of the functions it runs (it raises them anyway)."""
    global tpool_exceptions_enabled
    tpool_exceptions_enabled = bool(state)


def hub_prevent_multiple_readers(state: bool = True) -> None:
    """Whether two green threads waiting to read one descriptor raise RuntimeError.

    Only turn this off if you know what you are doing: which reader gets the data is chance.
    """
    debug_state.prevent_multiple_readers = bool(state)


def hub_blocking_detection(state: bool = False, resolution: float = 1) -> None:
    """Raise in a green thread that runs ``resolution`` seconds without yielding (SIGALRM).

    For development only: a shorter resolution gives more false alarms.
    """
    if resolution <= 0:
        raise ValueError(f"resolution must be positive, not {resolution!r}")
    hub = get_hub()
    hub.debug_blocking = bool(state)
    hub.debug_blocking_resolution = resolution
    if state:
        hub.block_detect_post()  # armed now, for whatever runs before the hub's next turn
    else:
        hub.stop_blocking_detection()


# -- the blocking monitor (eventlet.hubs._monitor): for production, unlike the SIGALRM one ---

__all__ += ["hub_stats", "start_blocking_monitor", "stop_blocking_monitor"]


def start_blocking_monitor(
    threshold: float = 0.1, report: _monitor.Report | None = None
) -> _monitor.BlockingMonitor:
    """Report code that keeps this thread's hub from turning for ``threshold`` seconds.

    An OS thread watches the hub and reports the blocking stack once per episode, without
    interrupting it: to ``report(episode)`` (a :class:`~eventlet.hubs._monitor.BlockingEpisode`)
    if ``report`` is callable, as text if it is a stream, else to ``sys.stderr``. Unlike
    :func:`hub_blocking_detection` it uses no signal and is safe in production.
    """
    return _monitor.start_blocking_monitor(threshold, report)


def stop_blocking_monitor() -> None:
    """Stop this thread's blocking monitor (see :func:`start_blocking_monitor`)."""
    _monitor.stop_blocking_monitor()


def hub_stats(count_greenthreads: bool = False) -> _monitor.HubStats:
    """Figures about this thread's hub to export: loop lag, run queue, descriptors, ...

    See :class:`~eventlet.hubs._monitor.HubStats`; loop lag and blocking episodes are
    measured while :func:`start_blocking_monitor` runs.
    """
    return _monitor.hub_stats(count_greenthreads)


from eventlet.hubs import _monitor  # noqa: E402  (appended section; light, no cycle)
