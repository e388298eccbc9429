"""DAGPool, Collision and PropagateError, method by method, as the module reference states."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from eventlet import hubs
from eventlet.dagpool import Collision, DAGPool, PropagateError
from eventlet.event import Event
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout


@pytest.fixture(autouse=True)
def fresh_hub() -> Iterator[None]:
    hubs.use_hub()
    yield
    hub = hubs.get_hub()
    hubs.use_hub()
    hub.close()


def settle(turns: int = 5) -> None:
    """Let every green thread that can run, run (each turn hands control to the others)."""
    for _ in range(turns):
        sleep(0)


def collect(key: Any, results: Any) -> list[tuple[Any, Any]]:
    return list(results)


class Gate:
    """Green threads block on ``gate.wait(name)`` until the test opens that name."""

    def __init__(self) -> None:
        self.events: dict[Any, Event] = {}

    def wait(self, name: Any) -> Any:
        return self.events.setdefault(name, Event()).wait()

    def open(self, name: Any, value: Any = None) -> None:
        self.events.setdefault(name, Event()).send(value)


# -- construction, get, items, keys ---------------------------------------------------------


def test_preload_from_dict_and_pairs() -> None:
    assert DAGPool({"a": 1, "b": 2}).items() == (("a", 1), ("b", 2))
    pool = DAGPool([("x", 10), ("y", 20)])
    assert pool.keys() == ("x", "y")
    assert pool.get("x") == 10
    assert pool["y"] == 20


def test_empty_pool() -> None:
    pool = DAGPool()
    assert pool.keys() == () and pool.items() == ()
    assert pool.wait() == {} and pool.waitall() == {}
    assert pool.running() == 0 and pool.waiting() == 0 and pool.waiting_for() == {}


def test_bad_preload_names_the_problem() -> None:
    with pytest.raises(TypeError, match="preload"):
        DAGPool(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="preload"):
        DAGPool([1, 2])  # type: ignore[list-item]


def test_get_default_and_snapshot_keys_items() -> None:
    pool = DAGPool({"a": 1})
    assert pool.get("missing") is None
    assert pool.get("missing", "dflt") == "dflt"
    keys = pool.keys()
    pool.post("b", 2)
    assert keys == ("a",)  # a snapshot, not a live view
    assert pool.keys() == ("a", "b")
    assert dict(pool.items()) == {"a": 1, "b": 2}


def test_get_items_and_getitem_raise_a_propagate_error_value() -> None:
    error = PropagateError("bad", ValueError("boom"))
    pool = DAGPool({"ok": 1})
    pool.post("bad", error)
    with pytest.raises(PropagateError) as info:
        pool.get("bad")
    assert info.value is error
    with pytest.raises(PropagateError):
        pool["bad"]
    with pytest.raises(PropagateError):
        pool.items()
    assert pool.keys() == ("ok", "bad")


def test_getitem_blocks_until_posted() -> None:
    pool = DAGPool()
    got = []
    waiter = spawn(lambda: got.append(pool["k"]))
    settle()
    assert got == []
    pool.post("k", "v")
    waiter.wait()
    assert got == ["v"]


# -- spawn ----------------------------------------------------------------------------------


def test_spawn_receives_key_results_and_extra_arguments() -> None:
    seen = []

    def func(key: Any, results: Any, extra: Any, *, kw: Any) -> str:
        seen.append((key, list(results), extra, kw))
        return "done"

    pool = DAGPool({"a": 1})
    pool.spawn("me", ["a"], func, "x", kw="y")
    assert pool.wait(["me"]) == {"me": "done"}
    assert seen == [("me", [("a", 1)], "x", "y")]


def test_spawned_green_thread_is_entered_before_its_dependencies_exist() -> None:
    entered = Event()

    def func(key: Any, results: Any) -> int:
        entered.send(True)  # setup work, before asking for any value
        return sum(value for _, value in results)

    pool = DAGPool()
    pool.spawn("sum", ["a", "b"], func)
    assert entered.wait() is True
    assert pool.running() == 1 and pool.waiting() == 1
    pool.post("a", 1)
    pool.post("b", 2)
    assert pool["sum"] == 3


def test_results_come_in_chronological_order_not_dependency_order() -> None:
    pool = DAGPool()
    pool.spawn("c", ["a", "b", "z"], collect)
    settle()
    pool.post("z", 26)
    pool.post("b", 2)
    pool.post("a", 1)
    assert pool["c"] == [("z", 26), ("b", 2), ("a", 1)]


def test_results_already_available_come_in_posting_order() -> None:
    pool = DAGPool()
    for key in ("q", "a", "m"):
        pool.post(key, key.upper())
    pool.spawn("all", ["m", "a", "q"], collect)
    assert pool["all"] == [("q", "Q"), ("a", "A"), ("m", "M")]


def test_empty_depends_runs_at_once() -> None:
    pool = DAGPool()
    pool.spawn("solo", (), lambda key, results: (key, list(results)))
    assert pool.waitall() == {"solo": ("solo", [])}


def test_dependency_chain_across_green_threads() -> None:
    # a diamond: b and c need a; d needs b and c.
    def step(key: Any, results: Any) -> str:
        return key + "(" + ",".join(sorted(v for _, v in results)) + ")"

    pool = DAGPool()
    pool.spawn("d", ["b", "c"], step)
    pool.spawn("b", ["a"], step)
    pool.spawn("c", ["a"], step)
    pool.spawn("a", [], step)
    assert pool.waitall() == {
        "a": "a()",
        "b": "b(a())",
        "c": "c(a())",
        "d": "d(b(a()),c(a()))",
    }
    assert pool.running() == 0


def test_spawn_collision_with_spawned_or_posted_key() -> None:
    gate = Gate()
    pool = DAGPool({"pre": 0})
    pool.spawn("a", [], lambda key, results: gate.wait("a"))
    with pytest.raises(Collision) as info:
        pool.spawn("a", [], collect)
    assert str(info.value) == repr("a") and info.value.key == "a"
    with pytest.raises(Collision):
        pool.spawn("pre", [], collect)
    pool.post("p", 1)
    with pytest.raises(Collision):
        pool.spawn("p", [], collect)
    gate.open("a", 5)
    pool.wait(["a"])
    with pytest.raises(Collision):  # finished: it has a value now
        pool.spawn("a", [], collect)


def test_spawn_rejects_bad_arguments_at_the_call() -> None:
    pool = DAGPool()
    with pytest.raises(TypeError, match="callable"):
        pool.spawn("k", [], "not callable")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="iterable"):
        pool.spawn("k", 5, collect)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="string"):
        pool.spawn("k", "ab", collect)
    with pytest.raises(TypeError):
        pool.spawn(["unhashable"], [], collect)  # type: ignore[arg-type]
    assert pool.running() == 0


def test_spawn_many() -> None:
    def func(key: Any, results: Any, suffix: str) -> str:
        return "".join(v for _, v in sorted(results)) + key + suffix

    pool = DAGPool({"x": "X"})
    pool.spawn_many({"a": ["x"], "b": ["a"], "c": []}, func, "!")
    assert pool.waitall() == {"x": "X", "a": "Xa!", "b": "Xa!b!", "c": "c!"}


def test_spawn_many_collision_and_bad_argument() -> None:
    pool = DAGPool({"b": 1})
    with pytest.raises(Collision):
        pool.spawn_many({"a": [], "b": []}, collect)
    with pytest.raises(TypeError, match="dict"):
        pool.spawn_many([("a", [])], collect)  # type: ignore[arg-type]


# -- exceptions and PropagateError ----------------------------------------------------------


def fail(key: Any, results: Any) -> None:
    raise ValueError(f"{key} failed")


def passthrough(key: Any, results: Any) -> list[Any]:
    return list(results)


def test_failure_becomes_propagate_error() -> None:
    pool = DAGPool()
    pool.spawn("a", [], fail)
    with pytest.raises(PropagateError) as info:
        pool.wait(["a"])
    err = info.value
    assert err.key == "a"
    assert isinstance(err.exc, ValueError) and str(err.exc) == "a failed"
    assert "'a'" in str(err) and "ValueError" in str(err)
    assert pool.running() == 0
    assert pool.keys() == ("a",)


def test_failure_propagates_as_a_chain() -> None:
    pool = DAGPool()
    pool.spawn("c", ["b"], passthrough)
    pool.spawn("b", ["a"], passthrough)
    pool.spawn("a", [], fail)
    with pytest.raises(PropagateError) as info:
        pool.wait(["c"])
    chain = []
    exc: BaseException = info.value
    while isinstance(exc, PropagateError):
        chain.append(exc.key)
        exc = exc.exc
    assert chain == ["c", "b", "a"]
    assert isinstance(exc, ValueError)


def test_green_thread_may_handle_a_dependency_failure() -> None:
    def tolerant(key: Any, results: Any) -> str:
        try:
            list(results)
        except PropagateError as err:
            return f"recovered from {err.key}"
        return "no error"

    pool = DAGPool()
    pool.spawn("a", [], fail)
    pool.spawn("b", ["a"], tolerant)
    assert pool["b"] == "recovered from a"


def test_posted_propagate_error_raises_for_waiters() -> None:
    pool = DAGPool()
    error = PropagateError("x", RuntimeError("external"))
    pool.spawn("y", ["x"], passthrough)
    pool.post("x", error)
    with pytest.raises(PropagateError) as info:
        pool.wait(["y"])
    assert info.value.key == "y" and info.value.exc is error


def test_base_exception_not_an_exception_subclass_is_not_swallowed_as_value() -> None:
    # GreenletExit raised by the function itself (not through kill) counts as a failure.
    from greenlet import GreenletExit

    def exits(key: Any, results: Any) -> None:
        raise GreenletExit()

    pool = DAGPool()
    pool.spawn("g", [], exits)
    with pytest.raises(PropagateError) as info:
        pool.wait(["g"])
    assert isinstance(info.value.exc, GreenletExit)


# -- post -----------------------------------------------------------------------------------


def test_post_wakes_waiters_and_collides_without_replace() -> None:
    pool = DAGPool()
    pool.post("a", 1)
    with pytest.raises(Collision) as info:
        pool.post("a", 2)
    assert str(info.value) == "'a'"
    assert pool.get("a") == 1


def test_post_replace() -> None:
    pool = DAGPool({"a": 1})
    pool.post("a", 2, replace=True)
    assert pool.get("a") == 2
    pool.spawn("b", ["a"], passthrough)  # spawned after the replace: sees the new value
    assert pool["b"] == [("a", 2)]
    assert list(pool.wait_each(["a"])) == [("a", 2)]


def test_post_for_a_running_green_thread_collides() -> None:
    gate = Gate()
    pool = DAGPool()
    pool.spawn("busy", [], lambda key, results: gate.wait("busy"))
    settle()
    with pytest.raises(Collision):
        pool.post("busy", 1)
    with pytest.raises(Collision):
        pool.post("busy", 1, replace=True)
    gate.open("busy", "returned")
    assert pool["busy"] == "returned"


def test_green_thread_posting_its_own_key_discards_its_return_value() -> None:
    def early(key: Any, results: Any, gate: Gate) -> str:
        pool.post(key, "posted early")
        gate.wait("finish")
        return "discarded"

    gate = Gate()
    pool = DAGPool()
    pool.spawn("k", [], early, gate)
    pool.spawn("reader", ["k"], passthrough)
    # The dependent green thread gets the early value while "k" still runs.
    assert pool["reader"] == [("k", "posted early")]
    assert pool.running_keys() == ("k",)
    gate.open("finish")
    settle()
    assert pool.running() == 0
    assert pool.get("k") == "posted early"


def test_post_after_kill_is_allowed() -> None:
    gate = Gate()
    pool = DAGPool()
    pool.spawn("k", [], lambda key, results: gate.wait("never"))
    settle()
    pool.kill("k")
    pool.post("k", "instead")
    assert pool.wait() == {"k": "instead"}


def test_post_wakes_a_green_thread_that_catches_up_with_all_posts() -> None:
    pool = DAGPool()
    pool.spawn("sink", ["a", "b", "c"], passthrough)
    settle()
    # Three posts with no yield between them: the waiter catches up with all of them.
    pool.post("a", 1)
    pool.post("b", 2)
    pool.post("c", 3)
    assert pool["sink"] == [("a", 1), ("b", 2), ("c", 3)]


# -- wait, wait_each and its filters ---------------------------------------------------------


def test_wait_each_yields_as_values_arrive() -> None:
    pool = DAGPool({"pre": 0})
    seen: list[Any] = []
    done = Event()

    def consumer() -> None:
        for item in pool.wait_each(["pre", "a", "b"]):
            seen.append(item)
        done.send()

    spawn(consumer)
    settle()
    assert seen == [("pre", 0)]
    pool.post("b", 2)
    settle()
    assert seen == [("pre", 0), ("b", 2)]
    pool.post("a", 1)
    done.wait()
    assert seen == [("pre", 0), ("b", 2), ("a", 1)]


def test_wait_each_empty_keys_returns_immediately() -> None:
    pool = DAGPool()
    assert list(pool.wait_each([])) == []
    assert pool.wait([]) == {}


def test_wait_each_default_keys_are_every_known_key_at_call_time() -> None:
    gate = Gate()
    pool = DAGPool({"pre": 1})
    pool.post("posted", 2)
    pool.spawn("spawned", [], lambda key, results: gate.wait("go"))
    each = pool.wait_each()
    pool.post("later", 4)  # not part of the snapshot
    gate.open("go", 3)
    assert dict(each) == {"pre": 1, "posted": 2, "spawned": 3}


def test_wait_each_raises_propagate_error_and_filters() -> None:
    pool = DAGPool({"good": 1})
    pool.spawn("bad", [], fail)
    pool.spawn("fine", [], lambda key, results: 2)
    with pytest.raises(PropagateError):
        list(pool.wait_each(["good", "bad", "fine"]))
    assert sorted(pool.wait_each_success(["good", "bad", "fine"])) == [("fine", 2), ("good", 1)]
    errors = list(pool.wait_each_exception(["good", "bad", "fine"]))
    assert [key for key, _ in errors] == ["bad"]
    assert isinstance(errors[0][1], PropagateError) and errors[0][1].key == "bad"


def test_wait_each_exception_waits_for_every_key() -> None:
    pool = DAGPool()
    out: list[Any] = []
    finished = Event()

    def consumer() -> None:
        out.extend(pool.wait_each_exception(["ok", "err"]))
        finished.send()

    spawn(consumer)
    pool.post("err", PropagateError("err", KeyError("x")))
    settle()
    assert not finished.ready()  # "ok" has not come yet
    pool.post("ok", 1)
    finished.wait()
    assert [key for key, _ in out] == ["err"]


def test_wait_each_success_default_keys() -> None:
    pool = DAGPool({"a": 1, "b": PropagateError("b", ValueError())})
    assert list(pool.wait_each_success()) == [("a", 1)]


def test_wait_returns_dict_and_raises_propagate_error() -> None:
    pool = DAGPool({"a": 1})
    pool.spawn("b", ["a"], lambda key, results: dict(results)["a"] + 1)
    assert pool.wait(["a", "b"]) == {"a": 1, "b": 2}
    assert pool.wait() == {"a": 1, "b": 2}
    pool.spawn("c", [], fail)
    with pytest.raises(PropagateError):
        pool.wait()


def test_wait_blocks_until_all_keys_then_returns() -> None:
    pool = DAGPool()
    result: list[Any] = []
    waiter = spawn(lambda: result.append(pool.wait(["x", "y"])))
    pool.post("x", 1)
    settle()
    assert result == []
    pool.post("y", 2)
    waiter.wait()
    assert result == [{"x": 1, "y": 2}]


def test_wait_rejects_a_string_or_non_iterable() -> None:
    pool = DAGPool()
    with pytest.raises(TypeError, match="string"):
        pool.wait("ab")
    with pytest.raises(TypeError, match="iterable"):
        pool.wait(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pool.wait_each(3)  # type: ignore[arg-type]


def test_waitall_includes_preload_posts_and_spawned() -> None:
    pool = DAGPool({"pre": 0})
    pool.post("posted", 1)
    pool.spawn("s1", ["posted"], lambda key, results: 2)
    pool.spawn("s2", ["s1"], lambda key, results: 3)
    assert pool.waitall() == {"pre": 0, "posted": 1, "s1": 2, "s2": 3}


def test_several_external_waiters_on_one_key() -> None:
    pool = DAGPool()
    threads = [spawn(pool.__getitem__, "shared") for _ in range(5)]
    settle()
    pool.post("shared", "value")
    assert [t.wait() for t in threads] == ["value"] * 5


def test_wait_can_be_bounded_by_a_timeout() -> None:
    pool = DAGPool()
    with pytest.raises(Timeout):
        with Timeout(0.05):
            pool.wait(["never"])
    # The timed-out waiter left nothing behind: a later post and wait work.
    pool.post("never", 1)
    assert pool.wait(["never"]) == {"never": 1}


# -- kill, running, waiting -----------------------------------------------------------------


def test_kill_a_green_thread_blocked_on_its_results() -> None:
    pool = DAGPool()
    pool.spawn("blocked", ["never"], passthrough)
    settle()
    assert pool.waiting_for("blocked") == {"never"}
    pool.kill("blocked")
    settle()
    assert pool.running() == 0 and pool.waiting() == 0
    assert "blocked" not in pool.keys()  # killed: no value, no PropagateError
    assert pool.waiting_for() == {}


def test_kill_a_green_thread_not_started_yet() -> None:
    ran = []
    pool = DAGPool()
    pool.spawn("k", [], lambda key, results: ran.append(key))
    pool.kill("k")  # before the hub had a chance to start it
    settle()
    assert ran == [] and pool.running() == 0 and pool.keys() == ()


def test_kill_unknown_key_raises_key_error_finished_is_noop() -> None:
    pool = DAGPool({"pre": 1})
    with pytest.raises(KeyError):
        pool.kill("nobody")
    with pytest.raises(KeyError):
        pool.kill("pre")  # posted, never spawned
    pool.spawn("done", [], lambda key, results: 1)
    pool.wait(["done"])
    pool.kill("done")  # finished: nothing to kill
    assert pool.get("done") == 1


def test_kill_then_respawn_same_key() -> None:
    pool = DAGPool()
    pool.spawn("k", ["never"], passthrough)
    settle()
    pool.kill("k")
    pool.spawn("k", [], lambda key, results: "second")
    assert pool["k"] == "second"


def test_running_and_running_keys() -> None:
    gate = Gate()
    pool = DAGPool()
    pool.spawn("a", [], lambda key, results: gate.wait("a"))
    pool.spawn("b", ["a"], passthrough)
    settle()
    assert pool.running() == 2
    assert set(pool.running_keys()) == {"a", "b"}
    assert isinstance(pool.running_keys(), tuple)
    gate.open("a", 1)
    pool.wait()
    assert pool.running() == 0 and pool.running_keys() == ()


def test_waiting_counts_only_pool_threads_lacking_values() -> None:
    gate = Gate()
    pool = DAGPool()
    pool.spawn("free", [], lambda key, results: gate.wait("free"))  # running, not waiting
    pool.spawn("needs_x", ["x"], passthrough)
    pool.spawn("needs_xy", ["x", "y"], passthrough)
    external = spawn(pool.wait, ["x"])  # external waiters never count
    settle()
    assert pool.running() == 3 and pool.waiting() == 2
    pool.post("x", 1)
    settle()
    assert pool.waiting() == 1
    assert pool.waiting_for() == {"needs_xy": {"y"}}
    pool.post("y", 2)
    gate.open("free")
    pool.wait()
    external.wait()
    assert pool.waiting() == 0 and pool.running() == 0


def test_waiting_for() -> None:
    pool = DAGPool({"a": 1})
    pool.spawn("c", ["a", "b", "x"], passthrough)
    pool.spawn("d", ["c"], passthrough)
    settle()
    assert pool.waiting_for("c") == {"b", "x"}
    assert pool.waiting_for() == {"c": {"b", "x"}, "d": {"c"}}
    with pytest.raises(KeyError):
        pool.waiting_for("a")  # a key with no green thread
    with pytest.raises(KeyError):
        pool.waiting_for("unknown")
    pool.post("b", 2)
    pool.post("x", 3)
    pool.wait()
    assert pool.waiting_for("c") == set()
    assert pool.waiting_for() == {}


def test_repr_mentions_counts() -> None:
    pool = DAGPool({"a": 1})
    assert "values=1" in repr(pool) and "running=0" in repr(pool)


def test_many_keys_linear_chain() -> None:
    def inc(key: int, results: Any) -> int:
        return sum(v for _, v in results) + 1

    pool = DAGPool()
    for i in range(500, 0, -1):
        pool.spawn(i, [i - 1] if i > 1 else [], inc)
    assert pool[500] == 500


# -- module hygiene -------------------------------------------------------------------------


def test_import_prints_and_warns_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import eventlet.dagpool"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_public_names_documented() -> None:
    import eventlet.dagpool as mod

    assert mod.__doc__
    for name in mod.__all__:
        obj = getattr(mod, name)
        assert obj.__doc__, name
        for attr, value in vars(obj).items():
            if callable(value) and not attr.startswith("_"):
                assert value.__doc__, f"{name}.{attr}"
