"""A WSGI (PEP 3333) HTTP/1.1 server on green sockets.

:func:`server` accepts connections on a listening socket and serves each in a green thread
of its own, calling the WSGI application for each request. The HTTP framing rules live in
:mod:`eventlet._http11`, a state machine with no I/O; this module moves bytes between it and
the sockets, builds the environ and writes responses.

Graceful shutdown: :meth:`Server.shutdown` (the :class:`Server` is handed out through
``server_event``) stops accepting, closes idle keep-alive connections at once, lets requests
in progress finish up to a deadline, then closes what is left; :func:`server` then returns.
Killing the green thread that runs :func:`server` does the same without a deadline.
"""

from __future__ import annotations

import errno
import logging
import os
import socket as _socket  # constants only
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, Final, TextIO
from urllib.parse import unquote_to_bytes

from eventlet._http11 import (
    FRAME_CHUNKED,
    FRAME_CLOSE,
    FRAME_LENGTH,
    FRAME_NONE,
    ChunkReadError,
    HeaderLineTooLong,
    HeadersTooLarge,
    HTTPError,
    Request,
    RequestParser,
    check_headers,
    check_status,
    chunk,
    response_head,
)
from eventlet._wsgi_input import Input, RawReader, RawWriter
from eventlet.corolocal import local
from eventlet.event import Event
from eventlet.green import ssl as green_ssl
from eventlet.green._inject import original
from eventlet.greenio import GreenSocket, shutdown_safe
from eventlet.greenpool import GreenPool
from eventlet.greenthread import kill, sleep
from eventlet.hubs import IOClosed
from eventlet.support.greenlets import getcurrent
from eventlet.timeout import Timeout

__all__ = [
    "ALREADY_HANDLED",
    "BROKEN_SOCK",
    "DEFAULT_MAX_HTTP_VERSION",
    "DEFAULT_MAX_SIMULTANEOUS_REQUESTS",
    "DEFAULT_LOG_FORMAT",
    "MAX_HEADER_LINE",
    "MAX_REQUEST_LINE",
    "MAX_TOTAL_HEADER_SIZE",
    "MINIMUM_CHUNK_SIZE",
    "STATE_CLOSE",
    "STATE_IDLE",
    "STATE_REQUEST",
    "WSGI_LOCAL",
    "ChunkReadError",
    "HeaderLineTooLong",
    "HeadersTooLarge",
    "FileWrapper",
    "HttpProtocol",
    "Input",
    "LoggerFileWrapper",
    "LoggerNull",
    "Server",
    "format_date_time",
    "server",
]

DEFAULT_MAX_SIMULTANEOUS_REQUESTS: Final = 1024
DEFAULT_MAX_HTTP_VERSION: Final = "HTTP/1.1"
#: Longest request line accepted by default (``url_length_limit``).
MAX_REQUEST_LINE = 8192
#: Longest header line accepted (programs such as oslo.service assign it at run time).
MAX_HEADER_LINE = 8192
#: Largest request head (request line and headers) accepted.
MAX_TOTAL_HEADER_SIZE = 65536
#: Default for ``minimum_chunk_size``: smaller pieces an application yields are gathered.
MINIMUM_CHUNK_SIZE: Final = 4096
#: The connection waits for a request (closed at once by a graceful shutdown).
STATE_IDLE: Final = "idle"
#: The connection is reading, running or answering a request.
STATE_REQUEST: Final = "request"
#: The connection is closing.
STATE_CLOSE: Final = "close"
#: errno values meaning the client went away.
BROKEN_SOCK: Final = frozenset((errno.EPIPE, errno.ECONNRESET, errno.ESHUTDOWN))
DEFAULT_LOG_FORMAT: Final = (
    '%(client_ip)s - - [%(date_time)s] "%(request_line)s"'
    " %(status_code)s %(body_length)s %(wall_seconds).6f"
)

#: Returned by an application that took the connection over (websockets): the server
#: writes no response and does not reuse the connection.
# Errors that only mean the connection is gone: not worth a line in the log.
_QUIET_ERRORS = (green_ssl.SSLError, IOClosed)

# The standard library's modules, even after monkey patching.
_real_socket = original("socket")
_real_ssl = original("ssl")

ALREADY_HANDLED: Final[Any] = object()
#: Green-thread-local storage for the request being served.
WSGI_LOCAL: Final = local()

