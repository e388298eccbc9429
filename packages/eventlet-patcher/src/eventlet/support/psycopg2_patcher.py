"""Cooperative psycopg2: queries wait on the hub instead of blocking the OS thread.

psycopg2 lets a program install a *wait callback* (``psycopg2.extensions.set_wait_callback``)
that it calls whenever a connection would block; the connection is then driven in
asynchronous mode with ``conn.poll()``. :func:`make_psycopg_green` installs a callback that
waits for the connection's socket on the hub, so one green thread's query lets the others
run. ``eventlet.patcher.monkey_patch(psycopg=True)`` (and ``monkey_patch()`` with no
arguments, when psycopg2 is installed) calls it.

Like psycopg2's own default, the callback is process-wide; it works for connections made
before or after it is installed.
"""

from __future__ import annotations

from typing import Any

from eventlet.hubs import trampoline

__all__ = ["eventlet_wait_callback", "make_psycopg_green"]


def make_psycopg_green() -> None:
    """Install :func:`eventlet_wait_callback` as psycopg2's wait callback.

    Raises ImportError, naming the missing module, when psycopg2 is not installed, and
    RuntimeError when this psycopg2 build has no wait-callback support.
    """
    try:
        from psycopg2 import extensions
    except ImportError as exc:
        raise ImportError(
            "make_psycopg_green() needs psycopg2 (pip install psycopg2 or psycopg2-binary)"
        ) from exc
    if not hasattr(extensions, "set_wait_callback"):
        raise RuntimeError(
            f"psycopg2 {getattr(extensions, '__version__', '?')} has no set_wait_callback "
            "(it appeared in psycopg2 2.2); upgrade psycopg2"
        )
    extensions.set_wait_callback(eventlet_wait_callback)


def eventlet_wait_callback(conn: Any, timeout: float | None = None) -> None:
    """Drive ``conn`` with ``poll()`` until its operation is done, waiting on the hub.

    This is the callback psycopg2 calls for each operation that would block. If the wait is
    interrupted (a Timeout, a kill), the exception propagates and psycopg2 closes the
    connection, as it does for any failing wait callback: a half-done exchange with the
    server cannot be resumed.
    """
    from psycopg2 import OperationalError, extensions

    ok, read, write = extensions.POLL_OK, extensions.POLL_READ, extensions.POLL_WRITE
    while True:
        state = conn.poll()
        if state == ok:
            return
        if state == read:
            trampoline(conn.fileno(), read=True, timeout=timeout)
        elif state == write:
            trampoline(conn.fileno(), write=True, timeout=timeout)
        else:
            raise OperationalError(f"psycopg2 connection poll() returned {state!r}")
