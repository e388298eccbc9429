"""A non-blocking DNS resolver for green threads, built on dnspython.

It answers like the system (libc) resolver, but a lookup waits on the hub, so the other green
threads run meanwhile:

- :func:`getaddrinfo`, :func:`gethostbyname`, :func:`gethostbyname_ex`, :func:`getnameinfo`,
  :func:`gethostbyaddr`: the ``socket`` module's functions, with the same results and the
  same exceptions (``socket.gaierror`` codes and messages as libc gives them);
- :func:`resolve`: one lookup, returning a ``dns.resolver.Answer``;
- :data:`resolver`: the :class:`ResolverProxy` these functions use; :class:`HostsResolver`
  reads the hosts file; :func:`is_ipv4_addr`, :func:`is_ipv6_addr`, :func:`is_ip_addr`.

Lookups read the hosts file first (``/etc/hosts``, re-read when it changes), then ask the
nameservers of ``/etc/resolv.conf`` with its search domains, ``ndots``, ``timeout`` and
``attempts`` options: over UDP, again over TCP when the answer comes back truncated. A packet
from another address or port, with another query id or question, or that does not parse, is
dropped and the wait goes on until the right answer or the timeout: a forged or garbage packet
cannot end a query.

The queries go through sockets of the original ``socket`` module, so they work the same
whether or not the program is monkey patched.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.reversename
import dns.rrset

# ``_socket``, the C module under ``socket``: its sockets and functions are the real ones even
# in a monkey-patched program, so a numeric lookup here cannot loop back into this module.
from eventlet.green._getaddrinfo import as_text as _as_text
from eventlet.green._getaddrinfo import c_socket as _socket
from eventlet.green._getaddrinfo import is_ip_addr, is_ipv4_addr, is_ipv6_addr
from eventlet.green._getaddrinfo import stdlib_getaddrinfo as _stdlib_getaddrinfo
from eventlet.greenthread import spawn
from eventlet.hubs import notify_close, notify_opened, trampoline

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


#: Default seconds :func:`udp` and :func:`tcp` wait for an answer.
DNS_QUERY_TIMEOUT = 10.0
#: Seconds between two checks of the hosts file for changes.
HOSTS_TTL = 10.0
#: Where the nameservers and search domains are read from by default.
RESOLV_CONF = "/etc/resolv.conf"
#: The hosts file read by default.
HOSTS_FILE = "/etc/hosts"

# glibc's defaults and limits for resolv.conf (resolv.conf(5)).
_DEFAULT_TIMEOUT = 5.0
_DEFAULT_ATTEMPTS = 2
_DEFAULT_NDOTS = 1
_MAX_NAMESERVERS = 3
_MAX_SEARCH = 6
_MAX_NDOTS = 15
_MAX_TIMEOUT = 30.0
_MAX_ATTEMPTS = 5
# CNAMEs followed across queries before giving up (dnspython's in-message limit is 16).
_MAX_CNAME_HOPS = 16
_EDNS_PAYLOAD = 1232

_A = dns.rdatatype.A
_AAAA = dns.rdatatype.AAAA
_PTR = dns.rdatatype.PTR
_CNAME = dns.rdatatype.CNAME
_IN = dns.rdataclass.IN

_AF_INET = _socket.AF_INET
_AF_INET6 = _socket.AF_INET6
_AF_UNSPEC = _socket.AF_UNSPEC
_RDTYPE_OF_FAMILY = {_AF_INET: _A, _AF_INET6: _AAAA}


# -- errors, worded as libc words them ---------------------------------------------------------

# glibc's texts; the running libc's own (gai_strerror, hstrerror) are used where available.
_GAI_TEXTS = {
    _socket.EAI_AGAIN: "Temporary failure in name resolution",
    _socket.EAI_FAIL: "Non-recoverable failure in name resolution",
    _socket.EAI_NONAME: "Name or service not known",
}
if hasattr(_socket, "EAI_NODATA"):
    _GAI_TEXTS[_socket.EAI_NODATA] = "No address associated with hostname"
_HOST_NOT_FOUND, _TRY_AGAIN, _NO_RECOVERY = 1, 2, 3
_H_TEXTS = {
    _HOST_NOT_FOUND: "Unknown host",
    _TRY_AGAIN: "Host name lookup failure",
    _NO_RECOVERY: "Unknown server error",
}
_libc_texts: dict[tuple[str, int], str] = {}


def _libc_text(function: str, code: int, fallback: str) -> str:
    """The text libc's ``function`` (gai_strerror or hstrerror) gives for ``code``."""
    key = (function, code)
    text = _libc_texts.get(key)
    if text is None:
        text = fallback
        try:
            import ctypes

            libc_function = getattr(ctypes.CDLL(None), function)
            libc_function.restype = ctypes.c_char_p
            libc_function.argtypes = [ctypes.c_int]
            found = libc_function(code)
            if found:
                text = found.decode("utf-8", "replace")
        except Exception:
            pass  # no ctypes or no such function: glibc's wording will do
        _libc_texts[key] = text
    return text


