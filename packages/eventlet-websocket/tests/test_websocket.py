"""RFC6455WebSocket and the legacy WebSocket over green socket pairs: server and client."""

from __future__ import annotations

import errno
import os
from typing import Any

import pytest

from eventlet._websocket_frames import (
    BINARY,
    CLOSE,
    CONTINUATION,
    PING,
    PONG,
    TEXT,
    encode_frame,
)
from eventlet.greenthread import sleep, spawn
from eventlet.timeout import Timeout
from eventlet.websocket import RFC6455WebSocket, WebSocket

DEFLATE = "permessage-deflate"


def make_pair(pair: tuple[Any, Any], **kwargs: Any) -> tuple[RFC6455WebSocket, RFC6455WebSocket]:
    a, b = pair
    return RFC6455WebSocket(a, {}, **kwargs), RFC6455WebSocket(b, {}, client=True, **kwargs)


def echo_until_closed(ws: RFC6455WebSocket) -> list[Any]:
    seen = []
    while (message := ws.wait()) is not None:
        seen.append(message)
        ws.send(message)
    return seen


def test_text_and_binary_echo(pair: tuple[Any, Any]) -> None:
    server, client = make_pair(pair)
    echo = spawn(echo_until_closed, server)
    messages: list[Any] = ["hello", "", "ünïcødé ✓", b"\x00\x01\xff", b"", "x" * 70000, b"y" * 200]
    for message in messages:
        client.send(message)
        reply = client.wait()
        assert reply == message
        assert type(reply) is type(message)
    client.send(42)  # anything else goes as its str()
    assert client.wait() == "42"
    client.close()
    assert echo.wait() == [*messages, "42"]
    assert server.close_code == 1000
    assert client.close_code == 1000


def test_wait_returns_none_after_close_and_send_raises_epipe(pair: tuple[Any, Any]) -> None:
    server, client = make_pair(pair)
    closer = spawn(client.close, (4001, "done here"))
    assert server.wait() is None
    assert server.wait() is None
    assert (server.close_code, server.close_reason) == (4001, "done here")
    closer.wait()
    assert client.close_code == 4001  # the server echoed the code
    for ws in (server, client):
        with pytest.raises(OSError) as caught:
            ws.send("late")
        assert caught.value.errno == errno.EPIPE
        assert ws.websocket_closed


def test_messages_before_close_are_delivered_first(pair: tuple[Any, Any], raw_peer: Any) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {})
    peer = raw_peer(b, masked=True)
    peer.send_raw(
        encode_frame(TEXT, b"one", mask=b"abcd")
        + encode_frame(BINARY, b"two", mask=b"abcd")
        + encode_frame(CLOSE, (1001).to_bytes(2, "big"), mask=b"abcd")
        + encode_frame(TEXT, b"after close", mask=b"abcd")
    )
    assert server.wait() == "one"
    assert server.wait() == b"two"
    assert server.wait() is None
    assert server.close_code == 1001
    assert peer.close_frame() == (1001, b"")


def test_peer_vanishing_without_close(pair: tuple[Any, Any]) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {})
    b.close()
    assert server.wait() is None
    assert server.close_code == 1006
    with pytest.raises(OSError) as caught:
        server.send("anyone?")
    assert caught.value.errno == errno.EPIPE


def test_fragmented_message_from_a_client(pair: tuple[Any, Any], raw_peer: Any) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {})
    peer = raw_peer(b, masked=True)
    peer.send(TEXT, b"frag", fin=False)
    peer.send(PING, b"mid")
    peer.send(CONTINUATION, b"men", fin=False)
    peer.send(CONTINUATION, b"ted")
    assert server.wait() == "fragmented"
    pong = peer.frame()
    assert (pong.opcode, pong.payload) == (PONG, b"mid")


def test_server_frames_are_unmasked_and_client_frames_masked(pair: tuple[Any, Any]) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {})
    client = RFC6455WebSocket(b, {}, client=True)
    server.send("Hello")
    assert b.recv(100) == bytes.fromhex("810548656c6c6f")
    client.send("Hello")
    wire = a.recv(100)
    assert wire[0] == 0x81 and wire[1] == 0x85  # MASK bit set, 4-byte key follows
    assert len(wire) == 2 + 4 + 5


