"""The ``socket`` module's name functions, answered by greendns without blocking.

:func:`getaddrinfo`, :func:`gethostbyname`, :func:`gethostbyname_ex`, :func:`gethostbyaddr`
and :func:`getnameinfo` give the standard library's results and exceptions. Host names are
looked up through ``greendns.resolve`` and reverse lookups through ``greendns.resolver``,
both read from the public module at call time, so a program (or a test) that replaces
either is obeyed.

This module does not import dnspython: ``eventlet.green.socket`` binds these functions at
import, and dnspython loads on the first lookup that needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventlet.green._getaddrinfo import as_text, is_ip_addr
from eventlet.green._getaddrinfo import c_socket as _socket
from eventlet.green._getaddrinfo import stdlib_getaddrinfo as _stdlib_getaddrinfo
from eventlet.support._greendns import face
from eventlet.support._greendns.errors import (
    HOST_NOT_FOUND,
    NO_RECOVERY,
    TRY_AGAIN,
    gaierror,
    gaierror_for,
    herror,
    is_dns_error,
    is_temporary,
)

__all__ = ["getaddrinfo", "gethostbyaddr", "gethostbyname", "gethostbyname_ex", "getnameinfo"]

_AF_INET = _socket.AF_INET
_AF_INET6 = _socket.AF_INET6
_AF_UNSPEC = _socket.AF_UNSPEC
_V4MAPPED_ALL = _socket.AI_V4MAPPED | _socket.AI_ALL
# Flags whose work is done here; the numeric getaddrinfo that shapes the results must not
# redo it.
_HANDLED_FLAGS = _socket.AI_CANONNAME | _V4MAPPED_ALL | _socket.AI_ADDRCONFIG


def _host_text(host: Any) -> str:
    """The host name as ASCII text, IDNA-encoded as the socket module does it."""
    if isinstance(host, str):
        return host.encode("idna").decode("ascii")  # UnicodeError for a bad name, as socket's
    text = as_text(host)
    if text is None:
        raise gaierror(_socket.EAI_NONAME)
    return text


def _name_text(name: Any) -> str:
    """A name from an answer (``dns.name.Name`` or str) as text without the final dot."""
    to_text = getattr(name, "to_text", None)
    text = to_text(omit_final_dot=True) if to_text is not None else str(name)
    return text if text == "." else text.rstrip(".")


class _Found:
    """Addresses for a host name, and what the name resolves to."""

    # A plain class, not a dataclass: making one costs a millisecond at import.
    __slots__ = ("addresses", "aliases", "canonical")

    def __init__(self, addresses: list[tuple[int, str]], canonical: str, aliases: list[str]):
        self.addresses = addresses
        self.canonical = canonical
        self.aliases = aliases


def _ask(name: str, family: int, use_network: bool) -> Any:
    """``greendns.resolve(name, family, False, use_network=...)``, errors as gaierror."""
    try:
        return face().resolve(name, family, False, use_network=use_network)
    except OSError:
        raise
    except Exception as error:
        if is_dns_error(error):  # a replacement resolve may let dnspython's errors out
            raise gaierror_for(error) from None
        raise


def _found(name: str, family: int, answer: Any) -> _Found | None:
    """What ``answer`` says of ``name``: addresses, canonical name, aliases (None: nothing)."""
    records = list(answer.rrset or ()) if answer is not None else []
    if not records:
        return None
    addresses = [(family, str(rdata.address)) for rdata in records]
    hosts_names = getattr(answer, "hosts_names", None)
    if hosts_names is not None:  # from the hosts file: its line's names
        return _Found(addresses, hosts_names[0], list(hosts_names[1]))
    canonical = _name_text(getattr(answer, "canonical_name", None) or answer.qname)
    aliases: list[str] = []
    chaining = getattr(answer, "chaining_result", None)
    if chaining is not None:  # a nameserver's answer: the names along the CNAME chain
        aliases.append(_name_text(answer.qname))
        aliases.extend(_name_text(rrset.name) for rrset in chaining.cnames)
    aliases = [alias for i, alias in enumerate(aliases) if alias not in aliases[:i]]
    return _Found(addresses, canonical, [alias for alias in aliases if alias != canonical])


def _lookup_one(name: str, family: int, use_network: bool) -> _Found:
    """The addresses of ``name`` of ``family``; raises gaierror (EAI_NONAME: none)."""
    found = _found(name, family, _ask(name, family, use_network))
    if found is None:
        raise gaierror(_socket.EAI_NONAME)
    return found


def _lookup_outcome(name: str, family: int) -> _Found | OSError:
    """:func:`_lookup_one` from the network, with its error returned (a green thread's must
    not be raised)."""
    try:
        return _lookup_one(name, family, True)
    except OSError as error:
        return error


def _lookup(name: str, family: int, flags: int) -> _Found:
    """What getaddrinfo finds for host name ``name``: hosts file first, then DNS.

    ``AF_UNSPEC`` asks for IPv6 and IPv4 at once (IPv6 first in the result); AI_V4MAPPED
    and AI_ALL give IPv4 addresses as IPv4-mapped IPv6 ones; AI_ADDRCONFIG leaves out a
    family the host cannot make sockets of.
    """
    if family == _AF_UNSPEC:
        families = [_AF_INET6, _AF_INET]
        if flags & _socket.AI_ADDRCONFIG:
            families = [f for f in families if _family_configured(f)] or families
    else:
        families = [family]
    # The hosts file first, for every family: a name it knows is not asked of the network.
    local = [_found(name, f, _ask(name, f, False)) for f in families]
    known = [found for found in local if found is not None]
    if known:
        return _mapped(_merge(known), family, flags, name)
    if len(families) == 1:
        try:
            found = _lookup_one(name, families[0], True)
        except OSError as error:
            mapped = _mapped_only(name, family, flags, error)
            if mapped is None:
                raise
            return mapped
        return _mapped(found, family, flags, name)
    # Both families at once: the IPv4 lookup in a green thread of its own. (Imported here:
    # eventlet.green.socket imports this module, and most programs never get this far.)
    from eventlet.greenthread import spawn

    ipv4 = spawn(_lookup_outcome, name, _AF_INET)
    try:
        found_v6 = _lookup_outcome(name, _AF_INET6)
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
    return _merge(results)


def _merge(results: Sequence[_Found]) -> _Found:
    """One result of several families' (the first one names the host)."""
    addresses = [address for result in results for address in result.addresses]
    return _Found(addresses, results[0].canonical, results[0].aliases)


