"""pyOpenSSL's ``OpenSSL.crypto``, as it is: keys and certificates involve no network I/O.

Names are looked up in pyOpenSSL's module when first used, not copied at import: pyOpenSSL
warns about its deprecated names when they are touched, and importing this must not.
"""

from typing import Any

from OpenSSL import crypto as _crypto

__all__ = list(_crypto.__all__)
__patched__: list[str] = []


def __getattr__(name: str) -> Any:
    """Every name of ``OpenSSL.crypto`` (with pyOpenSSL's own deprecation warnings)."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(_crypto, name)


def __dir__() -> list[str]:
    """The names of ``OpenSSL.crypto``."""
    return sorted(set(dir(_crypto)) | set(globals()))
