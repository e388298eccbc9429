"""Tests of eventlet.green.zmq: green pyzmq sockets over tcp and inproc, in one OS thread.

Every test runs its green threads in the test's own OS thread; a Timeout guard turns a lost
wake-up (the classic bug of green 0MQ) into a failure instead of a hang.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

zmq = pytest.importorskip("eventlet.green.zmq", exc_type=ImportError)

import zmq as real_zmq  # noqa: E402  (pyzmq itself, for comparison)

from eventlet.event import Event  # noqa: E402
from eventlet.greenthread import sleep, spawn  # noqa: E402
from eventlet.timeout import Timeout  # noqa: E402

GUARD = 10  # seconds: far more than any of these tests needs


@pytest.fixture
def ctx() -> Iterator[Any]:
    """A green context of the test's own, destroyed (linger 0) afterwards."""
    context = zmq.Context()
    yield context
    context.destroy(linger=0)


def endpoint_pair(ctx: Any, kind_a: int, kind_b: int, transport: str) -> tuple[Any, Any]:
    """Two green sockets: ``a`` bound on ``transport``, ``b`` connected to it."""
    a = ctx.socket(kind_a)
    b = ctx.socket(kind_b)
    if transport == "tcp":
        port = a.bind_to_random_port("tcp://127.0.0.1")
        b.connect(f"tcp://127.0.0.1:{port}")
    else:
        name = f"inproc://test-{id(a)}"
        a.bind(name)
        b.connect(name)
    return a, b


def ticker(done: Event, log: list[str]) -> Callable[[], int]:
    """A green thread that logs 'tick' each time it runs, until ``done``; returns its count."""

    def run() -> int:
        ticks = 0
        while not done.ready():
            log.append("tick")
            ticks += 1
            sleep(0)
        return ticks

    thread = spawn(run)
    return thread.wait


def test_module_is_pyzmq_with_green_classes() -> None:
    assert zmq.Socket is not real_zmq.Socket and issubclass(zmq.Socket, real_zmq.Socket)
    assert issubclass(zmq.Context, real_zmq.Context)
    assert issubclass(zmq.Poller, real_zmq.Poller)
    assert zmq.Socket.__name__ == "Socket" and zmq.Context.__name__ == "Context"
    assert set(zmq.__patched__) == {"Context", "Socket", "Poller", "select"}
    assert zmq.__all__ == real_zmq.__all__
    for name in real_zmq.__all__:
        assert hasattr(zmq, name), name
    # Names outside __all__ are there too (submodules, constants' module).
    assert zmq.error is real_zmq.error and zmq.Again is real_zmq.Again
    assert zmq.PUSH == real_zmq.PUSH and zmq.NOBLOCK == real_zmq.NOBLOCK
    # Upstream Eventlet's own public name, for code that catches it.
    assert issubclass(zmq.LockReleaseError, Exception) and "LockReleaseError" not in zmq.__all__


def test_context_socket_and_instance() -> None:
    shared = zmq.Context.instance()
    try:
        assert isinstance(shared, zmq.Context)
        assert zmq.Context.instance() is shared
        assert real_zmq.Context.instance() is not shared
        sock = shared.socket(zmq.PAIR)
        try:
            assert type(sock) is zmq.Socket
        finally:
            sock.close()
    finally:
        shared.term()
        real_zmq.Context.instance().term()
    assert zmq.Context.instance() is not shared  # a closed singleton is replaced


@pytest.mark.all_hubs
@pytest.mark.parametrize("transport", ["tcp", "inproc"])
def test_req_rep_ping_pong(ctx: Any, transport: str) -> None:
    rep, req = endpoint_pair(ctx, zmq.REP, zmq.REQ, transport)
    rounds = 200

    def server() -> int:
        for _ in range(rounds):
            request = rep.recv()
            rep.send(b"pong " + request)
        return rounds

    with Timeout(GUARD):
        server_thread = spawn(server)
        replies = []
        for i in range(rounds):
            req.send(str(i).encode())
            replies.append(req.recv())
        assert server_thread.wait() == rounds
    assert replies == [b"pong " + str(i).encode() for i in range(rounds)]


