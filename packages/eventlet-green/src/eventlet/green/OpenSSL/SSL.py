"""Green ``OpenSSL.SSL``: pyOpenSSL's module with a :class:`Connection` that waits on the hub.

A pyOpenSSL connection over a non-blocking socket raises ``WantReadError`` or
``WantWriteError`` when OpenSSL needs the socket to become readable or writable. The green
:class:`Connection` catches them, suspends the calling green thread until the socket is ready
(other green threads run meanwhile), and calls OpenSSL again, honouring the socket's timeout:
``None`` waits as long as it takes, a number raises ``TimeoutError("timed out")``
(``socket.timeout``) when it runs out, and ``0.0`` (a non-blocking socket) lets the ``Want*``
errors through, as pyOpenSSL does. Every other error (``SysCallError``, ``ZeroReturnError``,
``Error``) comes out unchanged.

Everything else (``Context``, the constants, the errors) is pyOpenSSL's own.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from OpenSSL import SSL as _SSL
from OpenSSL.SSL import *  # noqa: F403  (pyOpenSSL's whole interface)

from eventlet.green._inject import original
from eventlet.greenio import GreenSocket, set_nonblocking
from eventlet.hubs import get_hub, trampoline

__all__ = list(_SSL.__all__)
__patched__ = ["Connection"]

_T = TypeVar("_T")
_RealSocket: type = original("socket").socket
_WantReadError = _SSL.WantReadError
_WantWriteError = _SSL.WantWriteError
# SSL_write takes an int length: this is the most one send() may pass.
_MAX_WRITE = 2**31 - 1


def _timed_out() -> TimeoutError:
    return TimeoutError("timed out")


def _green_transport(sock: Any) -> Any:
    """The object the connection does its I/O on: ``sock``, with a non-blocking descriptor.

    A standard-library socket is wrapped in a :class:`~eventlet.greenio.GreenSocket`, which
    keeps the socket's timeout and makes ``connect``, ``accept``, ``settimeout`` and
    ``close`` green as well. Any other object with ``fileno()`` (what pyOpenSSL accepts) is
    used as it is, its descriptor switched to non-blocking.
    """
    if isinstance(sock, GreenSocket):
        return sock
    if isinstance(sock, _RealSocket):
        return GreenSocket(sock)
    if not callable(getattr(sock, "fileno", None)) and not isinstance(sock, int):
        raise TypeError(
            "Connection() needs a socket (or an object with fileno()) as its transport, "
            f"or None for memory BIOs; got {type(sock).__name__}"
        )
    set_nonblocking(sock)
    return sock


class _GreenConnection(_SSL.Connection):
    """:class:`OpenSSL.SSL.Connection` whose calls wait on the hub instead of raising
    ``WantReadError``/``WantWriteError`` (unless the socket's timeout is ``0.0``).

    ``Connection(context, sock)``: ``sock`` may be a standard-library socket (it is wrapped
    in a GreenSocket, keeping its timeout), a :class:`~eventlet.greenio.GreenSocket`, or
    None for a connection over memory BIOs, which has no descriptor to wait on and so
    behaves exactly as pyOpenSSL's (``bio_read``, ``bio_write`` and the ``Want*`` errors are
    for the caller to handle).
    """

    def __init__(self, context: _SSL.Context, socket: Any = None) -> None:
        if socket is not None:
            socket = _green_transport(socket)
        super().__init__(context, socket)

    # -- the retry loop ---------------------------------------------------------------------

    def _green_timeout(self) -> float | None:
        gettimeout = getattr(self._socket, "gettimeout", None)
        return gettimeout() if gettimeout is not None else None

    def _green_call(self, call: Callable[..., _T], *args: Any) -> _T:
        """``call(*args)``, waiting for the socket and calling again while OpenSSL wants I/O.

        The socket's timeout bounds the whole call, across its waits.
        """
        transport = self._socket
        if transport is None:
            return call(*args)  # memory BIOs: nothing to wait on
        timeout = self._green_timeout()
        deadline = None
        while True:
            try:
                return call(*args)
            except (_WantReadError, _WantWriteError) as error:
                if timeout == 0.0:
                    raise  # a non-blocking socket: the caller handles it, as in pyOpenSSL
                want_read = isinstance(error, _WantReadError)
            remaining = None
            if timeout is not None:
                hub = get_hub()
                if deadline is None:
                    deadline = hub.clock() + timeout
                remaining = deadline - hub.clock()
                if remaining <= 0:
                    raise _timed_out()
            trampoline(
                transport,
                read=want_read,
                write=not want_read,
                timeout=remaining,
                timeout_exc=_timed_out() if remaining is not None else None,
            )

    # -- pyOpenSSL's calls that do I/O, made green ------------------------------------------

    def do_handshake(self) -> None:
        """Perform the TLS handshake, waiting on the hub for the socket as needed."""
        self._green_call(super().do_handshake)

    def send(self, buf: Any, flags: int = 0) -> int:
        """Send some of ``buf``; return how many bytes went (see :meth:`sendall`)."""
        return self._green_call(super().send, buf, flags)

    write = send

    def sendall(self, buf: Any, flags: int = 0) -> int:
        """Send all of ``buf``, waiting on the hub as needed; return its length.

        Unlike pyOpenSSL's, this can wait part-way and go on: each write that OpenSSL could
        not finish is retried with the same data, as OpenSSL requires.
        """
        if isinstance(buf, str):
            warnings.warn(
                "str for buf is no longer accepted, use bytes", DeprecationWarning, stacklevel=2
            )
            buf = buf.encode("utf-8")
        with memoryview(buf) as whole:
            view = whole.cast("B") if whole.format != "B" or whole.ndim != 1 else whole
            total = 0
            size = len(view)
            while total < size:
                total += self.send(view[total : total + _MAX_WRITE], flags)
            return total

    def recv(self, bufsiz: int, flags: int | None = None) -> bytes:
        """Receive up to ``bufsiz`` bytes, waiting on the hub until some arrive."""
        return self._green_call(super().recv, bufsiz, flags)

    read = recv

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int | None = None) -> int:
        """Receive into ``buffer`` (up to ``nbytes``); return how many bytes were stored."""
        return self._green_call(super().recv_into, buffer, nbytes, flags)

    def shutdown(self) -> bool:
        """Send the TLS close-notify alert, waiting on the hub as needed.

        Returns True once both sides have sent theirs, False if only ours is sent so far.
        """
        return self._green_call(super().shutdown)

    def DTLSv1_listen(self) -> None:
        """Wait for a DTLS ClientHello with a valid cookie, on the hub."""
        self._green_call(super().DTLSv1_listen)

    def accept(self) -> tuple[_GreenConnection, Any]:
        """Accept a connection on the listening socket; return a green ``(Connection, addr)``.

        The new connection is in accept state; its handshake happens on first I/O or on
        :meth:`do_handshake`.
        """
        transport = self._socket
        if transport is None:
            raise TypeError("accept() needs a Connection over a socket, not over memory BIOs")
        client, address = transport.accept()
        connection = type(self)(self.get_context(), client)
        connection.set_accept_state()
        return connection, address


# The public name. The class is defined under a private one so that type checkers, which see
# pyOpenSSL's Connection under the public name through the star import, check this module's
# code against the green class; at run time the public name is the green one.
Connection = _GreenConnection  # type: ignore[misc]
_GreenConnection.__name__ = _GreenConnection.__qualname__ = "Connection"
# Upstream Eventlet's names for it.
GreenConnection = ConnectionType = Connection


def __getattr__(name: str) -> Any:
    """The names of ``OpenSSL.SSL`` outside its ``__all__``, which some programs reach for."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(_SSL, name)
