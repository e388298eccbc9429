from __future__ import annotations

import random

import pytest
from greenlet import GreenletExit

from eventlet.event import Event
from eventlet.greenthread import kill, sleep, spawn
from eventlet.semaphore import BoundedSemaphore, CappedSemaphore, Semaphore
from eventlet.timeout import Timeout


def test_counter_balance_and_locked() -> None:
    sem = Semaphore(2)
    assert sem.counter == 2 and sem.balance == 2 and not sem.locked()
    assert sem.bounded() is False
    assert sem.acquire() is True
    assert sem.acquire() is True
    assert sem.locked() and sem.balance == 0
    assert sem.release() is True
    assert sem.counter == 1


def test_default_value_is_one() -> None:
    sem = Semaphore()
    assert sem.acquire(blocking=False)
    assert not sem.acquire(blocking=False)


@pytest.mark.parametrize("value", [-1, -10])
def test_negative_value_is_refused(value: int) -> None:
    with pytest.raises(ValueError, match=str(value)):
        Semaphore(value)
    with pytest.raises(ValueError, match=str(value)):
        BoundedSemaphore(value)


@pytest.mark.parametrize("value", ["1", None, True, b"2", [1]])
def test_non_number_value_is_refused(value: object) -> None:
    with pytest.raises(TypeError, match="Semaphore value must be a number"):
        Semaphore(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_value_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="Semaphore value must be a finite number"):
        Semaphore(value)


@pytest.mark.parametrize(("value", "counter"), [(1.5, 1), (2.0, 2), (0.9, 0)])
def test_float_values_are_truncated_as_upstream_does(value: float, counter: int) -> None:
    assert Semaphore(value).counter == counter
    assert BoundedSemaphore(value).counter == counter
    assert CappedSemaphore(value, 3.7).counter == counter


def test_non_blocking_acquire() -> None:
    sem = Semaphore(0)
    assert sem.acquire(blocking=False) is False
    assert sem.acquire(False) is False
    assert sem.balance == 0


def test_timeout_arguments_are_checked() -> None:
    sem = Semaphore(0)
    with pytest.raises(ValueError, match="non-blocking"):
        sem.acquire(blocking=False, timeout=1)
    with pytest.raises(ValueError, match="positive"):
        sem.acquire(timeout=-2)
    with pytest.raises(ValueError, match="NaN"):
        sem.acquire(timeout=float("nan"))
    with pytest.raises(TypeError, match="timeout must be a number"):
        sem.acquire(timeout="1")  # type: ignore[arg-type]


def test_timeout_zero_tries_once() -> None:
    sem = Semaphore(0)
    assert sem.acquire(timeout=0) is False
    sem.release()
    assert sem.acquire(timeout=0) is True


def test_acquire_times_out_and_leaves_no_waiter() -> None:
    sem = Semaphore(0)
    assert sem.acquire(timeout=0.01) is False
    assert sem.balance == 0
    sem.release()
    assert sem.counter == 1  # the permit was not handed to a departed waiter


def test_timeout_minus_one_means_no_limit() -> None:
    sem = Semaphore(0)
    got = []
    thread = spawn(lambda: got.append(sem.acquire(timeout=-1)))
    sleep(0)
    assert sem.balance == -1
    sem.release()
    thread.wait()
    assert got == [True]


def test_acquire_with_timeout_that_succeeds_leaves_nothing_behind() -> None:
    sem = Semaphore(0)
    later = Event()
    outcome = []

    def waiter() -> None:
        outcome.append(sem.acquire(timeout=0.02))
        # If the timer were still armed, it would wake this wait with a stray value.
        outcome.append(later.wait())

    thread = spawn(waiter)
    sleep(0)
    sem.release()
    sleep(0.04)
    assert outcome == [True]
    later.send("sent")
    thread.wait()
    assert outcome == [True, "sent"]


def test_waiters_are_woken_in_fifo_order() -> None:
    sem = Semaphore(0)
    order: list[int] = []

    def worker(n: int) -> None:
        sem.acquire()
        order.append(n)

    threads = [spawn(worker, n) for n in range(5)]
    sleep(0)
    assert sem.balance == -5
    for _ in range(5):
        sem.release()
    for thread in threads:
        thread.wait()
    assert order == [0, 1, 2, 3, 4]


def test_release_hands_the_permit_to_the_waiter_not_a_latecomer() -> None:
    sem = Semaphore(0)
    thread = spawn(sem.acquire)
    sleep(0)
    sem.release()
    # The permit belongs to the waiter, which has not run yet.
    assert sem.acquire(blocking=False) is False
    assert thread.wait() is True
    assert sem.counter == 0


def test_kill_while_waiting_leaves_no_stale_waiter() -> None:
    sem = Semaphore(0)
    got: list[str] = []
    first = spawn(lambda: got.append("first") if sem.acquire() else None)
    second = spawn(lambda: got.append("second") if sem.acquire() else None)
    sleep(0)
    assert sem.balance == -2
    kill(first)
    assert sem.balance == -1
    sem.release()
    second.wait()
    assert got == ["second"]
    assert sem.counter == 0 and sem.balance == 0


def test_kill_after_hand_off_passes_the_permit_on() -> None:
    sem = Semaphore(0)
    got: list[str] = []
    first = spawn(lambda: got.append("first") if sem.acquire() else None)
    second = spawn(lambda: got.append("second") if sem.acquire() else None)
    sleep(0)
    sem.release()  # handed to first, which has not resumed yet
    kill(first)
    second.wait()
    assert got == ["second"]
    assert sem.counter == 0