@pytest.mark.parametrize("transport", ["tcp", "inproc"])
def test_push_pull_many_messages_while_other_work_runs(ctx: Any, transport: str) -> None:
    pull, push = endpoint_pair(ctx, zmq.PULL, zmq.PUSH, transport)
    # Small queues, so that the sender must wait for the receiver again and again.
    push.sndhwm = 10
    pull.rcvhwm = 10
    count = 3000
    log: list[str] = []
    done = Event()
    halfway = Event()

    def sender() -> None:
        for i in range(count):
            if i == count // 2:
                # Whether a send or recv ever has to wait depends on how fast zmq's own I/O
                # thread moves the messages; this pause makes the receiver find its queue
                # empty at least once, so its recv must wait on the hub (and others run).
                halfway.wait()
            push.send(b"%d" % i)

    def receiver() -> list[int]:
        got = []
        for _ in range(count):
            got.append(int(pull.recv()))
            log.append("msg")
            if len(got) == count // 2:
                halfway.send()
        done.send()
        return got

    with Timeout(GUARD):
        ticks = ticker(done, log)
        send_thread = spawn(sender)
        received = spawn(receiver).wait()
        send_thread.wait()
        assert ticks() > 0
    assert received == list(range(count))
    first, last = log.index("msg"), len(log) - 1 - log[::-1].index("msg")
    assert "tick" in log[first:last], "the other green thread never ran during the transfer"


def test_pub_sub(ctx: Any) -> None:
    pub, sub = endpoint_pair(ctx, zmq.PUB, zmq.SUB, "tcp")
    sub.subscribe(b"news")
    got: list[bytes] = []
    receiving = Event()

    def publisher() -> int:
        # A subscriber misses what is published before it is connected: publish until it
        # has seen something, then publish the last message.
        sent = 0
        while not receiving.ready():
            pub.send(b"sport %d" % sent)
            pub.send(b"news %d" % sent)
            sent += 1
            sleep(0.01)
        pub.send(b"news end")
        return sent

    def subscriber() -> None:
        while True:
            message = sub.recv()
            got.append(message)
            if not receiving.ready():
                receiving.send()
            if message == b"news end":
                return

    with Timeout(GUARD):
        pub_thread = spawn(publisher)
        spawn(subscriber).wait()
        assert pub_thread.wait() >= 1
    assert got[-1] == b"news end"
    assert all(message.startswith(b"news ") for message in got)


def test_noblock_raises_again(ctx: Any) -> None:
    pull, push = endpoint_pair(ctx, zmq.PULL, zmq.PUSH, "inproc")
    lonely = ctx.socket(zmq.PUSH)  # no peer: a send would block
    with Timeout(GUARD):
        with pytest.raises(zmq.Again):
            pull.recv(zmq.NOBLOCK)
        with pytest.raises(zmq.Again):
            pull.recv_multipart(flags=zmq.DONTWAIT)
        with pytest.raises(zmq.Again):
            lonely.send(b"x", zmq.DONTWAIT)
        push.send(b"ready")
        assert pull.poll(1000) == zmq.POLLIN
        assert pull.recv(zmq.NOBLOCK) == b"ready"


def test_rcvtimeo_raises_again_and_waits_green(ctx: Any) -> None:
    pull, _push = endpoint_pair(ctx, zmq.PULL, zmq.PUSH, "inproc")
    pull.rcvtimeo = 200
    log: list[str] = []
    done = Event()
    with Timeout(GUARD):
        ticks = ticker(done, log)
        with pytest.raises(zmq.Again) as caught:
            pull.recv()
        done.send()
        assert ticks() > 0  # the wait let the other green thread run
    assert caught.value.errno == zmq.EAGAIN
    pull.rcvtimeo = 0
    with pytest.raises(zmq.Again):
        pull.recv()


def test_sndtimeo_raises_again(ctx: Any) -> None:
    lonely = ctx.socket(zmq.PUSH)
    lonely.sndtimeo = 100
    with Timeout(GUARD), pytest.raises(zmq.Again):
        lonely.send(b"nobody listens")


def test_recv_waiter_and_send_waiter_on_one_dealer(ctx: Any) -> None:
    # Both green threads wait on the one zmq.FD of the DEALER; both must be woken.
    dealer = ctx.socket(zmq.DEALER)
    port = dealer.bind_to_random_port("tcp://127.0.0.1")
    results: dict[str, Any] = {}

    def send_waiter() -> None:
        dealer.send(b"hello")  # blocks: a DEALER with no peer cannot send
        results["sent"] = True

    def recv_waiter() -> None:
        results["received"] = dealer.recv()

    with Timeout(GUARD):
        sending = spawn(send_waiter)
        receiving = spawn(recv_waiter)
        sleep(0.05)  # not synchronisation: both are parked in the hub whatever the timing
        assert not results
        router = ctx.socket(zmq.ROUTER)
        router.connect(f"tcp://127.0.0.1:{port}")
        identity, message = router.recv_multipart()
        assert message == b"hello"
        router.send_multipart([identity, b"world"])
        sending.wait()
        receiving.wait()
    assert results == {"sent": True, "received": b"world"}


