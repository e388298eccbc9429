"""Tests of eventlet.support.greendns against a DNS server of the test's own, on loopback.

The server (UDP and TCP on 127.0.0.1, a random port, in a real OS thread) answers from a
small zone and can misbehave on purpose: SERVFAIL, silence, truncation, forged and garbage
packets, replies held back until the test releases them. Each test gets a resolv.conf and a
hosts file in tmp_path, and a ResolverProxy reading them; nothing leaves the machine.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.reversename
import dns.rrset
import pytest

from eventlet.event import Event
from eventlet.greenthread import spawn
from eventlet.support import greendns
from eventlet.timeout import Timeout

# -- the test's DNS server ---------------------------------------------------------------------

ZONE: dict[tuple[str, str], list[str]] = {
    ("www.example.test.", "A"): ["192.0.2.1", "192.0.2.2"],
    ("www.example.test.", "AAAA"): ["2001:db8::1"],
    ("www.example.test.", "MX"): ["10 mail.example.test."],
    ("v4only.example.test.", "A"): ["192.0.2.10"],
    ("v6only.example.test.", "AAAA"): ["2001:db8::6"],
    ("alias.example.test.", "CNAME"): ["www.example.test."],
    ("alias2.example.test.", "CNAME"): ["alias.example.test."],
    ("split.example.test.", "CNAME"): ["target.other.test."],
    ("target.other.test.", "A"): ["198.51.100.7"],
    ("host.example.test.", "A"): ["192.0.2.50"],
    ("x.y.example.test.", "A"): ["192.0.2.60"],
    ("nodata.example.test.", "TXT"): ['"nothing here"'],
    ("big.example.test.", "A"): [f"10.0.{i // 250}.{i % 250 + 1}" for i in range(60)],
    ("forged.example.test.", "A"): ["192.0.2.77"],
    ("slow.example.test.", "A"): ["192.0.2.88"],
    ("servfail.example.test.", "A"): ["192.0.2.99"],
    ("silent.example.test.", "A"): ["192.0.2.98"],
    ("1.2.0.192.in-addr.arpa.", "PTR"): ["www.example.test."],
    (dns.reversename.from_address("2001:db8::1").to_text(), "PTR"): ["www.example.test."],
}

# Behaviours by query name.
SERVFAIL = {"servfail.example.test."}
SILENT = {"silent.example.test."}
TRUNCATE = {"big.example.test."}
FORGE = {"forged.example.test."}
HOLD = {"slow.example.test."}
SPLIT = {"split.example.test."}  # answer with the CNAME only, as if the target were elsewhere


@dataclass
class Pending:
    """A reply held back until ``release`` is set."""

    release: threading.Event
    data: bytes
    address: Any


@dataclass
class DNSServer:
    """A DNS server in a thread of its own; ``log`` lists (name, type, transport) asked."""

    host: str = "127.0.0.1"
    log: list[tuple[str, str, str]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    silent_all: bool = False

    def start(self) -> DNSServer:
        self.udp, self.tcp = _bind_pair(self.host)
        self.port = self.udp.getsockname()[1]
        self.forger = socket.socket(_family(self.host), socket.SOCK_DGRAM)
        self.forger.bind((self.host, 0))
        self._stop_r, self._stop_w = os.pipe()
        self.pending: list[Pending] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        os.write(self._stop_w, b"x")
        self.thread.join(10)
        for sock in (self.udp, self.tcp, self.forger):
            sock.close()
        os.close(self._stop_r)
        os.close(self._stop_w)

    def names(self, transport: str | None = None) -> list[str]:
        """The names asked, in order (of one transport if given)."""
        return [n for n, _, t in self.log if transport is None or t == transport]

    def _serve(self) -> None:
        while True:
            ready, _, _ = select.select([self.udp, self.tcp, self._stop_r], [], [], 0.01)
            if self._stop_r in ready:
                return
            for held in list(self.pending):
                if held.release.is_set():
                    self.pending.remove(held)
                    self.udp.sendto(held.data, held.address)
            if self.udp in ready:
                data, address = self.udp.recvfrom(65535)
                self._on_udp(data, address)
            if self.tcp in ready:
                connection, _ = self.tcp.accept()
                threading.Thread(target=self._on_tcp, args=(connection,), daemon=True).start()

    def _on_udp(self, data: bytes, address: Any) -> None:
        query = dns.message.from_wire(data)
        name = query.question[0].name.to_text()
        self.log.append((name, dns.rdatatype.to_text(query.question[0].rdtype), "udp"))
        if self.silent_all or name in SILENT:
            return
        response = self._answer(query)
        if name in TRUNCATE:
            response = dns.message.make_response(query)
            response.flags |= dns.flags.TC
        if name in FORGE:
            self._forge(query, address)
        if name in HOLD:
            self.pending.append(Pending(self.release, _wire(response), address))
            return
        self.udp.sendto(_wire(response), address)

    def _forge(self, query: dns.message.Message, address: Any) -> None:
        """Send what an attacker would, before the real answer."""
        lie = dns.message.make_response(query)
        lie.answer.append(
            dns.rrset.from_text(query.question[0].name, 60, "IN", "A", "203.0.113.66")
        )
        # From another port of the server's address: the right id, the wrong source.
        self.forger.sendto(lie.to_wire(), address)
        # From the server's own port: garbage, a truncated header, a wrong id, a wrong question.
        self.udp.sendto(b"\xde\xad\xbe\xef garbage", address)
        self.udp.sendto(lie.to_wire()[:7], address)
        wrong_id = dns.message.from_wire(lie.to_wire())
        wrong_id.id = (query.id + 1) % 65536
        self.udp.sendto(wrong_id.to_wire(), address)
        other = dns.message.make_query("other.example.test.", "A")
        other.id = query.id
        other_reply = dns.message.make_response(other)
        other_reply.answer.append(
            dns.rrset.from_text("other.example.test.", 60, "IN", "A", "203.0.113.67")
        )
        self.udp.sendto(other_reply.to_wire(), address)

    def _on_tcp(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                size = int.from_bytes(_recv_all(connection, 2), "big")
                query = dns.message.from_wire(_recv_all(connection, size))
            except (OSError, EOFError):
                return
            name = query.question[0].name.to_text()
            self.log.append((name, dns.rdatatype.to_text(query.question[0].rdtype), "tcp"))
            if self.silent_all or name in SILENT:
                self.release.wait(10)  # keep the connection open, and say nothing
                return
            wire = _wire(self._answer(query))
            connection.sendall(len(wire).to_bytes(2, "big") + wire)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        if name in SERVFAIL:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        if not any(key[0] == name for key in ZONE):
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        current = name
        for _ in range(10):
            if (current, rdtype) in ZONE:
                response.answer.append(
                    dns.rrset.from_text_list(current, 300, "IN", rdtype, ZONE[current, rdtype])
                )
                break
            if (current, "CNAME") in ZONE and rdtype != "CNAME":
                target = ZONE[current, "CNAME"][0]
                response.answer.append(dns.rrset.from_text(current, 300, "IN", "CNAME", target))
                if current in SPLIT:
                    break
                current = target
                continue
            break
        return response


def _wire(message: dns.message.Message) -> bytes:
    # In zone order: dnspython would shuffle the records, and the tests check the order.
    return message.to_wire(want_shuffle=False)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bind_pair(host: str) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket bound to the same random port of ``host``."""
    for _ in range(50):
        udp = socket.socket(_family(host), socket.SOCK_DGRAM)
        udp.bind((host, 0))
        tcp = socket.socket(_family(host), socket.SOCK_STREAM)
        try:
            tcp.bind((host, udp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(16)
        return udp, tcp
    raise RuntimeError("no port free for both UDP and TCP")


def _recv_all(connection: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


# -- fixtures ----------------------------------------------------------------------------------


@dataclass
class Env:
    server: DNSServer
    proxy: greendns.ResolverProxy
    hosts_path: Path
    resolv_path: Path


HOSTS = """\
# the test's hosts file
127.0.0.1   localhost
::1         localhost ip6-localhost
192.0.2.200 files.example.test files  filesalias
2001:db8::200 files.example.test
192.0.2.201 www-override.example.test
"""


@pytest.fixture(autouse=True)
def guard() -> Iterator[None]:
    """A test that hangs fails instead."""
    timeout = Timeout(20)
    try:
        yield
    finally:
        timeout.cancel()


@pytest.fixture
def server() -> Iterator[DNSServer]:
    started = DNSServer().start()
    yield started
    started.stop()


@pytest.fixture
def env(tmp_path: Path, server: DNSServer, monkeypatch: pytest.MonkeyPatch) -> Env:
    """A resolver pointed at ``server``, with the test's own resolv.conf and hosts file."""
    hosts_path = tmp_path / "hosts"
    hosts_path.write_text(HOSTS)
    resolv_path = tmp_path / "resolv.conf"
    resolv_path.write_text(
        "# the test's resolv.conf\n"
        "nameserver 127.0.0.1\n"
        "search example.test other.test\n"
        "options ndots:1 timeout:2 attempts:2\n"
    )
    proxy = greendns.ResolverProxy(greendns.HostsResolver(hosts_path, interval=0), resolv_path)
    proxy.port = server.port
    monkeypatch.setattr(greendns, "resolver", proxy)
    return Env(server, proxy, hosts_path, resolv_path)


def _raises_like(ours: Callable[[], Any], theirs: Callable[[], Any]) -> BaseException:
    """Both calls raise the same exception type with the same args; return ours."""
    with pytest.raises(BaseException) as expected:
        theirs()
    with pytest.raises(type(expected.value)) as got:
        ours()
    assert type(got.value) is type(expected.value)
    assert got.value.args == expected.value.args
    return got.value


def _addresses(infos: list[Any]) -> list[str]:
    return [info[4][0] for info in infos]


# -- configuration -----------------------------------------------------------------------------


def test_resolv_conf_is_read(env: Env) -> None:
    proxy = env.proxy
    assert proxy.nameservers == ["127.0.0.1"]
    assert proxy.search == ["example.test", "other.test"]
    assert (proxy.ndots, proxy.timeout, proxy.attempts) == (1, 2.0, 2)
    env.resolv_path.write_text("nameserver 127.0.0.9\ndomain d.test\noptions ndots:20 rotate\n")
    assert proxy.nameservers == ["127.0.0.1"]  # read once ...
    proxy.clear()  # ... and again after clear()
    assert proxy.nameservers == ["127.0.0.9"]
    assert proxy.search == ["d.test"]
    assert proxy.ndots == 15  # libc's limit
    assert proxy.rotate is True


def test_missing_resolv_conf_means_local_nameserver(tmp_path: Path) -> None:
    proxy = greendns.ResolverProxy(None, tmp_path / "absent.conf")
    assert proxy.nameservers == ["127.0.0.1"]
    assert (proxy.timeout, proxy.attempts, proxy.ndots) == (5.0, 2, 1)


def test_bad_settings_are_refused(env: Env) -> None:
    with pytest.raises(ValueError, match="nameservers"):
        env.proxy.nameservers = ["not-an-address"]
    with pytest.raises(ValueError, match="timeout"):
        env.proxy.timeout = -1
    with pytest.raises(ValueError, match="attempts"):
        env.proxy.attempts = 0
    with pytest.raises(TypeError, match="hosts_resolver"):
        greendns.ResolverProxy(hosts_resolver="hosts")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="interval"):
        greendns.HostsResolver(interval=-1)


def test_address_predicates() -> None:
    assert greendns.is_ipv4_addr("192.0.2.1")
    assert not greendns.is_ipv4_addr("192.0.2")
    assert not greendns.is_ipv4_addr("::1")
    assert greendns.is_ipv6_addr("2001:db8::1")
    assert greendns.is_ipv6_addr("fe80::1%lo")
    assert not greendns.is_ipv6_addr("192.0.2.1")
    assert greendns.is_ip_addr(b"127.0.0.1")
    assert not greendns.is_ip_addr("www.example.test")
    assert not greendns.is_ip_addr(None)


def test_module_resolver_is_a_proxy() -> None:
    assert isinstance(greendns.resolver, greendns.ResolverProxy)
    assert isinstance(greendns.resolver.hosts, greendns.HostsResolver)
    assert callable(greendns.resolver.query) and callable(greendns.resolver.resolve)


# -- lookups -----------------------------------------------------------------------------------


@pytest.mark.all_hubs
def test_a_and_aaaa(env: Env) -> None:
    assert _addresses(
        greendns.getaddrinfo("www.example.test", 80, socket.AF_INET, socket.SOCK_STREAM)
    ) == [
        "192.0.2.1",
        "192.0.2.2",
    ]
    assert _addresses(
        greendns.getaddrinfo("www.example.test", 80, socket.AF_INET6, socket.SOCK_STREAM)
    ) == ["2001:db8::1"]
    assert env.server.log == [
        ("www.example.test.", "A", "udp"),
        ("www.example.test.", "AAAA", "udp"),
    ]


def test_getaddrinfo_tuples_are_shaped_like_the_stdlib(env: Env) -> None:
    got = greendns.getaddrinfo("www.example.test", 443, socket.AF_INET6)
    assert got == socket.getaddrinfo("2001:db8::1", 443, socket.AF_INET6)
    assert [type(field) for field in got[0][:3]] == [socket.AddressFamily, socket.SocketKind, int]
    assert got[0][4] == ("2001:db8::1", 443, 0, 0)


def test_af_unspec_gives_ipv6_then_ipv4(env: Env) -> None:
    got = greendns.getaddrinfo("www.example.test", "80", 0, socket.SOCK_STREAM)
    assert got == [
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2001:db8::1", 80, 0, 0)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", 80)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.2", 80)),
    ]
    assert sorted(t for _, t, _ in env.server.log) == ["A", "AAAA"]


def test_af_unspec_with_one_family_only(env: Env) -> None:
    assert _addresses(greendns.getaddrinfo("v4only.example.test", 80, 0, socket.SOCK_STREAM)) == [
        "192.0.2.10"
    ]
    assert _addresses(greendns.getaddrinfo("v6only.example.test", 80, 0, socket.SOCK_STREAM)) == [
        "2001:db8::6"
    ]
    with pytest.raises(socket.gaierror) as info:
        greendns.getaddrinfo("v6only.example.test", 80, socket.AF_INET)
    assert info.value.errno == socket.EAI_NONAME


def test_port_forms_and_flags(env: Env) -> None:
    by_name = greendns.getaddrinfo(
        "v4only.example.test", "http", socket.AF_INET, socket.SOCK_STREAM
    )
    by_int = greendns.getaddrinfo("v4only.example.test", 80, socket.AF_INET, socket.SOCK_STREAM)
    by_bytes = greendns.getaddrinfo(
        "v4only.example.test", b"80", socket.AF_INET, socket.SOCK_STREAM
    )
    assert (
        by_name
        == by_int
        == by_bytes
        == [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.10", 80))]
    )
    all_kinds = greendns.getaddrinfo("v4only.example.test", 80, socket.AF_INET)
    assert all_kinds == socket.getaddrinfo("192.0.2.10", 80, socket.AF_INET)
    udp_only = greendns.getaddrinfo(
        "v4only.example.test", 53, socket.AF_INET, 0, socket.IPPROTO_UDP
    )
    assert udp_only == [(socket.AF_INET, socket.SOCK_DGRAM, 17, "", ("192.0.2.10", 53))]
    no_port = greendns.getaddrinfo("v4only.example.test", None, socket.AF_INET, socket.SOCK_STREAM)
    assert no_port[0][4] == ("192.0.2.10", 0)


def test_ai_canonname(env: Env) -> None:
    got = greendns.getaddrinfo("alias.example.test", 80, socket.AF_INET, 0, 0, socket.AI_CANONNAME)
    assert [entry[3] for entry in got] == ["www.example.test"] + [""] * (len(got) - 1)
    assert _addresses(got)[0] == "192.0.2.1"


def test_cname_chain_in_one_answer(env: Env) -> None:
    assert greendns.gethostbyname_ex("alias2.example.test") == (
        "www.example.test",
        ["alias2.example.test", "alias.example.test"],
        ["192.0.2.1", "192.0.2.2"],
    )
    answer = greendns.resolve("alias2.example.test")
    assert answer.canonical_name == dns.name.from_text("www.example.test")
    assert sorted(r.address for r in answer) == ["192.0.2.1", "192.0.2.2"]
    assert greendns.resolve_cname("alias.example.test") == "www.example.test"
    assert greendns.getaliases("alias.example.test") == ["www.example.test"]


def test_cname_followed_across_queries(env: Env) -> None:
    assert greendns.gethostbyname("split.example.test") == "198.51.100.7"
    assert env.server.names() == ["split.example.test.", "target.other.test."]
    assert greendns.gethostbyname_ex("split.example.test") == (
        "target.other.test",
        ["split.example.test"],
        ["198.51.100.7"],
    )


def test_nxdomain_is_eai_noname(env: Env) -> None:
    for call in (
        lambda: greendns.getaddrinfo("nowhere.example.test", 80),
        lambda: greendns.gethostbyname("nowhere.example.test"),
        lambda: greendns.gethostbyname_ex("nowhere.example.test"),
        lambda: greendns.resolve("nowhere.example.test"),
    ):
        with pytest.raises(socket.gaierror) as info:
            call()
        assert info.value.args == (socket.EAI_NONAME, "Name or service not known")
    with pytest.raises(dns.resolver.NXDOMAIN):
        env.proxy.query("nowhere.example.test")


def test_no_data_is_eai_noname_and_raises_false(env: Env) -> None:
    with pytest.raises(socket.gaierror) as info:
        greendns.getaddrinfo("nodata.example.test", 80)
    assert info.value.errno == socket.EAI_NONAME
    with pytest.raises(dns.resolver.NoAnswer):
        env.proxy.query("nodata.example.test.", "A")
    empty = greendns.resolve("nodata.example.test.", raises=False)
    assert empty.rrset is None and len(empty) == 0
    missing = greendns.resolve("nowhere.example.test.", raises=False)
    # As upstream: a name that does not exist gives a HostsAnswer with an empty RRset.
    assert isinstance(missing, greendns.HostsAnswer) and missing.response is None
    assert missing.rrset is not None and len(missing.rrset) == 0 and list(missing) == []


def test_servfail_is_eai_again(env: Env) -> None:
    with pytest.raises(socket.gaierror) as info:
        greendns.getaddrinfo("servfail.example.test.", 80, socket.AF_INET)
    assert info.value.args == (socket.EAI_AGAIN, "Temporary failure in name resolution")
    with pytest.raises(dns.resolver.NoNameservers):
        env.proxy.query("servfail.example.test.")
    # A server that failed is not asked again in the same query.
    assert env.server.names().count("servfail.example.test.") == 2


def test_timeout_with_retries_is_eai_again(env: Env) -> None:
    env.proxy.timeout = 0.2
    env.proxy.attempts = 3
    with pytest.raises(socket.gaierror) as info:
        greendns.gethostbyname("silent.example.test.")
    assert info.value.args == (socket.EAI_AGAIN, "Temporary failure in name resolution")
    assert env.server.names() == ["silent.example.test."] * 3
    with pytest.raises(dns.resolver.LifetimeTimeout):
        env.proxy.query("silent.example.test.")


def test_retries_go_round_the_nameservers(env: Env) -> None:
    second = DNSServer(host="127.0.0.2", silent_all=True).start()
    try:
        env.proxy.nameservers = ["127.0.0.2", "127.0.0.1"]
        env.proxy.nameserver_ports = {"127.0.0.2": second.port}
        env.proxy.timeout = 0.2
        # The first server never answers; the second one does.
        assert greendns.gethostbyname("host.example.test.") == "192.0.2.50"
        assert second.names() == ["host.example.test."]
        assert env.server.names() == ["host.example.test."]
        env.proxy.attempts = 2
        with pytest.raises(socket.gaierror) as info:
            greendns.gethostbyname("silent.example.test.")
        assert info.value.errno == socket.EAI_AGAIN
        assert second.names().count("silent.example.test.") == 2
        assert env.server.names().count("silent.example.test.") == 2
    finally:
        second.stop()


def test_rotate(env: Env) -> None:
    second = DNSServer(host="127.0.0.2").start()
    try:
        env.proxy.nameservers = ["127.0.0.1", "127.0.0.2"]
        env.proxy.nameserver_ports = {"127.0.0.2": second.port}
        for _ in range(2):
            greendns.gethostbyname("host.example.test.")
        assert (len(env.server.log), len(second.log)) == (2, 0)
        env.proxy.rotate = True
        for _ in range(4):
            greendns.gethostbyname("host.example.test.")
        assert (len(env.server.log), len(second.log)) == (4, 2)
    finally:
        second.stop()


def test_ipv6_nameserver(env: Env) -> None:
    server6 = DNSServer(host="::1").start()
    try:
        env.proxy.nameservers = ["::1"]
        env.proxy.port = server6.port
        assert greendns.gethostbyname("host.example.test.") == "192.0.2.50"
        assert greendns.gethostbyname("big.example.test.") == "10.0.0.1"
        assert server6.log == [
            ("host.example.test.", "A", "udp"),
            ("big.example.test.", "A", "udp"),
            ("big.example.test.", "A", "tcp"),
        ]
    finally:
        server6.stop()


def test_other_record_types_and_edns(env: Env) -> None:
    env.proxy.edns0 = True
    answer = env.proxy.query("www.example.test", "MX")
    assert [r.to_text() for r in answer] == ["10 mail.example.test."]
    assert answer.nameserver == "127.0.0.1" and answer.port == env.server.port
    aaaa = greendns.resolve("www.example.test", socket.AF_INET6)
    assert [r.address for r in aaaa] == ["2001:db8::1"]


def test_unreachable_nameserver_is_skipped(env: Env, tmp_path: Path) -> None:
    # A port nobody listens on: ICMP port unreachable, not a wait for the timeout.
    idle = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    idle.bind(("127.0.0.3", 0))
    port = idle.getsockname()[1]
    idle.close()
    env.proxy.nameservers = ["127.0.0.3", "127.0.0.1"]
    env.proxy.nameserver_ports = {"127.0.0.3": port}
    assert greendns.gethostbyname("host.example.test.") == "192.0.2.50"


@pytest.mark.all_hubs
def test_truncated_answer_falls_back_to_tcp(env: Env) -> None:
    got = greendns.getaddrinfo("big.example.test", 80, socket.AF_INET, socket.SOCK_STREAM)
    assert _addresses(got) == ZONE["big.example.test.", "A"]
    assert env.server.log == [
        ("big.example.test.", "A", "udp"),
        ("big.example.test.", "A", "tcp"),
    ]


def test_tcp_only(env: Env) -> None:
    env.proxy.use_vc = True
    assert greendns.gethostbyname("host.example.test") == "192.0.2.50"
    assert env.server.log == [("host.example.test.", "A", "tcp")]
    answer = env.proxy.query("www.example.test.", "AAAA", tcp=True)
    assert [r.address for r in answer] == ["2001:db8::1"]


@pytest.mark.all_hubs
def test_forged_and_garbage_packets_do_not_end_the_query(env: Env) -> None:
    # Before the real answer the client gets: a forged answer from another port, garbage,
    # a truncated header, an answer with the wrong id and one to another question.
    for _ in range(3):
        assert greendns.gethostbyname("forged.example.test.") == "192.0.2.77"
    assert env.server.names() == ["forged.example.test."] * 3


def test_udp_ignores_wrong_ids_and_sources_directly(env: Env) -> None:
    query = dns.message.make_query("forged.example.test.", "A")
    reply = greendns.udp(query, "127.0.0.1", timeout=5, port=env.server.port)
    assert query.is_response(reply)
    assert [r.address for r in reply.answer[0]] == ["192.0.2.77"]


@pytest.mark.all_hubs
def test_udp_and_tcp_time_out(env: Env) -> None:
    query = dns.message.make_query("silent.example.test.", "A")
    with pytest.raises(dns.exception.Timeout):
        greendns.udp(query, "127.0.0.1", timeout=0.2, port=env.server.port)
    with pytest.raises(dns.exception.Timeout):
        greendns.tcp(query, "127.0.0.1", timeout=0.2, port=env.server.port)
    with pytest.raises(ValueError, match="nameserver"):
        greendns.udp(query, "dns.example.test", port=env.server.port)


def test_search_domains(env: Env) -> None:
    assert greendns.gethostbyname("host") == "192.0.2.50"
    assert env.server.names() == ["host.example.test."]
    env.server.log.clear()
    # Not in the first domain: the second one is tried.
    assert greendns.gethostbyname("target") == "198.51.100.7"
    assert env.server.names() == ["target.example.test.", "target.other.test."]
    env.server.log.clear()
    # A final dot: the name as it is, and nothing else.
    with pytest.raises(socket.gaierror):
        greendns.gethostbyname("host.")
    assert env.server.names() == ["host."]
    env.server.log.clear()
    # Fewer dots than ndots: search domains first, the bare name last.
    with pytest.raises(socket.gaierror):
        greendns.gethostbyname("nothere")
    assert env.server.names() == ["nothere.example.test.", "nothere.other.test.", "nothere."]


def test_ndots(env: Env) -> None:
    # One dot, ndots 1: the name as given first, then the search domains.
    assert greendns.gethostbyname("x.y") == "192.0.2.60"
    assert env.server.names() == ["x.y.", "x.y.example.test."]
    env.server.log.clear()
    env.proxy.ndots = 2
    assert greendns.gethostbyname("x.y") == "192.0.2.60"
    assert env.server.names() == ["x.y.example.test."]


def test_hosts_file_first(env: Env) -> None:
    assert greendns.gethostbyname("files.example.test") == "192.0.2.200"
    assert greendns.gethostbyname_ex("files") == (
        "files.example.test",
        ["files", "filesalias"],
        ["192.0.2.200"],
    )
    got = greendns.getaddrinfo(
        "FILES.example.test", 80, 0, socket.SOCK_STREAM, 0, socket.AI_CANONNAME
    )
    assert got == [
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "files.example.test", ("2001:db8::200", 80, 0, 0)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.200", 80)),
    ]
    assert greendns.resolve("localhost", socket.AF_INET6)[0].address == "::1"
    assert isinstance(env.proxy.query("filesalias"), greendns.HostsAnswer)
    assert greendns.getaliases("files") == ["files.example.test", "filesalias"]
    assert env.server.log == []


def test_hosts_file_reread_when_it_changes(env: Env) -> None:
    assert greendns.gethostbyname("files") == "192.0.2.200"
    env.hosts_path.write_text("192.0.2.222 files\n")
    stat = env.hosts_path.stat()
    os.utime(env.hosts_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert greendns.gethostbyname("files") == "192.0.2.222"
    # Gone from the file: now the nameserver is asked.
    with pytest.raises(socket.gaierror):
        greendns.gethostbyname("files.example.test.")
    assert env.server.names() == ["files.example.test."]


def test_hosts_file_checked_at_most_every_interval(tmp_path: Path) -> None:
    path = tmp_path / "hosts"
    path.write_text("192.0.2.1 one\n")
    hosts = greendns.HostsResolver(path, interval=3600)
    assert hosts.lookup("one") == ["192.0.2.1"]
    path.write_text("192.0.2.2 one\n# longer than before\n")
    assert hosts.lookup("one") == ["192.0.2.1"]  # not checked again yet
    fresh = greendns.HostsResolver(path, interval=0)
    assert fresh.lookup("one") == ["192.0.2.2"]
    assert fresh.lookup("one", socket.AF_INET6) == []
    with pytest.raises(dns.resolver.NoAnswer):
        fresh.query("two")
    empty = fresh.query("two", raise_on_no_answer=False)
    assert empty.rrset is not None and len(empty.rrset) == 0 and len(empty) == 0


def test_hosts_only_without_network(env: Env) -> None:
    answer = greendns.resolve("files", use_network=False)
    assert [r.address for r in answer] == ["192.0.2.200"]
    with pytest.raises(socket.gaierror):
        greendns.resolve("host.example.test", use_network=False)
    assert env.server.log == []


def test_numeric_hosts_need_no_server(env: Env) -> None:
    env.proxy.nameservers = ["127.0.0.4"]  # nobody there
    for args in [
        ("192.0.2.5", 80),
        ("2001:db8::5", "http", socket.AF_INET6, socket.SOCK_STREAM),
        ("127.1", 80, socket.AF_INET),
        ("fe80::1%lo", 80),
        (None, 80, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE),
        ("192.0.2.5", 80, 0, 0, 0, socket.AI_CANONNAME),
    ]:
        assert greendns.getaddrinfo(*args) == socket.getaddrinfo(*args)
    assert greendns.gethostbyname("192.0.2.5") == "192.0.2.5"
    assert greendns.gethostbyname("") == socket.gethostbyname("")
    assert greendns.gethostbyname_ex("192.0.2.5") == ("192.0.2.5", [], ["192.0.2.5"])
    assert env.server.log == []


def test_ai_numerichost_and_numericserv(env: Env) -> None:
    _raises_like(
        lambda: greendns.getaddrinfo("www.example.test", 80, 0, 0, 0, socket.AI_NUMERICHOST),
        lambda: socket.getaddrinfo("www.example.test", 80, 0, 0, 0, socket.AI_NUMERICHOST),
    )
    _raises_like(
        lambda: greendns.getaddrinfo("www.example.test", "http", 0, 0, 0, socket.AI_NUMERICSERV),
        lambda: socket.getaddrinfo("127.0.0.1", "http", 0, 0, 0, socket.AI_NUMERICSERV),
    )
    got = greendns.getaddrinfo(
        "www.example.test", "80", socket.AF_INET, 1, 0, socket.AI_NUMERICSERV
    )
    assert _addresses(got) == ["192.0.2.1", "192.0.2.2"]
    assert env.server.names() == ["www.example.test."]


def test_v4mapped(env: Env) -> None:
    flags = socket.AI_V4MAPPED
    got = greendns.getaddrinfo(
        "v4only.example.test", 80, socket.AF_INET6, socket.SOCK_STREAM, 0, flags
    )
    assert got == [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:192.0.2.10", 80, 0, 0))]
    flags |= socket.AI_ALL
    got = greendns.getaddrinfo(
        "www.example.test", 80, socket.AF_INET6, socket.SOCK_STREAM, 0, flags
    )
    assert _addresses(got) == ["2001:db8::1", "::ffff:192.0.2.1", "::ffff:192.0.2.2"]


def test_bad_input_raises_what_the_stdlib_raises(env: Env) -> None:
    name = "www.example.test"
    cases = [
        (lambda: greendns.getaddrinfo(123, 80), lambda: socket.getaddrinfo(123, 80)),
        (
            lambda: greendns.getaddrinfo(bytearray(b"x"), 80),
            lambda: socket.getaddrinfo(bytearray(b"x"), 80),
        ),
        (lambda: greendns.getaddrinfo(name, 1.5), lambda: socket.getaddrinfo("127.0.0.1", 1.5)),
        (lambda: greendns.getaddrinfo(name, 2**70), lambda: socket.getaddrinfo("127.0.0.1", 2**70)),
        (lambda: greendns.getaddrinfo(name, -1), lambda: socket.getaddrinfo("127.0.0.1", -1)),
        (
            lambda: greendns.getaddrinfo(name, "no-such-service"),
            lambda: socket.getaddrinfo("127.0.0.1", "no-such-service"),
        ),
        (
            lambda: greendns.getaddrinfo(name, 80, socket.AF_UNIX),
            lambda: socket.getaddrinfo("127.0.0.1", 80, socket.AF_UNIX),
        ),
        (
            lambda: greendns.getaddrinfo(name, 80, 0, 12345),
            lambda: socket.getaddrinfo("127.0.0.1", 80, 0, 12345),
        ),
        (
            lambda: greendns.getaddrinfo(name, 80, 0, 0, 0, 0x12345),
            lambda: socket.getaddrinfo("127.0.0.1", 80, 0, 0, 0, 0x12345),
        ),
        (
            lambda: greendns.getaddrinfo("a" * 64 + ".example.test", 80),
            lambda: socket.getaddrinfo(
                "a" * 64 + ".example.test", 80, 0, 0, 0, socket.AI_NUMERICHOST
            ),
        ),
        (lambda: greendns.getaddrinfo("", 80), lambda: socket.getaddrinfo("", 80)),
        (
            lambda: greendns.getaddrinfo("::1", 80, socket.AF_INET),
            lambda: socket.getaddrinfo("::1", 80, socket.AF_INET),
        ),
        (lambda: greendns.gethostbyname(None), lambda: socket.gethostbyname(None)),
        (lambda: greendns.gethostbyname("a\0b"), lambda: socket.gethostbyname("a\0b")),
        (lambda: greendns.gethostbyname("::1"), lambda: socket.gethostbyname("::1")),
        (lambda: greendns.gethostbyname_ex(1), lambda: socket.gethostbyname_ex(1)),
        (lambda: greendns.gethostbyaddr(1.0), lambda: socket.gethostbyaddr(1.0)),
        (
            lambda: greendns.getnameinfo(["192.0.2.1", 80], 0),
            lambda: socket.getnameinfo(["192.0.2.1", 80], 0),
        ),
        (
            lambda: greendns.getnameinfo(("192.0.2.1", 80, 0, 0), 0),
            lambda: socket.getnameinfo(("192.0.2.1", 80, 0, 0), 0),
        ),
        (
            lambda: greendns.getnameinfo(("192.0.2.1", "80"), 0),
            lambda: socket.getnameinfo(("192.0.2.1", "80"), 0),
        ),
        (
            lambda: greendns.getnameinfo(("www.example.test", 80), 0),
            lambda: socket.getnameinfo(("www.example.test", 80), socket.NI_NUMERICHOST),
        ),
        (
            lambda: greendns.getnameinfo(("192.0.2.1", 80), 0x12345),
            lambda: socket.getnameinfo(("192.0.2.1", 80), 0x12345),
        ),
        (
            lambda: greendns.getnameinfo(("192.0.2.1", 80), "0"),
            lambda: socket.getnameinfo(("192.0.2.1", 80), "0"),
        ),
    ]
    for ours, theirs in cases:
        _raises_like(ours, theirs)
    assert env.server.log == []


def test_resolve_bad_family(env: Env) -> None:
    with pytest.raises(socket.gaierror) as info:
        greendns.resolve("www.example.test", socket.AF_UNIX)
    assert info.value.errno == socket.EAI_FAMILY


# -- reverse lookups ---------------------------------------------------------------------------


def test_gethostbyaddr(env: Env) -> None:
    assert greendns.gethostbyaddr("192.0.2.1") == ("www.example.test", [], ["192.0.2.1"])
    assert greendns.gethostbyaddr("2001:db8:0::1") == ("www.example.test", [], ["2001:db8::1"])
    assert greendns.gethostbyaddr("192.0.2.200") == (
        "files.example.test",
        ["files", "filesalias"],
        ["192.0.2.200"],
    )
    with pytest.raises(socket.herror) as info:
        greendns.gethostbyaddr("192.0.2.10")
    assert info.value.args == (1, "Unknown host")
    assert ("1.2.0.192.in-addr.arpa.", "PTR", "udp") in env.server.log


def test_gethostbyaddr_of_a_name(env: Env) -> None:
    assert greendns.gethostbyaddr("alias.example.test") == ("www.example.test", [], ["2001:db8::1"])
    with pytest.raises(socket.gaierror) as info:
        greendns.gethostbyaddr("nowhere.example.test.")
    assert info.value.errno == socket.EAI_NONAME


def test_getnameinfo(env: Env) -> None:
    assert greendns.getnameinfo(("192.0.2.1", 80), 0) == ("www.example.test", "http")
    assert greendns.getnameinfo(("192.0.2.1", 53), socket.NI_DGRAM) == (
        "www.example.test",
        "domain",
    )
    assert greendns.getnameinfo(("2001:db8::1", 8080, 0, 0), socket.NI_NUMERICSERV) == (
        "www.example.test",
        "8080",
    )
    assert greendns.getnameinfo(("192.0.2.1", 80), socket.NI_NOFQDN) == ("www", "http")
    assert greendns.getnameinfo(("192.0.2.200", 80), 0) == ("files.example.test", "http")
    # No name: the number, or with NI_NAMEREQD an error.
    assert greendns.getnameinfo(("192.0.2.10", 80), 0) == ("192.0.2.10", "http")
    with pytest.raises(socket.gaierror) as info:
        greendns.getnameinfo(("192.0.2.10", 80), socket.NI_NAMEREQD)
    assert info.value.errno == socket.EAI_NONAME
    env.server.log.clear()
    numeric = greendns.getnameinfo(("192.0.2.1", 80), socket.NI_NUMERICHOST)
    assert numeric == socket.getnameinfo(("192.0.2.1", 80), socket.NI_NUMERICHOST)
    assert env.server.log == []


def test_getnameinfo_servfail_with_namereqd(env: Env) -> None:
    ZONE_PTR = dns.reversename.from_address("192.0.2.99").to_text()
    SERVFAIL.add(ZONE_PTR)
    try:
        with pytest.raises(socket.gaierror) as info:
            greendns.getnameinfo(("192.0.2.99", 80), socket.NI_NAMEREQD)
        assert info.value.errno == socket.EAI_AGAIN
        assert greendns.getnameinfo(("192.0.2.99", 80), 0) == ("192.0.2.99", "http")
        with pytest.raises(socket.herror) as herror:
            greendns.gethostbyaddr("192.0.2.99")
        assert herror.value.args == (2, "Host name lookup failure")
    finally:
        SERVFAIL.discard(ZONE_PTR)


# -- green behaviour ---------------------------------------------------------------------------


@pytest.mark.all_hubs
def test_a_slow_answer_does_not_hold_up_the_others(env: Env) -> None:
    finished: list[str] = []
    slow_done = Event()

    def slow() -> None:
        finished.append(greendns.gethostbyname("slow.example.test."))
        slow_done.send()

    def fast(i: int) -> str:
        name = ["www", "host", "v4only", "alias", "x.y"][i % 5] + ".example.test."
        address = greendns.gethostbyname(name)
        finished.append(address)
        return address

    slow_thread = spawn(slow)
    fast_threads = [spawn(fast, i) for i in range(40)]
    results = [thread.wait() for thread in fast_threads]
    assert len(results) == 40 and "192.0.2.88" not in finished
    # Only now does the server send the held answer.
    env.server.release.set()
    slow_done.wait()
    slow_thread.wait()
    assert finished[-1] == "192.0.2.88"
    assert set(results) == {"192.0.2.1", "192.0.2.50", "192.0.2.10", "192.0.2.60"}


def test_lookups_run_while_another_green_thread_ticks(env: Env) -> None:
    from eventlet.greenthread import sleep

    ticks = []
    stop = Event()

    def ticker() -> None:
        while not stop.ready():
            ticks.append(time.monotonic())
            sleep(0.01)

    thread = spawn(ticker)
    env.proxy.timeout = 0.3
    env.proxy.attempts = 1
    with pytest.raises(socket.gaierror):
        greendns.gethostbyname("silent.example.test.")
    stop.send()
    thread.wait()
    assert len(ticks) >= 3  # the ticker ran during the wait


def test_works_when_the_socket_module_is_patched(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    # As a monkey patcher does it: the original module's attributes replaced by green ones.
    monkeypatch.setattr(socket, "getaddrinfo", greendns.getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", greendns.gethostbyname)
    monkeypatch.setattr(socket, "getnameinfo", greendns.getnameinfo)

    real_socket = socket.socket

    def no_sockets_here(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is threading.main_thread():
            raise AssertionError("greendns must use the real socket type")
        return real_socket(*args, **kwargs)  # the test server's thread

    monkeypatch.setattr(socket, "socket", no_sockets_here)
    assert greendns.getaddrinfo("192.0.2.5", 80, socket.AF_INET, socket.SOCK_STREAM) == [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.5", 80))
    ]
    assert greendns.gethostbyname("www.example.test") == "192.0.2.1"
    assert greendns.getnameinfo(("192.0.2.1", 80), 0) == ("www.example.test", "http")
    assert greendns.gethostbyname("big.example.test") == "10.0.0.1"  # over TCP too
