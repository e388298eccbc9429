"""The ``ssl`` module with green sockets: TLS calls wait on the hub, not on the OS.

Every name of the running Python's ``ssl`` module is here (its private helpers too, so code
reaching for ``ssl._create_default_https_context`` keeps working), with these replaced:

- :class:`GreenSSLSocket` (also ``SSLSocket``): a subclass of the stdlib ``ssl.SSLSocket``
  whose OS socket is always non-blocking. The user's timeout (``settimeout``,
  ``setblocking``) is kept in Python: ``None`` blocks the calling green thread only, ``0.0``
  raises ``SSLWantReadError`` / ``SSLWantWriteError`` / ``BlockingIOError`` as the stdlib
  does, and a number of seconds raises ``TimeoutError`` with the stdlib's own message.
- :class:`GreenSSLContext` (also ``SSLContext``): its ``wrap_socket`` returns green sockets.
- ``create_default_context``, ``_create_unverified_context`` (``_create_stdlib_context``),
  ``_create_default_https_context``, ``get_server_certificate`` and, where the running
  Python still has it, ``wrap_socket``: the stdlib's own functions, re-bound to this module
  so they build green contexts and connect with green sockets.
- ``socket`` and ``create_connection``: those of :mod:`eventlet.green.socket`.

``SSLObject`` and ``SSLContext.wrap_bio`` need no change: memory BIOs never block.
"""

# No `from __future__ import annotations`: it would add a public name the stdlib ssl lacks.
import os as _os
from _socket import socket as _CSocket
from _ssl import SSLWantReadError, SSLWantWriteError
from collections.abc import Callable as _Callable
from functools import cache as _cache
from functools import partial as _partial
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from eventlet.green._inject import original as _original
from eventlet.green._inject import rebind as _rebind
from eventlet.green._inject import slurp_properties as _slurp_properties

# create_connection is for the re-bound get_server_certificate below.
from eventlet.green.socket import create_connection, socket  # noqa: F401
from eventlet.greenio import _wait as _green_wait
from eventlet.greenio.base import resolve_address as _resolve_address
from eventlet.hubs import notify_close as _notify_close

if _TYPE_CHECKING:
    import socket as _stdlib_socket
    import ssl as _stdlib_ssl
    from ssl import *  # noqa: F403  (the whole standard-library interface)
else:
    # The real modules, even when monkey patching has put green ones in sys.modules.
    _stdlib_socket = _original("socket")
    _stdlib_ssl = _original("ssl")

# Every other name of the stdlib module, private ones included, so the stdlib functions
# re-bound below find what they use (_ASN1Object, _ssl, ...). The names imported above win.
_slurp_properties(_stdlib_ssl, globals(), ignore=set(globals()))

if hasattr(_stdlib_ssl, "__all__"):  # ssl has none up to 3.13; follow it if it gets one
    __all__ = list(_stdlib_ssl.__all__)

__patched__ = [
    "SSLContext",
    "SSLSocket",
    "_create_default_https_context",
    "_create_stdlib_context",
    "_create_unverified_context",
    "create_connection",
    "create_default_context",
    "get_server_certificate",
    "socket",
]


# The stdlib's messages for an expired timeout, by the operation that was waiting.
_TIMEOUT_MESSAGES = {
    "socket": "timed out",
    "read": "The read operation timed out",
    "write": "The write operation timed out",
}


