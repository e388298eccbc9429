"""Regressions found by running CPython's own test suite under monkey_patch() (tools/stdlib_tests.py).

Each test is the small form of a CPython test that failed with the green modules, named in
its docstring.
"""

from __future__ import annotations

import _thread as std_thread
import io
import select as std_select
import signal
import subprocess as std_subprocess
import sys
import time as std_time
import warnings

import pytest

from eventlet.green import _thread as green_thread
from eventlet.green import select, threading
from eventlet.green import subprocess as green_subprocess
from eventlet.green import time as green_time
from eventlet.greenthread import spawn


def test_allocate_lock_stored_on_a_class_is_not_a_method():
    """test_thread: ``locktype = thread.allocate_lock`` as a class attribute, called as
    ``self.locktype()``, must not get ``self`` (the builtin does not)."""

    class Holder:
        locktype = green_thread.allocate_lock

    lock = Holder().locktype()
    assert isinstance(lock, green_thread.LockType)
    assert lock.acquire(False) and not lock.acquire(False)
    assert green_thread.allocate_lock.__doc__


def test_poll_stored_on_a_class_is_not_a_method():
    """test_selectors: ``PollSelector`` keeps ``_selector_cls = select.poll`` and calls it
    on ``self``."""

    class Holder:
        maker = select.poll

    poller = Holder().maker()
    poller.register(sys.__stdout__.fileno(), std_select.POLLOUT)
    assert poller.poll(0) == [(sys.__stdout__.fileno(), std_select.POLLOUT)]


def test_poll_type_cannot_be_instantiated():
    """test_select.test_disallow_instantiation: as the standard library's poll type."""
    with pytest.raises(TypeError, match=r"cannot create 'eventlet\.green\.select\.poll'"):
        type(select.poll())()
    assert type(select.poll()).__name__ == type(std_select.poll()).__name__ == "poll"


def test_select_reads_a_list_that_fileno_mutates_as_the_stdlib_does():
    """test_select.test_select_mutated (bpo-16230): the list shrinks as it is read."""
    items: list[object] = []

    class Shrinking:
        def fileno(self) -> int:
            del items[-1]
            return sys.__stdout__.fileno()

    items[:] = [Shrinking()] * 10
    result = select.select([], items, [])
    assert result == ([], items[:5], [])
    assert len(items) == 5


@pytest.mark.parametrize(
    ("value", "error"),
    [(-1, ValueError), (-2.0, ValueError), (float("nan"), ValueError), ("1", TypeError)],
)
def test_sleep_refuses_what_the_stdlib_refuses(value, error):
    """test_time.test_sleep: a negative duration raises ValueError, as time.sleep does."""
    with pytest.raises(error) as green:
        green_time.sleep(value)
    with pytest.raises(error) as real:
        std_time.sleep(value)
    assert str(green.value) == str(real.value)


def test_sleep_lets_other_green_threads_run():
    order = []
    worker = spawn(order.append, "worker")
    green_time.sleep(0)
    order.append("main")
    worker.wait()
    assert order == ["worker", "main"]


def test_excepthook_names_a_thread_given_as_none_by_its_green_ident():
    """test_threading.test_excepthook_thread_None."""
    stderr = io.StringIO()
    saved, sys.stderr = sys.stderr, stderr
    try:
        try:
            raise ValueError("bug")
        except ValueError:
            threading.excepthook(threading.ExceptHookArgs([*sys.exc_info(), None]))
    finally:
        sys.stderr = saved
    text = stderr.getvalue()
    assert text.startswith(f"Exception in thread {threading.get_ident()}:\n")
    assert "ValueError: bug" in text
    with pytest.raises(TypeError, match="ExceptHookArgs"):
        green_thread._excepthook(("not", "args"))


def test_interrupt_main_from_a_green_thread_interrupts_the_main_one():
    """test_threading.test_interrupt_main_subthread: the KeyboardInterrupt reaches the main
    green thread (where it waits), not the caller, whose Thread would only report it."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    never = threading.Event()
    reported = []
    saved_hook, threading.excepthook = threading.excepthook, reported.append
    try:
        thread = threading.Thread(target=green_thread.interrupt_main)
        thread.start()
        with pytest.raises(KeyboardInterrupt):
            never.wait(10)
        thread.join()
    finally:
        threading.excepthook = saved_hook
    assert reported == []
    with pytest.raises(ValueError):
        green_thread.interrupt_main(-1)


def test_interrupt_main_in_the_main_green_thread_is_immediate():
    with pytest.raises(KeyboardInterrupt):
        green_thread.interrupt_main()
        for _ in range(1000):  # the handler runs at the next bytecode boundary
            pass
    assert green_thread.interrupt_main is not std_thread.interrupt_main


def test_subprocess_functions_use_the_module_attributes_a_program_replaces(monkeypatch):
    """test_subprocess: ``mock.patch("subprocess.Popen", ...)`` must reach ``call()``."""
    made = []

    class RecordingPopen(green_subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(green_subprocess, "Popen", RecordingPopen)
    assert green_subprocess.call([sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert len(made) == 1 and made[0].returncode == 3


def test_subprocess_binary_line_buffering_warns_as_io_open_does():
    """test_subprocess.test_bufsize_equal_one_binary_mode."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with green_subprocess.Popen(
            [sys.executable, "-c", "print('x')"], stdout=green_subprocess.PIPE, bufsize=1
        ) as process:
            assert process.stdout.read() == b"x\n"
    assert [str(w.message)[:29] for w in caught if w.category is RuntimeWarning] == [
        "line buffering (buffering=1) "
    ]


def test_subprocess_public_names_are_the_stdlib_ones():
    """test_subprocess.test__all__: no helper of the green module looks public."""
    public = {name for name in vars(green_subprocess) if not name.startswith("_")}
    assert public - set(dir(std_subprocess)) == set()
    assert green_subprocess.TimeoutExpired is std_subprocess.TimeoutExpired
