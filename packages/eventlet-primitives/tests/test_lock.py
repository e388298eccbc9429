from __future__ import annotations

import pytest

from eventlet.greenthread import kill, sleep, spawn
from eventlet.lock import Lock
from eventlet.semaphore import Semaphore


def test_lock_and_unlock() -> None:
    lock = Lock()
    assert isinstance(lock, Semaphore)
    assert not lock.locked()
    assert lock.acquire() is True
    assert lock.locked()
    assert lock.acquire(False) is False
    assert lock.acquire(blocking=False, timeout=-1) is False
    lock.release()
    assert not lock.locked()


def test_release_unlocked_lock_raises() -> None:
    lock = Lock()
    with pytest.raises(RuntimeError, match="release unlocked lock"):
        lock.release()
    lock.acquire()
    lock.release()
    with pytest.raises(RuntimeError, match="release unlocked lock"):
        lock.release()


def test_threading_style_timeouts() -> None:
    lock = Lock()
    lock.acquire()
    assert lock.acquire(timeout=0.01) is False
    assert lock.acquire(True, 0) is False
    with pytest.raises(ValueError, match="non-blocking"):
        lock.acquire(False, 1)
    with pytest.raises(ValueError, match="positive"):
        lock.acquire(timeout=-5)
    got = []
    thread = spawn(lambda: got.append(lock.acquire(True, -1)))
    sleep(0)
    lock.release()
    thread.wait()
    assert got == [True]
    assert lock.acquire(timeout=None, blocking=False) is False


def test_context_manager() -> None:
    lock = Lock()
    with lock:
        assert lock.locked()
    assert not lock.locked()
    with pytest.raises(KeyError):
        with lock:
            raise KeyError("x")
    assert not lock.locked()


def test_ownership_passes_in_fifo_order() -> None:
    lock = Lock()
    order: list[int] = []

    def worker(n: int) -> None:
        with lock:
            order.append(n)
            sleep(0)
            order.append(n)

    lock.acquire()
    threads = [spawn(worker, n) for n in range(3)]
    sleep(0)
    lock.release()
    # Handed to the first waiter: still locked, no latecomer can take it.
    assert lock.locked() and lock.acquire(False) is False
    for thread in threads:
        thread.wait()
    assert order == [0, 0, 1, 1, 2, 2]
    assert not lock.locked()


def test_kill_while_waiting_for_the_lock() -> None:
    lock = Lock()
    lock.acquire()
    first = spawn(lock.acquire)
    second = spawn(lock.acquire)
    sleep(0)
    kill(first)
    assert lock.balance == -1
    lock.release()
    assert second.wait() is True
    assert lock.locked()
    lock.release()
    assert not lock.locked()


def test_at_fork_reinit_resets_the_lock() -> None:
    lock = Lock()
    lock.acquire()
    lock._at_fork_reinit()
    assert not lock.locked()
    assert lock.acquire(False) is True
