"""Through eventlet.wsgi.server, with real clients: websockets, websocket-client, ours, and a
hixie-76 client made by hand.

The server runs in its own OS thread (with its own hub), so the blocking clients of the test
thread do not stall it.  What handlers observe comes back through a thread-safe queue.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import queue
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import websocket as websocket_client  # the websocket-client distribution
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.sync.client import connect

from eventlet.convenience import listen
from eventlet.green import socket as green_socket
from eventlet.websocket import RFC6455WebSocket, WebSocketWSGI
from eventlet.wsgi import server as wsgi_server


class Observations:
    """What the handlers saw, handed from the server thread to the test thread."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Any] = queue.Queue()

    def put(self, item: Any) -> None:
        self.queue.put_nowait(item)

    def expect(self, item: Any) -> None:
        """Wait for ``item``, skipping what earlier tests' connections reported late."""
        seen: list[Any] = []
        while True:
            try:
                got = self.queue.get(timeout=10)
            except queue.Empty:
                raise AssertionError(f"never saw {item!r}; saw {seen!r}") from None
            if got == item:
                return
            seen.append(got)


def make_site(seen: Observations) -> Any:
    @WebSocketWSGI
    def echo(ws: RFC6455WebSocket) -> None:
        while (message := ws.wait()) is not None:
            ws.send(message)
        # The legacy WebSocket has no close code.
        seen.put(("closed", getattr(ws, "close_code", None), getattr(ws, "close_reason", None)))

    @WebSocketWSGI.configured(supported_protocols=["chat", "json"])
    def info(ws: RFC6455WebSocket) -> None:
        ws.send(json.dumps({"protocol": ws.protocol, "extensions": ws.extensions, "path": ws.path}))
        ws.wait()

    @WebSocketWSGI
    def close_4000(ws: RFC6455WebSocket) -> None:
        ws.close((4000, "go away"))
        seen.put(("closed", ws.close_code, ws.close_reason))

    @WebSocketWSGI
    def boom(ws: RFC6455WebSocket) -> None:
        raise RuntimeError("handler failed on purpose")

    limited = WebSocketWSGI(echo.handler, max_frame_length=1000)
    legacy = WebSocketWSGI.configured(echo.handler, support_legacy_versions=True)

    routes = {
        "/echo": echo,
        "/info": info,
        "/close4000": close_4000,
        "/boom": boom,
        "/limited": limited,
        "/legacy": legacy,
    }

    def site(environ: dict[str, Any], start_response: Any) -> Any:
        app = routes.get(environ["PATH_INFO"])
        if app is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such route\n"]
        return app(environ, start_response)

    return site


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, int, Observations]]:
    """A WSGI server with the routes above, in a thread of its own, for the whole module."""
    seen = Observations()
    ready: queue.Queue[Any] = queue.Queue()

    def serve() -> None:
        try:
            sock = listen(("127.0.0.1", 0))
        except BaseException as error:
            ready.put(error)
            raise
        ready.put(sock.getsockname())
        with open(os.devnull, "w") as devnull:
            wsgi_server(sock, make_site(seen), log=devnull)

    thread = threading.Thread(target=serve, name="websocket-test-server", daemon=True)
    thread.start()
    address = ready.get(timeout=10)
    if isinstance(address, BaseException):
        raise address
    host, port = address
    yield host, port, seen
    # The daemon thread ends with the test process; its hub cannot be stopped from here.


def url(served: tuple[str, int, Any], path: str) -> str:
    return f"ws://{served[0]}:{served[1]}{path}"


def test_websockets_client_echo_with_deflate(served: Any) -> None:
    with connect(url(served, "/echo"), proxy=None) as ws:
        assert ws.response is not None
        assert ws.response.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
        messages: list[str | bytes] = ["hello", "ünïcødé", b"\x00\xff" * 50_000, "", b""]
        for message in messages:
            ws.send(message)
            assert ws.recv() == message
        pong = ws.ping(b"heartbeat")
        assert pong.wait(5)
        ws.close(code=4005, reason="finished")
    served[2].expect(("closed", 4005, "finished"))


