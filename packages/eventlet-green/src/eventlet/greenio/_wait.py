"""The one way green I/O blocks: try the system call, wait on the hub, keep a deadline.

Every green I/O class (``GreenSocket``, ``GreenFileIO``, ``GreenSSLSocket``) calls these
instead of writing the loop again, so the rules about resources live here:

- without a timeout the wait is :meth:`BaseHub.wait_io`, which keeps no reference to the
  caller once it returns (a socket dropped unclosed can be collected);
- with a timeout, one deadline bounds the whole operation, across spurious wake-ups, and the
  timer is canceled when the wait ends;
- ``mark_as_closed`` tells the hub the descriptor has an owner that notifies it before
  closing (or, when collected unclosed, releases it): the hub may keep it watched between
  waits. Raw waiters pass None.

One exception, for memory: ``GreenSocket.recv`` and ``recv_into`` write out the untimed loop
of :func:`retry` (``hub.wait_io``, then the call again), so an idle connection's blocked
reader carries one frame less.
"""

from __future__ import annotations

import errno
import os
import socket as _socket  # only its constants, the same green or not
import time
from collections.abc import Callable
from typing import Any

from eventlet.hubs import READ, WRITE, get_hub, trampoline

__all__ = ["CONNECT_ERR", "CONNECT_SUCCESS", "connect", "retry", "wait"]

#: connect_ex results meaning "connecting is under way".
CONNECT_ERR = frozenset((errno.EINPROGRESS, errno.EALREADY, errno.EWOULDBLOCK))
#: connect_ex results meaning "connected".
CONNECT_SUCCESS = frozenset((0, errno.EISCONN))

_monotonic = time.monotonic
_SOL_SOCKET = _socket.SOL_SOCKET
_SO_ERROR = _socket.SO_ERROR
_AF_UNIX = getattr(_socket, "AF_UNIX", None)

#: ``timed_out(read)`` makes the exception an expired wait raises.
TimedOut = Callable[[bool], BaseException]


class _Expired(Exception):
    """Thrown by the hub's timer into a wait that outlived its deadline (never escapes)."""


def wait(
    fileno: int,
    read: bool,
    timeout: float | None,
    deadline: float | None,
    mark_as_closed: Callable[[], Any] | None,
    timed_out: TimedOut,
) -> float | None:
    """Suspend the calling green thread until ``fileno`` is readable (``read``) or writable.

    ``timeout`` None waits as long as it takes. Otherwise ``deadline`` is None on an
    operation's first wait and the deadline is returned, for the operation's next waits to
    share; ``timed_out(read)`` is raised once it has passed.
    """
    if timeout is None:
        get_hub().wait_io(READ if read else WRITE, fileno, mark_as_closed)
        return None
    now = _monotonic()
    if deadline is None:
        deadline = now + timeout
    remaining = deadline - now
    if remaining <= 0:
        raise timed_out(read)
    try:
        trampoline(
            fileno,
            read=read,
            write=not read,
            timeout=remaining,
            timeout_exc=_Expired,
            mark_as_closed=mark_as_closed,
        )
    except _Expired:
        raise timed_out(read) from None
    return deadline


def retry(
    call: Callable[..., Any],
    args: tuple[Any, ...],
    read: bool,
    fileno: int,
    timeout: float | None,
    mark_as_closed: Callable[[], Any] | None,
    timed_out: TimedOut,
) -> Any:
    """``call(*args)`` raised ``BlockingIOError``: wait and call again until it does not.

    The caller has tried once already and handled a timeout of 0.0 (non-blocking: the
    error is the caller's to raise).
    """
    if timeout is None:
        # Blocking: the common case, one call into the hub per wait.
        wait_io = get_hub().wait_io
        evtype = READ if read else WRITE
        while True:
            wait_io(evtype, fileno, mark_as_closed)
            try:
                return call(*args)
            except BlockingIOError:
                pass
    deadline = None
    while True:
        deadline = wait(fileno, read, timeout, deadline, mark_as_closed, timed_out)
        try:
            return call(*args)
        except BlockingIOError:
            pass


def connect(
    connect_ex: Callable[[Any], int],
    getsockopt: Callable[[int, int], int],
    family: int,
    address: Any,
    fileno: int,
    timeout: float | None,
    mark_as_closed: Callable[[], Any] | None,
    raise_timeout: bool,
    timed_out: TimedOut,
) -> int:
    """Connect a non-blocking socket to ``address``, waiting on the hub; the errno value the
    attempt ends with (0: connected).

    ``connect_ex`` and ``getsockopt`` are the socket's own (C-level) methods. A timeout of
    0.0 does not wait: ``connect`` raises ``BlockingIOError``, ``connect_ex`` returns the
    errno value. When the timeout runs out, ``timed_out(False)`` is raised if
    ``raise_timeout``, else EWOULDBLOCK is returned, as the stdlib's connect_ex does.
    """
    error = connect_ex(address)  # bad addresses raise here, as with the stdlib
    if error == 0:
        return 0  # EISCONN here is an error: the socket was connected before
    if error not in CONNECT_ERR:
        return error
    if timeout == 0.0:
        if raise_timeout:
            raise BlockingIOError(error, os.strerror(error))
        return error
    deadline = None
    while True:
        try:
            deadline = wait(fileno, False, timeout, deadline, mark_as_closed, timed_out)
        except TimeoutError:
            if raise_timeout:
                raise
            return errno.EWOULDBLOCK
        if error == errno.EAGAIN and family == _AF_UNIX:
            error = connect_ex(address)  # a full Unix backlog: connect again
        else:
            error = getsockopt(_SOL_SOCKET, _SO_ERROR)
            if not error:
                # Connected. One more connect() moves the kernel's socket state to
                # "connected", so a later connect() raises EISCONN as after a blocking one.
                connect_ex(address)
                return 0
        if error in CONNECT_SUCCESS:
            return 0
        if error not in CONNECT_ERR:
            return error
