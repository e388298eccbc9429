from __future__ import annotations

from typing import Any

import pytest

from eventlet.debug import hub_exceptions
from eventlet.event import Event
from eventlet.greenpool import GreenPile, GreenPool
from eventlet.greenthread import GreenThread, kill, sleep, spawn


@pytest.fixture
def quiet_hub() -> Any:
    """Functions that raise on purpose: keep the hub from printing their tracebacks."""
    hub_exceptions(False)
    yield
    hub_exceptions(True)


class Gauge:
    """Counts green threads inside a section, remembering the highest count seen."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    def work(self, result: Any = None, turns: int = 3) -> Any:
        self.now += 1
        self.peak = max(self.peak, self.now)
        for _ in range(turns):
            sleep(0)
        self.now -= 1
        return result


@pytest.mark.parametrize("size", [-1, -50])
def test_negative_size_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match=f"GreenPool size must be >= 0, not {size}"):
        GreenPool(size)
    with pytest.raises(ValueError, match="GreenPool size"):
        GreenPool().resize(size)
    with pytest.raises(ValueError, match="GreenPile size"):
        GreenPile(size)


@pytest.mark.parametrize("size", ["4", None, object()])
def test_non_number_size_is_refused(size: Any) -> None:
    with pytest.raises(TypeError, match="GreenPool size must be a number"):
        GreenPool(size)
    with pytest.raises(TypeError, match="GreenPile size must be a number"):
        GreenPile(size)


def test_float_sizes_are_truncated_as_upstream_does() -> None:
    pool = GreenPool(2.9)
    assert pool.size == 2 and pool.free() == 2
    pool.resize(4.0)
    assert pool.size == 4 and pool.free() == 4
    assert GreenPile(3.5).pool.size == 3


def test_non_callables_are_refused_at_the_call() -> None:
    pool = GreenPool()
    with pytest.raises(TypeError, match=r"spawn\(\) needs a callable, not 'int'"):
        pool.spawn(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"spawn_n\(\) needs a callable"):
        pool.spawn_n("f")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"imap\(\) needs a callable"):
        pool.imap(42, [1])  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"starmap\(\) needs a callable"):
        pool.starmap("f", [(1,)])  # type: ignore[arg-type]
    assert pool.running() == 0 and pool.free() == 1000


def test_spawn_returns_a_green_thread_with_the_result() -> None:
    pool = GreenPool(2)
    thread = pool.spawn(lambda a, b=0: a + b, 1, b=2)
    assert isinstance(thread, GreenThread)
    assert thread.wait() == 3
    pool.waitall()
    assert pool.running() == 0 and pool.free() == 2


def test_keyword_named_function_passes_through() -> None:
    pool = GreenPool()
    assert pool.spawn(lambda **kw: kw, function=1).wait() == {"function": 1}


def test_never_more_than_size_at_once() -> None:
    pool = GreenPool(3)
    gauge = Gauge()
    for _ in range(20):
        pool.spawn(gauge.work)
    pool.waitall()
    assert gauge.peak == 3
    gauge2 = Gauge()
    for _ in range(20):
        pool.spawn_n(gauge2.work)
    pool.waitall()
    assert gauge2.peak == 3


def test_counters_and_blocking_spawn() -> None:
    pool = GreenPool(2)
    release = Event()
    pool.spawn(release.wait)
    pool.spawn(release.wait)
    assert pool.running() == 2 and pool.free() == 0
    spawned: list[GreenThread] = []
    spawner = spawn(lambda: spawned.append(pool.spawn(release.wait)))
    sleep(0)
    assert pool.waiting() == 1 and spawned == []
    release.send("done")
    spawner.wait()
    assert spawned[0].wait() == "done"
    pool.waitall()
    assert pool.running() == 0 and pool.waiting() == 0 and pool.free() == 2


def test_kill_while_waiting_in_spawn() -> None:
    pool = GreenPool(1)
    release = Event()
    pool.spawn(release.wait)
    ran: list[str] = []
    first = spawn(pool.spawn, ran.append, "first")
    second = spawn(pool.spawn, ran.append, "second")
    sleep(0)
    assert pool.waiting() == 2
    kill(first)
    assert pool.waiting() == 1
    release.send(None)
    second.wait().wait()
    pool.waitall()
    assert ran == ["second"]
    assert pool.free() == 1 and pool.running() == 0


def test_spawn_from_inside_a_full_pool_runs_inline() -> None:
    pool = GreenPool(1)

    def outer() -> Any:
        inner = pool.spawn(lambda: "inner result")
        return inner.wait(), pool.running()

    assert pool.spawn(outer).wait() == ("inner result", 1)
    pool.waitall()
    assert pool.free() == 1


def test_spawn_n_from_inside_a_full_pool_runs_inline() -> None:
    pool = GreenPool(1)
    seen: list[str] = []

    def outer() -> None:
        pool.spawn_n(seen.append, "inner")
        seen.append("outer")

    pool.spawn_n(outer)
    pool.waitall()
    assert seen == ["inner", "outer"]


def test_inline_spawn_keeps_the_exception_in_the_thread(quiet_hub: Any) -> None:
    pool = GreenPool(1)

    def boom() -> None:
        raise KeyError("inner")

    def outer() -> str:
        inner = pool.spawn(boom)
        with pytest.raises(KeyError):
            inner.wait()
        return "outer went on"

    assert pool.spawn(outer).wait() == "outer went on"


def test_waitall_from_inside_the_pool_is_refused() -> None:
    pool = GreenPool()
    thread = pool.spawn(pool.waitall)
    with pytest.raises(
        AssertionError, match=r"waitall\(\) was called from a green thread of this pool"
    ):
        thread.wait()


def test_waitall_waits_for_spawn_n_threads_too() -> None:
    pool = GreenPool(4)
    done: list[int] = []

    def job(n: int) -> None:
        for _ in range(n):
            sleep(0)
        done.append(n)

    for n in range(6):
        pool.spawn_n(job, n)
    pool.waitall()
    assert sorted(done) == list(range(6))
    pool.waitall()  # idle pool: returns at once


def test_failing_spawn_n_releases_its_slot(quiet_hub: Any) -> None:
    pool = GreenPool(1)

    def boom() -> None:
        raise ValueError("boom")

    pool.spawn_n(boom)
    pool.waitall()
    assert pool.free() == 1 and pool.running() == 0


def test_killed_green_thread_releases_its_slot() -> None:
    pool = GreenPool(1)
    thread = pool.spawn(Event().wait)
    sleep(0)
    kill(thread)
    assert pool.free() == 1 and pool.running() == 0
    not_started = pool.spawn(lambda: None)
    kill(not_started)
    assert pool.free() == 1


def test_resize() -> None:
    pool = GreenPool(2)
    release = Event()
    pool.spawn(release.wait)
    pool.spawn(release.wait)
    pool.resize(1)
    assert pool.size == 1 and pool.free() == -1
    spawner = spawn(pool.spawn, lambda: "late")
    sleep(0)
    assert pool.waiting() == 1
    pool.resize(4)
    assert spawner.wait().wait() == "late"
    assert pool.waiting() == 0
    release.send(None)
    pool.waitall()
    assert pool.free() == 4


def test_resize_grow_lets_several_waiting_spawns_go() -> None:
    pool = GreenPool(0)
    spawners = [spawn(pool.spawn, lambda n=n: n) for n in range(3)]
    sleep(0)
    assert pool.waiting() == 3
    pool.resize(3)
    assert [s.wait().wait() for s in spawners] == [0, 1, 2]


def test_imap_keeps_input_order_despite_completion_order() -> None:
    pool = GreenPool(4)
    gates = [Event() for _ in range(4)]
    finished: list[int] = []

    def job(n: int) -> int:
        gates[n].wait()
        finished.append(n)
        return n * 10

    def open_in_reverse() -> None:
        for gate in reversed(gates):
            gate.send(None)
            sleep(0)  # let that job finish before the next gate opens

    results = pool.imap(job, range(4))
    opener = spawn(open_in_reverse)
    assert list(results) == [0, 10, 20, 30]
    opener.wait()
    assert finished == [3, 2, 1, 0]


def test_imap_limits_concurrency_and_reads_input_lazily() -> None:
    pool = GreenPool(3)
    gauge = Gauge()
    read: list[int] = []

    def inputs() -> Any:
        for n in range(50):
            read.append(n)
            yield n

    results = pool.imap(gauge.work, inputs())
    assert read == []  # nothing is read before the first result is asked for
    assert next(results) == 0
    assert len(read) <= 3  # no more calls in flight than the pool's size
    for expected, result in zip(range(1, 50), results, strict=True):
        assert result == expected
        assert len(read) - expected <= 3
    assert gauge.peak == 3


def test_imap_with_several_iterables_and_starmap() -> None:
    pool = GreenPool(2)
    assert list(pool.imap(pow, [2, 3, 4], [2, 2, 2, 99])) == [4, 9, 16]
    assert list(pool.starmap(pow, [(2, 3), (3, 2)])) == [8, 9]
    assert list(pool.imap(pow)) == []


def test_imap_raises_each_exception_at_its_position(quiet_hub: Any) -> None:
    pool = GreenPool(2)

    def job(n: int) -> int:
        if n == 2:
            raise ValueError("bad input 2")
        return n

    results = pool.imap(job, range(5))
    assert next(results) == 0
    assert next(results) == 1
    with pytest.raises(ValueError, match="bad input 2"):
        next(results)
    assert list(results) == [3, 4]


def test_imap_from_inside_a_full_pool_does_not_deadlock() -> None:
    pool = GreenPool(1)

    def outer() -> list[int]:
        return list(pool.imap(lambda n: n + 1, range(5)))

    assert pool.spawn(outer).wait() == [1, 2, 3, 4, 5]


def test_green_pile_standalone() -> None:
    pile = GreenPile(2)
    gauge = Gauge()
    for n in range(6):
        pile.spawn(gauge.work, n)
    assert list(pile) == list(range(6))
    assert gauge.peak == 2
    with pytest.raises(StopIteration):
        pile.next()


def test_green_pile_with_a_shared_pool() -> None:
    pool = GreenPool(3)
    gauge = Gauge()
    piles = [GreenPile(pool), GreenPile(pool)]
    for n in range(5):
        for pile in piles:
            pile.spawn(gauge.work, n)
    assert piles[0].pool is pool
    assert [list(pile) for pile in piles] == [list(range(5))] * 2
    assert gauge.peak <= 3


def test_green_pile_iteration_order_and_exceptions(quiet_hub: Any) -> None:
    pile = GreenPile()
    gates = [Event() for _ in range(3)]

    def job(n: int) -> int:
        gates[n].wait()
        if n == 1:
            raise KeyError(n)
        return n

    for n in range(3):
        pile.spawn(job, n)
    for gate in reversed(gates):
        gate.send(None)
    assert next(pile) == 0
    with pytest.raises(KeyError):
        next(pile)
    assert next(pile) == 2
    with pytest.raises(StopIteration):
        next(pile)


def test_empty_green_pile_stops_at_once() -> None:
    assert list(GreenPile()) == []
