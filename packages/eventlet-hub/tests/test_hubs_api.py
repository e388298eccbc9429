"""eventlet.hubs: choosing a hub, one hub per OS thread, argument checking, clean imports."""

from __future__ import annotations

import importlib
import select
import threading

import pytest

from eventlet import hubs
from eventlet.greenthread import sleep, spawn
from eventlet.hubs import epolls, poll, selects

BUILTIN = ["epolls", "poll", "selects"] + (["kqueue"] if hasattr(select, "kqueue") else [])


def backend_module(name):
    return importlib.import_module(f"eventlet.hubs.{name}")


# -- one hub per thread ----------------------------------------------------------------------


def test_get_hub_returns_the_same_hub_within_a_thread():
    first = hubs.get_hub()
    assert hubs.get_hub() is first
    gt = spawn(hubs.get_hub)
    assert gt.wait() is first


def test_each_os_thread_gets_its_own_hub():
    main_hub = hubs.get_hub()
    seen = {}

    def in_thread():
        try:
            seen["first"] = hubs.get_hub()
            seen["second"] = hubs.get_hub()
        except BaseException as exc:  # reported by the assertions below
            seen["error"] = exc

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join(10)
    assert "error" not in seen
    assert seen["first"] is seen["second"]
    assert seen["first"] is not main_hub
    assert hubs.get_hub() is main_hub


def test_use_hub_in_another_thread_leaves_this_thread_alone():
    main_hub = hubs.get_hub()
    seen = {}

    def in_thread():
        hubs.use_hub("selects")
        seen["hub"] = hubs.get_hub()

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join(10)
    assert isinstance(seen["hub"], selects.Hub)
    assert hubs.get_hub() is main_hub


# -- use_hub ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN)
def test_use_hub_by_name(name):
    hubs.use_hub(name)
    hub = hubs.get_hub()
    assert type(hub) is backend_module(name).Hub
    # The hub works: a green thread runs and returns through it.
    assert spawn(lambda: "ran on " + name).wait() == "ran on " + name


def test_use_hub_by_module():
    hubs.use_hub(poll)
    assert type(hubs.get_hub()) is poll.Hub


def test_use_hub_by_class():
    class MySelectHub(selects.Hub):
        pass

    hubs.use_hub(MySelectHub)
    hub = hubs.get_hub()
    assert type(hub) is MySelectHub
    gt = spawn(lambda: 7)
    sleep(0)
    assert gt.wait() == 7


def test_use_hub_by_dotted_module_path_and_class_path():
    hubs.use_hub("eventlet.hubs.poll")
    assert type(hubs.get_hub()) is poll.Hub
    hubs.use_hub("eventlet.hubs.selects:Hub")
    assert type(hubs.get_hub()) is selects.Hub


def test_use_hub_discards_the_current_hub():
    old = hubs.get_hub()
    hubs.use_hub("selects")
    new = hubs.get_hub()
    assert new is not old
    hubs.use_hub("selects")
    assert hubs.get_hub() is not new


def test_use_hub_none_means_the_default(monkeypatch):
    monkeypatch.delenv("EVENTLET_HUB", raising=False)
    hubs.use_hub("selects")
    assert type(hubs.get_hub()) is selects.Hub
    hubs.use_hub(None)
    default = hubs.get_default_hub()
    assert type(hubs.get_hub()) is default.Hub
    if hasattr(select, "epoll"):
        assert default is epolls
    elif hasattr(select, "kqueue"):
        assert default.__name__ == "eventlet.hubs.kqueue"


def test_use_hub_none_honours_eventlet_hub_variable(monkeypatch):
    monkeypatch.setenv("EVENTLET_HUB", "selects")
    hubs.use_hub()
    assert type(hubs.get_hub()) is selects.Hub


def test_unknown_hub_name_is_a_value_error_naming_it():
    before = hubs.get_hub()
    with pytest.raises(ValueError, match="nosuchhub"):
        hubs.use_hub("nosuchhub")
    with pytest.raises(ValueError):
        hubs.use_hub("")
    # A refused choice leaves the thread's hub in place.
    assert hubs.get_hub() is before


def test_use_hub_refuses_what_is_not_a_hub():
    with pytest.raises(TypeError):
        hubs.use_hub(42)


@pytest.mark.skipif(hasattr(select, "kqueue"), reason="this OS has kqueue")
def test_kqueue_where_the_os_lacks_it_is_a_clear_runtime_error():
    from eventlet.hubs import kqueue

    before = hubs.get_hub()
    with pytest.raises(RuntimeError, match="kqueue"):
        hubs.use_hub("kqueue")
    with pytest.raises(RuntimeError, match="kqueue"):
        kqueue.Hub()
    assert hubs.get_hub() is before


