"""The frame codec, byte for byte, with the examples of RFC 6455 section 5.7."""

from __future__ import annotations

import pytest

from eventlet._websocket_frames import (
    BINARY,
    CLOSE,
    CONTINUATION,
    PING,
    PONG,
    TEXT,
    Frame,
    FrameParser,
    ProtocolError,
    apply_mask,
    encode_frame,
)

KEY = bytes.fromhex("37fa213d")
HELLO = bytes.fromhex("810548656c6c6f")
MASKED_HELLO = bytes.fromhex("818537fa213d7f9f4d5158")


def server_parser(**kwargs: object) -> FrameParser:
    return FrameParser(require_mask=True, **kwargs)  # type: ignore[arg-type]


def client_parser(**kwargs: object) -> FrameParser:
    return FrameParser(require_mask=False, **kwargs)  # type: ignore[arg-type]


def test_unmasked_hello() -> None:
    assert encode_frame(TEXT, b"Hello") == HELLO
    assert client_parser().feed(HELLO) == [Frame(True, False, TEXT, b"Hello")]


def test_masked_hello() -> None:
    assert encode_frame(TEXT, b"Hello", mask=KEY) == MASKED_HELLO
    assert server_parser().feed(MASKED_HELLO) == [Frame(True, False, TEXT, b"Hello")]


def test_fragmented_unmasked_text() -> None:
    first = encode_frame(TEXT, b"Hel", fin=False)
    second = encode_frame(CONTINUATION, b"lo")
    assert first == bytes.fromhex("010348656c")
    assert second == bytes.fromhex("80026c6f")
    assert client_parser().feed(first + second) == [
        Frame(False, False, TEXT, b"Hel"),
        Frame(True, False, CONTINUATION, b"lo"),
    ]


def test_ping_and_masked_pong() -> None:
    assert encode_frame(PING, b"Hello") == bytes.fromhex("890548656c6c6f")
    pong = encode_frame(PONG, b"Hello", mask=KEY)
    assert pong == bytes.fromhex("8a8537fa213d7f9f4d5158")
    assert server_parser().feed(pong) == [Frame(True, False, PONG, b"Hello")]


def test_16_bit_length() -> None:
    payload = bytes(range(256))
    frame = encode_frame(BINARY, payload)
    assert frame[:4] == bytes.fromhex("827e0100")
    assert frame[4:] == payload
    assert client_parser().feed(frame) == [Frame(True, False, BINARY, payload)]


def test_64_bit_length() -> None:
    payload = b"x" * 65536
    frame = encode_frame(BINARY, payload)
    assert frame[:10] == bytes.fromhex("827f0000000000010000")
    assert len(frame) == 10 + 65536
    assert client_parser().feed(frame) == [Frame(True, False, BINARY, payload)]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_length_boundaries_round_trip_masked(size: int) -> None:
    payload = bytes(i % 251 for i in range(size))
    frame = encode_frame(BINARY, payload, mask=KEY)
    assert server_parser().feed(frame) == [Frame(True, False, BINARY, payload)]


def test_byte_at_a_time_feeding_gives_the_same_frames() -> None:
    stream = (
        encode_frame(TEXT, b"Hel", fin=False, mask=KEY)
        + encode_frame(PING, b"p", mask=KEY)
        + encode_frame(CONTINUATION, b"lo", mask=KEY)
        + encode_frame(BINARY, b"y" * 300, mask=KEY)
    )
    parser = server_parser()
    frames: list[Frame] = []
    for index in range(len(stream)):
        frames += parser.feed(stream[index : index + 1])
    assert frames == [
        Frame(False, False, TEXT, b"Hel"),
        Frame(True, False, PING, b"p"),
        Frame(True, False, CONTINUATION, b"lo"),
        Frame(True, False, BINARY, b"y" * 300),
    ]
    assert parser.buffered == 0


def test_rsv1_is_encoded_and_accepted_when_allowed() -> None:
    frame = encode_frame(TEXT, b"abc", rsv1=True)
    assert frame[0] == 0xC1
    assert client_parser(allow_rsv1=True).feed(frame) == [Frame(True, True, TEXT, b"abc")]


def test_apply_mask_is_its_own_inverse() -> None:
    data = bytes(range(256)) * 3 + b"odd"
    assert apply_mask(apply_mask(data, KEY), KEY) == data
    assert apply_mask(b"Hello", KEY) == bytes.fromhex("7f9f4d5158")
    assert apply_mask(b"", KEY) == b""
    with pytest.raises(ValueError, match="4 bytes"):
        apply_mask(b"abc", b"12")


@pytest.mark.parametrize("opcode", [CLOSE, PING, PONG])
def test_encoding_an_oversized_control_frame_is_refused(opcode: int) -> None:
    with pytest.raises(ValueError, match="at most 125"):
        encode_frame(opcode, b"x" * 126)
    assert len(encode_frame(opcode, b"x" * 125)) == 127


def test_encoding_a_fragmented_control_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be fragmented"):
        encode_frame(PING, b"", fin=False)


def test_encoding_an_unknown_opcode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown opcode 0x3"):
        encode_frame(3, b"")


def raw(first: int, payload: bytes = b"", masked: bool = True, length: int | None = None) -> bytes:
    """A frame built by hand, so that it may break the rules encode_frame enforces."""
    size = len(payload) if length is None else length
    if size < 126:
        header = bytes((first, (0x80 if masked else 0) | size))
    else:
        header = bytes((first, (0x80 if masked else 0) | 126)) + size.to_bytes(2, "big")
    return header + (KEY + apply_mask(payload, KEY) if masked else payload)


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (raw(0x89, b"x" * 126), 1002, "control frame payload of 126"),
        (raw(0x09, b"x"), 1002, "fragmented control frame"),
        (raw(0x08, b""), 1002, "fragmented control frame"),
        (raw(0xA1, b"x"), 1002, "RSV2/RSV3"),
        (raw(0x91, b"x"), 1002, "RSV2/RSV3"),
        (raw(0xC1, b"x"), 1002, "RSV1 set without a negotiated extension"),
        (raw(0xC9, b"x"), 1002, "RSV1 set on a control frame"),
        (raw(0x83, b"x"), 1002, "reserved opcode 0x3"),
        (raw(0x8B, b"x"), 1002, "reserved opcode 0xb"),
        (raw(0x81, b"x", masked=False), 1002, "unmasked frame from a client"),
        (bytes((0x82, 0xFF)) + b"\x80" + bytes(7), 1002, "top bit"),
    ],
)
def test_server_side_rule_breaks(data: bytes, code: int, words: str) -> None:
    with pytest.raises(ProtocolError, match=words) as caught:
        server_parser().feed(data)
    assert caught.value.code == code


def test_masked_frame_from_a_server_is_refused_by_a_client() -> None:
    with pytest.raises(ProtocolError, match="masked frame from a server") as caught:
        client_parser().feed(MASKED_HELLO)
    assert caught.value.code == 1002


def test_oversized_frame_is_refused_on_its_header() -> None:
    parser = server_parser(max_payload=10)
    assert parser.feed(encode_frame(BINARY, b"x" * 10, mask=KEY)) == [
        Frame(True, False, BINARY, b"x" * 10)
    ]
    # Only the header of the big frame has arrived: no need to buffer its payload first.
    with pytest.raises(ProtocolError, match="above the limit of 10 bytes") as caught:
        parser.feed(encode_frame(BINARY, b"x" * 11, mask=KEY)[:2])
    assert caught.value.code == 1009
    assert "1009" in str(caught.value)
