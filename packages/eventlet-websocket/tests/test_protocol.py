"""MessageReader: messages from frames, and every rule that spans frames."""

from __future__ import annotations

import pytest

from eventlet._websocket_deflate import MessageDeflater, MessageInflater
from eventlet._websocket_frames import (
    BINARY,
    CLOSE,
    CONTINUATION,
    PING,
    PONG,
    TEXT,
    ProtocolError,
    encode_frame,
)
from eventlet._websocket_protocol import (
    EV_CLOSE,
    EV_MESSAGE,
    EV_PING,
    EV_PONG,
    MessageReader,
    valid_close_code,
)

KEY = bytes.fromhex("37fa213d")


def frame(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv1: bool = False) -> bytes:
    return encode_frame(opcode, payload, fin=fin, rsv1=rsv1, mask=KEY)


def reader(**kwargs: object) -> MessageReader:
    return MessageReader(server=True, **kwargs)  # type: ignore[arg-type]


def test_text_and_binary_messages() -> None:
    events = reader().feed(frame(TEXT, "héllo".encode()) + frame(BINARY, b"\x00\xff"))
    assert events == [(EV_MESSAGE, "héllo"), (EV_MESSAGE, b"\x00\xff")]


def test_empty_messages() -> None:
    assert reader().feed(frame(TEXT) + frame(BINARY)) == [(EV_MESSAGE, ""), (EV_MESSAGE, b"")]


def test_fragmented_message_with_a_ping_in_the_middle() -> None:
    stream = (
        frame(TEXT, b"He", fin=False)
        + frame(PING, b"are you there")
        + frame(CONTINUATION, b"l", fin=False)
        + frame(PONG, b"yes")
        + frame(CONTINUATION, b"lo")
    )
    assert reader().feed(stream) == [
        (EV_PING, b"are you there"),
        (EV_PONG, b"yes"),
        (EV_MESSAGE, "Hello"),
    ]


def test_fragmented_binary_message_arrives_whole() -> None:
    r = reader()
    assert r.feed(frame(BINARY, b"ab", fin=False)) == []
    assert r.feed(frame(CONTINUATION, b"cd", fin=False)) == []
    assert r.feed(frame(CONTINUATION, b"")) == [(EV_MESSAGE, b"abcd")]
    assert r.feed(frame(BINARY, b"next")) == [(EV_MESSAGE, b"next")]


def test_code_point_split_across_fragments_is_valid() -> None:
    data = "€".encode()
    stream = frame(TEXT, data[:1], fin=False) + frame(CONTINUATION, data[1:])
    assert reader().feed(stream) == [(EV_MESSAGE, "€")]


def test_continuation_without_a_message_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="continuation frame without a message") as caught:
        reader().feed(frame(CONTINUATION, b"x"))
    assert caught.value.code == 1002


def test_new_message_inside_a_fragmented_one_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="inside a fragmented message") as caught:
        reader().feed(frame(TEXT, b"a", fin=False) + frame(BINARY, b"b"))
    assert caught.value.code == 1002


@pytest.mark.parametrize(
    "stream",
    [
        frame(TEXT, b"\xff"),
        frame(TEXT, b"ok \xed\xa0\x80"),  # an encoded surrogate
        frame(TEXT, b"\xce", fin=False) + frame(CONTINUATION, b"\xce"),
        frame(TEXT, b"abc\xe2\x82", fin=True),  # truncated at the end of the message
    ],
)
def test_invalid_utf8_text_is_1007(stream: bytes) -> None:
    with pytest.raises(ProtocolError, match="not valid UTF-8") as caught:
        reader().feed(stream)
    assert caught.value.code == 1007


def test_invalid_utf8_fails_on_the_first_bad_fragment() -> None:
    r = reader()
    with pytest.raises(ProtocolError) as caught:
        r.feed(frame(TEXT, b"\xc0\xaf", fin=False))  # an overlong encoding, message unfinished
    assert caught.value.code == 1007


def test_invalid_utf8_in_binary_is_fine() -> None:
    assert reader().feed(frame(BINARY, b"\xff\xfe")) == [(EV_MESSAGE, b"\xff\xfe")]


def test_close_frames() -> None:
    assert reader().feed(frame(CLOSE)) == [(EV_CLOSE, (1005, ""))]
    assert reader().feed(frame(CLOSE, b"\x03\xe8")) == [(EV_CLOSE, (1000, ""))]
    payload = (4000).to_bytes(2, "big") + "au revoir ✓".encode()
    assert reader().feed(frame(CLOSE, payload)) == [(EV_CLOSE, (4000, "au revoir ✓"))]


