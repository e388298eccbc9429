"""tpool in fresh interpreters: the environment, monkey_patch(), fork, a quiet import."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

RunPython = Callable[..., Any]


def run_ok(run_python: RunPython, code: str, **kwargs: Any) -> str:
    result = run_python(textwrap.dedent(code), **kwargs)
    assert result.returncode == 0, result.stderr
    return str(result.stdout)


def test_importing_prints_and_warns_nothing(run_python: RunPython) -> None:
    result = run_python("import warnings; warnings.simplefilter('error'); import eventlet.tpool")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize(("value", "expected"), [("", 20), ("3", 3), (" 7 ", 7), ("0", 0)])
def test_the_pool_size_comes_from_the_environment(
    run_python: RunPython, value: str, expected: int
) -> None:
    out = run_ok(
        run_python,
        """
        import threading
        from eventlet import tpool
        tpool.execute(int)
        workers = [t for t in threading.enumerate() if t.name.startswith("tpool-")]
        print(tpool.get_num_threads(), len(workers))
        """,
        env={"EVENTLET_THREADPOOL_SIZE": value},
    )
    assert out.split() == [str(expected), str(expected)]


@pytest.mark.parametrize(
    ("value", "message"),
    [("-1", "0 (run calls inline) or more"), ("many", "whole number of threads")],
)
def test_a_bad_pool_size_in_the_environment_is_a_clear_error(
    run_python: RunPython, value: str, message: str
) -> None:
    out = run_ok(
        run_python,
        """
        from eventlet import tpool
        try:
            tpool.execute(int)
        except ValueError as error:
            print(error)
        """,
        env={"EVENTLET_THREADPOOL_SIZE": value},
    )
    assert "EVENTLET_THREADPOOL_SIZE" in out and message in out


def test_works_after_monkey_patch(run_python: RunPython) -> None:
    out = run_ok(
        run_python,
        """
        from eventlet.patcher import monkey_patch
        monkey_patch()
        import threading, time
        from eventlet import tpool
        from eventlet.patcher import original
        from eventlet.greenthread import spawn
        real = original("threading")
        gate = real.Event()
        spawn(gate.set)  # runs only if the hub keeps going while the call blocks
        ident = tpool.execute(lambda: (gate.wait(20), real.get_ident()))
        assert ident[0] is True
        assert ident[1] != real.get_ident()
        # A call that sleeps for real in its thread while green threads go on.
        ticks = []
        def tick():
            for _ in range(3):
                ticks.append(1)
                time.sleep(0.001)
        spawn(tick)
        tpool.execute(original("time").sleep, 0.1)
        print("ok", len(ticks))
        """,
    )
    assert out.split() == ["ok", "3"]


def test_a_child_forked_after_the_parent_used_tpool_can_use_it(run_python: RunPython) -> None:
    # Upstream #595: the child waited forever on the parent's pool threads.
    out = run_ok(
        run_python,
        """
        import os, sys, threading
        from eventlet import tpool
        assert tpool.execute(lambda: 1) == 1
        pid = os.fork()
        if pid == 0:
            try:
                idents = {tpool.execute(threading.get_ident) for _ in range(50)}
                ok = threading.get_ident() not in idents
                ok = ok and tpool.execute(lambda: 2) == 2
                os._exit(0 if ok else 3)
            except BaseException:
                os._exit(4)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
        print("parent", tpool.execute(lambda: 5))
        """,
    )
    assert out.split() == ["child", "0", "parent", "5"]


def test_calls_in_flight_at_fork_fail_in_the_child_instead_of_hanging(
    run_python: RunPython,
) -> None:
    out = run_ok(
        run_python,
        """
        import os
        from eventlet import tpool
        from eventlet.greenthread import sleep, spawn
        from eventlet.patcher import original
        release = original("threading").Event()
        callers = [spawn(tpool.execute, release.wait, 20) for _ in range(5)]
        sleep(0)  # the five calls are submitted, and block in pool threads
        assert tpool.execute(lambda: 1) == 1
        pid = os.fork()
        if pid == 0:
            lost = 0
            for caller in callers:
                try:
                    caller.wait()
                except RuntimeError as error:
                    lost += "forked" in str(error)
            ok = lost == 5 and tpool.execute(lambda: 2) == 2
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        release.set()
        print("child", os.waitstatus_to_exitcode(status))
        print("parent", [caller.wait() for caller in callers])
        """,
    )
    assert out.split("\n")[:2] == ["child 0", "parent [True, True, True, True, True]"]


def test_tpool_dns_runs_lookups_in_the_pool(run_python: RunPython) -> None:
    result = run_python(
        textwrap.dedent(
            """
            import threading
            from eventlet import tpool
            from eventlet.green import _resolver, socket
            assert _resolver.USE_TPOOL_DNS
            threads = []
            execute = tpool.execute
            def recording(func, *args, **kwargs):
                threads.append(func)
                return execute(func, *args, **kwargs)
            tpool.execute = recording
            assert socket.gethostbyname("localhost") in ("127.0.0.1", "::1")
            assert socket.getaddrinfo("localhost", 80)
            print("lookups", len(threads))
            """
        ),
        env={"EVENTLET_TPOOL_DNS": "yes"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["lookups", "2"]


def test_killall_at_exit_is_not_needed(run_python: RunPython) -> None:
    # The pool threads are daemons: a program that never calls killall() still exits.
    result = run_python("from eventlet import tpool; print(tpool.execute(lambda: 'bye'))")
    assert (result.returncode, result.stdout.strip()) == (0, "bye")


def test_a_child_forked_by_a_pool_thread_has_a_pool_of_its_own(run_python: RunPython) -> None:
    out = run_ok(
        run_python,
        """
        import os, threading
        from eventlet import tpool
        def fork_here():
            pid = os.fork()
            if pid == 0:
                # The child's only thread was a pool thread of the parent: calls must go to
                # a new pool, not run inline.
                ok = tpool.execute(threading.get_ident) != threading.get_ident()
                os._exit(0 if ok else 3)
            return pid
        pid = tpool.execute(fork_here)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
        """,
    )
    assert out.split() == ["child", "0"]
