from __future__ import annotations

import queue as stdlib_queue
import random
from typing import Any

import pytest
from greenlet import GreenletExit

from eventlet.event import Event
from eventlet.greenthread import kill, sleep, spawn
from eventlet.hubs import get_hub
from eventlet.queue import Empty, Full, LifoQueue, LightQueue, PriorityQueue, Queue
from eventlet.timeout import Timeout

ALL_QUEUES = [LightQueue, Queue, PriorityQueue, LifoQueue]


def test_empty_and_full_are_the_stdlib_exceptions() -> None:
    assert Empty is stdlib_queue.Empty
    assert Full is stdlib_queue.Full
    with pytest.raises(stdlib_queue.Empty):
        Queue().get_nowait()


@pytest.mark.parametrize("cls", ALL_QUEUES)
def test_put_get_and_state(cls: type[LightQueue]) -> None:
    q = cls(2)
    assert q.maxsize == 2 and q.qsize() == 0 and q.empty() and not q.full()
    q.put(1)
    q.put_nowait(2)
    assert q.qsize() == 2 and q.full() and not q.empty()
    with pytest.raises(Full):
        q.put_nowait(3)
    with pytest.raises(Full):
        q.put(3, block=False)
    assert sorted([q.get(), q.get_nowait()]) == [1, 2]
    with pytest.raises(Empty):
        q.get_nowait()
    with pytest.raises(Empty):
        q.get(block=False, timeout=-1)  # the timeout is ignored when not blocking


@pytest.mark.parametrize("maxsize", [None, -1, -100])
def test_unbounded(maxsize: int | None) -> None:
    q = LightQueue(maxsize)
    assert q.maxsize is None
    for i in range(1000):
        q.put_nowait(i)
    assert not q.full() and q.qsize() == 1000


@pytest.mark.parametrize("maxsize", ["3", 1.0, True, object()])
def test_bad_maxsize_type(maxsize: Any) -> None:
    with pytest.raises(TypeError, match="maxsize must be an int or None"):
        Queue(maxsize)
    with pytest.raises(TypeError, match="maxsize"):
        Queue().resize(maxsize)


def test_bad_timeouts() -> None:
    q = Queue()
    with pytest.raises(ValueError, match="non-negative"):
        q.get(timeout=-1)
    with pytest.raises(ValueError, match="non-negative"):
        q.get(timeout=float("nan"))
    with pytest.raises(TypeError, match="timeout must be a number"):
        q.get(timeout="1")  # type: ignore[arg-type]
    full = Queue(0)
    with pytest.raises(ValueError, match="non-negative"):
        full.put(1, timeout=-0.5)


def test_timeouts_raise_empty_and_full() -> None:
    q = Queue(1)
    with pytest.raises(Empty):
        q.get(timeout=0.01)
    with pytest.raises(Empty):
        q.get(timeout=0)
    q.put(1)
    with pytest.raises(Full):
        q.put(2, timeout=0.01)
    with pytest.raises(Full):
        q.put(2, timeout=0)
    assert q.getting() == 0 and q.putting() == 0
    assert q.get() == 1 and q.empty()


def test_get_with_timeout_that_succeeds_leaves_nothing_behind() -> None:
    q = Queue()
    later = Event()
    outcome: list[Any] = []
    timers_before = get_hub().get_timers_count()

    def getter() -> None:
        outcome.append(q.get(timeout=0.02))
        # A timer left armed would wake this wait with a stray value or raise Empty here.
        outcome.append(later.wait())

    thread = spawn(getter)
    sleep(0)
    q.put("item")
    sleep(0.04)
    assert outcome == ["item"]
    assert get_hub().get_timers_count() == timers_before
    later.send("sent")
    thread.wait()
    assert outcome == ["item", "sent"]


def test_put_with_timeout_that_succeeds_leaves_nothing_behind() -> None:
    q = Queue(1)
    q.put(0)
    later = Event()
    outcome: list[Any] = []

    def putter() -> None:
        q.put(1, timeout=0.02)
        outcome.append("put")
        outcome.append(later.wait())

    thread = spawn(putter)
    sleep(0)
    assert q.get() == 0
    sleep(0.04)
    assert outcome == ["put"]
    later.send("sent")
    thread.wait()
    assert outcome == ["put", "sent"]
    assert q.get_nowait() == 1


def test_getters_are_served_in_fifo_order() -> None:
    q = Queue()
    got: list[tuple[int, int]] = []
    threads = [spawn(lambda n=n: got.append((n, q.get()))) for n in range(5)]
    sleep(0)
    assert q.getting() == 5
    for item in range(5):
        q.put(item)
    for thread in threads:
        thread.wait()
    assert got == [(n, n) for n in range(5)]


