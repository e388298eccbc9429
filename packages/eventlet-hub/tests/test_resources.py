"""What the hub keeps, and what it lets go.

- The caches a hub keeps for speed hold no strong reference to the objects that wait on it:
  an owner of a descriptor (here a minimal green socket, as eventlet-green's are made) that
  waited once and is then dropped unclosed is collected, and its descriptor closed; finished
  green threads and their results are freed.
- No backend busy-loops on a registration nobody wants: after a descriptor is closed behind
  the hub's back (os.close, while a duplicate, a child process or nobody holds the file; its
  number then reused by a new file), an idle ``sleep(0.5)`` makes only a few poll calls.

Every test runs once per hub backend.
"""

from __future__ import annotations

import gc
import os
import resource
import socket
import subprocess
import sys
import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from eventlet import hubs
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout

pytestmark = pytest.mark.all_hubs

GUARD = 10  # seconds: a bound on anything a test waits for, never reached when it passes
COUNT = 1000  # owners dropped unclosed
IDLE_POLLS = 10  # an idle sleep(0.5) asks the OS fewer times than this


def open_fds() -> int:
    """How many descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture(autouse=True)
def enough_descriptors() -> Iterator[None]:
    """Room for COUNT leaked descriptors, so that a leak fails an assertion, not the run."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * COUNT if hard == resource.RLIM_INFINITY else min(hard, 4 * COUNT)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class Result:
    """What a green thread returns (a weakly referenceable object)."""


class Owner:
    """A descriptor's owner as green sockets are: it waits on the hub with ``mark_as_closed``
    (so the hub may keep the descriptor watched between waits) and tells the hub when it is
    collected unclosed (``release``) before the stdlib socket closes the descriptor."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        hubs.notify_opened(sock.fileno())
        self.sock = sock
        self.fileno = sock.fileno()
        self.closed = False

    def _mark_as_closed(self) -> None:
        self.closed = True

    def recv(self, size: int) -> bytes:
        while True:
            try:
                return self.sock.recv(size)
            except BlockingIOError:
                hubs.get_hub().wait_io(hubs.READ, self.fileno, self._mark_as_closed)

    def __del__(self) -> None:
        if not self.closed:
            hubs.get_hub().release(self.fileno)


class Idle:
    """Counts the hub's calls into the OS poller (``hub.wait``)."""

    def __init__(self, hub: Any) -> None:
        self.calls = 0
        real = hub.wait

        def counting(seconds: float) -> None:
            self.calls += 1
            real(seconds)

        hub.wait = counting

    def polls_during(self, seconds: float) -> int:
        """How many times the hub polled while the test slept ``seconds``."""
        self.calls = 0
        sleep(seconds)
        return self.calls


@pytest.fixture
def idle(hub: Any) -> Idle:
    """An :class:`Idle` counter on this test's hub."""
    return Idle(hub)


def wait_once_and_drop(make_owner: Callable[[socket.socket], Owner]) -> list[weakref.ref[Any]]:
    """An owner blocks once on its socket (the peer sends after it waits), reads, and is
    dropped with the green thread that read and its result; weak references to all three."""
    mine, peer = socket.socketpair()
    owner = make_owner(mine)

    def read(owner: Owner = owner) -> Result:
        assert owner.recv(10) == b"x"
        return Result()

    thread = spawn(read)
    sleep(0)  # it blocks: nothing to read yet
    assert not thread.dead
    peer.send(b"x")
    result = thread.wait()
    peer.close()
    refs = [weakref.ref(owner), weakref.ref(thread), weakref.ref(result)]
    del owner, thread, result, mine
    return refs


def test_owners_dropped_unclosed_after_one_wait_are_freed(hub: Any) -> None:
    gc.collect()  # earlier tests' garbage is not this test's to count
    before = open_fds()
    refs: list[weakref.ref[Any]] = []
    with warnings.catch_warnings(record=True) as caught, Timeout(GUARD):
        warnings.simplefilter("always", ResourceWarning)
        for _ in range(COUNT):
            refs.extend(wait_once_and_drop(Owner))
        sleep(0)  # the hub lets go of the last callback it ran once it runs again
        gc.collect()
    alive = [ref() for ref in refs if ref() is not None]
    assert alive == []
    assert open_fds() <= before
    unclosed = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert len(unclosed) == COUNT  # the stdlib's warning, once per socket


