"""eventlet.green.thread and eventlet.green._thread: the green low-level thread module.

Green threads started here share the test's one OS thread; a test proves that a wait
suspends only the calling green thread by having another green thread make progress
meanwhile. Every test is guarded by a Timeout so that a bug fails instead of hanging.
"""

from __future__ import annotations

import _thread as stdlib_thread
import sys
import textwrap

import pytest

from eventlet.corolocal import local as corolocal
from eventlet.event import Event
from eventlet.green import _thread as green_thread
from eventlet.green import thread as green_thread_impl
from eventlet.greenthread import sleep, spawn
from eventlet.hubs import get_hub, use_hub
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it


@pytest.fixture(autouse=True)
def guard(fresh_hub):
    """Fail a test that hangs, instead of hanging the run."""
    with Timeout(GUARD):
        yield


def run_until(event: Event) -> object:
    """Wait (as the main green thread) for ``event``; return what was sent."""
    return event.wait()


# -- the module's names ----------------------------------------------------------------------


def test_green_thread_has_exactly_the_names_of_stdlib_thread():
    stdlib_names = {n for n in dir(stdlib_thread) if not n.startswith("__")}
    green_names = {n for n in dir(green_thread) if not n.startswith("__")}
    assert green_names == stdlib_names


def test_patched_names_exist_in_both_modules():
    assert green_thread.__patched__
    for name in green_thread.__patched__:
        assert hasattr(stdlib_thread, name), name
        assert getattr(green_thread, name) is not getattr(stdlib_thread, name), name
    assert green_thread_impl.__patched__ == green_thread.__patched__


def test_thread_module_holds_the_same_objects():
    for name in dir(green_thread):
        if not name.startswith("__"):
            assert getattr(green_thread_impl, name) is getattr(green_thread, name), name


def test_names_without_green_meaning_are_the_stdlib_ones():
    assert green_thread.error is stdlib_thread.error is RuntimeError
    assert green_thread.TIMEOUT_MAX == stdlib_thread.TIMEOUT_MAX
    assert green_thread.exit is stdlib_thread.exit
    # interrupt_main and _excepthook have green versions (they act on the main green thread
    # and on green threads' exceptions).
    assert green_thread.get_native_id() == stdlib_thread.get_native_id()


def test_local_is_the_green_thread_local():
    assert green_thread._local is corolocal


def test_aliases():
    assert green_thread.start_new is green_thread.start_new_thread
    assert green_thread.allocate is green_thread.allocate_lock
    assert green_thread.exit_thread is green_thread.exit
    if hasattr(stdlib_thread, "lock"):
        assert green_thread.lock is green_thread.LockType


# -- start_new_thread and get_ident ----------------------------------------------------------


def test_start_new_thread_runs_a_green_thread_in_this_os_thread():
    done = Event()
    seen = {}

    def body(a, b, c=None):
        seen["args"] = (a, b, c)
        seen["ident"] = green_thread.get_ident()
        seen["os_thread"] = stdlib_thread.get_ident()
        done.send()

    ident = green_thread.start_new_thread(body, (1, 2), {"c": 3})
    assert "args" not in seen  # it starts when the caller waits
    run_until(done)
    assert seen["args"] == (1, 2, 3)
    assert seen["ident"] == ident
    assert seen["ident"] != green_thread.get_ident()
    assert seen["os_thread"] == stdlib_thread.get_ident()


def test_get_ident_is_per_green_thread():
    idents = []
    done = Event()

    def body():
        first = green_thread.get_ident()
        sleep(0)
        idents.append((first, green_thread.get_ident()))
        if len(idents) == 3:
            done.send()

    for _ in range(3):
        green_thread.start_new_thread(body, ())
    run_until(done)
    assert all(first == again for first, again in idents)
    assert len({first for first, _ in idents}) == 3
    assert green_thread.get_ident() not in {first for first, _ in idents}
    assert green_thread.get_ident() == green_thread.get_ident()


@pytest.mark.parametrize(
    "args, message",
    [
        ((42, ()), "first arg must be callable"),
        ((print, [1]), "2nd arg must be a tuple"),
        ((print, (), [("end", "")]), "optional 3rd arg must be a dictionary"),
    ],
)
def test_start_new_thread_checks_its_arguments(args, message):
    with pytest.raises(TypeError, match=message):
        green_thread.start_new_thread(*args)


def test_count_tells_how_many_green_threads_run():
    before = green_thread._count()
    release = Event()
    started = []

    def body():
        started.append(True)
        release.wait()

    for _ in range(3):
        green_thread.start_new_thread(body, ())
    sleep(0)
    assert len(started) == 3
    assert green_thread._count() == before + 3
    release.send()
    sleep(0)
    sleep(0)
    assert green_thread._count() == before


