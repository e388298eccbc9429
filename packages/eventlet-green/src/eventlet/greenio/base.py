"""GreenSocket: a socket whose blocking calls suspend only the calling green thread.

A GreenSocket wraps a real standard-library socket, ``.fd``, which is always non-blocking at
the OS level. Each operation first tries the system call; only when the OS answers "would
block" (EAGAIN) does the green thread wait on the hub for the descriptor to become ready, and
then it tries again. The timeout the user sets (``settimeout``/``setblocking``) is kept here,
in Python, and follows the standard library exactly: ``None`` blocks (the green thread), ``0.0``
raises ``BlockingIOError`` at once, a positive number raises ``TimeoutError("timed out")``
(``socket.timeout``) when it runs out.
"""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Callable
from typing import Any

from eventlet.green._getaddrinfo import is_ip_addr
from eventlet.green._inject import original
from eventlet.greenio import _wait
from eventlet.greenio._wait import CONNECT_ERR, CONNECT_SUCCESS
from eventlet.hubs import READ, IOClosed, get_hub, notify_close, notify_opened, notify_released

__all__ = [
    "CONNECT_ERR",
    "CONNECT_SUCCESS",
    "SOCKET_BLOCKING",
    "SOCKET_CLOSED",
    "GreenSocket",
    "IOClosed",
    "resolve_address",
    "set_nonblocking",
    "shutdown_safe",
    "socket_timeout",
]

# The real socket module, even when this is imported after monkey patching.
_socket = original("socket")
_RealSocket: Any = _socket.socket
socket_timeout = _socket.timeout  # TimeoutError

#: errno values meaning "the operation would block".
SOCKET_BLOCKING = frozenset((errno.EAGAIN, errno.EWOULDBLOCK))
#: errno values meaning "the connection is gone".
SOCKET_CLOSED = frozenset((errno.ECONNRESET, errno.ENOTCONN, errno.ESHUTDOWN, errno.EPIPE))
# What a receive returns as end of stream (b"" / 0) rather than raising, as upstream does: a
# reset, or a socket not (or no longer) connected.
_RECV_CLOSED = frozenset((errno.ECONNRESET, errno.ENOTCONN, errno.ESHUTDOWN))

# A flag that makes one call non-blocking whatever the socket's mode (0 where there is none).
_MSG_DONTWAIT = getattr(_socket, "MSG_DONTWAIT", 0)

_INET_FAMILIES = (_socket.AF_INET, _socket.AF_INET6)


def _timed_out(read: bool = True) -> TimeoutError:
    return socket_timeout("timed out")


