"""tpool.Proxy: method calls in the pool, everything else answered by the wrapped object."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from eventlet import tpool


class Cursor:
    """Stands for a database cursor: it records the thread of each call."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def execute(self, query: str) -> str:
        self.threads.append(threading.get_ident())
        return query.upper()


class Connection:
    """Stands for a database connection whose methods block."""

    def __init__(self) -> None:
        self.threads: list[int] = []
        self.settings: dict[str, Any] = {}
        self.closed = False
        self.log: list[str] = []
        self.status = Cursor()  # an attribute of an autowrapped type

    def cursor(self) -> Cursor:
        self.threads.append(threading.get_ident())
        return Cursor()

    def where(self) -> int:
        self.threads.append(threading.get_ident())
        return threading.get_ident()

    def describe(self) -> dict[str, int]:
        return {"rows": 3}

    def fail(self) -> None:
        raise LookupError("no such table")

    def __call__(self, value: int) -> tuple[int, int]:
        return value * 2, threading.get_ident()

    def __enter__(self) -> Connection:
        self.log.append(f"enter {threading.get_ident()}")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.log.append(f"exit {exc[0].__name__ if exc[0] else None}")


def test_method_calls_run_in_a_pool_thread() -> None:
    conn = Connection()
    proxy = tpool.Proxy(conn)
    assert proxy.where() != threading.get_ident()
    assert conn.threads and conn.threads[0] != threading.get_ident()


def test_exceptions_of_methods_reach_the_caller() -> None:
    with pytest.raises(LookupError, match="no such table"):
        tpool.Proxy(Connection()).fail()


def test_plain_attributes_are_read_and_written_on_the_object() -> None:
    conn = Connection()
    proxy = tpool.Proxy(conn)
    assert proxy.closed is False
    proxy.closed = True
    assert conn.closed is True
    proxy.extra = 5
    assert conn.extra == 5  # type: ignore[attr-defined]
    del proxy.extra
    assert not hasattr(conn, "extra")
    with pytest.raises(AttributeError):
        proxy.missing  # noqa: B018


def test_autowrap_by_type_wraps_results_and_attributes() -> None:
    proxy = tpool.Proxy(Connection(), autowrap=(Cursor,))
    cursor = proxy.cursor()
    assert isinstance(cursor, tpool.Proxy)
    assert cursor.execute("select 1") == "SELECT 1"
    assert cursor.threads[0] != threading.get_ident()
    assert isinstance(proxy.status, tpool.Proxy)
    assert not isinstance(proxy.describe(), tpool.Proxy)


def test_autowrap_accepts_a_single_type() -> None:
    assert isinstance(tpool.Proxy(Connection(), autowrap=Cursor).cursor(), tpool.Proxy)


def test_without_autowrap_results_are_plain() -> None:
    proxy = tpool.Proxy(Connection())
    assert type(proxy.cursor()) is Cursor


def test_autowrap_names_wrap_the_named_results_and_attributes() -> None:
    proxy = tpool.Proxy(Connection(), autowrap_names=("describe", "settings"))
    described = proxy.describe()
    assert isinstance(described, tpool.Proxy)
    assert described["rows"] == 3
    assert isinstance(proxy.settings, tpool.Proxy)
    assert type(proxy.cursor()) is Cursor


def test_bad_autowrap_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="autowrap must hold types"):
        tpool.Proxy(object(), autowrap=("Cursor",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="collection of names, not one str"):
        tpool.Proxy(object(), autowrap_names="cursor")
    with pytest.raises(TypeError, match="str names"):
        tpool.Proxy(object(), autowrap_names=(1,))  # type: ignore[arg-type]


def test_calling_the_proxy_calls_the_object_in_the_pool() -> None:
    value, ident = tpool.Proxy(Connection())(21)
    assert value == 42 and ident != threading.get_ident()


def test_iteration_fetches_each_item_in_the_pool() -> None:
    threads: list[int] = []

    def rows() -> Iterator[int]:
        for i in range(3):
            threads.append(threading.get_ident())
            yield i

    proxy = tpool.Proxy(rows())
    assert iter(proxy) is proxy
    assert list(proxy) == [0, 1, 2]
    assert threads and threading.get_ident() not in threads
    again = tpool.Proxy(rows())
    assert again.next() == 0
    assert next(again) == 1


def test_iterating_an_iterable_wraps_its_iterator() -> None:
    proxy = tpool.Proxy([1, 2, 3])
    it = iter(proxy)
    assert isinstance(it, tpool.Proxy)
    assert list(it) == [1, 2, 3]


def test_len_items_membership_and_truth() -> None:
    data = {"a": 1}
    proxy = tpool.Proxy(data)
    assert len(proxy) == 1
    assert proxy["a"] == 1
    proxy["b"] = 2
    assert data == {"a": 1, "b": 2}
    del proxy["a"]
    assert "b" in proxy and "a" not in proxy
    assert bool(proxy) is True
    assert bool(tpool.Proxy([])) is False
    with pytest.raises(KeyError):
        proxy["missing"]  # noqa: B018


def test_comparisons_hash_str_and_repr_are_the_objects() -> None:
    three = tpool.Proxy(3)
    assert three == 3 and three == tpool.Proxy(3) and three != 4
    assert three < 4 and three <= 3 and three > 2 and three >= tpool.Proxy(3)
    assert hash(three) == hash(3)
    assert str(three) == "3" and repr(tpool.Proxy("x")) == "'x'"


def test_with_enters_and_exits_in_the_pool() -> None:
    conn = Connection()
    proxy = tpool.Proxy(conn)
    with pytest.raises(ValueError):
        with proxy as entered:
            assert entered is proxy
            raise ValueError("inside")
    assert conn.log[0] != f"enter {threading.get_ident()}"
    assert conn.log[1] == "exit ValueError"


def test_copies_are_proxies_of_copies() -> None:
    original = tpool.Proxy([[1]], autowrap=(list,))
    shallow = copy.copy(original)
    deep = copy.deepcopy(original)
    assert isinstance(shallow, tpool.Proxy) and isinstance(deep, tpool.Proxy)
    assert shallow == [[1]] and deep == [[1]]
    assert shallow[0] is not None


def test_dir_lists_the_objects_names() -> None:
    assert "cursor" in dir(tpool.Proxy(Connection()))


def test_a_name_of_the_object_is_never_shadowed_by_the_proxy() -> None:
    class Odd:
        _call = "mine"
        _wrap = "also mine"

    proxy = tpool.Proxy(Odd())
    assert proxy._call == "mine" and proxy._wrap == "also mine"
