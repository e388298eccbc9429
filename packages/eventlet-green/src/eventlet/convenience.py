"""The everyday helpers: open client and server sockets, serve connections, add TLS.

``eventlet.connect``, ``eventlet.listen``, ``eventlet.serve``, ``eventlet.StopServe`` and
``eventlet.wrap_ssl`` (the meta-package re-exports them) live here. Every socket they return
is green.
"""

from __future__ import annotations

import errno
import socket
import sys
import warnings
from collections.abc import Callable
from typing import Any

from greenlet import GreenletExit, getcurrent

from eventlet.green import socket as green_socket
from eventlet.green._inject import original
from eventlet.greenio import GreenSocket
from eventlet.greenpool import GreenPool
from eventlet.greenthread import kill

__all__ = [
    "ReusePortUnavailableWarning",
    "ReuseRandomPortWarning",
    "StopServe",
    "connect",
    "listen",
    "serve",
    "wrap_ssl",
]


class ReusePortUnavailableWarning(Warning):
    """``listen(reuse_port=True)`` was asked for where the OS has no ``SO_REUSEPORT``."""


class ReuseRandomPortWarning(Warning):
    """``listen(reuse_port=True)`` on port 0: every such socket gets its own random port, so
    ``SO_REUSEPORT`` shares nothing, and the port may be shared with another program."""


class StopServe(Exception):
    """Raise it in a handler of :func:`serve` to make ``serve()`` return."""


def connect(
    addr: Any, family: int = socket.AF_INET, bind: Any = None
) -> GreenSocket:
    """Open a green TCP (or Unix, per ``family``) connection to ``addr`` and return it.

    ``bind`` is a local address to bind to first.
    """
    sock: GreenSocket = green_socket.socket(family, socket.SOCK_STREAM)
    try:
        if bind is not None:
            sock.bind(bind)
        sock.connect(addr)
    except BaseException:
        sock.close()
        raise
    return sock


def _is_inet(family: int) -> bool:
    return family in (socket.AF_INET, socket.AF_INET6)


def listen(
    addr: Any,
    family: int = socket.AF_INET,
    backlog: int = 50,
    reuse_addr: bool = True,
    reuse_port: bool | None = None,
) -> GreenSocket:
    """Open a green server socket bound to ``addr`` and listening, ready for :func:`serve`.

    ``SO_REUSEADDR`` is set unless ``reuse_addr`` is false. ``SO_REUSEPORT`` is set where the
    OS has it when ``reuse_port`` is true, or when it is None (the default) and the port is
    fixed; asking for it explicitly on port 0 warns with :class:`ReuseRandomPortWarning`, and
    where the OS lacks it with :class:`ReusePortUnavailableWarning`.
    """
    if isinstance(backlog, bool) or not isinstance(backlog, int):
        raise TypeError(f"backlog must be an int, not {type(backlog).__name__!r}")
    if backlog < 1:
        raise ValueError(f"backlog must be at least 1, not {backlog}")
    sock: GreenSocket = green_socket.socket(family, socket.SOCK_STREAM)
    try:
        if _is_inet(family):
            port = addr[1] if isinstance(addr, tuple) and len(addr) > 1 else None
            if reuse_addr:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port is None:
                reuse_port = port not in (0, None)
                explicit = False
            else:
                explicit = True
            if reuse_port:
                if explicit and port == 0:
                    warnings.warn(
                        "listen() on port 0 with reuse_port=True: the random port is not "
                        "shared by anything, SO_REUSEPORT only risks sharing it by chance",
                        ReuseRandomPortWarning,
                        stacklevel=2,
                    )
                _set_reuse_port(sock, explicit)
        sock.bind(addr)
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def _set_reuse_port(sock: GreenSocket, explicit: bool) -> None:
    option = getattr(socket, "SO_REUSEPORT", None)
    try:
        if option is None:
            raise OSError(errno.ENOPROTOOPT, "SO_REUSEPORT is not defined on this system")
        sock.setsockopt(socket.SOL_SOCKET, option, 1)
    except OSError as error:
        if error.errno not in (errno.ENOPROTOOPT, errno.EINVAL, errno.EOPNOTSUPP):
            raise
        if explicit:
            warnings.warn(
                f"SO_REUSEPORT is not available here ({error}); listening without it",
                ReusePortUnavailableWarning,
                stacklevel=3,
            )


class _Serving:
    """The green thread running :func:`serve`, while it runs."""

    __slots__ = ("greenlet", "running")

    def __init__(self) -> None:
        self.greenlet = getcurrent()
        self.running = True


