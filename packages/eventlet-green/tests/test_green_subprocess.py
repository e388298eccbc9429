"""eventlet.green.subprocess: Popen with green pipes, communicate/wait with timeouts, run & co.

Every test runs real children (``sys.executable -c ...``). Greenness is shown by another green
thread making progress, in a known order, while a call waits for a child; Timeout guards
turn a hang into a failure.
"""

from __future__ import annotations

import io
import os
import subprocess as std_subprocess
import sys

import pytest

from eventlet.event import Event
from eventlet.green import subprocess
from eventlet.greenio import GreenFileIO
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

GUARD = 20  # seconds: far above what any test needs, so only a bug reaches it

all_hubs = pytest.mark.all_hubs

PY = sys.executable
ECHO_SLOWLY = "import sys, time; data = sys.stdin.buffer.read(); time.sleep(0.5); sys.stdout.buffer.write(data.upper())"
COPY = "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"
TWO_PARTS = "import time; print('first', flush=True); time.sleep(0.6); print('second')"


def raw_of(pipe):
    """The raw file under a (possibly text, possibly buffered) pipe object."""
    layer = getattr(pipe, "buffer", pipe)
    return getattr(layer, "raw", layer)


def green_progress():
    """A green thread that signals an Event when it has run; return the Event."""
    ran = Event()
    spawn(ran.send, "ran")
    return ran


# -- the module ------------------------------------------------------------------------------


def test_module_interface():
    assert subprocess.__all__ == std_subprocess.__all__
    for name in std_subprocess.__all__:
        assert hasattr(subprocess, name), name
    assert subprocess.Popen is not std_subprocess.Popen
    for name in ("SubprocessError", "CalledProcessError", "TimeoutExpired", "CompletedProcess"):
        assert getattr(subprocess, name) is getattr(std_subprocess, name)
    assert (subprocess.PIPE, subprocess.STDOUT, subprocess.DEVNULL) == (
        std_subprocess.PIPE,
        std_subprocess.STDOUT,
        std_subprocess.DEVNULL,
    )


def test_the_real_subprocess_module_is_left_alone():
    assert sys.modules["subprocess"] is std_subprocess
    assert std_subprocess.os is os
    assert std_subprocess.io is io


