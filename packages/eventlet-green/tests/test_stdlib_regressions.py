"""Regressions found by running CPython's own test suite under monkey_patch() (tools/stdlib_tests.py).

Each test is the small form of a CPython test that failed with the green modules, named in
its docstring.
"""

from __future__ import annotations

import _thread as std_thread
import io
import os
import select as std_select
import signal
import subprocess as std_subprocess
import sys
import time as std_time
import warnings

import pytest

from eventlet.green import _thread as green_thread
from eventlet.green import select, threading
from eventlet.green import subprocess as green_subprocess
from eventlet.green import time as green_time
from eventlet.greenthread import spawn


def std_socket_module():
    """The standard library's socket module (the tests import green ones by name)."""
    import socket

    return socket


def test_allocate_lock_stored_on_a_class_is_not_a_method():
    """test_thread: ``locktype = thread.allocate_lock`` as a class attribute, called as
    ``self.locktype()``, must not get ``self`` (the builtin does not)."""

    class Holder:
        locktype = green_thread.allocate_lock

    lock = Holder().locktype()
    assert isinstance(lock, green_thread.LockType)
    assert lock.acquire(False) and not lock.acquire(False)
    assert green_thread.allocate_lock.__doc__


def test_poll_stored_on_a_class_is_not_a_method():
    """test_selectors: ``PollSelector`` keeps ``_selector_cls = select.poll`` and calls it
    on ``self``."""

    class Holder:
        maker = select.poll

    poller = Holder().maker()
    poller.register(sys.__stdout__.fileno(), std_select.POLLOUT)
    assert poller.poll(0) == [(sys.__stdout__.fileno(), std_select.POLLOUT)]


def test_poll_type_cannot_be_instantiated():
    """test_select.test_disallow_instantiation: as the standard library's poll type."""
    with pytest.raises(TypeError, match=r"cannot create 'eventlet\.green\.select\.poll'"):
        type(select.poll())()
    assert type(select.poll()).__name__ == type(std_select.poll()).__name__ == "poll"


def test_select_reads_a_list_that_fileno_mutates_as_the_stdlib_does():
    """test_select.test_select_mutated (bpo-16230): the list shrinks as it is read."""
    items: list[object] = []

    class Shrinking:
        def fileno(self) -> int:
            del items[-1]
            return sys.__stdout__.fileno()

    items[:] = [Shrinking()] * 10
    result = select.select([], items, [])
    assert result == ([], items[:5], [])
    assert len(items) == 5


@pytest.mark.parametrize(
    ("value", "error"),
    [(-1, ValueError), (-2.0, ValueError), (float("nan"), ValueError), ("1", TypeError)],
)
def test_sleep_refuses_what_the_stdlib_refuses(value, error):
    """test_time.test_sleep: a negative duration raises ValueError, as time.sleep does."""
    with pytest.raises(error) as green:
        green_time.sleep(value)
    with pytest.raises(error) as real:
        std_time.sleep(value)
    assert str(green.value) == str(real.value)


def test_sleep_lets_other_green_threads_run():
    order = []
    worker = spawn(order.append, "worker")
    green_time.sleep(0)
    order.append("main")
    worker.wait()
    assert order == ["worker", "main"]


def test_excepthook_names_a_thread_given_as_none_by_its_green_ident():
    """test_threading.test_excepthook_thread_None."""
    stderr = io.StringIO()
    saved, sys.stderr = sys.stderr, stderr
    try:
        try:
            raise ValueError("bug")
        except ValueError:
            threading.excepthook(threading.ExceptHookArgs([*sys.exc_info(), None]))
    finally:
        sys.stderr = saved
    text = stderr.getvalue()
    assert text.startswith(f"Exception in thread {threading.get_ident()}:\n")
    assert "ValueError: bug" in text
    with pytest.raises(TypeError, match="ExceptHookArgs"):
        green_thread._excepthook(("not", "args"))