def test_raw_waiters_and_their_green_threads_are_freed(hub: Any) -> None:
    """Without an owner (plain trampoline, with and without a timeout) the same holds."""
    refs: list[weakref.ref[Any]] = []
    for timeout in (None, 60.0):
        for _ in range(COUNT // 10):
            mine, peer = socket.socketpair()
            mine.setblocking(False)

            def read(sock: socket.socket = mine, timeout: float | None = timeout) -> Result:
                hubs.trampoline(sock, read=True, timeout=timeout)
                assert sock.recv(10) == b"x"
                return Result()

            thread = spawn(read)
            sleep(0)
            peer.send(b"x")
            with Timeout(GUARD):
                result = thread.wait()
            refs += [weakref.ref(thread), weakref.ref(result), weakref.ref(mine)]
            mine.close()
            peer.close()
            del thread, result, mine, read
    sleep(0)
    gc.collect()
    assert [ref() for ref in refs if ref() is not None] == []


def test_finished_green_threads_that_slept_are_freed(hub: Any) -> None:
    """A green thread killed in a long sleep leaves a canceled timer in the heap; the timer
    must not keep the thread, or what it returned, alive."""
    refs = []
    for _ in range(100):
        thread = spawn(sleep, 60)
        sleep(0)
        thread.kill()
        refs.append(weakref.ref(thread))
        del thread
    done = spawn(Result)
    result = done.wait()
    refs += [weakref.ref(done), weakref.ref(result)]
    del done, result
    sleep(0)
    gc.collect()
    assert [ref() for ref in refs if ref() is not None] == []


# -- descriptors closed behind the hub's back ----------------------------------------------------


def owner_that_waited(hub: Any) -> tuple[Owner, socket.socket]:
    """A connected pair: an :class:`Owner` that has blocked once (so the hub may still watch
    its descriptor), and the peer socket."""
    mine, peer = socket.socketpair()
    owner = Owner(mine)
    thread = spawn(owner.recv, 10)
    sleep(0)
    peer.send(b"x")
    with Timeout(GUARD):
        assert thread.wait() == b"x"
    return owner, peer


def test_descriptor_closed_with_os_close_behind_the_hub(hub: Any, idle: Idle) -> None:
    owner, peer = owner_that_waited(hub)
    owner.sock.detach()
    os.close(owner.fileno)  # behind the hub's back; the file goes with it
    owner.closed = True
    peer.close()
    assert idle.polls_during(0.5) < IDLE_POLLS


def test_descriptor_closed_while_a_duplicate_keeps_the_file_open(hub: Any, idle: Idle) -> None:
    owner, peer = owner_that_waited(hub)
    duplicate = os.dup(owner.fileno)
    try:
        owner.sock.detach()
        os.close(owner.fileno)  # behind the hub's back; the duplicate keeps the file open
        owner.closed = True
        peer.send(b"ready, and nobody reads it")
        assert idle.polls_during(0.5) < IDLE_POLLS
        assert os.read(duplicate, 100) == b"ready, and nobody reads it"
    finally:
        os.close(duplicate)
        peer.close()


def test_descriptor_closed_while_a_child_process_holds_the_file(hub: Any, idle: Idle) -> None:
    owner, peer = owner_that_waited(hub)
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"],
        stdin=subprocess.PIPE,
        pass_fds=[owner.fileno],
    )
    try:
        owner.sock.detach()
        os.close(owner.fileno)  # behind the hub's back; the child holds the file open
        owner.closed = True
        peer.send(b"ready, and nobody reads it")
        assert idle.polls_during(0.5) < IDLE_POLLS
    finally:
        child.communicate(b"", timeout=GUARD)
        peer.close()
    assert child.returncode == 0


def test_number_reused_by_a_new_file_after_a_close_behind_the_hub(hub: Any, idle: Idle) -> None:
    """The old file stays open (a duplicate) and readable; its number now names a new file
    that a new owner waits on. The new owner must see its own data only, and the hub must
    not wake it (or spin) for the old file's."""
    owner, peer = owner_that_waited(hub)
    number = owner.fileno
    duplicate = os.dup(number)
    new_mine, new_peer = socket.socketpair()
    try:
        owner.sock.detach()
        os.close(number)  # behind the hub's back
        owner.closed = True
        peer.send(b"old file, ready")
        os.dup2(new_mine.fileno(), number)  # the number names a new file now
        new_owner = Owner(socket.socket(fileno=number))
        wakeups = []

        def read_new() -> bytes:
            while True:
                try:
                    return new_owner.sock.recv(100)
                except BlockingIOError:
                    wakeups.append(1)
                    hubs.get_hub().wait_io(hubs.READ, number, new_owner._mark_as_closed)

        thread = spawn(read_new)
        assert idle.polls_during(0.5) < IDLE_POLLS
        assert len(wakeups) < IDLE_POLLS
        new_peer.send(b"new file")
        with Timeout(GUARD):
            assert thread.wait() == b"new file"
        new_owner.sock.close()
        new_owner.closed = True
    finally:
        os.close(duplicate)
        for sock in (peer, new_mine, new_peer):
            sock.close()


def test_owner_dropped_unclosed_while_a_duplicate_keeps_the_file_open(
    hub: Any, idle: Idle
) -> None:
    """The owner goes (collected, not closed: the stdlib socket closes the descriptor) while
    a duplicate keeps the file open and readable: the hub must not go on watching it."""
    owner, peer = owner_that_waited(hub)
    duplicate = os.dup(owner.fileno)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            del owner
            gc.collect()
        peer.send(b"ready, and nobody reads it")
        assert idle.polls_during(0.5) < IDLE_POLLS
    finally:
        os.close(duplicate)
        peer.close()
