"""greendns as programs written for upstream Eventlet 0.41 use it (public API only).

They replace ``greendns.resolve`` or ``greendns.resolver`` (to add a cache, a custom
resolver, or a stub in their tests), build ``HostsAnswer`` objects themselves, and rely on
``eventlet.green.socket``'s functions being greendns's own. Nothing here leaves the machine:
the stubs answer, or the test's own hosts file does.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import dns.exception
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.PTR
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.resolver
import dns.reversename
import dns.rrset
import pytest

from eventlet.green import socket as green_socket
from eventlet.support import greendns


class StubResolve:
    """A stand-in for ``greendns.resolve`` answering from a dict; it records its calls."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, int], dns.rrset.RRset] = {}
        self.calls: list[tuple[str, int, bool]] = []

    def add(self, name: str, address: str) -> None:
        if ":" in address:
            family, rdata = (
                socket.AF_INET6,
                dns.rdtypes.IN.AAAA.AAAA(dns.rdataclass.IN, dns.rdatatype.AAAA, address),
            )
        else:
            family, rdata = (
                socket.AF_INET,
                dns.rdtypes.IN.A.A(dns.rdataclass.IN, dns.rdatatype.A, address),
            )
        rrset = self.records.setdefault(
            (name, family), dns.rrset.RRset(dns.name.from_text(name), rdata.rdclass, rdata.rdtype)
        )
        rrset.add(rdata)

    def __call__(
        self,
        name: str,
        family: int = socket.AF_INET,
        raises: bool = True,
        _proxy: Any = None,
        use_network: bool = True,
    ) -> Any:
        self.calls.append((name, family, use_network))
        rrset = self.records.get((name, family))
        rdtype = dns.rdatatype.A if family == socket.AF_INET else dns.rdatatype.AAAA
        return greendns.HostsAnswer(dns.name.from_text(name), rdtype, 1, rrset, raises)


