"""The asyncio hub and eventlet.asyncio: green threads and asyncio tasks in one OS thread."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from eventlet import hubs
from eventlet.asyncio import future_for_greenthread, spawn_for_awaitable
from eventlet.event import Event
from eventlet.greenthread import GreenThread, sleep, spawn
from eventlet.hubs import asyncio as asyncio_hub
from eventlet.timeout import Timeout

GUARD = 10  # seconds: a test that hangs fails instead


@pytest.fixture
def hub(fresh_hub: None) -> Iterator[asyncio_hub.Hub]:
    """This thread's hub is an asyncio hub for the test, closed afterwards."""
    hubs.use_hub(asyncio_hub.Hub)
    hub = hubs.get_hub()
    assert isinstance(hub, asyncio_hub.Hub)
    yield hub
    hubs.use_hub()
    hub.close()


def pump(predicate: Any) -> None:
    """Let the hub (and the asyncio loop) run until ``predicate()`` is true."""
    with Timeout(GUARD, AssertionError("condition not reached")):
        while not predicate():
            sleep(0.001)


# -- selecting the hub ------------------------------------------------------------------------


def test_selected_by_module_path_and_owns_the_threads_loop(hub: asyncio_hub.Hub) -> None:
    assert isinstance(hub.loop, asyncio.AbstractEventLoop)
    assert asyncio.get_event_loop_policy().get_event_loop() is hub.loop
    assert asyncio_hub.is_available()


def test_selected_by_short_name(fresh_hub: None) -> None:
    hubs.use_hub("asyncio")
    hub = hubs.get_hub()
    try:
        assert isinstance(hub, asyncio_hub.Hub)
    finally:
        hubs.use_hub()
        hub.close()


def test_selected_by_environment_variable(run_python: Any) -> None:
    code = (
        "import asyncio\n"
        "from eventlet import hubs\n"
        "from eventlet.asyncio import spawn_for_awaitable\n"
        "async def double(x):\n"
        "    await asyncio.sleep(0)\n"
        "    return 2 * x\n"
        "print(type(hubs.get_hub()).__module__, spawn_for_awaitable(double(21)).wait())\n"
    )
    result = run_python(code, "-W", "error", env={"EVENTLET_HUB": "eventlet.hubs.asyncio"})
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("eventlet.hubs.asyncio 42\n", "")


def test_refused_inside_a_running_loop(fresh_hub: None) -> None:
    async def main() -> str:
        hubs.use_hub(asyncio_hub.Hub)
        try:
            hubs.get_hub()
        except RuntimeError as exc:
            return str(exc)
        return "made"

    message = asyncio.run(main())
    hubs.use_hub()
    assert "already running" in message


def test_close_closes_the_loop(fresh_hub: None) -> None:
    hubs.use_hub(asyncio_hub.Hub)
    hub = hubs.get_hub()
    assert isinstance(hub, asyncio_hub.Hub)
    loop = hub.loop
    spawn(sleep, 0).wait()
    hubs.use_hub()
    hub.close()
    assert loop.is_closed()


# -- green threads and asyncio tasks together --------------------------------------------------


def test_green_threads_and_tasks_interleave_in_one_thread(hub: asyncio_hub.Hub) -> None:
    log: list[tuple[str, int, int]] = []

    async def task() -> None:
        for i in range(3):
            log.append(("task", i, threading.get_ident()))
            await asyncio.sleep(0.001)

    def green() -> None:
        for i in range(3):
            log.append(("green", i, threading.get_ident()))
            sleep(0.001)

    future = hub.loop.create_task(task())
    spawn(green).wait()
    pump(future.done)
    assert sorted(entry[:2] for entry in log) == sorted(
        [(kind, i) for kind in ("task", "green") for i in range(3)]
    )
    assert {entry[2] for entry in log} == {threading.get_ident()}
    # Neither ran all its steps before the other started.
    kinds = [entry[0] for entry in log]
    assert kinds.index("task") < len(kinds) - 3 and kinds.index("green") < len(kinds) - 3


