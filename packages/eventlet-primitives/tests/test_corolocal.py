from __future__ import annotations

import gc
from typing import Any

import greenlet
import pytest

from eventlet.corolocal import get_ident, local
from eventlet.event import Event
from eventlet.greenthread import getcurrent, sleep, spawn


def test_get_ident_is_the_id_of_the_greenlet() -> None:
    assert get_ident() == id(getcurrent())
    other = spawn(get_ident)
    assert other.wait() == id(other)
    assert get_ident(other) == id(other)


def test_attributes_are_per_green_thread() -> None:
    data = local()
    data.value = "main"
    ready = Event()
    go_on = Event()

    def worker(name: str) -> tuple[bool, str]:
        had_value = hasattr(data, "value")
        data.value = name
        ready.send(None) if not ready.ready() else None
        go_on.wait()
        return had_value, data.value

    threads = [spawn(worker, name) for name in ("a", "b")]
    ready.wait()
    go_on.send(None)
    assert [t.wait() for t in threads] == [(False, "a"), (False, "b")]
    assert data.value == "main"


def test_dict_delete_and_missing_attributes() -> None:
    data = local()
    data.x = 1
    assert data.__dict__ == {"x": 1}
    del data.x
    assert data.__dict__ == {}
    with pytest.raises(AttributeError, match="'local' object has no attribute 'x'"):
        data.x  # noqa: B018
    with pytest.raises(AttributeError):
        del data.x
    with pytest.raises(AttributeError, match="read-only"):
        data.__dict__ = {}
    assert spawn(lambda: data.__dict__).wait() == {}


def test_base_local_refuses_arguments() -> None:
    with pytest.raises(TypeError, match="Initialization arguments are not supported"):
        local(1)
    with pytest.raises(TypeError):
        local(key="value")


def test_subclass_init_runs_again_in_each_green_thread() -> None:
    calls: list[tuple[Any, ...]] = []

    class Settings(local):
        kind = "class attribute"

        def __init__(self, color: str, size: int = 0) -> None:
            calls.append((color, size))
            self.color = color
            self.size = size

        @property
        def label(self) -> str:
            return f"{self.color}:{self.size}"

        def grow(self) -> None:
            self.size += 1

    settings = Settings("red", size=2)
    settings.grow()
    assert settings.label == "red:3"

    def elsewhere() -> tuple[str, str]:
        before = settings.label
        settings.grow()
        return before, settings.label

    assert spawn(elsewhere).wait() == ("red:2", "red:3")
    assert settings.label == "red:3"
    assert settings.kind == "class attribute"
    assert calls == [("red", 2), ("red", 2)]
    assert isinstance(settings, Settings) and settings.__class__ is Settings


def test_data_descriptor_setter_is_used() -> None:
    class WithSetter(local):
        @property
        def value(self) -> int:
            return self.__dict__.get("_value", 0)

        @value.setter
        def value(self, new: int) -> None:
            self.__dict__["_value"] = new * 2

    obj = WithSetter()
    obj.value = 5
    assert obj.value == 10
    assert spawn(lambda: obj.value).wait() == 0


def test_storage_is_released_with_the_greenlet() -> None:
    data = local()
    storage = data._local__storage

    def worker() -> None:
        data.big = bytearray(10)

    thread = spawn(worker)
    thread.wait()
    assert len(storage.dicts) == 2
    del thread
    sleep(0)  # the hub may still hold the finished thread's last wake-up callback
    gc.collect()
    assert len(storage.dicts) == 1  # only the main greenlet's is left

    g = greenlet.greenlet(lambda: setattr(data, "x", 1))
    g.switch()
    assert len(storage.dicts) == 2
    del g
    gc.collect()
    assert len(storage.dicts) == 1


def test_local_object_is_freed_with_its_storage() -> None:
    import weakref

    data = local()
    data.x = 1
    ref = weakref.ref(data)
    del data
    gc.collect()
    assert ref() is None


def test_failing_init_in_another_green_thread_is_retried() -> None:
    attempts: list[int] = []

    class Flaky(local):
        def __init__(self) -> None:
            attempts.append(1)
            if len(attempts) == 2:
                raise OSError("first try in the other green thread fails")
            self.ready = True

    obj = Flaky()

    def elsewhere() -> bool:
        with pytest.raises(OSError):
            obj.ready  # noqa: B018
        return obj.ready

    assert spawn(elsewhere).wait() is True
    assert len(attempts) == 3
