"""``urllib2``, the Python 2 name of the green ``urllib.request`` (kept for old programs).

Python 2's ``urllib2`` held what Python 3 split into ``urllib.request`` and ``urllib.error``:
every public name of :mod:`eventlet.green.urllib.request` and of ``urllib.error`` is here, the
very same objects, so ``urllib2.urlopen(url).read()`` and ``except urllib2.HTTPError`` work.
"""

from eventlet.green.urllib import error as _green_error
from eventlet.green.urllib import request as _green_request

for _green in (_green_error, _green_request):
    globals().update(
        {name: value for name, value in vars(_green).items() if not name.startswith("__")}
    )
del _green
__all__ = list(_green_request.__all__) + list(_green_error.__all__)
__patched__ = list(_green_request.__patched__)