def test_ping_is_answered_with_pong_and_pong_is_ignored(
    pair: tuple[Any, Any], raw_peer: Any
) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {})
    peer = raw_peer(b, masked=True)
    peer.send(PING, b"payload")
    peer.send(PONG, b"unsolicited")
    peer.send(TEXT, b"after")
    assert server.wait() == "after"
    pong = peer.frame()
    assert (pong.opcode, pong.payload) == (PONG, b"payload")


def test_client_answers_a_server_ping(pair: tuple[Any, Any], raw_peer: Any) -> None:
    a, b = pair
    client = RFC6455WebSocket(b, {}, client=True)
    peer = raw_peer(a, masked=False)
    peer.send(PING, b"hb")
    peer.send(TEXT, b"msg")
    assert client.wait() == "msg"
    pong = peer.frame()
    assert (pong.opcode, pong.payload) == (PONG, b"hb")


def test_ping_method_and_control_code(pair: tuple[Any, Any], raw_peer: Any) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {})
    peer = raw_peer(b, masked=True)
    server.ping(b"x")
    server.send(b"y", control_code=PONG)
    assert [(f.opcode, f.payload) for f in (peer.frame(), peer.frame())] == [
        (PING, b"x"),
        (PONG, b"y"),
    ]
    with pytest.raises(ValueError, match="control_code"):
        server.send("z", control_code=3)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (encode_frame(TEXT, b"bad \xff utf8", mask=b"abcd"), 1007),
        (encode_frame(TEXT, b"\xe2\x82", fin=False, mask=b"abcd"), None),  # not yet wrong
        (bytes((0xA1, 0x80)) + b"abcd", 1002),  # RSV2
        (bytes((0x91, 0x80)) + b"abcd", 1002),  # RSV3
        (bytes((0xC1, 0x80)) + b"abcd", 1002),  # RSV1, nothing negotiated
        (encode_frame(TEXT, b"unmasked"), 1002),
        (bytes((0x89, 0xFE, 0x00, 0x7E)) + b"abcd" + bytes(126), 1002),  # ping of 126 bytes
        (bytes((0x09, 0x80)) + b"abcd", 1002),  # fragmented ping
        (encode_frame(CONTINUATION, b"x", mask=b"abcd"), 1002),
        (bytes((0x88, 0x81)) + b"abcd" + b"\x00", 1002),  # 1-byte close payload
        (encode_frame(CLOSE, (1005).to_bytes(2, "big"), mask=b"abcd"), 1002),
        (encode_frame(CLOSE, b"\x03\xe8\xc3\x28", mask=b"abcd"), 1007),  # bad reason
        (encode_frame(BINARY, b"z" * 101, mask=b"abcd"), 1009),
    ],
)
def test_protocol_errors_close_with_their_code(
    pair: tuple[Any, Any], raw_peer: Any, data: bytes, code: int | None
) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {}, max_frame_length=100)
    peer = raw_peer(b, masked=True)
    peer.send_raw(data)
    if code is None:
        peer.send(CONTINUATION, b"\xff")  # now the text is invalid
        code = 1007
    assert server.wait() is None  # the error does not escape wait()
    got, _ = peer.close_frame()
    assert got == code
    assert peer.at_eof()
    assert server.websocket_closed


def test_client_refuses_a_masked_frame(pair: tuple[Any, Any], raw_peer: Any) -> None:
    a, b = pair
    client = RFC6455WebSocket(b, {}, client=True)
    peer = raw_peer(a, masked=False)
    peer.send_raw(encode_frame(TEXT, b"masked", mask=b"abcd"))
    assert client.wait() is None
    # The client's close frame is masked, as every client frame is.
    peer.parser.require_mask = True
    assert peer.close_frame()[0] == 1002


def test_socket_timeout_leaves_the_websocket_usable(pair: tuple[Any, Any]) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {})
    a.settimeout(0.01)
    whole = encode_frame(TEXT, b"in two parts", mask=b"abcd")
    b.sendall(whole[:5])
    with pytest.raises(TimeoutError):
        server.wait()
    b.sendall(whole[5:])
    assert server.wait() == "in two parts"
    assert not server.websocket_closed


def test_eventlet_timeout_around_wait(pair: tuple[Any, Any]) -> None:
    server, client = make_pair(pair)
    with pytest.raises(Timeout):
        with Timeout(0.01):
            server.wait()
    assert not server._reading
    client.send("still here")
    assert server.wait() == "still here"


