from __future__ import annotations

from typing import Any

import pytest

from eventlet.greenthread import kill, sleep, spawn
from eventlet.pools import Pool, Token, TokenPool


class Counter:
    """A create() function that numbers the items it makes."""

    def __init__(self) -> None:
        self.made = 0

    def __call__(self) -> int:
        self.made += 1
        return self.made


def test_create_is_called_lazily() -> None:
    create = Counter()
    pool = Pool(max_size=2, create=create)
    assert create.made == 0 and pool.current_size == 0 and pool.free() == 2
    first = pool.get()
    assert first == 1 and create.made == 1
    pool.put(first)
    assert pool.get() == 1 and create.made == 1  # reused, not created again
    assert pool.get() == 2 and create.made == 2
    assert pool.current_size == 2 and pool.free() == 0


def test_min_size_creates_items_at_once() -> None:
    create = Counter()
    pool = Pool(min_size=3, max_size=5, create=create)
    assert create.made == 3 and pool.current_size == 3 and pool.free() == 5
    assert list(pool.free_items) == [1, 2, 3]


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match=r"min_size \(3\) must not exceed max_size \(2\)"):
        Pool(min_size=3, max_size=2, create=object)
    with pytest.raises(ValueError, match="max_size must be >= 0, not -1"):
        Pool(max_size=-1, create=object)
    with pytest.raises(ValueError, match="min_size must be >= 0"):
        Pool(min_size=-1, create=object)
    with pytest.raises(TypeError, match="max_size must be a number"):
        Pool(max_size="4", create=object)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="create must be callable"):
        Pool(create=42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="new_size must be >= 0"):
        Pool(create=object).resize(-2)


def test_plain_pool_without_create_says_so() -> None:
    with pytest.raises(NotImplementedError, match="create="):
        Pool().get()


def test_subclass_overrides_create() -> None:
    class Things(Pool):
        def create(self) -> Any:
            return ["thing"]

    assert Things().get() == ["thing"]


def test_item_context_manager() -> None:
    pool = TokenPool(max_size=4)
    with pool.item() as token:
        assert isinstance(token, Token)
        assert pool.free() == 3
    assert pool.free() == 4
    with pytest.raises(KeyError):
        with pool.item():
            raise KeyError("x")
    assert pool.free() == 4


def test_tokens_are_unique() -> None:
    pool = TokenPool(max_size=3)
    tokens = {pool.get() for _ in range(3)}
    assert len(tokens) == 3


def test_order_as_stack() -> None:
    fifo = Pool(min_size=3, max_size=3, create=Counter())
    stack = Pool(min_size=3, max_size=3, create=Counter(), order_as_stack=True)
    for pool in (fifo, stack):
        items = [pool.get() for _ in range(3)]
        for item in sorted(items):  # returned in the order 1, 2, 3
            pool.put(item)
    assert [fifo.get() for _ in range(3)] == [1, 2, 3]
    assert [stack.get() for _ in range(3)] == [3, 2, 1]


def test_get_blocks_until_put_and_waiters_are_fifo() -> None:
    pool = Pool(max_size=1, create=Counter())
    item = pool.get()
    got: list[tuple[str, Any]] = []
    first = spawn(lambda: got.append(("first", pool.get())))
    second = spawn(lambda: got.append(("second", pool.get())))
    sleep(0)
    assert pool.waiting() == 2 and pool.free() == 0
    pool.put(item)
    first.wait()
    assert got == [("first", 1)]
    pool.put(got[0][1])
    second.wait()
    assert got == [("first", 1), ("second", 1)]
    assert pool.waiting() == 0 and pool.current_size == 1


def test_put_of_an_extra_item_goes_to_a_waiter() -> None:
    pool = Pool(max_size=1, create=Counter())
    pool.get()
    waiter = spawn(pool.get)
    sleep(0)
    pool.put("extra")
    assert waiter.wait() == "extra"


def test_kill_while_waiting_in_get() -> None:
    pool = Pool(max_size=1, create=Counter())
    item = pool.get()
    first = spawn(pool.get)
    second = spawn(pool.get)
    sleep(0)
    kill(first)
    assert pool.waiting() == 1
    pool.put(item)
    assert second.wait() == item
    assert pool.waiting() == 0


def test_kill_after_hand_off_keeps_the_item() -> None:
    pool = Pool(max_size=1, create=Counter())
    item = pool.get()
    waiter = spawn(pool.get)
    sleep(0)
    pool.put(item)  # handed to the waiter, which has not resumed yet
    kill(waiter)
    assert pool.free() == 1
    assert pool.get() == item


def test_failing_create_gives_the_slot_back() -> None:
    calls: list[int] = []

    def create() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("cannot connect")
        return len(calls)

    pool = Pool(max_size=1, create=create)
    with pytest.raises(OSError):
        pool.get()
    assert pool.current_size == 0 and pool.free() == 1
    assert pool.get() == 2


def test_failing_create_lets_a_waiter_try() -> None:
    outcomes = iter([None, OSError("down")])

    def create() -> str:
        error = next(outcomes, None)
        if error is not None:
            raise error
        return "conn"

    pool = Pool(max_size=1, create=create)
    held = pool.get()
    waiter = spawn(pool.get)
    sleep(0)
    pool.resize(2)  # the waiter may now create an item, and that create fails
    with pytest.raises(OSError):
        waiter.wait()
    assert pool.current_size == 1 and pool.waiting() == 0
    assert held == "conn"


def test_resize_grow_lets_waiters_create() -> None:
    create = Counter()
    pool = Pool(max_size=1, create=create)
    pool.get()
    waiters = [spawn(pool.get) for _ in range(3)]
    sleep(0)
    assert pool.waiting() == 3
    pool.resize(3)
    assert pool.max_size == 3
    assert [waiters[0].wait(), waiters[1].wait()] == [2, 3]
    assert pool.waiting() == 1
    pool.put(1)
    assert waiters[2].wait() == 1


def test_resize_shrink_drops_returned_items() -> None:
    pool = Pool(max_size=3, create=Counter())
    items = [pool.get() for _ in range(3)]
    pool.resize(1)
    assert pool.free() == -2
    pool.put(items[0])
    pool.put(items[1])
    assert pool.current_size == 1 and pool.free() == 0
    pool.put(items[2])
    assert pool.free() == 1 and pool.get() == 3
