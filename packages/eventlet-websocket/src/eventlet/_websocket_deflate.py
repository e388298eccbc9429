"""permessage-deflate (RFC 7692): the negotiation and the per-message codec. No I/O here."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

from eventlet._websocket_frames import CLOSE_INVALID_DATA, CLOSE_MESSAGE_TOO_BIG, ProtocolError

__all__ = [
    "DeflateParams",
    "MessageDeflater",
    "MessageInflater",
    "format_extensions",
    "negotiate",
    "parse_extensions",
]

EXTENSION = "permessage-deflate"
# Every deflated message ends with this empty stored block; RFC 7692 strips it on the wire.
_TAIL = b"\x00\x00\xff\xff"
_PARAMS = frozenset(
    (
        "server_no_context_takeover",
        "client_no_context_takeover",
        "server_max_window_bits",
        "client_max_window_bits",
    )
)

#: One offer: extension name and its parameters (a bare parameter has the value True).
Offer = tuple[str, dict[str, "str | bool"]]


def parse_extensions(header: str) -> list[Offer]:
    """Parse a Sec-WebSocket-Extensions header into (name, parameters) offers, in order.

    ``"permessage-deflate; client_max_window_bits, x-foo; a=\\"1\\""`` gives
    ``[("permessage-deflate", {"client_max_window_bits": True}), ("x-foo", {"a": "1"})]``.
    Raises ValueError naming what is malformed.
    """
    offers: list[Offer] = []
    for item in header.split(","):
        parts = [part.strip() for part in item.split(";")]
        name = parts[0]
        if not name:
            if len(parts) == 1 and not item.strip():
                continue  # tolerate "a, , b" as HTTP list syntax allows
            raise ValueError(f"extension without a name in {header!r}")
        params: dict[str, str | bool] = {}
        for part in parts[1:]:
            if not part:
                raise ValueError(f"empty parameter in extension {name!r}")
            key, sep, value = part.partition("=")
            key = key.strip()
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if key in params:
                raise ValueError(f"parameter {key!r} repeated in extension {name!r}")
            params[key] = value if sep else True
        offers.append((name, params))
    return offers


def format_extensions(offers: Sequence[Offer]) -> str:
    """The header value for ``offers`` (the inverse of :func:`parse_extensions`)."""
    items = []
    for name, params in offers:
        fields = [name]
        for key, value in params.items():
            if value is True:
                fields.append(key)
            elif value is not False:
                fields.append(f"{key}={value}")
        items.append("; ".join(fields))
    return ", ".join(items)


class DeflateParams:
    """The agreed permessage-deflate parameters of one connection.

    ``*_no_context_takeover``: that side starts every message with an empty window;
    ``*_max_window_bits``: the log2 window size that side compresses with (8 to 15).
    """

    __slots__ = (
        "client_max_window_bits",
        "client_no_context_takeover",
        "server_max_window_bits",
        "server_no_context_takeover",
    )

    def __init__(
        self,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: int = 15,
        client_max_window_bits: int = 15,
    ) -> None:
        for name, bits in (
            ("server_max_window_bits", server_max_window_bits),
            ("client_max_window_bits", client_max_window_bits),
        ):
            if not 8 <= bits <= 15:
                raise ValueError(f"{name} must be 8 to 15, got {bits!r}")
        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits

    def as_dict(self) -> dict[str, bool | int]:
        """The parameters as a plain dict (what ``RFC6455WebSocket.extensions`` holds)."""
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_mapping(cls, params: Mapping[str, object]) -> DeflateParams:
        """Build from a dict such as :meth:`as_dict` gives, or a parsed header (bare = True)."""
        unknown = set(params) - _PARAMS
        if unknown:
            raise ValueError(f"unknown permessage-deflate parameters: {sorted(unknown)}")

        def bits(name: str) -> int:
            value = params.get(name, 15)
            if value is True or value is None:
                return 15
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if isinstance(value, str) and not value.isdigit():
                raise ValueError(f"{name} must be a number, got {value!r}")
            return int(value)

        def flag(name: str) -> bool:
            value = params.get(name, False)
            if value not in (True, False):
                raise ValueError(f"{name} takes no value, got {value!r}")
            return bool(value)

        return cls(
            server_no_context_takeover=flag("server_no_context_takeover"),
            client_no_context_takeover=flag("client_no_context_takeover"),
            server_max_window_bits=bits("server_max_window_bits"),
            client_max_window_bits=bits("client_max_window_bits"),
        )

    def response_params(self, offered: Mapping[str, object]) -> dict[str, str | bool]:
        """The parameters a server answers an ``offered`` set with (RFC 7692 section 7.1)."""
        answer: dict[str, str | bool] = {}
        if self.server_no_context_takeover:
            answer["server_no_context_takeover"] = True
        if self.client_no_context_takeover:
            answer["client_no_context_takeover"] = True
        if "server_max_window_bits" in offered:
            answer["server_max_window_bits"] = str(self.server_max_window_bits)
        if isinstance(offered.get("client_max_window_bits"), str):
            answer["client_max_window_bits"] = str(self.client_max_window_bits)
        return answer


def negotiate(offers: Sequence[Offer]) -> tuple[DeflateParams, dict[str, str | bool]] | None:
    """Pick the first permessage-deflate offer a server can accept.

    Returns the agreed parameters and those to put in the response, or None (no
    compression).  Offers with unknown or malformed parameters are declined, as is a
    server window of 8 bits, which zlib cannot compress with.
    """
    for name, params in offers:
        if name != EXTENSION:
            continue
        try:
            agreed = DeflateParams.from_mapping(params)
        except ValueError:
            continue
        if params.get("server_max_window_bits") is True:
            continue  # the server parameter must carry a value
        if agreed.server_max_window_bits < 9:
            continue
        return agreed, agreed.response_params(params)
    return None


class MessageDeflater:
    """Compress whole messages for one direction; keeps the window across messages unless
    ``no_context_takeover``."""

    __slots__ = ("_compressor", "_level", "_wbits", "no_context_takeover")

    def __init__(
        self, window_bits: int = 15, no_context_takeover: bool = False, level: int = 6
    ) -> None:
        # zlib cannot compress with an 8-bit raw window; 9 is the smallest it offers.
        self._wbits = -max(window_bits, 9)
        self._level = level
        self.no_context_takeover = no_context_takeover
        self._compressor = self._new()

    def _new(self) -> zlib._Compress:
        return zlib.compressobj(self._level, zlib.DEFLATED, self._wbits)

    def compress(self, data: bytes) -> bytes:
        """The deflated payload of one message, without its final empty block."""
        compressor = self._compressor
        if self.no_context_takeover:
            self._compressor = self._new()
        out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if out.endswith(_TAIL):
            out = out[:-4]
        return out or b"\x00"


class MessageInflater:
    """Decompress messages for one direction, a frame at a time, with a size limit.

    ``max_size``: the most bytes one frame may inflate to (None: no limit); beyond it the
    connection is closed with 1009, before more than ``max_size + 1`` bytes are produced.
    """

    __slots__ = ("_decompressor", "_wbits", "max_size", "no_context_takeover")

    def __init__(
        self,
        window_bits: int = 15,
        no_context_takeover: bool = False,
        max_size: int | None = None,
    ) -> None:
        self._wbits = -window_bits
        self.no_context_takeover = no_context_takeover
        self.max_size = max_size
        self._decompressor = zlib.decompressobj(self._wbits)

    def inflate(self, payload: bytes, final: bool) -> bytes:
        """The inflated bytes of one frame of a compressed message; ``final`` ends it."""
        if final:
            payload += _TAIL
        limit = self.max_size
        try:
            if limit is None:
                out = self._decompressor.decompress(payload)
            else:
                out = self._decompressor.decompress(payload, limit + 1)
        except zlib.error as error:
            raise ProtocolError(CLOSE_INVALID_DATA, f"bad deflate data: {error}") from None
        if limit is not None and (len(out) > limit or self._decompressor.unconsumed_tail):
            raise ProtocolError(
                CLOSE_MESSAGE_TOO_BIG,
                f"frame inflates to more than the limit of {limit} bytes",
            )
        if final and self.no_context_takeover:
            self._decompressor = zlib.decompressobj(self._wbits)
        return out