@pytest.mark.parametrize("name", BUILTIN)
def test_eventlet_hub_variable_chooses_the_first_hub(run_python, name):
    code = "from eventlet.hubs import get_hub; print(type(get_hub()).__module__)"
    result = run_python(code, env={"EVENTLET_HUB": name})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"eventlet.hubs.{name}"


def test_eventlet_hub_variable_takes_a_class_path(run_python):
    code = "from eventlet.hubs import get_hub; print(type(get_hub()).__module__)"
    result = run_python(code, env={"EVENTLET_HUB": "eventlet.hubs.selects:Hub"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "eventlet.hubs.selects"


def test_eventlet_hub_variable_with_a_bad_name_fails_naming_it(run_python):
    code = "from eventlet.hubs import get_hub; get_hub()"
    result = run_python(code, env={"EVENTLET_HUB": "bogushub"})
    assert result.returncode != 0
    assert "ValueError" in result.stderr
    assert "bogushub" in result.stderr


# -- trampoline argument checks --------------------------------------------------------------


def test_trampoline_needs_exactly_one_of_read_and_write(sockpair):
    a, _ = sockpair
    with pytest.raises(ValueError):
        hubs.trampoline(a, read=True, write=True)
    with pytest.raises(ValueError):
        hubs.trampoline(a)
    with pytest.raises(ValueError):
        hubs.trampoline(a.fileno(), read=False, write=False)
    # Nothing was left registered by the refused calls.
    hub = hubs.get_hub()
    assert hub.get_readers() == [] and hub.get_writers() == []


def test_trampoline_inside_the_hub_is_a_runtime_error(sockpair):
    a, _ = sockpair
    hub = hubs.get_hub()
    caught = []

    def in_hub():
        try:
            hubs.trampoline(a, read=True)
        except RuntimeError as exc:
            caught.append(exc)

    hub.schedule_call_global(0, in_hub)
    sleep(0)
    assert len(caught) == 1
    assert hub.get_readers() == []


def test_hub_add_checks_its_arguments(hub, sockpair):
    a, _ = sockpair
    with pytest.raises(ValueError, match="evtype"):
        hub.add("sideways", a.fileno(), lambda fd: None, lambda exc: None)
    with pytest.raises(ValueError, match="fileno"):
        hub.add(hub.READ, -1, lambda fd: None, lambda exc: None)
    assert hub.get_readers() == []


# -- public constants and attributes ---------------------------------------------------------


def test_read_write_constants_agree(hub):
    assert hub.READ == hubs.READ
    assert hub.WRITE == hubs.WRITE
    assert hubs.READ != hubs.WRITE
    assert issubclass(hubs.IOClosed, OSError)


def test_hub_exposes_the_attributes_programs_use(hub):
    assert isinstance(hub.default_sleep(), float) and hub.default_sleep() > 0
    assert callable(hub.clock)
    before = hub.clock()
    assert hub.clock() >= before
    assert hub.running in (True, False)
    assert hub.get_timers_count() == 0
    assert hub.timers_canceled == 0
    for name in (
        "add",
        "remove",
        "remove_descriptor",
        "schedule_call_global",
        "schedule_call_local",
        "switch",
        "run",
        "abort",
        "get_readers",
        "get_writers",
        "greenlet",
    ):
        assert hasattr(hub, name), name


def test_hub_greenlet_runs_hub_callbacks(hub):
    where = []
    hub.schedule_call_global(0, lambda: where.append(hubs.get_hub().greenlet))
    sleep(0)
    assert where == [hub.greenlet]


def test_switching_to_the_hub_from_the_hub_is_refused(hub):
    caught = []

    def in_hub():
        try:
            hub.switch()
        except RuntimeError as exc:
            caught.append(exc)

    hub.schedule_call_global(0, in_hub)
    sleep(0)
    assert len(caught) == 1


# -- typing ----------------------------------------------------------------------------------


def test_get_hub_is_annotated_with_the_hub_type():
    import typing

    from eventlet.hubs.hub import BaseHub

    assert typing.get_type_hints(hubs.get_hub)["return"] is BaseHub
    assert isinstance(hubs.get_hub(), BaseHub)
    assert hubs.BaseHub is BaseHub


# -- importing prints nothing and warns nothing ----------------------------------------------

MODULES = [
    "eventlet.hubs",
    "eventlet.hubs.hub",
    "eventlet.hubs.timer",
    "eventlet.hubs._park",
    "eventlet.hubs._crossthread",
    "eventlet.hubs.epolls",
    "eventlet.hubs.poll",
    "eventlet.hubs.selects",
    "eventlet.hubs.kqueue",
    "eventlet.greenthread",
    "eventlet.event",
    "eventlet.timeout",
    "eventlet.debug",
]


@pytest.mark.parametrize("module", MODULES)
def test_import_is_silent(run_python, module):
    result = run_python(f"import {module}", "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == ""
