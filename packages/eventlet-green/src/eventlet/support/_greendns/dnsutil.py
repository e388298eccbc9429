"""Small dnspython helpers shared by the hosts file, the transport and the resolver."""

from __future__ import annotations

from typing import Any, cast

import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from eventlet.green._getaddrinfo import as_text

__all__ = [
    "A",
    "AAAA",
    "CNAME",
    "IN",
    "PTR",
    "add_rrset",
    "as_dns_name",
    "make_response",
    "query_name",
]

A = dns.rdatatype.A
AAAA = dns.rdatatype.AAAA
PTR = dns.rdatatype.PTR
CNAME = dns.rdatatype.CNAME
IN = dns.rdataclass.IN


def add_rrset(message: dns.message.Message, section: Any, rrset: dns.rrset.RRset) -> None:
    """Add ``rrset`` to a section of ``message`` through its index, where lookups find it."""
    found = message.find_rrset(
        section, rrset.name, rrset.rdclass, rrset.rdtype, rrset.covers, create=True
    )
    found.update(rrset)


def make_response(query: dns.message.Message) -> dns.message.QueryMessage:
    """An empty response to ``query``."""
    return cast(dns.message.QueryMessage, dns.message.make_response(query))


def as_dns_name(qname: Any) -> dns.name.Name:
    """``qname`` (str, bytes or Name) as a ``dns.name.Name``."""
    if isinstance(qname, dns.name.Name):
        return qname
    if isinstance(qname, (str, bytes)):
        return dns.name.from_text(qname)
    raise TypeError(f"a DNS name must be str, bytes or dns.name.Name, not {type(qname).__name__}")


def query_name(qname: Any) -> Any:
    """``qname`` as str (IDNA-encoded, as the socket module encodes host names) or Name."""
    if isinstance(qname, dns.name.Name):
        return qname
    if isinstance(qname, str):
        return qname.encode("idna").decode("ascii")
    if isinstance(qname, (bytes, bytearray)):
        text = as_text(qname)
        if text is None:
            raise ValueError(f"a host name must be ASCII, not {qname!r}")
        return text
    raise TypeError(f"a host name must be str or bytes, not {type(qname).__name__}")
