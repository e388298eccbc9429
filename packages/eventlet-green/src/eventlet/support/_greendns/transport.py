"""One query to one nameserver, over UDP (:func:`udp`) or TCP (:func:`tcp`), waiting green.

A packet from another address or port, with another query id or question, or that does not
parse, is dropped and the wait goes on until the right answer or the timeout: a forged or
garbage packet cannot end a query. The sockets are the original ``socket`` module's (the C
module's), so queries work the same whether or not the program is monkey patched.
"""

from __future__ import annotations

import errno
import os
import time
from typing import Any

import dns.exception
import dns.message

from eventlet.green._getaddrinfo import c_socket as _socket
from eventlet.green._getaddrinfo import is_ip_addr, is_ipv4_addr
from eventlet.green._getaddrinfo import stdlib_getaddrinfo as _stdlib_getaddrinfo
from eventlet.hubs import notify_close, notify_opened, trampoline

__all__ = ["DNS_QUERY_TIMEOUT", "tcp", "udp"]

#: Default seconds :func:`udp` and :func:`tcp` wait for an answer.
DNS_QUERY_TIMEOUT = 10.0

_AF_INET = _socket.AF_INET
_AF_INET6 = _socket.AF_INET6


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
