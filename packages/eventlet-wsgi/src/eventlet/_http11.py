"""HTTP/1.1 server-side message framing (RFC 9112) as a state machine with no I/O.

:class:`RequestParser` is fed the bytes a client sent (:meth:`RequestParser.feed`) and hands
back parsed request heads (:meth:`RequestParser.next_request`) and decoded body bytes
(:meth:`RequestParser.read_body`). It never touches a socket, so every rule is tested byte for
byte. :func:`response_head` decides how a response is framed (Content-Length, chunked, or
closing the connection) and serialises its head; :func:`check_status` and
:func:`check_headers` refuse what an application must not send.

Errors are :class:`HTTPError` carrying the status code to answer with; after one the
connection must be closed.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "FRAME_CHUNKED",
    "FRAME_CLOSE",
    "FRAME_LENGTH",
    "FRAME_NONE",
    "ChunkReadError",
    "HTTPError",
    "HeaderLineTooLong",
    "HeadersTooLarge",
    "MAX_CHUNK_LINE",
    "Request",
    "RequestParser",
    "capitalize_header",
    "check_headers",
    "check_status",
    "chunk",
    "response_head",
]

#: Longest chunk-size line (size, extensions and CRLF) accepted in a chunked body.
MAX_CHUNK_LINE: Final = 4096

#: How a response body is delimited.
FRAME_NONE: Final = 0  # no body at all (HEAD, 1xx, 204, 304)
FRAME_LENGTH: Final = 1  # Content-Length
FRAME_CHUNKED: Final = 2  # Transfer-Encoding: chunked
FRAME_CLOSE: Final = 3  # the end of the connection ends the body (HTTP/1.0 style)

_TCHAR = rb"!#$%&'*+.^_`|~0-9A-Za-z-"
_TOKEN = re.compile(rb"[" + _TCHAR + rb"]+")
_TOKEN_STR = re.compile(r"[" + _TCHAR.decode() + r"]+")
# request-line = method SP request-target SP HTTP-version (RFC 9112 section 3)
_REQUEST_LINE = re.compile(rb"([" + _TCHAR + rb"]+) ([\x21-\x7e]+) HTTP/([0-9])\.([0-9])")
_LOOSE_VERSION = re.compile(rb"[^ ]+ [^ ]+ HTTP/([0-9]+)\.([0-9]+)")
# field-line = field-name ":" OWS field-value OWS; no space before the colon, no controls.
_FIELD_LINE = re.compile(rb"([" + _TCHAR + rb"]+):([\t\x20-\x7e\x80-\xff]*)")
_TCHAR_STR = _TCHAR.decode("ascii")
# Header lines (latin-1 decoded, each ending with CRLF) split into (name, value) pairs in one call (trailing whitespace, rare, is
# removed apart: a lazy pattern that drops it costs twice as much on every request). Each
# match starts at a line start.
_FIELD_SPLIT = re.compile(r"^([" + _TCHAR_STR + r"]+):[ \t]*([^\r]*)\r\n", re.MULTILINE)
_REQUEST_LINE_STR = re.compile(r"([" + _TCHAR_STR + r"]+) ([\x21-\x7e]+) HTTP/([0-9])\.([0-9])")
# Bytes a request head may hold: HTAB, CR and LF (checked apart), visible ASCII, SP, obs-text.
_HEAD_BYTES = bytes([9, 10, 13, *range(0x20, 0x7F), *range(0x80, 0x100)])
_FRAMING_FIELDS = frozenset(("content-length", "transfer-encoding", "host", "connection", "expect"))
_QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t\x20-\x7e\x80-\xff])*"'
_CHUNK_EXT = rb"(?:[ \t]*;[ \t]*[" + _TCHAR + rb"]+(?:[ \t]*=[ \t]*(?:[" + _TCHAR + rb"]+|" + _QUOTED + rb"))?)*"
# chunk-size is plain hex: no sign, no "0x", no underscores, no spaces before it.
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,15})(" + _CHUNK_EXT + rb")[ \t]*")
_BAD_VALUE = re.compile(r"[\r\n\x00]")
_STATUS = re.compile(r"[1-9][0-9]{2} [^\r\n\x00]*")

_REASONS: Final = {
    400: "Bad Request",
    411: "Length Required",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}


class HTTPError(Exception):
    """A request that cannot be served: answer ``status`` and close the connection.

    ``status`` is the numeric status code, ``reason`` says what was wrong (for the log and
    the response body).
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {_REASONS.get(status, '')}: {reason}")
        self.status = status
        self.reason = reason

    @property
    def status_line(self) -> str:
        """The status as WSGI writes it, ``"400 Bad Request"``."""
        return f"{self.status} {_REASONS.get(self.status, 'Error')}"