def test_putters_are_admitted_in_fifo_order() -> None:
    q = Queue(1)
    q.put(-1)
    threads = [spawn(q.put, n) for n in range(4)]
    sleep(0)
    assert q.putting() == 4
    assert [q.get() for _ in range(5)] == [-1, 0, 1, 2, 3]
    for thread in threads:
        thread.wait()
    assert q.putting() == 0


def test_put_hands_the_item_straight_to_a_waiting_getter() -> None:
    q = Queue()
    thread = spawn(q.get)
    sleep(0)
    q.put("x")
    # The item is the waiter's: it does not sit in the queue for a latecomer to take.
    assert q.qsize() == 0 and q.getting() == 0
    with pytest.raises(Empty):
        q.get_nowait()
    assert thread.wait() == "x"


def test_kill_of_waiting_getter_leaves_no_stale_waiter() -> None:
    q = Queue()
    first = spawn(q.get)
    second = spawn(q.get)
    sleep(0)
    kill(first)
    assert q.getting() == 1
    q.put("x")
    assert second.wait() == "x"
    assert q.getting() == 0 and q.qsize() == 0


def test_kill_of_getter_after_hand_off_does_not_lose_the_item() -> None:
    q = Queue()
    first = spawn(q.get)
    second = spawn(q.get)
    sleep(0)
    q.put("x")  # handed to first, which has not resumed yet
    kill(first)
    assert second.wait() == "x"
    assert q.qsize() == 0


def test_kill_of_getter_after_hand_off_puts_the_item_back_in_front() -> None:
    q = Queue()
    thread = spawn(q.get)
    sleep(0)
    q.put("x")
    q.put("y")
    kill(thread)
    assert [q.get_nowait(), q.get_nowait()] == ["x", "y"]


def test_kill_of_waiting_putter_withdraws_its_item() -> None:
    q = Queue(1)
    q.put("a")
    first = spawn(q.put, "b")
    second = spawn(q.put, "c")
    sleep(0)
    kill(first)
    assert q.putting() == 1
    assert q.get() == "a"
    second.wait()
    assert q.get_nowait() == "c"
    assert q.empty() and q.unfinished_tasks == 2


def test_outer_timeout_while_getting() -> None:
    q = Queue()
    with pytest.raises(Timeout):
        with Timeout(0.01):
            q.get()
    assert q.getting() == 0
    q.put(1)
    assert q.qsize() == 1


def test_put_from_a_hub_callback_wakes_a_getter() -> None:
    q = LightQueue()
    get_hub().schedule_call_global(0, q.put, "from the hub")
    assert q.get() == "from the hub"


def test_channel_put_blocks_until_a_get() -> None:
    q = Queue(0)
    assert q.empty() and q.full()
    steps: list[str] = []

    def putter() -> None:
        q.put("x")
        steps.append("put returned")

    thread = spawn(putter)
    sleep(0)
    sleep(0)
    assert steps == [] and q.putting() == 1 and q.qsize() == 0
    assert q.get() == "x"
    thread.wait()
    assert steps == ["put returned"]
    assert q.empty() and q.full()


def test_channel_put_to_waiting_getter_and_timeouts() -> None:
    q = LightQueue(0)
    with pytest.raises(Full):
        q.put_nowait(1)
    with pytest.raises(Full):
        q.put(1, timeout=0.01)
    with pytest.raises(Empty):
        q.get(timeout=0.01)
    getter = spawn(q.get)
    sleep(0)
    q.put_nowait("handed")  # a getter waits, so this does not block
    assert getter.wait() == "handed"
    assert q.getting() == 0 and q.putting() == 0


def test_channel_get_nowait_takes_from_a_blocked_putter() -> None:
    q = LightQueue(0)
    putter = spawn(q.put, "p")
    sleep(0)
    assert q.get_nowait() == "p"
    putter.wait()


def test_lifo_order() -> None:
    q = LifoQueue()
    for i in range(5):
        q.put(i)
    assert [q.get() for _ in range(5)] == [4, 3, 2, 1, 0]


def test_priority_order() -> None:
    q = PriorityQueue()
    for item in [(3, "c"), (1, "a"), (4, "d"), (2, "b")]:
        q.put(item)
    assert [q.get()[1] for _ in range(4)] == ["a", "b", "c", "d"]


def test_priority_queue_item_put_back_keeps_its_priority() -> None:
    q = PriorityQueue()
    thread = spawn(q.get)
    sleep(0)
    q.put(5)
    q.put(9)
    q.put(1)
    kill(thread)  # 5 comes back into the heap
    assert [q.get() for _ in range(3)] == [1, 5, 9]


def test_task_done_and_join() -> None:
    q = Queue()
    processed: list[int] = []

    def worker() -> None:
        while True:
            item = q.get()
            sleep(0)
            processed.append(item)
            q.task_done()

    for i in range(5):
        q.put(i)
    assert q.unfinished_tasks == 5
    workers = [spawn(worker) for _ in range(2)]
    q.join()
    assert sorted(processed) == [0, 1, 2, 3, 4]
    assert q.unfinished_tasks == 0
    q.join()  # nothing left: returns at once
    for thread in workers:
        kill(thread)


