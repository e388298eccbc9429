from __future__ import annotations

import pytest

from eventlet.coros import metaphore
from eventlet.greenthread import kill, sleep, spawn, spawn_n


def test_metaphore_doc_example(capsys: pytest.CaptureFixture[str]) -> None:
    count = metaphore()
    count.wait()  # the counter is 0: returns at once

    def decrementer(count: metaphore, id: str) -> None:
        print(f"{id} decrementing")
        count.dec()

    spawn_n(decrementer, count, "A")
    spawn_n(decrementer, count, "B")
    count.inc(2)
    count.wait()
    assert capsys.readouterr().out == "A decrementing\nB decrementing\n"
    assert count.counter == 0


def test_wait_blocks_until_the_counter_is_back_to_zero() -> None:
    count = metaphore()
    count.inc()
    count.inc(2)
    woke: list[int] = []

    def waiter() -> None:
        count.wait()
        woke.append(count.counter)

    waiters = [spawn(waiter) for _ in range(2)]
    sleep(0)
    count.dec(2)
    sleep(0)
    assert woke == []
    count.dec()
    for thread in waiters:
        thread.wait()
    assert woke == [0, 0]


def test_counter_does_not_go_below_zero() -> None:
    count = metaphore()
    count.dec(5)
    assert count.counter == 0
    count.inc()
    assert count.counter == 1
    count.dec()
    count.wait()


def test_a_killed_waiter_does_not_disturb_the_others() -> None:
    count = metaphore()
    count.inc()
    victim = spawn(count.wait)
    survivor = spawn(count.wait)
    sleep(0)
    kill(victim)
    count.dec()
    assert survivor.wait() is None


@pytest.mark.parametrize("method", ["inc", "dec"])
def test_bad_steps_are_refused(method: str) -> None:
    count = metaphore()
    with pytest.raises(ValueError, match="by must be >= 0, not -1"):
        getattr(count, method)(-1)
    with pytest.raises(TypeError, match="by must be an int"):
        getattr(count, method)(1.5)
