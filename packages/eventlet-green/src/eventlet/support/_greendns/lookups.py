"""One lookup through the module's resolver: :func:`resolve`, :func:`resolve_cname`,
:func:`getaliases`, with dnspython's errors turned into ``socket.gaierror``."""

from __future__ import annotations

import dns.exception
import dns.resolver

from eventlet.green._getaddrinfo import c_socket as _socket
from eventlet.support._greendns import face
from eventlet.support._greendns.dnsutil import AAAA, CNAME, IN, A, as_dns_name, query_name
from eventlet.support._greendns.errors import gaierror, gaierror_for
from eventlet.support._greendns.hostsfile import HostsAnswer
from eventlet.support._greendns.proxy import ResolverProxy

__all__ = ["getaliases", "resolve", "resolve_cname"]

_RDTYPE_OF_FAMILY = {_socket.AF_INET: A, _socket.AF_INET6: AAAA}


def resolve(
    name: str,
    family: int = _socket.AF_INET,
    raises: bool = True,
    _proxy: ResolverProxy | None = None,
    use_network: bool = True,
) -> dns.resolver.Answer:
    """The A (``AF_INET``) or AAAA (``AF_INET6``) records of ``name``, hosts file first.

    Asks ``greendns.resolver`` (or ``_proxy``); ``use_network=False`` asks the hosts file
    only. Returns a ``dns.resolver.Answer``. Raises ``socket.gaierror``: EAI_NONAME when the
    name does not exist or has no such records (with ``raises=False``, an answer with no
    records is returned instead), EAI_AGAIN when the nameservers fail or time out,
    EAI_FAMILY for another family.
    """
    rdtype = _RDTYPE_OF_FAMILY.get(family)
    if rdtype is None:
        raise gaierror(_socket.EAI_FAMILY)
    proxy = face().resolver if _proxy is None else _proxy
    try:
        answer: dns.resolver.Answer = proxy.query(
            name, rdtype, raise_on_no_answer=raises, use_network=use_network
        )
        return answer
    except dns.resolver.NXDOMAIN as error:
        if raises:
            raise gaierror_for(error) from None
        return HostsAnswer(as_dns_name(query_name(name)), rdtype, IN, None, False)
    except dns.exception.DNSException as error:
        raise gaierror_for(error) from None


def resolve_cname(host: str) -> str:
    """The canonical name of ``host``: the end of its CNAME chain (``host`` itself if none)."""
    try:
        answer = face().resolver.query(host, CNAME)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return host
    except dns.exception.DNSException as error:
        raise gaierror_for(error) from None
    return str(answer[0].target.to_text(omit_final_dot=True))


def getaliases(host: str) -> list[str]:
    """The other names of ``host`` (hosts-file aliases or CNAME names); [] on any failure."""
    try:
        return list(face().resolver.getaliases(host))
    except (dns.exception.DNSException, ValueError):
        return []
