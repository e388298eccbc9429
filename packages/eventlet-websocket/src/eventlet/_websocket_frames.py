"""The RFC 6455 frame codec: bytes in, frames out, and frames to bytes. No I/O here.

A frame on the wire is a 2-byte header (FIN, RSV1-3, opcode; MASK, 7-bit length), an
extended length of 2 or 8 bytes when the 7-bit length is 126 or 127, a 4-byte masking key
when MASK is set, then the payload.  :class:`FrameParser` is a state machine fed with
whatever the socket returned; it hands back complete frames and raises
:class:`ProtocolError` (carrying the close code to send) on the first rule a frame breaks.
"""

from __future__ import annotations

import struct

__all__ = [
    "BINARY",
    "CLOSE",
    "CONTINUATION",
    "Frame",
    "FrameParser",
    "PING",
    "PONG",
    "ProtocolError",
    "TEXT",
    "apply_mask",
    "encode_frame",
]

CONTINUATION = 0x0
TEXT = 0x1
BINARY = 0x2
CLOSE = 0x8
PING = 0x9
PONG = 0xA

_DATA_OPCODES = frozenset((CONTINUATION, TEXT, BINARY))
_CONTROL_OPCODES = frozenset((CLOSE, PING, PONG))

#: Close codes of RFC 6455, section 7.4.1, that this module sends.
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_NO_STATUS = 1005
CLOSE_ABNORMAL = 1006
CLOSE_INVALID_DATA = 1007
CLOSE_POLICY_VIOLATION = 1008
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_INTERNAL_ERROR = 1011

_FIN = 0x80
_RSV1 = 0x40
_RSV2 = 0x20
_RSV3 = 0x10
_MASK = 0x80

_pack_short = struct.Struct("!BBH").pack
_pack_long = struct.Struct("!BBQ").pack
_unpack_short = struct.Struct("!H").unpack_from
_unpack_long = struct.Struct("!Q").unpack_from