class ChunkReadError(HTTPError, ValueError):
    """A malformed chunked request body (400); a ValueError too, as upstream's."""

    def __init__(self, reason: str) -> None:
        super().__init__(400, reason)


class HeadersTooLarge(HTTPError):
    """The request head, or its trailer fields, exceed the size limits (431)."""

    def __init__(self, reason: str) -> None:
        super().__init__(431, reason)


class HeaderLineTooLong(HeadersTooLarge):
    """One header line exceeds its length limit (431)."""


class Request:
    """One parsed request head.

    ``method`` and ``target`` are as sent; ``version`` is ``"HTTP/1.1"`` or ``"HTTP/1.0"``;
    ``headers`` is the list of ``(name, value)`` pairs in order, names as sent, values with
    surrounding whitespace removed, both decoded as latin-1 (PEP 3333). Header names with an
    underscore are left out, so ``X_Forwarded_For`` can never pass for ``X-Forwarded-For``.
    ``content_length`` is the body length (None when chunked); ``keep_alive`` whether the
    client lets the connection carry another request; ``expect_continue`` whether it waits for
    ``100 Continue``; ``host`` the Host (or the authority of an absolute-form target).
    """

    __slots__ = (
        "chunked",
        "content_length",
        "expect_continue",
        "headers",
        "host",
        "keep_alive",
        "method",
        "path",
        "query",
        "request_line",
        "target",
        "version",
    )

    def __init__(self) -> None:
        self.method = ""
        self.target = ""
        self.version = "HTTP/1.1"
        self.request_line = ""
        self.path = ""
        self.query = ""
        self.headers: list[tuple[str, str]] = []
        self.content_length: int | None = 0
        self.chunked = False
        self.keep_alive = True
        self.expect_continue = False
        self.host: str | None = None

    def __repr__(self) -> str:
        return f"<Request {self.request_line!r}>"


# Body decoding states.
_IDLE = 0  # between requests
_LENGTH = 1  # Content-Length body
_CHUNK_SIZE = 2  # expecting a chunk-size line
_CHUNK_DATA = 3  # inside a chunk
_CHUNK_END = 4  # expecting the CRLF after chunk data
_TRAILER = 5  # expecting trailer lines or the final CRLF