def test_exit_ends_the_green_thread_quietly(capsys):
    done = Event()
    after = []

    def body():
        try:
            green_thread.exit()
            after.append("not reached")
        finally:
            done.send()

    green_thread.start_new_thread(body, ())
    run_until(done)
    sleep(0)
    assert after == []
    assert capsys.readouterr().err == ""


def run_a_failing_thread():
    """Start a green thread that raises ValueError("boom") and wait until it has ended; return
    its function."""
    done = Event()

    def failing():
        try:
            raise ValueError("boom")
        finally:
            done.send()

    green_thread.start_new_thread(failing, ())
    run_until(done)
    sleep(0)  # the exception is reported after the function's finally block
    return failing


def test_an_unhandled_exception_goes_to_sys_unraisablehook(monkeypatch):
    reports = []
    monkeypatch.setattr(sys, "unraisablehook", reports.append)
    failing = run_a_failing_thread()
    assert len(reports) == 1
    report = reports[0]
    assert report.exc_type is ValueError
    assert str(report.exc_value) == "boom"
    assert report.exc_traceback is not None
    if sys.version_info >= (3, 13):  # as the stdlib's: the function named in the message
        assert report.err_msg == f"Exception ignored in thread started by {failing!r}"
        assert report.object is None
    else:
        assert report.err_msg == "Exception ignored in thread started by"
        assert report.object is failing


def test_an_unhandled_exception_is_printed_by_the_default_hook(monkeypatch, capsys):
    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)
    run_a_failing_thread()
    err = capsys.readouterr().err
    if sys.version_info >= (3, 13):
        assert "Exception ignored in thread started by <function" in err
    else:
        assert "Exception ignored in thread started by: <function" in err
    assert "failing" in err
    assert "ValueError: boom" in err


