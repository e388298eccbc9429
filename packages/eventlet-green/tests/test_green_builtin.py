"""eventlet.green.builtin: the builtins, with an open() whose pipes and FIFOs are green.

Real FIFOs and pipes; greenness is shown by another green thread running, in a known order,
while a read (or the opening of a FIFO) waits. Timeout guards turn a hang into a failure.
"""

from __future__ import annotations

import builtins
import io
import os

import pytest

from eventlet.green import builtin
from eventlet.greenio import GreenFileIO
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

GUARD = 10  # seconds: far above what any test needs, so only a bug reaches it

all_hubs = pytest.mark.all_hubs


def raw_of(f):
    layer = getattr(f, "buffer", f)
    return getattr(layer, "raw", layer)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


# -- the module ------------------------------------------------------------------------------


def test_the_builtins_are_here():
    for name in dir(builtins):
        if name.startswith("__"):
            continue
        assert hasattr(builtin, name), name
        if name != "open":
            assert getattr(builtin, name) is getattr(builtins, name), name
    assert builtin.open is not builtins.open
    assert builtin.__patched__ == ["open"]


# -- regular files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, kind",
    [("w", io.TextIOWrapper), ("wb", io.BufferedWriter), ("w+b", io.BufferedRandom)],
)
def test_regular_files_are_what_open_gives(tmp_path, mode, kind):
    path = tmp_path / "f"
    with builtin.open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        assert type(f) is kind
        f.write("dàta" if "b" not in mode else "dàta".encode())
    with builtin.open(path, encoding="utf-8") as f:
        assert f.read() == "dàta"
    with builtin.open(str(path), "rb", buffering=0) as f:
        assert type(f) is io.FileIO


def test_errors_like_open(tmp_path):
    def same_error(*args, **kwargs):
        try:
            builtins.open(*args, **kwargs)
        except Exception as exc:
            expected = exc
        else:
            raise AssertionError("builtins.open accepted it")
        with pytest.raises(type(expected)) as info:
            builtin.open(*args, **kwargs)
        assert str(info.value) == str(expected)

    same_error(tmp_path / "missing")
    same_error(tmp_path / "f", "rw")
    same_error(tmp_path / "f", "wb", encoding="utf-8")
    same_error(1.5)
    same_error(tmp_path / "f", 3)


# -- pipes and FIFOs ------------------------------------------------------------------------------


@all_hubs
@pytest.mark.parametrize("mode", ["rb", "r"])
def test_a_pipe_descriptor_gives_a_green_pipe(mode):
    r, w = os.pipe()
    try:
        kwargs = {} if "b" in mode else {"encoding": "utf-8"}
        with builtin.open(r, mode, **kwargs) as reader:
            assert isinstance(raw_of(reader), GreenFileIO)
            order = []

            def writer():
                order.append("writer")
                os.write(w, "lïne\n".encode())

            spawn(writer)
            order.append("read")
            with Timeout(GUARD):
                line = reader.readline()
            assert line == ("lïne\n".encode() if "b" in mode else "lïne\n")
            assert order == ["read", "writer"]
    finally:
        os.close(w)


@all_hubs
def test_closefd_false_leaves_the_pipe_open():
    r, w = os.pipe()
    try:
        with builtin.open(r, "rb", closefd=False) as reader:
            os.write(w, b"x")
            assert reader.read(1) == b"x"
        os.fstat(r)  # still open
    finally:
        os.close(r)
        os.close(w)


@all_hubs
def test_opening_and_reading_a_fifo_is_green(fifo):
    order = []
    received = []

    def reader():
        order.append("reader opens")
        with builtin.open(fifo, "rb") as f:  # waits for a writer, in an OS thread
            order.append("reader opened")
            assert isinstance(raw_of(f), GreenFileIO)
            received.append(f.read())

    thread = spawn(reader)
    sleep(0)
    assert order == ["reader opens"]  # still waiting for a writer, and we run
    with Timeout(GUARD):
        with builtin.open(fifo, "w", encoding="utf-8") as f:
            assert isinstance(raw_of(f), GreenFileIO)
            f.write("through the fifo")
            f.flush()
        thread.wait()
    assert order == ["reader opens", "reader opened"]
    assert received == [b"through the fifo"]


@all_hubs
def test_a_big_write_to_a_fifo_does_not_block_the_reader(fifo):
    data = os.urandom(1 << 20)  # far more than a pipe holds
    received = []

    def reader():
        with builtin.open(fifo, "rb") as f:
            received.append(f.read())

    thread = spawn(reader)
    with Timeout(GUARD):
        with builtin.open(fifo, "wb") as f:
            f.write(data)
        thread.wait()
    assert received == [data]


def test_a_timeout_while_opening_a_fifo(fifo):
    with pytest.raises(Timeout), Timeout(0.1):
        builtin.open(fifo, "rb")  # no writer ever comes
    # Unblock the worker thread still opening it, so it ends.
    fd = os.open(fifo, os.O_WRONLY)
    os.close(fd)
