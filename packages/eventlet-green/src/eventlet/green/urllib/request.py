"""The ``urllib.request`` module, green.

This is the running Python's own ``urllib.request``, imported afresh with the green
``socket``, ``ssl`` and ``time`` modules in its place, and reaching ``http.client`` through the
green ``http`` package. So ``urlopen``, ``build_opener`` and the handlers (``HTTPHandler``,
``HTTPSHandler``, ``FTPHandler``, ...) wait on the hub for every connection, request and
response, while the other green threads run.

Three things the standard module finds only when called are made green here too:
``HTTPCookieProcessor()`` without a jar makes a green ``http.cookiejar.CookieJar``, and the
FTP handlers connect with the green ``ftplib.FTP``. The exceptions (``URLError``,
``HTTPError``) are the standard library's own, from ``urllib.error``.
"""

from __future__ import annotations

from typing import Any

# The standard interface, for type checkers (and the standard module loaded, with its
# http.client, before the copy is made); every name is replaced by the green copy's below.
from urllib.request import *  # noqa: F403

from eventlet.green import ftplib as _green_ftplib
from eventlet.green import http as _green_http
from eventlet.green import time as _green_time
from eventlet.green._inject import inject
from eventlet.green._modules import network_modules
from eventlet.green.http import client as _green_client  # noqa: F401  (sets _green_http.client)
from eventlet.green.http import cookiejar as _green_cookiejar

_copy: Any = inject("urllib.request", globals(), ("time", _green_time), *network_modules())
__all__ = list(_copy.__all__)

# The copy's `import http.client` bound the name `http` to the standard package, and its
# handlers reach `http.client.HTTPConnection` through it at run time: point it at the green
# package, whose `client` attribute is the green module.
_copy.http = _green_http
http = _green_http


class HTTPCookieProcessor(_copy.HTTPCookieProcessor):  # type: ignore[no-redef]
    """Send and store cookies; without a jar of its own, it keeps them in a green CookieJar."""

    def __init__(self, cookiejar: Any = None) -> None:
        """Use ``cookiejar``, or a new green ``http.cookiejar.CookieJar`` when it is None."""
        if cookiejar is None:
            cookiejar = _green_cookiejar.CookieJar()
        super().__init__(cookiejar)


class ftpwrapper(_copy.ftpwrapper):
    """One cached FTP connection of the FTP handlers and ``URLopener``, made with green ftplib."""

    def init(self) -> None:
        """Connect, log in and change to the wanted directory, as the stdlib's does."""
        self.busy = 0
        self.ftp = _green_ftplib.FTP()
        self.ftp.connect(self.host, self.port, self.timeout)
        self.ftp.login(self.user, self.passwd)
        self.ftp.cwd("/".join(self.dirs))


# The copy's own code (FTPHandler.connect_ftp, URLopener.open_ftp, ...) finds these by name.
_copy.HTTPCookieProcessor = HTTPCookieProcessor
_copy.ftpwrapper = ftpwrapper

__patched__ = [
    "urlopen",
    "install_opener",
    "build_opener",
    "urlretrieve",
    "OpenerDirector",
    "HTTPHandler",
    "FTPHandler",
    "CacheFTPHandler",
    "HTTPCookieProcessor",
    "URLopener",
    "FancyURLopener",
    "ftpwrapper",
]
if hasattr(_copy, "HTTPSHandler"):
    __patched__.append("HTTPSHandler")