def test_kill_after_hand_off_with_no_other_waiter_restores_the_counter() -> None:
    sem = Semaphore(0)
    thread = spawn(sem.acquire)
    sleep(0)
    sem.release()
    kill(thread)
    assert sem.counter == 1 and sem.balance == 1


def test_outer_timeout_while_waiting() -> None:
    sem = Semaphore(0)
    with pytest.raises(Timeout):
        with Timeout(0.01):
            sem.acquire()
    assert sem.balance == 0
    sem.release()
    assert sem.counter == 1


def test_context_manager() -> None:
    sem = Semaphore(1)
    with sem as acquired:
        assert acquired is True
        assert sem.locked()
    assert not sem.locked()


def test_bounded_semaphore_refuses_over_release() -> None:
    sem = BoundedSemaphore(2)
    assert sem.bounded() is False
    with pytest.raises(ValueError, match="released too many times"):
        sem.release()
    sem.acquire()
    sem.release()
    with pytest.raises(ValueError, match="BoundedSemaphore"):
        sem.release()
    assert sem.counter == 2


def test_bounded_semaphore_hands_off_to_waiters() -> None:
    sem = BoundedSemaphore(1)
    sem.acquire()
    thread = spawn(sem.acquire)
    sleep(0)
    sem.release()
    assert thread.wait() is True
    sem.release()
    assert sem.counter == 1


def test_capped_semaphore_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="count"):
        CappedSemaphore(-1, 3)
    with pytest.raises(ValueError, match=r"count \(4\) must not exceed limit \(3\)"):
        CappedSemaphore(4, 3)
    with pytest.raises(TypeError, match="limit must be a number"):
        CappedSemaphore(1, None)  # type: ignore[arg-type]


def test_capped_semaphore_blocks_at_both_ends() -> None:
    sem = CappedSemaphore(1, 2)
    assert sem.counter == 1
    assert not sem.locked() and not sem.bounded()
    assert sem.release() is True
    assert sem.counter == 2 and sem.bounded()
    assert sem.release(blocking=False) is False

    released: list[bool] = []
    releaser = spawn(lambda: released.append(sem.release()))
    sleep(0)
    assert released == []
    assert sem.acquire() is True  # takes the blocked releaser's permit
    releaser.wait()
    assert released == [True] and sem.counter == 2

    sem.acquire()
    sem.acquire()
    assert sem.locked() and sem.acquire(blocking=False) is False
    acquirer = spawn(sem.acquire)
    sleep(0)
    sem.release()
    assert acquirer.wait() is True
    assert sem.counter == 0


def test_capped_semaphore_balance_is_upstreams() -> None:
    # Upstream Eventlet's measure: 2 * counter - limit, -2 per blocked acquirer and +2 per
    # blocked releaser.
    sem = CappedSemaphore(1, 2)
    assert sem.balance == 0
    sem.release()
    assert sem.balance == 2
    releaser = spawn(sem.release)
    sleep(0)
    assert sem.balance == 4
    kill(releaser)
    assert sem.balance == 2
    sem.acquire()
    sem.acquire()
    assert sem.balance == -2
    acquirer = spawn(sem.acquire)
    sleep(0)
    assert sem.balance == -4
    sem.release()
    acquirer.wait()
    assert sem.balance == -2


def test_capped_semaphore_context_manager_and_timeout() -> None:
    sem = CappedSemaphore(0, 1)
    assert sem.acquire(timeout=0.01) is False
    assert sem.balance == -1 and sem.counter == 0
    sem.release()
    with sem:
        assert sem.counter == 0
    assert sem.counter == 1


def test_capped_semaphore_kill_of_blocked_releaser() -> None:
    sem = CappedSemaphore(1, 1)
    releaser = spawn(sem.release)
    sleep(0)
    assert sem.bounded() is True and sem.counter == 1
    kill(releaser)
    assert sem.counter == 1
    assert sem.acquire(blocking=False) is True
    assert sem.counter == 0 and sem.release(blocking=False) is True


def test_capped_semaphore_acquirer_killed_after_being_handed_a_permit() -> None:
    sem = CappedSemaphore(0, 1)
    first = spawn(sem.acquire)
    second = spawn(sem.acquire)
    sleep(0)
    sem.release()  # handed to the first acquirer, which is killed before it resumes
    kill(first)
    assert second.wait() is True
    assert sem.counter == 0


@pytest.mark.parametrize("seed", range(3))
def test_random_kills_and_timeouts_lose_no_permit(seed: int) -> None:
    rnd = random.Random(seed)
    sem = Semaphore(2)
    holding = [0]

    def worker() -> None:
        for _ in range(20):
            if sem.acquire(timeout=rnd.choice([None, 0.001, 0])):
                try:
                    holding[0] += 1
                    assert holding[0] <= 2
                    sleep(rnd.choice([0, 0.0005]))
                finally:
                    holding[0] -= 1
                    sem.release()

    workers = [spawn(worker) for _ in range(6)]
    for _ in range(50):
        sleep(rnd.choice([0, 0.0005]))
        if rnd.random() < 0.2:
            kill(rnd.choice(workers))
    for thread in workers:
        try:
            thread.wait()
        except GreenletExit:
            pass
    assert sem.counter == 2 and sem.balance == 2
