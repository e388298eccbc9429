"""Random traffic, fixed seeds: however a stream is fragmented and cut into reads, the
reader gives back the same messages."""

from __future__ import annotations

import random
from typing import Any

import pytest

from eventlet._websocket_deflate import MessageDeflater, MessageInflater
from eventlet._websocket_frames import BINARY, CONTINUATION, PING, TEXT, encode_frame
from eventlet._websocket_protocol import EV_MESSAGE, EV_PING, MessageReader


def random_message(rng: random.Random) -> str | bytes:
    size = rng.choice([0, 1, 5, 125, 126, 127, 300, 65535, 65536, 70000])
    if rng.random() < 0.5:
        return rng.randbytes(size)
    alphabet = "aé€𝄞 \n"
    return "".join(rng.choice(alphabet) for _ in range(size // 4))


def encode_message(
    rng: random.Random, message: str | bytes, deflater: MessageDeflater | None
) -> tuple[bytes, list[Any]]:
    """The masked frames of ``message`` cut at random points, pings between; and the events
    a reader must give for them."""
    opcode = TEXT if isinstance(message, str) else BINARY
    data = message.encode() if isinstance(message, str) else message
    if deflater is not None:
        data = deflater.compress(data)
    cuts = sorted(rng.sample(range(1, len(data)), max(0, min(len(data) - 1, rng.randint(0, 4)))))
    pieces = [data[i:j] for i, j in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    out = b""
    events: list[Any] = []
    for index, piece in enumerate(pieces):
        if index and rng.random() < 0.3:
            ping = rng.randbytes(rng.randint(0, 125))
            out += encode_frame(PING, ping, mask=rng.randbytes(4))
            events.append((EV_PING, ping))
        out += encode_frame(
            opcode if index == 0 else CONTINUATION,
            piece,
            fin=index == len(pieces) - 1,
            rsv1=deflater is not None and index == 0,
            mask=rng.randbytes(4),
        )
    events.append((EV_MESSAGE, message))
    return out, events


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("deflate", [False, True])
def test_random_streams(seed: int, deflate: bool) -> None:
    rng = random.Random(seed)
    deflater = MessageDeflater(no_context_takeover=seed % 2 == 0) if deflate else None
    stream = b""
    expected: list[Any] = []
    for _ in range(20):
        frames, events = encode_message(rng, random_message(rng), deflater)
        stream += frames
        expected += events
    inflater = MessageInflater(no_context_takeover=seed % 2 == 0) if deflate else None
    reader = MessageReader(server=True, inflater=inflater)
    got: list[Any] = []
    position = 0
    while position < len(stream):
        step = rng.choice([1, 2, 3, 7, 100, 4096, 65536, 200_000])
        got += reader.feed(stream[position : position + step])
        position += step
    assert got == expected
