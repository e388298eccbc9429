"""Stray switches into green threads blocked in the primitives.

Foreign code that switches into a green thread blocked in Queue.get/put, Semaphore.acquire,
Lock.acquire or CappedSemaphore.acquire/release (``greenlet.switch(value)``) makes that call
raise eventlet.hubs.UnexpectedWakeup, naming the call and the value. The primitive is left as
if the wait had been killed: no item, permit or wake-up is lost, and it keeps working.
Run on every hub backend.
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from typing import Any

import pytest
from greenlet import greenlet

from eventlet import hubs
from eventlet.greenthread import GreenThread, sleep, spawn
from eventlet.hubs import UnexpectedWakeup
from eventlet.lock import Lock
from eventlet.queue import Empty, LightQueue, Queue
from eventlet.semaphore import BoundedSemaphore, CappedSemaphore, Semaphore

BACKENDS = ["epolls", "poll", "selects"] + (["kqueue"] if hasattr(select, "kqueue") else [])


@pytest.fixture(autouse=True, params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    hubs.use_hub(request.param)
    yield request.param


def stray_switch_into(target: greenlet, *values: Any) -> None:
    """Switch into ``target`` from a hub callback, as foreign code would."""
    hubs.get_hub().schedule_call_global(0, target.switch, *values)


def raised(thread: GreenThread[Any]) -> BaseException:
    with pytest.raises(UnexpectedWakeup) as info:
        thread.wait()
    return info.value


@pytest.mark.parametrize("timeout", [None, 5])
def test_queue_get(timeout: float | None) -> None:
    q: Queue[str] = Queue()
    victim = spawn(q.get, timeout=timeout)
    other = spawn(q.get)
    sleep(0)
    stray_switch_into(victim, "forged item")
    exc = raised(victim)
    assert "Queue.get()" in str(exc) and "'forged item'" in str(exc)
    assert q.getting() == 1  # only the other getter is left
    q.put("real item")
    assert other.wait() == "real item"
    assert q.qsize() == 0 and q.unfinished_tasks == 1


def test_queue_get_served_then_strayed_passes_the_item_on() -> None:
    q: LightQueue[int] = LightQueue()
    hub = hubs.get_hub()
    victim = spawn(q.get)
    other = spawn(q.get)
    sleep(0)

    def put_then_stray() -> None:
        q.put(1)  # handed to the victim, whose wake-up is now queued ...
        victim.switch("stray")  # ... and is beaten to it by a stray switch

    hub.schedule_call_global(0, put_then_stray)
    raised(victim)
    assert other.wait() == 1  # the item went on to the next getter, not lost


@pytest.mark.parametrize("maxsize", [0, 1])
def test_queue_put(maxsize: int) -> None:
    q: Queue[str] = Queue(maxsize)
    if maxsize:
        q.put("first")
    victim = spawn(q.put, "from victim")
    sleep(0)
    assert q.putting() == 1
    stray_switch_into(victim, None)  # None is what a served putter gets: must not pass
    exc = raised(victim)
    assert "Queue.put()" in str(exc)
    assert q.putting() == 0
    if maxsize:
        assert q.get() == "first"
    with pytest.raises(Empty):
        q.get(block=False)  # the victim's item was never accepted


@pytest.mark.parametrize("kind", [Semaphore, BoundedSemaphore, Lock])
def test_semaphore_and_lock_acquire(kind: Any) -> None:
    sem = kind()
    sem.acquire()
    victim = spawn(sem.acquire)
    other = spawn(sem.acquire)
    sleep(0)
    stray_switch_into(victim, True)  # True is what a served acquirer gets: must not pass
    exc = raised(victim)
    assert f"{kind.__name__}.acquire()" in str(exc)
    assert sem.balance == -1  # only the other acquirer waits
    sem.release()
    assert other.wait() is True
    sem.release()
    assert sem.counter == 1


def test_semaphore_acquire_with_timeout() -> None:
    sem = Semaphore(0)
    victim = spawn(sem.acquire, timeout=5)
    sleep(0)
    stray_switch_into(victim, False)
    raised(victim)
    assert sem.balance == 0


def test_semaphore_served_then_strayed_passes_the_permit_on() -> None:
    sem = Semaphore(0)
    victim = spawn(sem.acquire)
    other = spawn(sem.acquire)
    sleep(0)

    def release_then_stray() -> None:
        sem.release()  # handed to the victim ...
        victim.switch()  # ... which a stray switch reaches first

    hubs.get_hub().schedule_call_global(0, release_then_stray)
    raised(victim)
    assert other.wait() is True
    assert sem.counter == 0


def test_capped_semaphore_acquire_and_release() -> None:
    sem = CappedSemaphore(0, 1)
    acquirer = spawn(sem.acquire)
    sleep(0)
    stray_switch_into(acquirer, True)
    assert "CappedSemaphore.acquire()" in str(raised(acquirer))
    sem.release()
    assert sem.counter == 1
    releaser = spawn(sem.release)
    sleep(0)
    stray_switch_into(releaser, True)
    assert "CappedSemaphore.release()" in str(raised(releaser))
    assert sem.bounded() and sem.counter == 1
    assert sem.acquire(blocking=False) is True and sem.counter == 0


def test_stray_switch_from_a_plain_greenlet_is_reported_too() -> None:
    q: Queue[int] = Queue()
    victim = spawn(q.get)
    sleep(0)
    # A greenlet of foreign code, started from a hub callback, that switches in.
    foreign = greenlet(lambda: victim.switch(7), hubs.get_hub().greenlet)
    hubs.get_hub().schedule_call_global(0, foreign.switch)
    exc = raised(victim)
    assert "the value 7" in str(exc)
    q.put(8)
    assert q.get() == 8
