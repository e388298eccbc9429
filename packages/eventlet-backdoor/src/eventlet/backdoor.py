"""The backdoor: an interactive Python console on a socket, inside a running program.

:func:`backdoor_server` accepts connections on a listening socket and gives each client its
own console (:class:`SocketConsole`), a green thread that reads lines from the connection
and runs them as the interactive interpreter does. Consoles never block the hub: the rest
of the program runs while a client types. Connect with ``nc 127.0.0.1 3000`` or telnet::

    from eventlet.backdoor import backdoor_server
    from eventlet.convenience import listen
    from eventlet.greenthread import spawn

    spawn(backdoor_server, listen(("127.0.0.1", 3000)), {"app": app})

What a session prints (``print()``, expression results, tracebacks, even ``sys.stdout``
writes) goes to that session's client only. While sessions exist, ``sys.stdin``,
``sys.stdout`` and ``sys.stderr`` are routers that send the output of a console's green
thread to its connection and everything else to the streams they replaced, which come back
when the last session ends. ``exit()`` or ``quit()`` ends the session that typed it; the
server and the other sessions go on. Green threads spawned from a console are not part of
it: what they print goes to the process's own streams.
"""

from __future__ import annotations

import code
import errno
import socket
import sys
from typing import Any

from greenlet import getcurrent, greenlet

from eventlet.greenio import GreenSocket
from eventlet.hubs import get_hub

__all__ = ["FileProxy", "SocketConsole", "backdoor", "backdoor_server"]

# Longest line a client may send: a runaway client must not eat the program's memory.
MAX_LINE = 1 << 20

_DISCONNECTED = (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.ESHUTDOWN, errno.EBADF)


class _Connection:
    """Text lines over a green socket: the byte-level part of a console's I/O."""

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self._buffer = b""
        self.closed = False

    def readline(self) -> str:
        """The next line with its ``\\n`` (CRLF becomes LF); '' at end of input.

        A line the client did not finish before disconnecting is dropped: running half a
        statement would be worse than running none.
        """
        while b"\n" not in self._buffer:
            if self.closed:
                return ""
            if len(self._buffer) > MAX_LINE:
                self.write(f"\nline longer than {MAX_LINE} bytes: session closed\n")
                self.closed = True
                return ""
            try:
                data = self.sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                self.closed = True
                self._buffer = b""
                return ""
            self._buffer += data
        line, _, self._buffer = self._buffer.partition(b"\n")
        if line.endswith(b"\r"):
            line = line[:-1]
        return line.decode("utf-8", "replace") + "\n"

    def write(self, text: str) -> None:
        """Send ``text``; a client gone away only marks the connection closed."""
        if self.closed or not text:
            return
        try:
            self.sock.sendall(text.encode("utf-8", "replace"))
        except OSError as exc:
            if exc.errno not in _DISCONNECTED and not isinstance(exc, ConnectionError):
                raise
            self.closed = True

    def close(self) -> None:
        """Close the socket (the session is over)."""
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


class FileProxy:
    """The file object a console's code sees as ``sys.stdin``/``stdout``/``stderr``.

    Wraps a file (or a connection) with ``write``, ``readline`` and ``flush``: writes are
    flushed at once, lines come back with ``\\r\\n`` turned into ``\\n``, and a client that
    has gone away makes writes do nothing rather than fail the code being run.
    """

    def __init__(self, f: Any) -> None:
        self.f = f

    def isatty(self) -> bool:
        """True: the client is a person at a terminal (so libraries behave interactively)."""
        return True

    def flush(self) -> None:
        """Nothing to do: every write is sent at once."""

    def write(self, data: str, *a: Any, **kw: Any) -> int:
        """Send ``data`` to the client; return its length, as text files do."""
        if not isinstance(data, str):
            raise TypeError(f"write() argument must be str, not {type(data).__name__}")
        try:
            self.f.write(data, *a, **kw)
            flush = getattr(self.f, "flush", None)
            if flush is not None:
                flush()
        except OSError as exc:
            if exc.errno not in _DISCONNECTED and not isinstance(exc, ConnectionError):
                raise
        return len(data)

    def writelines(self, lines: Any) -> None:
        """Write each string of ``lines``."""
        for line in lines:
            self.write(line)

    def readline(self, *a: Any) -> str:
        """The next line the client typed, ``\\n``-terminated; '' once it has gone."""
        line = self.f.readline(*a)
        return line.replace("\r\n", "\n") if isinstance(line, str) else line

    def close(self) -> None:
        """Nothing: closing the console's stdin (``exit()`` does) must not end the program's."""

    @property
    def encoding(self) -> str:
        """Text goes to the client as UTF-8."""
        return "utf-8"

    @property
    def errors(self) -> str:
        """Characters UTF-8 cannot encode are replaced."""
        return "replace"

    @property
    def closed(self) -> bool:
        """Whether the client has gone."""
        return bool(getattr(self.f, "closed", False))


