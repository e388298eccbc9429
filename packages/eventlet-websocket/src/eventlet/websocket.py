"""WebSocket servers (and clients) on green sockets.

:class:`WebSocketWSGI` turns a handler ``handler(ws)`` into a WSGI application for
``eventlet.wsgi.server``: it answers the upgrade request itself on the connection's socket,
then calls the handler with a :class:`RFC6455WebSocket` (or, for the legacy hixie-75/76
drafts, a :class:`WebSocket`).  ``ws.wait()`` returns the next message (``str`` for text,
``bytes`` for binary) or None once the connection is closed; ``ws.send(message)`` sends one.

:class:`RFC6455WebSocket` also works as a client over a socket on which the opening
handshake was already made: ``RFC6455WebSocket(sock, {}, client=True)``.
"""

from __future__ import annotations

import errno
import os
import socket as _socket
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any, overload

from eventlet._websocket_deflate import (
    EXTENSION,
    DeflateParams,
    MessageDeflater,
    MessageInflater,
    format_extensions,
    negotiate,
    parse_extensions,
)
from eventlet._websocket_frames import (
    BINARY,
    CLOSE,
    CLOSE_GOING_AWAY,
    CLOSE_INTERNAL_ERROR,
    CLOSE_NO_STATUS,
    CLOSE_NORMAL,
    PING,
    PONG,
    TEXT,
    ProtocolError,
    encode_frame,
)
from eventlet._websocket_handshake import (
    SUPPORTED_VERSIONS,
    HandshakeError,
    hixie76_answer,
    hixie_response,
    rfc6455_response,
    select_protocol,
    split_header,
)
from eventlet._websocket_protocol import (
    EV_CLOSE,
    EV_MESSAGE,
    EV_PING,
    MessageReader,
    valid_close_code,
)
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from eventlet.timeout import Timeout

__all__ = [
    "DEFAULT_MAX_FRAME_LENGTH",
    "ProtocolError",
    "RFC6455WebSocket",
    "WebSocket",
    "WebSocketWSGI",
]

#: The default of ``max_frame_length``: 8 MiB.
DEFAULT_MAX_FRAME_LENGTH = 8 << 20
#: Errors from the socket that mean the peer went away; a handler that dies of one of
#: these is not an application error.
ACCEPTABLE_CLIENT_ERRORS = frozenset((errno.ECONNRESET, errno.EPIPE, errno.ESHUTDOWN, errno.EBADF))
_RECV_SIZE = 65536

#: A websocket handler: called with the RFC6455WebSocket (or legacy WebSocket).
Handler = Callable[[Any], object]
#: ``origin_checker(host, origin)``: True to accept the request.
OriginChecker = Callable[[str | None, str | None], bool]


def _closed_error() -> OSError:
    # The seed's contract: sending on a closed websocket is a broken pipe.
    return OSError(errno.EPIPE, "websocket is closed")


