"""GreenPipe: file objects over descriptors (pipes, FIFOs, ttys) whose reads and writes wait
on the hub instead of blocking the process.

``GreenPipe`` takes the arguments of the built-in :func:`open` (a descriptor number or a path
as ``name``) and returns the same layers ``open`` does: a buffered binary file, wrapped in a
text file unless the mode has ``"b"``. Underneath is a :class:`GreenFileIO`, a raw file whose
descriptor is non-blocking; regular files never block, so they simply work.
"""

from __future__ import annotations

import errno
import io
import os
import warnings
from collections.abc import Callable
from typing import Any

from eventlet.greenio._wait import wait
from eventlet.hubs import notify_close, notify_opened

__all__ = ["GreenFileIO", "GreenPipe"]

_READV = getattr(os, "readv", None)


def _parse_mode(mode: str) -> tuple[int, bool, bool]:
    """The os.open flags of ``mode``, and whether it reads and writes."""
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a str, not {type(mode).__name__!r}")
    kinds = set(mode)
    if len(kinds) != len(mode) or not kinds <= set("rwaxb+t") or len(kinds & set("rwax")) != 1:
        raise ValueError(f"invalid mode: {mode!r}")
    if "b" in kinds and "t" in kinds:
        raise ValueError(f"invalid mode: {mode!r} (binary and text at once)")
    plus = "+" in kinds
    if "r" in kinds:
        return (os.O_RDWR if plus else os.O_RDONLY), True, plus
    flags = os.O_RDWR if plus else os.O_WRONLY
    if "w" in kinds:
        flags |= os.O_CREAT | os.O_TRUNC
    elif "a" in kinds:
        flags |= os.O_CREAT | os.O_APPEND
    else:
        flags |= os.O_CREAT | os.O_EXCL
    return flags, plus, True


