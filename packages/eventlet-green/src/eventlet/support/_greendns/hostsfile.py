"""The hosts file: :class:`HostsResolver` answers from it, in :class:`HostsAnswer` objects."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.reversename
import dns.rrset

from eventlet.green._getaddrinfo import c_socket as _socket
from eventlet.support._greendns.dnsutil import AAAA, CNAME, IN, PTR, A, as_dns_name

__all__ = ["HOSTS_FILE", "HOSTS_TTL", "HostsAnswer", "HostsResolver", "normal_address"]

#: Seconds between two checks of the hosts file for changes.
HOSTS_TTL = 10.0
#: The hosts file read by default.
HOSTS_FILE = "/etc/hosts"

_AF_INET = _socket.AF_INET
_AF_INET6 = _socket.AF_INET6


def normal_address(address: str) -> tuple[int, str] | None:
    """``(family, canonical text)`` of an address (``::0001`` gives ``::1``), else None."""
    for family in (_AF_INET, _AF_INET6):
        try:
            return family, _socket.inet_ntop(family, _socket.inet_pton(family, address))
        except (OSError, ValueError):
            continue
    return None


def _is_link_local(address: str) -> bool:
    """Whether ``address`` (canonical IPv6 text) is in fe80::/10."""
    packed = _socket.inet_pton(_AF_INET6, address)
    return packed[0] == 0xFE and packed[1] & 0xC0 == 0x80


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
    """An answer made from the hosts file rather than from a nameserver.

    Built as ``HostsAnswer(qname, rdtype, rdclass, rrset, raise_on_no_answer=True)``:
    ``response`` is None (no server sent a message). With no records in ``rrset`` (None or
    empty), ``dns.resolver.NoAnswer`` is raised, or with ``raise_on_no_answer=False`` the
    answer holds an empty RRset (``len(answer) == 0``).
    """

    def __init__(
        self,
        qname: dns.name.Name | str,
        rdtype: dns.rdatatype.RdataType | int | str,
        rdclass: dns.rdataclass.RdataClass | int | str,
        rrset: Any,
        raise_on_no_answer: bool = True,
    ) -> None:
        # Not Answer.__init__: that one reads the records out of a response message.
        name = as_dns_name(qname)
        kind = dns.rdatatype.RdataType.make(rdtype)
        klass = dns.rdataclass.RdataClass.make(rdclass)
        self.qname = name
        self.rdtype = kind
        self.rdclass = klass
        self.canonical_name = name
        self.response = None  # type: ignore[assignment]
        self.nameserver = None
        self.port = None
        if not rrset:
            if raise_on_no_answer:
                raise dns.resolver.NoAnswer()
            if rrset is None:
                rrset = dns.rrset.RRset(name, klass, kind)
        self.rrset = rrset
        ttl = getattr(rrset, "ttl", None)
        self.expiration = time.time() + ttl if isinstance(ttl, (int, float)) else 0.0
        # The hosts-file line's (official name, aliases), when a HostsResolver made this.
        self.hosts_names: tuple[str, list[str]] | None = None


class HostsResolver:
    """Answers from a hosts file (``/etc/hosts`` unless ``fname`` is given).

    The file is read on first use and read again when it changes: its modification time is
    checked at most every ``interval`` seconds (0: at every lookup). Link-local IPv6
    entries (``fe80::...%zone``) are skipped: an address without its interface is no use.
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
            normal = normal_address(fields[0].partition("%")[0])
            if normal is None:
                continue  # not an address: libc skips such lines too
            if normal[0] == _AF_INET6 and _is_link_local(normal[1]):
                continue
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
        normal = normal_address(address.partition("%")[0])
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
        rdtype: dns.rdatatype.RdataType | int | str = A,
        rdclass: dns.rdataclass.RdataClass | int | str = IN,
        tcp: bool = False,
        source: str | None = None,
        raise_on_no_answer: bool = True,
    ) -> HostsAnswer:
        """An A, AAAA, PTR or CNAME answer from the file, like ``dns.resolver.Resolver.resolve``.

        A CNAME question about an alias answers the line's official name; a PTR question
        answers every name of the address's line, the official one first. With nothing in
        the file, raise ``dns.resolver.NoAnswer`` (or, with ``raise_on_no_answer=False``,
        return an answer with an empty RRset). ``tcp`` and ``source`` are accepted for the
        resolver's signature and ignored.
        """
        name = as_dns_name(qname)
        kind = dns.rdatatype.RdataType.make(rdtype)
        klass = dns.rdataclass.RdataClass.make(rdclass)
        values: list[str] = []
        names: tuple[str, list[str]] | None = None
        if klass == IN and kind in (A, AAAA, CNAME):
            text = name.to_text(omit_final_dot=True)
            if kind == CNAME:
                names = self.canonical(text)
                if names is not None and _hosts_key(names[0]) != _hosts_key(text):
                    values = [dns.name.from_text(names[0]).to_text()]
            else:
                values = self.lookup(text, _AF_INET if kind == A else _AF_INET6)
                names = self.canonical(text) if values else None
        elif klass == IN and kind == PTR:
            try:
                address = dns.reversename.to_address(name)
            except (dns.exception.DNSException, ValueError):
                address = ""
            names = self.reverse(address) if address else None
            if names is not None:
                values = [dns.name.from_text(n).to_text() for n in (names[0], *names[1])]
        rrset = None
        if values:
            rrset = dns.rrset.from_text_list(name, int(self.interval), klass, kind, values)
        answer = HostsAnswer(name, kind, klass, rrset, raise_on_no_answer)
        answer.hosts_names = names if values else None
        return answer
