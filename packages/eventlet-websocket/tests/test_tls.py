"""wss://: the websocket over TLS, through eventlet.wsgi.server, with a certificate made here."""

from __future__ import annotations

import datetime
import ipaddress
import os
import queue
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.sync.client import connect

from eventlet.convenience import listen, wrap_ssl
from eventlet.green import socket as green_socket
from eventlet.green import ssl as green_ssl
from eventlet.websocket import RFC6455WebSocket, WebSocketWSGI
from eventlet.wsgi import server as wsgi_server


def self_signed(folder: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 signed by its own key: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@WebSocketWSGI
def echo(ws: RFC6455WebSocket) -> None:
    while (message := ws.wait()) is not None:
        ws.send(message)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """An echo websocket server on TLS in its own thread: (port, certificate file)."""
    cert, key = self_signed(tmp_path_factory.mktemp("wss"))
    ready: queue.Queue[Any] = queue.Queue()

    def serve() -> None:
        try:
            sock = wrap_ssl(listen(("127.0.0.1", 0)), certfile=cert, keyfile=key, server_side=True)
        except BaseException as error:
            ready.put(error)
            raise
        ready.put(sock.getsockname()[1])
        with open(os.devnull, "w") as devnull:
            wsgi_server(sock, echo, log=devnull)

    threading.Thread(target=serve, name="wss-test-server", daemon=True).start()
    port = ready.get(timeout=10)
    if isinstance(port, BaseException):
        raise port
    yield port, cert


def test_websockets_client_over_tls(tls_server: tuple[int, str]) -> None:
    port, cert = tls_server
    context = ssl.create_default_context(cafile=cert)
    with connect(f"wss://127.0.0.1:{port}/", ssl=context, proxy=None) as ws:
        messages: list[str | bytes] = ["secure", b"\x00" * 100_000, "é" * 1000]
        for message in messages:
            ws.send(message)
            assert ws.recv() == message
        ws.close(code=4100)


def test_our_client_over_tls(tls_server: tuple[int, str]) -> None:
    port, cert = tls_server
    context = green_ssl.create_default_context(cafile=cert)
    raw = green_socket.create_connection(("127.0.0.1", port))
    sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
    sock.sendall(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101 ")
    ws = RFC6455WebSocket(sock, {}, client=True)
    ws.send("over TLS")
    assert ws.wait() == "over TLS"
    ws.close()
    assert ws.close_code == 1000
