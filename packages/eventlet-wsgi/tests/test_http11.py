"""The HTTP/1.1 state machine (eventlet._http11), byte for byte, with no sockets."""

from __future__ import annotations

import pytest

from eventlet._http11 import (
    FRAME_CHUNKED,
    FRAME_CLOSE,
    FRAME_LENGTH,
    FRAME_NONE,
    HTTPError,
    RequestParser,
    capitalize_header,
    check_headers,
    check_status,
    chunk,
    response_head,
)


def parse(data: bytes, **limits: int) -> tuple[RequestParser, object]:
    parser = RequestParser(**limits)
    parser.feed(data)
    return parser, parser.next_request()


def body_of(parser: RequestParser) -> bytes:
    out = b""
    while True:
        data = parser.read_body()
        assert data is not None, "the body should be complete"
        if not data:
            return out
        out += data


def error_of(data: bytes, **limits: int) -> HTTPError:
    parser = RequestParser(**limits)
    parser.feed(data)
    with pytest.raises(HTTPError) as info:
        if parser.next_request() is not None:
            body_of(parser)
    return info.value


# -- request heads ------------------------------------------------------------------------


def test_simple_get() -> None:
    parser, request = parse(b"GET /a%20b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nX-Thing:  v  \r\n\r\n")
    assert request.method == "GET"
    assert request.target == "/a%20b?x=1&y=2"
    assert request.path == "/a%20b"
    assert request.query == "x=1&y=2"
    assert request.version == "HTTP/1.1"
    assert request.headers == [("Host", "example.com"), ("X-Thing", "v")]
    assert request.host == "example.com"
    assert request.keep_alive is True
    assert request.content_length == 0
    assert parser.read_body() == b""
    assert parser.buffered == 0


def test_head_arriving_byte_by_byte() -> None:
    data = b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
    parser = RequestParser()
    request = None
    for i in range(len(data)):
        parser.feed(data[i : i + 1])
        request = parser.next_request() if request is None else request
        if request is not None:
            break
    assert request is not None and request.content_length == 5
    assert parser.read_body() is None  # no body byte yet
    parser.feed(b"hel")
    assert parser.read_body() == b"hel"
    parser.feed(b"lo")
    assert parser.read_body(1) == b"l"
    assert parser.read_body() == b"o"
    assert parser.read_body() == b""
    assert not parser.in_body


def test_pipelined_requests_come_out_in_order() -> None:
    parser = RequestParser()
    parser.feed(
        b"POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
        b"GET /3 HTTP/1.0\r\n\r\n"
    )
    first = parser.next_request()
    assert first.path == "/1"
    with pytest.raises(RuntimeError):
        parser.next_request()  # the body comes first
    assert body_of(parser) == b"abc"
    assert parser.next_request().path == "/2"
    third = parser.next_request()
    assert third.path == "/3" and third.version == "HTTP/1.0" and third.keep_alive is False
    assert parser.next_request() is None


def test_leading_empty_lines_are_ignored() -> None:
    _, request = parse(b"\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert request.path == "/"


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", False),
        (b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, Close\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
    ],
)
def test_keep_alive(head: bytes, keep_alive: bool) -> None:
    assert parse(head)[1].keep_alive is keep_alive


def test_absolute_form_target() -> None:
    _, request = parse(b"GET http://other.example:8080/path/x?q=1 HTTP/1.1\r\nHost: h\r\n\r\n")
    assert request.path == "/path/x"
    assert request.query == "q=1"
    assert request.host == "other.example:8080"
    _, request = parse(b"GET http://other.example HTTP/1.1\r\nHost: h\r\n\r\n")
    assert request.path == "/"


