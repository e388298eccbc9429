"""WebSocketWSGI called as a WSGI application with hand-built environs."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from eventlet._websocket_handshake import HandshakeError, accept_key, hixie76_answer, location
from eventlet.event import Event
from eventlet.greenthread import spawn
from eventlet.websocket import RFC6455WebSocket, WebSocket, WebSocketWSGI
from eventlet.wsgi import ALREADY_HANDLED

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3


class FakeInput:
    """environ['eventlet.input'] as eventlet.wsgi gives it: the connection's socket."""

    def __init__(self, sock: Any, buffered: bytes = b"") -> None:
        self.sock = sock
        self.buffered = buffered

    def get_socket(self) -> Any:
        return self.sock

    def take_buffered(self) -> bytes:
        data, self.buffered = self.buffered, b""
        return data


def rfc_environ(sock: Any, **extra: str) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/chat",
        "HTTP_HOST": "server.example.com",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "keep-alive, Upgrade",
        "HTTP_SEC_WEBSOCKET_KEY": KEY,
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
        "HTTP_ORIGIN": "http://example.com",
        "eventlet.input": FakeInput(sock),
    }
    environ.update(extra)
    return environ


class Responder:
    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]]) -> None:
        self.status, self.headers = status, headers


def read_head(sock: Any) -> tuple[str, dict[str, str], bytes]:
    data = b""
    while not data.endswith(b"\r\n\r\n"):
        chunk = sock.recv(1)  # a byte at a time: what follows the head is the client's
        assert chunk, f"closed before the response head: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers, rest


