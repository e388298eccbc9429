"""A non-blocking DNS resolver for green threads, built on dnspython.

It answers like the system (libc) resolver, but a lookup waits on the hub, so the other green
threads run meanwhile:

- :func:`getaddrinfo`, :func:`gethostbyname`, :func:`gethostbyname_ex`, :func:`getnameinfo`,
  :func:`gethostbyaddr`: the ``socket`` module's functions, with the same results and the
  same exceptions (``socket.gaierror`` codes and messages as libc gives them);
- :func:`resolve`: one lookup, returning a ``dns.resolver.Answer``;
- :data:`resolver`: the :class:`ResolverProxy` these functions use; :class:`HostsResolver`
  reads the hosts file; :func:`is_ipv4_addr`, :func:`is_ipv6_addr`, :func:`is_ip_addr`.

The socket functions look up host names through this module's :func:`resolve`, and
addresses through its :data:`resolver`, at call time: a program that replaces either (to add
a cache, say, or in a test) is obeyed.

Lookups read the hosts file first (``/etc/hosts``, re-read when it changes), then ask the
nameservers of ``/etc/resolv.conf`` with its search domains, ``ndots``, ``timeout`` and
``attempts`` options: over UDP, again over TCP when the answer comes back truncated. A packet
from another address or port, with another query id or question, or that does not parse, is
dropped and the wait goes on until the right answer or the timeout: a forged or garbage packet
cannot end a query. The queries go through sockets of the original ``socket`` module, so they
work the same whether or not the program is monkey patched.

dnspython is imported on first use of a name that needs it (a lookup, :data:`resolver`,
:class:`HostsAnswer`, ...), not when this module is: ``eventlet.green.socket`` holds this
module's functions, and a program that resolves nothing never pays for dnspython.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from eventlet.green._getaddrinfo import is_ip_addr, is_ipv4_addr, is_ipv6_addr
from eventlet.support._greendns.errors import (
    EAI_EAGAIN_ERROR,
    EAI_NODATA_ERROR,
    EAI_NONAME_ERROR,
)
from eventlet.support._greendns.sockfuncs import (
    getaddrinfo,
    gethostbyaddr,
    gethostbyname,
    gethostbyname_ex,
    getnameinfo,
)

if TYPE_CHECKING:
    import dns as dns

    from eventlet.support._greendns.hostsfile import HOSTS_FILE as HOSTS_FILE
    from eventlet.support._greendns.hostsfile import HOSTS_TTL as HOSTS_TTL
    from eventlet.support._greendns.hostsfile import HostsAnswer as HostsAnswer
    from eventlet.support._greendns.hostsfile import HostsResolver as HostsResolver
    from eventlet.support._greendns.lookups import getaliases as getaliases
    from eventlet.support._greendns.lookups import resolve as resolve
    from eventlet.support._greendns.lookups import resolve_cname as resolve_cname
    from eventlet.support._greendns.proxy import ResolverProxy as ResolverProxy
    from eventlet.support._greendns.transport import DNS_QUERY_TIMEOUT as DNS_QUERY_TIMEOUT
    from eventlet.support._greendns.transport import tcp as tcp
    from eventlet.support._greendns.transport import udp as udp

    #: The resolver the module's functions use; programs may change its settings.
    resolver: ResolverProxy

__all__ = [
    "DNS_QUERY_TIMEOUT",
    "EAI_EAGAIN_ERROR",
    "EAI_NODATA_ERROR",
    "EAI_NONAME_ERROR",
    "HOSTS_TTL",
    "HostsAnswer",
    "HostsResolver",
    "ResolverProxy",
    "getaddrinfo",
    "getaliases",
    "gethostbyaddr",
    "gethostbyname",
    "gethostbyname_ex",
    "getnameinfo",
    "is_ip_addr",
    "is_ipv4_addr",
    "is_ipv6_addr",
    "resolve",
    "resolve_cname",
    "resolver",
    "tcp",
    "udp",
]

# The names that need dnspython, and the private module each comes from.
_LAZY = {
    "DNS_QUERY_TIMEOUT": "transport",
    "udp": "transport",
    "tcp": "transport",
    "HOSTS_TTL": "hostsfile",
    "HOSTS_FILE": "hostsfile",
    "HostsAnswer": "hostsfile",
    "HostsResolver": "hostsfile",
    "ResolverProxy": "proxy",
    "resolve": "lookups",
    "resolve_cname": "lookups",
    "getaliases": "lookups",
}


def __getattr__(name: str) -> Any:
    # Called only for names not (yet) in the module: each is loaded once, then kept here,
    # where a program may replace it (greendns.resolver = ..., greendns.resolve = ...).
    if name == "resolver":
        proxy_module = importlib.import_module("eventlet.support._greendns.proxy")
        hosts_module = importlib.import_module("eventlet.support._greendns.hostsfile")
        value: Any = proxy_module.ResolverProxy(
            hosts_resolver=hosts_module.HostsResolver(), filename=proxy_module.RESOLV_CONF
        )
        return globals().setdefault(name, value)
    if name == "dns":
        # Upstream's greendns.dns (its green copy of dnspython): here dnspython itself, with
        # the submodules greendns uses loaded. Its own network calls (dns.query, a
        # dns.resolver.Resolver) would block: use udp(), tcp() and resolver instead.
        importlib.import_module("eventlet.support._greendns.lookups")
        return globals().setdefault(name, importlib.import_module("dns"))
    part = _LAZY.get(name)
    if part is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"eventlet.support._greendns.{part}"), name)
    return globals().setdefault(name, value)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"dns", "resolver"})
