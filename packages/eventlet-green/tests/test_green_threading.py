"""eventlet.green.threading: the standard library's threading, run as green threads.

All the Threads of a test share its one OS thread; tests prove concurrency by ordering (two
threads taking turns through Conditions or Events), by a Barrier that only opens once every
thread is waiting at it, and by another green thread making progress while one waits.
Every test is guarded by a Timeout so that a bug fails instead of hanging; subprocess tests
check what happens when a program exits.
"""

from __future__ import annotations

import _thread as stdlib_thread
import sys
import textwrap
import threading as stdlib_threading

import pytest

from eventlet.event import Event as GreenEvent
from eventlet.green import _thread as green_thread
from eventlet.green import threading
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it


@pytest.fixture(autouse=True)
def guard(fresh_hub):
    """Fail a test that hangs, instead of hanging the run."""
    with Timeout(GUARD):
        yield


def start(target, *args, **kwargs) -> threading.Thread:
    """Start a green Thread running ``target(*args)``."""
    thread = threading.Thread(target=target, args=args, **kwargs)
    thread.start()
    return thread


# -- the module ------------------------------------------------------------------------------


def test_all_is_the_stdlib_all():
    assert threading.__all__ == stdlib_threading.__all__
    for name in threading.__all__:
        assert hasattr(threading, name), name


def test_patched_names_exist_in_both_modules():
    assert "Thread" in threading.__patched__
    for name in threading.__patched__:
        assert hasattr(stdlib_threading, name), name
        assert getattr(threading, name) is not getattr(stdlib_threading, name), name


def test_importing_leaves_the_real_threading_module_alone(run_python):
    code = textwrap.dedent(
        """
        import _thread, sys, threading, time
        real_shutdown = threading._shutdown
        from eventlet.green import threading as green
        assert sys.modules["threading"] is threading
        assert sys.modules["_thread"] is _thread
        assert sys.modules["time"] is time
        assert threading._shutdown is real_shutdown
        assert isinstance(threading.Lock(), _thread.LockType)
        assert threading.current_thread() is threading.main_thread()
        assert green.Thread is not threading.Thread
        t = threading.Thread(target=lambda: None)  # real threads still work
        t.start()
        t.join()
        print("ok")
        """
    )
    result = run_python(code, "-W", "error")
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", "")


def test_locks_are_green():
    assert isinstance(threading.Lock(), green_thread.LockType)
    assert isinstance(threading.RLock(), green_thread.RLock)
    assert threading.get_ident is green_thread.get_ident
    assert threading.local is green_thread._local


# -- green Threads -----------------------------------------------------------------------------


def test_threads_are_green_threads_of_this_os_thread():
    seen = []

    def body(n):
        seen.append((n, threading.get_ident(), stdlib_thread.get_ident()))

    threads = [start(body, n) for n in range(3)]
    for thread in threads:
        thread.join()
    assert [n for n, _, _ in seen] == [0, 1, 2]
    assert {os_ident for _, _, os_ident in seen} == {stdlib_thread.get_ident()}
    assert len({ident for _, ident, _ in seen}) == 3
    assert [t.ident for t in threads] == [ident for _, ident, _ in seen]
    assert all(t.native_id == stdlib_thread.get_native_id() for t in threads)


def test_two_threads_take_turns_through_conditions():
    cond = threading.Condition()
    turn = ["ping"]
    log = []

    def player(me, other):
        for i in range(3):
            with cond:
                cond.wait_for(lambda: turn[0] == me)
                log.append(f"{me}{i}")
                turn[0] = other
                cond.notify_all()

    pong = start(player, "pong", "ping")
    ping = start(player, "ping", "pong")
    ping.join()
    pong.join()
    assert log == ["ping0", "pong0", "ping1", "pong1", "ping2", "pong2"]


def test_two_threads_take_turns_through_events():
    ping_event, pong_event = threading.Event(), threading.Event()
    log = []

    def pinger():
        for i in range(3):
            log.append(f"ping{i}")
            pong_event.clear()
            ping_event.set()
            assert pong_event.wait(5)

    def ponger():
        for i in range(3):
            assert ping_event.wait(5)
            ping_event.clear()
            log.append(f"pong{i}")
            pong_event.set()

    threads = [start(ponger), start(pinger)]
    for thread in threads:
        thread.join()
    assert log == ["ping0", "pong0", "ping1", "pong1", "ping2", "pong2"]


def test_many_threads_wait_at_once():
    count = 50
    barrier = threading.Barrier(count)
    indices = []

    def body():
        indices.append(barrier.wait())

    threads = [start(body) for _ in range(count)]
    for thread in threads:
        thread.join()
    assert sorted(indices) == list(range(count))  # only possible if all waited together