class RequestParser:
    """Parses a stream of requests sent on one connection (pipelining included).

    Feed it with :meth:`feed`; take each request head with :meth:`next_request`, then its
    body with :meth:`read_body` until that returns ``b""``. Every violation raises
    :class:`HTTPError`; after one the parser is unusable and the connection must close.
    """

    __slots__ = (
        "_buffer",
        "_remaining",
        "_state",
        "_trailer_size",
        "eof",
        "max_header_line",
        "max_header_size",
        "max_headers",
        "url_length_limit",
    )

    def __init__(
        self,
        url_length_limit: int = 8192,
        max_header_line: int = 8192,
        max_header_size: int = 65536,
        max_headers: int = 256,
    ) -> None:
        if (
            url_length_limit.__class__ is not int
            or max_header_line.__class__ is not int
            or max_header_size.__class__ is not int
            or max_headers.__class__ is not int
            or min(url_length_limit, max_header_line, max_header_size, max_headers) < 1
        ):
            for name, value in (
                ("url_length_limit", url_length_limit),
                ("max_header_line", max_header_line),
                ("max_header_size", max_header_size),
                ("max_headers", max_headers),
            ):
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ValueError(f"{name} must be a positive int, not {value!r}")
        self.url_length_limit = url_length_limit
        self.max_header_line = max_header_line
        self.max_header_size = max_header_size
        self.max_headers = max_headers
        self._buffer = bytearray()
        self._state = _IDLE
        self._remaining = 0
        self._trailer_size = 0
        #: True once :meth:`feed` got ``b""``: the client will send nothing more.
        self.eof = False

    # -- input ----------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Add bytes received from the client; ``b""`` means it closed its side."""
        if data:
            self._buffer += data
        else:
            self.eof = True

    @property
    def buffered(self) -> int:
        """How many received bytes are not consumed yet."""
        return len(self._buffer)

    def feed_front(self, data: bytes) -> None:
        """Put ``data`` back in front of the received bytes (after :meth:`take_buffered`)."""
        if data:
            self._buffer[:0] = data

    def take_buffered(self) -> bytes:
        """Remove and return the received bytes not consumed yet (for a protocol that takes
        the connection over after a request without a body)."""
        data = bytes(self._buffer)
        del self._buffer[:]
        return data

    @property
    def in_body(self) -> bool:
        """True while the current request's body is not read to its end."""
        return self._state != _IDLE

    # -- heads ----------------------------------------------------------------------------

    def next_request(self) -> Request | None:
        """The next complete request head, or None if more bytes are needed.

        Call it only after the previous body was read to its end. Raises :class:`HTTPError`
        for a malformed or oversized head, and for one cut off by the end of input.
        """
        if self._state != _IDLE:
            raise RuntimeError("next_request() called before the previous body was read")
        buffer = self._buffer
        if not buffer:
            return None
        # RFC 9112 section 2.2: ignore empty lines before a request line.
        start = 0
        while buffer.startswith(b"\r\n", start):
            start += 2
        end = buffer.find(b"\r\n\r\n", start)
        if end < 0:
            if start:
                del buffer[:start]
            self._check_partial_head()
            if self.eof and buffer:
                raise HTTPError(400, "connection closed in the middle of the request head")
            return None
        if end - start > self.max_header_size:
            raise HeadersTooLarge(f"request head longer than {self.max_header_size} bytes")
        head = bytes(buffer[start : end + 2])  # every line with its CRLF
        del buffer[: end + 4]
        return self._parse_head(head)

    def _check_partial_head(self) -> None:
        # The head is not complete: refuse it now if it can never be valid.
        buffer = self._buffer
        line_end = buffer.find(b"\r\n")
        first = buffer if line_end < 0 else buffer[:line_end]
        if len(first) > self.url_length_limit + 32:
            raise HTTPError(414, f"request line longer than {self.url_length_limit} bytes")
        if len(buffer) > self.max_header_size:
            raise HeadersTooLarge(f"request head longer than {self.max_header_size} bytes")
        lf = buffer.find(b"\n")
        if lf >= 0 and (lf == 0 or buffer[lf - 1] != 13):
            raise HTTPError(400, "bare LF in the request head (lines end with CRLF)")
        if line_end >= 0:
            last = buffer.rfind(b"\r\n")
            if len(buffer) - last - 2 > self.max_header_line:
                raise HeaderLineTooLong(f"header line longer than {self.max_header_line} bytes")

    def _parse_head(self, head: bytes) -> Request:
        # ``head`` is the request line and the header lines, each ending with CRLF. A few
        # whole-head checks in C first: no byte outside the allowed set, CR and LF only
        # as CRLF pairs. Then each line can be matched without looking for them again.
        lines = head.count(b"\r\n")
        if head.translate(None, _HEAD_BYTES) or head.count(b"\r") != lines or head.count(b"\n") != lines:
            self._bad_head(head)
        text = head.decode("latin-1")
        line_end = text.find("\r\n")
        request = Request()
        match = _REQUEST_LINE_STR.fullmatch(text, 0, line_end)
        if match is None:
            self._bad_request_line(head[:line_end])
        method, target_str, major, minor = match.groups()  # type: ignore[union-attr]
        if major != "1":
            raise HTTPError(505, f"HTTP version {major}.{minor} is not supported")
        if len(target_str) > self.url_length_limit:
            raise HTTPError(414, f"request target longer than {self.url_length_limit} bytes")
        request.method = method
        request.target = target_str
        request.request_line = text[:line_end]
        http10 = minor == "0"
        request.version = "HTTP/1.0" if http10 else "HTTP/1.1"
        content_length: str | None = None
        transfer_encoding: str | None = None
        connection = ""
        host: str | None = None
        hosts = 0
        if lines > 1:
            if len(text) - line_end > self.max_header_line:
                for raw in text[line_end + 2 : -2].split("\r\n"):
                    if len(raw) > self.max_header_line:
                        raise HeaderLineTooLong(f"header line longer than {self.max_header_line} bytes")
            if lines - 1 > self.max_headers:
                raise HeadersTooLarge(f"more than {self.max_headers} header fields")
            # Each match starts at a line start and takes the line whole: a line that does
            # not match (folding, space before the colon, a bad name) makes the count short.
            fields = _FIELD_SPLIT.findall(text, line_end + 2)
            if len(fields) != lines - 1:
                self._bad_field_block(text[line_end + 2 :])
            if " \r\n" in text or "\t\r\n" in text:
                fields = [(name, value.rstrip(" \t")) for name, value in fields]
            if len(fields) > self.max_headers:
                raise HeadersTooLarge(f"more than {self.max_headers} header fields")
            underscores = False
            for name, value in fields:
                if "_" in name:
                    underscores = True
                    continue
                lower = name.lower()
                if lower not in _FRAMING_FIELDS:
                    continue
                if lower == "content-length":
                    if content_length is not None:
                        raise HTTPError(400, "more than one Content-Length")
                    if not (value.isdigit() and value.isascii() and len(value) <= 18):
                        raise HTTPError(400, f"invalid Content-Length {value[:40]!r}")
                    content_length = value
                elif lower == "transfer-encoding":
                    transfer_encoding = (
                        value if transfer_encoding is None else f"{transfer_encoding}, {value}"
                    )
                elif lower == "host":
                    hosts += 1
                    host = value
                elif lower == "connection":
                    connection = f"{connection},{value.lower()}" if connection else value.lower()
                elif lower == "expect":
                    if value.lower() == "100-continue" and not http10:
                        request.expect_continue = True
            if underscores:
                # Never confused with the dashed name in the CGI environ.
                fields = [field for field in fields if "_" not in field[0]]
            request.headers = fields
        if hosts > 1:
            raise HTTPError(400, "more than one Host header")
        if not http10 and hosts == 0:
            raise HTTPError(400, "HTTP/1.1 request without a Host header")
        # The request target's forms (RFC 9112 section 3.2).
        if target_str[0] == "/":
            path, _, query = target_str.partition("?")
        elif target_str == "*" and request.method == "OPTIONS":
            path, query = "*", ""
        elif "://" in target_str:
            scheme, _, rest = target_str.partition("://")
            authority, slash, rest = rest.partition("/")
            if not authority or scheme.lower() not in ("http", "https"):
                raise HTTPError(400, f"invalid absolute-form target {target_str!r}")
            path, _, query = (slash + rest).partition("?")
            path = path or "/"
            host = authority  # section 3.2.2: the target's authority wins over Host
        elif request.method == "CONNECT":
            path, query = target_str, ""
        else:
            raise HTTPError(400, f"invalid request target {target_str!r}")
        request.path = path
        request.query = query
        request.host = host
        # Keep-alive (RFC 9112 section 9.3).
        if connection:
            tokens = {token.strip() for token in connection.split(",")}
            if "close" in tokens:
                request.keep_alive = False
            elif http10:
                request.keep_alive = "keep-alive" in tokens
        elif http10:
            request.keep_alive = False
        # Body framing (RFC 9112 section 6).
        if transfer_encoding is not None:
            if content_length is not None:
                raise HTTPError(400, "both Content-Length and Transfer-Encoding")
            if http10:
                raise HTTPError(400, "Transfer-Encoding in an HTTP/1.0 request")
            codings = [coding.strip().lower() for coding in transfer_encoding.split(",")]
            if codings[-1] != "chunked":
                raise HTTPError(400, f"Transfer-Encoding {transfer_encoding!r} is not chunked last")
            if len(codings) > 1:
                raise HTTPError(501, f"Transfer-Encoding {transfer_encoding!r} is not supported")
            request.chunked = True
            request.content_length = None
            self._state = _CHUNK_SIZE
        elif content_length is not None:
            length = int(content_length)
            request.content_length = length
            if length:
                self._state = _LENGTH
                self._remaining = length
        return request

    def _bad_head(self, head: bytes) -> None:
        # Find the first bad line, for a message that names what is wrong.
        parts = head.split(b"\r\n")
        line = parts[0]
        if _REQUEST_LINE.fullmatch(line) is None:
            self._bad_request_line(line)
        for raw in parts[1:-1]:
            if _FIELD_LINE.fullmatch(raw) is None:
                raise HTTPError(400, _field_error(raw))
        raise HTTPError(400, "malformed request head")  # pragma: no cover

    def _bad_field_block(self, block: str) -> None:
        for raw in block[:-2].split("\r\n"):
            if _FIELD_LINE.fullmatch(raw.encode("latin-1")) is None:
                raise HTTPError(400, _field_error(raw.encode("latin-1")))
        raise HTTPError(400, "malformed header block")  # pragma: no cover

    def _bad_request_line(self, line: bytes) -> None:
        if b"\n" in line:
            raise HTTPError(400, "bare LF in the request head (lines end with CRLF)")
        loose = _LOOSE_VERSION.fullmatch(line)
        if loose is not None and loose.group(1) != b"1":
            raise HTTPError(505, f"HTTP version in {line[:100]!r} is not supported")
        parts = line.split(b" ")
        if len(parts) >= 1 and not _TOKEN.fullmatch(parts[0]):
            raise HTTPError(400, f"method {parts[0][:40]!r} is not a token")
        raise HTTPError(400, f"malformed request line {line[:100]!r}")

    # -- bodies ---------------------------------------------------------------------------

    def read_body(self, size: int = -1) -> bytes | None:
        """Up to ``size`` bytes of the current body (any amount if ``size`` < 0).

        Returns ``b""`` at the end of the body (and from then on until the next request),
        None when more input is needed. Raises :class:`HTTPError` for a malformed chunked
        body or one cut off by the end of input.
        """
        state = self._state
        if state == _IDLE or size == 0:
            return b""
        buffer = self._buffer
        if state == _LENGTH:
            if not buffer:
                if self.eof:
                    raise HTTPError(400, "connection closed in the middle of the request body")
                return None
            take = self._remaining if size < 0 or size > self._remaining else size
            data = bytes(buffer[:take])
            del buffer[: len(data)]
            self._remaining -= len(data)
            if not self._remaining:
                self._state = _IDLE
            return data
        return self._read_chunked(size)

    def _read_chunked(self, size: int) -> bytes | None:
        buffer = self._buffer
        while True:
            state = self._state
            if state == _CHUNK_DATA:
                if not buffer:
                    break
                take = self._remaining if size < 0 or size > self._remaining else size
                data = bytes(buffer[:take])
                del buffer[: len(data)]
                self._remaining -= len(data)
                if not self._remaining:
                    self._state = _CHUNK_END
                return data
            if state == _CHUNK_END:
                if len(buffer) < 2:
                    break
                if buffer[:2] != b"\r\n":
                    raise ChunkReadError( "chunk data not followed by CRLF")
                del buffer[:2]
                self._state = _CHUNK_SIZE
                continue
            if state == _IDLE:
                return b""
            # A line: a chunk size, or a trailer line.
            end = buffer.find(b"\n")
            if end < 0:
                limit = MAX_CHUNK_LINE if state == _CHUNK_SIZE else self.max_header_line
                if len(buffer) > limit:
                    raise ChunkReadError( "chunk-size or trailer line too long")
                break
            if end == 0 or buffer[end - 1] != 13:
                raise ChunkReadError( "bare LF in a chunked body (lines end with CRLF)")
            line = bytes(buffer[: end - 1])
            del buffer[: end + 1]
            if state == _CHUNK_SIZE:
                if len(line) > MAX_CHUNK_LINE:
                    raise ChunkReadError( "chunk extensions too long")
                match = _CHUNK_LINE.fullmatch(line)
                if match is None:
                    raise ChunkReadError( f"invalid chunk-size line {line[:60]!r}")
                length = int(match.group(1), 16)
                if length:
                    self._remaining = length
                    self._state = _CHUNK_DATA
                else:
                    self._trailer_size = 0
                    self._state = _TRAILER
                continue
            # Trailer fields are checked, then discarded.
            if not line:
                self._state = _IDLE
                return b""
            self._trailer_size += len(line) + 2
            if len(line) > self.max_header_line or self._trailer_size > self.max_header_size:
                raise HeadersTooLarge("trailer fields too large")
            if _FIELD_LINE.fullmatch(line) is None:
                raise ChunkReadError( _field_error(line))
        if self.eof:
            raise ChunkReadError( "connection closed in the middle of the chunked request body")
        return None