def _gaierror(code: int) -> OSError:
    """A fresh ``socket.gaierror`` for EAI code ``code``, with libc's message."""
    return _socket.gaierror(code, _libc_text("gai_strerror", code, _GAI_TEXTS.get(code, "")))


def _herror(code: int) -> OSError:
    """A fresh ``socket.herror`` for h_errno ``code``, with libc's message."""
    return _socket.herror(code, _libc_text("hstrerror", code, _H_TEXTS[code]))


#: Instances for programs that compare with them; the functions raise fresh copies.
EAI_EAGAIN_ERROR = _socket.gaierror(_socket.EAI_AGAIN, _GAI_TEXTS[_socket.EAI_AGAIN])
EAI_NONAME_ERROR = _socket.gaierror(_socket.EAI_NONAME, _GAI_TEXTS[_socket.EAI_NONAME])
EAI_NODATA_ERROR = _socket.gaierror(
    getattr(_socket, "EAI_NODATA", _socket.EAI_NONAME),
    _GAI_TEXTS.get(getattr(_socket, "EAI_NODATA", None), _GAI_TEXTS[_socket.EAI_NONAME]),
)


def _gaierror_for(error: dns.exception.DNSException) -> OSError:
    """The gaierror libc gives for what dnspython reports: no such name, or try again."""
    if isinstance(error, (dns.exception.Timeout, dns.resolver.NoNameservers)):
        return _gaierror(_socket.EAI_AGAIN)
    return _gaierror(_socket.EAI_NONAME)


# -- addresses ---------------------------------------------------------------------------------


def _normal_address(address: str) -> tuple[int, str] | None:
    """``(family, canonical text)`` of an address (``::0001`` gives ``::1``), else None."""
    for family in (_AF_INET, _AF_INET6):
        try:
            return family, _socket.inet_ntop(family, _socket.inet_pton(family, address))
        except (OSError, ValueError):
            continue
    return None


# -- the hosts file ----------------------------------------------------------------------------


@dataclass
class _HostEntry:
    family: int
    address: str
    names: list[str]  # the official name first, then the aliases, as written


@dataclass
class _HostsTable:
    entries: list[_HostEntry] = field(default_factory=list)
    by_name: dict[str, list[_HostEntry]] = field(default_factory=dict)
    by_address: dict[str, _HostEntry] = field(default_factory=dict)


def _hosts_key(name: str) -> str:
    # Names match whatever their case, and with or without the final dot.
    return name.lower().rstrip(".") if name != "." else name


class HostsAnswer(dns.resolver.Answer):
    """An answer made from the hosts file rather than from a nameserver."""