# Bodies an application leaves unread are drained up to this size; beyond it the
# connection is closed instead.
_MAX_DRAIN = 1 << 20
# How long a closing connection reads away what the client still sends (see _lingering_close).
_LINGER_SECONDS = 2.0

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date_time(timestamp: float) -> str:
    """Format a Unix timestamp as an HTTP date: ``"Sun, 06 Nov 1994 08:49:37 GMT"``."""
    t = time.gmtime(timestamp)
    return (
        f"{_WEEKDAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


class _DateCache:
    """The Date header value, formatted once a second."""

    __slots__ = ("second", "value")

    def __init__(self) -> None:
        self.second = -1
        self.value = ""

    def get(self) -> str:
        now = int(time.time())
        if now != self.second:
            self.second = now
            self.value = format_date_time(now)
        return self.value


_date = _DateCache()


class LoggerNull:
    """A log that drops everything (``log_output=False``)."""

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Drop an error message."""

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Drop an informational message."""

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Drop a debug message."""

    def write(self, msg: str, *args: Any) -> None:
        """Drop a line."""


class LoggerFileWrapper(LoggerNull):
    """Logs to a file-like object: each message becomes one line. Debug messages are
    written only when ``debug`` is true."""

    def __init__(self, log: TextIO, debug: bool = False) -> None:
        self.log = log
        self._debug = debug

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Write an error message."""
        self.write(msg, *args)

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Write an informational message."""
        self.write(msg, *args)

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Write a debug message if debugging."""
        if self._debug:
            self.write(msg, *args)

    def write(self, msg: str, *args: Any) -> None:
        """Write ``msg % args`` and a newline."""
        if args:
            msg = msg % args
        self.log.write(msg + "\n")


def _make_log(log: Any) -> Any:
    if log is None:
        return LoggerFileWrapper(sys.stderr)
    if isinstance(log, (logging.Logger, logging.LoggerAdapter)):
        return log
    if hasattr(log, "info") and hasattr(log, "error") and hasattr(log, "debug"):
        return log
    if hasattr(log, "write"):
        return LoggerFileWrapper(log)
    raise TypeError(f"log must be a logging.Logger or a file-like object, not {log!r}")


class FileWrapper:
    """``environ['wsgi.file_wrapper']``: iterate a file in blocks, or let the server send it
    with ``sendfile()`` on a plain (not TLS) socket."""

    __slots__ = ("blksize", "filelike")

    def __init__(self, filelike: Any, blksize: int = 8192) -> None:
        self.filelike = filelike
        self.blksize = blksize

    def __iter__(self) -> Iterator[bytes]:
        read = self.filelike.read
        while True:
            data = read(self.blksize)
            if not data:
                return
            yield data

    def close(self) -> None:
        """Close the file, if it can be closed."""
        close = getattr(self.filelike, "close", None)
        if close is not None:
            close()


# Header name as sent -> environ key; bounded (clients repeat a few names).
_environ_keys: dict[str, str] = {}


def _environ_key(name: str) -> str:
    upper = name.upper()
    if upper == "CONTENT-TYPE" or upper == "CONTENT-LENGTH":
        key = upper.replace("-", "_")
    else:
        key = "HTTP_" + upper.replace("-", "_")
    if len(_environ_keys) < 2000:
        _environ_keys[name] = key
    return key


class _ShuttingDown(Exception):
    """Thrown into the accept loop to stop it."""


class HttpProtocol:
    """Serves one connection: reads requests, calls the application, writes responses.

    Made by :class:`Server` as ``protocol(conn_state, server)`` where ``conn_state`` is the
    list ``[client_address, socket, state]``; the constructor serves the connection to its
    end (``setup()``, ``handle()``, ``finish()``). Subclasses may override
    :meth:`handle_one_request`, :meth:`get_environ`, :meth:`handle_one_response`,
    :meth:`log_message`, :meth:`log_request`, :meth:`get_client_address`. While a request is
    served, ``command``, ``path``, ``request_version``, ``requestline``, ``headers``,
    ``environ`` and ``close_connection`` describe it, as in ``http.server``.
    """

    #: The highest version answered (``max_http_version`` of :func:`server` overrides it).
    protocol_version = "HTTP/1.1"
    #: Smaller pieces of an application's output are gathered up to this size.
    minimum_chunk_size = MINIMUM_CHUNK_SIZE
    #: Normalise response header names to ``Foo-Bar``.
    capitalize_response_headers = True

    # Per-request state; class-level defaults keep the per-connection set-up short.
    close_connection = False
    http_request: Request | None = None
    command = ""
    path = ""
    request_version = ""
    requestline = ""
    raw_requestline = b""
    _headers_sent = False
    _continue_sent = False
    _status: str | None = None
    _framing = FRAME_NONE
    _declared: int | None = None
    _sent = 0
    _remote: tuple[str, str] | None = None
    _next_request: Request | None = None
    _set_idle: Callable[[], None] | None = None

    def __init__(self, conn_state: list[Any], server: Server) -> None:
        self.conn_state = conn_state
        self.client_address: Any = conn_state[0]
        self.socket: Any = conn_state[1]
        self.request: Any = conn_state[1]  # the socket, as in socketserver
        self.connection: Any = conn_state[1]
        self.server = server
        self.environ: dict[str, Any] = {}
        self._response_headers: list[tuple[str, str]] = []
        self.parser = RequestParser(
            url_length_limit=server.url_length_limit,
            max_header_line=MAX_HEADER_LINE,
            max_header_size=max(MAX_TOTAL_HEADER_SIZE, MAX_HEADER_LINE),
        )
        self.setup()
        try:
            self.handle()
        finally:
            self.finish()

    # -- the connection -------------------------------------------------------------------

    def setup(self) -> None:
        """Prepare the connection (TLS handshake, TCP_NODELAY)."""
        sock = self.socket
        if isinstance(sock, green_ssl.GreenSSLSocket):
            sock.do_handshake()
        try:
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass  # Unix sockets

    def handle(self) -> None:
        """Serve requests until the connection is to be closed."""
        while not self.close_connection:
            self.handle_one_request()

    def finish(self) -> None:
        """Close the connection (unless an application took it over and detached it)."""
        self.conn_state[2] = STATE_CLOSE
        sock = self.socket
        try:
            if self.parser.buffered or self.parser.in_body:
                _lingering_close(sock)
            else:
                sock.close()
        except OSError:
            pass

    # -- one request ----------------------------------------------------------------------

    def _read_request(self) -> Request | None:
        """The next request head; None when the client closed between requests."""
        parser = self.parser
        sock = self.socket
        conn_state = self.conn_state
        request = parser.next_request()
        if request is not None:
            conn_state[2] = STATE_REQUEST
            return request
        if not parser.buffered:
            conn_state[2] = STATE_IDLE
            if self.server.stopping:
                return None
        keepalive = self.server.keepalive
        if keepalive is not True and self.http_request is not None and not parser.buffered:
            # Waiting for a next request: the keep-alive timeout applies.
            sock.settimeout(keepalive)
            try:
                data = sock.recv(65536)
            except TimeoutError:
                return None
            finally:
                sock.settimeout(self.server.socket_timeout)
            parser.feed(data)
            if not data:
                return None
            conn_state[2] = STATE_REQUEST
            request = parser.next_request()
        while request is None:
            data = sock.recv(65536)
            parser.feed(data)
            if not data and not parser.buffered:
                return None
            conn_state[2] = STATE_REQUEST
            request = parser.next_request()
        return request

    def _read_request_line(self) -> bytes:
        """Read the next request head; return its request line with CRLF, b"" when the
        client closed the connection instead. (A hook swift overrides, as upstream's.)"""
        request = self._next_request = self._read_request()
        if request is None:
            return b""
        return request.request_line.encode("latin-1") + b"\r\n"

    def handle_one_request(self) -> None:
        """Read one request, run the application and write its response."""
        try:
            self.raw_requestline = self._read_request_line()
        except HTTPError as error:
            self._reject(error)
            return
        except TimeoutError:
            self.close_connection = True
            return
        except OSError as error:
            if error.errno in BROKEN_SOCK or isinstance(error, _QUIET_ERRORS):
                self.close_connection = True
                return
            raise
        request = self._next_request
        if request is None:
            self.close_connection = True
            return
        self._next_request = None
        self.http_request = request
        self.command = request.method
        self.path = request.target
        self.request_version = request.version
        self.requestline = request.request_line
        self._headers_sent = False
        self._continue_sent = False
        if not request.keep_alive or not self.server.keepalive or self.server.stopping:
            self.close_connection = True
        self.environ = self.get_environ()
        self.application = self.server.app
        try:
            self.handle_one_response()
        except OSError as error:
            self.close_connection = True
            if error.errno not in BROKEN_SOCK and not isinstance(error, (TimeoutError, *_QUIET_ERRORS)):
                self.server.log.error("error writing the response: %s", error)
        except HTTPError as error:
            # The body the application read was malformed.
            self.close_connection = True
            if not self._headers_sent:
                self._reject(error)
        else:
            if self.parser.in_body and not self.close_connection:
                self._drain_body()
        finally:
            body = self.environ.get("eventlet.input")
            if isinstance(body, Input):
                body.end()  # also lets go of this protocol: no reference cycle to collect
        if self.server.stopping:
            self.close_connection = True

    def _drain_body(self) -> None:
        """The application left part of the body unread: read it away, or give up the
        connection, so that it is never taken for the next request."""
        body = self.environ.get("eventlet.input")
        if not isinstance(body, Input) or body.hundred_continue_pending:
            self.close_connection = True  # the client may never send that body
            return
        try:
            if not body.discard(_MAX_DRAIN):
                self.close_connection = True
        except (HTTPError, OSError):
            self.close_connection = True

    def _reject(self, error: HTTPError) -> None:
        """Answer a request that cannot be served, then close the connection."""
        self.close_connection = True
        body = (error.reason + "\n").encode("latin-1", "replace")
        head = (
            f"HTTP/1.1 {error.status_line}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\nDate: {_date.get()}\r\nConnection: close\r\n\r\n"
        ).encode("latin-1")
        try:
            self.socket.sendall(head + body)
        except OSError:
            pass
        if self.server.log_output:
            self.server.log.info(
                "rejected a request from %s: %s", self.get_client_address()[0], error
            )

    # -- the environ ----------------------------------------------------------------------

    def get_client_address(self) -> tuple[str, Any]:
        """The client's (host, port), with the X-Forwarded-For chain in front of the host
        when ``log_x_forwarded_for`` is set (for the log)."""
        address = self.client_address
        host, port = (address[0], address[1]) if isinstance(address, tuple) else ("", "")
        if self.server.log_x_forwarded_for and self.http_request is not None:
            for name, value in self.http_request.headers:
                if name.lower() == "x-forwarded-for":
                    host = f"{value.replace(' ', '')},{host}"
                    break
        return host, port

    @property
    def rfile(self) -> RawReader:
        """The connection's raw input, for reading a line before the requests (a PROXY
        protocol line, as swift does); requests are read through the same buffer."""
        return RawReader(self.parser, self.socket)

    @property
    def wfile(self) -> RawWriter:
        """The connection's raw output (unbuffered)."""
        return RawWriter(self.socket)

    @property
    def headers(self) -> Any:
        """The request headers as an ``http.client.HTTPMessage`` (built when asked for)."""
        from email.parser import Parser
        from http.client import HTTPMessage

        request = self.http_request
        lines = "".join(f"{n}: {v}\r\n" for n, v in request.headers) if request else ""
        return Parser(_class=HTTPMessage).parsestr(lines + "\r\n")

    def get_environ(self) -> dict[str, Any]:
        """The WSGI environ of the current request."""
        request = self.http_request
        assert request is not None
        env = self.server.get_environ()
        env["REQUEST_METHOD"] = request.method
        path = request.path
        env["RAW_PATH_INFO"] = path
        env["PATH_INFO"] = (
            unquote_to_bytes(path).decode("latin-1") if "%" in path else path
        )
        env["QUERY_STRING"] = request.query
        env["SERVER_PROTOCOL"] = request.version
        remote = self._remote
        if remote is None:
            address = self.client_address
            if isinstance(address, tuple):
                remote = self._remote = (str(address[0]), str(address[1]))
            else:
                remote = self._remote = ("" if not address else str(address), "")
        env["REMOTE_ADDR"], env["REMOTE_PORT"] = remote
        keys = _environ_keys
        for name, value in request.headers:
            key = keys.get(name) or _environ_key(name)
            if key in env and key.startswith("HTTP_"):
                separator = "; " if key == "HTTP_COOKIE" else ","
                env[key] = env[key] + separator + value
            else:
                env[key] = value
        if request.host is not None:
            env["HTTP_HOST"] = request.host
        # The headers as received, in order (upstream's key; swift reads it).
        env["headers_raw"] = tuple(request.headers)
        body = Input(self.parser, self.socket, self, request.expect_continue)
        env["wsgi.input"] = body
        env["eventlet.input"] = body
        env["eventlet.posthooks"] = []
        set_idle = self._set_idle
        if set_idle is None:
            # Made once per connection; it holds the connection state, not this protocol
            # (a bound method in the environ would make a cycle for the garbage collector).
            set_idle = self._set_idle = partial(_set_idle, self.conn_state, self.server)
        env["eventlet.set_idle"] = set_idle
        return env

    # -- the response ---------------------------------------------------------------------

    def _start_response(
        self, status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info:
            try:
                if self._headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self._status is not None:
            raise RuntimeError("start_response() called twice without exc_info")
        check_status(status)
        check_headers(response_headers)
        self._status = status
        self._response_headers = response_headers
        return self._write

    def _send_head(self, length: int | None) -> bytes:
        """Frame the response; return its head to send with the first body bytes."""
        if self._status is None:
            raise RuntimeError("the application did not call start_response()")
        request = self.http_request
        assert request is not None
        keep_alive = not self.close_connection and not self.server.stopping
        if request.expect_continue and not self._continue_sent and self.parser.in_body:
            keep_alive = False  # the client may or may not send the body: never reuse
        head, framing, keep_alive, declared = response_head(
            self._status,
            self._response_headers,
            request.method,
            request.version,
            length=length,
            server_version=self.server.max_http_version,
            keep_alive=keep_alive,
            capitalize=self.server.capitalize_response_headers,
            date=_date.get(),
        )
        if not keep_alive:
            self.close_connection = True
        self._framing = framing
        self._declared = declared
        self._headers_sent = True
        return head

    def _frame(self, data: bytes) -> bytes:
        """``data`` as it goes on the wire under the response's framing."""
        framing = self._framing
        if framing == FRAME_CHUNKED:
            self._sent += len(data)
            return chunk(data) if data else b""
        if framing == FRAME_NONE:
            return b""
        if framing == FRAME_LENGTH:
            left = self._declared - self._sent  # type: ignore[operator]
            if len(data) > left:
                data = data[:left]  # the application sent more than it declared
                self.close_connection = True
        self._sent += len(data)
        return data

    def _write(self, data: bytes) -> None:
        """The ``write()`` callable start_response returns: send ``data`` now."""
        if data.__class__ is not bytes and not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"write() needs bytes, not {type(data).__name__!r}")
        data = bytes(data)
        if not self._headers_sent:
            head = self._send_head(None)
            self.socket.sendall(head + self._frame(data))
        elif data:
            out = self._frame(data)
            if out:
                self.socket.sendall(out)

    def handle_one_response(self) -> None:
        """Call the application and write its response."""
        started = time.monotonic() if self.server.log_output else 0.0
        env = self.environ
        self._status = None
        self._response_headers = []
        self._framing = FRAME_NONE
        self._declared = None
        self._sent = 0
        result: Any = None
        sock = self.socket
        try:
            try:
                result = self.application(env, self._start_response)
                if result is ALREADY_HANDLED:
                    # The application took the connection over.
                    self.close_connection = True
                    self.conn_state[2] = STATE_CLOSE
                    self.parser = RequestParser()  # nothing left to drain
                    self._status = "200 OK" if self._status is None else self._status
                    return
                if (result.__class__ is list or result.__class__ is tuple) and not self._headers_sent:
                    body = b"".join(result)
                    head = self._send_head(len(body))
                    sock.sendall(head + self._frame(body))
                elif isinstance(result, FileWrapper) and not self._headers_sent:
                    self._send_file(result)
                else:
                    self._send_iterable(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except (OSError, HTTPError):
            raise
        except Exception:
            self._app_failed()
        finally:
            if self._framing == FRAME_LENGTH and self._sent != self._declared:
                self.close_connection = True  # the body was cut short
            self._finish_request(started)

    def _send_iterable(self, result: Iterable[bytes]) -> None:
        sock = self.socket
        minimum = self.environ.get("eventlet.minimum_write_chunk_size")
        if minimum is None:
            minimum = self.server.minimum_chunk_size
        else:
            minimum = int(minimum)
        pending: list[bytes] = []
        size = 0
        for data in result:
            if data.__class__ is not bytes:
                if not isinstance(data, (bytes, bytearray, memoryview)):
                    raise TypeError(f"the application yielded {type(data).__name__!r}, not bytes")
                data = bytes(data)
            if not data:
                continue
            pending.append(data)
            size += len(data)
            if size >= minimum:
                data = b"".join(pending)
                pending.clear()
                size = 0
                if not self._headers_sent:
                    sock.sendall(self._send_head(None) + self._frame(data))
                else:
                    sock.sendall(self._frame(data))
        data = b"".join(pending)
        if not self._headers_sent:
            sock.sendall(self._send_head(len(data)) + self._frame(data))
            return
        out = self._frame(data)
        if self._framing == FRAME_CHUNKED:
            out += b"0\r\n\r\n"
        if out:
            sock.sendall(out)

    def _send_file(self, wrapper: FileWrapper) -> None:
        file = wrapper.filelike
        sock = self.socket
        try:
            fileno = file.fileno()
            position = file.tell()
            size = os.fstat(fileno).st_size - position
        except (AttributeError, OSError, ValueError):
            self._send_iterable(wrapper)
            return
        if isinstance(sock, green_ssl.GreenSSLSocket) or size < 0:
            self._send_iterable(wrapper)
            return
        head = self._send_head(size)
        sock.sendall(head)
        if self._framing == FRAME_LENGTH:
            count = self._declared
            if count:
                sent = sock.sendfile(file, position, count)
                self._sent += sent
        elif self._framing in (FRAME_CHUNKED, FRAME_CLOSE):
            for data in wrapper:
                out = self._frame(data)
                if out:
                    sock.sendall(out)
            if self._framing == FRAME_CHUNKED:
                sock.sendall(b"0\r\n\r\n")

    def _app_failed(self) -> None:
        """The application raised: answer 500 if nothing was sent, else cut the response."""
        text = traceback.format_exc()
        self.server.log.error("%s", text)
        self.close_connection = True
        if self._headers_sent:
            return
        body = text.encode("utf-8", "replace") if self.server.debug else b""
        self._status = "500 Internal Server Error"
        self._response_headers = [("Content-Type", "text/plain")]
        try:
            self.socket.sendall(self._send_head(len(body)) + self._frame(body))
        except OSError:
            pass

    def _finish_request(self, started: float) -> None:
        env = self.environ
        for hook in env.get("eventlet.posthooks", ()):
            function, args, kwargs = hook
            function(env, *args, **kwargs)
        if self.server.log_output:
            status = self._status or "000"
            self.log_request(status[:3], self._sent, time.monotonic() - started)

    # -- logging --------------------------------------------------------------------------

    def log_request(self, status_code: str, body_length: int, wall_seconds: float) -> None:
        """Log one request with the server's ``log_format``."""
        client_ip, client_port = self.get_client_address()
        self.server.log.info(
            self.server.log_format
            % {
                "client_ip": client_ip,
                "client_port": client_port,
                "date_time": self.log_date_time_string(),
                "request_line": self.requestline,
                "status_code": status_code,
                "body_length": body_length,
                "wall_seconds": wall_seconds,
            }
        )

    def log_message(self, format: str, *args: Any) -> None:
        """Log a message (``format % args``) through the server's log."""
        self.server.log.info(format, *args)

    def log_date_time_string(self) -> str:
        """The current time as the log shows it: ``06/Dec/2026 03:21:05``."""
        t = time.localtime()
        return (
            f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon]}/{t.tm_year:04d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
        )


def _set_idle(conn_state: list[Any], server: Server) -> None:
    """``environ['eventlet.set_idle']()``: a long-lived request (a websocket) says that a
    graceful shutdown may cut it (at once, if one is under way)."""
    conn_state[2] = STATE_IDLE
    if server.stopping:
        _force_close(conn_state[1])


def _lingering_close(sock: Any) -> None:
    """Close after a response while unread input may be pending: shut the sending side,
    read away what the client still sends (briefly), then close. Closing with unread data
    would send a reset that could destroy the response before the client reads it."""
    deadline = time.monotonic() + _LINGER_SECONDS
    try:
        sock.shutdown(_socket.SHUT_WR)
        for _ in range(64):  # at most 4 MiB, for at most _LINGER_SECONDS
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            if not sock.recv(65536):
                break
    except (OSError, ValueError):
        pass
    finally:
        sock.close()


class Server:
    """The state of one running WSGI server (see :func:`server` for the parameters).

    Subclasses may override :meth:`get_environ`, :meth:`process_request` and
    :meth:`log_message`. :meth:`shutdown` stops it gracefully.
    """

    def __init__(
        self,
        socket: Any,
        address: Any,
        app: Callable[..., Any],
        log: Any = None,
        environ: dict[str, Any] | None = None,
        max_http_version: str | None = None,
        protocol: type[HttpProtocol] = HttpProtocol,
        minimum_chunk_size: int | None = None,
        log_x_forwarded_for: bool = True,
        keepalive: bool | float = True,
        log_output: bool = True,
        log_format: str = DEFAULT_LOG_FORMAT,
        url_length_limit: int = MAX_REQUEST_LINE,
        debug: bool = True,
        socket_timeout: float | None = None,
        capitalize_response_headers: bool = True,
    ) -> None:
        if not callable(app):
            raise TypeError(f"the WSGI application must be callable, not {app!r}")
        if environ is not None and not isinstance(environ, dict):
            raise TypeError(f"environ must be a dict, not {type(environ).__name__!r}")
        if max_http_version is None:
            max_http_version = getattr(protocol, "protocol_version", DEFAULT_MAX_HTTP_VERSION)
        if max_http_version not in ("HTTP/1.1", "HTTP/1.0"):
            raise ValueError(f"max_http_version must be 'HTTP/1.1' or 'HTTP/1.0', not {max_http_version!r}")
        if isinstance(keepalive, bool) or keepalive is None:
            keepalive = bool(keepalive)
        elif not isinstance(keepalive, (int, float)) or keepalive < 0:
            raise ValueError(f"keepalive must be a bool or a number of seconds, not {keepalive!r}")
        elif keepalive == 0:
            keepalive = False
        if isinstance(url_length_limit, bool) or not isinstance(url_length_limit, int) or url_length_limit < 1:
            raise ValueError(f"url_length_limit must be a positive int, not {url_length_limit!r}")
        if socket_timeout is not None and (
            not isinstance(socket_timeout, (int, float)) or socket_timeout <= 0
        ):
            raise ValueError(f"socket_timeout must be None or a positive number, not {socket_timeout!r}")
        if minimum_chunk_size is None:
            minimum_chunk_size = getattr(protocol, "minimum_chunk_size", MINIMUM_CHUNK_SIZE)
        elif isinstance(minimum_chunk_size, bool) or not isinstance(minimum_chunk_size, int) or minimum_chunk_size < 0:
            raise ValueError(f"minimum_chunk_size must be an int >= 0, not {minimum_chunk_size!r}")
        if not isinstance(log_format, str):
            raise TypeError(f"log_format must be a str, not {type(log_format).__name__!r}")
        self.outstanding_requests = 0
        self.socket = socket
        self.address = address
        self.app = app
        self.pid = os.getpid()
        self.environ = environ
        self.max_http_version = max_http_version
        self.protocol = protocol
        self.minimum_chunk_size = minimum_chunk_size
        self.log_x_forwarded_for = log_x_forwarded_for
        self.keepalive: bool | float = keepalive
        self.log_output = log_output
        self.log_format = log_format
        self.url_length_limit = url_length_limit
        self.debug = debug
        self.socket_timeout = socket_timeout
        self.capitalize_response_headers = (
            capitalize_response_headers and getattr(protocol, "capitalize_response_headers", True)
        )
        self.log = _make_log(log)
        #: True once a shutdown began: no new connections, no more keep-alive.
        self.stopping = False
        self._connections: dict[int, list[Any]] = {}
        self._all_closed = Event()
        self._finished = Event()
        self._accepting: Any = None
        self._deadline: float | None = None
        self._base = self._base_environ()

    def _base_environ(self) -> dict[str, Any]:
        is_tls = isinstance(self.socket, green_ssl.GreenSSLSocket) or hasattr(
            self.socket, "do_handshake"
        )
        env: dict[str, Any] = {
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.url_scheme": "https" if is_tls else "http",
            "wsgi.file_wrapper": FileWrapper,
            "SCRIPT_NAME": "",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_SOFTWARE": "eventlet.wsgi",
        }
        address = self.address
        if isinstance(address, tuple) and len(address) >= 2:
            env["SERVER_NAME"] = str(address[0])
            env["SERVER_PORT"] = str(address[1])
        else:
            env["SERVER_NAME"] = str(address or "")
            env["SERVER_PORT"] = ""
        if self.environ is not None:
            env.update(self.environ)
        return env

    def get_environ(self) -> dict[str, Any]:
        """A new environ holding what every request shares (and ``environ`` given)."""
        return self._base.copy()

    def log_message(self, message: str) -> None:
        """Write one line to the server's log."""
        self.log.info(message)

    def process_request(self, conn_state: list[Any]) -> None:
        """Serve one accepted connection (``[address, socket, state]``) to its end."""
        key = id(conn_state)
        self._connections[key] = conn_state
        self.outstanding_requests += 1
        try:
            self.protocol(conn_state, self)
        except TimeoutError:
            self.log.debug("(%s) timed out %r", self.pid, conn_state[0])
        except OSError as error:
            if error.errno not in BROKEN_SOCK and not isinstance(error, _QUIET_ERRORS):
                self.log.error("(%s) connection error %r: %s", self.pid, conn_state[0], error)
        except Exception:
            self.log.error("%s", traceback.format_exc())
        finally:
            self.outstanding_requests -= 1
            del self._connections[key]
            sock = conn_state[1]
            try:
                if sock.fileno() >= 0:  # the protocol's finish() closes it, normally
                    sock.close()
            except OSError:
                pass
            if self.stopping and not self._connections and not self._all_closed.ready():
                self._all_closed.send(None)

    # -- running and stopping -------------------------------------------------------------

    def serve(self, pool: Any) -> None:
        """Accept and serve connections until :meth:`shutdown` (or a kill) stops it."""
        sock = self.socket
        tls = isinstance(sock, green_ssl.GreenSSLSocket)
        self._accepting = getcurrent()
        client: Any = None
        try:
            while not self.stopping:
                client = None
                try:
                    if tls:
                        client, address = _accept_tls(sock)
                    else:
                        client, address = sock.accept()
                except OSError as error:
                    if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                        # Out of descriptors or memory: say so, and give the running
                        # connections time to end, instead of spinning.
                        self.log.error("(%s) accept failed: %s", self.pid, error)
                        sleep(0.05)
                        continue
                    if error.errno in (errno.ECONNABORTED, errno.EPROTO):
                        continue
                    if error.errno == errno.EBADF or sock.fileno() < 0:
                        break  # the listening socket was closed
                    raise
                if self.socket_timeout is not None:
                    client.settimeout(self.socket_timeout)
                self.log.debug("(%s) accepted %r", self.pid, address)
                # Waits here while the pool is full: that is how max_size limits.
                pool.spawn_n(self.process_request, [address, client, STATE_IDLE])
                client = None
        except _ShuttingDown:
            if client is not None:
                client.close()  # accepted, but the shutdown came first
        except (KeyboardInterrupt, SystemExit):
            # Ctrl-C or sys.exit() in the serving green thread: stop serving and return
            # normally once the open requests are done, as upstream does.
            self.log.info("(%s) wsgi exiting", self.pid)
            if client is not None:
                client.close()
        finally:
            self._accepting = None
            self.stopping = True
            try:
                sock.close()  # refuse new connections at once
                self._close_down()
            finally:
                self._finished.send(None)

    def _close_down(self) -> None:
        # Close idle connections, wait for the others up to the deadline, then cut them.
        self.stopping = True
        self._close_idle()
        if self._connections:
            remaining = None if self._deadline is None else max(self._deadline - time.monotonic(), 0)
            with Timeout(remaining, False):
                while self._connections:
                    self._all_closed.wait()
                    self._close_idle()
        if self._connections:
            for conn_state in list(self._connections.values()):
                _force_close(conn_state[1])
            with Timeout(5, False):
                while self._connections:
                    self._all_closed.wait()

    def _close_idle(self) -> None:
        for conn_state in list(self._connections.values()):
            if conn_state[2] == STATE_IDLE:
                _force_close(conn_state[1])

    def shutdown(self, timeout: float | None = None) -> None:
        """Stop gracefully: stop accepting, close idle keep-alive connections now (and each
        one that becomes idle), let requests in progress finish, and after ``timeout``
        seconds (never, if None) close the connections still open. Returns when
        :func:`server` has finished. Call it from another green thread."""
        if timeout is not None and (not isinstance(timeout, (int, float)) or timeout < 0):
            raise ValueError(f"timeout must be None or a number >= 0, not {timeout!r}")
        if timeout is not None:
            self._deadline = time.monotonic() + timeout
        self.stopping = True
        accepting = self._accepting
        if accepting is not None and accepting is not getcurrent() and not accepting.dead:
            kill(accepting, _ShuttingDown())
        self._close_idle()
        if accepting is not getcurrent():
            self._finished.wait()


def _force_close(sock: Any) -> None:
    # shutdown() wakes the green thread blocked on the socket (recv gets b""); closing the
    # descriptor under it is left to that green thread.
    try:
        shutdown_safe(sock)
    except (OSError, ValueError):
        pass


def _accept_tls(sock: Any) -> tuple[Any, Any]:
    """Accept on a TLS listening socket without the handshake (done later by the connection's
    own green thread, so one slow client cannot hold the accept loop)."""
    fileno, address = sock._accept()
    plain = _real_socket.socket(sock.family, sock.type, sock.proto, fileno=fileno)
    connection = type(sock)._create(
        sock=plain,
        server_side=True,
        do_handshake_on_connect=False,
        suppress_ragged_eofs=sock.suppress_ragged_eofs,
        context=sock.context,
    )
    return connection, address


def server(
    sock: Any,
    site: Callable[..., Any],
    log: Any = None,
    environ: dict[str, Any] | None = None,
    max_size: int | None = None,
    max_http_version: str = DEFAULT_MAX_HTTP_VERSION,
    protocol: type[HttpProtocol] = HttpProtocol,
    server_event: Event | None = None,
    minimum_chunk_size: int | None = None,
    log_x_forwarded_for: bool = True,
    custom_pool: GreenPool | None = None,
    keepalive: bool | float = True,
    log_output: bool = True,
    log_format: str = DEFAULT_LOG_FORMAT,
    url_length_limit: int = MAX_REQUEST_LINE,
    debug: bool = True,
    socket_timeout: float | None = None,
    capitalize_response_headers: bool = True,
) -> None:
    """Serve the WSGI application ``site`` on the listening socket ``sock``, until stopped.

    ``log``: a ``logging.Logger`` (INFO level) or a file (default ``sys.stderr``);
    ``environ``: added to every request's environ; ``max_size``: most connections at once
    (default 1024; ignored with ``custom_pool``, a GreenPool to run connections in);
    ``max_http_version``: ``"HTTP/1.0"`` to answer as an HTTP/1.0 server (no chunked
    encoding); ``protocol``: the :class:`HttpProtocol` subclass; ``server_event``: an Event
    that gets the :class:`Server` (for :meth:`Server.shutdown`); ``minimum_chunk_size``:
    gather smaller output pieces (per request: ``environ['eventlet.minimum_write_chunk_size']``);
    ``log_x_forwarded_for``: log X-Forwarded-For with the client address; ``keepalive``:
    False to close after each response, or seconds to wait for a next request;
    ``log_output``/``log_format``: the access log; ``url_length_limit``: longer targets get
    414; ``debug``: tracebacks in 500 responses; ``socket_timeout``: seconds for each socket
    operation; ``capitalize_response_headers``: send header names as ``Foo-Bar``.

    The listening socket is closed when the server stops (a ``dup()`` of it stays usable).
    Stopping waits for the connections in progress: see :meth:`Server.shutdown`.
    """
    if not hasattr(sock, "accept"):
        raise TypeError(f"server() needs a listening socket, not {type(sock).__name__!r}")
    if isinstance(sock, _real_ssl.SSLSocket) and not isinstance(
        sock, green_ssl.GreenSSLSocket
    ):
        raise TypeError("server() needs a green TLS socket: use eventlet.wrap_ssl() or eventlet.green.ssl")
    if not isinstance(sock, (GreenSocket, green_ssl.GreenSSLSocket)) and isinstance(
        sock, _real_socket.socket
    ):
        sock = GreenSocket(sock)
    if max_size is not None and (
        isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1
    ):
        raise ValueError(f"max_size must be a positive int, not {max_size!r}")
    try:
        address = sock.getsockname()
    except OSError:
        address = None
    serv = Server(
        sock,
        address,
        site,
        log=log,
        environ=environ,
        max_http_version=max_http_version,
        protocol=protocol,
        minimum_chunk_size=minimum_chunk_size,
        log_x_forwarded_for=log_x_forwarded_for,
        keepalive=keepalive,
        log_output=log_output,
        log_format=log_format,
        url_length_limit=url_length_limit,
        debug=debug,
        socket_timeout=socket_timeout,
        capitalize_response_headers=capitalize_response_headers,
    )
    if server_event is not None:
        server_event.send(serv)
    pool = custom_pool if custom_pool is not None else GreenPool(max_size or DEFAULT_MAX_SIMULTANEOUS_REQUESTS)
    if isinstance(address, tuple) and log_output:
        serv.log.info("(%s) wsgi starting up on http://%s:%s/", serv.pid, address[0], address[1])
    serv.serve(pool)