def test_interrupt_main_from_a_green_thread_interrupts_the_main_one():
    """test_threading.test_interrupt_main_subthread: the KeyboardInterrupt reaches the main
    green thread (where it waits), not the caller, whose Thread would only report it."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    never = threading.Event()
    reported = []
    saved_hook, threading.excepthook = threading.excepthook, reported.append
    try:
        thread = threading.Thread(target=green_thread.interrupt_main)
        thread.start()
        with pytest.raises(KeyboardInterrupt):
            never.wait(10)
        thread.join()
    finally:
        threading.excepthook = saved_hook
    assert reported == []
    with pytest.raises(ValueError):
        green_thread.interrupt_main(-1)


def test_interrupt_main_in_the_main_green_thread_is_immediate():
    with pytest.raises(KeyboardInterrupt):
        green_thread.interrupt_main()
        for _ in range(1000):  # the handler runs at the next bytecode boundary
            pass
    assert green_thread.interrupt_main is not std_thread.interrupt_main


def test_subprocess_functions_use_the_module_attributes_a_program_replaces(monkeypatch):
    """test_subprocess: ``mock.patch("subprocess.Popen", ...)`` must reach ``call()``."""
    made = []

    class RecordingPopen(green_subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(green_subprocess, "Popen", RecordingPopen)
    assert green_subprocess.call([sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert len(made) == 1 and made[0].returncode == 3


def test_subprocess_binary_line_buffering_warns_as_io_open_does():
    """test_subprocess.test_bufsize_equal_one_binary_mode."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with green_subprocess.Popen(
            [sys.executable, "-c", "print('x')"], stdout=green_subprocess.PIPE, bufsize=1
        ) as process:
            assert process.stdout.read() == b"x\n"
    assert [str(w.message)[:29] for w in caught if w.category is RuntimeWarning] == [
        "line buffering (buffering=1) "
    ]


def test_subprocess_public_names_are_the_stdlib_ones():
    """test_subprocess.test__all__: no helper of the green module looks public."""
    public = {name for name in vars(green_subprocess) if not name.startswith("_")}
    assert public - set(dir(std_subprocess)) == set()
    assert green_subprocess.TimeoutExpired is std_subprocess.TimeoutExpired


def test_select_still_hears_a_descriptor_after_a_wake_up_it_did_not_ask_for():
    """test_subprocess hung now and then in communicate(): a wake-up for a descriptor that
    select() then found not ready (here urgent data, which the hub hears as readable and
    select's read list does not) silenced it for the rest of the call, so the data that came
    next was never seen and select() waited for ever."""
    from eventlet.green import socket as green_socket
    from eventlet.greenthread import spawn_after

    server = green_socket.create_server(("127.0.0.1", 0))
    client = green_socket.create_connection(server.getsockname())
    conn, _ = server.accept()
    with server, client, conn:
        conn.send(b"!", green_socket.MSG_OOB)
        later = spawn_after(0.05, conn.send, b"data")
        assert select.select([client], [], [], 10) == ([client], [], [])
        later.wait()
        assert client.recv(10) == b"data"


# -- green sockets (test_socket) ------------------------------------------------------------


def test_socket_class_has_the_stdlib_private_methods_callers_use():
    """test_socket.test_socket_methods and the Sendfile*Test cases."""
    from eventlet.green import socket as green_socket

    for name in ("_accept", "_sendfile_use_send", "_sendfile_use_sendfile"):
        assert callable(getattr(green_socket.socket, name)), name


@pytest.mark.parametrize("method", ["_sendfile_use_send", "_sendfile_use_sendfile"])
def test_sendfile_halves_send_a_file_on_a_blocking_green_socket(tmp_path, method):
    from eventlet.green import socket as green_socket

    payload = bytes(range(256)) * 4000  # more than a socket buffer holds at once
    path = tmp_path / "payload"
    path.write_bytes(payload)
    server = green_socket.create_server(("127.0.0.1", 0))
    received = []

    def receive():
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(65536):
                received.append(chunk)

    reader = spawn(receive)
    with green_socket.create_connection(server.getsockname()) as client, open(path, "rb") as f:
        assert getattr(client, method)(f, offset=10, count=len(payload) - 20) == len(payload) - 20
        assert f.tell() == len(payload) - 10
    reader.wait()
    server.close()
    assert b"".join(received) == payload[10:-10]


def test_sendfile_halves_refuse_a_non_blocking_socket(tmp_path):
    from eventlet.green import socket as green_socket

    a, b = green_socket.socketpair()
    with a, b, open(tmp_path / "f", "wb+") as f:
        a.setblocking(False)
        with pytest.raises(ValueError, match="non-blocking"):
            a._sendfile_use_send(f)
        with pytest.raises(ValueError, match="positive integer"):
            a.settimeout(None) or a._sendfile_use_sendfile(f, count=0)