def _field_error(raw: bytes) -> str:
    if b"\n" in raw:
        return "bare LF in a header (lines end with CRLF)"
    if raw[:1] in (b" ", b"\t"):
        return "obsolete line folding in a header"
    if b"\r" in raw:
        return "bare CR in a header"
    if b"\x00" in raw:
        return "NUL in a header"
    name, colon, _ = raw.partition(b":")
    if not colon:
        return f"header line without a colon: {raw[:60]!r}"
    if name[-1:] in (b" ", b"\t"):
        return "whitespace between a header name and its colon"
    if not _TOKEN.fullmatch(name):
        return f"invalid header name {name[:60]!r}"
    return f"invalid characters in the value of header {name[:60]!r}"


# -- responses ----------------------------------------------------------------------------

_capitalized: dict[str, str] = {}
# Response header names seen before: name -> (lowercase name, capitalized name). Bounded:
# applications use a handful of names.
_name_info: dict[str, tuple[str, str]] = {}
_good_statuses: dict[str, int] = {}
_RESPONSE_FRAMING = frozenset(("content-length", "transfer-encoding", "connection", "date"))


def capitalize_header(name: str) -> str:
    """``content-type`` -> ``Content-Type`` (cached: applications repeat a few names)."""
    result = _capitalized.get(name)
    if result is None:
        result = "-".join(part.capitalize() for part in name.split("-"))
        if len(_capitalized) < 1000:
            _capitalized[name] = result
    return result