def test_interrupt_main_raises_keyboard_interrupt_in_the_main_green_thread(run_python):
    code = textwrap.dedent(
        """
        from eventlet.green import _thread
        from eventlet.greenthread import sleep

        def interrupter():
            sleep(0.01)
            _thread.interrupt_main()

        _thread.start_new_thread(interrupter, ())
        try:
            sleep(5)
        except KeyboardInterrupt:
            print("interrupted in main")
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "interrupted in main\n"
    assert result.stderr == ""


# -- locks ---------------------------------------------------------------------------------------


def test_allocate_lock_gives_a_green_lock():
    lock = green_thread.allocate_lock()
    assert isinstance(lock, green_thread.LockType)
    assert not lock.locked()
    assert lock.acquire()
    assert lock.locked()
    assert lock.acquire(False) is False
    assert lock.acquire(True, 0) is False
    assert lock.acquire(blocking=False) is False
    lock.release()
    assert not lock.locked()
    assert "unlocked" in repr(lock)


def test_lock_as_context_manager_and_old_names():
    lock = green_thread.LockType()
    with lock as got:
        assert got is True
        assert lock.locked_lock()
    assert not lock.locked()
    assert lock.acquire_lock()
    lock.release_lock()
    assert not lock.locked()


def test_release_of_an_unlocked_lock_raises_runtime_error():
    with pytest.raises(RuntimeError, match="release unlocked lock"):
        green_thread.allocate_lock().release()


def test_lock_timeout_waits_only_the_calling_green_thread():
    lock = green_thread.allocate_lock()
    lock.acquire()
    ticks = []
    stop = Event()

    def ticker():
        while not stop.ready():
            ticks.append(1)
            sleep(0.005)

    spawn(ticker)
    assert lock.acquire(timeout=0.05) is False
    assert ticks  # the other green thread ran while we waited
    stop.send()
    assert lock.locked()


def test_lock_waiter_gets_it_when_another_green_thread_releases_it():
    lock = green_thread.allocate_lock()
    lock.acquire()
    order = []

    def releaser():
        order.append("releasing")
        lock.release()  # a lock has no owner: anyone may release it

    green_thread.start_new_thread(releaser, ())
    assert lock.acquire(timeout=5) is True
    order.append("acquired")
    assert order == ["releasing", "acquired"]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"blocking": False, "timeout": 1}, ValueError, "non-blocking"),
        ({"timeout": -2}, ValueError, "non-negative"),
        ({"timeout": float("nan")}, ValueError, "NaN"),
        ({"timeout": 1e30}, OverflowError, "too large"),
        ({"timeout": None}, TypeError, "NoneType"),
        ({"timeout": "1"}, TypeError, "str"),
    ],
)
def test_lock_acquire_checks_its_arguments_like_the_stdlib(kwargs, error, message):
    lock = green_thread.allocate_lock()
    with pytest.raises(error, match=message):
        lock.acquire(**kwargs)
    assert not lock.locked()
    with pytest.raises(error):  # the same kind of error as the standard library's
        stdlib_thread.allocate_lock().acquire(**kwargs)


def test_lock_waiters_are_served_in_order_and_a_killed_one_passes_it_on():
    lock = green_thread.allocate_lock()
    lock.acquire()
    order = []

    def waiter(name):
        with lock:
            order.append(name)

    first = spawn(waiter, "first")
    doomed = spawn(waiter, "doomed")
    last = spawn(waiter, "last")
    sleep(0)  # all three wait now
    lock.release()  # handed to "first"
    doomed.kill()  # leaves the queue without taking the lock
    first.wait()
    last.wait()
    assert order == ["first", "last"]
    assert not lock.locked()


def test_timed_waiter_gets_the_lock_on_release():
    lock = green_thread.allocate_lock()
    lock.acquire()
    results = []
    waiter = spawn(lambda: results.append(lock.acquire(timeout=GUARD / 2)))
    sleep(0)
    lock.release()  # handed over before the timer fires: the waiter owns it
    waiter.wait()
    assert results == [True]
    assert lock.locked()
    lock.release()


def test_lock_shared_between_green_threads_and_a_real_os_thread():
    lock = green_thread.allocate_lock()
    counts = {"value": 0}
    finished = Event()
    hub = get_hub()

    def os_thread_body():
        for _ in range(2000):
            with lock:
                counts["value"] += 1
        hub.call_soon_threadsafe(finished.send, None)

    def green_body():
        for _ in range(300):
            with lock:
                value = counts["value"]
                sleep(0)  # switch while holding it: the OS thread must wait
                counts["value"] = value + 1

    greens = [spawn(green_body) for _ in range(3)]
    stdlib_thread.start_new_thread(os_thread_body, ())
    for green in greens:
        green.wait()
    finished.wait()
    assert counts["value"] == 2000 + 3 * 300
    assert not lock.locked()


def test_real_os_thread_waiting_for_a_green_lock_times_out_then_gets_it():
    lock = green_thread.allocate_lock()
    lock.acquire()
    results = []
    timed_out = Event()
    done = Event()
    hub = get_hub()

    def os_thread_body():
        results.append(lock.acquire(timeout=0.01))  # held by the main green thread
        hub.call_soon_threadsafe(timed_out.send, None)
        results.append(lock.acquire(timeout=5))  # released below
        lock.release()
        hub.call_soon_threadsafe(done.send, None)

    stdlib_thread.start_new_thread(os_thread_body, ())
    timed_out.wait()
    lock.release()
    done.wait()
    assert results == [False, True]
    assert not lock.locked()


def test_lock_at_fork_reinit_unlocks():
    lock = green_thread.allocate_lock()
    lock.acquire()
    lock._at_fork_reinit()
    assert not lock.locked()


def test_rlock_is_reentrant():
    rlock = green_thread.RLock()
    assert rlock.acquire()
    assert rlock.acquire()
    with rlock:
        assert rlock._recursion_count() == 3
    assert rlock._is_owned()
    rlock.release()
    rlock.release()
    assert not rlock._is_owned()
    assert rlock._recursion_count() == 0
    with pytest.raises(RuntimeError, match="cannot release un-acquired lock"):
        rlock.release()


def test_rlock_belongs_to_one_green_thread():
    rlock = green_thread.RLock()
    rlock.acquire()
    outcome = {}
    done = Event()

    def other():
        outcome["owned"] = rlock._is_owned()
        outcome["count"] = rlock._recursion_count()
        outcome["try"] = rlock.acquire(False)
        outcome["timed"] = rlock.acquire(timeout=0.02)
        try:
            rlock.release()
        except RuntimeError as exc:
            outcome["release"] = str(exc)
        done.send()

    green_thread.start_new_thread(other, ())
    run_until(done)
    assert outcome == {
        "owned": False,
        "count": 0,
        "try": False,
        "timed": False,
        "release": "cannot release un-acquired lock",
    }
    rlock.release()


def test_rlock_goes_to_a_waiting_green_thread_when_fully_released():
    rlock = green_thread.RLock()
    rlock.acquire()
    rlock.acquire()
    got = Event()

    def waiter():
        rlock.acquire()
        got.send(green_thread.get_ident())
        rlock.release()

    ident = green_thread.start_new_thread(waiter, ())
    sleep(0)
    rlock.release()
    sleep(0)
    assert not got.ready()  # still held once
    rlock.release()
    assert run_until(got) == ident


def test_rlock_release_save_and_acquire_restore():
    rlock = green_thread.RLock()
    rlock.acquire()
    rlock.acquire()
    state = rlock._release_save()
    assert state == (2, green_thread.get_ident())
    assert not rlock._is_owned()
    assert "unlocked" in repr(rlock)
    rlock._acquire_restore(state)
    assert rlock._recursion_count() == 2
    assert "locked" in repr(rlock) and "count=2" in repr(rlock)
    rlock.release()
    rlock.release()
    with pytest.raises(RuntimeError):
        rlock._release_save()


def test_rlock_checks_acquire_arguments():
    rlock = green_thread.RLock()
    with pytest.raises(ValueError, match="non-blocking"):
        rlock.acquire(False, 1)
    rlock.acquire()
    with pytest.raises(ValueError):
        rlock.acquire(timeout=-5)  # checked even when it would only count up
    assert rlock._recursion_count() == 1
    rlock.release()


# -- stack_size -----------------------------------------------------------------------------


def test_stack_size_is_kept_and_checked_like_the_stdlib():
    assert green_thread.stack_size() == 0
    assert green_thread.stack_size(65536) == 0
    assert green_thread.stack_size(0x8000) == 65536
    assert green_thread.stack_size() == 0x8000  # no argument: back to the default
    assert green_thread.stack_size() == 0
    with pytest.raises(ValueError, match="size must be 0 or a positive value"):
        green_thread.stack_size(-1)
    with pytest.raises(ValueError, match="size not valid: 1000 bytes"):
        green_thread.stack_size(1000)
    with pytest.raises(TypeError):
        green_thread.stack_size(65536.0)
    with pytest.raises(TypeError):
        green_thread.stack_size("65536")
    assert green_thread.stack_size() == 0


# -- the internals threading uses -------------------------------------------------------------


def test_sentinel_is_released_when_its_green_thread_ends():
    sentinels = []
    proceed = Event()

    def body():
        sentinel = green_thread_impl._set_sentinel()
        sentinel.acquire()
        sentinels.append(sentinel)
        proceed.wait()

    green_thread.start_new_thread(body, ())
    sleep(0)
    (sentinel,) = sentinels
    assert sentinel.locked()
    assert sentinel.acquire(timeout=0.01) is False
    proceed.send()
    assert sentinel.acquire(timeout=5) is True  # what Thread.join() waits for


def test_joinable_thread_handle():
    release = Event()
    handle = green_thread_impl.start_joinable_thread(release.wait, daemon=False)
    assert handle.ident is not None
    assert not handle.is_done()
    handle.join(0.02)  # a timeout: it returns, the thread still runs
    assert not handle.is_done()
    release.send()
    handle.join()
    assert handle.is_done()
    with pytest.raises(RuntimeError, match="already started"):
        green_thread_impl.start_joinable_thread(print, handle=handle)
    with pytest.raises(TypeError, match="callable"):
        green_thread_impl.start_joinable_thread(42)


def test_a_thread_handle_cannot_join_its_own_thread():
    outcome = Event()
    holder = {}

    def body():
        try:
            holder["handle"].join()
        except RuntimeError as exc:
            outcome.send(str(exc))

    holder["handle"] = green_thread_impl.start_joinable_thread(body)
    assert run_until(outcome) == "Cannot join current thread"


def test_shutdown_waits_for_non_daemon_threads_of_this_hub_only():
    finished = []

    def worker(name):
        sleep(0.01)
        finished.append(name)

    green_thread_impl.start_joinable_thread(lambda: worker("non-daemon"), daemon=False)
    green_thread_impl.start_joinable_thread(lambda: worker("daemon"), daemon=True)
    green_thread_impl._shutdown()
    assert "non-daemon" in finished


def test_main_thread_ident_is_the_main_greenlet():
    assert green_thread_impl._get_main_thread_ident() == green_thread.get_ident()
    handle = green_thread_impl._make_thread_handle(green_thread.get_ident())
    assert handle.ident == green_thread.get_ident()
    assert not handle.is_done()


def test_threads_of_a_replaced_hub_are_not_waited_for():
    stuck = []

    def body():
        sentinel = green_thread_impl._set_sentinel()
        sentinel.acquire()
        stuck.append(sentinel)
        Event().wait()  # forever

    green_thread.start_new_thread(body, ())
    sleep(0)
    old_hub = get_hub()
    assert stuck[0] not in green_thread_impl._sentinels_elsewhere()
    use_hub()  # what conftest does between tests: the stuck thread can never run again
    assert get_hub() is not old_hub
    assert stuck[0] in green_thread_impl._sentinels_elsewhere()