def test_accept_key_of_rfc6455() -> None:
    assert accept_key(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    with pytest.raises(HandshakeError, match="not base64"):
        accept_key("%%%")
    with pytest.raises(HandshakeError, match="not 16"):
        accept_key(base64.b64encode(b"short").decode())


def test_hixie76_example_of_the_draft() -> None:
    answer = hixie76_answer(
        "18x 6]8vM;54 *(5:  {   U1]8  z [  8", "1_ tx7X d  <  nw  334J702) 7]o}` 0", b"Tm[K T2u"
    )
    assert answer == b"fQJ,fN/4F4!~K~MH"
    with pytest.raises(HandshakeError, match="spaces"):
        hixie76_answer("123", "1 2", b"12345678")
    with pytest.raises(HandshakeError, match="8 key bytes"):
        hixie76_answer("1 2", "1 2", b"1234")


def test_location() -> None:
    environ = {"HTTP_HOST": "h:1", "SCRIPT_NAME": "/a", "PATH_INFO": "/b", "QUERY_STRING": "q=1"}
    assert location(environ) == "ws://h:1/a/b?q=1"
    assert location({**environ, "wsgi.url_scheme": "https", "QUERY_STRING": ""}) == "wss://h:1/a/b"


def test_rfc6455_handshake_and_handler(pair: tuple[Any, Any]) -> None:
    a, b = pair
    seen: list[Any] = []

    @WebSocketWSGI
    def app(ws: RFC6455WebSocket) -> None:
        seen.append((type(ws), ws.path, ws.origin, ws.protocol, ws.extensions))
        seen.append(ws.wait())
        ws.send("bye")

    idle: list[bool] = []
    environ = rfc_environ(a, **{"eventlet.set_idle": lambda: idle.append(True)})  # type: ignore[arg-type]
    responder = Responder()
    done = spawn(app, environ, responder)
    status, headers, rest = read_head(b)
    assert status == "HTTP/1.1 101 Switching Protocols"
    assert headers == {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
    }
    assert rest == b""
    client = RFC6455WebSocket(b, {}, client=True)
    client.send("hi")
    assert client.wait() == "bye"
    assert client.wait() is None  # the handler returned: the server closes with 1000
    assert client.close_code == 1000
    assert done.wait() is ALREADY_HANDLED
    assert responder.status is None  # the application wrote its own response
    assert seen == [(RFC6455WebSocket, "/chat", "http://example.com", None, {}), "hi"]
    assert idle == [True]


def test_frames_read_with_the_request_head_are_not_lost(pair: tuple[Any, Any]) -> None:
    a, b = pair
    from eventlet._websocket_frames import TEXT, encode_frame

    early = encode_frame(TEXT, b"early", mask=b"abcd") + encode_frame(TEXT, b"bird", mask=b"abcd")
    environ = rfc_environ(a)
    environ["eventlet.input"] = FakeInput(a, early)
    got: list[Any] = []
    app = WebSocketWSGI(lambda ws: got.extend([ws.wait(), ws.wait()]))
    done = spawn(app, environ, Responder())
    read_head(b)
    client = RFC6455WebSocket(b, {}, client=True)
    assert client.wait() is None
    done.wait()
    assert got == ["early", "bird"]


def test_subprotocol_and_origin_checker(pair: tuple[Any, Any]) -> None:
    a, b = pair
    checked: list[tuple[Any, Any]] = []

    def origin_ok(host: str | None, origin: str | None) -> bool:
        checked.append((host, origin))
        return True

    @WebSocketWSGI.configured(supported_protocols=["chat", "superchat"], origin_checker=origin_ok)
    def app(ws: RFC6455WebSocket) -> None:
        ws.send(ws.protocol)

    environ = rfc_environ(a, HTTP_SEC_WEBSOCKET_PROTOCOL="v1, superchat, chat")
    done = spawn(app, environ, Responder())
    _, headers, _ = read_head(b)
    assert headers["Sec-WebSocket-Protocol"] == "superchat"
    assert RFC6455WebSocket(b, {}, client=True).wait() == "superchat"
    done.wait()
    assert checked == [("server.example.com", "http://example.com")]


def test_permessage_deflate_is_negotiated(pair: tuple[Any, Any]) -> None:
    a, b = pair
    app = WebSocketWSGI(
        lambda ws: ws.send(repr(sorted(ws.extensions["permessage-deflate"].items())))
    )
    environ = rfc_environ(
        a,
        HTTP_SEC_WEBSOCKET_EXTENSIONS=(
            "permessage-deflate; server_max_window_bits=8, "
            "permessage-deflate; client_max_window_bits; server_no_context_takeover"
        ),
    )
    done = spawn(app, environ, Responder())
    _, headers, _ = read_head(b)
    assert headers["Sec-WebSocket-Extensions"] == "permessage-deflate; server_no_context_takeover"
    client = RFC6455WebSocket(
        b, {}, client=True, extensions={"permessage-deflate": {"server_no_context_takeover": True}}
    )
    assert client.wait() == repr(
        [
            ("client_max_window_bits", 15),
            ("client_no_context_takeover", False),
            ("server_max_window_bits", 15),
            ("server_no_context_takeover", True),
        ]
    )
    done.wait()


def never_called(ws: Any) -> None:
    raise AssertionError("the handler must not run")


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"HTTP_UPGRADE": "h2c"}, "400 Bad Request", b"not a websocket upgrade"),
        ({"REQUEST_METHOD": "POST"}, "400 Bad Request", b"must be a GET"),
        ({"HTTP_CONNECTION": "keep-alive"}, "400 Bad Request", b"not a websocket upgrade"),
        (
            {"HTTP_SEC_WEBSOCKET_VERSION": "12"},
            "426 Upgrade Required",
            b"unsupported websocket version",
        ),
        ({"HTTP_SEC_WEBSOCKET_KEY": ""}, "400 Bad Request", b"Sec-WebSocket-Key missing"),
        ({"HTTP_SEC_WEBSOCKET_KEY": "c2hvcnQ="}, "400 Bad Request", b"not 16"),
        ({"HTTP_SEC_WEBSOCKET_EXTENSIONS": "a; x; x"}, "400 Bad Request", b"repeated"),
        ({"eventlet.input": None}, "500 Internal Server Error", b"get_socket"),
    ],
)
def test_refused_handshakes(
    pair: tuple[Any, Any], changes: dict[str, Any], status: str, words: bytes
) -> None:
    a, _ = pair
    responder = Responder()
    body = WebSocketWSGI(never_called)(rfc_environ(a, **changes), responder)
    assert responder.status == status
    assert words in b"".join(body)
    if status.startswith("426"):
        assert ("Sec-WebSocket-Version", "13, 8, 7") in responder.headers


def test_origin_refused_is_403(pair: tuple[Any, Any]) -> None:
    a, _ = pair
    app = WebSocketWSGI.configured(never_called, origin_checker=lambda host, origin: False)
    responder = Responder()
    app(rfc_environ(a), responder)
    assert responder.status == "403 Forbidden"


def test_legacy_refused_unless_supported(pair: tuple[Any, Any]) -> None:
    a, _ = pair
    environ = rfc_environ(a)
    del environ["HTTP_SEC_WEBSOCKET_VERSION"]
    responder = Responder()
    WebSocketWSGI.configured(never_called)(environ, responder)
    assert responder.status == "426 Upgrade Required"