def check_status(status: object) -> int:
    """Validate a WSGI status string (``"200 OK"``); return its code or raise ValueError."""
    code = _good_statuses.get(status) if status.__class__ is str else None
    if code is not None:
        return code
    if not isinstance(status, str):
        raise TypeError(f"status must be a str, not {type(status).__name__!r}")
    if _STATUS.fullmatch(status) is None:
        raise ValueError(f"invalid status {status!r}: want '<3 digits> <reason>', no CR/LF")
    code = int(status[:3])
    if len(_good_statuses) < 1000:
        _good_statuses[status] = code
    return code


def check_headers(headers: object) -> None:
    """Validate WSGI response headers: a list of ``(str, str)``, token names, values without
    CR, LF or NUL (no response splitting), latin-1 only. Raises TypeError or ValueError
    naming the header."""
    if not isinstance(headers, list):
        raise TypeError(f"response headers must be a list, not {type(headers).__name__!r}")
    for item in headers:
        if item.__class__ is not tuple or len(item) != 2:
            if not isinstance(item, tuple) or len(item) != 2:
                raise TypeError(f"response header {item!r} is not a (name, value) tuple")
        name, value = item
        if name not in _name_info:
            _check_name(name, item)
        if value.__class__ is not str:
            if not isinstance(value, str):
                raise TypeError(f"response header {item!r}: name and value must be str")
        # isprintable() is one fast call that is False for every control character.
        if not value.isprintable() or not value.isascii():
            if _BAD_VALUE.search(value) is not None:
                raise ValueError(f"response header {name!r} has CR, LF or NUL in its value")
            try:
                value.encode("latin-1")
            except UnicodeEncodeError:
                raise ValueError(
                    f"response header {name!r}: its value is not latin-1 (PEP 3333)"
                ) from None


