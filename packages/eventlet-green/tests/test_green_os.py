"""eventlet.green.os: green read/write, waiting for children, fork, open/close, fdopen.

Real pipes, socketpairs, ptys and child processes. Greenness is shown by another green thread
making progress, in a known order, while a call waits; Timeout guards turn a hang into a
failure.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import socket
import sys

import pytest

from eventlet.event import Event
from eventlet.green import os as green_os
from eventlet.greenio import GreenFileIO, GreenSocket
from eventlet.greenthread import sleep, spawn
from eventlet.hubs import IOClosed, get_hub
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it

all_hubs = pytest.mark.all_hubs


@pytest.fixture
def nb_pipe(make_pipe):
    """A non-blocking pipe (conftest's Pipe), closed after the test."""
    return make_pipe(blocking=False)


def spawn_child(code):
    """Start ``python -c code``; return its pid (to be reaped by the test)."""
    return os.posix_spawn(sys.executable, [sys.executable, "-c", code], os.environ)


def pidfds_open():
    """How many pidfds this process has open."""
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{name}") == "anon_inode:[pidfd]"
        except OSError:
            pass  # the descriptor listdir itself used
    return count


def pidfds_watched():
    """How many of the hub's read listeners wait on a pidfd."""
    count = 0
    for listener in get_hub().get_readers():
        try:
            if os.readlink(f"/proc/self/fd/{listener.fileno}") == "anon_inode:[pidfd]":
                count += 1
        except OSError:
            pass
    return count


def reap(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


# -- the module ------------------------------------------------------------------------------


def test_everything_of_os_is_here():
    for name in os.__all__:
        assert hasattr(green_os, name), name
    assert green_os.path is os.path
    assert green_os.environ is os.environ
    assert green_os.fork is os.fork  # the hub re-arms itself in the child
    assert green_os.__all__ == os.__all__
    for name in green_os.__patched__:
        assert getattr(green_os, name) is not getattr(os, name), name


# -- read ------------------------------------------------------------------------------------


@all_hubs
@pytest.mark.parametrize("blocking", [True, False])
def test_read_waits_green(blocking, make_pipe):
    p = make_pipe(blocking)
    order = []

    def writer():
        order.append("writer")
        os.write(p.w, b"hello")

    spawn(writer)
    order.append("read")
    with Timeout(GUARD):
        data = green_os.read(p.r, 100)
    assert data == b"hello"
    assert order == ["read", "writer"]
    assert os.get_blocking(p.r) is blocking  # a blocking descriptor stays blocking


@all_hubs
def test_read_returns_at_once_when_data_is_there(pipe):
    os.write(pipe.w, b"abc")
    with Timeout(GUARD):
        assert green_os.read(pipe.r, 2) == b"ab"
        assert green_os.read(pipe.r, 2) == b"c"


@all_hubs
def test_read_sees_end_of_file(nb_pipe):
    spawn(nb_pipe.close, nb_pipe.w)
    with Timeout(GUARD):
        assert green_os.read(nb_pipe.r, 10) == b""


def test_read_nothing_returns_at_once(pipe):
    assert green_os.read(pipe.r, 0) == b""


def test_read_errors_like_stdlib(pipe):
    with pytest.raises(OSError) as info:
        green_os.read(pipe.r, -1)
    assert info.value.errno == errno.EINVAL
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        green_os.read(pipe.r, "1")
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        green_os.read("3", 1)
    spare = os.dup(pipe.r)
    os.close(spare)
    with pytest.raises(OSError) as info:
        green_os.read(spare, 1)
    assert info.value.errno == errno.EBADF


@all_hubs
def test_read_of_a_regular_file(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"content")
    fd = os.open(path, os.O_RDONLY)
    try:
        with Timeout(GUARD):
            assert green_os.read(fd, 100) == b"content"
            assert green_os.read(fd, 100) == b""
    finally:
        os.close(fd)


@all_hubs
def test_read_of_a_blocking_pty_waits_green():
    master, slave = os.openpty()
    try:
        spawn(os.write, slave, b"typed\n")
        with Timeout(GUARD):
            data = green_os.read(master, 100)
        assert b"typed" in data
    finally:
        os.close(master)
        os.close(slave)


@all_hubs
def test_closing_a_descriptor_under_read_raises(nb_pipe):
    spawn(nb_pipe.close, nb_pipe.r)
    with Timeout(GUARD), pytest.raises(IOClosed):
        green_os.read(nb_pipe.r, 10)


# -- write -----------------------------------------------------------------------------------


@all_hubs
@pytest.mark.parametrize("blocking", [True, False])
def test_write_waits_green_while_the_pipe_is_full(blocking, make_pipe):
    p = make_pipe(blocking)
    data = bytes(range(256)) * 4096  # 1 MiB: far more than a pipe holds
    received = bytearray()
    done = Event()

    def reader():
        while len(received) < len(data):
            received.extend(green_os.read(p.r, 65536))
        done.send()

    spawn(reader)
    with Timeout(GUARD):
        written = 0
        while written < len(data):  # a non-blocking write may be short
            written += green_os.write(p.w, data[written:])
        done.wait()
    assert bytes(received) == data
    if blocking:
        assert written == len(data)


@all_hubs
def test_blocking_write_writes_everything_in_one_call(pipe):
    data = b"z" * 300_000
    received = bytearray()

    def reader():
        while len(received) < len(data):
            received.extend(green_os.read(pipe.r, 65536))

    thread = spawn(reader)
    with Timeout(GUARD):
        assert green_os.write(pipe.w, data) == len(data)
        thread.wait()
    assert received == data


@all_hubs
def test_blocking_write_on_a_socket_waits_green():
    a, b = socket.socketpair()
    try:
        data = b"s" * 2_000_000
        received = bytearray()

        def reader():
            while len(received) < len(data):
                received.extend(green_os.read(b.fileno(), 1 << 16))

        thread = spawn(reader)
        with Timeout(GUARD):
            assert green_os.write(a.fileno(), data) == len(data)
            thread.wait()
        assert received == data
    finally:
        a.close()
        b.close()


def test_write_errors_like_stdlib(pipe):
    with pytest.raises(TypeError, match="a bytes-like object is required, not 'str'"):
        green_os.write(pipe.w, "text")
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        green_os.write("4", b"x")
    pipe.close(pipe.r)
    with pytest.raises(BrokenPipeError):
        green_os.write(pipe.w, b"x")


@all_hubs
def test_write_to_a_regular_file(tmp_path):
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    try:
        assert green_os.write(fd, b"data") == 4
        assert green_os.write(fd, memoryview(b"more")) == 4
    finally:
        os.close(fd)
    assert (tmp_path / "f").read_bytes() == b"datamore"


# -- waiting for children ------------------------------------------------------------------------


@all_hubs
def test_waitpid_waits_green_on_a_pidfd():
    pid = spawn_child("import time; time.sleep(0.5); raise SystemExit(7)")
    try:
        order = []
        progressed = Event()

        def other():
            order.append(("other", pidfds_watched()))
            progressed.send()

        spawn(other)
        with Timeout(GUARD):
            got_pid, status = green_os.waitpid(pid, 0)
        order.append("reaped")
    finally:
        reap(pid)
    assert got_pid == pid
    assert os.waitstatus_to_exitcode(status) == 7
    assert progressed.ready()
    expected = 1 if hasattr(os, "pidfd_open") else 0
    assert order == [("other", expected), "reaped"]


@all_hubs
def test_waitpid_without_pidfd_polls_green(monkeypatch):
    monkeypatch.delattr(os, "pidfd_open", raising=False)
    pid = spawn_child("import time; time.sleep(0.2); raise SystemExit(3)")
    try:
        ticks = []

        def ticker():
            while True:
                ticks.append(1)
                sleep(0.01)

        thread = spawn(ticker)
        with Timeout(GUARD):
            got_pid, status = green_os.waitpid(pid, 0)
        thread.kill()
    finally:
        reap(pid)
    assert (got_pid, os.waitstatus_to_exitcode(status)) == (pid, 3)
    assert ticks  # the other green thread ran while waitpid waited


@all_hubs
def test_wait_for_any_child():
    # The child exits only once another green thread has run, so wait() must really wait on
    # the hub (a child already gone would be reaped at once, without yielding).
    release_r, release_w = os.pipe()
    os.set_inheritable(release_r, True)
    pid = spawn_child(f"import os; os.read({release_r}, 1); raise SystemExit(5)")
    os.close(release_r)
    try:
        progressed = Event()

        def release() -> None:
            progressed.send()
            os.write(release_w, b"x")

        spawn(release)
        with Timeout(GUARD):
            got_pid, status = green_os.wait()
    finally:
        os.close(release_w)
        reap(pid)
    assert (got_pid, os.waitstatus_to_exitcode(status)) == (pid, 5)
    assert progressed.ready()


@all_hubs
def test_waitpid_any_child_and_wait4_wait3():
    first = spawn_child("raise SystemExit(1)")
    second = spawn_child("raise SystemExit(2)")
    third = spawn_child("raise SystemExit(3)")
    try:
        with Timeout(GUARD):
            got = {}
            pid, status = green_os.waitpid(-1, 0)
            got[pid] = os.waitstatus_to_exitcode(status)
            pid, status, usage = green_os.wait4(-1, 0)
            got[pid] = os.waitstatus_to_exitcode(status)
            assert usage.ru_maxrss >= 0
            pid, status, usage = green_os.wait3(0)
            got[pid] = os.waitstatus_to_exitcode(status)
    finally:
        for pid in (first, second, third):
            reap(pid)
    assert got == {first: 1, second: 2, third: 3}


def test_wnohang_answers_at_once():
    pid = spawn_child("import time; time.sleep(5)")
    try:
        assert green_os.waitpid(pid, os.WNOHANG) == (0, 0)
        assert green_os.wait4(pid, os.WNOHANG)[:2] == (0, 0)
    finally:
        reap(pid)


def test_waitpid_errors_like_stdlib():
    with pytest.raises(ChildProcessError):
        green_os.waitpid(1, 0)  # init is nobody's child here
    with pytest.raises(TypeError):
        green_os.waitpid("1", 0)


@all_hubs
def test_a_timeout_interrupts_waitpid_and_leaks_nothing():
    pid = spawn_child("import time; time.sleep(5)")
    try:
        assert pidfds_open() == 0
        with pytest.raises(Timeout), Timeout(0.1):
            green_os.waitpid(pid, 0)
        assert pidfds_open() == 0  # the pidfd is closed
        assert pidfds_watched() == 0
        os.kill(pid, signal.SIGTERM)
        with Timeout(GUARD):
            got_pid, status = green_os.waitpid(pid, 0)  # and the child can be waited on again
        assert got_pid == pid
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM
    finally:
        reap(pid)


@all_hubs
def test_waitpid_sees_a_stopped_child_with_wuntraced():
    pid = spawn_child(
        "import os, signal, time; os.kill(os.getpid(), signal.SIGSTOP); time.sleep(5)"
    )
    try:
        with Timeout(GUARD):
            got_pid, status = green_os.waitpid(pid, os.WUNTRACED)
        assert got_pid == pid
        assert os.WIFSTOPPED(status) and os.WSTOPSIG(status) == signal.SIGSTOP
    finally:
        reap(pid)


# -- fork ------------------------------------------------------------------------------------------


CHILD_EXIT = 42


def child_uses_the_hub():
    """In a forked child: green threads, sleep and green sockets; return an exit status."""
    a, b = socket.socketpair()
    ga, gb = GreenSocket(a), GreenSocket(b)

    def sender():
        sleep(0.05)
        gb.sendall(b"from the child's hub")

    thread = spawn(sender)
    with Timeout(5):
        data = ga.recv(100)
        thread.wait()
        sleep(0.01)
    return CHILD_EXIT if data == b"from the child's hub" else 1


@all_hubs
def test_fork_keeps_the_hub_usable_in_the_child():
    sleep(0)  # the hub exists (and runs) before the fork
    parent_ticks = []

    def ticker():
        while True:
            parent_ticks.append(1)
            sleep(0.01)

    thread = spawn(ticker)
    sleep(0)
    pid = green_os.fork()
    if pid == 0:
        code = 1
        try:
            thread.kill()
            code = child_uses_the_hub()
        finally:
            os._exit(code)
    try:
        with Timeout(GUARD):
            got_pid, status = green_os.waitpid(pid, 0)
        thread.kill()
    finally:
        reap(pid)
    assert got_pid == pid
    assert os.waitstatus_to_exitcode(status) == CHILD_EXIT
    assert parent_ticks  # the parent's green threads ran while it waited


# -- open, close, fdopen ------------------------------------------------------------------------------


@all_hubs
def test_close_tells_a_waiting_green_thread(nb_pipe):
    errors = []

    def reader():
        try:
            green_os.read(nb_pipe.r, 10)
        except OSError as exc:
            errors.append(exc)

    thread = spawn(reader)
    sleep(0)  # the reader waits on the hub now
    nb_pipe.close(nb_pipe.r)
    with Timeout(GUARD):
        thread.wait()
    assert len(errors) == 1 and isinstance(errors[0], IOClosed)


def test_open_and_close(tmp_path):
    fd = green_os.open(tmp_path / "f", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        assert green_os.write(fd, b"abc") == 3
        os.lseek(fd, 0, os.SEEK_SET)
        assert green_os.read(fd, 10) == b"abc"
    finally:
        green_os.close(fd)
    with pytest.raises(OSError) as info:
        green_os.close(fd)
    assert info.value.errno == errno.EBADF
    with pytest.raises(FileNotFoundError):
        green_os.open(tmp_path / "missing" / "f", os.O_RDONLY)


def test_close_without_a_hub_makes_none():
    import eventlet.hubs as hubs

    hubs.use_hub()  # drop this thread's hub
    r, w = os.pipe()
    green_os.close(r)
    green_os.close(w)
    assert not hasattr(hubs._threadlocal, "hub")


@all_hubs
def test_fdopen_of_a_pipe_is_green(pipe):
    reader = green_os.fdopen(pipe.r, "r", encoding="utf-8")
    pipe.open.discard(pipe.r)  # the file owns it now
    try:
        assert isinstance(reader.buffer.raw, GreenFileIO)
        order = []

        def writer():
            order.append("writer")
            os.write(pipe.w, "héllo\n".encode())

        spawn(writer)
        with Timeout(GUARD):
            assert reader.readline() == "héllo\n"
        assert order == ["writer"]
    finally:
        reader.close()


def test_fdopen_of_a_regular_file_is_the_stdlibs(tmp_path):
    fd = os.open(tmp_path / "f", os.O_RDWR | os.O_CREAT)
    with green_os.fdopen(fd, "w+b") as f:
        assert isinstance(f, io.BufferedRandom)
        f.write(b"x")
    with pytest.raises(TypeError, match="invalid fd type"):
        green_os.fdopen("3")
