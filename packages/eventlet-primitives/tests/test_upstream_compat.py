"""Behaviour that programs written for upstream Eventlet 0.41 rely on, through the public API.

Each test is written as an upstream user would write it. Run on every hub backend.
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from typing import Any

import pytest

from eventlet import hubs
from eventlet.event import Event
from eventlet.greenpool import GreenPile, GreenPool
from eventlet.greenthread import sleep, spawn
from eventlet.queue import Empty, LightQueue, Queue
from eventlet.semaphore import BoundedSemaphore, CappedSemaphore, Semaphore

BACKENDS = ["epolls", "poll", "selects"] + (["kqueue"] if hasattr(select, "kqueue") else [])


@pytest.fixture(autouse=True, params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    hubs.use_hub(request.param)
    yield request.param


# -- queues ----------------------------------------------------------------------------------


def test_channel_put_hands_over_to_a_waiting_getter_at_once() -> None:
    q: Queue[int] = Queue(0)
    log: list[Any] = []

    def getter() -> None:
        log.append(("got", q.get()))

    spawn(getter)
    sleep(0)
    q.put(1)
    log.append("put returned")
    assert log == [("got", 1), "put returned"]


def test_channel_put_without_a_getter_waits_for_one() -> None:
    q: LightQueue[str] = LightQueue(0)
    log: list[Any] = []

    def putter() -> None:
        q.put("x")
        log.append("put returned")

    thread = spawn(putter)
    sleep(0)
    assert log == [] and q.putting() == 1
    assert q.get() == "x"
    thread.wait()
    assert log == ["put returned"]


def test_get_nowait_wakes_a_blocked_putter_in_the_same_turn() -> None:
    q: Queue[int] = Queue(0)
    putter = spawn(q.put, 5)
    sleep(0)
    assert q.empty() and q.full()
    assert q.get_nowait() == 5
    sleep(0)  # one turn of the hub is enough for the putter to finish
    assert putter.dead
    assert q.empty() and q.getting() == 0 and q.putting() == 0


def test_get_nowait_on_a_full_queue_admits_a_blocked_putter() -> None:
    q: Queue[int] = Queue(1)
    q.put(1)
    putter = spawn(q.put, 2)
    sleep(0)
    assert q.get_nowait() == 1
    sleep(0)
    assert putter.dead and q.qsize() == 1 and q.get_nowait() == 2
    with pytest.raises(Empty):
        q.get_nowait()


# -- semaphores ------------------------------------------------------------------------------


def test_capped_semaphore_balance_as_upstream() -> None:
    sem = CappedSemaphore(2, limit=3)
    assert sem.acquire() is True
    assert sem.acquire() is True
    gt1 = spawn(sem.release)
    assert sem.acquire() is True
    assert sem.balance == -3
    sem.release()
    sem.release()
    sem.release()
    gt2 = spawn(sem.acquire)
    sem.release()
    assert sem.balance == 3
    gt1.wait()
    gt2.wait()


def test_capped_semaphore_with_zero_limit_does_not_deadlock() -> None:
    sem = CappedSemaphore(0, 0)
    gt = spawn(sem.acquire)
    sem.release()
    assert gt.wait() is True


def test_capped_semaphore_with_zero_limit_the_other_way_round() -> None:
    sem = CappedSemaphore(0, 0)
    gt = spawn(sem.release)
    sleep(0)
    assert sem.acquire() is True
    assert gt.wait() is True


@pytest.mark.parametrize("kind", [Semaphore, BoundedSemaphore])
def test_semaphore_accepts_a_float(kind: Any) -> None:
    sem = kind(2.0)
    assert sem.acquire() and sem.acquire()
    assert sem.acquire(blocking=False) is False
    with pytest.raises(TypeError, match="must be a number, not 'str'"):
        kind("2")


# -- pools -----------------------------------------------------------------------------------


def test_green_pool_accepts_a_float_size() -> None:
    pool = GreenPool(2.0)
    assert pool.free() == 2
    assert list(pool.imap(lambda x: x * 2, range(5))) == [0, 2, 4, 6, 8]
    with pytest.raises(TypeError, match="GreenPool size must be a number"):
        GreenPool("10")  # type: ignore[arg-type]


def test_green_pile_on_a_full_shared_pool_yields_every_result() -> None:
    pool = GreenPool(2)
    gate = Event()
    # Other spawners fill the pool.
    for _ in range(2):
        pool.spawn(gate.wait)
    pile: GreenPile[int] = GreenPile(pool)

    def fill_pile() -> None:
        for i in range(5):
            pile.spawn(lambda n: n * 10, i)  # each waits for a free slot

    filler = spawn(fill_pile)
    sleep(0)  # the filler is blocked in the full pool, one spawn counted already
    spawn(gate.send, None)
    # Iterated from another green thread than the spawning one: a spawn waiting for a
    # slot counts as pending, so the iteration waits for it instead of stopping early.
    assert list(pile) == [0, 10, 20, 30, 40]
    filler.wait()
    assert list(pile) == []


def test_green_pile_iterated_by_its_spawner_on_a_full_pool() -> None:
    pool = GreenPool(1)
    gate = Event()
    pool.spawn(gate.wait)
    pile: GreenPile[str] = GreenPile(pool)
    spawn(gate.send, None)
    for word in ("a", "b", "c"):
        pile.spawn(str.upper, word)
    assert list(pile) == ["A", "B", "C"]


def test_imap_with_none_yields_tuples() -> None:
    pool = GreenPool(4)
    assert list(pool.imap(None, [1, 2, 3], "abc")) == [(1, "a"), (2, "b"), (3, "c")]
    assert list(pool.imap(None, [1, 2])) == [(1,), (2,)]
    assert list(pool.imap(None, [1, 2, 3], [4])) == [(1, 4)]  # stops at the shortest


def test_waitall_from_inside_the_pool_raises_assertion_error() -> None:
    pool = GreenPool()
    gt = pool.spawn(pool.waitall)
    with pytest.raises(AssertionError):
        gt.wait()


def test_iterators_keep_next() -> None:
    pool = GreenPool(2)
    it = pool.imap(lambda x: x + 1, [1, 2])
    assert it.next() == 2
    assert it.next() == 3
    with pytest.raises(StopIteration):
        it.next()
    pile: GreenPile[int] = GreenPile(pool)
    pile.spawn(lambda: 7)
    assert pile.next() == 7
    with pytest.raises(StopIteration):
        pile.next()
    starred = pool.starmap(pow, [(2, 3)])
    assert starred.next() == 8
