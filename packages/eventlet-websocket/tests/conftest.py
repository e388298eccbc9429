"""Fixtures of the eventlet-websocket tests: green socket pairs and raw frame helpers.

Test files are imported with ``--import-mode=importlib`` and cannot import one another or
this file, so what they share is given to them as fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from eventlet._websocket_frames import Frame, FrameParser, encode_frame
from eventlet.green import socket as green_socket

KEY = bytes.fromhex("37fa213d")


class RawPeer:
    """One end of a connection that speaks frames by hand, to break rules on purpose."""

    def __init__(self, sock: Any, masked: bool) -> None:
        self.sock = sock
        self.masked = masked
        self.parser = FrameParser(require_mask=not masked, allow_rsv1=True)
        self.frames: list[Frame] = []

    def send(self, opcode: int, payload: bytes = b"", **kwargs: Any) -> None:
        mask = KEY if self.masked else None
        self.sock.sendall(encode_frame(opcode, payload, mask=mask, **kwargs))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def frame(self) -> Frame:
        """The next frame from the other side (AssertionError at end of stream)."""
        while not self.frames:
            data = self.sock.recv(65536)
            assert data, "connection closed before a frame came"
            self.frames += self.parser.feed(data)
        return self.frames.pop(0)

    def close_frame(self) -> tuple[int, bytes]:
        """Skip to the next close frame; its (code, reason bytes)."""
        while True:
            frame = self.frame()
            if frame.opcode == 0x8:
                return int.from_bytes(frame.payload[:2], "big"), frame.payload[2:]

    def at_eof(self) -> bool:
        """True if the other side closed the connection once its frames are read."""
        while True:
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                return True
            if not data:
                return True
            self.frames += self.parser.feed(data)


@pytest.fixture
def pair() -> Iterator[tuple[Any, Any]]:
    """A connected pair of green sockets, closed afterwards."""
    a, b = green_socket.socketpair()
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def raw_peer() -> Callable[[Any, bool], RawPeer]:
    """``raw_peer(sock, masked)``: a hand-driven websocket end on ``sock``."""
    return RawPeer