class GreenFileIO(io.RawIOBase):
    """A raw binary file over a non-blocking descriptor; reads and writes wait on the hub.

    Collected unclosed, it warns (``ResourceWarning``) and closes its descriptor, as the
    stdlib's ``FileIO`` does.
    """

    # Until __init__ has its descriptor: a half-made file has nothing to close.
    _fileno = -1
    _closefd = False

    def __init__(
        self,
        name: int | str | bytes | os.PathLike[Any],
        mode: str = "r",
        closefd: bool = True,
        opener: Callable[[str, int], int] | None = None,
    ) -> None:
        super().__init__()
        flags, self._readable, self._writable = _parse_mode(mode.replace("t", ""))
        self._closefd = closefd
        if isinstance(name, bool) or not isinstance(name, (int, str, bytes, os.PathLike)):
            raise TypeError(f"GreenFileIO() needs a descriptor or a path, not {name!r}")
        if isinstance(name, int):
            if name < 0:
                raise ValueError(f"negative file descriptor: {name}")
            fileno = name
        else:
            if not closefd:
                raise ValueError("cannot use closefd=False with a file name")
            flags |= os.O_CLOEXEC
            fileno = opener(os.fsdecode(name), flags) if opener else os.open(name, flags, 0o666)
        self._fileno = fileno
        self.name = name
        self.mode = mode
        os.set_blocking(fileno, False)
        # A new file may have the number of one closed behind the hub's back.
        notify_opened(fileno)
        self._seekable: bool | None = None
        self._waiting = 0  # green threads waiting on the descriptor

    # -- what io.RawIOBase asks of a raw file ----------------------------------------------

    def fileno(self) -> int:
        """The descriptor number."""
        self._check_not_closed()
        return self._fileno

    def readable(self) -> bool:
        """Whether the file was opened for reading."""
        self._check_not_closed()
        return self._readable

    def writable(self) -> bool:
        """Whether the file was opened for writing."""
        self._check_not_closed()
        return self._writable

    def seekable(self) -> bool:
        """Whether the descriptor supports seeking (false for pipes and sockets)."""
        self._check_not_closed()
        if self._seekable is None:
            try:
                os.lseek(self._fileno, 0, os.SEEK_CUR)
                self._seekable = True
            except OSError:
                self._seekable = False
        return self._seekable

    def isatty(self) -> bool:
        """Whether the descriptor is a terminal."""
        self._check_not_closed()
        return os.isatty(self._fileno)

    def _check_not_closed(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def _wait(self, read: bool) -> None:
        self._waiting += 1
        try:
            wait(self._fileno, read, None, None, self._closed_under_us, _no_timeout)
        finally:
            self._waiting -= 1

    def _closed_under_us(self) -> None:
        # The hub calls this when the descriptor is closed while we wait (our own close(),
        # or green os.close()); passing it also lets the hub keep watching between waits.
        pass

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``, waiting on the hub until data (or end of file) comes."""
        self._check_not_closed()
        if not self._readable:
            raise io.UnsupportedOperation("File not open for reading")
        while True:
            try:
                if _READV is not None:
                    return _READV(self._fileno, [buffer])
                data = os.read(self._fileno, len(memoryview(buffer)))
                memoryview(buffer).cast("B")[: len(data)] = data
                return len(data)
            except BlockingIOError:
                self._wait(True)

    def readall(self) -> bytes:
        """Read until end of file."""
        chunks: list[bytes] = []
        while True:
            chunk = self.read(io.DEFAULT_BUFFER_SIZE * 8)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)

    def write(self, data: Any) -> int:
        """Write all of ``data``, waiting on the hub while the pipe is full (as a write to a
        blocking pipe does, which returns only when everything is written)."""
        self._check_not_closed()
        if not self._writable:
            raise io.UnsupportedOperation("File not open for writing")
        with memoryview(data) as whole, whole.cast("B") as view:
            written = 0
            while written < len(view):
                try:
                    written += os.write(self._fileno, view[written:])
                except BlockingIOError:
                    self._wait(False)
            return written

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move the file position; pipes raise ``OSError`` (ESPIPE) as the OS says."""
        self._check_not_closed()
        return os.lseek(self._fileno, offset, whence)

    def tell(self) -> int:
        """The file position."""
        return self.seek(0, os.SEEK_CUR)

    def truncate(self, size: int | None = None) -> int:
        """Cut the file to ``size`` bytes (default: the current position)."""
        self._check_not_closed()
        if size is None:
            size = self.tell()
        os.ftruncate(self._fileno, size)
        return size

    def close(self) -> None:
        """Close the file; a green thread waiting on it gets an error."""
        if self.closed:
            return
        try:
            super().close()  # flushes (nothing is buffered at this layer)
        finally:
            if self._closefd and self._fileno >= 0:
                notify_close(self._fileno)  # before closing: the number may be reused
                try:
                    os.close(self._fileno)
                except OSError as error:
                    if error.errno != errno.EBADF:
                        raise

    def _dealloc_warn(self, source: Any) -> None:
        # The buffered and text layers call this as they are collected unclosed, naming
        # themselves: the stdlib's FileIO warns the same way.
        if self._closefd and self._fileno >= 0 and not self.closed:
            warnings.warn(f"unclosed file {source!r}", ResourceWarning, stacklevel=2, source=source)

    def __del__(self) -> None:
        # Collected unclosed: warn as the stdlib's FileIO does; IOBase's finalizer then
        # closes it (telling the hub first, see close()).
        if not self.closed:
            self._dealloc_warn(self)
        super().__del__()

    def __repr__(self) -> str:
        if self.closed:
            return f"<{type(self).__name__} [closed]>"
        return f"<{type(self).__name__} name={self.name!r} mode={self.mode!r} closefd={self._closefd}>"


def _no_timeout(read: bool) -> BaseException:
    raise AssertionError("a GreenFileIO wait has no timeout")  # pragma: no cover


class _ClosableWhileWaiting:
    """Mixed into the buffered layers: ``close()`` while another green thread waits inside
    ``read()`` or ``write()``.

    The C buffered classes hold a lock while they call the raw file, and that lock belongs to
    the OS thread, which all green threads share: closing from another green thread would
    raise "reentrant call". So the raw file is closed first, which wakes the waiter with an
    error; once it has let go of the lock, the buffered layer closes as usual.
    """

    def close(self) -> None:
        raw: Any = self.raw  # type: ignore[attr-defined]
        if raw._waiting and not raw.closed:
            raw.close()
            from eventlet.greenthread import sleep

            while raw._waiting:
                sleep(0)
        super().close()  # type: ignore[misc]


class _GreenBufferedReader(_ClosableWhileWaiting, io.BufferedReader):
    """A buffered reader over a GreenFileIO."""


class _GreenBufferedWriter(_ClosableWhileWaiting, io.BufferedWriter):
    """A buffered writer over a GreenFileIO."""


class _GreenBufferedRandom(_ClosableWhileWaiting, io.BufferedRandom):
    """A buffered reader and writer over a seekable GreenFileIO."""


def GreenPipe(
    name: int | str | bytes | os.PathLike[Any] | Any,
    mode: str = "r",
    buffering: int = -1,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    closefd: bool = True,
    opener: Callable[[str, int], int] | None = None,
) -> Any:
    """Open ``name`` (a descriptor, a path, or a file object's descriptor) like :func:`open`,
    green: a text file unless ``mode`` has ``"b"``, buffered unless ``buffering`` is 0."""
    if hasattr(name, "fileno") and not isinstance(name, int):
        # A file object: take over its descriptor (it keeps it open; we must not close it twice).
        fileno = name.fileno()
        if closefd:
            fileno = os.dup(fileno)
        name = fileno
    if not isinstance(buffering, int) or isinstance(buffering, bool):
        raise TypeError(f"buffering must be an int, not {type(buffering).__name__!r}")
    raw = GreenFileIO(name, mode, closefd=closefd, opener=opener)
    binary = "b" in mode
    try:
        if buffering == 1 and binary:
            buffering = -1  # line buffering means nothing to a binary file (open() warns)
        if buffering == 0:
            if not binary:
                raise ValueError("can't have unbuffered text I/O")
            return raw
        size = io.DEFAULT_BUFFER_SIZE if buffering in (-1, 1) else buffering
        buffered: Any
        if raw.readable() and raw.writable():
            if raw.seekable():
                buffered = _GreenBufferedRandom(raw, size)
            else:
                buffered = io.BufferedRWPair(raw, raw, size)
        elif raw.writable():
            buffered = _GreenBufferedWriter(raw, size)
        else:
            buffered = _GreenBufferedReader(raw, size)
        if binary:
            return buffered
        text = io.TextIOWrapper(
            buffered, encoding, errors, newline, line_buffering=buffering == 1
        )
        text.mode = mode  # type: ignore[misc]
        return text
    except BaseException:
        raw.close()
        raise