def test_wakeup_not_lost_when_another_call_consumes_the_signal(ctx: Any) -> None:
    # The arrival of a message for `a` is signalled on a's FD; a.send() in the same turn
    # consumes that signal. The receiver waiting on `a` must still be woken.
    a, b = endpoint_pair(ctx, zmq.PAIR, zmq.PAIR, "inproc")
    with Timeout(GUARD):
        receiver = spawn(a.recv)
        sleep(0)  # the receiver is now waiting
        b.send(b"for a")
        a.send(b"for b")
        assert receiver.wait() == b"for a"
        assert b.recv() == b"for b"


def test_wakeup_not_lost_when_a_blocked_send_consumes_the_signal(ctx: Any) -> None:
    # Same, but the call that consumes the signal is a send that cannot go on: it finds the
    # socket full, reads EVENTS and waits itself. It must pass the news on to the receiver.
    a = ctx.socket(zmq.PAIR)
    b = ctx.socket(zmq.PAIR)
    a.sndhwm = b.rcvhwm = 1
    a.bind("inproc://full")
    b.connect("inproc://full")
    with Timeout(GUARD):
        queued = 0
        while True:  # fill a -> b, so that a's next send must wait
            try:
                a.send(b"filler", zmq.NOBLOCK)
                queued += 1
            except zmq.Again:
                break

        def receiver() -> bytes:
            message = a.recv()
            for _ in range(queued):  # make room for the sender below
                assert b.recv() == b"filler"
            return message

        receiving = spawn(receiver)
        sleep(0)  # the receiver is now waiting
        b.send(b"for a")
        a.send(b"one more")  # finds a full, reads EVENTS, waits: it must wake the receiver
        assert receiving.wait() == b"for a"
        assert b.recv() == b"one more"


def _full_pair(ctx: Any, name: str) -> tuple[Any, Any, int]:
    """PAIR sockets ``a`` -> ``b`` over inproc, a's queue filled: a's next send must wait."""
    a = ctx.socket(zmq.PAIR)
    b = ctx.socket(zmq.PAIR)
    a.sndhwm = b.rcvhwm = 1
    a.bind(f"inproc://{name}")
    b.connect(f"inproc://{name}")
    queued = 0
    while True:
        try:
            a.send(b"filler", zmq.NOBLOCK)
            queued += 1
        except zmq.Again:
            return a, b, queued


@pytest.mark.parametrize(
    "consumer",
    [
        pytest.param(lambda a: pytest.raises(zmq.Again, a.recv, zmq.NOBLOCK), id="failed-recv"),
        pytest.param(lambda a: pytest.raises(zmq.Again, a.recv_multipart, zmq.DONTWAIT), id="multi"),
        pytest.param(lambda a: a.getsockopt(zmq.EVENTS), id="getsockopt-events"),
        pytest.param(lambda a: a.get(zmq.EVENTS), id="get-events"),
        pytest.param(lambda a: a.events, id="events-attribute"),
        pytest.param(lambda a: a.poll(0, zmq.POLLIN), id="poll-zero"),
    ],
)
def test_wakeup_not_lost_when_any_call_consumes_the_signal(ctx: Any, consumer: Any) -> None:
    # Room appears in a's queue (b took a message): a's FD is signalled for the waiting
    # sender. Any call on `a` that processes its commands eats that signal, even one that
    # fails with Again or only reads EVENTS; it must pass the news on to the sender.
    a, b, queued = _full_pair(ctx, f"consume-{id(consumer)}")
    with Timeout(GUARD):
        sending = spawn(a.send, b"one more")
        sleep(0)  # the sender now waits for room
        for _ in range(queued):
            assert b.recv() == b"filler"  # a's FD is signalled: there is room now
        consumer(a)  # in this green thread, before the hub can look at the FD
        sending.wait()
        assert b.recv() == b"one more"


def test_close_while_waiting_raises(ctx: Any) -> None:
    sock = ctx.socket(zmq.PULL)
    sock.bind_to_random_port("tcp://127.0.0.1")
    started = Event()

    def waiter() -> BaseException | None:
        started.send()
        try:
            sock.recv()
        except zmq.ZMQError as error:
            return error
        return None

    with Timeout(GUARD):
        thread = spawn(waiter)
        started.wait()
        sleep(0)
        sock.close()
        error = thread.wait()
    assert isinstance(error, zmq.ZMQError)
    assert error.errno == zmq.ENOTSOCK


def test_timeout_interrupting_a_wait_leaves_the_socket_usable(ctx: Any, hub: Any) -> None:
    pull, push = endpoint_pair(ctx, zmq.PULL, zmq.PUSH, "inproc")
    with Timeout(GUARD):
        with Timeout(0.05, False):
            pull.recv()
            pytest.fail("recv() returned with nothing sent")
        assert hub.get_readers() == []  # the wait left no listener behind
        push.send(b"after")
        assert pull.recv() == b"after"


