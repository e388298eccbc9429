"""The old ``OpenSSL.tsafe`` name, kept as upstream Eventlet kept it.

pyOpenSSL's ``tsafe.Connection`` put a lock around every call so that OS threads could share
a connection. Green threads switch only where a call waits on the hub, so the green
:class:`~eventlet.green.OpenSSL.SSL.Connection` serves here as it is.
"""

from eventlet.green.OpenSSL.SSL import Connection

__all__ = ["Connection"]
__patched__ = ["Connection"]
