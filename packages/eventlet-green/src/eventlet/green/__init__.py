"""Green versions of standard-library modules.

``from eventlet.green import socket`` gives a module with the standard library's interface
whose blocking calls wait on the hub, so other green threads run meanwhile. Each green
module lists in ``__patched__`` the names it replaces with green versions (and, where a
name would only block, in ``__deleted__`` the names it leaves out); its ``__all__`` is the
standard-library module's.
"""