class HostsResolver:
    """Answers from a hosts file (``/etc/hosts`` unless ``fname`` is given).

    The file is read on first use and read again when it changes: its modification time is
    checked at most every ``interval`` seconds (0: at every lookup).
    """

    def __init__(
        self, fname: str | os.PathLike[str] | None = None, interval: float = HOSTS_TTL
    ) -> None:
        if fname is not None and not isinstance(fname, (str, os.PathLike)):
            raise TypeError(f"fname must be a path or None, not {type(fname).__name__}")
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval < 0:
            raise ValueError(f"interval must be a number of seconds >= 0, not {interval!r}")
        self.fname: str = os.fspath(fname) if fname is not None else HOSTS_FILE
        self.interval = float(interval)
        self._table = _HostsTable()
        self._signature: tuple[int, int, int] | None = None
        self._checked: float | None = None

    def _current(self) -> _HostsTable:
        """The table, read again first if the file changed since the last check."""
        now = time.monotonic()
        if self._checked is not None and now - self._checked < self.interval:
            return self._table
        # No lock: two OS threads reading the file at once both store a correct table.
        self._checked = now
        try:
            status = os.stat(self.fname)
            signature: tuple[int, int, int] | None = (
                status.st_mtime_ns,
                status.st_size,
                status.st_ino,
            )
        except OSError:
            signature = None  # no file: no entries
        if signature != self._signature or self._signature is None:
            self._table = self._read() if signature is not None else _HostsTable()
            self._signature = signature
        return self._table

    def _read(self) -> _HostsTable:
        table = _HostsTable()
        try:
            with open(self.fname, encoding="utf-8", errors="replace") as file:
                lines = file.readlines()
        except OSError:
            return table
        for line in lines:
            fields = line.partition("#")[0].split()
            if len(fields) < 2:
                continue
            normal = _normal_address(fields[0].partition("%")[0])
            if normal is None:
                continue  # not an address: libc skips such lines too
            entry = _HostEntry(normal[0], normal[1], fields[1:])
            table.entries.append(entry)
            table.by_address.setdefault(entry.address, entry)
            for name in entry.names:
                entries = table.by_name.setdefault(_hosts_key(name), [])
                if entry not in entries:
                    entries.append(entry)
        return table

    def lookup(self, name: str, family: int = _AF_INET) -> list[str]:
        """The addresses of ``name`` of ``family`` (AF_INET, AF_INET6), in file order."""
        found = []
        for entry in self._current().by_name.get(_hosts_key(name), ()):
            if entry.family == family and entry.address not in found:
                found.append(entry.address)
        return found

    def canonical(self, name: str) -> tuple[str, list[str]] | None:
        """``(official name, aliases)`` of the first line naming ``name``, else None."""
        entries = self._current().by_name.get(_hosts_key(name))
        if not entries:
            return None
        official, *aliases = entries[0].names
        return official, aliases

    def reverse(self, address: str) -> tuple[str, list[str]] | None:
        """``(official name, aliases)`` of the first line with ``address``, else None."""
        normal = _normal_address(address.partition("%")[0])
        if normal is None:
            return None
        entry = self._current().by_address.get(normal[1])
        if entry is None:
            return None
        official, *aliases = entry.names
        return official, aliases

    def getaliases(self, hostname: str) -> list[str]:
        """The other names of ``hostname``'s first line (the official name included)."""
        entries = self._current().by_name.get(_hosts_key(hostname))
        if not entries:
            return []
        key = _hosts_key(hostname)
        return [name for name in entries[0].names if _hosts_key(name) != key]

    def query(
        self,
        qname: dns.name.Name | str,
        rdtype: dns.rdatatype.RdataType | int | str = _A,
        rdclass: dns.rdataclass.RdataClass | int | str = _IN,
        tcp: bool = False,
        source: str | None = None,
        raise_on_no_answer: bool = True,
    ) -> HostsAnswer:
        """An A, AAAA or PTR answer from the file, like ``dns.resolver.Resolver.resolve``.

        With nothing in the file, raise ``dns.resolver.NoAnswer`` (or, with
        ``raise_on_no_answer=False``, return an answer whose ``rrset`` is None).
        ``tcp`` and ``source`` are accepted for the resolver's signature and ignored.
        """
        name = _as_dns_name(qname)
        kind = dns.rdatatype.RdataType.make(rdtype)
        klass = dns.rdataclass.RdataClass.make(rdclass)
        query = dns.message.make_query(name, kind, klass)
        response = _make_response(query)
        values: list[str] = []
        if klass == _IN and kind in (_A, _AAAA):
            family = _AF_INET if kind == _A else _AF_INET6
            values = self.lookup(name.to_text(omit_final_dot=True), family)
        elif klass == _IN and kind == _PTR:
            try:
                address = dns.reversename.to_address(name)
            except (dns.exception.DNSException, ValueError):
                address = ""
            found = self.reverse(address) if address else None
            if found is not None:
                values = [dns.name.from_text(found[0]).to_text()]
        if values:
            ttl = int(self.interval)
            rrset = dns.rrset.from_text_list(name, ttl, klass, kind, values)
            _add_rrset(response, response.answer, rrset)
        answer = HostsAnswer(name, kind, klass, response)
        if answer.rrset is None and raise_on_no_answer:
            raise dns.resolver.NoAnswer(response=response)
        return answer


def _add_rrset(message: dns.message.Message, section: Any, rrset: dns.rrset.RRset) -> None:
    """Add ``rrset`` to a section of ``message`` through its index, where lookups find it."""
    found = message.find_rrset(
        section, rrset.name, rrset.rdclass, rrset.rdtype, rrset.covers, create=True
    )
    found.update(rrset)


def _make_response(query: dns.message.Message) -> dns.message.QueryMessage:
    return cast(dns.message.QueryMessage, dns.message.make_response(query))


def _as_dns_name(qname: Any) -> dns.name.Name:
    if isinstance(qname, dns.name.Name):
        return qname
    if isinstance(qname, (str, bytes)):
        return dns.name.from_text(qname)
    raise TypeError(f"a DNS name must be str, bytes or dns.name.Name, not {type(qname).__name__}")


# -- sending queries ---------------------------------------------------------------------------


def _wait(sock: Any, read: bool, deadline: float | None) -> None:
    """Wait on the hub until ``sock`` is ready, raising dns.exception.Timeout at ``deadline``."""
    if deadline is None:
        trampoline(sock, read=read, write=not read)
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise dns.exception.Timeout(timeout=0.0)
    trampoline(
        sock, read=read, write=not read, timeout=remaining, timeout_exc=dns.exception.Timeout
    )