# -- routing sys.stdin / stdout / stderr per console ----------------------------------------

_STREAMS = ("stdin", "stdout", "stderr")
_sessions: dict[greenlet, FileProxy] = {}  # console green thread -> its client's streams


class _Router:
    """Stands in for one of ``sys.stdin/stdout/stderr`` while consoles run.

    Each call goes to the stream of the console whose green thread is running, else to the
    stream this router replaced. Routing by the running green thread (not by swapping
    ``sys.stdout`` on each switch) keeps two sessions and the rest of the program apart even
    when code typed in a console blocks on I/O halfway through a print.
    """

    def __init__(self, name: str, replaced: Any) -> None:
        self._name = name
        self._replaced = replaced

    def _target(self) -> Any:
        proxy = _sessions.get(getcurrent())
        if proxy is not None:
            return proxy
        replaced = self._replaced
        # No stream at all (pythonw, a daemon): print() must stay the no-op it was.
        return replaced if replaced is not None else _NO_STREAM

    def write(self, data: Any) -> Any:
        return self._target().write(data)

    def flush(self) -> Any:
        return self._target().flush()

    def readline(self, *a: Any) -> Any:
        return self._target().readline(*a)

    def close(self) -> Any:
        return self._target().close()

    def isatty(self) -> bool:
        return bool(self._target().isatty())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __repr__(self) -> str:
        return f"<backdoor router for sys.{self._name} over {self._replaced!r}>"