def test_close_with_one_byte_payload_is_1002() -> None:
    with pytest.raises(ProtocolError, match="1-byte") as caught:
        reader().feed(frame(CLOSE, b"\x03"))
    assert caught.value.code == 1002


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1012, 1016, 2000, 2999, 5000, 65535])
def test_invalid_close_codes_are_1002(code: int) -> None:
    assert not valid_close_code(code)
    with pytest.raises(ProtocolError, match=f"invalid close code {code}") as caught:
        reader().feed(frame(CLOSE, code.to_bytes(2, "big")))
    assert caught.value.code == 1002


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999])
def test_valid_close_codes(code: int) -> None:
    assert valid_close_code(code)
    assert reader().feed(frame(CLOSE, code.to_bytes(2, "big"))) == [(EV_CLOSE, (code, ""))]


def test_close_reason_that_is_not_utf8_is_1007() -> None:
    with pytest.raises(ProtocolError, match="close reason") as caught:
        reader().feed(frame(CLOSE, b"\x03\xe8\xff"))
    assert caught.value.code == 1007


def test_client_reader_accepts_unmasked_and_refuses_masked() -> None:
    client = MessageReader(server=False)
    assert client.feed(encode_frame(TEXT, b"hi")) == [(EV_MESSAGE, "hi")]
    with pytest.raises(ProtocolError) as caught:
        client.feed(encode_frame(TEXT, b"hi", mask=KEY))
    assert caught.value.code == 1002


def test_compressed_message_in_one_frame() -> None:
    r = reader(inflater=MessageInflater())
    # RFC 7692 section 7.2.3.1: "Hello" compressed, in one frame.
    assert r.feed(frame(TEXT, bytes.fromhex("f248cdc9c90700"), rsv1=True)) == [
        (EV_MESSAGE, "Hello")
    ]


def test_compressed_message_in_fragments() -> None:
    # RFC 7692 section 7.2.3.1, the second example: one compressed message, two frames.
    r = reader(inflater=MessageInflater())
    stream = frame(TEXT, bytes.fromhex("f248cd"), fin=False, rsv1=True) + frame(
        CONTINUATION, bytes.fromhex("c9c90700")
    )
    assert r.feed(stream) == [(EV_MESSAGE, "Hello")]


def test_compressed_fragments_mixed_with_a_plain_message() -> None:
    deflater = MessageDeflater()
    r = reader(inflater=MessageInflater())
    big = deflater.compress(b"z" * 5000)
    stream = (
        frame(BINARY, big[:3], fin=False, rsv1=True)
        + frame(CONTINUATION, big[3:])
        + frame(TEXT, b"plain")
    )
    assert r.feed(stream) == [(EV_MESSAGE, b"z" * 5000), (EV_MESSAGE, "plain")]


def test_rsv1_on_a_continuation_frame_is_1002() -> None:
    r = reader(inflater=MessageInflater())
    with pytest.raises(ProtocolError, match="continuation") as caught:
        r.feed(frame(TEXT, b"\xf2", fin=False, rsv1=True) + frame(CONTINUATION, b"x", rsv1=True))
    assert caught.value.code == 1002


def test_rsv1_without_deflate_is_1002() -> None:
    with pytest.raises(ProtocolError, match="RSV1") as caught:
        reader().feed(frame(TEXT, bytes.fromhex("f248cdc9c90700"), rsv1=True))
    assert caught.value.code == 1002


def test_max_frame_length_applies_after_inflating() -> None:
    deflater = MessageDeflater()
    bomb = deflater.compress(b"\x00" * 100_000)
    assert len(bomb) < 1000  # small on the wire...
    r = reader(inflater=MessageInflater(max_size=1000), max_frame_length=1000)
    with pytest.raises(ProtocolError, match="inflates to more than the limit of 1000") as caught:
        r.feed(frame(BINARY, bomb, rsv1=True))  # ...big once inflated
    assert caught.value.code == 1009


def test_max_frame_length_exactly_reached_after_inflating_is_fine() -> None:
    deflater = MessageDeflater()
    r = reader(inflater=MessageInflater(max_size=1000), max_frame_length=1000)
    assert r.feed(frame(BINARY, deflater.compress(b"a" * 1000), rsv1=True)) == [
        (EV_MESSAGE, b"a" * 1000)
    ]


def test_corrupt_deflate_data_closes_the_connection() -> None:
    r = reader(inflater=MessageInflater())
    with pytest.raises(ProtocolError, match="bad deflate data") as caught:
        r.feed(frame(BINARY, b"\xff\xff\xff\xff", rsv1=True))
    assert caught.value.code == 1007
