"""A WSGI server process for the tests: ``python wsgi_testserver.py '<json options>'``.

It prints ``PORT <n>`` once listening, serves the application below with the options given
(passed to ``eventlet.wsgi.server``; ``certfile``/``keyfile`` make it a TLS server) and prints
``STOPPED`` when ``server()`` returns. ``GET /shutdown?timeout=S`` starts a graceful shutdown.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from urllib.parse import parse_qs

from eventlet import wsgi
from eventlet.convenience import listen, wrap_ssl
from eventlet.event import Event
from eventlet.greenthread import spawn

SERVER: list[wsgi.Server] = []
POSTHOOK_CALLS: list[str] = []


def _json(start_response, data, status="200 OK"):
    body = json.dumps(data).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def app(environ, start_response):
    path = environ["PATH_INFO"]
    query = {k: v[0] for k, v in parse_qs(environ["QUERY_STRING"]).items()}
    body_in = environ["wsgi.input"]
    if path == "/":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]
    if path == "/echo":
        data = body_in.read()
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [data]
    if path == "/read":
        # read(n) pieces, to check partial reads
        size = int(query.get("n", "3"))
        parts = []
        while True:
            piece = body_in.read(size)
            if not piece:
                break
            parts.append(piece.decode("latin-1"))
        return _json(start_response, parts)
    if path == "/lines":
        return _json(start_response, [line.decode("latin-1") for line in body_in.readlines()])
    if path == "/iter":
        return _json(start_response, [line.decode("latin-1") for line in body_in])
    if path == "/continue":
        body_in.set_hundred_continue_response_headers([("x-extra", "yes")])
        return _json(start_response, body_in.read().decode())
    if path.startswith("/env"):
        keys = {k: v for k, v in environ.items() if isinstance(v, str)}
        keys["has_eventlet_input"] = environ["eventlet.input"] is body_in
        keys["has_socket"] = hasattr(body_in.get_socket(), "recv")
        return _json(start_response, keys)
    if path == "/gen":
        start_response("200 OK", [("Content-Type", "text/plain")])
        count = int(query.get("n", "3"))
        environ["eventlet.minimum_write_chunk_size"] = 0

        def pieces():
            for i in range(count):
                yield f"piece{i};".encode()

        return pieces()
    if path == "/write":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written;")
        return [b"returned"]
    if path == "/status":
        code = query.get("code", "204")
        start_response(f"{code} Whatever", [("Content-Length", "4"), ("X-Status", code)])
        return [b"body"]
    if path == "/inject":
        start_response("200 OK", [("X-Bad", "a\r\nSet-Cookie: evil=1")])
        return [b"never"]
    if path == "/boom":
        raise RuntimeError("the application failed on purpose")
    if path == "/noread":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"unread"]
    if path == "/file":
        handle = tempfile.TemporaryFile()
        handle.write(b"0123456789" * 1000)
        handle.seek(0)
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](handle)
    if path == "/posthook":
        environ["eventlet.posthooks"].append((lambda env, tag: POSTHOOK_CALLS.append(tag), ("hooked",), {}))
        start_response("200 OK", [])
        return [b"ok"]
    if path == "/posthooks":
        return _json(start_response, POSTHOOK_CALLS)
    if path == "/takeover":
        sock = environ["eventlet.input"].get_socket()
        sock.sendall(b"RAW TAKEOVER\n")
        environ["eventlet.set_idle"]()
        return wsgi.ALREADY_HANDLED
    if path == "/bigbody":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [b"x" * (int(query.get("mb", "4")) * 1024 * 1024)]
    if path == "/shutdown":
        timeout = query.get("timeout")
        spawn(SERVER[0].shutdown, None if timeout is None else float(timeout))
        start_response("200 OK", [])
        return [b"stopping"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


class CustomProtocol(wsgi.HttpProtocol):
    """What swift and oslo do: override request handling, the environ and the log."""

    requests_seen = 0

    def handle_one_request(self) -> None:
        CustomProtocol.requests_seen += 1
        super().handle_one_request()

    def _read_request_line(self) -> bytes:
        # swift's override: the state moves to "request" once a request line arrived.
        line = super()._read_request_line()
        if line:
            self.conn_state[2] = wsgi.STATE_REQUEST
            self.seen_line = line
        return line

    def get_environ(self) -> dict:
        environ = super().get_environ()
        environ["custom.seen"] = str(CustomProtocol.requests_seen)
        environ["custom.command"] = self.command
        environ["custom.raw_requestline"] = self.raw_requestline.decode("latin-1")
        environ["custom.header"] = self.headers.get("X-Custom", "")
        return environ

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write("CUSTOM LOG " + (format % args) + "\n")

    def log_request(self, status_code: str, body_length: int, wall_seconds: float) -> None:
        self.log_message("%s %s %s", self.requestline, status_code, body_length)


def main() -> None:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    if options.pop("custom_protocol", False):
        options["protocol"] = CustomProtocol
    certfile = options.pop("certfile", None)
    keyfile = options.pop("keyfile", None)
    sock = listen(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if certfile:
        sock = wrap_ssl(sock, certfile=certfile, keyfile=keyfile, server_side=True)
    options.setdefault("log", sys.stderr)
    if options.pop("serve_in_main", False):
        # As a program's last line does: Ctrl-C then arrives inside server().
        print(f"PORT {port}", flush=True)
        wsgi.server(sock, app, **options)
        print("STOPPED", flush=True)
        os._exit(0)
    event = Event()
    thread = spawn(wsgi.server, sock, app, server_event=event, **options)
    SERVER.append(event.wait())
    print(f"PORT {port}", flush=True)
    thread.wait()
    print("STOPPED", flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