def test_sendto_with_an_address_of_none_is_a_type_error():
    """test_socket.testSendtoErrors."""
    from eventlet.green import socket as green_socket

    with green_socket.socket(green_socket.AF_INET, green_socket.SOCK_DGRAM) as sock:
        with pytest.raises(TypeError, match="NoneType"):
            sock.sendto(b"foo", None)
        with pytest.raises(TypeError, match="NoneType"):
            sock.sendto(b"foo", 0, None)


def test_sendmsg_with_msg_dontwait_does_not_wait():
    """test_socket.testSendmsgDontWait: the flag makes that one call non-blocking."""
    from eventlet.green import socket as green_socket

    a, b = green_socket.socketpair()
    with a, b:
        assert a.gettimeout() is None
        with pytest.raises(BlockingIOError):
            while True:  # fills the buffer, then must raise instead of waiting
                a.sendmsg([b"x" * 65536], [], green_socket.MSG_DONTWAIT)


def test_sendfile_use_sendfile_gives_up_on_what_os_sendfile_cannot_read():
    """test_socket.test__sendfile_use_sendfile and testNonRegularFile: the standard
    library's fall-back signal, _GiveupOnSendfile, for a file with no usable descriptor."""
    from eventlet.green import socket as green_socket

    with green_socket.socket() as sock:
        with pytest.raises(green_socket._GiveupOnSendfile):
            sock._sendfile_use_sendfile(io.BytesIO(b"data"))
        closed = os.open(os.curdir, os.O_RDONLY)
        os.close(closed)

        class File:
            def fileno(self) -> int:
                return closed

        with pytest.raises(green_socket._GiveupOnSendfile):
            sock._sendfile_use_sendfile(File())


@pytest.mark.skipif(not hasattr(std_time, "pthread_getcpuclockid"), reason="POSIX only")
def test_pthread_getcpuclockid_of_a_green_thread_is_its_os_threads(run_python):
    """test_time: ``time.pthread_getcpuclockid(threading.get_ident())``. The stdlib's, given
    a green identifier, makes the C library read a thread that is not one (so it runs in a
    separate interpreter)."""
    result = run_python(
        "import _thread, time as std_time\n"
        "from eventlet.green import threading, time\n"
        "from eventlet.greenthread import spawn\n"
        "own = std_time.pthread_getcpuclockid(_thread.get_ident())\n"
        "here = time.pthread_getcpuclockid(threading.get_ident())\n"
        "there = spawn(lambda: time.pthread_getcpuclockid(threading.get_ident())).wait()\n"
        "print(here == there == own, time.clock_gettime(here) <= time.clock_gettime(here))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True True\n"


def test_an_unstarted_thread_handle_cannot_be_joined_or_marked_done():
    """test_thread (Python 3.13): ``_ThreadHandle().join()`` and ``_set_done()``."""
    from eventlet.green import thread as green_thread_impl

    handle = green_thread_impl._ThreadHandle()
    with pytest.raises(RuntimeError, match="thread not started"):
        handle.join()
    with pytest.raises(RuntimeError, match="thread not started"):
        handle._set_done()


def test_rlock_takes_and_ignores_arguments_as_the_c_rlock_does():
    """test_threading (gh-102029): arguments are ignored; Python 3.13 warns about them."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        green_thread.RLock()
    if sys.version_info >= (3, 13):
        with pytest.warns(DeprecationWarning, match="Passing arguments to RLock is deprecated"):
            lock = green_thread.RLock(1, a=2)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lock = green_thread.RLock(1, a=2)
    assert lock.acquire() and lock.acquire()


@pytest.mark.skipif(sys.version_info < (3, 13), reason="threading.Lock is a type from 3.13")
def test_threading_lock_takes_no_subclass_as_the_stdlib():
    """test_threading (Python 3.13): ``class MyLock(threading.Lock)`` raises TypeError."""
    with pytest.raises(TypeError):

        class MyLock(threading.Lock):  # type: ignore[misc,valid-type]
            pass


@pytest.mark.skipif(
    not hasattr(std_socket_module(), "_fallback_socketpair"), reason="no fallback here"
)
def test_the_fallback_socketpair_makes_green_sockets():
    """test_socket (3.13): PurePythonSocketPairTest swaps in ``socket._fallback_socketpair``;
    the stdlib's own would make real, blocking sockets."""
    from eventlet.green import socket as green_socket
    from eventlet.greenio import GreenSocket

    a, b = green_socket._fallback_socketpair()
    with a, b:
        assert type(a) is GreenSocket and type(b) is GreenSocket
        received = spawn(b.recv, 10)
        a.sendall(b"ping")
        assert received.wait() == b"ping"