def test_a_thread_started_in_a_thread():
    inner_result = []

    def outer():
        inner = start(inner_result.append, "inner ran")
        inner.join()
        inner_result.append(inner.daemon)

    start(outer).join()
    assert inner_result == ["inner ran", False]


def test_thread_subclass_run():
    class Worker(threading.Thread):
        def run(self):
            self.result = sum(range(10))

    worker = Worker()
    worker.start()
    worker.join()
    assert worker.result == 45


# -- join, is_alive, daemon ------------------------------------------------------------------


def test_join_with_timeout_waits_only_the_caller():
    release = threading.Event()
    ticks = []

    def ticker():
        while not release.is_set():
            ticks.append(1)
            sleep(0.005)

    spawn(ticker)
    thread = start(release.wait)
    thread.join(0.05)
    assert thread.is_alive()  # the timeout passed; the thread still waits
    assert ticks  # and other green threads ran meanwhile
    release.set()
    thread.join()
    assert not thread.is_alive()
    assert "stopped" in repr(thread)


def test_join_errors():
    thread = threading.Thread(target=lambda: None)
    with pytest.raises(RuntimeError, match="before it is started"):
        thread.join()
    outcome = []

    def join_self():
        try:
            threading.current_thread().join()
        except RuntimeError as exc:
            outcome.append(str(exc))

    start(join_self).join()
    assert outcome == ["cannot join current thread"]
    thread.start()
    with pytest.raises(RuntimeError, match="only be started once"):
        thread.start()
    thread.join()


def test_daemon_flag_is_inherited_from_the_creator():
    made_in = {}

    def in_daemon():
        made_in["daemon thread"] = threading.Thread(target=print).daemon

    def in_green_thread():
        made_in["spawned green thread"] = threading.Thread(target=print).daemon

    assert threading.Thread(target=print).daemon is False
    start(in_daemon, daemon=True).join()
    spawn(in_green_thread).wait()
    assert made_in == {"daemon thread": True, "spawned green thread": True}
    thread = start(print, daemon=True)
    with pytest.raises(RuntimeError, match="active thread"):
        thread.daemon = False
    thread.join()


# -- Lock, RLock, Condition, Semaphore, Barrier, Timer ----------------------------------------


def test_lock_timeout():
    lock = threading.Lock()
    results = []

    def try_lock():
        results.append(lock.acquire(timeout=0.02))
        results.append(lock.acquire(blocking=False))

    with lock:
        start(try_lock).join()
    assert results == [False, False]
    assert lock.acquire(timeout=0.02) is True
    lock.release()


def test_lock_is_handed_to_the_waiting_thread():
    lock = threading.Lock()
    order = []

    def waiter():
        with lock:
            order.append("waiter has it")

    lock.acquire()
    thread = start(waiter)
    order.append("main releases")
    lock.release()
    thread.join()
    assert order == ["main releases", "waiter has it"]


def test_rlock_reentrancy_and_ownership():
    rlock = threading.RLock()
    errors = []

    def intruder():
        try:
            rlock.release()
        except RuntimeError as exc:
            errors.append(str(exc))
        errors.append(rlock.acquire(timeout=0.01))

    with rlock:
        with rlock:
            start(intruder).join()
    assert errors == ["cannot release un-acquired lock", False]
    with pytest.raises(RuntimeError):
        rlock.release()


def test_condition_notify_wakes_waiters_in_order():
    cond = threading.Condition()
    woken = []
    waiting = [0]

    def waiter(name):
        with cond:
            waiting[0] += 1
            cond.wait()
            woken.append(name)

    threads = [start(waiter, name) for name in "abc"]
    while waiting[0] < 3:
        sleep(0)
    with cond:
        cond.notify()
    threads[0].join()
    assert woken == ["a"]
    with cond:
        cond.notify_all()
    for thread in threads:
        thread.join()
    assert woken == ["a", "b", "c"]


def test_condition_wait_timeout_and_ownership():
    cond = threading.Condition(threading.Lock())
    with cond:
        assert cond.wait(0.01) is False
        assert cond.wait_for(lambda: False, timeout=0.01) is False
    with pytest.raises(RuntimeError, match="un-acquired lock"):
        cond.wait(0.01)
    with pytest.raises(RuntimeError, match="un-acquired lock"):
        cond.notify()


def test_condition_with_an_rlock_held_twice():
    cond = threading.Condition(threading.RLock())
    log = []

    def notifier():
        with cond:
            log.append("notifying")
            cond.notify()

    with cond:
        with cond:
            thread = start(notifier)
            assert cond.wait(5) is True  # releases both levels while waiting
            log.append("woken")
            assert cond._lock._recursion_count() == 2
    thread.join()
    assert log == ["notifying", "woken"]