def test_a_green_thread_spinning_on_sleep_zero_does_not_starve_tasks(
    hub: asyncio_hub.Hub,
) -> None:
    flag = asyncio.Event()

    async def setter() -> None:
        flag.set()

    hub.loop.create_task(setter())
    spins = 0
    with Timeout(GUARD, AssertionError("the asyncio task never ran")):
        while not flag.is_set():
            spins += 1
            sleep(0)
    assert spins >= 1


def test_green_timers_and_asyncio_timers(hub: asyncio_hub.Hub) -> None:
    order: list[str] = []

    async def late() -> None:
        await asyncio.sleep(0.03)
        order.append("asyncio 30ms")

    def green(seconds: float) -> None:
        sleep(seconds)
        order.append(f"green {seconds * 1000:.0f}ms")

    hub.loop.create_task(late())
    spawn(green, 0.01)
    spawn(green, 0.05)
    pump(lambda: len(order) == 3)
    # Both kinds of timer fire; the green ones in their order (one heap). How the asyncio
    # one falls between them depends on how late a loaded machine runs the hub.
    assert sorted(order) == ["asyncio 30ms", "green 10ms", "green 50ms"]
    assert order.index("green 10ms") < order.index("green 50ms")


def test_another_os_thread_wakes_the_hub(hub: asyncio_hub.Hub) -> None:
    done = Event()
    worker = threading.Thread(target=hub.call_soon_threadsafe, args=(done.send, "from thread"))
    worker.start()
    with Timeout(GUARD):
        assert done.wait() == "from thread"
    worker.join()


def test_asyncio_call_soon_threadsafe_runs_while_green_threads_wait(hub: asyncio_hub.Hub) -> None:
    result: list[str] = []
    worker = threading.Thread(target=hub.loop.call_soon_threadsafe, args=(result.append, "ok"))
    worker.start()
    pump(lambda: result == ["ok"])
    worker.join()


# -- I/O ----------------------------------------------------------------------------------------


def test_green_socket_io(hub: asyncio_hub.Hub) -> None:
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)

    def reader() -> bytes:
        hubs.trampoline(a, read=True, timeout=GUARD)
        return a.recv(100)

    thread = spawn(reader)
    sleep(0)
    assert hub.get_readers() and hub.get_readers()[0].fileno == a.fileno()
    b.send(b"ping")
    assert thread.wait() == b"ping"
    # Writable at once; then nothing left watched for it.
    hubs.trampoline(b, write=True, timeout=GUARD)
    a.close()
    b.close()


def test_asyncio_server_green_client(hub: asyncio_hub.Hub) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        writer.write(line.upper())
        await writer.drain()
        writer.close()

    server = spawn_for_awaitable(asyncio.start_server(handle, "127.0.0.1", 0)).wait()
    port = server.sockets[0].getsockname()[1]

    def client() -> bytes:
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.connect(("127.0.0.1", port))
        except BlockingIOError:
            hubs.trampoline(sock, write=True, timeout=GUARD)
        sock.sendall(b"hello asyncio\n")
        data = b""
        while True:
            try:
                chunk = sock.recv(100)
            except BlockingIOError:
                hubs.trampoline(sock, read=True, timeout=GUARD)
                continue
            if not chunk:
                break
            data += chunk
        sock.close()
        return data

    assert spawn(client).wait() == b"HELLO ASYNCIO\n"
    server.close()
    spawn_for_awaitable(server.wait_closed()).wait()


def test_green_server_asyncio_client(hub: asyncio_hub.Hub) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)

    def serve_one() -> None:
        hubs.trampoline(listener, read=True, timeout=GUARD)
        conn, _ = listener.accept()
        conn.setblocking(False)
        hubs.trampoline(conn, read=True, timeout=GUARD)
        conn.sendall(conn.recv(100)[::-1])
        conn.close()

    server = spawn(serve_one)

    async def client() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.getsockname()[1])
        writer.write(b"green")
        data = await reader.read()
        writer.close()
        return data

    assert spawn_for_awaitable(client()).wait() == b"neerg"
    server.wait()
    listener.close()


