"""pyOpenSSL's ``OpenSSL.version``, as it is."""

from OpenSSL import version as _version
from OpenSSL.version import *  # noqa: F403  (pyOpenSSL's whole interface)

__all__ = list(_version.__all__)
__patched__: list[str] = []
