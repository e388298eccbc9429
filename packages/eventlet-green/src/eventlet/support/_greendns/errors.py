"""The exceptions of greendns's socket functions, worded as the running libc words them."""

from __future__ import annotations

import sys
from typing import Any

from eventlet.green._getaddrinfo import c_socket as _socket

__all__ = [
    "EAI_EAGAIN_ERROR",
    "EAI_NODATA_ERROR",
    "EAI_NONAME_ERROR",
    "HOST_NOT_FOUND",
    "NO_RECOVERY",
    "TRY_AGAIN",
    "gaierror",
    "gaierror_for",
    "herror",
    "is_dns_error",
    "is_temporary",
]

# glibc's texts; the running libc's own (gai_strerror, hstrerror) are used where available.
_GAI_TEXTS = {
    _socket.EAI_AGAIN: "Temporary failure in name resolution",
    _socket.EAI_FAIL: "Non-recoverable failure in name resolution",
    _socket.EAI_NONAME: "Name or service not known",
}
if hasattr(_socket, "EAI_NODATA"):
    _GAI_TEXTS[_socket.EAI_NODATA] = "No address associated with hostname"

#: h_errno codes of gethostbyaddr's ``socket.herror``.
HOST_NOT_FOUND, TRY_AGAIN, NO_RECOVERY = 1, 2, 3
_H_TEXTS = {
    HOST_NOT_FOUND: "Unknown host",
    TRY_AGAIN: "Host name lookup failure",
    NO_RECOVERY: "Unknown server error",
}
_libc_texts: dict[tuple[str, int], str] = {}


def _libc_text(function: str, code: int, fallback: str) -> str:
    """The text libc's ``function`` (gai_strerror or hstrerror) gives for ``code``."""
    key = (function, code)
    text = _libc_texts.get(key)
    if text is None:
        text = fallback
        try:
            import ctypes

            libc_function = getattr(ctypes.CDLL(None), function)
            libc_function.restype = ctypes.c_char_p
            libc_function.argtypes = [ctypes.c_int]
            found = libc_function(code)
            if found:
                text = found.decode("utf-8", "replace")
        except Exception:
            pass  # no ctypes or no such function: glibc's wording will do
        _libc_texts[key] = text
    return text


def gaierror(code: int) -> OSError:
    """A fresh ``socket.gaierror`` for EAI code ``code``, with libc's message."""
    return _socket.gaierror(code, _libc_text("gai_strerror", code, _GAI_TEXTS.get(code, "")))


def herror(code: int) -> OSError:
    """A fresh ``socket.herror`` for h_errno ``code``, with libc's message."""
    return _socket.herror(code, _libc_text("hstrerror", code, _H_TEXTS[code]))


#: Instances for programs that compare with them; the functions raise fresh copies.
EAI_EAGAIN_ERROR = _socket.gaierror(_socket.EAI_AGAIN, _GAI_TEXTS[_socket.EAI_AGAIN])
EAI_NONAME_ERROR = _socket.gaierror(_socket.EAI_NONAME, _GAI_TEXTS[_socket.EAI_NONAME])
EAI_NODATA_ERROR = _socket.gaierror(
    getattr(_socket, "EAI_NODATA", _socket.EAI_NONAME),
    _GAI_TEXTS.get(getattr(_socket, "EAI_NODATA", None), _GAI_TEXTS[_socket.EAI_NONAME]),
)


def is_dns_error(error: BaseException) -> bool:
    """Whether ``error`` is dnspython's (a ``dns.exception.DNSException``).

    Asked without importing dnspython: if it is not loaded, nothing raised it.
    """
    module: Any = sys.modules.get("dns.exception")
    return module is not None and isinstance(error, module.DNSException)


def is_temporary(error: BaseException) -> bool:
    """Whether a dnspython error means "try again": a timeout, or no server answered."""
    exception: Any = sys.modules.get("dns.exception")
    resolver: Any = sys.modules.get("dns.resolver")
    return (exception is not None and isinstance(error, exception.Timeout)) or (
        resolver is not None and isinstance(error, resolver.NoNameservers)
    )


def gaierror_for(error: BaseException) -> OSError:
    """The gaierror libc gives for what dnspython reports: try again, or no such name."""
    return gaierror(_socket.EAI_AGAIN if is_temporary(error) else _socket.EAI_NONAME)
