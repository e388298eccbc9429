"""The green ``profile`` module: :class:`Profile` keeps the timings of each green thread apart.

The standard library's profiler follows one call stack per OS thread. Green threads share an
OS thread, each with a call stack of its own, so under it their calls interleave: a switch
looks like a call returning into the wrong caller (``AssertionError: Bad call``), and the time
another green thread runs is charged to whichever function switched away.

This :class:`Profile` keeps one call stack per green thread and changes stacks when a
profiling event comes from another green thread than the last one. Time is charged to the
green thread that was running while it passed: a function that waits for another green
thread is not charged for the other's work. Calls are counted, and callers recorded, within
each green thread. The statistics come out as usual (``print_stats``, ``dump_stats``,
:mod:`pstats`); frames still open in suspended green threads count as ended when they are
made.

This is the running Python's own ``profile`` module otherwise: :func:`run` and
:func:`runctx` use this :class:`Profile`.
"""

from __future__ import annotations

import weakref as _weakref
from typing import TYPE_CHECKING, Any

from greenlet import getcurrent as _getcurrent

from eventlet.green import time as _green_time
from eventlet.green._inject import inject as _inject

if TYPE_CHECKING:
    from profile import run, runctx  # noqa: F401

_module: Any = _inject("profile", globals(), ("time", _green_time))
_StdlibProfile: Any = _module.Profile

__all__ = ["run", "runctx", "Profile"]
__patched__ = ["Profile", "run", "runctx"]

#: The name the bottom of each green thread's call stack has in the statistics.
GREEN_THREAD_ROOT = "<green thread>"


