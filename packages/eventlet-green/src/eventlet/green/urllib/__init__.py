"""The ``urllib`` package, green.

The green submodules are ``request`` (``urlopen``, ``build_opener`` and the handlers, all on
the green ``http.client`` and ``ftplib``) and ``robotparser``; ``parse``, ``error`` and
``response`` do no I/O and are the standard library's own modules re-exported. Import them as
``from eventlet.green.urllib import request``.
"""

# The package itself holds nothing, as the standard library's does.
__patched__: list[str] = []