def test_multipart_and_serialisations(ctx: Any) -> None:
    router, dealer = endpoint_pair(ctx, zmq.ROUTER, zmq.DEALER, "tcp")

    def echo() -> None:
        for _ in range(4):
            frames = router.recv_multipart()
            router.send_multipart(frames)

    with Timeout(GUARD):
        server = spawn(echo)
        dealer.send_multipart([b"one", b"", b"three" * 1000])
        assert dealer.recv_multipart() == [b"one", b"", b"three" * 1000]
        dealer.send_string("héllo")
        assert dealer.recv_string() == "héllo"
        dealer.send_json({"a": [1, 2]})
        assert dealer.recv_json() == {"a": [1, 2]}
        dealer.send_pyobj({"b": (3, 4)})
        assert dealer.recv_pyobj() == {"b": (3, 4)}
        server.wait()


def test_recv_into(ctx: Any) -> None:
    if not hasattr(real_zmq.Socket, "recv_into"):
        pytest.skip("pyzmq < 26.4 has no recv_into")
    pull, push = endpoint_pair(ctx, zmq.PULL, zmq.PUSH, "inproc")
    buffer = bytearray(16)
    with Timeout(GUARD):
        later = spawn(push.send, b"payload")
        assert pull.recv_into(buffer) == 7
        later.wait()
    assert bytes(buffer[:7]) == b"payload"


def test_socket_poll(ctx: Any) -> None:
    pull, push = endpoint_pair(ctx, zmq.PULL, zmq.PUSH, "inproc")
    with Timeout(GUARD):
        assert pull.poll(50) == 0
        assert push.poll(1000, zmq.POLLOUT) == zmq.POLLOUT
        spawn(push.send, b"x")
        assert pull.poll() == zmq.POLLIN
        assert pull.recv() == b"x"
    pull.close()
    with pytest.raises(zmq.ZMQError):
        pull.poll(0)


def test_poller_and_select(ctx: Any) -> None:
    pull_a, push_a = endpoint_pair(ctx, zmq.PULL, zmq.PUSH, "inproc")
    pull_b, push_b = endpoint_pair(ctx, zmq.PULL, zmq.PUSH, "tcp")
    poller = zmq.Poller()
    poller.register(pull_a, zmq.POLLIN)
    poller.register(pull_b, zmq.POLLIN)
    log: list[str] = []
    done = Event()
    with Timeout(GUARD):
        assert poller.poll(0) == []
        assert poller.poll(30) == []
        ticks = ticker(done, log)
        spawn(push_b.send, b"b")
        ready = dict(poller.poll())
        done.send()
        assert ticks() > 0
        assert ready == {pull_b: zmq.POLLIN}
        assert pull_b.recv() == b"b"
        push_a.send(b"a")
        readable, writable, failed = zmq.select([pull_a, pull_b], [push_a], [], 5)
        assert readable == [pull_a] and writable == [push_a] and failed == []
        assert zmq.select([pull_b], [], [], 0.02) == ([], [], [])


def test_poller_with_a_plain_descriptor(ctx: Any) -> None:
    import os

    read_fd, write_fd = os.pipe()
    try:
        poller = zmq.Poller()
        poller.register(read_fd, zmq.POLLIN)
        with Timeout(GUARD):
            spawn(os.write, write_fd, b"!")
            assert poller.poll() == [(read_fd, zmq.POLLIN)]
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_many_green_threads_receive_from_one_socket(ctx: Any) -> None:
    pull, push = endpoint_pair(ctx, zmq.PULL, zmq.PUSH, "inproc")
    from eventlet.debug import hub_prevent_multiple_readers

    hub_prevent_multiple_readers(True)  # one hub listener serves them all
    got: list[bytes] = []

    def receive(n: int) -> None:
        for _ in range(n):
            got.append(pull.recv())

    with Timeout(GUARD):
        threads = [spawn(receive, 25) for _ in range(4)]
        sleep(0)
        for i in range(100):
            push.send(b"%d" % i)
        for thread in threads:
            thread.wait()
    assert sorted(got, key=int) == [b"%d" % i for i in range(100)]


def test_import_without_pyzmq_names_the_extra(run_python: Callable[..., Any]) -> None:
    result = run_python(
        "import sys\n"
        "sys.modules['zmq'] = None\n"
        "try:\n"
        "    import eventlet.green.zmq\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    assert result.returncode == 0, result.stderr
    assert "pip install 'eventlet-green[zmq]'" in result.stdout


def test_import_is_silent(run_python: Callable[..., Any]) -> None:
    result = run_python("import eventlet.green.zmq", "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