def test_close_validates_its_arguments(pair: tuple[Any, Any]) -> None:
    server, _ = make_pair(pair)
    with pytest.raises(ValueError, match="invalid close code 1005"):
        server.close((1005, ""))
    with pytest.raises(ValueError, match="123 bytes"):
        server.close((1000, "x" * 124))
    assert not server.websocket_closed


def test_close_is_idempotent_and_reads_away_pending_messages(pair: tuple[Any, Any]) -> None:
    server, client = make_pair(pair)
    client.send("never read")
    closer = spawn(server.close)  # reads "never read" away while it waits for the echo
    assert client.wait() is None  # the server's close frame; the client echoes it
    closer.wait()
    server.close()
    client.close()
    assert client.close_code == 1000


def test_close_while_another_green_thread_waits(pair: tuple[Any, Any]) -> None:
    server, client = make_pair(pair)
    reader = spawn(server.wait)
    sleep(0)  # the reader is now blocked in recv()
    assert server._reading
    client_done = spawn(client.wait)
    server.close((4002, "shutting down"))  # the reader reads the echo, close() waits for it
    assert reader.wait() is None
    assert server.close_code == 4002  # the client echoed our code
    assert client_done.wait() is None
    assert client.close_code == 4002
    assert client.close_reason == "shutting down"


def test_handler_closing_with_a_code(pair: tuple[Any, Any], raw_peer: Any) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {})
    peer = raw_peer(b, masked=True)
    closer = spawn(server.close, (1008, "policy"))
    assert peer.close_frame() == (1008, b"policy")
    peer.send(CLOSE, (1008).to_bytes(2, "big"))
    closer.wait()
    assert peer.at_eof()


def test_close_gives_up_on_a_silent_peer(pair: tuple[Any, Any], raw_peer: Any) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {})
    server.close_timeout = 0.05
    server.close()  # nobody answers: returns after close_timeout
    peer = raw_peer(b, masked=True)
    assert peer.close_frame() == (1000, b"")
    assert peer.at_eof()


def test_constructor_validation(pair: tuple[Any, Any]) -> None:
    a, _ = pair
    with pytest.raises(ValueError, match="max_frame_length"):
        RFC6455WebSocket(a, {}, max_frame_length=-1)
    with pytest.raises(ValueError, match="unsupported websocket extensions"):
        RFC6455WebSocket(a, {}, extensions={"x-foo": {}})
    with pytest.raises(ValueError, match="server_max_window_bits must be 8 to 15"):
        RFC6455WebSocket(a, {}, extensions={DEFLATE: {"server_max_window_bits": 20}})


def test_environ_attributes(pair: tuple[Any, Any]) -> None:
    a, _ = pair
    environ = {"PATH_INFO": "/chat", "HTTP_ORIGIN": "http://example.com"}
    ws = RFC6455WebSocket(a, environ, protocol="chat")
    assert (ws.path, ws.origin, ws.protocol, ws.environ, ws.version) == (
        "/chat",
        "http://example.com",
        "chat",
        environ,
        13,
    )


# -- permessage-deflate ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"server_no_context_takeover": True},
        {"client_no_context_takeover": True},
        {"server_no_context_takeover": True, "client_no_context_takeover": True},
        {"server_max_window_bits": 9, "client_max_window_bits": 10},
    ],
)
def test_deflate_round_trip(pair: tuple[Any, Any], params: dict[str, Any]) -> None:
    server, client = make_pair(pair, extensions={DEFLATE: params})
    echo = spawn(echo_until_closed, server)
    messages: list[Any] = ["Hello", "Hello", b"\x00" * 100_000, "", "ünï" * 999, b"end"]
    for message in messages:
        client.send(message)
        assert client.wait() == message
    client.close()
    assert echo.wait() == messages


def deflated_wire(pair: tuple[Any, Any], params: dict[str, Any]) -> list[bytes]:
    """What a server sends for the same message twice, frame by frame."""
    a, b = pair
    server = RFC6455WebSocket(a, {}, extensions={DEFLATE: params})
    server.send("Hello")
    server.send("Hello")
    wire = b""
    while len(wire) < 7 + 9 if params else len(wire) < 14:
        wire += b.recv(100)
    first_size = wire[1] + 2
    return [wire[:first_size], wire[first_size:]]