def test_websockets_client_without_compression(served: Any) -> None:
    with connect(url(served, "/echo"), proxy=None, compression=None) as ws:
        assert ws.response is not None
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        ws.send("plain")
        assert ws.recv() == "plain"


@pytest.mark.parametrize(
    ("offer", "expected"),
    [
        (
            "permessage-deflate; client_max_window_bits; server_no_context_takeover",
            {"server_no_context_takeover": True, "server_max_window_bits": 15},
        ),
        (
            "permessage-deflate; server_max_window_bits=10; client_no_context_takeover",
            {"server_max_window_bits": 10, "client_no_context_takeover": True},
        ),
    ],
)
def test_deflate_parameters_reach_the_handler(
    served: Any, offer: str, expected: dict[str, Any]
) -> None:
    sock = socket.create_connection(served[:2], timeout=10)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            (
                f"GET /info HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Sec-WebSocket-Protocol: json, chat\r\nSec-WebSocket-Extensions: {offer}\r\n\r\n"
            ).encode()
        )
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101 ")
        assert b"Sec-WebSocket-Protocol: json\r\n" in head
        accept = base64.b64encode(
            hashlib.sha1(key.encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()
        )
        assert b"Sec-WebSocket-Accept: " + accept + b"\r\n" in head
        # Read the one message with our own client, on a green copy of the socket.
        params = {"server_no_context_takeover": "server_no_context_takeover" in offer}
        green = green_socket.socket(fileno=sock.detach())
        client = RFC6455WebSocket(green, {}, client=True, extensions={"permessage-deflate": params})
        message = client.wait()
        assert isinstance(message, str)
        info = json.loads(message)
        assert info["protocol"] == "json" and info["path"] == "/info"
        agreed = info["extensions"]["permessage-deflate"]
        for name, value in expected.items():
            assert agreed[name] == value
        client.close()
    finally:
        sock.close()


def test_server_initiated_close_code(served: Any) -> None:
    with connect(url(served, "/close4000"), proxy=None) as ws:
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv()
    assert caught.value.rcvd is not None
    assert (caught.value.rcvd.code, caught.value.rcvd.reason) == (4000, "go away")
    # The handler saw the client's echo of the close.
    served[2].expect(("closed", 4000, "go away"))


def test_handler_exception_is_1011(served: Any) -> None:
    with connect(url(served, "/boom"), proxy=None) as ws:
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv()
    assert caught.value.rcvd is not None and caught.value.rcvd.code == 1011


def test_max_frame_length_is_1009(served: Any) -> None:
    with connect(url(served, "/limited"), proxy=None) as ws:
        ws.send(b"a" * 1000)
        assert ws.recv() == b"a" * 1000
        ws.send(b"a" * 1001)  # compressed to a few bytes; too big once inflated
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv()
    assert caught.value.rcvd is not None and caught.value.rcvd.code == 1009
    served[2].expect(("closed", 1006, "frame inflates to more than the limit of 1000 bytes"))


def test_invalid_utf8_is_1007(served: Any) -> None:
    with connect(url(served, "/echo"), proxy=None, compression=None) as ws:
        # websockets refuses to send bad UTF-8 as text; send the frame bytes by hand.
        ws.socket.sendall(bytes((0x81, 0x82)) + b"abcd" + bytes((0xFF ^ 0x61, 0xFE ^ 0x62)))
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv()
    assert caught.value.rcvd is not None and caught.value.rcvd.code == 1007
    served[2].expect(("closed", 1006, "text message is not valid UTF-8"))


def test_websocket_client_package(served: Any) -> None:
    ws = websocket_client.create_connection(url(served, "/echo"), timeout=10)
    try:
        ws.send("from websocket-client")
        assert ws.recv() == "from websocket-client"
        ws.send_binary(b"\x01\x02")
        assert ws.recv() == b"\x01\x02"
        ws.ping("p")
        frame = ws.recv_frame()
        assert (frame.opcode, frame.data) == (websocket_client.ABNF.OPCODE_PONG, b"p")
    finally:
        ws.close()


def test_our_client_against_our_server(served: Any) -> None:
    sock = green_socket.create_connection(served[:2])
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
        ).encode()
    )
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += sock.recv(1)
    assert b"Sec-WebSocket-Extensions: permessage-deflate\r\n" in head
    ws = RFC6455WebSocket(sock, {}, client=True, extensions={"permessage-deflate": {}})
    for message in ["one", b"two", "three" * 10_000]:
        ws.send(message)
        assert ws.wait() == message
    ws.close((1001, "going"))
    assert ws.close_code == 1001


