"""The request body reader behind ``environ['wsgi.input']`` and ``environ['eventlet.input']``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from eventlet._http11 import HTTPError, RequestParser, capitalize_header, check_headers

if TYPE_CHECKING:  # pragma: no cover
    from eventlet.wsgi import HttpProtocol

__all__ = ["Input", "RawReader", "RawWriter"]


class Input:
    """A file-like reader of one request's body (PEP 3333 ``wsgi.input``).

    ``read``, ``readline``, ``readlines`` and iteration stop at the end of the body: they
    never read into the next pipelined request. The chunked transfer coding is removed.
    ``get_socket()`` gives the connection's green socket, for applications (websockets) that
    take the connection over. For ``Expect: 100-continue`` requests the interim ``100
    Continue`` response goes out on the first read, with any headers set by
    :meth:`set_hundred_continue_response_headers`.
    """

    __slots__ = (
        "_continue_headers",
        "_ended",
        "_parser",
        "_pending",
        "_protocol",
        "_sock",
        "_wants_continue",
    )

    def __init__(
        self, parser: RequestParser, sock: Any, protocol: HttpProtocol | None, expect_continue: bool
    ) -> None:
        self._parser = parser
        self._sock = sock
        self._protocol = protocol
        self._pending = b""  # read from the body, not handed to the application yet
        self._wants_continue = expect_continue
        self._continue_headers: list[tuple[str, str]] = []
        self._ended = False  # the request is over: the connection may carry the next one

    # -- 100 Continue ---------------------------------------------------------------------

    def set_hundred_continue_response_headers(
        self, headers: list[tuple[str, str]], capitalize_response_headers: bool = True
    ) -> None:
        """Headers to send with the ``100 Continue`` interim response (before it is sent)."""
        check_headers(headers)
        if capitalize_response_headers:
            headers = [(capitalize_header(name), value) for name, value in headers]
        self._continue_headers = headers

    def send_hundred_continue_response(self, headers: list[tuple[str, str]] | None = None) -> None:
        """Send ``100 Continue`` now (once; only if the client asked with Expect)."""
        if headers:
            self.set_hundred_continue_response_headers(headers)
        if not self._wants_continue:
            return
        self._wants_continue = False
        protocol = self._protocol
        if protocol is not None and protocol._headers_sent:
            return  # a final response went out: too late for an interim one
        lines = ["HTTP/1.1 100 Continue\r\n"]
        lines.extend(f"{name}: {value}\r\n" for name, value in self._continue_headers)
        lines.append("\r\n")
        self._sock.sendall("".join(lines).encode("latin-1"))
        if protocol is not None:
            protocol._continue_sent = True

    @property
    def hundred_continue_pending(self) -> bool:
        """True while the client waits for ``100 Continue`` that was not sent."""
        return self._wants_continue

    # -- reading --------------------------------------------------------------------------

    def get_socket(self) -> Any:
        """The connection's green socket (for protocols that take it over)."""
        return self._sock

    def take_buffered(self) -> bytes:
        """Remove and return the bytes the server received past this request (a websocket
        client may send its first frame in the same packet as the upgrade request): they
        belong to whoever takes the connection over. Only for requests without a body, or
        whose body was read to its end (else ``RuntimeError``)."""
        if self._parser.in_body or self._pending:
            raise RuntimeError("take_buffered(): the request body is not read to its end")
        return self._parser.take_buffered()

    def _chunk(self, size: int = -1) -> bytes:
        """The next bytes of the body (at most ``size``), b"" at its end; waits for input."""
        if self._ended:
            return b""  # kept past its request: never read the next request's bytes
        if self._wants_continue:
            self.send_hundred_continue_response()
        parser = self._parser
        try:
            while True:
                data = parser.read_body(size)
                if data is not None:
                    return data
                parser.feed(self._sock.recv(65536))
        except (HTTPError, OSError):
            # A malformed or cut body, a timeout: the connection cannot carry another
            # request, and the response (if the application still sends one) says so.
            if self._protocol is not None:
                self._protocol.close_connection = True
            raise

    def read(self, size: int | None = -1) -> bytes:
        """Read ``size`` bytes (fewer at the end of the body), or all the rest if omitted."""
        if size is None or size < 0:
            parts = [self._pending]
            self._pending = b""
            while True:
                data = self._chunk()
                if not data:
                    return b"".join(parts)
                parts.append(data)
        pending = self._pending
        if len(pending) >= size:
            self._pending = pending[size:]
            return pending[:size]
        parts = [pending]
        have = len(pending)
        self._pending = b""
        while have < size:
            data = self._chunk(size - have)
            if not data:
                break
            parts.append(data)
            have += len(data)
        return b"".join(parts)

    def readline(self, size: int | None = -1) -> bytes:
        """Read one line (up to and with b"\\n"), at most ``size`` bytes; b"" at the end."""
        limit = -1 if size is None else size
        pending = self._pending
        while True:
            end = pending.find(b"\n")
            if end >= 0 and (limit < 0 or end < limit):
                self._pending = pending[end + 1 :]
                return pending[: end + 1]
            if 0 <= limit <= len(pending):
                self._pending = pending[limit:]
                return pending[:limit]
            data = self._chunk()
            if not data:
                self._pending = b""
                return pending
            pending += data

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        """Read lines to the end of the body (or until about ``hint`` bytes were read)."""
        lines: list[bytes] = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def end(self) -> None:
        """The request is over: from now on this reader gives only b"" (the server calls it)."""
        self._ended = True
        self._pending = b""
        self._protocol = None

    def discard(self, limit: int = 1 << 20) -> bool:
        """Read and drop the rest of the body, up to ``limit`` bytes; True if it all went."""
        self._pending = b""
        dropped = 0
        while dropped <= limit:
            data = self._chunk(65536)
            if not data:
                return True
            dropped += len(data)
        return False


class RawReader:
    """``HttpProtocol.rfile``: the connection's bytes as they come, before any request is
    parsed from them (for a protocol line that precedes the requests, such as PROXY).
    It reads through the server's buffer, so nothing read here is lost or read twice."""

    __slots__ = ("_parser", "_sock")

    def __init__(self, parser: RequestParser, sock: Any) -> None:
        self._parser = parser
        self._sock = sock

    def readline(self, size: int | None = -1) -> bytes:
        """Up to and with the next b"\\n" (at most ``size`` bytes); b"" at the end."""
        limit = -1 if size is None else size
        while True:
            data = self._parser.take_buffered()
            end = data.find(b"\n")
            if end >= 0 and (limit < 0 or end < limit):
                self._parser.feed_front(data[end + 1 :])
                return data[: end + 1]
            if 0 <= limit <= len(data):
                self._parser.feed_front(data[limit:])
                return data[:limit]
            more = self._sock.recv(65536)
            self._parser.feed_front(data + more)
            if not more:
                rest = self._parser.take_buffered()
                return rest

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes: what is buffered, or else one receive."""
        data = self._parser.take_buffered()
        if not data:
            data = self._sock.recv(65536 if size is None or size < 0 else size)
        if size is not None and 0 <= size < len(data):
            self._parser.feed_front(data[size:])
            data = data[:size]
        return data


class RawWriter:
    """``HttpProtocol.wfile``: writes go straight to the connection (``sendall``)."""

    __slots__ = ("_sock",)

    def __init__(self, sock: Any) -> None:
        self._sock = sock

    def write(self, data: bytes) -> int:
        """Send all of ``data``; return its length."""
        self._sock.sendall(data)
        return len(data)

    def writelines(self, lines: Any) -> None:
        """Send each of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Nothing to flush: writes are not buffered."""
