"""Regressions found by running CPython's own test suite under monkey_patch() (tools/stdlib_tests.py).

Each scenario runs in a fresh interpreter (the ``run_python`` fixture of conftest.py).
"""

from __future__ import annotations

import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="epoll is Linux's")
def test_the_hub_after_monkey_patch_is_epoll_over_the_real_select(run_python):
    """Patching replaces ``select``; the hub backends must have bound the real one first,
    or the default hub falls back to poll (the green select has no epoll)."""
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import select
        from eventlet import hubs
        from eventlet.hubs import epolls
        print(type(hubs.get_hub()).__module__, hasattr(select, "epoll"))
        print(epolls.is_available())
        """
    )
    assert result.lines == ["eventlet.hubs.epolls False", "True"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="epoll is Linux's")
def test_a_hub_made_after_monkey_patch_in_a_new_os_thread_is_epoll_too(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        from eventlet import hubs
        from eventlet.patcher import original
        found = []
        worker = original("threading").Thread(
            target=lambda: found.append(type(hubs.get_hub()).__module__))
        worker.start(); worker.join()
        print(found)
        """
    )
    assert result.lines == ["['eventlet.hubs.epolls']"]


def test_allocate_lock_on_a_class_after_monkey_patch(run_python):
    """test_thread keeps ``locktype = thread.allocate_lock`` on its test class."""
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import _thread, threading
        class Case:
            locktype = _thread.allocate_lock
        lock = Case().locktype()
        print(type(lock).__module__, lock.acquire(False), lock.acquire(False))
        """
    )
    assert result.lines == ["eventlet.green.thread True False"]


def test_interrupt_main_from_a_thread_reaches_the_main_thread(run_python):
    """test_threading: a KeyboardInterrupt from interrupt_main() in a Thread is the main
    thread's, not reported as the Thread's own exception."""
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import _thread, threading
        never = threading.Event()
        thread = threading.Thread(target=_thread.interrupt_main)
        try:
            thread.start()
            never.wait(10)
            print("not interrupted")
        except KeyboardInterrupt:
            print("interrupted")
        thread.join()
        """
    )
    assert result.lines == ["interrupted"]


def test_asyncio_after_monkey_patch_waits_green(run_python):
    """test_os's asyncio tests: importing the hubs before patching must not import asyncio,
    which would keep the real selectors and block every green thread in its loop (here, the
    default executor's worker, which asyncio.run() waits for at shutdown)."""
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import asyncio, time

        async def main():
            loop = asyncio.get_running_loop()
            print(type(loop._selector).__name__)
            return await loop.run_in_executor(None, lambda: time.sleep(0.01) or "from the pool")

        print(asyncio.run(main()))
        """
    )
    assert result.lines[1:] == ["from the pool"]
    assert result.lines[0] != "EpollSelector"


def test_pthread_kill_of_a_thread_ident_after_monkey_patch(run_python):
    """test_socketserver's test_write: a client Thread sends SIGUSR1 with pthread_kill() to
    the main thread's ``threading.get_ident()``, a green identifier under patching; the
    stdlib's pthread_kill, given it, blocks the whole process in the C library."""
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import signal, threading
        from eventlet.green import signal as green_signal
        got = threading.Event()
        signal.signal(signal.SIGUSR1, lambda signum, frame: got.set())
        main_ident = threading.get_ident()
        thread = threading.Thread(target=signal.pthread_kill, args=(main_ident, signal.SIGUSR1))
        thread.start()
        print(got.wait(10), signal is green_signal, eventlet.patcher.is_monkey_patched("signal"))
        thread.join()
        """
    )
    assert result.lines == ["True True True"]
