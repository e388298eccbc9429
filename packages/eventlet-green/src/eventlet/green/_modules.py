"""The green modules that the green copies of the standard library's network clients
(``ftplib``, ``http.client``, ``urllib.request``) are made with."""

from __future__ import annotations

import types

__all__ = ["network_modules"]


def network_modules() -> list[tuple[str, types.ModuleType]]:
    """The ``(name, green module)`` pairs for :func:`eventlet.green._inject.inject` of a module
    that connects with ``socket``, and with ``ssl`` where this Python has it.

    A Python built without ``ssl`` gets a copy without the TLS classes (``FTP_TLS``,
    ``HTTPSConnection``, ``HTTPSHandler``), as its standard library has none either.
    """
    from eventlet.green import socket

    pairs: list[tuple[str, types.ModuleType]] = [("socket", socket)]
    try:
        import ssl  # noqa: F401  (only: does this Python have ssl?)
    except ImportError:
        return pairs
    from eventlet.green import ssl as green_ssl

    pairs.append(("ssl", green_ssl))
    return pairs
