"""eventlet.green.queue (and its Python 2 name, eventlet.green.Queue): green stdlib queues.

A get on an empty queue or a put on a full one must suspend only the calling green thread:
the tests show it by another green thread making progress (or doing the put/get that
unblocks it) meanwhile, all in the test's one OS thread. Every test is guarded by a Timeout
so that a bug fails instead of hanging.
"""

from __future__ import annotations

import queue as stdlib_queue
import sys

import pytest

from eventlet.green import Queue as py2_queue
from eventlet.green import queue, threading
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it


@pytest.fixture(autouse=True)
def guard(fresh_hub):
    """Fail a test that hangs, instead of hanging the run."""
    with Timeout(GUARD):
        yield


def start(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args)
    thread.start()
    return thread


# -- the module ------------------------------------------------------------------------------


def test_all_is_the_stdlib_all():
    assert queue.__all__ == stdlib_queue.__all__
    for name in queue.__all__:
        assert hasattr(queue, name), name


def test_patched_names_exist_in_both_modules():
    for name in queue.__patched__:
        assert hasattr(stdlib_queue, name), name
        assert getattr(queue, name) is not getattr(stdlib_queue, name), name


def test_exceptions_are_the_stdlib_ones():
    assert queue.Empty is stdlib_queue.Empty
    assert queue.Full is stdlib_queue.Full
    if hasattr(stdlib_queue, "ShutDown"):
        assert queue.ShutDown is stdlib_queue.ShutDown
    with pytest.raises(stdlib_queue.Full):
        q = queue.Queue(1)
        q.put(1)
        q.put_nowait(2)


def test_the_python2_name_is_the_same_module_contents():
    assert py2_queue.__all__ == queue.__all__
    assert py2_queue.__patched__ == queue.__patched__
    for name in queue.__all__:
        assert getattr(py2_queue, name) is getattr(queue, name), name


def test_the_real_queue_module_is_untouched():
    assert sys.modules["queue"] is stdlib_queue
    assert stdlib_queue.Queue is not queue.Queue
    assert type(stdlib_queue.Queue().mutex) is not type(queue.Queue().mutex)


# -- blocking waits only the calling green thread -----------------------------------------------


def test_get_on_an_empty_queue_waits_for_a_put():
    q = queue.Queue()
    got = []
    consumer = start(lambda: got.append(q.get()))
    sleep(0.01)
    assert got == [] and consumer.is_alive()  # waiting, while this green thread runs on
    q.put("item")
    consumer.join()
    assert got == ["item"]


def test_put_on_a_full_queue_waits_for_a_get():
    q = queue.Queue(maxsize=2)
    log = []

    def producer():
        for i in range(4):
            q.put(i)
            log.append(f"put {i}")

    thread = start(producer)
    sleep(0.01)
    assert log == ["put 0", "put 1"] and q.full()
    assert q.get() == 0
    sleep(0)
    assert log == ["put 0", "put 1", "put 2"]
    assert [q.get(), q.get(), q.get()] == [1, 2, 3]
    thread.join()
    assert log[-1] == "put 3"


def test_timeouts_and_nowait():
    q = queue.Queue(maxsize=1)
    ticks = []
    spawn(lambda: [ticks.append(sleep(0.005)) for _ in range(3)])
    with pytest.raises(queue.Empty):
        q.get(timeout=0.03)
    assert ticks  # another green thread ran during the wait
    with pytest.raises(queue.Empty):
        q.get_nowait()
    with pytest.raises(queue.Empty):
        q.get(block=False)
    q.put("x")
    with pytest.raises(queue.Full):
        q.put("y", timeout=0.01)
    with pytest.raises(queue.Full):
        q.put_nowait("y")
    with pytest.raises(ValueError, match="non-negative"):
        q.get(timeout=-1)


def test_maxsize_zero_is_unbounded_as_in_the_stdlib():
    q = queue.Queue(0)
    for i in range(100):
        q.put_nowait(i)
    assert q.qsize() == 100 and not q.full()


def test_producers_and_consumers():
    q = queue.Queue(maxsize=3)
    results = []

    def producer(base):
        for i in range(5):
            q.put(base + i)

    def consumer():
        while True:
            item = q.get()
            if item is None:
                return
            results.append(item)

    consumers = [start(consumer) for _ in range(3)]
    producers = [start(producer, base) for base in (0, 100, 200)]
    for thread in producers:
        thread.join()
    for _ in consumers:
        q.put(None)
    for thread in consumers:
        thread.join()
    assert sorted(results) == sorted(b + i for b in (0, 100, 200) for i in range(5))


# -- task_done and join ---------------------------------------------------------------------------


def test_join_waits_until_every_task_is_done():
    q = queue.Queue()
    done = []

    def worker():
        while True:
            item = q.get()
            sleep(0.001)
            done.append(item)
            q.task_done()

    start_worker = threading.Thread(target=worker, daemon=True)
    start_worker.start()
    for i in range(5):
        q.put(i)
    q.join()
    assert done == [0, 1, 2, 3, 4]
    assert q.unfinished_tasks == 0


def test_task_done_too_many_times():
    q = queue.Queue()
    q.put(1)
    q.get()
    q.task_done()
    with pytest.raises(ValueError, match="too many times"):
        q.task_done()


# -- the other queues ---------------------------------------------------------------------------


def test_lifo_and_priority_order():
    lifo = queue.LifoQueue()
    prio = queue.PriorityQueue()
    for item in (3, 1, 2):
        lifo.put(item)
        prio.put(item)
    assert [lifo.get() for _ in range(3)] == [2, 1, 3]
    assert [prio.get() for _ in range(3)] == [1, 2, 3]


def test_a_priority_queue_waiter_gets_the_item():
    prio = queue.PriorityQueue()
    got = []
    thread = start(lambda: got.append(prio.get(timeout=5)))
    sleep(0)
    prio.put((1, "one"))
    thread.join()
    assert got == [(1, "one")]


def test_simple_queue_is_green():
    q = queue.SimpleQueue()
    assert not isinstance(q, stdlib_queue.SimpleQueue)  # not the C one, which would block
    got = []
    consumer = start(lambda: got.extend([q.get(), q.get()]))
    sleep(0.01)
    assert consumer.is_alive() and got == []
    q.put("a")
    q.put_nowait("b")
    consumer.join()
    assert got == ["a", "b"]
    assert q.empty() and q.qsize() == 0
    with pytest.raises(queue.Empty):
        q.get(timeout=0.01)
    with pytest.raises(queue.Empty):
        q.get_nowait()


@pytest.mark.skipif(not hasattr(stdlib_queue, "ShutDown"), reason="Queue.shutdown is Python 3.13+")
def test_shutdown_wakes_blocked_getters():
    q = queue.Queue()
    outcome = []

    def getter():
        try:
            q.get()
        except queue.ShutDown:
            outcome.append("shut down")

    thread = start(getter)
    sleep(0)
    q.shutdown()
    thread.join()
    assert outcome == ["shut down"]
    with pytest.raises(queue.ShutDown):
        q.put(1)