def test_task_done_too_many_times() -> None:
    q = Queue()
    with pytest.raises(ValueError, match=r"task_done\(\) called too many times"):
        q.task_done()
    q.put(1)
    q.get()
    q.task_done()
    with pytest.raises(ValueError, match="too many times"):
        q.task_done()


def test_join_counts_items_handed_straight_to_getters() -> None:
    q = Queue()
    got = spawn(q.get)
    sleep(0)
    q.put("x")
    assert q.unfinished_tasks == 1
    joined: list[bool] = []

    def joiner_body() -> None:
        q.join()
        joined.append(True)

    joiner = spawn(joiner_body)
    assert got.wait() == "x"
    sleep(0)
    assert joined == []
    q.task_done()
    joiner.wait()
    assert joined == [True]


def test_resize_wakes_putters_when_growing() -> None:
    q = Queue(1)
    q.put(0)
    putters = [spawn(q.put, n) for n in (1, 2, 3)]
    sleep(0)
    assert q.putting() == 3
    q.resize(3)
    assert q.maxsize == 3 and q.putting() == 1 and q.qsize() == 3
    q.resize(None)
    assert q.maxsize is None and q.putting() == 0
    for thread in putters:
        thread.wait()
    assert [q.get() for _ in range(4)] == [0, 1, 2, 3]


def test_resize_shrinking_keeps_items() -> None:
    q = Queue(5)
    for i in range(4):
        q.put(i)
    q.resize(2)
    assert q.qsize() == 4 and q.full()
    with pytest.raises(Full):
        q.put_nowait(9)
    q.get()
    q.get()
    q.get()
    q.put_nowait(9)
    assert q.full()


def test_ping_pong_between_two_green_threads() -> None:
    requests, replies = Queue(), Queue()

    def ponger() -> None:
        for _ in range(100):
            replies.put(requests.get() * 2)

    thread = spawn(ponger)
    for i in range(100):
        requests.put(i)
        assert replies.get() == i * 2
    thread.wait()
    assert requests.getting() == replies.getting() == 0


def test_queue_classes_are_generic_in_annotations() -> None:
    alias = Queue[int]
    assert alias.__origin__ is Queue and alias.__args__ == (int,)


@pytest.mark.parametrize("maxsize", [None, 0, 1, 3])
@pytest.mark.parametrize("cls", [Queue, LifoQueue, PriorityQueue])
def test_random_kills_and_timeouts_lose_and_duplicate_nothing(
    cls: type[Queue], maxsize: int | None
) -> None:
    rnd = random.Random(f"{cls.__name__}-{maxsize}")
    q = cls(maxsize)
    attempted: set[int] = set()
    put_returned: set[int] = set()
    delivered: list[int] = []

    def producer(base: int) -> None:
        for n in range(20):
            item = base * 1000 + n
            attempted.add(item)
            try:
                choice = rnd.random()
                if choice < 0.3:
                    q.put(item, timeout=rnd.choice([0, 0.001, 0.002]))
                elif choice < 0.4:
                    q.put_nowait(item)
                else:
                    q.put(item)
                put_returned.add(item)
            except Full:
                pass
            if rnd.random() < 0.5:
                sleep(0)

    def consumer() -> None:
        while True:
            try:
                choice = rnd.random()
                if choice < 0.3:
                    delivered.append(q.get(timeout=rnd.choice([0, 0.001, 0.003])))
                elif choice < 0.4:
                    delivered.append(q.get_nowait())
                else:
                    delivered.append(q.get())
            except Empty:
                pass
            if rnd.random() < 0.5:
                sleep(0)

    producers = [spawn(producer, base) for base in range(5)]
    consumers = [spawn(consumer) for _ in range(4)]
    for _ in range(100):
        sleep(rnd.choice([0, 0, 0, 0.0005]))
        if rnd.random() < 0.1:
            victim = rnd.choice(producers + consumers)
            kill(victim)
            if victim in consumers:
                consumers.remove(victim)
                consumers.append(spawn(consumer))
    for thread in producers:
        try:
            thread.wait()
        except GreenletExit:
            pass
    while q.putting() or q.getting() < len(consumers):
        sleep(0.001)  # the consumers drain the queue, then all block in get()
    for thread in consumers:
        kill(thread)

    remaining = []
    while q.qsize():
        remaining.append(q.get_nowait())
    out = delivered + remaining
    assert len(out) == len(set(out)), "an item came out twice"
    assert set(out) <= attempted
    assert put_returned <= set(out), "an item whose put() returned was lost"
    assert q.getting() == 0 and q.putting() == 0
    assert q.unfinished_tasks == len(out)