def test_descriptor_closed_and_number_reused_behind_the_hub(hub: asyncio_hub.Hub) -> None:
    """A stale epoll registration (a file closed behind the hub's back, kept open by a
    duplicate) must not make the loop spin, nor wake the new owner of the number."""
    mine, peer = socket.socketpair()
    mine.setblocking(False)
    number = mine.fileno()

    def first_read() -> bytes:
        # An owner that notifies the hub on close: the number stays watched afterwards.
        hub.wait_io(hubs.READ, number, lambda: None)
        return mine.recv(1)

    thread = spawn(first_read)
    sleep(0)
    peer.send(b"1")
    assert thread.wait() == b"1"
    duplicate = os.dup(number)
    new_mine, new_peer = socket.socketpair()
    calls = 0
    real_wait = hub.wait

    def counting(seconds: float) -> None:
        nonlocal calls
        calls += 1
        real_wait(seconds)

    try:
        mine.detach()
        os.close(number)  # behind the hub's back
        peer.send(b"old file, ready")
        os.dup2(new_mine.fileno(), number)  # the number names a new file now
        os.set_blocking(number, False)
        reader = spawn(hub.wait_io, hubs.READ, number, lambda: None)
        hub.wait = counting  # type: ignore[method-assign]
        sleep(0.2)
        assert calls < 20, f"the hub spun: {calls} waits in 0.2s"
        assert not reader.dead  # not woken by the old file's data
        new_peer.send(b"new")
        with Timeout(GUARD):
            reader.wait()
        assert os.read(number, 10) == b"new"
    finally:
        del hub.wait
        os.close(duplicate)
        hub.notify_close(number)
        os.close(number)
        for sock in (peer, new_mine, new_peer):
            sock.close()


# -- spawn_for_awaitable ----------------------------------------------------------------------


def test_spawn_for_awaitable_coroutine_result_and_exception(hub: asyncio_hub.Hub) -> None:
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    async def fail() -> None:
        await asyncio.sleep(0)
        raise ValueError("from the coroutine")

    thread = spawn_for_awaitable(double(21))
    assert isinstance(thread, GreenThread)
    assert thread.wait() == 42
    with pytest.raises(ValueError, match="from the coroutine"):
        spawn_for_awaitable(fail()).wait()


def test_spawn_for_awaitable_future_and_task(hub: asyncio_hub.Hub) -> None:
    future = hub.loop.create_future()
    thread = spawn_for_awaitable(future)
    spawn(lambda: future.set_result("set by a green thread"))
    assert thread.wait() == "set by a green thread"

    async def work() -> str:
        await asyncio.sleep(0)
        return "task"

    assert spawn_for_awaitable(hub.loop.create_task(work())).wait() == "task"
    done = hub.loop.create_future()
    done.set_result("already")
    assert spawn_for_awaitable(done).wait() == "already"


def test_spawn_for_awaitable_coroutine_runs_without_a_waiter(hub: asyncio_hub.Hub) -> None:
    ran = []

    async def side_effect() -> None:
        ran.append(True)

    spawn_for_awaitable(side_effect())
    pump(lambda: ran == [True])


def test_killing_the_green_thread_cancels_the_coroutine(hub: asyncio_hub.Hub) -> None:
    state: list[str] = []

    async def long() -> None:
        state.append("started")
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            state.append("cancelled")
            raise

    thread = spawn_for_awaitable(long())
    pump(lambda: state == ["started"])
    thread.kill()
    pump(lambda: state == ["started", "cancelled"])


def test_killing_before_start_cancels_too(hub: asyncio_hub.Hub) -> None:
    state: list[str] = []

    async def never() -> None:
        state.append("ran")

    thread = spawn_for_awaitable(never())
    thread.kill()
    for _ in range(5):
        sleep(0.001)
    assert state == []