def _destination(where: str, port: int) -> tuple[int, tuple[Any, ...]]:
    """The family and socket address of nameserver ``where``."""
    if not isinstance(where, str) or not is_ip_addr(where):
        raise ValueError(f"a nameserver must be an IP address, not {where!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"port must be an int from 1 to 65535, not {port!r}")
    if is_ipv4_addr(where):
        return _AF_INET, (where, port)
    # getaddrinfo turns a "%scope" into the scope id the socket address needs.
    info = _stdlib_getaddrinfo(
        where, port, _AF_INET6, _socket.SOCK_DGRAM, 0, _socket.AI_NUMERICHOST
    )
    return _AF_INET6, info[0][4]


def _new_socket(family: int, kind: int, source: str | None, source_port: int) -> Any:
    sock = _socket.socket(family, kind)
    # The number may be an old descriptor's: the hub must not trust what it knew of that one.
    notify_opened(sock.fileno())
    try:
        sock.setblocking(False)
        if source is not None or source_port:
            any_address = "::" if family == _AF_INET6 else "0.0.0.0"
            sock.bind((source or any_address, source_port))
    except BaseException:
        _close(sock)
        raise
    return sock


def _close(sock: Any) -> None:
    """Close a socket of ours, telling the hub first (it may still watch the number)."""
    notify_close(sock.fileno())
    sock.close()


def _deadline(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"timeout must be a number of seconds >= 0 or None, not {timeout!r}")
    return time.monotonic() + timeout


def udp(
    q: dns.message.Message,
    where: str,
    timeout: float | None = DNS_QUERY_TIMEOUT,
    port: int = 53,
    source: str | None = None,
    source_port: int = 0,
    raise_on_truncation: bool = False,
) -> dns.message.Message:
    """Send query ``q`` to nameserver ``where`` over UDP; return its answer.

    Only the calling green thread waits. Datagrams from any other address or port, with
    another id or question, or that do not parse, are dropped, and the wait goes on. Raises
    ``dns.exception.Timeout`` after ``timeout`` seconds, ``dns.message.Truncated`` for a
    truncated answer if ``raise_on_truncation``, and OSError if the server is unreachable.
    """
    deadline = _deadline(timeout)
    family, destination = _destination(where, port)
    wire = q.to_wire()
    sock = _new_socket(family, _socket.SOCK_DGRAM, source, source_port)
    try:
        # Connected: the kernel drops most datagrams from elsewhere, and reports ICMP errors.
        sock.connect(destination)
        expected = sock.getpeername()[:2]
        while True:
            try:
                sock.send(wire)
                break
            except BlockingIOError:
                _wait(sock, False, deadline)
        while True:
            try:
                data, peer = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                _wait(sock, True, deadline)
                continue
            if peer[:2] != expected:
                continue  # not from the server we asked
            reply = _parse_reply(q, data, raise_on_truncation)
            if reply is not None:
                return reply
    finally:
        _close(sock)


def _parse_reply(
    q: dns.message.Message, data: bytes, raise_on_truncation: bool
) -> dns.message.Message | None:
    """The answer to ``q`` that ``data`` holds, or None for anything else (garbage, forgery)."""
    try:
        reply = dns.message.from_wire(data, raise_on_truncation=raise_on_truncation)
    except dns.message.Truncated as truncated:
        if q.is_response(truncated.message()):
            raise
        return None
    except Exception:
        return None  # malformed: whoever sent it, it must not end the query
    try:
        return reply if q.is_response(reply) else None
    except Exception:
        return None


def _recv_exactly(sock: Any, count: int, deadline: float | None) -> bytes:
    chunks = []
    while count:
        try:
            chunk = sock.recv(count)
        except (BlockingIOError, InterruptedError):
            _wait(sock, True, deadline)
            continue
        if not chunk:
            raise ConnectionResetError(errno.ECONNRESET, "the nameserver closed the connection")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def tcp(
    q: dns.message.Message,
    where: str,
    timeout: float | None = DNS_QUERY_TIMEOUT,
    port: int = 53,
    source: str | None = None,
    source_port: int = 0,
) -> dns.message.Message:
    """Send query ``q`` to nameserver ``where`` over TCP; return its answer.

    Only the calling green thread waits. Messages on the connection that are not the answer
    to ``q`` are skipped. Raises ``dns.exception.Timeout`` after ``timeout`` seconds (for the
    whole exchange), OSError if the connection fails or closes first.
    """
    deadline = _deadline(timeout)
    family, destination = _destination(where, port)
    wire = q.to_wire()
    sock = _new_socket(family, _socket.SOCK_STREAM, source, source_port)
    try:
        code = sock.connect_ex(destination)
        if code in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EALREADY):
            _wait(sock, False, deadline)
            code = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR)
        if code not in (0, errno.EISCONN):
            raise OSError(code, os.strerror(code))
        view = memoryview(len(wire).to_bytes(2, "big") + wire)
        while view:
            try:
                view = view[sock.send(view) :]
            except (BlockingIOError, InterruptedError):
                _wait(sock, False, deadline)
        while True:
            size = int.from_bytes(_recv_exactly(sock, 2, deadline), "big")
            reply = _parse_reply(q, _recv_exactly(sock, size, deadline), False)
            if reply is not None:
                return reply
    finally:
        _close(sock)


# -- the resolver ------------------------------------------------------------------------------


@dataclass
class _Config:
    """What resolv.conf says, after libc's defaults and limits."""

    nameservers: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    ndots: int = _DEFAULT_NDOTS
    timeout: float = _DEFAULT_TIMEOUT
    attempts: int = _DEFAULT_ATTEMPTS
    rotate: bool = False
    edns0: bool = False
    use_vc: bool = False