def test_semaphore_limits_concurrency():
    sem = threading.Semaphore(2)
    inside = [0]
    most = [0]

    def body():
        with sem:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            sleep(0.005)
            inside[0] -= 1

    threads = [start(body) for _ in range(6)]
    for thread in threads:
        thread.join()
    assert most[0] == 2
    assert sem.acquire(timeout=0.01) and sem.acquire(timeout=0.01)
    assert sem.acquire(timeout=0.01) is False


def test_bounded_semaphore_refuses_too_many_releases():
    sem = threading.BoundedSemaphore(1)
    sem.acquire()
    sem.release()
    with pytest.raises(ValueError, match="released too many times"):
        sem.release()


def test_barrier_action_abort_and_timeout():
    actions = []
    barrier = threading.Barrier(3, action=lambda: actions.append("action"))
    threads = [start(barrier.wait) for _ in range(2)]
    barrier.wait()
    for thread in threads:
        thread.join()
    assert actions == ["action"]

    broken = []

    def wait_broken():
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            broken.append(True)

    thread = start(wait_broken)
    sleep(0)
    barrier.abort()
    thread.join()
    assert broken == [True]
    barrier.reset()
    with pytest.raises(threading.BrokenBarrierError):
        barrier.wait(timeout=0.01)


def test_timer_fires_and_cancel_prevents_it():
    fired = []
    timer = threading.Timer(0.01, fired.append, args=("fired",))
    canceled = threading.Timer(0.01, fired.append, args=("canceled",))
    timer.start()
    canceled.start()
    canceled.cancel()
    timer.join()
    canceled.join()
    assert fired == ["fired"]


# -- local, current_thread, enumerate ----------------------------------------------------------


def test_local_is_per_green_thread():
    data = threading.local()
    data.name = "main"
    seen = {}

    def body(name):
        before = getattr(data, "name", None)
        data.name = name
        sleep(0)  # the others run and set theirs meanwhile
        seen[name] = (before, data.name)

    threads = [start(body, name) for name in ("a", "b")]
    for thread in threads:
        thread.join()
    spawn(body, "spawned").wait()
    assert seen == {"a": (None, "a"), "b": (None, "b"), "spawned": (None, "spawned")}
    assert data.name == "main"


def test_current_thread_in_threads_and_in_the_main_greenlet():
    assert threading.current_thread() is threading.main_thread()
    assert threading.main_thread().name == "MainThread"
    assert threading.main_thread().ident == threading.get_ident()
    seen = []
    thread = threading.Thread(target=lambda: seen.append(threading.current_thread()), name="w")
    thread.start()
    thread.join()
    assert seen == [thread]


def test_current_thread_in_a_spawned_green_thread():
    release = GreenEvent()
    seen = {}

    def body():
        me = threading.current_thread()
        seen["first"] = me
        seen["again"] = threading.current_thread()
        seen["alive"] = me.is_alive()
        seen["listed"] = me in threading.enumerate()
        release.wait()

    green = spawn(body)
    other = spawn(lambda: threading.current_thread())
    sleep(0)
    dummy = seen["first"]
    assert seen["again"] is dummy
    assert isinstance(dummy, threading._DummyThread)
    assert dummy.daemon and seen["alive"] and seen["listed"]
    assert dummy.ident == id(green)
    assert other.wait() is not dummy
    with pytest.raises((AssertionError, RuntimeError), match="cannot join a dummy thread"):
        dummy.join()  # AssertionError up to Python 3.12
    release.send()
    green.wait()
    assert not dummy.is_alive()
    assert dummy not in threading.enumerate()  # ended: left out, though the greenlet lingers


def test_enumerate_and_active_count():
    before = threading.active_count()
    assert before == len(threading.enumerate())
    release = threading.Event()
    threads = [start(release.wait) for _ in range(3)]
    assert threading.active_count() == before + 3
    assert set(threads) <= set(threading.enumerate())
    release.set()
    for thread in threads:
        thread.join()
    assert threading.active_count() == before
    assert not set(threads) & set(threading.enumerate())


# -- exceptions, tracing -----------------------------------------------------------------------


def test_thread_exceptions_go_to_threading_excepthook(monkeypatch):
    reports = []
    monkeypatch.setattr(threading, "excepthook", reports.append)

    def failing():
        raise ValueError("boom")

    thread = start(failing, name="failing")
    thread.join()
    exiting = start(sys.exit)
    exiting.join()
    assert len(reports) == 2
    args = reports[0]
    assert args.exc_type is ValueError
    assert str(args.exc_value) == "boom"
    assert args.thread is thread
    assert reports[1].exc_type is SystemExit  # the default hook ignores it
    assert reports[1].thread is exiting


