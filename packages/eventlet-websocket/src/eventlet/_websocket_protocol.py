"""Messages from frames: the receiving half of RFC 6455 as a state machine. No I/O here.

:class:`MessageReader` is fed the bytes read from the socket and returns events: whole
messages (``str`` for text, ``bytes`` for binary), pings, pongs and the peer's close.  It
checks what spans frames: fragmentation order, UTF-8 of text messages, permessage-deflate,
close payloads.  Any broken rule raises :class:`ProtocolError` with the close code to send.
"""

from __future__ import annotations

import codecs
import struct
from typing import Any

from eventlet._websocket_deflate import MessageInflater
from eventlet._websocket_frames import (
    BINARY,
    CLOSE,
    CLOSE_INVALID_DATA,
    CLOSE_NO_STATUS,
    CLOSE_PROTOCOL_ERROR,
    CONTINUATION,
    PING,
    PONG,
    TEXT,
    FrameParser,
    ProtocolError,
)

__all__ = ["EV_CLOSE", "EV_MESSAGE", "EV_PING", "EV_PONG", "MessageReader", "valid_close_code"]

EV_MESSAGE = 0
EV_PING = 1
EV_PONG = 2
EV_CLOSE = 3

#: An event: (EV_MESSAGE, str | bytes), (EV_PING | EV_PONG, bytes) or
#: (EV_CLOSE, (code, reason)).
Event = tuple[int, Any]

_utf8_decoder = codecs.getincrementaldecoder("utf-8")


def valid_close_code(code: int) -> bool:
    """Whether ``code`` may travel in a close frame (RFC 6455 section 7.4)."""
    if 1000 <= code <= 1011:
        return code not in (1004, 1005, 1006)
    return 3000 <= code <= 4999


def parse_close_payload(payload: bytes) -> tuple[int, str]:
    """The (code, reason) of a close frame's payload; no payload means 1005 (no status)."""
    if not payload:
        return CLOSE_NO_STATUS, ""
    if len(payload) == 1:
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, "close frame with a 1-byte payload")
    code = struct.unpack_from("!H", payload)[0]
    if not valid_close_code(code):
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, f"invalid close code {code}")
    try:
        reason = payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(CLOSE_INVALID_DATA, "close reason is not valid UTF-8") from None
    return code, reason


class MessageReader:
    """Feed bytes, get events; see the module docstring.

    ``server``: this end is the server, so incoming frames must be masked.
    ``inflater``: the permessage-deflate decoder when it was negotiated.
    ``max_frame_length``: the largest frame payload, checked on the wire and after
    inflating (None: no limit).
    """

    __slots__ = ("_decoder", "_fragments", "_inflate", "_inflater", "_opcode", "_parser")

    def __init__(
        self,
        *,
        server: bool,
        inflater: MessageInflater | None = None,
        max_frame_length: int | None = None,
    ) -> None:
        self._parser = FrameParser(
            require_mask=server, allow_rsv1=inflater is not None, max_payload=max_frame_length
        )
        self._inflater = inflater
        self._opcode: int | None = None  # the data opcode of the message being assembled
        self._inflate = False  # that message is compressed
        self._fragments: list[Any] = []  # str pieces of a text message, else bytes
        self._decoder: codecs.IncrementalDecoder | None = None

    def feed(self, data: bytes) -> list[Event]:
        """Add bytes read from the peer; return the events they completed, in order."""
        events: list[Event] = []
        for frame in self._parser.feed(data):
            opcode = frame.opcode
            if opcode == TEXT or opcode == BINARY:
                if self._opcode is not None:
                    raise ProtocolError(
                        CLOSE_PROTOCOL_ERROR, "new data frame inside a fragmented message"
                    )
                if frame.fin and not frame.rsv1:
                    # The common case: a whole message in one plain frame.
                    if opcode == TEXT:
                        try:
                            events.append((EV_MESSAGE, frame.payload.decode("utf-8")))
                        except UnicodeDecodeError:
                            raise ProtocolError(
                                CLOSE_INVALID_DATA, "text message is not valid UTF-8"
                            ) from None
                    else:
                        events.append((EV_MESSAGE, frame.payload))
                    continue
                self._opcode = opcode
                self._inflate = frame.rsv1
                self._decoder = _utf8_decoder() if opcode == TEXT else None
                self._add_fragment(frame.payload, frame.fin, events)
            elif opcode == CONTINUATION:
                if self._opcode is None:
                    raise ProtocolError(
                        CLOSE_PROTOCOL_ERROR, "continuation frame without a message to continue"
                    )
                if frame.rsv1:
                    raise ProtocolError(CLOSE_PROTOCOL_ERROR, "RSV1 set on a continuation frame")
                self._add_fragment(frame.payload, frame.fin, events)
            elif opcode == PING:
                events.append((EV_PING, frame.payload))
            elif opcode == PONG:
                events.append((EV_PONG, frame.payload))
            else:  # CLOSE: the parser lets no other opcode through
                assert opcode == CLOSE
                events.append((EV_CLOSE, parse_close_payload(frame.payload)))
        return events

    def _add_fragment(self, payload: bytes, fin: bool, events: list[Event]) -> None:
        """One frame of a message that is fragmented or compressed."""
        if self._inflate:
            assert self._inflater is not None
            payload = self._inflater.inflate(payload, fin)
        decoder = self._decoder
        if decoder is not None:
            # Decode as the frames come, so bad UTF-8 fails the connection at once.
            try:
                text = decoder.decode(payload, fin)
            except UnicodeDecodeError:
                raise ProtocolError(CLOSE_INVALID_DATA, "text message is not valid UTF-8") from None
            if text:
                self._fragments.append(text)
        else:
            self._fragments.append(payload)
        if fin:
            parts = self._fragments
            message: str | bytes = "".join(parts) if decoder is not None else b"".join(parts)
            events.append((EV_MESSAGE, message))
            self._fragments = []
            self._opcode = None
            self._decoder = None
            self._inflate = False