class ProtocolError(Exception):
    """The peer broke the protocol; ``code`` is the close code to answer with."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.reason} (close code {self.code})"


class Frame:
    """One decoded frame: ``fin``, ``rsv1``, ``opcode`` and the unmasked ``payload``."""

    __slots__ = ("fin", "opcode", "payload", "rsv1")

    def __init__(self, fin: bool, rsv1: bool, opcode: int, payload: bytes) -> None:
        self.fin = fin
        self.rsv1 = rsv1
        self.opcode = opcode
        self.payload = payload

    def __repr__(self) -> str:
        return (
            f"Frame(fin={self.fin}, rsv1={self.rsv1}, opcode={self.opcode:#x}, "
            f"payload={self.payload!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frame):
            return NotImplemented
        return (self.fin, self.rsv1, self.opcode, self.payload) == (
            other.fin,
            other.rsv1,
            other.opcode,
            other.payload,
        )

    __hash__ = None  # type: ignore[assignment]


def _unmask(data: bytes | bytearray, key: bytes | bytearray) -> bytes:
    """XOR ``data`` with ``key`` (4 bytes) repeated; no argument checks (the hot path)."""
    size = len(data)
    # One big-integer XOR runs in C; a Python loop over the bytes would be far slower.
    # The key is repeated past the end and the extra bytes cut off after.
    value = int.from_bytes(data, "little") ^ int.from_bytes(key * ((size >> 2) + 1), "little")
    return value.to_bytes(size + 4, "little")[:size]


def apply_mask(data: bytes | bytearray | memoryview, key: bytes) -> bytes:
    """XOR ``data`` with the 4-byte masking ``key`` repeated (masking and unmasking alike)."""
    if len(key) != 4:
        raise ValueError(f"a masking key is 4 bytes, got {len(key)}")
    return _unmask(bytes(data), key)


def encode_frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv1: bool = False,
    mask: bytes | None = None,
) -> bytes:
    """The bytes of one frame; ``mask`` (4 bytes) masks the payload, as a client must.

    Control frames (close, ping, pong) must be final and carry at most 125 bytes.
    """
    if opcode in _CONTROL_OPCODES:
        if not fin:
            raise ValueError(f"control frame {opcode:#x} cannot be fragmented (fin=False)")
        if len(payload) > 125:
            raise ValueError(
                f"control frame {opcode:#x} payload is {len(payload)} bytes; at most 125"
            )
    elif opcode not in _DATA_OPCODES:
        raise ValueError(f"unknown opcode {opcode:#x}")
    first = opcode | (_FIN if fin else 0) | (_RSV1 if rsv1 else 0)
    size = len(payload)
    mask_bit = _MASK if mask is not None else 0
    if size < 126:
        header = bytes((first, mask_bit | size))
    elif size < 0x10000:
        header = _pack_short(first, mask_bit | 126, size)
    else:
        header = _pack_long(first, mask_bit | 127, size)
    if mask is None:
        return header + payload
    return header + mask + apply_mask(payload, mask)


class FrameParser:
    """Turn a byte stream into frames, checking the rules each single frame must follow.

    ``require_mask``: frames must be masked (a server reading a client) or must not be
    (a client reading a server; pass False).  ``allow_rsv1``: an extension that uses RSV1
    (permessage-deflate) was negotiated.  ``max_payload``: the largest payload accepted,
    checked on the header before the payload is buffered (None: no limit).
    """

    __slots__ = ("_buffer", "_need", "allow_rsv1", "max_payload", "require_mask")

    def __init__(
        self,
        *,
        require_mask: bool,
        allow_rsv1: bool = False,
        max_payload: int | None = None,
    ) -> None:
        self.require_mask = require_mask
        self.allow_rsv1 = allow_rsv1
        self.max_payload = max_payload
        self._buffer = bytearray()
        self._need = 0  # the buffer cannot hold a whole frame before it has this many bytes

    @property
    def buffered(self) -> int:
        """How many bytes are held waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        """Add ``data`` received from the peer; return the frames it completed, in order."""
        buffer = self._buffer
        if buffer:
            buffer += data
            if len(buffer) < self._need:
                return []  # a long frame still arriving: nothing to parse yet
            view: bytes | bytearray = buffer
        else:
            view = data  # the common case: whole frames in one read, no copy
        frames: list[Frame] = []
        end = len(view)
        pos = 0
        need = 0
        require_mask = self.require_mask
        max_payload = self.max_payload
        while True:
            if end - pos < 2:
                need = 2
                break
            first = view[pos]
            second = view[pos + 1]
            offset = pos + 2
            size = second & 0x7F
            if size == 126:
                if end - offset < 2:
                    need = 4
                    break
                size = _unpack_short(view, offset)[0]
                offset += 2
            elif size == 127:
                if end - offset < 8:
                    need = 10
                    break
                size = _unpack_long(view, offset)[0]
                if size >> 63:
                    raise ProtocolError(CLOSE_PROTOCOL_ERROR, "frame length has its top bit set")
                offset += 8
            masked = second & _MASK
            # Fast path: a data frame without RSV bits, masked as it should be, not too big
            # breaks no rule; anything else gets the full check, before its payload is read.
            if (
                first & 0x7E  # RSV1-3 set, or opcode above 1 (2 is checked just below)
                and (first & 0x7F) != BINARY
                or (not masked) == require_mask
                or (max_payload is not None and size > max_payload)
            ):
                self._check_header(first, second, size)
            if masked:
                stop = offset + 4 + size
                if end < stop:
                    need = stop - pos
                    break
                payload = _unmask(view[offset + 4 : stop], view[offset : offset + 4])
            else:
                stop = offset + size
                if end < stop:
                    need = stop - pos
                    break
                payload = view[offset:stop] if view is data else bytes(view[offset:stop])
            frames.append(Frame(first > 0x7F, bool(first & _RSV1), first & 0x0F, payload))
            pos = stop
        self._need = need
        if buffer:
            del buffer[:pos]
        elif pos < end:
            buffer += view[pos:]
        return frames

    def _check_header(self, first: int, second: int, size: int) -> None:
        """Raise ProtocolError if a frame header breaks a rule of RFC 6455 section 5."""
        opcode = first & 0x0F
        if first & (_RSV2 | _RSV3):
            raise ProtocolError(CLOSE_PROTOCOL_ERROR, "RSV2/RSV3 set without an extension")
        if opcode in _CONTROL_OPCODES:
            if not first & _FIN:
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, "fragmented control frame")
            if size > 125:
                raise ProtocolError(
                    CLOSE_PROTOCOL_ERROR, f"control frame payload of {size} bytes (max 125)"
                )
            if first & _RSV1:
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, "RSV1 set on a control frame")
        elif opcode not in _DATA_OPCODES:
            raise ProtocolError(CLOSE_PROTOCOL_ERROR, f"reserved opcode {opcode:#x}")
        elif first & _RSV1 and not self.allow_rsv1:
            raise ProtocolError(CLOSE_PROTOCOL_ERROR, "RSV1 set without a negotiated extension")
        if bool(second & _MASK) != self.require_mask:
            if self.require_mask:
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, "unmasked frame from a client")
            raise ProtocolError(CLOSE_PROTOCOL_ERROR, "masked frame from a server")
        if self.max_payload is not None and size > self.max_payload:
            raise ProtocolError(
                CLOSE_MESSAGE_TOO_BIG,
                f"frame of {size} bytes is above the limit of {self.max_payload} bytes",
            )
