"""The parts of :mod:`eventlet.support.greendns`, by concern; import them from there.

- ``errors``: ``socket.gaierror`` and ``socket.herror`` worded as libc words them;
- ``resolvconf``: reading ``/etc/resolv.conf``;
- ``hostsfile``: the hosts file (``HostsResolver``, ``HostsAnswer``);
- ``transport``: one query over UDP or TCP (``udp``, ``tcp``);
- ``proxy``: the resolver (``ResolverProxy``): search domains, retries, CNAME chains;
- ``lookups``: ``resolve``, ``resolve_cname``, ``getaliases``;
- ``sockfuncs``: the ``socket`` module's functions (``getaddrinfo``, ...).

``errors``, ``resolvconf`` and ``sockfuncs`` do not import dnspython: the public module
loads the others on first use, so ``eventlet.green.socket`` can bind its functions to
greendns's without paying for dnspython until the first lookup.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

_FACE = "eventlet.support.greendns"


def face() -> Any:
    """The public module, looked up at call time: a program may replace its ``resolve`` or
    ``resolver`` (to add a cache, say), and the lookups must then go through the new one."""
    module = sys.modules.get(_FACE)
    return module if module is not None else importlib.import_module(_FACE)