def test_hixie76_client_by_hand(served: Any) -> None:
    sock = socket.create_connection(served[:2], timeout=10)
    try:
        sock.sendall(
            b"GET /legacy HTTP/1.1\r\nHost: example.com\r\nUpgrade: WebSocket\r\n"
            b"Connection: Upgrade\r\nOrigin: http://example.com\r\n"
            b"Sec-WebSocket-Key1: 18x 6]8vM;54 *(5:  {   U1]8  z [  8\r\n"
            b"Sec-WebSocket-Key2: 1_ tx7X d  <  nw  334J702) 7]o}` 0\r\n\r\n"
            b"Tm[K T2u"
        )
        data = b""
        while not data.endswith(b"fQJ,fN/4F4!~K~MH"):
            chunk = sock.recv(4096)
            assert chunk, data
            data += chunk
        assert data.startswith(b"HTTP/1.1 101 WebSocket Protocol Handshake\r\n")
        assert b"Sec-WebSocket-Location: ws://example.com/legacy\r\n" in data
        sock.sendall(b"\x00hello hixie\xff")
        reply = b""
        while not reply.endswith(b"\xff"):
            reply += sock.recv(4096)
        assert reply == b"\x00hello hixie\xff"
        sock.sendall(b"\xff\x00")  # the closing handshake
        rest = b""
        while chunk := sock.recv(4096):
            rest += chunk
        assert rest == b"\xff\x00"
    finally:
        sock.close()
    served[2].expect(("closed", None, None))


def test_plain_http_request_to_a_websocket_route_is_400(served: Any) -> None:
    sock = socket.create_connection(served[:2], timeout=10)
    try:
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        assert data.startswith(b"HTTP/1.1 400 ")
        assert data.endswith(b"not a websocket upgrade request")
    finally:
        sock.close()


def test_frames_sent_with_the_handshake_are_not_lost(served: Any) -> None:
    # The server reads the request head with whatever follows it in the same packet.
    sock = socket.create_connection(served[:2], timeout=10)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        mask = b"abcd"
        frames = b"".join(
            bytes((0x81, 0x80 | len(text)))
            + mask
            + bytes(c ^ mask[i % 4] for i, c in enumerate(text))
            for text in (b"first", b"second")
        )
        sock.sendall(
            (
                f"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
            + frames
        )
        expected = b"\x81\x05first\x81\x06second"
        data = b""
        while not data.endswith(expected):
            chunk = sock.recv(4096)
            assert chunk, data
            data += chunk
        assert data.startswith(b"HTTP/1.1 101 ")
        assert data.split(b"\r\n\r\n", 1)[1] == expected
    finally:
        sock.close()


@pytest.mark.parametrize(
    ("options", "answer"),
    [
        ({}, "permessage-deflate"),
        (
            {"server_no_context_takeover": True, "client_no_context_takeover": True},
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        ),
        (
            {"server_max_window_bits": 10, "client_max_window_bits": 11},
            "permessage-deflate; server_max_window_bits=10; client_max_window_bits=11",
        ),
        ({"server_max_window_bits": 9}, "permessage-deflate; server_max_window_bits=9"),
    ],
)
def test_websockets_deflate_parameters(served: Any, options: dict[str, Any], answer: str) -> None:
    factory = ClientPerMessageDeflateFactory(**options)
    with connect(url(served, "/echo"), proxy=None, extensions=[factory], compression=None) as ws:
        assert ws.response is not None
        assert ws.response.headers["Sec-WebSocket-Extensions"] == answer
        text = "the same words again and again; " * 200
        messages: list[str | bytes] = [text, text, os.urandom(3000), text.encode()]
        for message in messages:
            ws.send(message)
            assert ws.recv() == message