class StubResolver:
    """A stand-in for ``greendns.resolver``: PTR answers from a dict, as upstream tests do."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.queries: list[tuple[str, int]] = []

    def query(self, qname: Any, rdtype: Any = dns.rdatatype.A, *args: Any, **kwargs: Any) -> Any:
        self.queries.append((str(qname), int(rdtype)))
        if rdtype == dns.rdatatype.PTR:
            address = dns.reversename.to_address(qname)
            target = self.names.get(address)
            if target is None:
                raise dns.resolver.NXDOMAIN()
            rdata = dns.rdtypes.ANY.PTR.PTR(
                dns.rdataclass.IN, dns.rdatatype.PTR, dns.name.from_text(target)
            )
            return greendns.HostsAnswer(qname, rdtype, dns.rdataclass.IN, [rdata], False)
        raise dns.resolver.NoAnswer()

    def getaliases(self, hostname: str) -> list[str]:
        return []


@pytest.fixture
def stub_resolve(monkeypatch: pytest.MonkeyPatch) -> StubResolve:
    stub = StubResolve()
    monkeypatch.setattr(greendns, "resolve", stub)
    return stub


def test_socket_functions_are_greendns_own() -> None:
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "getnameinfo"):
        assert getattr(green_socket, name) is getattr(greendns, name), name


def test_a_replaced_resolve_answers_every_function(stub_resolve: StubResolve) -> None:
    stub_resolve.add("example.invalid", "192.0.2.7")
    stub_resolve.add("example.invalid", "192.0.2.8")
    stub_resolve.add("example.invalid", "2001:db8::7")
    assert greendns.gethostbyname("example.invalid") == "192.0.2.7"
    assert green_socket.gethostbyname("example.invalid") == "192.0.2.7"
    assert greendns.gethostbyname_ex("example.invalid") == (
        "example.invalid",
        [],
        ["192.0.2.7", "192.0.2.8"],
    )
    infos = green_socket.getaddrinfo("example.invalid", 80, 0, socket.SOCK_STREAM)
    assert [info[4][0] for info in infos] == ["2001:db8::7", "192.0.2.7", "192.0.2.8"]
    assert infos[0][:3] == (socket.AF_INET6, socket.SOCK_STREAM, 6)
    # As upstream asks: the hosts file alone first (use_network=False), both families.
    assert stub_resolve.calls[-2:] == [
        ("example.invalid", socket.AF_INET6, False),
        ("example.invalid", socket.AF_INET, False),
    ]


def test_a_replaced_resolve_with_no_answer(stub_resolve: StubResolve) -> None:
    with pytest.raises(socket.gaierror) as info:
        greendns.getaddrinfo("nothing.invalid", 80)
    assert info.value.errno == socket.EAI_NONAME
    with pytest.raises(socket.gaierror) as info:
        green_socket.gethostbyname("nothing.invalid")
    assert info.value.errno == socket.EAI_NONAME
    # Network lookups were asked for too, each family once.
    assert ("nothing.invalid", socket.AF_INET6, True) in stub_resolve.calls
    assert ("nothing.invalid", socket.AF_INET, True) in stub_resolve.calls


def test_a_caching_resolve_wrapped_around_the_original(monkeypatch: pytest.MonkeyPatch) -> None:
    # A program adds a cache by wrapping greendns.resolve; lookups go through it.
    original = greendns.resolve
    cache: dict[tuple[str, int], Any] = {}
    misses: list[str] = []

    def cached(name: str, family: int = socket.AF_INET, raises: bool = True, **kw: Any) -> Any:
        key = (name, family)
        if key not in cache:
            misses.append(name)
            cache[key] = original(name, family, raises, **kw)
        return cache[key]

    monkeypatch.setattr(greendns, "resolve", cached)
    assert green_socket.gethostbyname("localhost") == "127.0.0.1"
    assert green_socket.gethostbyname("localhost") == "127.0.0.1"
    assert misses == ["localhost"]


def test_a_replaced_resolver_answers_getnameinfo_and_resolve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stub = StubResolver({"192.0.2.9": "nine.example.invalid"})
    monkeypatch.setattr(greendns, "resolver", stub)
    assert greendns.getnameinfo(("192.0.2.9", 80), 0) == ("nine.example.invalid", "http")
    assert green_socket.getnameinfo(("192.0.2.9", 80), socket.NI_NUMERICSERV) == (
        "nine.example.invalid",
        "80",
    )
    assert greendns.gethostbyaddr("192.0.2.9") == ("nine.example.invalid", [], ["192.0.2.9"])
    # No name for the address: the number, or with NI_NAMEREQD an error.
    assert greendns.getnameinfo(("192.0.2.10", 80), socket.NI_NUMERICSERV) == ("192.0.2.10", "80")
    with pytest.raises(socket.gaierror) as info:
        greendns.getnameinfo(("192.0.2.10", 80), socket.NI_NAMEREQD)
    assert info.value.errno == socket.EAI_NONAME
    assert [rdtype for _, rdtype in stub.queries] == [dns.rdatatype.PTR] * 5
    # resolve() asks the module's resolver too.
    with pytest.raises(socket.gaierror):
        greendns.resolve("anything.invalid")
    assert stub.queries[-1] == ("anything.invalid", dns.rdatatype.A)


def test_hosts_answer_as_upstream_builds_it() -> None:
    name = dns.name.from_text("host.invalid")
    rrset = dns.rrset.from_text(name, 10, "IN", "A", "192.0.2.1")
    answer = greendns.HostsAnswer(name, dns.rdatatype.A, dns.rdataclass.IN, rrset)
    assert answer.response is None
    assert answer.qname == name and answer.canonical_name == name
    assert answer.rdtype == dns.rdatatype.A and answer.rdclass == dns.rdataclass.IN
    assert answer.rrset is rrset and [r.address for r in answer] == ["192.0.2.1"]
    assert answer[0].address == "192.0.2.1" and len(answer) == 1
    assert answer.expiration > 0
    assert isinstance(answer, dns.resolver.Answer)
    with pytest.raises(dns.resolver.NoAnswer):
        greendns.HostsAnswer(name, dns.rdatatype.A, dns.rdataclass.IN, None)
    with pytest.raises(dns.resolver.NoAnswer):
        greendns.HostsAnswer(name, dns.rdatatype.A, dns.rdataclass.IN, dns.rrset.RRset(name, 1, 1))
    empty = greendns.HostsAnswer(name, dns.rdatatype.A, dns.rdataclass.IN, None, False)
    assert isinstance(empty.rrset, dns.rrset.RRset) and len(empty.rrset) == 0
    assert len(empty) == 0 and list(empty) == [] and empty.response is None
    # Upstream's tests pass a str name and a list of records: both are taken.
    listed = greendns.HostsAnswer("foo", 1, 1, ["record"], False)
    assert listed.qname == dns.name.from_text("foo") and listed[0] == "record"


@pytest.fixture
def hosts_file(tmp_path: Path) -> Path:
    path = tmp_path / "hosts"
    path.write_text(
        "192.0.2.30 main.invalid alias.invalid other\n"
        "fe80::1%lo linklocal.invalid\n"
        "fe80::2 main.invalid\n"
        "2001:db8::30 main.invalid\n"
    )
    return path


def test_hosts_cname_for_an_alias_answers_the_official_name(hosts_file: Path) -> None:
    hosts = greendns.HostsResolver(hosts_file, interval=0)
    answer = hosts.query("alias.invalid", dns.rdatatype.CNAME)
    assert answer.response is None
    assert answer.qname == dns.name.from_text("alias.invalid")
    assert [r.target.to_text() for r in answer] == ["main.invalid."]
    with pytest.raises(dns.resolver.NoAnswer):
        hosts.query("main.invalid", dns.rdatatype.CNAME)  # the official name is no alias
    proxy = greendns.ResolverProxy(hosts, filename=None)
    assert proxy.query("other", "CNAME")[0].target == dns.name.from_text("main.invalid")


def test_resolve_cname_through_a_replaced_resolver(
    hosts_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = greendns.ResolverProxy(greendns.HostsResolver(hosts_file, interval=0), filename=None)
    monkeypatch.setattr(greendns, "resolver", proxy)
    assert greendns.resolve_cname("alias.invalid") == "main.invalid"
    assert greendns.getaliases("main.invalid") == ["alias.invalid", "other"]
    got = greendns.getaddrinfo("alias.invalid", 80, socket.AF_INET, 0, 0, socket.AI_CANONNAME)
    assert got[0][3] == "main.invalid"


def test_link_local_hosts_entries_are_skipped(
    hosts_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hosts = greendns.HostsResolver(hosts_file, interval=0)
    assert hosts.lookup("linklocal.invalid", socket.AF_INET6) == []
    assert hosts.lookup("main.invalid", socket.AF_INET6) == ["2001:db8::30"]
    proxy = greendns.ResolverProxy(hosts, filename=None)
    monkeypatch.setattr(greendns, "resolver", proxy)
    answer = greendns.resolve("main.invalid", socket.AF_INET6, use_network=False)
    assert [r.address for r in answer] == ["2001:db8::30"]
    empty = greendns.resolve("linklocal.invalid", socket.AF_INET6, False, use_network=False)
    assert len(empty) == 0


def test_dns_attribute_is_dnspython() -> None:
    # Upstream exposes its dnspython as greendns.dns; code catches its exceptions by it.
    assert greendns.dns.exception.Timeout is dns.exception.Timeout
    assert greendns.dns.resolver.NoAnswer is dns.resolver.NoAnswer
    assert "dns" in dir(greendns) and "resolver" in dir(greendns)


def test_error_instances_upstream_compares_with() -> None:
    assert isinstance(greendns.EAI_NONAME_ERROR, socket.gaierror)
    assert greendns.EAI_NONAME_ERROR.errno == socket.EAI_NONAME
    assert greendns.EAI_EAGAIN_ERROR.errno == socket.EAI_AGAIN
    assert isinstance(greendns.resolver, greendns.ResolverProxy)
    assert greendns.is_ipv4_addr("192.0.2.1") and greendns.is_ipv6_addr("::1")