# -- Popen's pipes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"text": True}, {"bufsize": 0}, {"encoding": "utf-8", "errors": "replace"}],
)
def test_pipes_are_green_pipes(kwargs):
    with subprocess.Popen(
        [PY, "-c", "pass"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    ) as proc:
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            assert isinstance(raw_of(pipe), GreenFileIO)
            assert not os.get_blocking(pipe.fileno())
        if kwargs.get("text") or "encoding" in kwargs:
            assert isinstance(proc.stdout, io.TextIOWrapper)
            assert proc.stdout.encoding == kwargs.get("encoding", proc.stdout.encoding)
        if kwargs.get("bufsize") == 0:
            assert isinstance(proc.stdout, GreenFileIO)
        proc.communicate()
    assert proc.returncode == 0


@all_hubs
def test_reading_a_pipe_waits_green():
    with subprocess.Popen(
        [PY, "-c", "import time; time.sleep(0.3); print('late', flush=True)"],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        ran = green_progress()
        with Timeout(GUARD):
            line = proc.stdout.readline()
        assert line == "late\n"
        assert ran.ready()


# -- communicate ----------------------------------------------------------------------------------


@all_hubs
def test_communicate_is_green():
    order = []
    proc = subprocess.Popen([PY, "-c", ECHO_SLOWLY], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def other():
        order.append("other")

    spawn(other)
    order.append("communicate")
    with Timeout(GUARD):
        out, err = proc.communicate(b"hello")
    order.append("done")
    assert (out, err, proc.returncode) == (b"HELLO", None, 0)
    assert order == ["communicate", "other", "done"]


@all_hubs
def test_communicate_moves_a_lot_both_ways():
    data = os.urandom(3 * 1024 * 1024)
    proc = subprocess.Popen([PY, "-c", COPY], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    with Timeout(GUARD):
        out, _ = proc.communicate(data)
    assert out == data


@all_hubs
def test_communicate_text_mode():
    proc = subprocess.Popen(
        [
            PY,
            "-c",
            "import sys; sys.stdout.write(sys.stdin.read() + '\\r\\nend'); sys.stderr.write('err')",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with Timeout(GUARD):
        out, err = proc.communicate("héllo")
    assert (out, err) == ("héllo\nend", "err")


@all_hubs
def test_communicate_timeout_then_carry_on():
    proc = subprocess.Popen([PY, "-c", TWO_PARTS], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with Timeout(GUARD), pytest.raises(std_subprocess.TimeoutExpired) as info:
            proc.communicate(timeout=0.3)
        assert info.value.timeout == 0.3
        assert info.value.output == b"first\n"  # what came before the timeout
        assert proc.poll() is None  # the child keeps running
        with Timeout(GUARD):
            out, err = proc.communicate()
        assert (out, err, proc.returncode) == (b"first\nsecond\n", b"", 0)
    finally:
        proc.kill()
        proc.wait()


@all_hubs
def test_communicate_with_one_pipe_and_no_timeout():
    proc = subprocess.Popen([PY, "-c", "print('only stdout')"], stdout=subprocess.PIPE)
    ran = green_progress()
    with Timeout(GUARD):
        out, err = proc.communicate()
    assert (out, err) == (b"only stdout\n", None)
    assert ran.ready()


# -- wait ----------------------------------------------------------------------------------------


@all_hubs
def test_wait_is_green():
    proc = subprocess.Popen([PY, "-c", "import time; time.sleep(0.5); raise SystemExit(4)"])
    order = []
    spawn(order.append, "other")
    order.append("wait")
    with Timeout(GUARD):
        assert proc.wait() == 4
    assert order == ["wait", "other"]


@all_hubs
def test_wait_timeout_then_wait_again():
    proc = subprocess.Popen([PY, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        ran = green_progress()
        with Timeout(GUARD), pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=0.1)
        assert ran.ready()
        assert proc.returncode is None
        proc.stdin.close()  # now the child can finish
        with Timeout(GUARD):
            assert proc.wait(timeout=GUARD) == 0
    finally:
        proc.kill()
        proc.wait()


@all_hubs
def test_eventlet_timeout_interrupts_wait():
    proc = subprocess.Popen([PY, "-c", "import time; time.sleep(10)"])
    try:
        with pytest.raises(Timeout), Timeout(0.1):
            proc.wait()
        assert proc.poll() is None
        proc.kill()
        with Timeout(GUARD):
            assert proc.wait() == -9
    finally:
        proc.kill()
        proc.wait()


def test_two_green_threads_wait_for_one_child():
    proc = subprocess.Popen([PY, "-c", "import time; time.sleep(0.3); raise SystemExit(6)"])
    results = []

    def waiter():
        results.append(proc.wait())

    threads = [spawn(waiter) for _ in range(2)]
    with Timeout(GUARD):
        for thread in threads:
            thread.wait()
    assert results == [6, 6]


# -- run and the helpers --------------------------------------------------------------------------


@all_hubs
def test_run_is_green_and_returns_a_completed_process():
    ran = green_progress()
    with Timeout(GUARD):
        done = subprocess.run(
            [PY, "-c", "import sys, time; time.sleep(0.3); print(sys.stdin.read())"],
            input=b"in",
            capture_output=True,
        )
    assert isinstance(done, std_subprocess.CompletedProcess)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"in\n", b"")
    assert ran.ready()


def test_run_timeout_kills_the_child():
    code = "import os, time; print(os.getpid(), flush=True); time.sleep(10)"
    with Timeout(GUARD), pytest.raises(std_subprocess.TimeoutExpired) as info:
        subprocess.run([PY, "-c", code], timeout=1.5, capture_output=True)
    assert info.value.timeout == 1.5
    pid = int(info.value.stdout)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped


def test_run_check_raises_called_process_error():
    with Timeout(GUARD), pytest.raises(std_subprocess.CalledProcessError) as info:
        subprocess.run([PY, "-c", "raise SystemExit(3)"], check=True)
    assert info.value.returncode == 3


def test_call_and_check_call():
    with Timeout(GUARD):
        assert subprocess.call([PY, "-c", "raise SystemExit(2)"]) == 2
        assert subprocess.check_call([PY, "-c", "pass"]) == 0
        with pytest.raises(subprocess.CalledProcessError):
            subprocess.check_call([PY, "-c", "raise SystemExit(1)"])
        with pytest.raises(subprocess.TimeoutExpired):
            subprocess.call([PY, "-c", "import time; time.sleep(10)"], timeout=0.2)


def test_check_output_and_getoutput():
    with Timeout(GUARD):
        assert subprocess.check_output([PY, "-c", "print('out')"]) == b"out\n"
        assert subprocess.check_output([PY, "-c", "print('t')"], text=True) == "t\n"
        with pytest.raises(subprocess.CalledProcessError) as info:
            subprocess.check_output([PY, "-c", "print('x'); raise SystemExit(5)"])
        assert (info.value.returncode, info.value.output) == (5, b"x\n")
        assert subprocess.getoutput("echo hello") == "hello"
        assert subprocess.getstatusoutput("echo oops; exit 3") == (3, "oops")


@all_hubs
def test_children_in_two_green_threads_run_at_once():
    # The first child reads what the second writes: if one run() held up the hub, the
    # second could never start and the first would never finish.
    r, w = os.pipe()
    write_end_open = [True]
    try:
        reader = spawn(subprocess.check_output, [PY, "-c", COPY], stdin=r)
        sleep(0)  # the first child is running and waiting for input

        def writer():
            subprocess.check_call([PY, "-c", "print('through the pipe')"], stdout=w)
            write_end_open[0] = False
            os.close(w)

        spawn(writer)
        with Timeout(GUARD):
            assert reader.wait() == b"through the pipe\n"
    finally:
        os.close(r)
        if write_end_open[0]:
            os.close(w)


def test_many_concurrent_children():
    def job(i):
        return subprocess.check_output([PY, "-c", f"import time; time.sleep(0.2); print({i})"])

    threads = [spawn(job, i) for i in range(6)]
    with Timeout(GUARD):
        assert [thread.wait() for thread in threads] == [f"{i}\n".encode() for i in range(6)]


def test_popen_errors_like_stdlib():
    with pytest.raises(FileNotFoundError):
        subprocess.Popen(["/nonexistent/program"])
    with pytest.raises(TypeError, match="bufsize must be an integer"):
        subprocess.Popen([PY], stdin=subprocess.PIPE, bufsize="big")