def _read_resolv_conf(filename: str | None) -> _Config:
    """Parse a resolv.conf (resolv.conf(5)); a missing file gives libc's defaults."""
    config = _Config()
    search: list[str] | None = None
    lines: list[str] = []
    if filename is not None:
        try:
            with open(filename, encoding="utf-8", errors="replace") as file:
                lines = file.readlines()
        except OSError:
            lines = []
    for line in lines:
        fields = line.split()
        if not fields or fields[0][0] in "#;":
            continue
        keyword, values = fields[0], fields[1:]
        if keyword == "nameserver" and values:
            if is_ip_addr(values[0]) and len(config.nameservers) < _MAX_NAMESERVERS:
                config.nameservers.append(values[0])
        elif keyword == "domain" and values:
            search = [values[0]]
        elif keyword == "search":
            search = values[:_MAX_SEARCH]
        elif keyword == "options":
            for option in values:
                _apply_option(config, option)
    if not config.nameservers:
        config.nameservers = ["127.0.0.1"]  # libc asks the local host when none is given
    if search is None:
        # No domain or search line: libc uses the domain of the host's own name.
        hostname = _socket.gethostname()
        search = [hostname.partition(".")[2]] if "." in hostname.strip(".") else []
    config.search = [domain.rstrip(".") for domain in search if domain.strip(".")]
    return config


def _apply_option(config: _Config, option: str) -> None:
    name, _, value = option.partition(":")
    try:
        if name == "ndots":
            config.ndots = min(max(int(value), 0), _MAX_NDOTS)
        elif name == "timeout":
            seconds = float(value)
            if seconds > 0:
                config.timeout = min(seconds, _MAX_TIMEOUT)
        elif name == "attempts":
            config.attempts = min(max(int(value), 1), _MAX_ATTEMPTS)
        elif name == "rotate":
            config.rotate = True
        elif name == "edns0":
            config.edns0 = True
        elif name in ("use-vc", "usevc", "tcp"):
            config.use_vc = True
    except ValueError:
        pass  # libc ignores a malformed option


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
        self._config: _Config | None = None
        self._turn = 0  # where the next query starts with ``rotate``

    # The settings, read from the file on first use.

    def _settings(self) -> _Config:
        config = self._config
        if config is None:
            config = self._config = _read_resolv_conf(self.filename)
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
        rdtype: dns.rdatatype.RdataType | int | str = _A,
        rdclass: dns.rdataclass.RdataClass | int | str = _IN,
        tcp: bool = False,
        source: str | None = None,
        raise_on_no_answer: bool = True,
        use_network: bool = True,
    ) -> dns.resolver.Answer:
        """Look ``qname`` up, like ``dns.resolver.Resolver.resolve``, without blocking.

        The hosts file answers A, AAAA and PTR questions first. A name without a final dot
        is tried with the search domains (before or after the name as given, by ``ndots``).
        Raises ``dns.resolver.NXDOMAIN``, ``dns.resolver.NoAnswer`` (unless
        ``raise_on_no_answer`` is false), ``dns.resolver.NoNameservers`` when every server
        failed, ``dns.resolver.LifetimeTimeout`` when they did not answer in time.
        ``use_network=False`` asks the hosts file only.
        """
        kind = dns.rdatatype.RdataType.make(rdtype)
        klass = dns.rdataclass.RdataClass.make(rdclass)
        name = _query_name(qname)
        if self.hosts is not None and klass == _IN and kind in (_A, _AAAA, _PTR):
            try:
                hosts_name = _as_dns_name(name) if kind == _PTR else name
                answer = self.hosts.query(hosts_name, kind, klass, raise_on_no_answer=False)
            except dns.exception.DNSException:
                answer = None
            if answer is not None and answer.rrset is not None:
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
        if rdtype == _CNAME or response.rcode() != dns.rcode.NOERROR:
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
        combined = _make_response(query)
        combined.flags = last.flags | dns.flags.QR
        combined.set_rcode(last.rcode())
        for rrset in rrsets:
            _add_rrset(combined, combined.answer, rrset)
        for rrset in last.authority:
            _add_rrset(combined, combined.authority, rrset)
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
        name = _query_name(hostname)
        if self.hosts is not None:
            aliases = self.hosts.getaliases(str(name))
            if aliases:
                return aliases
        try:
            answer = self.query(name, _CNAME)
        except dns.exception.DNSException:
            return []
        return [rdata.target.to_text(omit_final_dot=True) for rdata in answer]