def _shutdown_and_close(sock: Any) -> None:
    """Close the connection, telling the peer first; errors of a dead socket are ignored."""
    try:
        sock.shutdown(_socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class WebSocket:
    """A connection speaking the legacy hixie-75/76 drafts (``version`` 75 or 76).

    ``path``, ``origin``, ``protocol`` and ``environ`` describe the request.  ``send()``
    and ``wait()`` pass messages; ``close()`` ends the connection.
    """

    def __init__(self, sock: Any, environ: Mapping[str, Any], version: int = 76) -> None:
        self.socket = sock
        self.environ = environ
        self.origin: str | None = environ.get("HTTP_ORIGIN")
        self.protocol: str | None = environ.get("HTTP_WEBSOCKET_PROTOCOL")
        self.path: str | None = environ.get("PATH_INFO")
        self.version = version
        #: True once the closing handshake started (either side) or the connection died.
        self.websocket_closed = False
        #: The longest hixie frame accepted (WebSocketWSGI sets its ``max_frame_length``).
        self.max_frame_length: int | None = DEFAULT_MAX_FRAME_LENGTH
        self._hixie_close_sent = False
        self._buffer = bytearray()
        self._scanned = 0  # bytes of an unfinished text frame already searched for 0xFF
        self._msgs: deque[str | bytes] = deque()
        self._sendlock = Semaphore()

    # -- hixie framing ------------------------------------------------------------------

    @staticmethod
    def _pack_message(message: Any) -> bytes:
        """A hixie text frame: 0x00, the UTF-8 text, 0xFF."""
        if isinstance(message, bytes | bytearray | memoryview):
            data = bytes(message)
        else:
            data = str(message).encode("utf-8")
        if b"\xff" in data:
            raise ValueError("a hixie websocket message cannot contain the byte 0xFF")
        return b"\x00" + data + b"\xff"

    def _parse_messages(self) -> list[str | bytes]:
        """Take the complete frames out of the buffer; set websocket_closed on a close."""
        buffer = self._buffer
        messages: list[str | bytes] = []
        pos = 0
        end = len(buffer)
        while pos < end and not self.websocket_closed:
            kind = buffer[pos]
            if kind == 0x00:
                # Search only what came since the last look (a long frame in many reads).
                stop = buffer.find(b"\xff", max(pos + 1, self._scanned if pos == 0 else 0))
                if stop < 0:
                    self._scanned = end - pos
                    self._check_length(end - pos)
                    break
                self._scanned = 0
                try:
                    messages.append(buffer[pos + 1 : stop].decode("utf-8"))
                except UnicodeDecodeError:
                    raise ProtocolError(1007, "hixie message is not valid UTF-8") from None
                pos = stop + 1
            elif kind & 0x80:
                # Length-prefixed frame: 7 bits a byte, high bit means more follow.
                length = 0
                cursor = pos + 1
                while cursor < end:
                    byte = buffer[cursor]
                    cursor += 1
                    length = (length << 7) | (byte & 0x7F)
                    if not byte & 0x80:
                        break
                else:
                    break
                if kind == 0xFF and length == 0:
                    self.websocket_closed = True  # the hixie-76 closing handshake
                    pos = cursor
                    break
                self._check_length(length)
                if end - cursor < length:
                    break
                messages.append(bytes(buffer[cursor : cursor + length]))
                pos = cursor + length
            else:
                raise ProtocolError(1002, f"unknown hixie frame type {kind:#x}")
        del buffer[:pos]
        return messages

    def _check_length(self, length: int) -> None:
        limit = self.max_frame_length
        if limit is not None and length > limit:
            raise ProtocolError(1009, f"hixie frame above the limit of {limit} bytes")

    # -- public interface ---------------------------------------------------------------

    def send(self, message: Any) -> None:
        """Send one text message (``str``, or anything ``str()`` accepts).

        Raises OSError with errno EPIPE if the websocket is already closed.
        """
        if self.websocket_closed:
            raise _closed_error()
        packed = self._pack_message(message)
        with self._sendlock:
            self.socket.sendall(packed)

    def wait(self) -> str | bytes | None:
        """The next message, or None once the peer closed the connection."""
        while not self._msgs:
            if self.websocket_closed:
                return None
            try:
                data = self.socket.recv(_RECV_SIZE)
            except TimeoutError:
                raise  # the socket's own timeout: the connection is still fine
            except OSError:
                data = b""
            if not data:
                self.websocket_closed = True
                return None
            self._buffer += data
            try:
                self._msgs.extend(self._parse_messages())
            except ProtocolError:
                self.close()
                return None
        return self._msgs.popleft()

    def _send_closing_frame(self, ignore_send_errors: bool = False) -> None:
        """Send the closing frame, or answer the peer's (hixie-76 only; 75 has none)."""
        if self.version == 76 and not self._hixie_close_sent:
            self._hixie_close_sent = True
            try:
                self.socket.sendall(b"\xff\x00")
            except OSError:
                if not ignore_send_errors:
                    raise
        self.websocket_closed = True

    def close(self) -> None:
        """Close the websocket and its connection; calling it again does nothing."""
        try:
            self._send_closing_frame(ignore_send_errors=True)
        finally:
            _shutdown_and_close(self.socket)


class RFC6455WebSocket(WebSocket):
    """A connection speaking RFC 6455 (the ``version`` the client asked for: 13, 8 or 7).

    As a server (the default) it expects masked frames and sends unmasked ones; with
    ``client=True`` it does the opposite, so it can talk to any RFC 6455 server over a
    socket on which the opening handshake is done.  ``extensions`` maps
    ``"permessage-deflate"`` to its agreed parameters (a dict with the keys of RFC 7692,
    section 7.1) to compress messages.  ``max_frame_length`` bounds each incoming frame's
    payload, after decompression too; a bigger one closes the connection with 1009.
    """

    #: Seconds to wait for the peer's close frame after sending ours.
    close_timeout: float = 5.0

    def __init__(
        self,
        sock: Any,
        environ: Mapping[str, Any],
        version: int = 13,
        protocol: str | None = None,
        client: bool = False,
        extensions: Mapping[str, Any] | None = None,
        max_frame_length: int | None = DEFAULT_MAX_FRAME_LENGTH,
    ) -> None:
        super().__init__(sock, environ, version)
        if max_frame_length is not None and max_frame_length < 0:
            raise ValueError(f"max_frame_length must be >= 0 or None, got {max_frame_length}")
        self.protocol = protocol
        self.client = client
        self.max_frame_length = max_frame_length
        self.extensions: dict[str, Any] = dict(extensions or {})
        unknown = set(self.extensions) - {EXTENSION}
        if unknown:
            raise ValueError(f"unsupported websocket extensions: {sorted(unknown)}")
        self._deflater: MessageDeflater | None = None
        inflater: MessageInflater | None = None
        deflate = self.extensions.get(EXTENSION)
        if deflate is not None:
            params = (
                deflate
                if isinstance(deflate, DeflateParams)
                else (DeflateParams.from_mapping(deflate))
            )
            self.extensions[EXTENSION] = params.as_dict()
            mine, theirs = ("client", "server") if client else ("server", "client")
            self._deflater = MessageDeflater(
                getattr(params, f"{mine}_max_window_bits"),
                getattr(params, f"{mine}_no_context_takeover"),
            )
            inflater = MessageInflater(
                getattr(params, f"{theirs}_max_window_bits"),
                getattr(params, f"{theirs}_no_context_takeover"),
                max_frame_length,
            )
        self._reader = MessageReader(
            server=not client, inflater=inflater, max_frame_length=max_frame_length
        )
        self._close_sent = False
        self._close_received = False
        self._reading = False  # a green thread is blocked in recv() on the socket
        self._close_waiter: Event | None = None  # close() waiting on that reader
        #: The peer's close code and reason once it closed (1005: it gave no code; 1006:
        #: the connection died without a close frame).
        self.close_code: int | None = None
        self.close_reason: str | None = None

    # -- sending -------------------------------------------------------------------------

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        """Send one frame, compressed if it is a data frame and deflate is on."""
        mask = os.urandom(4) if self.client else None
        with self._sendlock:
            # Compressed under the lock: with context takeover, frames must go out in the
            # order they were compressed in.
            if opcode < CLOSE and self._deflater is not None:
                frame = encode_frame(opcode, self._deflater.compress(payload), rsv1=True, mask=mask)
            else:
                frame = encode_frame(opcode, payload, mask=mask)
            self.socket.sendall(frame)

    def send(self, message: Any, control_code: int | None = None) -> None:
        """Send one message: ``str`` as text, ``bytes``-like as binary, else ``str(message)``.

        ``control_code`` (0x8 close, 0x9 ping, 0xA pong) sends a control frame instead.
        Raises OSError with errno EPIPE if the websocket is already closed.
        """
        if self.websocket_closed:
            raise _closed_error()
        if isinstance(message, str):
            opcode, payload = TEXT, message.encode("utf-8")
        elif isinstance(message, bytes | bytearray | memoryview):
            opcode, payload = BINARY, bytes(message)
        else:
            opcode, payload = TEXT, str(message).encode("utf-8")
        if control_code is not None:
            if control_code not in (CLOSE, PING, PONG):
                raise ValueError(f"control_code must be 0x8, 0x9 or 0xA, got {control_code!r}")
            opcode = control_code
        self._send_frame(opcode, payload)
        if opcode == CLOSE:
            self._close_sent = True
            self.websocket_closed = True

    def ping(self, data: bytes = b"") -> None:
        """Send a ping (the peer answers with a pong carrying ``data``)."""
        self.send(data, control_code=PING)

    # -- receiving -----------------------------------------------------------------------

    def _receive(self) -> bool:
        """Read once from the socket and act on what came; False once the peer is gone."""
        try:
            self._reading = True
            try:
                data = self.socket.recv(_RECV_SIZE)
            finally:
                self._reading = False
        except TimeoutError:
            raise  # the socket's own timeout: the connection is still fine
        except OSError:
            data = b""
        if not data:
            self._lost()
            return False
        return self._process(data)

    def _process(self, data: bytes) -> bool:
        """Act on bytes from the peer: queue messages, answer pings and the close."""
        try:
            events = self._reader.feed(data)
        except ProtocolError as error:
            self._fail(error.code, error.reason)
            return False
        for kind, value in events:
            if kind == EV_MESSAGE:
                self._msgs.append(value)
            elif kind == EV_PING:
                if not self._close_sent:
                    try:
                        self._send_frame(PONG, value)
                    except OSError:
                        pass
            elif kind == EV_CLOSE:
                code, reason = value
                self.close_code, self.close_reason = code, reason
                self._peer_done()
                # Echo the peer's code, as RFC 6455 section 5.5.1 suggests.
                echo = CLOSE_NORMAL if code == CLOSE_NO_STATUS else code
                self._send_closing_frame(ignore_send_errors=True, close_data=(echo, ""))
                return False  # nothing after a close frame counts
            # A pong needs no answer.
        return True

    def _lost(self) -> None:
        """The connection ended without a close frame."""
        self.websocket_closed = True
        self._peer_done()
        if self.close_code is None:
            self.close_code, self.close_reason = 1006, ""

    def _peer_done(self) -> None:
        """Nothing more will be read: the peer closed, or the connection is failed."""
        self._close_received = True
        waiter = self._close_waiter
        if waiter is not None and not waiter.ready():
            waiter.send(None)

    def _fail(self, code: int, reason: str) -> None:
        """Fail the connection (RFC 6455 section 7.1.7): close with ``code``, drop the rest."""
        # A close reason fits in 123 bytes; ours are ASCII.
        self._send_closing_frame(ignore_send_errors=True, close_data=(code, reason[:123]))
        self._peer_done()
        if self.close_code is None:
            self.close_code, self.close_reason = 1006, reason
        _shutdown_and_close(self.socket)

    def wait(self) -> str | bytes | None:
        """The next message (``str`` or ``bytes``), or None once the connection is closed.

        Pings are answered as they come.  A protocol error from the peer closes the
        connection with the matching code (1002, 1007, 1009) and returns None.  If the
        socket has a timeout, ``TimeoutError`` (``socket.timeout``) comes out when it runs
        out; the websocket stays usable.
        """
        msgs = self._msgs
        while not msgs:
            if self._close_received:
                return None
            self._receive()
        return msgs.popleft()

    # -- closing -------------------------------------------------------------------------

    def _send_closing_frame(
        self, ignore_send_errors: bool = False, close_data: tuple[int, str] | None = None
    ) -> None:
        """Send a close frame (code 1000 unless ``close_data`` gives (code, reason))."""
        code, reason = close_data if close_data is not None else (CLOSE_NORMAL, "")
        if self._close_sent:
            return
        self._close_sent = True
        self.websocket_closed = True
        payload = code.to_bytes(2, "big") + reason.encode("utf-8")
        try:
            self._send_frame(CLOSE, payload)
        except OSError:
            if not ignore_send_errors:
                raise

    def close(self, close_data: tuple[int, str] | None = None) -> None:
        """Run the closing handshake and close the connection; again, it does nothing.

        ``close_data`` is (code, reason); the default is (1000, "").  Waits up to
        ``close_timeout`` seconds for the peer's close frame, reading and dropping any
        message still on the way (or, if another green thread is in :meth:`wait`, for
        that one to read it).
        """
        if close_data is not None:
            code, reason = close_data
            if not isinstance(code, int) or not valid_close_code(code):
                raise ValueError(f"invalid close code {code!r}")
            if len(reason.encode("utf-8")) > 123:
                raise ValueError("close reason is longer than 123 bytes in UTF-8")
        try:
            self._send_closing_frame(ignore_send_errors=True, close_data=close_data)
            if not self._close_received:
                with Timeout(self.close_timeout, False):
                    if self._reading:
                        # Two readers of one socket would fight: let that one read it.
                        self._close_waiter = Event()
                        self._close_waiter.wait()
                    else:
                        try:
                            while self._receive():
                                pass
                        except TimeoutError:
                            pass  # the socket's timeout came first
        finally:
            self._peer_done()
            self._msgs.clear()  # what came after our close frame is dropped
            _shutdown_and_close(self.socket)


class WebSocketWSGI:
    """Wrap a handler ``handler(ws)`` into a WSGI application that accepts websockets.

    Use it as a decorator::

        @WebSocketWSGI
        def echo(ws):
            while (message := ws.wait()) is not None:
                ws.send(message)

    The handler gets a :class:`RFC6455WebSocket` (or a :class:`WebSocket` for the legacy
    drafts); returning from it closes the websocket.  ``max_frame_length`` bounds each
    incoming frame's payload after decompression (default 8 MiB).
    """

    def __init__(self, handler: Handler, max_frame_length: int = DEFAULT_MAX_FRAME_LENGTH) -> None:
        if not callable(handler):
            raise TypeError(f"WebSocketWSGI needs a callable handler, got {handler!r}")
        if not isinstance(max_frame_length, int) or max_frame_length < 0:
            raise ValueError(f"max_frame_length must be an int >= 0, got {max_frame_length!r}")
        self.handler = handler
        self.max_frame_length = max_frame_length
        self.protocol_version: int | None = None
        self.support_legacy_versions = True
        self.supported_protocols: list[str] = []
        self.origin_checker: OriginChecker | None = None

    @overload
    @classmethod
    def configured(
        cls,
        handler: None = None,
        supported_protocols: Iterable[str] | None = None,
        origin_checker: OriginChecker | None = None,
        support_legacy_versions: bool = False,
    ) -> Callable[[Handler], WebSocketWSGI]: ...

    @overload
    @classmethod
    def configured(
        cls,
        handler: Handler,
        supported_protocols: Iterable[str] | None = None,
        origin_checker: OriginChecker | None = None,
        support_legacy_versions: bool = False,
    ) -> WebSocketWSGI: ...

    @classmethod
    def configured(
        cls,
        handler: Handler | None = None,
        supported_protocols: Iterable[str] | None = None,
        origin_checker: OriginChecker | None = None,
        support_legacy_versions: bool = False,
    ) -> WebSocketWSGI | Callable[[Handler], WebSocketWSGI]:
        """A configured application, or a decorator making one when ``handler`` is None.

        ``supported_protocols``: subprotocols to accept (the client's first listed one
        that is here wins); ``origin_checker(host, origin)``: refuse with 403 when it
        returns false; ``support_legacy_versions``: also accept hixie-75/76 clients.
        """
        if isinstance(supported_protocols, str):
            raise TypeError("supported_protocols must be a list of names, not a string")
        if origin_checker is not None and not callable(origin_checker):
            raise TypeError(f"origin_checker must be callable, got {origin_checker!r}")

        def decorator(handler: Handler) -> WebSocketWSGI:
            app = cls(handler)
            app.supported_protocols = list(supported_protocols or ())
            app.origin_checker = origin_checker
            app.support_legacy_versions = support_legacy_versions
            return app

        if handler is None:
            return decorator
        return decorator(handler)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """The WSGI application: answer the upgrade, run the handler, close."""
        try:
            ws = self._handshake(environ)
        except HandshakeError as error:
            start_response(error.status, error.headers)
            return [error.body]
        # A websocket may stay open for hours: a graceful server stop need not wait for it.
        set_idle = environ.get("eventlet.set_idle")
        if set_idle is not None:
            set_idle()
        try:
            self.handler(ws)
        except OSError as error:
            ws.close()
            if error.errno not in ACCEPTABLE_CLIENT_ERRORS:
                raise
        except Exception:
            # The application failed: tell the peer so (1011) rather than a normal close.
            if isinstance(ws, RFC6455WebSocket):
                ws.close((CLOSE_INTERNAL_ERROR, ""))
            else:
                ws.close()
            raise
        except BaseException:
            # Killed (GreenletExit, SystemExit...): say "going away", wait for nothing.
            if isinstance(ws, RFC6455WebSocket):
                ws._send_closing_frame(ignore_send_errors=True, close_data=(CLOSE_GOING_AWAY, ""))
                ws._peer_done()
            else:
                ws._send_closing_frame(ignore_send_errors=True)
            _shutdown_and_close(ws.socket)
            raise
        else:
            ws.close()
        # Imported here so that a websocket client does not load the WSGI server.
        from eventlet.wsgi import ALREADY_HANDLED

        return ALREADY_HANDLED

    def _handshake(self, environ: dict[str, Any]) -> WebSocket:
        """Check the upgrade request, write the 101 answer, return the websocket."""
        if environ.get("REQUEST_METHOD", "GET") != "GET":
            raise HandshakeError("a websocket upgrade request must be a GET")
        connection = [token.lower() for token in split_header(environ.get("HTTP_CONNECTION"))]
        upgrade = environ.get("HTTP_UPGRADE", "").lower()
        if "upgrade" not in connection or upgrade != "websocket":
            raise HandshakeError("not a websocket upgrade request")
        if "HTTP_SEC_WEBSOCKET_VERSION" in environ:
            return self._handshake_rfc6455(environ)
        if self.support_legacy_versions:
            return self._handshake_hixie(environ)
        raise HandshakeError(
            "websocket version missing", "426 Upgrade Required", [("Sec-WebSocket-Version", "13")]
        )

    @staticmethod
    def _leftover(environ: Mapping[str, Any]) -> bytes:
        """Bytes the WSGI server read past the request head (a client may send its first
        frame, or hixie-76 its key, in the same packet): they belong to the websocket."""
        source = environ.get("eventlet.input")
        take = getattr(source, "take_buffered", None)
        if take is not None:
            return bytes(take())
        # eventlet.wsgi without take_buffered(): its request parser holds them.
        buffer = getattr(getattr(source, "_parser", None), "_buffer", None)
        if isinstance(buffer, bytearray) and buffer:
            data = bytes(buffer)
            del buffer[:]
            return data
        return b""

    def _socket(self, environ: Mapping[str, Any]) -> Any:
        source = environ.get("eventlet.input")
        if source is None or not hasattr(source, "get_socket"):
            raise HandshakeError(
                "WebSocketWSGI needs environ['eventlet.input'].get_socket() "
                "(run it under eventlet.wsgi.server)",
                "500 Internal Server Error",
            )
        return source.get_socket()

    def _handshake_rfc6455(self, environ: dict[str, Any]) -> RFC6455WebSocket:
        version = environ["HTTP_SEC_WEBSOCKET_VERSION"].strip()
        if version not in SUPPORTED_VERSIONS:
            raise HandshakeError(
                f"unsupported websocket version {version!r}",
                "426 Upgrade Required",
                [("Sec-WebSocket-Version", ", ".join(SUPPORTED_VERSIONS))],
            )
        key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "").strip()
        if not key:
            raise HandshakeError("Sec-WebSocket-Key missing")
        # hybi-08 sent Sec-WebSocket-Origin; 13 sends Origin.
        origin = environ.get("HTTP_ORIGIN") or environ.get("HTTP_SEC_WEBSOCKET_ORIGIN")
        if self.origin_checker is not None and not self.origin_checker(
            environ.get("HTTP_HOST"), origin
        ):
            raise HandshakeError(f"origin {origin!r} refused", "403 Forbidden")
        offered = split_header(environ.get("HTTP_SEC_WEBSOCKET_PROTOCOL"))
        protocol = select_protocol(offered, self.supported_protocols)
        extensions: dict[str, Any] = {}
        answer_extensions = None
        header = environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS")
        if header:
            try:
                agreed = negotiate(parse_extensions(header))
            except ValueError as error:
                raise HandshakeError(f"bad Sec-WebSocket-Extensions: {error}") from None
            if agreed is not None:
                params, answer = agreed
                extensions[EXTENSION] = params
                answer_extensions = format_extensions([(EXTENSION, answer)])
        response = rfc6455_response(key, protocol, answer_extensions)
        sock = self._socket(environ)
        self.protocol_version = int(version)
        ws = RFC6455WebSocket(
            sock,
            environ,
            int(version),
            protocol=protocol,
            extensions=extensions,
            max_frame_length=self.max_frame_length,
        )
        ws.origin = origin
        sock.sendall(response)
        leftover = self._leftover(environ)
        if leftover:
            ws._process(leftover)
        return ws

    def _handshake_hixie(self, environ: dict[str, Any]) -> WebSocket:
        sock = self._socket(environ)
        protocol = environ.get("HTTP_SEC_WEBSOCKET_PROTOCOL") or environ.get(
            "HTTP_WEBSOCKET_PROTOCOL"
        )
        if self.origin_checker is not None and not self.origin_checker(
            environ.get("HTTP_HOST"), environ.get("HTTP_ORIGIN")
        ):
            raise HandshakeError("origin refused", "403 Forbidden")
        leftover = self._leftover(environ)
        if "HTTP_SEC_WEBSOCKET_KEY1" in environ:
            version = 76
            key3, leftover = self._read_key3(sock, leftover)
            answer = hixie76_answer(
                environ["HTTP_SEC_WEBSOCKET_KEY1"], environ.get("HTTP_SEC_WEBSOCKET_KEY2", ""), key3
            )
        else:
            version, answer = 75, b""
        self.protocol_version = version
        ws = WebSocket(sock, environ, version)
        ws.protocol = protocol
        ws.max_frame_length = self.max_frame_length
        ws._buffer += leftover
        sock.sendall(hixie_response(environ, version, protocol, answer))
        return ws

    @staticmethod
    def _read_key3(sock: Any, leftover: bytes) -> tuple[bytes, bytes]:
        """The 8 bytes a hixie-76 client sends after its headers, and what follows them."""
        while len(leftover) < 8:
            more = sock.recv(8 - len(leftover))
            if not more:
                break
            leftover += more
        return leftover[:8], leftover[8:]
