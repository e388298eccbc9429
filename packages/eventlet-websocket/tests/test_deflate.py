"""permessage-deflate (RFC 7692): negotiation, context takeover, window sizes."""

from __future__ import annotations

from typing import Any

import pytest

from eventlet._websocket_deflate import (
    DeflateParams,
    MessageDeflater,
    MessageInflater,
    format_extensions,
    negotiate,
    parse_extensions,
)


def test_parse_extensions() -> None:
    header = 'permessage-deflate; client_max_window_bits, x-webkit; a="1" ; b=2, permessage-deflate'
    assert parse_extensions(header) == [
        ("permessage-deflate", {"client_max_window_bits": True}),
        ("x-webkit", {"a": "1", "b": "2"}),
        ("permessage-deflate", {}),
    ]


@pytest.mark.parametrize(
    ("header", "words"),
    [("a; ;b", "empty parameter"), ("a; x; x", "repeated"), ("; x", "without a name")],
)
def test_parse_extensions_refuses_malformed_headers(header: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_extensions(header)


def test_format_extensions_round_trips() -> None:
    offers = [
        ("permessage-deflate", {"server_no_context_takeover": True, "server_max_window_bits": "10"})
    ]
    text = format_extensions(offers)  # type: ignore[arg-type]
    assert text == "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
    assert parse_extensions(text) == offers


def answer(header: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    agreed = negotiate(parse_extensions(header))
    if agreed is None:
        return None
    params, response = agreed
    return params.as_dict(), dict(response)


def test_plain_offer() -> None:
    params, response = answer("permessage-deflate")  # type: ignore[misc]
    assert response == {}
    assert params == {
        "server_no_context_takeover": False,
        "client_no_context_takeover": False,
        "server_max_window_bits": 15,
        "client_max_window_bits": 15,
    }


def test_offer_with_every_parameter() -> None:
    params, response = answer(  # type: ignore[misc]
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=10; client_max_window_bits=12"
    )
    assert params == {
        "server_no_context_takeover": True,
        "client_no_context_takeover": True,
        "server_max_window_bits": 10,
        "client_max_window_bits": 12,
    }
    assert response == {
        "server_no_context_takeover": True,
        "client_no_context_takeover": True,
        "server_max_window_bits": "10",
        "client_max_window_bits": "12",
    }


def test_bare_client_max_window_bits_is_not_answered() -> None:
    # The client says it could honour a limit; we set none, so the answer leaves it out.
    params, response = answer("permessage-deflate; client_max_window_bits")  # type: ignore[misc]
    assert response == {}
    assert params["client_max_window_bits"] == 15


def test_first_acceptable_offer_wins() -> None:
    params, response = answer(  # type: ignore[misc]
        "x-unknown, permessage-deflate; server_max_window_bits=8, "
        "permessage-deflate; bogus_param, permessage-deflate; server_max_window_bits=9"
    )
    assert params["server_max_window_bits"] == 9
    assert response == {"server_max_window_bits": "9"}


@pytest.mark.parametrize(
    "header",
    [
        "x-other",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=8",  # zlib cannot compress with 8 bits
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; client_max_window_bits=abc",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; unknown",
    ],
)
def test_declined_offers(header: str) -> None:
    assert answer(header) is None


def test_params_validation() -> None:
    with pytest.raises(ValueError, match="server_max_window_bits must be 8 to 15"):
        DeflateParams(server_max_window_bits=16)
    with pytest.raises(ValueError, match="unknown permessage-deflate parameters"):
        DeflateParams.from_mapping({"nope": True})


def test_rfc7692_examples_with_context_takeover() -> None:
    deflater = MessageDeflater()
    assert deflater.compress(b"Hello") == bytes.fromhex("f248cdc9c90700")
    # The second "Hello" refers back to the first (section 7.2.3.2).
    assert deflater.compress(b"Hello") == bytes.fromhex("f200110000")
    inflater = MessageInflater()
    assert inflater.inflate(bytes.fromhex("f248cdc9c90700"), True) == b"Hello"
    assert inflater.inflate(bytes.fromhex("f200110000"), True) == b"Hello"


def test_no_context_takeover_compresses_each_message_alone() -> None:
    deflater = MessageDeflater(no_context_takeover=True)
    first = deflater.compress(b"Hello")
    assert deflater.compress(b"Hello") == first == bytes.fromhex("f248cdc9c90700")
    # So an inflater that forgets between messages reads them all.
    inflater = MessageInflater(no_context_takeover=True)
    assert inflater.inflate(first, True) == b"Hello"
    assert inflater.inflate(first, True) == b"Hello"


def test_inflater_without_takeover_cannot_read_a_back_reference() -> None:
    deflater = MessageDeflater()
    deflater.compress(b"Hello world, hello world")
    second = deflater.compress(b"Hello world, hello world")
    inflater = MessageInflater(no_context_takeover=True)
    with pytest.raises(Exception, match="deflate"):
        inflater.inflate(second, True)


def test_empty_message_is_one_zero_byte() -> None:
    assert MessageDeflater().compress(b"") == b"\x00"
    assert MessageInflater().inflate(b"\x00", True) == b""


@pytest.mark.parametrize("bits", [9, 10, 12, 15])
def test_small_windows_round_trip(bits: int) -> None:
    data = bytes(range(256)) * 40 + b"tail" * 1000
    deflater = MessageDeflater(window_bits=bits)
    inflater = MessageInflater(window_bits=bits)
    for _ in range(3):
        assert inflater.inflate(deflater.compress(data), True) == data