class Profile(_StdlibProfile):
    """A profiler (as :class:`profile.Profile`) that follows each green thread on its own.

    ``timer`` and ``bias`` are the standard library's: ``timer`` is a function returning the
    current time (by default :func:`time.process_time`), ``bias`` the calibration constant.
    """

    # Set by the standard library's class: the stack of the running green thread, the time
    # of the last event, the timer and the statistics.
    cur: Any
    t: Any
    get_time: Any
    timings: dict[Any, Any]

    def __init__(self, timer: Any = None, bias: float | None = None) -> None:
        # The call stacks of the green threads not running, by green thread: (self.cur,
        # self._active) of each. Weak keys: a green thread dropped after it ended leaves
        # nothing behind.
        self._stacks: _weakref.WeakKeyDictionary[Any, Any] = _weakref.WeakKeyDictionary()
        # How many times each function is on the current stack: a call is recursive, and its
        # cumulative time counted only once, when its function is on the same green thread's
        # stack already (another green thread running the same function is not recursion).
        self._active: dict[Any, int] = {}
        self._running = _getcurrent()
        super().__init__(timer, bias)
        self.dispatcher = self._trace_dispatch_green

    # -- following the green threads ---------------------------------------------------------

    def _trace_dispatch_green(self, frame: Any, event: str, arg: Any) -> None:
        """The function given to :func:`sys.setprofile`: one profiling event."""
        get_time = self.get_time
        t = get_time() - self.t - self.bias
        current = _getcurrent()
        if current is not self._running:
            self._switch_stacks(current, t)
            t = 0
        if event == "c_call":
            self.c_func_name = arg.__name__
        if self.dispatch[event](self, frame, t):
            self.t = get_time()
        else:
            self.t = get_time() - t  # put back the time not recorded

    def _switch_stacks(self, greenlet: Any, elapsed: float) -> None:
        """Make ``greenlet``'s call stack the current one.

        ``elapsed`` (the time since the previous event) passed in the green thread that
        switched away: it is charged to the function on top of that thread's stack.
        """
        cur = self.cur
        if cur is not None and elapsed:
            cur = (cur[0], cur[1] + elapsed, *cur[2:])
        previous = self._running
        if not previous.dead:
            self._stacks[previous] = (cur, self._active)  # a dead one's frames have returned
        self._running = greenlet
        saved = self._stacks.pop(greenlet, None)
        if saved is None:
            self.cur = None
            self._active = {}
            self.simulate_call(GREEN_THREAD_ROOT)
        else:
            self.cur, self._active = saved

    def _on_stack(self, frame: Any) -> bool:
        """Whether ``frame`` is on the current stack, above its root."""
        entry = self.cur
        while entry is not None and entry[-1] is not None:
            if entry[-2] is frame:
                return True
            entry = entry[-1]
        return False

    # -- the event handlers ------------------------------------------------------------------
    # The standard library's bookkeeping (see the profile.Profile docstring for self.cur and
    # self.timings), with recursion told per green thread, and tolerant of frames that began
    # before the stack saw them.

    def _push(self, fn: Any, frame: Any, t: float) -> int:
        self.cur = (t, 0, 0, fn, frame, self.cur)
        active = self._active
        active[fn] = active.get(fn, 0) + 1
        timings = self.timings
        if fn in timings:
            cc, ns, tt, ct, callers = timings[fn]
            timings[fn] = cc, ns + 1, tt, ct, callers
        else:
            timings[fn] = 0, 0, 0, 0, {}
        return 1

    def trace_dispatch_call(self, frame: Any, t: float) -> int:
        """A function was called: push it on the current green thread's stack."""
        parent = frame.f_back
        cur = self.cur
        if cur is not None and cur[-2] is not parent and cur[-1] is not None:
            if self._on_stack(parent):
                # Frames above the caller left without their return reaching us: close them.
                while self.cur[-2] is not parent:
                    self._pop(0)
            # Else the caller began before this stack did (before profiling, or before this
            # green thread was first seen): the call goes on top of what is known.
        code = frame.f_code
        return self._push((code.co_filename, code.co_firstlineno, code.co_name), frame, t)

    def trace_dispatch_c_call(self, frame: Any, t: float) -> int:
        """A built-in function was called: push it on the current green thread's stack."""
        return self._push(("", 0, self.c_func_name), frame, t)

    def trace_dispatch_return(self, frame: Any, t: float) -> int:
        """A function returned: pop it (and what is above it) off the current stack."""
        cur = self.cur
        if cur[-2] is not frame or cur[-1] is None:
            if not self._on_stack(frame):
                # A frame this stack never saw begin: nothing to close. Its time goes to the
                # function on top, as time between events always does.
                self.cur = (cur[0], cur[1] + t, *cur[2:])
                return 1
            while self.cur[-2] is not frame:
                self._pop(0)
        return self._pop(t)

    def _pop(self, t: float) -> int:
        """Close the frame on top of the stack, ``t`` more time spent in it."""
        rpt, rit, ret, rfn, _, rcur = self.cur
        rit = rit + t
        frame_total = rit + ret
        ppt, pit, pet, pfn, pframe, pcur = rcur
        self.cur = ppt, pit + rpt, pet + frame_total, pfn, pframe, pcur
        cc, ns, tt, ct, callers = self.timings[rfn]
        active = self._active
        depth = active.pop(rfn, 1) - 1
        if depth:
            active[rfn] = depth  # a recursive call: the outermost one counts the time
        else:
            ct = ct + frame_total
            cc = cc + 1
        callers[pfn] = callers.get(pfn, 0) + 1
        self.timings[rfn] = cc, ns - 1, tt + rit, ct, callers
        return 1

    dispatch = dict(_StdlibProfile.dispatch)
    dispatch.update(
        {
            "call": trace_dispatch_call,
            "c_call": trace_dispatch_c_call,
            "return": trace_dispatch_return,
            "c_return": trace_dispatch_return,
            "c_exception": trace_dispatch_return,
        }
    )

    # -- running and reporting -------------------------------------------------------------

    def _adopt(self) -> None:
        """Profile from the calling green thread (it gets its stack, or a new one)."""
        current = _getcurrent()
        if current is not self._running:
            self._switch_stacks(current, 0)

    def runctx(self, cmd: Any, globals: Any, locals: Any) -> Profile:
        """Profile ``exec(cmd, globals, locals)``; return the profiler."""
        self._adopt()
        return super().runctx(cmd, globals, locals)

    def runcall(self, func: Any, /, *args: Any, **kw: Any) -> Any:
        """Profile ``func(*args, **kw)``; return what it returns."""
        self._adopt()
        return super().runcall(func, *args, **kw)

    def simulate_cmd_complete(self) -> None:
        """Close every open frame, of the suspended green threads too, so that they count."""
        current = self.cur
        active = self._active
        for greenlet, (stack, counts) in list(self._stacks.items()):
            self.cur, self._active = stack, counts
            while self.cur[-1] is not None:
                self._pop(0)
            self._stacks[greenlet] = (self.cur, self._active)
        self.cur, self._active = current, active
        super().simulate_cmd_complete()


# run() and runctx() of the module copy make their profiler from this name.
_module.Profile = Profile