def test_hixie76_handshake(pair: tuple[Any, Any]) -> None:
    a, b = pair
    environ = {
        "PATH_INFO": "/demo",
        "QUERY_STRING": "",
        "HTTP_HOST": "example.com",
        "HTTP_UPGRADE": "WebSocket",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_ORIGIN": "http://example.com",
        "HTTP_SEC_WEBSOCKET_PROTOCOL": "sample",
        "HTTP_SEC_WEBSOCKET_KEY1": "18x 6]8vM;54 *(5:  {   U1]8  z [  8",
        "HTTP_SEC_WEBSOCKET_KEY2": "1_ tx7X d  <  nw  334J702) 7]o}` 0",
        # Half the key came with the head; the rest, and a first message, come later.
        "eventlet.input": FakeInput(a, b"Tm[K"),
    }

    @WebSocketWSGI
    def app(ws: WebSocket) -> None:
        assert type(ws) is WebSocket and ws.version == 76 and ws.protocol == "sample"
        ws.send(ws.wait())

    done = spawn(app, environ, Responder())
    b.sendall(b" T2u\x00ping\xff")
    data = b""
    while not data.endswith(b"\x00ping\xff\xff\x00"):
        chunk = b.recv(4096)
        assert chunk, data
        data += chunk
    assert data == (
        b"HTTP/1.1 101 WebSocket Protocol Handshake\r\n"
        b"Upgrade: WebSocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Origin: http://example.com\r\n"
        b"Sec-WebSocket-Location: ws://example.com/demo\r\n"
        b"Sec-WebSocket-Protocol: sample\r\n"
        b"\r\n"
        b"fQJ,fN/4F4!~K~MH"
        b"\x00ping\xff"
        b"\xff\x00"
    )
    assert done.wait() is ALREADY_HANDLED


def test_handler_error_closes_with_1011_and_propagates(pair: tuple[Any, Any]) -> None:
    a, b = pair

    def broken(ws: Any) -> None:
        raise KeyError("app bug")

    done = spawn(WebSocketWSGI(broken), rfc_environ(a), Responder())
    read_head(b)
    client = RFC6455WebSocket(b, {}, client=True)
    assert client.wait() is None
    assert client.close_code == 1011
    with pytest.raises(KeyError, match="app bug"):
        done.wait()


def test_killed_handler_says_going_away_at_once(pair: tuple[Any, Any]) -> None:
    a, b = pair
    started = Event()

    def forever(ws: Any) -> None:
        started.send(None)
        ws.wait()

    done = spawn(WebSocketWSGI(forever), rfc_environ(a), Responder())
    read_head(b)
    started.wait()
    done.kill()  # GreenletExit inside wait(): no closing handshake to wait for
    client = RFC6455WebSocket(b, {}, client=True)
    assert client.wait() is None
    assert client.close_code == 1001


def test_client_gone_errors_are_swallowed(pair: tuple[Any, Any]) -> None:
    a, b = pair

    def writer(ws: Any) -> None:
        ws.wait()  # returns None: the client went away
        ws.send("nobody is there")  # EPIPE: not an application error

    done = spawn(WebSocketWSGI(writer), rfc_environ(a), Responder())
    read_head(b)
    b.close()
    assert done.wait() is ALREADY_HANDLED


def test_constructor_validation() -> None:
    with pytest.raises(TypeError, match="callable"):
        WebSocketWSGI("nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_frame_length"):
        WebSocketWSGI(never_called, max_frame_length=-5)
    with pytest.raises(TypeError, match="list of names"):
        WebSocketWSGI.configured(never_called, supported_protocols="chat")
    decorator = WebSocketWSGI.configured(supported_protocols=["x"], support_legacy_versions=True)
    app = decorator(never_called)
    assert isinstance(app, WebSocketWSGI)
    assert app.supported_protocols == ["x"] and app.support_legacy_versions
    assert WebSocketWSGI(never_called).support_legacy_versions
    assert WebSocketWSGI(never_called).max_frame_length == 8 * 1024 * 1024


def test_hixie75_handshake(pair: tuple[Any, Any]) -> None:
    a, b = pair
    environ = {
        "PATH_INFO": "/old",
        "QUERY_STRING": "v=75",
        "HTTP_HOST": "example.com",
        "HTTP_UPGRADE": "WebSocket",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_ORIGIN": "http://example.com",
        "eventlet.input": FakeInput(a),
    }
    app = WebSocketWSGI(lambda ws: ws.send(f"v{ws.version}"))
    done = spawn(app, environ, Responder())
    data = b""
    while chunk := b.recv(4096):
        data += chunk
    assert data == (
        b"HTTP/1.1 101 Web Socket Protocol Handshake\r\n"
        b"Upgrade: WebSocket\r\n"
        b"Connection: Upgrade\r\n"
        b"WebSocket-Origin: http://example.com\r\n"
        b"WebSocket-Location: ws://example.com/old?v=75\r\n"
        b"\r\n"
        b"\x00v75\xff"  # hixie-75 has no closing frame
    )
    assert done.wait() is ALREADY_HANDLED