class GreenSocket:
    """A socket with the whole ``socket.socket`` interface, green.

    ``GreenSocket(family, type, proto, fileno)`` makes a socket as ``socket.socket`` does;
    ``GreenSocket(real_socket)`` wraps an existing standard-library socket, keeping its
    timeout mode; ``GreenSocket(green_socket)`` shares the other's descriptor (its real
    socket) and copies its timeout. ``fd`` is the real socket underneath. A GreenSocket
    collected without :meth:`close` closes its descriptor as the stdlib's socket does, with
    its ``ResourceWarning``.

    ``set_nonblocking`` is accepted for upstream Eventlet's sake and changes nothing: the
    descriptor is always non-blocking at the OS level, the timeout mode lives here.
    """

    def __init__(
        self,
        family: Any = -1,
        type: int = -1,
        proto: int = -1,
        fileno: int | None = None,
        *,
        set_nonblocking: bool = True,
    ) -> None:
        if isinstance(family, GreenSocket):
            fd = family.fd
            timeout = family._timeout
        elif isinstance(family, _RealSocket) or not isinstance(family, int):
            # A stdlib socket, or an object standing for one (gunicorn wraps its listeners
            # in a class that forwards to the socket): used as it is, as upstream does.
            fd = family
            timeout = fd.gettimeout()
        else:
            fd = _RealSocket(family, type, proto, fileno)
            timeout = fd.gettimeout()  # the default timeout, or 0.0 for SOCK_NONBLOCK
        fd.setblocking(False)
        # A new file may have the number of one closed behind the hub's back: make the hub
        # forget what it knew of the old one.
        notify_opened(fd.fileno())
        self.fd: Any = fd
        # The number stays valid while fd is open; it is used only after a system call on fd
        # said "would block", which proves that.
        self._fileno: int = fd.fileno()
        self._timeout: float | None = timeout
        self._closed = False
        self._io_refs = 0  # files made by makefile() that still use the descriptor
        # Bound methods of the real socket, looked up once: these are the hot path.
        self._recv: Callable[..., bytes] = fd.recv
        self._recv_into: Callable[..., int] = fd.recv_into
        self._send: Callable[..., int] = fd.send

    def __del__(self) -> None:
        # Collected unclosed: the real socket's own finalizer closes the descriptor (with
        # the stdlib's ResourceWarning) once nothing else shares it. The hub may still
        # watch it from the last wait; it must let go first, or epoll would keep reporting
        # a file some duplicate holds open.
        try:
            if not self.__dict__.get("_closed", True):
                notify_released(self._fileno)
        except (KeyboardInterrupt, SystemExit) as exc:
            # A signal handler ran (and raised) while this finalizer ran: a Ctrl-C as the
            # socket was collected. The interpreter would print it and drop it; the hub
            # raises it again, in the main green thread. (Only the finalizer's first
            # instruction, before this try, still loses one: as with any Python finalizer.)
            get_hub().run_soon(_raise, exc)
        except Exception:  # interpreter shutdown: modules half gone
            pass

    # -- waiting --------------------------------------------------------------------------

    def _mark_as_closed(self) -> None:
        """The hub says the descriptor was closed under a waiting green thread."""
        self._closed = True

    def _wait(self, read: bool, timeout: float | None) -> None:
        """Wait until the descriptor is ready (``read`` or write) or ``timeout`` runs out."""
        _wait.wait(self._fileno, read, timeout, None, self._mark_as_closed, _timed_out)

    def _retry(self, read: bool, call: Callable[..., Any], *args: Any) -> Any:
        """The slow path: ``call(*args)`` would block; wait and retry until it does not.

        Non-blocking sockets (timeout 0.0) never get here. The timeout bounds the whole
        operation, across spurious wake-ups.
        """
        return _wait.retry(
            call, args, read, self._fileno, self._timeout, self._mark_as_closed, _timed_out
        )

    def _recv_retry(self, empty: Any, call: Callable[..., Any], *args: Any) -> Any:
        """:meth:`_retry` for the receive calls: a connection reset or not connected ends
        the stream (``empty``) instead of raising, as upstream does."""
        try:
            return _wait.retry(
                call, args, True, self._fileno, self._timeout, self._mark_as_closed, _timed_out
            )
        except IOClosed:
            raise  # closed under the wait, by this process: not the end of a stream
        except OSError as error:
            if error.errno in _RECV_CLOSED:
                return empty
            raise

    # -- receiving ------------------------------------------------------------------------

    # A reset connection, or one not (or no longer) connected, reads as the end of the
    # stream: b"" or 0 (with no address for recvfrom*), so `while data := recv()` ends.

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """Receive up to ``bufsize`` bytes; b"" means the peer closed (or reset) the
        connection."""
        try:
            return self._recv(bufsize, flags)
        except BlockingIOError:
            if self._timeout is not None:
                if self._timeout == 0.0:
                    raise
                return self._recv_retry(b"", self._recv, bufsize, flags)
        except OSError as error:
            if error.errno in _RECV_CLOSED:
                return b""
            raise
        # Blocking, nothing to read yet: the hot path of every server, and where its idle
        # connections wait. _wait.retry's loop, written out: one frame less on every
        # blocked reader's stack is about 1.5% less memory per idle connection.
        hub = get_hub()
        while True:
            hub.wait_io(READ, self._fileno, self._mark_as_closed)
            try:
                return self._recv(bufsize, flags)
            except BlockingIOError:
                pass
            except OSError as error:
                if error.errno in _RECV_CLOSED:
                    return b""
                raise

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        """Receive into ``buffer`` (up to ``nbytes``, 0 meaning its size); return the count."""
        try:
            return self._recv_into(buffer, nbytes, flags)
        except BlockingIOError:
            if self._timeout is not None:
                if self._timeout == 0.0:
                    raise
                return self._recv_retry(0, self._recv_into, buffer, nbytes, flags)
        except OSError as error:
            if error.errno in _RECV_CLOSED:
                return 0
            raise
        # As in recv: buffered reads (makefile(), a WSGI server's keep-alive) wait here.
        hub = get_hub()
        while True:
            hub.wait_io(READ, self._fileno, self._mark_as_closed)
            try:
                return self._recv_into(buffer, nbytes, flags)
            except BlockingIOError:
                pass
            except OSError as error:
                if error.errno in _RECV_CLOSED:
                    return 0
                raise

    def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, Any]:
        """Receive up to ``bufsize`` bytes and the sender's address."""
        try:
            return self.fd.recvfrom(bufsize, flags)
        except BlockingIOError:
            if self._timeout == 0.0:
                raise
            return self._recv_retry((b"", None), self.fd.recvfrom, bufsize, flags)
        except OSError as error:
            if error.errno in _RECV_CLOSED:
                return b"", None
            raise

    def recvfrom_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> tuple[int, Any]:
        """Receive into ``buffer``; return the byte count and the sender's address."""
        try:
            return self.fd.recvfrom_into(buffer, nbytes, flags)
        except BlockingIOError:
            if self._timeout == 0.0:
                raise
            return self._recv_retry((0, None), self.fd.recvfrom_into, buffer, nbytes, flags)
        except OSError as error:
            if error.errno in _RECV_CLOSED:
                return 0, None
            raise

    def recvmsg(self, bufsize: int, ancbufsize: int = 0, flags: int = 0) -> Any:
        """Receive data and ancillary data: ``(data, ancdata, msg_flags, address)``."""
        try:
            return self.fd.recvmsg(bufsize, ancbufsize, flags)
        except BlockingIOError:
            if self._timeout == 0.0:
                raise
            return self._retry(True, self.fd.recvmsg, bufsize, ancbufsize, flags)

    def recvmsg_into(self, buffers: Any, ancbufsize: int = 0, flags: int = 0) -> Any:
        """Like :meth:`recvmsg`, scattering the data into ``buffers``."""
        try:
            return self.fd.recvmsg_into(buffers, ancbufsize, flags)
        except BlockingIOError:
            if self._timeout == 0.0:
                raise
            return self._retry(True, self.fd.recvmsg_into, buffers, ancbufsize, flags)

    # -- sending --------------------------------------------------------------------------

    def send(self, data: Any, flags: int = 0) -> int:
        """Send some of ``data``; return how many bytes went."""
        try:
            return self._send(data, flags)
        except BlockingIOError:
            if self._timeout == 0.0:
                raise
            return self._retry(False, self._send, data, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        """Send all of ``data``; the timeout bounds the whole call, as in the stdlib."""
        try:
            sent = self._send(data, flags)
        except BlockingIOError:
            if self._timeout == 0.0:
                raise
            sent = 0
        if sent == len(data) and data.__class__ is bytes:
            return  # the usual case: it all went at once
        with memoryview(data) as whole:
            total = whole.nbytes
            if sent >= total:
                return
            timeout = self._timeout
            deadline = None
            fileno, mark = self._fileno, self._mark_as_closed
            with whole.cast("B") as view:
                while sent < total:
                    try:
                        sent += self._send(view[sent:], flags)
                        continue
                    except BlockingIOError:
                        if timeout == 0.0:
                            raise
                    deadline = _wait.wait(fileno, False, timeout, deadline, mark, _timed_out)

    def sendto(self, data: Any, *flags_and_address: Any) -> int:
        """Send ``data`` to ``address``: ``sendto(data, address)`` or ``(data, flags, address)``."""
        # Passed on as given: the real sendto checks them (an address of None is a TypeError).
        args = (data, *flags_and_address)
        try:
            return self.fd.sendto(*args)
        except BlockingIOError:
            if self._timeout == 0.0:
                raise
            return self._retry(False, self.fd.sendto, *args)

    def sendmsg(self, buffers: Any, ancdata: Any = (), flags: int = 0, address: Any = None) -> int:
        """Send data gathered from ``buffers`` with ancillary data; return the bytes sent."""
        args = (buffers, ancdata, flags) if address is None else (buffers, ancdata, flags, address)
        try:
            return self.fd.sendmsg(*args)
        except BlockingIOError:
            if self._timeout == 0.0 or flags & _MSG_DONTWAIT:
                raise  # non-blocking, or this one call asked not to wait
            return self._retry(False, self.fd.sendmsg, *args)

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        """Send a file's contents (``os.sendfile`` where possible, else ``send``); return bytes sent.

        As in the stdlib: the file must be opened in binary mode, the socket must be a
        stream socket, and non-blocking sockets are refused.
        """
        self._check_sendfile(file, count)
        try:
            fileno = file.fileno()
            size = os.fstat(fileno).st_size
        except (AttributeError, OSError, ValueError):  # io.BytesIO and friends
            return self._sendfile_with_send(file, offset, count)
        if not size:
            return 0
        return self._sendfile_with_sendfile(file, fileno, size, offset, count)

    def _sendfile_use_send(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        """:meth:`sendfile` through ``send`` only (the standard library's private name)."""
        self._check_sendfile(file, count)
        return self._sendfile_with_send(file, offset, count)

    def _sendfile_use_sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        """:meth:`sendfile` through ``os.sendfile`` (the standard library's private name)."""
        self._check_sendfile(file, count)
        # Not a file os.sendfile can read: the standard library's signal to fall back to send.
        try:
            fileno = file.fileno()
        except (AttributeError, io.UnsupportedOperation) as err:
            raise _socket._GiveupOnSendfile(err) from None
        try:
            size = os.fstat(fileno).st_size
        except OSError as err:
            raise _socket._GiveupOnSendfile(err) from None
        if not size:
            return 0
        return self._sendfile_with_sendfile(file, fileno, size, offset, count)

    def _check_sendfile(self, file: Any, count: int | None) -> None:
        """Refuse what :meth:`sendfile` refuses, as the standard library does."""
        if "b" not in getattr(file, "mode", "b"):
            raise ValueError("file should be opened in binary mode")
        if not self.type & _socket.SOCK_STREAM:
            raise ValueError("only SOCK_STREAM type sockets are supported")
        if count is not None:
            if not isinstance(count, int):
                raise TypeError(f"count must be a positive integer (got {count!r})")
            if count <= 0:
                raise ValueError(f"count must be a positive integer (got {count!r})")
        if self._timeout == 0.0:
            raise ValueError("non-blocking sockets are not supported")

    def _sendfile_with_sendfile(
        self, file: Any, fileno: int, size: int, offset: int, count: int | None
    ) -> int:
        blocksize = min(count or size, size, 2**30)
        sent = 0
        try:
            while count is None or sent < count:
                if count is not None:
                    blocksize = min(blocksize, count - sent)
                try:
                    done = os.sendfile(self.fileno(), fileno, offset, blocksize)
                except BlockingIOError:
                    self._wait(False, self._timeout)
                    continue
                except OSError as error:
                    if sent == 0 and error.errno in (errno.EINVAL, errno.ENOTSOCK, errno.ENOSYS):
                        return self._sendfile_with_send(file, offset, count)
                    raise
                if done == 0:
                    break  # end of file
                offset += done
                sent += done
            return sent
        finally:
            if sent > 0 and hasattr(file, "seek"):
                file.seek(offset)

    def _sendfile_with_send(self, file: Any, offset: int, count: int | None) -> int:
        if offset:
            file.seek(offset)
        blocksize = min(count, 8192) if count else 8192
        sent = 0
        try:
            while count is None or sent < count:
                chunk = file.read(blocksize if count is None else min(blocksize, count - sent))
                if not chunk:
                    break
                self.sendall(chunk)
                sent += len(chunk)
            return sent
        finally:
            if sent > 0 and hasattr(file, "seek"):
                file.seek(offset + sent)

    # -- connections ----------------------------------------------------------------------

    def _accept(self) -> tuple[int, Any]:
        """Wait for a connection; return ``(descriptor, address)`` (the standard library's
        private half of :meth:`accept`)."""
        fd = self.fd
        try:
            return fd._accept()
        except BlockingIOError:
            if self._timeout == 0.0:
                raise
            return self._retry(True, fd._accept)

    def accept(self) -> tuple[GreenSocket, Any]:
        """Wait for a connection; return ``(GreenSocket, address)``.

        The new socket gets the default timeout (``socket.getdefaulttimeout()``), as the
        standard library gives it.
        """
        fd = self.fd
        try:
            fileno, address = fd._accept()
        except BlockingIOError:
            if self._timeout == 0.0:
                raise
            fileno, address = self._retry(True, fd._accept)
        real = _RealSocket(fd.family, fd.type, fd.proto, fileno)
        return type(self)(real), address

    def connect(self, address: Any) -> None:
        """Connect to ``address``; raise ``TimeoutError`` if the timeout runs out first."""
        error = self._connect(address, raise_timeout=True)
        if error:
            raise OSError(error, os.strerror(error))

    def connect_ex(self, address: Any) -> int:
        """Connect like :meth:`connect`, but return an errno value (0: connected) instead of
        raising for errors of the connection itself."""
        return self._connect(address, raise_timeout=False)

    def _connect(self, address: Any, raise_timeout: bool) -> int:
        fd = self.fd
        return _wait.connect(
            fd.connect_ex,
            fd.getsockopt,
            fd.family,
            resolve_address(fd, address),
            self._fileno,
            self._timeout,
            self._mark_as_closed,
            raise_timeout,
            _timed_out,
        )

    # -- timeouts -------------------------------------------------------------------------

    def settimeout(self, timeout: float | None) -> None:
        """``None``: block; ``0.0``: non-blocking; a positive number: time out after it."""
        fd = self.fd
        fd.settimeout(timeout)  # the stdlib's own checks and errors
        self._timeout = fd.gettimeout()
        fd.setblocking(False)

    def gettimeout(self) -> float | None:
        """The timeout in seconds, ``None`` when the socket blocks."""
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        """``setblocking(True)`` is ``settimeout(None)``, ``setblocking(False)`` is ``settimeout(0.0)``."""
        fd = self.fd
        fd.setblocking(flag)
        self._timeout = fd.gettimeout()
        fd.setblocking(False)

    def getblocking(self) -> bool:
        """False when the socket is non-blocking (a timeout of 0.0), True otherwise."""
        return self._timeout != 0.0

    @property
    def timeout(self) -> float | None:
        """The timeout, as :meth:`gettimeout` returns it."""
        return self._timeout

    # -- the descriptor -------------------------------------------------------------------

    @property
    def family(self) -> Any:
        """The address family (``socket.AF_INET``, ...)."""
        return self.fd.family

    @property
    def type(self) -> Any:
        """The socket type (``socket.SOCK_STREAM``, ...)."""
        return self.fd.type

    @property
    def proto(self) -> int:
        """The protocol number."""
        return self.fd.proto

    def fileno(self) -> int:
        """The descriptor number, -1 once closed or detached."""
        return self.fd.fileno()

    def close(self) -> None:
        """Close the socket; green threads waiting on it get an error. Files made by
        :meth:`makefile` keep the descriptor open until they are closed too."""
        self._closed = True
        if self._io_refs <= 0:
            self._real_close()

    def _real_close(self) -> None:
        fileno = self.fd.fileno()
        if fileno >= 0:
            # Before closing: the number may be reused at once by another file.
            notify_close(fileno)
        self.fd.close()

    def _decref_socketios(self) -> None:
        # Called by the files of makefile() as they close (the stdlib's protocol).
        if self._io_refs > 0:
            self._io_refs -= 1
        if self._closed:
            self.close()

    def detach(self) -> int:
        """Put the socket in the closed state without closing the descriptor; return it."""
        self._closed = True
        return self.fd.detach()

    def dup(self) -> GreenSocket:
        """A new GreenSocket on a duplicate of the descriptor, with the same timeout."""
        copy = type(self)(self.fd.dup())
        copy._timeout = self._timeout
        return copy

    def makefile(
        self,
        mode: str = "r",
        buffering: int | None = None,
        *,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> Any:
        """A file object reading and writing the socket, green (the stdlib's makefile)."""
        return _RealSocket.makefile(
            self, mode, buffering, encoding=encoding, errors=errors, newline=newline
        )

    def bind(self, address: Any) -> None:
        """Bind the socket to ``address``."""
        self.fd.bind(address)

    def listen(self, backlog: int | None = None) -> None:
        """Accept connections, with up to ``backlog`` waiting (a reasonable default if None)."""
        if backlog is None:
            self.fd.listen()
        else:
            self.fd.listen(backlog)

    def getsockname(self) -> Any:
        """The socket's own address."""
        return self.fd.getsockname()

    def getpeername(self) -> Any:
        """The address of the connected peer."""
        return self.fd.getpeername()

    def getsockopt(self, level: int, optname: int, buflen: int | None = None) -> Any:
        """Read a socket option (an int, or bytes when ``buflen`` is given)."""
        if buflen is None:
            return self.fd.getsockopt(level, optname)
        return self.fd.getsockopt(level, optname, buflen)

    def setsockopt(self, level: int, optname: int, value: Any, optlen: int | None = None) -> None:
        """Set a socket option."""
        if optlen is None:
            self.fd.setsockopt(level, optname, value)
        else:
            self.fd.setsockopt(level, optname, value, optlen)

    def shutdown(self, how: int) -> None:
        """Shut down one or both halves of the connection (``socket.SHUT_RD``, ...)."""
        self.fd.shutdown(how)

    def get_inheritable(self) -> bool:
        """Whether child processes inherit the descriptor."""
        return self.fd.get_inheritable()

    def set_inheritable(self, inheritable: bool) -> None:
        """Set whether child processes inherit the descriptor."""
        self.fd.set_inheritable(inheritable)

    def __getattr__(self, name: str) -> Any:
        # Anything else of the real socket (methods a later Python adds, ioctl on Windows).
        if name == "fd":
            raise AttributeError(name)  # during __init__, before fd is set
        return getattr(self.fd, name)

    # -- protocols ------------------------------------------------------------------------

    def __enter__(self) -> GreenSocket:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __getstate__(self) -> Any:
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")

    def __repr__(self) -> str:
        real = repr(self.fd)
        inner = real[real.index(" ") + 1 : -1] if " " in real else real
        return f"<{type(self).__module__}.{type(self).__qualname__} {inner}>"


def _raise(exc: BaseException) -> None:
    """Raise ``exc``: a hub callback, for an exception a finalizer could not let through."""
    raise exc


def resolve_address(sock: Any, address: Any) -> Any:
    """``address`` for ``sock`` (an inet socket) with a host name resolved by the green
    resolver: the stdlib's connect would resolve it too, blocking the whole process."""
    if sock.family not in _INET_FAMILIES or not isinstance(address, tuple) or not address:
        return address
    host = address[0]
    if not isinstance(host, str) or is_ip_addr(host):
        return address
    from eventlet.green import _resolver  # greendns loads on the first lookup

    infos = _resolver.getaddrinfo(host, address[1], sock.family, sock.type, sock.proto)
    return infos[0][4][:2] + tuple(address[2:])


# shutdown_safe's harmless errors: not connected, or closed (EBADF, ENOTSOCK: the number
# is no longer a socket).
_SHUTDOWN_IGNORED = frozenset((errno.ENOTCONN, errno.EBADF, errno.ENOTSOCK))


def shutdown_safe(sock: Any) -> Any:
    """Shut down both halves of ``sock``, ignoring the errors of a socket not connected or
    already closed."""
    try:
        try:
            return sock.shutdown(_socket.SHUT_RDWR)
        except TypeError:
            return sock.shutdown()  # pyOpenSSL's Connection.shutdown takes no argument
    except OSError as error:
        if error.errno not in _SHUTDOWN_IGNORED:
            raise
    return None


def set_nonblocking(fd: Any) -> None:
    """Make ``fd`` non-blocking: a descriptor number, a socket, or an object with fileno()."""
    setblocking = getattr(fd, "setblocking", None)
    if setblocking is not None and not isinstance(fd, GreenSocket):
        setblocking(False)
        return
    fileno = fd if isinstance(fd, int) else getattr(fd, "fileno", None)
    if fileno is None:
        raise TypeError(f"set_nonblocking() needs a descriptor or an object with fileno(), not {fd!r}")
    os.set_blocking(fileno if isinstance(fileno, int) else fileno(), False)