@_cache
def _handshake_timeout_message() -> str:
    """The stdlib's text for a handshake timeout, which names a line of ``_ssl.c``.

    The line differs between Python versions, so it is read from the stdlib itself: a
    client handshake over a socketpair with a timeout that has already run out when OpenSSL
    first wants to read raises it at once, without waiting.
    """
    context = _stdlib_ssl.SSLContext(_stdlib_ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = _stdlib_ssl.CERT_NONE
    left, right = _stdlib_socket.socketpair()
    with right, context.wrap_socket(left, do_handshake_on_connect=False) as probe:
        probe.settimeout(1e-9)
        for _attempt in range(100):
            try:
                probe.do_handshake()
            except TimeoutError as exc:
                return str(exc)
            except SSLWantReadError:
                continue  # the deadline was exactly now: not yet out, try again
    return "The handshake operation timed out"  # pragma: no cover (not seen on CPython)


def _timeout_error(operation: str, read: bool) -> TimeoutError:
    """The TimeoutError the stdlib raises when ``operation`` runs out of time."""
    if operation == "handshake":
        return TimeoutError(_handshake_timeout_message())
    if operation == "shutdown":  # the stdlib names the direction it was waiting in
        operation = "read" if read else "write"
    return TimeoutError(_TIMEOUT_MESSAGES[operation])


# ``timed_out(read)`` for each operation, as eventlet.greenio._wait wants it.
_TIMED_OUT = {
    operation: _partial(_timeout_error, operation)
    for operation in ("socket", "read", "write", "handshake", "shutdown")
}
_socket_timed_out = _TIMED_OUT["socket"]


class _GreenSocketBase(_stdlib_socket.socket):
    """The plain-socket layer under :class:`GreenSSLSocket`.

    ``ssl.SSLSocket`` calls ``super().recv(...)``, ``super().connect(...)`` and so on for its
    plain (not yet or no longer encrypted) operations. :class:`GreenSSLSocket` puts this
    class between ``ssl.SSLSocket`` and ``socket.socket``, so those calls land here: each
    tries the non-blocking system call and waits on the hub only when it would block.
    """

    # Until __init__ runs; the stdlib's SSLSocket._create asks for it early.
    _timeout: float | None = None

    def __init__(
        self, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None
    ) -> None:
        """Open (or adopt ``fileno``) as ``socket.socket`` does, then make the OS side non-blocking."""
        super().__init__(family, type, proto, fileno)
        self._timeout = _CSocket.gettimeout(self)
        _CSocket.settimeout(self, 0.0)

    # -- the timeout, kept in Python ---------------------------------------------------------

    def settimeout(self, value: float | None, /) -> None:
        """Set the timeout of blocking operations: None blocks, 0.0 never waits."""
        _CSocket.settimeout(self, value)  # the stdlib's own checks and error messages
        self._timeout = _CSocket.gettimeout(self)
        _CSocket.settimeout(self, 0.0)

    def gettimeout(self) -> float | None:
        """The timeout set by :meth:`settimeout` or :meth:`setblocking`."""
        return self._timeout

    def setblocking(self, flag: bool, /) -> None:
        """``setblocking(True)`` is ``settimeout(None)``, ``setblocking(False)`` is ``settimeout(0.0)``."""
        _CSocket.setblocking(self, flag)
        self._timeout = _CSocket.gettimeout(self)
        _CSocket.settimeout(self, 0.0)

    def getblocking(self) -> bool:
        """False in non-blocking mode (timeout 0.0), True otherwise, as the stdlib says."""
        return self._timeout != 0.0

    @property
    def timeout(self) -> float | None:
        """The timeout, as :meth:`gettimeout` returns it."""
        return self._timeout

    # -- waiting -----------------------------------------------------------------------------

    def _wait(
        self, read: bool, operation: str, timeout: float | None, deadline: float | None
    ) -> float | None:
        """Suspend until the socket is readable (``read``) or writable.

        ``deadline`` is None on an operation's first wait and is returned set, so one
        operation's waits share one timeout, as in the stdlib.
        """
        return _green_wait.wait(
            self.fileno(), read, timeout, deadline, None, _TIMED_OUT[operation]
        )

    def _socket_call(self, read: bool, method: _Callable[..., _Any], *args: _Any) -> _Any:
        """Run a non-blocking C socket method, waiting on the hub while it would block."""
        try:
            return method(self, *args)
        except BlockingIOError:
            timeout = self._timeout
            if timeout == 0.0:
                raise
        return _green_wait.retry(
            method, (self, *args), read, self.fileno(), timeout, None, _socket_timed_out
        )

    # -- plain operations --------------------------------------------------------------------

    def recv(self, bufsize: int, flags: int = 0, /) -> bytes:
        """Receive up to ``bufsize`` bytes."""
        return self._socket_call(True, _CSocket.recv, bufsize, flags)

    def recv_into(self, buffer: _Any, nbytes: int = 0, flags: int = 0) -> int:
        """Receive into ``buffer``; return the number of bytes received."""
        return self._socket_call(True, _CSocket.recv_into, buffer, nbytes, flags)

    def recvfrom(self, bufsize: int, flags: int = 0, /) -> tuple[bytes, _Any]:
        """Receive up to ``bufsize`` bytes and the sender's address."""
        return self._socket_call(True, _CSocket.recvfrom, bufsize, flags)

    def recvfrom_into(self, buffer: _Any, nbytes: int = 0, flags: int = 0) -> tuple[int, _Any]:
        """Receive into ``buffer``; return the byte count and the sender's address."""
        return self._socket_call(True, _CSocket.recvfrom_into, buffer, nbytes, flags)

    def send(self, data: _Any, flags: int = 0, /) -> int:
        """Send ``data``; return how many bytes were sent."""
        return self._socket_call(False, _CSocket.send, data, flags)

    def sendto(self, data: _Any, flags_or_address: _Any, address: _Any = None, /) -> int:
        """Send ``data`` to ``address`` (``sendto(data, address)`` or with flags between)."""
        if address is None:
            return self._socket_call(False, _CSocket.sendto, data, flags_or_address)
        return self._socket_call(False, _CSocket.sendto, data, flags_or_address, address)

    def sendall(self, data: _Any, flags: int = 0, /) -> None:
        """Send all of ``data``; the timeout bounds the whole call, as in the stdlib."""
        with memoryview(data) as view, view.cast("B") as chunk:
            sent, total = 0, len(chunk)
            deadline = None
            while sent < total:
                try:
                    sent += _CSocket.send(self, chunk[sent:], flags)
                    continue
                except BlockingIOError:
                    timeout = self._timeout
                    if timeout == 0.0:
                        raise
                deadline = self._wait(False, "socket", timeout, deadline)

    def sendfile(self, file: _Any, offset: int = 0, count: int | None = None) -> int:
        """Send ``file`` from ``offset`` (``count`` bytes, or to the end) with green sends."""
        # The stdlib's os.sendfile() path waits in a real selector, which would stop every
        # green thread; its send() loop waits on the hub.
        return self._sendfile_use_send(file, offset, count)  # type: ignore[attr-defined]

    def _accept(self) -> tuple[int, _Any]:
        """Accept a connection: the new descriptor and the peer's address."""
        return self._socket_call(True, _CSocket._accept)  # type: ignore[attr-defined]

    def connect(self, address: _Any, /) -> None:
        """Connect to ``address``, waiting on the hub while the connection is in progress."""
        error = self._connect(address, raise_timeout=True)
        if error:
            raise OSError(error, _os.strerror(error))

    def connect_ex(self, address: _Any, /) -> int:
        """Connect to ``address``; return 0 or an errno value instead of raising."""
        return self._connect(address, raise_timeout=False)

    def _connect(self, address: _Any, raise_timeout: bool) -> int:
        """Start a non-blocking connect and wait for it; the errno value it ends with."""
        return _green_wait.connect(
            _partial(_CSocket.connect_ex, self),
            _partial(_CSocket.getsockopt, self),
            self.family,
            _resolve_address(self, address),
            self.fileno(),
            self._timeout,
            None,
            raise_timeout,
            _socket_timed_out,
        )

    def _real_close(self, _ss: _Any = _CSocket) -> None:
        """Close the descriptor; green threads waiting on it get ``IOClosed``, not a hang."""
        fileno = self.fileno()
        if fileno >= 0:
            _notify_close(fileno)
        super()._real_close()  # type: ignore[misc]


class GreenSSLSocket(_stdlib_ssl.SSLSocket, _GreenSocketBase):
    """``ssl.SSLSocket`` whose blocking calls suspend only the calling green thread.

    Made by :meth:`GreenSSLContext.wrap_socket` (like the stdlib's, it has no public
    constructor). The stdlib's code runs unchanged over a non-blocking OS socket; where
    OpenSSL wants to read or write more, the green thread waits on the hub and tries again,
    within the user's timeout.
    """

    def read(self, len: int = 1024, buffer: _Any = None) -> _Any:
        """Read up to ``len`` bytes (into ``buffer`` if given); b"" at end of stream."""
        if self._handshake_pending:
            self._finish_accept()
        return self._ssl_call("read", self._timeout, super().read, len, buffer)

    def write(self, data: _Any) -> int:
        """Write ``data`` to the TLS channel; return the number of bytes written."""
        if self._handshake_pending:
            self._finish_accept()
        return self._ssl_call("write", self._timeout, super().write, data)

    def send(self, data: _Any, flags: int = 0) -> int:
        """Send ``data`` (encrypted once the handshake is done); return the bytes sent."""
        if self._handshake_pending:
            self._finish_accept()
        return self._ssl_call("write", self._timeout, super().send, data, flags)

    def do_handshake(self, block: bool = False) -> None:
        """Run the TLS handshake; ``block=True`` waits even in non-blocking mode."""
        self._handshake_pending = False
        self._check_connected()  # type: ignore[attr-defined]
        timeout = self._timeout
        if timeout == 0.0 and block:
            timeout = None
        sslobj: _Any = self._sslobj  # type: ignore[has-type]
        self._ssl_call("handshake", timeout, sslobj.do_handshake)

    # True on an accepted connection whose handshake is still to do on its first I/O.
    _handshake_pending = False

    def accept(self) -> tuple["GreenSSLSocket", _Any]:
        """Accept a connection and wrap it, server side, with this socket's context.

        The handshake is not done here, so a client that connects and sends nothing holds
        up only the green thread that talks to it, never the accepting loop: with
        ``do_handshake_on_connect`` (the default) it happens on the connection's first
        read or write (or ``getpeercert()``, ``cipher()``, ``version()``,
        ``selected_alpn_protocol()``); without, on ``do_handshake()`` as usual.
        """
        fileno, address = self._accept()
        plain = _stdlib_socket.socket(self.family, self.type, self.proto, fileno=fileno)
        # The stdlib's rule: accepted sockets are blocking unless a default timeout is set.
        if _stdlib_socket.getdefaulttimeout() is None and self.gettimeout():
            plain.setblocking(True)
        on_connect = self.do_handshake_on_connect  # type: ignore[attr-defined]
        connection = type(self)._create(  # type: ignore[attr-defined]
            sock=plain,
            server_side=True,
            do_handshake_on_connect=False,
            suppress_ragged_eofs=self.suppress_ragged_eofs,  # type: ignore[attr-defined]
            context=self.context,
        )
        connection.do_handshake_on_connect = on_connect
        connection._handshake_pending = on_connect
        return connection, address

    def _finish_accept(self) -> None:
        """Do the handshake an accepted connection put off (see :meth:`accept`)."""
        self._handshake_pending = False
        if self._sslobj is not None:  # type: ignore[has-type]
            self.do_handshake()

    # What the handshake settles: asked of an accepted connection, they finish it first.

    def getpeercert(self, binary_form: bool = False) -> _Any:
        """The peer's certificate, as the stdlib gives it."""
        if self._handshake_pending:
            self._finish_accept()
        return super().getpeercert(binary_form)

    def cipher(self) -> _Any:
        """The cipher in use: ``(name, protocol, secret bits)``."""
        if self._handshake_pending:
            self._finish_accept()
        return super().cipher()

    def version(self) -> _Any:
        """The TLS version negotiated, such as ``"TLSv1.3"``."""
        if self._handshake_pending:
            self._finish_accept()
        return super().version()

    def selected_alpn_protocol(self) -> _Any:
        """The ALPN protocol chosen, or None."""
        if self._handshake_pending:
            self._finish_accept()
        return super().selected_alpn_protocol()

    def unwrap(self) -> _Any:
        """Shut TLS down (close_notify both ways) and return this socket, now in the clear.

        As with the stdlib, the same object goes on as a plain (green) socket with the same
        timeout, and a second ``unwrap()`` raises ``ValueError``.
        """
        sslobj = self._sslobj  # type: ignore[has-type]
        if not sslobj:
            raise ValueError("No SSL wrapper around " + str(self))
        plain = self._ssl_call("shutdown", self._timeout, sslobj.shutdown)
        self._sslobj = None
        return plain

    def _ssl_call(
        self, operation: str, timeout: float | None, method: _Callable[..., _Any], *args: _Any
    ) -> _Any:
        """Run an SSL operation, waiting on the hub for as long as OpenSSL wants I/O.

        In non-blocking mode (timeout 0.0) OpenSSL's SSLWantReadError/SSLWantWriteError
        reach the caller, as with the stdlib.
        """
        deadline = None
        while True:
            try:
                return method(*args)
            except SSLWantReadError:
                if timeout == 0.0:
                    raise
                read = True
            except SSLWantWriteError:
                if timeout == 0.0:
                    raise
                read = False
            deadline = self._wait(read, operation, timeout, deadline)


class GreenSSLContext(_stdlib_ssl.SSLContext):
    """``ssl.SSLContext`` whose ``wrap_socket`` returns a :class:`GreenSSLSocket`.

    ``sock`` may be a stdlib socket or an :class:`eventlet.greenio.GreenSocket`; its
    descriptor and timeout pass to the new TLS socket, as with the stdlib.
    """

    sslsocket_class = GreenSSLSocket


SSLSocket = GreenSSLSocket  # type: ignore[misc]
SSLContext = GreenSSLContext  # type: ignore[misc]

# The stdlib's functions, run with this module's globals: their SSLContext is green.
create_default_context = _rebind(_stdlib_ssl.create_default_context, globals())
_create_unverified_context = _rebind(_stdlib_ssl._create_unverified_context, globals())
_create_stdlib_context = _create_unverified_context
get_server_certificate = _rebind(_stdlib_ssl.get_server_certificate, globals())

# Whichever of the two the stdlib has chosen for http.client (a program may have re-pointed it).
_create_default_https_context = {
    _stdlib_ssl.create_default_context: create_default_context,
    _stdlib_ssl._create_unverified_context: _create_unverified_context,
}.get(_stdlib_ssl._create_default_https_context, create_default_context)

if hasattr(_stdlib_ssl, "wrap_socket"):  # removed in Python 3.12
    wrap_socket = _rebind(_stdlib_ssl.wrap_socket, globals())
    __patched__.append("wrap_socket")