def _check_name(name: object, item: object) -> None:
    if not isinstance(name, str):
        raise TypeError(f"response header {item!r}: name and value must be str")
    if _TOKEN_STR.fullmatch(name) is None:
        raise ValueError(f"invalid response header name {name!r}")
    if len(_name_info) < 1000:
        _name_info[name] = (name.lower(), capitalize_header(name))


def response_head(
    status: str,
    headers: list[tuple[str, str]],
    method: str,
    request_version: str,
    *,
    length: int | None = None,
    server_version: str = "HTTP/1.1",
    keep_alive: bool = True,
    capitalize: bool = True,
    date: str | None = None,
) -> tuple[bytes, int, bool, int | None]:
    """Frame a response: return ``(head bytes, framing, keep_alive, content_length)``.

    ``headers`` are checked already (:func:`check_headers`); ``length`` is the body length
    when the server knows it in advance. The application's Transfer-Encoding and Connection
    headers are replaced by the server's own framing; no body and no framing header is sent
    for 1xx, 204 and 304, and no body for HEAD. Chunked encoding is used only when both the
    request and ``server_version`` are HTTP/1.1; otherwise a body of unknown length ends with
    the connection. ``content_length`` is the declared body length, if any.
    """
    code = int(status[:3])
    bodiless_status = code < 200 or code == 204 or code == 304
    parts = [f"{server_version} {status}\r\n"]
    append = parts.append
    declared: int | None = None
    has_date = False
    name_info = _name_info
    for name, value in headers:
        info = name_info.get(name)
        if info is None:
            info = (name.lower(), capitalize_header(name))
        lower = info[0]
        if lower in _RESPONSE_FRAMING:
            if lower == "content-length":
                if bodiless_status:
                    continue
                if not value.isdigit() or not value.isascii():
                    raise ValueError(f"invalid Content-Length {value!r} in the response")
                declared = int(value)
            elif lower == "transfer-encoding":
                continue  # the server frames the body itself
            elif lower == "connection":
                if "close" in value.lower():
                    keep_alive = False
                continue
            else:
                has_date = True
        append(f"{info[1] if capitalize else name}: {value}\r\n")
    if bodiless_status:
        framing = FRAME_NONE
    elif declared is not None:
        framing = FRAME_LENGTH
    elif length is not None:
        declared = length
        framing = FRAME_LENGTH
        append(f"Content-Length: {length}\r\n")
    elif request_version == "HTTP/1.1" and server_version == "HTTP/1.1":
        framing = FRAME_CHUNKED
        if method != "HEAD":
            append("Transfer-Encoding: chunked\r\n")
    else:
        framing = FRAME_CLOSE
        if method != "HEAD":
            keep_alive = False
    if method == "HEAD":
        framing = FRAME_NONE
    if date is not None and not has_date:
        append("Date: ")
        append(date)
        append("\r\n")
    if not keep_alive:
        append("Connection: close\r\n\r\n")
    elif request_version == "HTTP/1.0" or server_version == "HTTP/1.0":
        append("Connection: keep-alive\r\n\r\n")  # HTTP/1.0 closes without it
    else:
        append("\r\n")
    return "".join(parts).encode("latin-1"), framing, keep_alive, declared


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body (``data`` must not be empty: that is the last chunk)."""
    return b"%x\r\n%s\r\n" % (len(data), data)
