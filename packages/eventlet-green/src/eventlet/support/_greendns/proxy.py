"""The resolver: :class:`ResolverProxy` asks the hosts file, then the nameservers.

It reads a resolv.conf (its nameservers, search domains, ``ndots``, ``timeout``,
``attempts``, ``rotate``, ``edns0`` and ``use-vc`` options), asks over UDP and again over TCP
when the answer comes back truncated, and follows CNAME chains spread over several answers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from typing import Any, cast

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver

from eventlet.green._getaddrinfo import is_ip_addr
from eventlet.support._greendns.dnsutil import (
    AAAA,
    CNAME,
    IN,
    PTR,
    A,
    add_rrset,
    as_dns_name,
    make_response,
    query_name,
)
from eventlet.support._greendns.hostsfile import HostsResolver
from eventlet.support._greendns.resolvconf import RESOLV_CONF, Config, read_resolv_conf
from eventlet.support._greendns.transport import tcp, udp

__all__ = ["ResolverProxy"]

# CNAMEs followed across queries before giving up (dnspython's in-message limit is 16).
_MAX_CNAME_HOPS = 16
_EDNS_PAYLOAD = 1232

_ErrorTuple = tuple[str, bool, int, Any, Any]


def _switch(name: str, doc: str) -> property:
    """A ResolverProxy property for the yes/no setting ``name`` (any value is taken as a bool)."""

    def get(proxy: ResolverProxy) -> bool:
        return bool(getattr(proxy._settings(), name))

    def set_(proxy: ResolverProxy, value: bool) -> None:
        setattr(proxy._settings(), name, bool(value))

    return property(get, set_, doc=doc)


class ResolverProxy:
    """The resolver: the hosts file first, then the nameservers of a resolv.conf.

    ``hosts_resolver`` answers first (None: no hosts file); ``filename`` is the resolv.conf,
    read on first use and again after :meth:`clear`. Its settings can be read and changed
    as attributes: ``nameservers``, ``search``, ``ndots``, ``timeout`` (seconds per try),
    ``attempts`` (rounds over the nameservers), ``rotate``, ``edns0``, ``use_vc`` (TCP
    only), ``port`` and ``nameserver_ports`` (a port per nameserver address).
    """

    def __init__(
        self,
        hosts_resolver: HostsResolver | None = None,
        filename: str | os.PathLike[str] | None = RESOLV_CONF,
    ) -> None:
        if hosts_resolver is not None and not hasattr(hosts_resolver, "query"):
            raise TypeError(
                f"hosts_resolver must be a HostsResolver or None, not {hosts_resolver!r}"
            )
        if filename is not None and not isinstance(filename, (str, os.PathLike)):
            raise TypeError(f"filename must be a path or None, not {type(filename).__name__}")
        self.hosts = hosts_resolver
        self.filename = os.fspath(filename) if filename is not None else None
        self.port = 53
        self.nameserver_ports: dict[str, int] = {}
        self._config: Config | None = None
        self._turn = 0  # where the next query starts with ``rotate``

    @property
    def _hosts(self) -> HostsResolver | None:
        # Upstream's name for the hosts resolver, which some programs reach for.
        return self.hosts

    # The settings, read from the file on first use.

    def _settings(self) -> Config:
        config = self._config
        if config is None:
            config = self._config = read_resolv_conf(self.filename)
        return config

    def clear(self) -> None:
        """Forget the settings (changed ones too): the next lookup reads the file again."""
        self._config = None

    @property
    def nameservers(self) -> list[str]:
        """The nameserver addresses, asked in turn."""
        return self._settings().nameservers

    @nameservers.setter
    def nameservers(self, value: Iterable[str]) -> None:
        servers = list(value) if not isinstance(value, str) else [value]
        bad = [
            server for server in servers if not isinstance(server, str) or not is_ip_addr(server)
        ]
        if bad or not servers:
            raise ValueError(f"nameservers must be a non-empty list of IP addresses, not {value!r}")
        self._settings().nameservers = servers

    @property
    def search(self) -> list[str]:
        """The search domains tried for names with fewer than ``ndots`` dots."""
        return self._settings().search

    @search.setter
    def search(self, value: Iterable[str]) -> None:
        domains = [value] if isinstance(value, str) else list(value)
        if not all(isinstance(domain, str) for domain in domains):
            raise TypeError(f"search must be a list of domain names, not {value!r}")
        self._settings().search = [d.rstrip(".") for d in domains if d.strip(".")]

    @property
    def ndots(self) -> int:
        """Names with at least this many dots are tried as they are before the search list."""
        return self._settings().ndots

    @ndots.setter
    def ndots(self, value: int) -> None:
        self._settings().ndots = _check_int("ndots", value, 0)

    @property
    def timeout(self) -> float:
        """Seconds to wait for each nameserver's answer."""
        return self._settings().timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError(f"timeout must be a number of seconds > 0, not {value!r}")
        self._settings().timeout = float(value)

    @property
    def attempts(self) -> int:
        """How many rounds over the nameservers before giving up."""
        return self._settings().attempts

    @attempts.setter
    def attempts(self, value: int) -> None:
        self._settings().attempts = _check_int("attempts", value, 1)

    rotate = _switch("rotate", "Start each query with the next nameserver rather than the first.")
    edns0 = _switch("edns0", "Send EDNS0, allowing answers larger than 512 bytes over UDP.")
    use_vc = _switch("use_vc", "Ask over TCP only.")

    # Lookups.

    def query(
        self,
        qname: dns.name.Name | str,
        rdtype: dns.rdatatype.RdataType | int | str = A,
        rdclass: dns.rdataclass.RdataClass | int | str = IN,
        tcp: bool = False,
        source: str | None = None,
        raise_on_no_answer: bool = True,
        use_network: bool = True,
    ) -> dns.resolver.Answer:
        """Look ``qname`` up, like ``dns.resolver.Resolver.resolve``, without blocking.

        The hosts file answers A, AAAA, PTR and CNAME questions first. A name without a final dot
        is tried with the search domains (before or after the name as given, by ``ndots``).
        Raises ``dns.resolver.NXDOMAIN``, ``dns.resolver.NoAnswer`` (unless
        ``raise_on_no_answer`` is false), ``dns.resolver.NoNameservers`` when every server
        failed, ``dns.resolver.LifetimeTimeout`` when they did not answer in time.
        ``use_network=False`` asks the hosts file only.
        """
        kind = dns.rdatatype.RdataType.make(rdtype)
        klass = dns.rdataclass.RdataClass.make(rdclass)
        name = query_name(qname)
        if self.hosts is not None and klass == IN and kind in (A, AAAA, PTR, CNAME):
            try:
                hosts_name = as_dns_name(name) if kind == PTR else name
                answer = self.hosts.query(hosts_name, kind, klass, raise_on_no_answer=False)
            except dns.exception.DNSException:
                answer = None
            if answer is not None and answer.rrset:
                return answer
        candidates = self._candidates(name)
        if not use_network:
            raise dns.resolver.NXDOMAIN(qnames=candidates, responses={})
        return self._resolve(candidates, kind, klass, tcp, source, raise_on_no_answer)

    resolve = query

    def _candidates(self, name: str | dns.name.Name) -> list[dns.name.Name]:
        """The names to ask for, in order, as libc's res_search does."""
        if isinstance(name, dns.name.Name) and name.is_absolute():
            return [name]
        text = name if isinstance(name, str) else name.to_text()
        if text.endswith(".") or not text:
            return [dns.name.from_text(text or ".")]
        as_given = dns.name.from_text(text)
        searched = []
        for domain in self.search:
            try:
                searched.append(dns.name.from_text(f"{text}.{domain}"))
            except dns.exception.DNSException:
                continue  # too long with this domain
        if text.count(".") >= self.ndots:
            return [as_given, *searched]
        return [*searched, as_given]

    def _resolve(
        self,
        candidates: Sequence[dns.name.Name],
        rdtype: dns.rdatatype.RdataType,
        rdclass: dns.rdataclass.RdataClass,
        tcp: bool,
        source: str | None,
        raise_on_no_answer: bool,
    ) -> dns.resolver.Answer:
        nxdomain: dict[dns.name.Name, dns.message.QueryMessage] = {}
        no_data: dns.resolver.Answer | None = None
        failure: dns.resolver.NoNameservers | None = None
        for qname in candidates:
            try:
                response, server, port = self._follow_cnames(qname, rdtype, rdclass, tcp, source)
            except dns.resolver.NoNameservers as error:
                failure = error  # a SERVFAIL: the next name may still resolve
                continue
            if response.rcode() == dns.rcode.NXDOMAIN:
                nxdomain[qname] = response
                continue
            try:
                answer = dns.resolver.Answer(qname, rdtype, rdclass, response, server, port)
            except dns.exception.DNSException:
                nxdomain[qname] = response  # an inconsistent answer: no use
                continue
            if answer.rrset is not None:
                return answer
            if no_data is None:
                no_data = answer
        if no_data is not None:
            if raise_on_no_answer:
                raise dns.resolver.NoAnswer(response=no_data.response)
            return no_data
        if failure is not None:
            raise failure
        raise dns.resolver.NXDOMAIN(qnames=list(candidates), responses=nxdomain)

    def _follow_cnames(
        self,
        qname: dns.name.Name,
        rdtype: dns.rdatatype.RdataType,
        rdclass: dns.rdataclass.RdataClass,
        tcp: bool,
        source: str | None,
    ) -> tuple[dns.message.QueryMessage, str, int]:
        """Ask for ``qname``; when the answer is only a CNAME, ask for its target, and on.

        A chain spread over several answers comes back as one message whose answer
        section holds the whole chain, as one server's answer would.
        """
        query = self._make_query(qname, rdtype, rdclass)
        response, server, port = self._exchange(query, tcp, source)
        if rdtype == CNAME or response.rcode() != dns.rcode.NOERROR:
            return response, server, port
        chain = response.resolve_chaining()
        if chain.answer is not None or not chain.cnames:
            return response, server, port
        rrsets = list(response.answer)
        last = response
        seen = {qname}
        for _hop in range(_MAX_CNAME_HOPS):
            target = chain.canonical_name
            if target in seen:
                break  # a loop: the name has no data
            seen.add(target)
            last, server, port = self._exchange(
                self._make_query(target, rdtype, rdclass), tcp, source
            )
            rrsets.extend(rrset for rrset in last.answer if rrset not in rrsets)
            if last.rcode() != dns.rcode.NOERROR:
                break
            chain = last.resolve_chaining()
            if chain.answer is not None or not chain.cnames:
                break
        combined = make_response(query)
        combined.flags = last.flags | dns.flags.QR
        combined.set_rcode(last.rcode())
        for rrset in rrsets:
            add_rrset(combined, combined.answer, rrset)
        for rrset in last.authority:
            add_rrset(combined, combined.authority, rrset)
        return combined, server, port

    def _make_query(
        self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, rdclass: Any
    ) -> dns.message.Message:
        if self.edns0:
            return dns.message.make_query(qname, rdtype, rdclass, use_edns=0, payload=_EDNS_PAYLOAD)
        return dns.message.make_query(qname, rdtype, rdclass)

    def _exchange(
        self, query: dns.message.Message, tcp_only: bool, source: str | None
    ) -> tuple[dns.message.QueryMessage, str, int]:
        """Ask the nameservers in turn, ``attempts`` rounds, for an answer that settles it.

        NOERROR and NXDOMAIN settle; a SERVFAIL, REFUSED, ... or an unreachable server is
        not asked again. Raises NoNameservers if every server failed so, LifetimeTimeout if
        some never answered in time.
        """
        config = self._settings()
        servers = list(config.nameservers)
        if config.rotate and len(servers) > 1:
            start = self._turn % len(servers)
            self._turn += 1
            servers = servers[start:] + servers[:start]
        errors: list[_ErrorTuple] = []
        failed: set[str] = set()
        timed_out = False
        started = time.monotonic()
        for _attempt in range(config.attempts):
            for server in servers:
                if server in failed:
                    continue
                port = self.nameserver_ports.get(server, self.port)
                use_tcp = tcp_only or config.use_vc
                try:
                    if use_tcp:
                        response = tcp(query, server, config.timeout, port, source)
                    else:
                        try:
                            response = udp(
                                query,
                                server,
                                config.timeout,
                                port,
                                source,
                                raise_on_truncation=True,
                            )
                        except dns.message.Truncated:
                            use_tcp = True  # the whole answer needs TCP
                            response = tcp(query, server, config.timeout, port, source)
                except dns.exception.Timeout as error:
                    timed_out = True
                    errors.append((server, use_tcp, port, error, None))
                    continue
                except OSError as error:
                    failed.add(server)
                    errors.append((server, use_tcp, port, error, None))
                    continue
                rcode = response.rcode()
                if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                    # from_wire makes a QueryMessage of an answer to a query.
                    return cast(dns.message.QueryMessage, response), server, port
                failed.add(server)
                errors.append((server, use_tcp, port, dns.rcode.to_text(rcode), response))
            if len(failed) == len(servers):
                break
        if timed_out:
            raise dns.resolver.LifetimeTimeout(timeout=time.monotonic() - started, errors=errors)
        raise dns.resolver.NoNameservers(request=query, errors=errors)

    def getaliases(self, hostname: str) -> list[str]:
        """The other names of ``hostname``: hosts-file aliases, or the names of its CNAMEs."""
        name = query_name(hostname)
        if self.hosts is not None:
            aliases = self.hosts.getaliases(str(name))
            if aliases:
                return aliases
        try:
            answer = self.query(name, CNAME)
        except dns.exception.DNSException:
            return []
        return [rdata.target.to_text(omit_final_dot=True) for rdata in answer]


def _check_int(what: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an int >= {minimum}, not {value!r}")
    return value