def _check_int(what: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an int >= {minimum}, not {value!r}")
    return value


def _query_name(qname: Any) -> Any:
    """``qname`` as str (IDNA-encoded, as the socket module encodes host names) or Name."""
    if isinstance(qname, dns.name.Name):
        return qname
    if isinstance(qname, str):
        return qname.encode("idna").decode("ascii")
    if isinstance(qname, (bytes, bytearray)):
        text = _as_text(qname)
        if text is None:
            raise ValueError(f"a host name must be ASCII, not {qname!r}")
        return text
    raise TypeError(f"a host name must be str or bytes, not {type(qname).__name__}")


#: The resolver the module's functions use; programs may change its settings.
resolver = ResolverProxy(hosts_resolver=HostsResolver(), filename=RESOLV_CONF)


# -- lookups -----------------------------------------------------------------------------------


def resolve(
    name: str,
    family: int = _AF_INET,
    raises: bool = True,
    _proxy: ResolverProxy | None = None,
    use_network: bool = True,
) -> dns.resolver.Answer:
    """The A (``AF_INET``) or AAAA (``AF_INET6``) records of ``name``, hosts file first.

    Returns a ``dns.resolver.Answer``. Raises ``socket.gaierror``: EAI_NONAME when the name
    does not exist or has no such records (with ``raises=False``, an answer with no records
    is returned instead), EAI_AGAIN when the nameservers fail or time out.
    """
    rdtype = _RDTYPE_OF_FAMILY.get(family)
    if rdtype is None:
        raise _gaierror(_socket.EAI_FAMILY)
    proxy = resolver if _proxy is None else _proxy
    try:
        return proxy.query(name, rdtype, raise_on_no_answer=raises, use_network=use_network)
    except dns.resolver.NXDOMAIN as error:
        if raises:
            raise _gaierror_for(error) from None
        qname = _as_dns_name(_query_name(name))
        empty = _make_response(dns.message.make_query(qname, rdtype))
        return dns.resolver.Answer(qname, rdtype, _IN, empty)
    except dns.exception.DNSException as error:
        raise _gaierror_for(error) from None


def resolve_cname(host: str) -> str:
    """The canonical name of ``host``: the end of its CNAME chain (``host`` itself if none)."""
    proxy = resolver
    try:
        answer = proxy.query(host, _CNAME)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return host
    except dns.exception.DNSException as error:
        raise _gaierror_for(error) from None
    return answer[0].target.to_text(omit_final_dot=True)


def getaliases(host: str) -> list[str]:
    """The other names of ``host`` (hosts-file aliases or CNAME names); [] on any failure."""
    try:
        return resolver.getaliases(host)
    except (dns.exception.DNSException, ValueError):
        return []


def _host_text(host: Any) -> str:
    """The host name as ASCII text, IDNA-encoded as the socket module does it."""
    if isinstance(host, str):
        return host.encode("idna").decode("ascii")  # UnicodeError for a bad name, as socket's
    text = _as_text(host)
    if text is None:
        raise _gaierror(_socket.EAI_NONAME)
    return text


@dataclass
class _Found:
    """Addresses for a host name, and what the name resolves to."""

    addresses: list[tuple[int, str]]
    canonical: str
    aliases: list[str]


def _lookup_hosts(proxy: ResolverProxy, name: str, families: Sequence[int]) -> _Found | None:
    hosts = proxy.hosts
    if hosts is None:
        return None
    found = [(family, address) for family in families for address in hosts.lookup(name, family)]
    if not found:
        return None
    canonical = hosts.canonical(name) or (name, [])
    return _Found(found, canonical[0], canonical[1])


def _lookup_dns(proxy: ResolverProxy, name: str, family: int) -> _Found:
    """The addresses of ``name`` of ``family`` from the nameservers; raises gaierror."""
    rdtype = _RDTYPE_OF_FAMILY[family]
    try:
        answer = proxy._resolve(proxy._candidates(name), rdtype, _IN, False, None, True)
    except dns.exception.DNSException as error:
        raise _gaierror_for(error) from None
    assert answer.rrset is not None
    canonical = answer.canonical_name.to_text(omit_final_dot=True)
    aliases = [answer.qname.to_text(omit_final_dot=True)]
    for rrset in answer.chaining_result.cnames:
        aliases.append(rrset.name.to_text(omit_final_dot=True))
    aliases = [alias for i, alias in enumerate(aliases) if alias not in aliases[:i]]
    aliases = [alias for alias in aliases if alias != canonical]
    return _Found([(family, rdata.address) for rdata in answer], canonical, aliases)


def _lookup_dns_outcome(proxy: ResolverProxy, name: str, family: int) -> _Found | OSError:
    """:func:`_lookup_dns`, with its error returned (a green thread's must not be raised)."""
    try:
        return _lookup_dns(proxy, name, family)
    except OSError as error:
        return error


def _lookup(name: str, family: int, flags: int) -> _Found:
    """What getaddrinfo finds for host name ``name``: hosts file first, then DNS.

    ``AF_UNSPEC`` asks for IPv6 and IPv4 at once (IPv6 first in the result); AI_V4MAPPED
    and AI_ALL give IPv4 addresses as IPv4-mapped IPv6 ones; AI_ADDRCONFIG leaves out a
    family the host cannot make sockets of.
    """
    proxy = resolver
    if family == _AF_UNSPEC:
        families = [_AF_INET6, _AF_INET]
        if flags & _socket.AI_ADDRCONFIG:
            families = [f for f in families if _family_configured(f)] or families
    else:
        families = [family]
    found = _lookup_hosts(proxy, name, families)
    if found is not None:
        return _mapped(found, family, flags, proxy, name)
    if len(families) == 1:
        try:
            found = _lookup_dns(proxy, name, families[0])
        except OSError as error:
            mapped = _mapped_only(proxy, name, family, flags, error)
            if mapped is None:
                raise
            return mapped
        return _mapped(found, family, flags, proxy, name)
    # Both families at once: the IPv4 lookup in a green thread of its own.
    ipv4 = spawn(_lookup_dns_outcome, proxy, name, _AF_INET)
    try:
        found_v6 = _lookup_dns_outcome(proxy, name, _AF_INET6)
        found_v4: _Found | OSError = ipv4.wait()
    finally:
        ipv4.kill()  # the caller gave up (a Timeout): stop asking
    results = [r for r in (found_v6, found_v4) if isinstance(r, _Found)]
    if not results:
        errors = [r for r in (found_v6, found_v4) if isinstance(r, OSError)]
        # A name that does not exist beats a server that did not answer.
        for failure in errors:
            if failure.errno == _socket.EAI_NONAME:
                raise failure
        raise errors[0]
    first = results[0]
    addresses = [address for result in results for address in result.addresses]
    return _Found(addresses, first.canonical, first.aliases)


def _family_configured(family: int) -> bool:
    try:
        _socket.socket(family, _socket.SOCK_DGRAM).close()
    except OSError:
        return False
    return True


def _mapped(found: _Found, family: int, flags: int, proxy: ResolverProxy, name: str) -> _Found:
    """With AF_INET6 + AI_V4MAPPED + AI_ALL, add the IPv4 addresses, mapped."""
    if family != _AF_INET6 or flags & _V4MAPPED_ALL != _V4MAPPED_ALL:
        return found
    try:
        ipv4 = _lookup_hosts(proxy, name, [_AF_INET]) or _lookup_dns(proxy, name, _AF_INET)
    except OSError:
        return found
    extra = [(_AF_INET6, "::ffff:" + address) for _, address in ipv4.addresses]
    return _Found(found.addresses + extra, found.canonical, found.aliases)


def _mapped_only(
    proxy: ResolverProxy, name: str, family: int, flags: int, error: OSError
) -> _Found | None:
    """With AF_INET6 + AI_V4MAPPED and no IPv6 address, the IPv4 ones, mapped."""
    if family != _AF_INET6 or not flags & _socket.AI_V4MAPPED:
        return None
    if error.errno != _socket.EAI_NONAME:
        return None
    try:
        ipv4 = _lookup_dns(proxy, name, _AF_INET)
    except OSError:
        return None
    addresses = [(_AF_INET6, "::ffff:" + address) for _, address in ipv4.addresses]
    return _Found(addresses, ipv4.canonical, ipv4.aliases)


_V4MAPPED_ALL = _socket.AI_V4MAPPED | _socket.AI_ALL
# Flags whose work is done here; the numeric getaddrinfo that shapes the results must not
# redo it.
_HANDLED_FLAGS = _socket.AI_CANONNAME | _V4MAPPED_ALL | _socket.AI_ADDRCONFIG


def getaddrinfo(
    host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
) -> list[tuple[Any, Any, int, str, tuple[Any, ...]]]:
    """``socket.getaddrinfo``, asking the hosts file and the nameservers without blocking.

    Numeric hosts and ``host=None`` need no lookup and get exactly the standard library's
    answer; so do bad arguments (the same exceptions). For a host name, IPv6 addresses come
    before IPv4 ones with ``AF_UNSPEC``; AI_CANONNAME puts the canonical name in the first
    entry. Raises ``socket.gaierror`` as libc does: EAI_NONAME for a name that does not
    exist or has no address, EAI_AGAIN when the nameservers fail or time out.
    """
    numeric_flags = flags | _socket.AI_NUMERICHOST if isinstance(flags, int) else flags
    if not isinstance(host, (str, bytes)) or (
        isinstance(flags, int) and flags & _socket.AI_NUMERICHOST
    ):
        # Nothing to look up (None, a wrong type, or the caller forbids lookups).
        return _stdlib_getaddrinfo(host, port, family, type, proto, numeric_flags)
    name = _host_text(host)
    try:
        # A numeric host (in any form libc accepts), and the arguments checked, at once.
        return _stdlib_getaddrinfo(host, port, family, type, proto, numeric_flags)
    except _socket.gaierror as error:
        if error.errno != _socket.EAI_NONAME or not name or "\0" in name or is_ip_addr(name):
            raise
    # A host name: check the other arguments before asking anyone.
    stand_in = "::1" if family == _AF_INET6 else "127.0.0.1"
    _stdlib_getaddrinfo(stand_in, port, family, type, proto, numeric_flags)
    found = _lookup(name, family, flags)
    shape_flags = (flags & ~_HANDLED_FLAGS) | _socket.AI_NUMERICHOST
    results: list[tuple[Any, Any, int, str, tuple[Any, ...]]] = []
    seen = set()
    for address_family, address in found.addresses:
        if (address_family, address) in seen:
            continue
        seen.add((address_family, address))
        results.extend(_stdlib_getaddrinfo(address, port, address_family, type, proto, shape_flags))
    if results and flags & _socket.AI_CANONNAME:
        first = results[0]
        results[0] = (first[0], first[1], first[2], found.canonical, first[4])
    return results


def _passes_through(name: Any) -> bool:
    """Arguments the standard library rejects before any lookup (wrong type, NUL byte)."""
    if not isinstance(name, (str, bytes, bytearray)):
        return True
    if isinstance(name, str):
        return "\0" in name
    return b"\0" in name


def _numeric_ipv4(text: str) -> str | None:
    """The IPv4 address ``text`` spells (libc's forms, ``127.1`` too), None for a name.

    Raises the standard library's error for an address of the wrong family.
    """
    try:
        infos = _stdlib_getaddrinfo(text, None, _AF_INET, 0, 0, _socket.AI_NUMERICHOST)
    except _socket.gaierror as error:
        if error.errno != _socket.EAI_NONAME or is_ip_addr(text):
            raise
        return None
    return str(infos[0][4][0])


def gethostbyname(hostname: Any) -> str:
    """``socket.gethostbyname``: the first IPv4 address of ``hostname``, without blocking."""
    if _passes_through(hostname) or hostname in ("", b"", "<broadcast>", b"<broadcast>"):
        return str(_socket.gethostbyname(hostname))  # answered (or refused) with no lookup
    name = _host_text(hostname)
    address = _numeric_ipv4(name)
    if address is not None:
        return address
    return _lookup(name, _AF_INET, 0).addresses[0][1]


def gethostbyname_ex(hostname: Any) -> tuple[str, list[str], list[str]]:
    """``socket.gethostbyname_ex``: ``(canonical name, aliases, IPv4 addresses)``."""
    if _passes_through(hostname):
        return _socket.gethostbyname_ex(hostname)
    if hostname in ("", b""):
        raise _herror(_NO_RECOVERY)
    name = _host_text(hostname)
    address = _numeric_ipv4(name)
    if address is not None:
        return name, [], [address]
    found = _lookup(name, _AF_INET, 0)
    addresses = []
    for _, address in found.addresses:
        if address not in addresses:
            addresses.append(address)
    return found.canonical, found.aliases, addresses


def _reverse(address: str) -> tuple[str, list[str]]:
    """``(name, aliases)`` for ``address``: hosts file, then PTR records; raises DNSException."""
    address = address.partition("%")[0]
    proxy = resolver
    if proxy.hosts is not None:
        found = proxy.hosts.reverse(address)
        if found is not None:
            return found
    answer = proxy.query(dns.reversename.from_address(address), _PTR)
    names = [rdata.target.to_text(omit_final_dot=True) for rdata in answer]
    return names[0], names[1:]


def gethostbyaddr(ip_address: Any) -> tuple[str, list[str], list[str]]:
    """``socket.gethostbyaddr``: ``(name, aliases, [address])`` by hosts file or PTR records.

    Like the standard library, a host name is first resolved to its address. Raises
    ``socket.herror`` (1, "Unknown host") when no name is found, (2, ...) when the
    nameservers fail.
    """
    if _passes_through(ip_address):
        return _socket.gethostbyaddr(ip_address)
    text = _host_text(ip_address)
    try:
        infos = _stdlib_getaddrinfo(text, None, 0, _socket.SOCK_DGRAM, 0, _socket.AI_NUMERICHOST)
    except _socket.gaierror as error:
        if error.errno != _socket.EAI_NONAME or is_ip_addr(text):
            raise
        infos = getaddrinfo(text, None, 0, _socket.SOCK_DGRAM)
    address = str(infos[0][4][0])
    try:
        name, aliases = _reverse(address)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        raise _herror(_HOST_NOT_FOUND) from None
    except dns.exception.DNSException:
        raise _herror(_TRY_AGAIN) from None
    return name, aliases, [address.partition("%")[0]]


def getnameinfo(sockaddr: Any, flags: int) -> tuple[str, str]:
    """``socket.getnameinfo``: ``(host, port)`` for a numeric socket address.

    The host name comes from the hosts file or PTR records; without one the numeric address
    is given, or with NI_NAMEREQD ``socket.gaierror`` is raised. Arguments are checked, and
    the service named, by the standard library itself.
    """
    if not isinstance(flags, int) or flags & _socket.NI_NUMERICHOST:
        return _socket.getnameinfo(sockaddr, flags)
    numeric_host, service = _socket.getnameinfo(
        sockaddr, (flags | _socket.NI_NUMERICHOST) & ~_socket.NI_NAMEREQD
    )
    try:
        name, _ = _reverse(numeric_host)
    except dns.exception.DNSException as error:
        if flags & _socket.NI_NAMEREQD:
            temporary = isinstance(error, (dns.exception.Timeout, dns.resolver.NoNameservers))
            raise _gaierror(_socket.EAI_AGAIN if temporary else _socket.EAI_NONAME) from None
        return numeric_host, service
    if flags & _socket.NI_NOFQDN:
        host, _, domain = name.partition(".")
        if domain and domain.lower() in (d.lower() for d in resolver.search):
            name = host
    return name, service