def _handle_one(handle: Callable[[Any, Any], Any], conn: Any, addr: Any, server: _Serving) -> None:
    """Run one handler of :func:`serve`; close its connection; pass its error to ``serve``."""
    try:
        handle(conn, addr)
    except GreenletExit:
        pass
    except Exception:
        # serve() raises what a handler raised (StopServe makes it return). Caught here, not
        # left to the green thread, so a StopServe is not reported as a failure; and only
        # while serve() runs: afterwards its green thread is busy with other things.
        if server.running:
            server.running = False
            kill(server.greenlet, *sys.exc_info())
    except BaseException:
        # SystemExit or KeyboardInterrupt: it goes on to the main greenlet, as from any
        # green thread. serve() must not stay behind, waiting in accept() for connections
        # nobody would handle: unless it runs in the main greenlet (which the exception
        # reaches), it returns.
        if server.running:
            server.running = False
            if server.greenlet.parent is not None:
                kill(server.greenlet, StopServe)
        raise
    finally:
        conn.close()


def serve(
    sock: Any, handle: Callable[[Any, Any], Any], concurrency: int = 1000
) -> None:
    """Accept connections on ``sock`` and run ``handle(client_sock, client_addr)`` for each in
    a green thread of its own, at most ``concurrency`` at once.

    The connection is closed when ``handle`` returns. An exception raised by a handler is
    raised by ``serve()``, which stops; :class:`StopServe` makes it return instead. It
    blocks the calling green thread; spawn it to run a server in the background.
    """
    if not callable(handle):
        raise TypeError(f"serve() needs a callable handle, not {type(handle).__name__!r}")
    if not hasattr(sock, "accept"):
        raise TypeError(f"serve() needs a listening socket, not {type(sock).__name__!r}")
    pool = GreenPool(concurrency)
    server = _Serving()
    try:
        while True:
            conn, addr = sock.accept()
            pool.spawn_n(_handle_one, handle, conn, addr, server)
    except StopServe:
        return
    finally:
        server.running = False


def wrap_ssl(
    sock: Any,
    keyfile: str | None = None,
    certfile: str | None = None,
    server_side: bool = False,
    cert_reqs: int | None = None,
    ssl_version: int | None = None,
    ca_certs: str | None = None,
    do_handshake_on_connect: bool = True,
    suppress_ragged_eofs: bool = True,
    ciphers: str | None = None,
    *,
    context: Any = None,
    server_hostname: str | None = None,
) -> Any:
    """Wrap ``sock`` in green TLS; the arguments are those of the old ``ssl.wrap_socket``.

    Without ``context``, a context is made as ``ssl.wrap_socket`` made one: no certificate
    checks unless ``cert_reqs`` asks for them (then against ``ca_certs``), the certificate
    chain from ``certfile``/``keyfile``. Given an ``ssl.SSLContext`` as ``context``, that is
    used. Given a pyOpenSSL ``OpenSSL.SSL.Context``, the result is a green
    ``OpenSSL.SSL.Connection`` and the other TLS arguments are ignored. The preferred idiom is
    ``wrap_ssl(connect(addr))`` or ``wrap_ssl(listen(addr), server_side=True, ...)``.
    """
    from eventlet.green import ssl as green_ssl

    if context is not None and type(context).__module__.startswith("OpenSSL"):
        from eventlet.green.OpenSSL import SSL as green_openssl

        connection = green_openssl.Connection(context, sock)
        if server_side:
            connection.set_accept_state()
        else:
            connection.set_connect_state()
        return connection
    if context is None:
        context = _wrap_socket_context(
            green_ssl, keyfile, certfile, server_side, cert_reqs, ssl_version, ca_certs, ciphers
        )
    elif not isinstance(context, original("ssl").SSLContext):
        raise TypeError(
            "wrap_ssl() context must be an ssl.SSLContext or an OpenSSL.SSL.Context, "
            f"not {type(context).__name__!r}"
        )
    # GreenSSLSocket whatever class of context: a plain ssl.SSLContext would make a
    # blocking ssl.SSLSocket. This is what SSLContext.wrap_socket itself calls.
    return green_ssl.GreenSSLSocket._create(  # type: ignore[attr-defined]
        sock=sock,
        server_side=server_side,
        do_handshake_on_connect=do_handshake_on_connect,
        suppress_ragged_eofs=suppress_ragged_eofs,
        server_hostname=server_hostname,
        context=context,
        session=None,
    )


def _wrap_socket_context(
    green_ssl: Any,
    keyfile: str | None,
    certfile: str | None,
    server_side: bool,
    cert_reqs: int | None,
    ssl_version: int | None,
    ca_certs: str | None,
    ciphers: str | None,
) -> Any:
    """The context the old ``ssl.wrap_socket`` would have made for these arguments."""
    if keyfile and not certfile:
        raise ValueError("certfile must be specified when keyfile is")
    if server_side and not certfile:
        raise ValueError("certfile must be specified for server-side operations")
    if ssl_version is None:
        ssl_version = green_ssl.PROTOCOL_TLS_SERVER if server_side else green_ssl.PROTOCOL_TLS_CLIENT
    context = green_ssl.SSLContext(ssl_version)
    context.check_hostname = False  # wrap_socket never checked host names
    context.verify_mode = green_ssl.CERT_NONE if cert_reqs is None else cert_reqs
    if ca_certs:
        context.load_verify_locations(ca_certs)
    if certfile:
        context.load_cert_chain(certfile, keyfile)
    if ciphers:
        context.set_ciphers(ciphers)
    return context