def test_cancelled_awaitable_raises_cancelled_error(hub: asyncio_hub.Hub) -> None:
    task = hub.loop.create_task(asyncio.sleep(30))
    thread = spawn_for_awaitable(task)
    sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        thread.wait()


def test_spawn_for_awaitable_refuses_bad_input(hub: asyncio_hub.Hub) -> None:
    with pytest.raises(TypeError, match="awaitable"):
        spawn_for_awaitable(42)  # type: ignore[arg-type]


def test_spawn_for_awaitable_needs_the_asyncio_hub(fresh_hub: None) -> None:
    async def nothing() -> None:
        pass

    coro = nothing()
    with pytest.raises(RuntimeError, match="asyncio hub"):
        spawn_for_awaitable(coro)
    coro.close()
    with pytest.raises(RuntimeError, match="asyncio hub"):
        future_for_greenthread(spawn(lambda: None))


def test_blocking_green_call_inside_a_coroutine_is_refused(hub: asyncio_hub.Hub) -> None:
    async def blocks() -> None:
        sleep(0.01)

    with pytest.raises(RuntimeError, match="hub"):
        spawn_for_awaitable(blocks()).wait()


# -- awaiting green threads -------------------------------------------------------------------


def test_await_future_for_greenthread(hub: asyncio_hub.Hub) -> None:
    def green(x: int) -> int:
        sleep(0.001)
        return x + 1

    async def main() -> int:
        return await future_for_greenthread(spawn(green, 41))

    assert spawn_for_awaitable(main()).wait() == 42


def test_await_green_thread_directly(hub: asyncio_hub.Hub) -> None:
    def green() -> str:
        sleep(0.001)
        return "green result"

    async def main() -> Any:
        return await spawn(green)

    assert spawn_for_awaitable(main()).wait() == "green result"


def test_green_thread_exception_reaches_the_coroutine(hub: asyncio_hub.Hub) -> None:
    def fails() -> None:
        raise KeyError("green failure")

    async def main() -> str:
        try:
            await future_for_greenthread(spawn(fails))
        except KeyError as exc:
            return f"caught {exc}"
        return "nothing"

    from eventlet import debug

    debug.hub_exceptions(False)  # the green thread's traceback is expected
    assert spawn_for_awaitable(main()).wait() == "caught 'green failure'"


def test_killed_green_thread_cancels_the_future(hub: asyncio_hub.Hub) -> None:
    gate = Event()
    thread = spawn(gate.wait)
    future = future_for_greenthread(thread)
    sleep(0)
    thread.kill()
    pump(future.done)
    assert future.cancelled()


def test_cancelling_the_future_kills_the_green_thread(hub: asyncio_hub.Hub) -> None:
    gate = Event()
    thread = spawn(gate.wait)
    sleep(0)
    future = future_for_greenthread(thread)
    future.cancel()
    pump(lambda: thread.dead)


def test_future_for_a_finished_green_thread(hub: asyncio_hub.Hub) -> None:
    thread = spawn(lambda: "early")
    thread.wait()
    future = future_for_greenthread(thread)
    assert future.done() and future.result() == "early"
    with pytest.raises(TypeError, match="GreenThread"):
        future_for_greenthread("no")  # type: ignore[arg-type]


def test_fork_gives_the_child_a_fresh_loop(run_python: Any) -> None:
    code = (
        "import os, asyncio\n"
        "from eventlet import hubs\n"
        "from eventlet.hubs.asyncio import Hub\n"
        "from eventlet.asyncio import spawn_for_awaitable\n"
        "from eventlet.greenthread import sleep\n"
        "hubs.use_hub(Hub)\n"
        "hub = hubs.get_hub()\n"
        "sleep(0)\n"
        "parent_loop = hub.loop\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    async def child():\n"
        "        await asyncio.sleep(0)\n"
        "        return 'child ok'\n"
        "    ok = hub.loop is not parent_loop and spawn_for_awaitable(child()).wait()\n"
        "    os.write(1, (str(ok) + '\\n').encode())\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "print('parent', hub.loop is parent_loop)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "child ok\nparent True\n"