def test_the_default_excepthook_prints_the_thread_name(capsys):
    def failing():
        raise ValueError("boom")

    start(failing, name="the-failing-one").join()
    start(sys.exit).join()  # SystemExit ends a thread quietly, as with OS threads
    err = capsys.readouterr().err
    assert err.startswith("Exception in thread the-failing-one")
    assert err.count("Exception in thread") == 1
    assert "ValueError: boom" in err


def test_settrace_and_setprofile_reach_new_threads():
    traced, profiled = [], []

    def target():
        return 42

    def tracer(frame, event, arg):
        if frame.f_code is target.__code__:
            traced.append(event)
        return None

    def profiler(frame, event, arg):
        if frame.f_code is target.__code__:
            profiled.append(event)

    threading.settrace(tracer)
    threading.setprofile(profiler)
    try:
        assert threading.gettrace() is tracer and threading.getprofile() is profiler
        start(target).join()
    finally:
        threading.settrace(None)
        threading.setprofile(None)
        sys.settrace(None)
        sys.setprofile(None)
    assert "call" in traced
    assert profiled[:1] == ["call"] and "return" in profiled


def test_stack_size_is_the_green_one():
    assert threading.stack_size is green_thread.stack_size
    assert threading.stack_size(65536) == 0
    assert threading.stack_size() == 65536


# -- the end of a program ----------------------------------------------------------------------


def test_a_program_waits_for_its_non_daemon_threads(run_python):
    code = textwrap.dedent(
        """
        from eventlet.green import threading, time
        from eventlet.green import _thread

        def worker(n):
            time.sleep(0.02 * n)
            print("worker", n, "done", flush=True)

        def forever():
            threading.Event().wait()

        for n in (3, 1, 2):
            threading.Thread(target=worker, args=(n,)).start()
        threading.Thread(target=forever, daemon=True).start()
        _thread.start_new_thread(forever, ())
        print("main done", flush=True)
        """
    )
    result = run_python(code, "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "main done",
        "worker 1 done",
        "worker 2 done",
        "worker 3 done",
    ]
    assert result.stderr == ""


def test_a_program_does_not_wait_for_threads_of_a_replaced_hub(run_python):
    code = textwrap.dedent(
        """
        from eventlet.green import threading
        from eventlet.hubs import use_hub

        threading.Thread(target=threading.Event().wait).start()  # never ends
        use_hub()  # its hub is dropped: the thread can never run again
        print("main done")
        """
    )
    result = run_python(code, "-W", "error", timeout=20)
    assert (result.returncode, result.stdout, result.stderr) == (0, "main done\n", "")


def test_a_program_importing_green_threading_in_a_green_thread(run_python):
    code = textwrap.dedent(
        """
        from eventlet.greenthread import sleep, spawn

        def load():
            from eventlet.green import threading
            return threading

        threading = spawn(load).wait()
        assert threading.current_thread() is threading.main_thread()
        assert threading.main_thread().name == "MainThread"
        def worker():
            sleep(0.01)
            print("thread ran")

        threading.Thread(target=worker).start()
        print("main done")
        """
    )
    result = run_python(code, "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["main done", "thread ran"]
    assert result.stderr == ""


def test_a_program_exiting_with_sys_exit_in_a_thread_waits_and_keeps_its_code(run_python):
    code = textwrap.dedent(
        """
        import sys
        from eventlet.green import threading, time

        def worker():
            time.sleep(0.02)
            print("worker done", flush=True)

        threading.Thread(target=worker).start()
        sys.exit(3)
        """
    )
    result = run_python(code, "-W", "error")
    assert (result.returncode, result.stdout, result.stderr) == (3, "worker done\n", "")


def test_green_threads_live_on_in_a_forked_child(run_python):
    code = textwrap.dedent(
        """
        import os
        from eventlet.green import threading

        go = threading.Event()
        ran_in = []

        def worker():
            go.wait()
            ran_in.append(os.getpid())

        thread = threading.Thread(target=worker)
        thread.start()
        pid = os.fork()
        go.set()
        thread.join()
        if pid == 0:
            assert ran_in == [os.getpid()]
            assert threading.current_thread().native_id == threading.get_native_id()
            print("worker ran in the child", flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
        assert ran_in == [os.getpid()]
        print("worker ran in the parent")
        """
    )
    result = run_python(code, "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["worker ran in the child", "worker ran in the parent"]
    assert result.stderr == ""