def test_asterisk_and_authority_forms() -> None:
    assert parse(b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")[1].path == "*"
    assert parse(b"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n")[1].path == "h:443"


def test_underscored_header_names_are_dropped() -> None:
    _, request = parse(b"GET / HTTP/1.1\r\nHost: h\r\nX_Forwarded_For: evil\r\nX-Forwarded-For: good\r\n\r\n")
    assert request.headers == [("Host", "h"), ("X-Forwarded-For", "good")]


def test_expect_continue() -> None:
    assert parse(b"PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n")[1].expect_continue
    # HTTP/1.0 clients do not know 100 Continue.
    assert not parse(b"PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")[1].expect_continue


def test_obs_text_in_values_is_latin1() -> None:
    _, request = parse(b"GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xe9\r\n\r\n")
    assert request.headers[1] == ("X-Name", "caf\xe9")


# -- malformed heads ----------------------------------------------------------------------

BAD_HEADS = [
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400, "more than one Content-Length"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\n", 400, "invalid Content-Length"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n", 400, "invalid Content-Length"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400, "invalid Content-Length"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", 400, "invalid Content-Length"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1_0\r\n\r\n", 400, "invalid Content-Length"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, "invalid Content-Length"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "not chunked last"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, "not chunked last"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "not supported"),
    (b"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\n\r\n", 400, "folding"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX-Bad: a\rb\r\n\r\n", 400, "bare CR"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX-Bad: a\x00b\r\n\r\n", 400, "NUL"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX-Bad : a\r\n\r\n", 400, "whitespace between"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX(Bad): a\r\n\r\n", 400, "invalid header name"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400, "without a colon"),
    (b"GET / HTTP/1.1\r\n\r\n", 400, "without a Host"),
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host"),
    (b"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "not a token"),
    (b"GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400, "malformed request line"),
    (b"GET / HTTP/11\r\nHost: h\r\n\r\n", 400, "malformed request line"),
    (b"GET / http/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line"),
    (b"GET /\r\n\r\n", 400, "malformed request line"),
    (b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line"),
    (b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "not supported"),
    (b"GET / HTTP/3.1\r\nHost: h\r\n\r\n", 505, "not supported"),
    (b"GET nothing HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid request target"),
    (b"GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400, "absolute-form"),
    (b"GET /\xff HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line"),
    (b"GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line"),
    (b"GET / HTTP/1.1\rX\r\nHost: h\r\n\r\n", 400, "malformed request line"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX-Del: a\x7fb\r\n\r\n", 400, "invalid characters in the value"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX-Esc: a\x1bb\r\n\r\n", 400, "invalid characters in the value"),
    (b"GET / HTTP/1.1\r\nHost: h\r\n: empty name\r\n\r\n", 400, "invalid header name"),
    (b"GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\tfolded\r\n\r\n", 400, "folding"),
]


@pytest.mark.parametrize(("data", "status", "words"), BAD_HEADS)
def test_malformed_heads(data: bytes, status: int, words: str) -> None:
    error = error_of(data)
    assert error.status == status
    assert words in error.reason


def test_bare_lf_is_refused_before_the_head_is_complete() -> None:
    # Never waiting forever for a CRLF CRLF that an LF-only client will not send.
    error = error_of(b"GET / HTTP/1.1\nHost: h\n\n")
    assert error.status == 400 and "bare LF" in error.reason


def test_long_target_gets_414() -> None:
    error = error_of(b"GET /" + b"a" * 200 + b" HTTP/1.1\r\nHost: h\r\n\r\n", url_length_limit=100)
    assert error.status == 414
    # Also before the line is complete.
    error = error_of(b"GET /" + b"a" * 200, url_length_limit=100)
    assert error.status == 414


def test_long_header_line_gets_431() -> None:
    error = error_of(b"GET / HTTP/1.1\r\nHost: h\r\nX: " + b"v" * 300 + b"\r\n\r\n", max_header_line=100)
    assert error.status == 431
    error = error_of(b"GET / HTTP/1.1\r\nHost: h\r\nX: " + b"v" * 300, max_header_line=100)
    assert error.status == 431


def test_large_head_gets_431() -> None:
    head = b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X-A: 12345678\r\n" * 100
    assert error_of(head + b"\r\n", max_header_size=1000).status == 431
    assert error_of(head, max_header_size=1000).status == 431
    assert error_of(head + b"\r\n", max_headers=50).status == 431


def test_head_cut_by_eof() -> None:
    parser = RequestParser()
    parser.feed(b"GET / HTTP/1.1\r\nHo")
    assert parser.next_request() is None
    parser.feed(b"")
    with pytest.raises(HTTPError, match="closed in the middle"):
        parser.next_request()


def test_clean_eof_between_requests() -> None:
    parser = RequestParser()
    parser.feed(b"")
    assert parser.next_request() is None and parser.eof


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="url_length_limit"):
        RequestParser(url_length_limit=0)


# -- chunked bodies -----------------------------------------------------------------------


def chunked(body: bytes) -> tuple[RequestParser, object]:
    return parse(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + body)


def test_chunked_body_with_extensions_and_trailers() -> None:
    parser, request = chunked(
        b"5;name=value;quoted=\"a b\"\r\nhello\r\n"
        b"6 ; ext\r\n world\r\n"
        b"0\r\nX-Trailer: dropped\r\nOther: too\r\n\r\n"
        b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n"
    )
    assert request.chunked and request.content_length is None
    assert body_of(parser) == b"hello world"
    assert parser.next_request().path == "/next"


def test_chunked_body_fed_byte_by_byte() -> None:
    parser, _ = chunked(b"")
    data = b"A\r\n0123456789\r\n1\r\nx\r\n0\r\n\r\n"
    out = b""
    for i in range(len(data)):
        parser.feed(data[i : i + 1])
        while True:
            piece = parser.read_body()
            if not piece:
                break
            out += piece
        if piece == b"":
            break
    assert out == b"0123456789x"
    assert not parser.in_body


def test_chunked_size_limited_reads() -> None:
    parser, _ = chunked(b"a\r\n0123456789\r\n0\r\n\r\n")
    assert parser.read_body(4) == b"0123"
    assert parser.read_body(100) == b"456789"
    assert parser.read_body(4) == b""


BAD_CHUNKS = [
    b"+5\r\nhello\r\n0\r\n\r\n",
    b"-5\r\nhello\r\n0\r\n\r\n",
    b"0x5\r\nhello\r\n0\r\n\r\n",
    b"5_0\r\nhello\r\n0\r\n\r\n",
    b" 5\r\nhello\r\n0\r\n\r\n",
    b"\r\nhello\r\n0\r\n\r\n",
    b"g\r\nhello\r\n0\r\n\r\n",
    b"5\nhello\r\n0\r\n\r\n",  # bare LF after the size
    b"5\r\nhelloXY0\r\n\r\n",  # no CRLF after the data
    b"5\r\nhello\n0\r\n\r\n",  # a bare LF after the data
    b"5\r\nhello\r\n0\r\n\n",  # a bare LF ends the trailers
    b"5\r\nhello\r\n0\r\nX: a\n\r\n",  # bare LF in a trailer
    b"5\r\nhello\r\n0\r\nBad Trailer\r\n\r\n",
    b"5;=x\r\nhello\r\n0\r\n\r\n",
    b"5;a=\"unterminated\r\nhello\r\n0\r\n\r\n",
    b"5;a=b c\r\nhello\r\n0\r\n\r\n",
    b"1000000000000000\r\n",  # 16 hex digits: more than any body
    b"5;" + b"e" * 5000 + b"\r\nhello\r\n0\r\n\r\n",  # unbounded extensions
    b"5;" + b"e" * 5000,  # ... even before the line ends
]


@pytest.mark.parametrize("body", BAD_CHUNKS)
def test_malformed_chunked_bodies(body: bytes) -> None:
    parser, _ = chunked(body)
    with pytest.raises(HTTPError) as info:
        body_of(parser)
    assert info.value.status == 400


def test_body_cut_by_eof() -> None:
    parser, _ = parse(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
    assert parser.read_body() == b"abc"
    parser.feed(b"")
    with pytest.raises(HTTPError, match="closed in the middle"):
        parser.read_body()
    parser, _ = chunked(b"5\r\nhel")
    assert parser.read_body() == b"hel"
    parser.feed(b"")
    with pytest.raises(HTTPError, match="closed in the middle"):
        parser.read_body()


# -- responses ----------------------------------------------------------------------------


def test_response_with_known_length() -> None:
    head, framing, keep_alive, length = response_head(
        "200 OK", [("content-type", "text/plain")], "GET", "HTTP/1.1", length=5, date="D"
    )
    assert head == b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nDate: D\r\n\r\n"
    assert (framing, keep_alive, length) == (FRAME_LENGTH, True, 5)


def test_response_chunked_for_http11_unknown_length() -> None:
    head, framing, keep_alive, _ = response_head("200 OK", [], "GET", "HTTP/1.1")
    assert head == b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert framing == FRAME_CHUNKED and keep_alive


def test_response_for_http10_client_closes_without_chunking() -> None:
    head, framing, keep_alive, _ = response_head("200 OK", [], "GET", "HTTP/1.0")
    assert head == b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
    assert framing == FRAME_CLOSE and not keep_alive
    head, framing, keep_alive, _ = response_head("200 OK", [], "GET", "HTTP/1.0", length=0)
    assert head == b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"


def test_response_as_http10_server_never_chunks() -> None:
    head, framing, keep_alive, _ = response_head("200 OK", [], "GET", "HTTP/1.1", server_version="HTTP/1.0")
    assert head == b"HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n"
    assert framing == FRAME_CLOSE and not keep_alive
    head, framing, keep_alive, _ = response_head(
        "200 OK", [], "GET", "HTTP/1.1", length=2, server_version="HTTP/1.0"
    )
    assert head == b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n"
    assert framing == FRAME_LENGTH and keep_alive


@pytest.mark.parametrize("status", ["100 Continue", "204 No Content", "304 Not Modified"])
def test_bodiless_statuses_have_no_framing_headers(status: str) -> None:
    head, framing, _, _ = response_head(
        status, [("Content-Length", "4"), ("Transfer-Encoding", "chunked"), ("ETag", "x")], "GET", "HTTP/1.1", length=4
    )
    assert head == f"HTTP/1.1 {status}\r\nEtag: x\r\n\r\n".encode()
    assert framing == FRAME_NONE


def test_head_response_keeps_length_but_has_no_body() -> None:
    head, framing, keep_alive, _ = response_head("200 OK", [], "HEAD", "HTTP/1.1", length=12)
    assert head == b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"
    assert framing == FRAME_NONE and keep_alive
    head, framing, keep_alive, _ = response_head("200 OK", [], "HEAD", "HTTP/1.1")
    assert head == b"HTTP/1.1 200 OK\r\n\r\n" and framing == FRAME_NONE and keep_alive


def test_application_connection_and_transfer_encoding_are_replaced() -> None:
    head, framing, keep_alive, _ = response_head(
        "200 OK", [("Connection", "close"), ("Transfer-Encoding", "chunked")], "GET", "HTTP/1.1", length=1
    )
    assert head == b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n"
    assert not keep_alive and framing == FRAME_LENGTH


def test_header_names_as_given_without_capitalize() -> None:
    head, *_ = response_head("200 OK", [("x-lower", "v")], "GET", "HTTP/1.1", length=0, capitalize=False)
    assert b"\r\nx-lower: v\r\n" in head
    assert capitalize_header("x-www-AUTH") == "X-Www-Auth"


def test_check_status_and_headers() -> None:
    assert check_status("404 Not Found") == 404
    for bad in ("200", "20 OK", "200 OK\r\nX: y", "OK 200", "099 Low"):
        with pytest.raises(ValueError):
            check_status(bad)
    with pytest.raises(TypeError):
        check_status(200)
    check_headers([("X-Ok", "fine value")])
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        check_headers([("X-Bad", "a\r\nSet-Cookie: x")])
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        check_headers([("X-Bad", "a\nb")])
    with pytest.raises(ValueError, match="invalid response header name"):
        check_headers([("X Bad", "v")])
    with pytest.raises(TypeError):
        check_headers([("X", b"bytes")])
    with pytest.raises(TypeError):
        check_headers((("X", "v"),))
    with pytest.raises(ValueError, match="latin-1"):
        check_headers([("X", "snowman \u2603")])


def test_chunk() -> None:
    assert chunk(b"hello world!") == b"c\r\nhello world!\r\n"


# -- split invariance: however the bytes arrive, the same requests and bodies come out -------

PIPELINE = (
    b"\r\nPOST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"
    b"PUT /b?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n"
    b"GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    b"DELETE http://other/d HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
)
EXPECTED = [("POST", "/a", b"hello world"), ("PUT", "/b", b"abc0123456789abcdef"), ("GET", "/c", b""), ("DELETE", "/d", b"")]


def run_split(data: bytes, cuts: list[int], read_size: int) -> list[tuple[str, str, bytes]]:
    parser = RequestParser()
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    out: list[tuple[str, str, bytes]] = []
    request = None
    body = b""
    for piece in pieces:
        parser.feed(piece)
        while True:
            if request is None:
                request = parser.next_request()
                if request is None:
                    break
                body = b""
            chunk_ = parser.read_body(read_size)
            if chunk_ is None:
                break
            if chunk_:
                body += chunk_
                continue
            out.append((request.method, request.path, body))
            request = None
    return out


@pytest.mark.parametrize("seed", range(40))
def test_any_split_gives_the_same_requests(seed: int) -> None:
    import random

    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(PIPELINE)), rng.randint(1, 30)))
    assert run_split(PIPELINE, cuts, rng.choice([-1, 1, 2, 7, 100])) == EXPECTED


def test_byte_by_byte_split() -> None:
    assert run_split(PIPELINE, list(range(1, len(PIPELINE))), 1) == EXPECTED