def _family_configured(family: int) -> bool:
    try:
        _socket.socket(family, _socket.SOCK_DGRAM).close()
    except OSError:
        return False
    return True


def _mapped(found: _Found, family: int, flags: int, name: str) -> _Found:
    """With AF_INET6 + AI_V4MAPPED + AI_ALL, add the IPv4 addresses, mapped."""
    if family != _AF_INET6 or flags & _V4MAPPED_ALL != _V4MAPPED_ALL:
        return found
    try:
        ipv4 = _lookup_one(name, _AF_INET, True)
    except OSError:
        return found
    extra = [(_AF_INET6, "::ffff:" + address) for _, address in ipv4.addresses]
    return _Found(found.addresses + extra, found.canonical, found.aliases)


def _mapped_only(name: str, family: int, flags: int, error: OSError) -> _Found | None:
    """With AF_INET6 + AI_V4MAPPED and no IPv6 address, the IPv4 ones, mapped."""
    if family != _AF_INET6 or not flags & _socket.AI_V4MAPPED:
        return None
    if error.errno != _socket.EAI_NONAME:
        return None
    try:
        ipv4 = _lookup_one(name, _AF_INET, True)
    except OSError:
        return None
    addresses = [(_AF_INET6, "::ffff:" + address) for _, address in ipv4.addresses]
    return _Found(addresses, ipv4.canonical, ipv4.aliases)


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
        raise herror(NO_RECOVERY)
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
    """``(name, aliases)`` for ``address`` by ``greendns.resolver`` (hosts file, then PTR
    records); raises dnspython's errors."""
    import dns.rdatatype
    import dns.reversename

    address = address.partition("%")[0]
    answer = face().resolver.query(dns.reversename.from_address(address), dns.rdatatype.PTR)
    names = [_name_text(rdata.target) for rdata in answer]
    if not names:
        import dns.resolver

        raise dns.resolver.NoAnswer()
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
    except Exception as error:
        if not is_dns_error(error):
            raise
        raise herror(TRY_AGAIN if is_temporary(error) else HOST_NOT_FOUND) from None
    return name, aliases, [address.partition("%")[0]]


def getnameinfo(sockaddr: Any, flags: int) -> tuple[str, str]:
    """``socket.getnameinfo``: ``(host, port)`` for a numeric socket address.

    The host name comes from the hosts file or PTR records (``greendns.resolver``); without
    one the numeric address is given, or with NI_NAMEREQD ``socket.gaierror`` is raised.
    Arguments are checked, and the service named, by the standard library itself.
    """
    if not isinstance(flags, int) or flags & _socket.NI_NUMERICHOST:
        return _socket.getnameinfo(sockaddr, flags)
    numeric_host, service = _socket.getnameinfo(
        sockaddr, (flags | _socket.NI_NUMERICHOST) & ~_socket.NI_NAMEREQD
    )
    try:
        name, _ = _reverse(numeric_host)
    except Exception as error:
        if not is_dns_error(error):
            raise
        if flags & _socket.NI_NAMEREQD:
            raise gaierror(
                _socket.EAI_AGAIN if is_temporary(error) else _socket.EAI_NONAME
            ) from None
        return numeric_host, service
    if flags & _socket.NI_NOFQDN:
        host, _, domain = name.partition(".")
        search = getattr(face().resolver, "search", ())
        if domain and domain.lower() in (d.lower() for d in search):
            name = host
    return name, service