def test_context_takeover_on_the_wire(pair: tuple[Any, Any]) -> None:
    first, second = deflated_wire(pair, {})
    # RFC 7692 section 7.2.3.2: the second "Hello" refers back to the first.
    assert first == bytes.fromhex("c107f248cdc9c90700")
    assert second == bytes.fromhex("c105f200110000")


def test_no_context_takeover_on_the_wire(pair: tuple[Any, Any]) -> None:
    first, second = deflated_wire(pair, {"server_no_context_takeover": True})
    assert first == second == bytes.fromhex("c107f248cdc9c90700")


def test_max_frame_length_counts_the_inflated_size(pair: tuple[Any, Any], raw_peer: Any) -> None:
    a, b = pair
    server = RFC6455WebSocket(a, {}, extensions={DEFLATE: {}}, max_frame_length=1000)
    client = RFC6455WebSocket(b, {}, client=True, extensions={DEFLATE: {}})
    client.send(b"\x00" * 1000)  # at the limit: fine
    assert server.wait() == b"\x00" * 1000
    client.send(b"\x00" * 1001)  # a few bytes on the wire, 1001 once inflated
    assert server.wait() is None
    assert client.wait() is None
    assert client.close_code == 1009


# -- the legacy hixie-76 protocol ---------------------------------------------------------


def test_hixie_messages_and_close(pair: tuple[Any, Any]) -> None:
    a, b = pair
    ws = WebSocket(a, {"PATH_INFO": "/x", "HTTP_WEBSOCKET_PROTOCOL": "p"}, version=76)
    assert (ws.path, ws.protocol, ws.version) == ("/x", "p", 76)
    b.sendall(b"\x00hello\xff\x00w\xc3\xb6rld\xff\x00split")
    assert ws.wait() == "hello"
    assert ws.wait() == "wörld"
    b.sendall(b" message\xff\x81\x02ab\xff\x00")
    assert ws.wait() == "split message"
    assert ws.wait() == b"ab"  # a length-prefixed frame
    assert ws.wait() is None  # 0xFF 0x00 is the closing handshake
    with pytest.raises(OSError) as caught:
        ws.send("late")
    assert caught.value.errno == errno.EPIPE


def test_hixie_send_and_close(pair: tuple[Any, Any]) -> None:
    a, b = pair
    ws = WebSocket(a, {}, version=76)
    ws.send("hi ✓")
    ws.send(7)
    ws.close()
    data = b""
    while chunk := b.recv(100):
        data += chunk
    assert data == b"\x00hi \xe2\x9c\x93\xff\x007\xff\xff\x00"


def test_hixie_bad_input(pair: tuple[Any, Any]) -> None:
    a, b = pair
    ws = WebSocket(a, {}, version=76)
    with pytest.raises(ValueError, match="0xFF"):
        ws.send(b"\xff")
    b.sendall(b"\x05junk")
    assert ws.wait() is None


@pytest.mark.parametrize("deflate", [False, True])
def test_large_messages(pair: tuple[Any, Any], deflate: bool) -> None:
    extensions: dict[str, Any] | None = {DEFLATE: {}} if deflate else None
    server, client = make_pair(pair, extensions=extensions)
    echo = spawn(echo_until_closed, server)
    big = os.urandom(4 << 20)  # incompressible: deflate makes it slightly bigger
    text = "é" * (2 << 20)
    for message in (big, text):
        client.send(message)
        assert client.wait() == message
    client.close()
    assert len(echo.wait()) == 2


def test_hixie_long_message_in_many_reads_and_the_limit(pair: tuple[Any, Any]) -> None:
    a, b = pair
    ws = WebSocket(a, {}, version=76)
    ws.max_frame_length = 300_000
    text = "x" * 250_000
    sender = spawn(b.sendall, b"\x00" + text.encode() + b"\xff\x00tail\xff")
    assert ws.wait() == text
    assert ws.wait() == "tail"
    sender.wait()

    def send_too_much() -> None:
        try:
            b.sendall(b"\x00" + b"y" * 300_001)
        except OSError:
            pass  # the websocket may close before it has read it all

    sender = spawn(send_too_much)
    assert ws.wait() is None  # too long: the connection is closed
    sender.wait()
    data = b""
    while chunk := b.recv(4096):
        data += chunk
    assert data == b"\xff\x00"
