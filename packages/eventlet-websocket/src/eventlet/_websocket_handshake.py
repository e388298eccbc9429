"""The opening handshakes, as pure functions: RFC 6455 and the legacy hixie-75/76 drafts."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "HandshakeError",
    "accept_key",
    "hixie76_answer",
    "hixie_response",
    "location",
    "rfc6455_response",
    "select_protocol",
    "split_header",
]

#: The GUID every RFC 6455 server appends to the client's key (section 1.3).
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#: Sec-WebSocket-Version values served by the RFC 6455 handshake (8 is hybi-08..12).
SUPPORTED_VERSIONS = ("13", "8", "7")


class HandshakeError(Exception):
    """The request cannot be upgraded; ``status`` and ``headers`` make the HTTP answer."""

    def __init__(
        self,
        message: str,
        status: str = "400 Bad Request",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = [("Content-Type", "text/plain"), ("Connection", "close"), *headers]
        self.body = message.encode("utf-8")


def split_header(value: str | None) -> list[str]:
    """The comma-separated tokens of a header value, stripped, empty ones dropped."""
    if not value:
        return []
    return [token.strip() for token in value.split(",") if token.strip()]


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept value answering a client's Sec-WebSocket-Key.

    Raises HandshakeError unless ``key`` is the base64 of 16 bytes (section 4.2.1).
    """
    try:
        raw = base64.b64decode(key.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise HandshakeError(f"Sec-WebSocket-Key {key!r} is not base64") from None
    if len(raw) != 16:
        raise HandshakeError(f"Sec-WebSocket-Key decodes to {len(raw)} bytes, not 16")
    digest = hashlib.sha1(key.encode("ascii") + _GUID).digest()
    return base64.b64encode(digest).decode("ascii")


def select_protocol(offered: list[str], supported: Iterable[str]) -> str | None:
    """The first subprotocol of the client's list that the server supports, or None."""
    supported = set(supported)
    for protocol in offered:
        if protocol in supported:
            return protocol
    return None


def rfc6455_response(key: str, protocol: str | None, extensions: str | None) -> bytes:
    """The 101 response of an RFC 6455 handshake."""
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept_key(key)}",
    ]
    if protocol:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    if extensions:
        lines.append(f"Sec-WebSocket-Extensions: {extensions}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def location(environ: Mapping[str, Any]) -> str:
    """The ws:// or wss:// URL of the request, as hixie drafts echo it back."""
    scheme = "wss" if environ.get("wsgi.url_scheme") == "https" else "ws"
    host = environ.get("HTTP_HOST") or "{}:{}".format(
        environ.get("SERVER_NAME", "localhost"), environ.get("SERVER_PORT", "80")
    )
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING")
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


def _key_number(key: str) -> int:
    """A hixie-76 key's digits divided by its spaces; HandshakeError if not exact."""
    digits = "".join(char for char in key if char.isdigit())
    spaces = key.count(" ")
    if not digits or not spaces:
        raise HandshakeError(f"hixie-76 key {key!r} needs digits and spaces")
    number = int(digits)
    if number % spaces:
        raise HandshakeError(f"hixie-76 key {key!r}: digits not a multiple of its spaces")
    value = number // spaces
    if value > 0xFFFFFFFF:
        raise HandshakeError(f"hixie-76 key {key!r} is out of range")
    return value


def hixie76_answer(key1: str, key2: str, key3: bytes) -> bytes:
    """The 16-byte MD5 challenge answer of a hixie-76 handshake."""
    if len(key3) != 8:
        raise HandshakeError(f"hixie-76 needs 8 key bytes after the headers, got {len(key3)}")
    challenge = struct.pack("!II", _key_number(key1), _key_number(key2)) + key3
    return hashlib.md5(challenge).digest()


def hixie_response(
    environ: Mapping[str, Any], version: int, protocol: str | None, answer: bytes = b""
) -> bytes:
    """The 101 response of a hixie-75 or hixie-76 handshake (with its challenge answer)."""
    origin = environ.get("HTTP_ORIGIN", "")
    if version == 76:
        lines = [
            "HTTP/1.1 101 WebSocket Protocol Handshake",
            "Upgrade: WebSocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Origin: {origin}",
            f"Sec-WebSocket-Location: {location(environ)}",
        ]
        if protocol:
            lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    else:
        lines = [
            "HTTP/1.1 101 Web Socket Protocol Handshake",
            "Upgrade: WebSocket",
            "Connection: Upgrade",
            f"WebSocket-Origin: {origin}",
            f"WebSocket-Location: {location(environ)}",
        ]
        if protocol:
            lines.append(f"WebSocket-Protocol: {protocol}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + answer