class _NoStream:
    """What the routers use where ``sys.stdout`` (or stdin, stderr) was None."""

    def write(self, data: Any) -> int:
        return len(data)

    def flush(self) -> None:
        pass

    def readline(self, *a: Any) -> str:
        return ""

    def close(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


_NO_STREAM = _NoStream()


def _enter_session(console: greenlet, proxy: FileProxy) -> None:
    # Checked on every session: whoever replaced a router meanwhile (a test harness
    # capturing output, say) gets routed too.
    for name in _STREAMS:
        current = getattr(sys, name)
        if not isinstance(current, _Router):
            setattr(sys, name, _Router(name, current))
    _sessions[console] = proxy


def _leave_session(console: greenlet) -> None:
    _sessions.pop(console, None)
    for other in [g for g in _sessions if g.dead]:
        del _sessions[other]  # a console whose hub went away without ending it
    if _sessions:
        return
    for name in _STREAMS:
        current = getattr(sys, name)
        while isinstance(current, _Router):
            current = current._replaced
        setattr(sys, name, current)


# -- the console ----------------------------------------------------------------------------


class _SessionExit:
    """``exit`` and ``quit`` in a session: end that session, nothing else."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Use {self.name}() or Ctrl-D (i.e. EOF) to end this backdoor session"

    def __call__(self, code: Any = None) -> None:
        raise SystemExit(code)


class _Interpreter(code.InteractiveConsole):
    """code.InteractiveConsole reading from and writing to one client."""

    def __init__(self, proxy: FileProxy, namespace: dict[str, Any]) -> None:
        super().__init__(namespace, filename="<backdoor>")
        self.proxy = proxy

    def raw_input(self, prompt: str = "") -> str:
        self.proxy.write(prompt)
        line = self.proxy.readline()
        if not line:
            raise EOFError
        return line[:-1] if line.endswith("\n") else line

    def write(self, data: str) -> None:
        self.proxy.write(data)

    def session(self, banner: str) -> None:
        # Our own loop rather than interact(): that sets and deletes sys.ps1, which two
        # sessions at once would trip over, and it turns exit() into a process exit.
        self.write(banner)
        more = False
        while True:
            try:
                line = self.raw_input("... " if more else ">>> ")
            except EOFError:
                self.write("\n")
                return
            try:
                more = self.push(line)
            except SystemExit:
                return


class SocketConsole(greenlet):
    """The green thread that runs one client's interactive console.

    ``desc`` is the client's connection (a socket) or a file-like object with
    ``readline``/``write``; ``hostport`` the client's address, for the banner; ``locals``
    the names the console starts with (copied: each session has its own namespace, holding
    the same objects). :func:`backdoor` makes and starts one.
    """

    def __init__(self, desc: Any, hostport: Any, locals: dict[str, Any] | None) -> None:
        super().__init__(parent=get_hub().greenlet)
        if isinstance(desc, socket.socket):
            desc = GreenSocket(desc)  # a real socket would block the hub on every read
        self.desc = desc
        self.connection: Any = _Connection(desc) if hasattr(desc, "recv") else desc
        self.hostport = hostport
        self.locals = dict(locals) if locals is not None else {}

    def run(self) -> None:
        """Run the console until the client leaves or types ``exit()``; then close."""
        proxy = FileProxy(self.connection)
        namespace: dict[str, Any] = {
            "__name__": "__console__",
            "__doc__": None,
            "exit": _SessionExit("exit"),
            "quit": _SessionExit("quit"),
        }
        namespace.update(self.locals)
        _enter_session(self, proxy)
        try:
            banner = (
                f"Python {sys.version} on {sys.platform}\n"
                f"(eventlet backdoor; exit() or quit() ends this session)\n"
            )
            _Interpreter(proxy, namespace).session(banner)
        except Exception:
            # The console must never take the hub down; the session ends here.
            pass
        finally:
            _leave_session(self)
            self.finalize()

    def finalize(self) -> None:
        """Close the client's connection."""
        close = getattr(self.connection, "close", None)
        if close is not None:
            close()

    def switch_out(self) -> None:
        """Does nothing: output is routed by green thread, not swapped on each switch.

        Kept because upstream Eventlet's hub called it when a console switched out.
        """


def backdoor(conn_info: tuple[Any, Any], locals: dict[str, Any] | None = None) -> SocketConsole:
    """Start a console for one connected client, in a new green thread; return it.

    ``conn_info`` is ``(connection, address)`` as ``accept()`` returns it. Does not block:
    meant to be called from an accept loop such as :func:`backdoor_server`.
    """
    try:
        conn, addr = conn_info
    except (TypeError, ValueError):
        raise TypeError(
            f"backdoor() needs conn_info as (connection, address), not {conn_info!r}"
        ) from None
    if locals is not None and not isinstance(locals, dict):
        raise TypeError(f"backdoor() locals must be a dict or None, not {type(locals).__name__!r}")
    console = SocketConsole(conn, addr, locals)
    get_hub().run_soon(console.switch)
    return console


def backdoor_server(sock: Any, locals: dict[str, Any] | None = None) -> None:
    """Accept clients on the listening socket ``sock`` forever, a console for each.

    Blocks the calling green thread (not the hub); spawn it. ``locals`` is a dict of names
    every console starts with. The socket is closed when the server stops (killed, or an
    error while accepting).
    """
    if locals is not None and not isinstance(locals, dict):
        raise TypeError(
            f"backdoor_server() locals must be a dict or None, not {type(locals).__name__!r}"
        )
    if isinstance(sock, socket.socket):
        sock = GreenSocket(sock)
    elif not hasattr(sock, "accept"):
        raise TypeError(f"backdoor_server() needs a listening socket, not {type(sock).__name__!r}")
    try:
        while True:
            conn, addr = sock.accept()
            backdoor((conn, addr), locals)
    finally:
        sock.close()
