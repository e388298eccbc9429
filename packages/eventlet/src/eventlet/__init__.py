# The `eventlet` namespace is shared by several distributions (eventlet-hub,
# eventlet-primitives, ...). Only this meta-package ships eventlet/__init__.py, so it must
# first gather the other portions wherever they are installed (site-packages, editable
# installs, --target folders, PYTHONPATH): that is the statement below, which stays first.
__path__ = __import__("pkgutil").extend_path(__path__, __name__)

__doc__ = """Concurrent networking with green threads.

Eventlet runs many green threads (greenlets) on one OS thread, switching between them
whenever one of them would block on I/O or a timer, so plain blocking-style code serves
many connections at once.

This package is the meta-package: it holds the version and re-exports the everyday API
(``eventlet.spawn``, ``eventlet.sleep``, ``eventlet.Queue``, ``eventlet.GreenPool``, ...).
The code lives in separate distributions that share the ``eventlet`` import name:

* ``eventlet-hub``: ``eventlet.hubs``, ``greenthread``, ``event``, ``timeout``, ``debug``,
  ``asyncio``, ``support`` (``get_errno``, ``wrap_deprecated``, ``support.greenlets``);
* ``eventlet-primitives``: ``semaphore``, ``lock``, ``queue``, ``greenpool``, ``pools``,
  ``corolocal``, ``coros``;
* ``eventlet-green``: ``greenio``, ``green``, ``convenience`` (``connect``, ``listen``,
  ``serve``, ``StopServe``, ``wrap_ssl``), ``support.greendns``;
* ``eventlet-patcher``: ``patcher`` (``monkey_patch``, ``import_patched``, ``original``);
* ``eventlet-tpool``: ``tpool``; ``eventlet-dbpool``: ``db_pool``;
* ``eventlet-wsgi``: ``wsgi``; ``eventlet-websocket``: ``websocket``;
* ``eventlet-dagpool``: ``dagpool``; ``eventlet-backdoor``: ``backdoor``.

Re-exports and submodules are imported lazily, on first attribute access, so
``import eventlet`` costs almost nothing. A name whose distribution is not installed raises
an :class:`ImportError` that names the distribution to install.
"""

from importlib import import_module as _import_module
from importlib.util import find_spec as _find_spec

TYPE_CHECKING = False
if TYPE_CHECKING:  # precise types for checkers; at run time the names resolve lazily
    from typing import Any

    from eventlet.convenience import StopServe as StopServe
    from eventlet.convenience import connect as connect
    from eventlet.convenience import listen as listen
    from eventlet.convenience import serve as serve
    from eventlet.convenience import wrap_ssl as wrap_ssl
    from eventlet.event import Event as Event
    from eventlet.greenpool import GreenPile as GreenPile
    from eventlet.greenpool import GreenPool as GreenPool
    from eventlet.greenthread import GreenThread as GreenThread
    from eventlet.greenthread import getcurrent as getcurrent
    from eventlet.greenthread import kill as kill
    from eventlet.greenthread import sleep as sleep
    from eventlet.greenthread import spawn as spawn
    from eventlet.greenthread import spawn_after as spawn_after
    from eventlet.greenthread import spawn_after_local as spawn_after_local
    from eventlet.greenthread import spawn_n as spawn_n
    from eventlet.patcher import import_patched as import_patched
    from eventlet.patcher import monkey_patch as monkey_patch
    from eventlet.queue import LifoQueue as LifoQueue
    from eventlet.queue import LightQueue as LightQueue
    from eventlet.queue import PriorityQueue as PriorityQueue
    from eventlet.queue import Queue as Queue
    from eventlet.semaphore import BoundedSemaphore as BoundedSemaphore
    from eventlet.semaphore import CappedSemaphore as CappedSemaphore
    from eventlet.semaphore import Semaphore as Semaphore
    from eventlet.timeout import Timeout as Timeout
    from eventlet.timeout import is_timeout as is_timeout
    from eventlet.timeout import with_timeout as with_timeout
    from eventlet.timeout import wrap_is_timeout as wrap_is_timeout
del TYPE_CHECKING

__version__ = "1.0.0"
version_info = (1, 0, 0)

# Which distribution ships each submodule (or subpackage) of the namespace.
_SUBMODULES: dict[str, str] = {
    "hubs": "eventlet-hub",
    "greenthread": "eventlet-hub",
    "event": "eventlet-hub",
    "timeout": "eventlet-hub",
    "debug": "eventlet-hub",
    "asyncio": "eventlet-hub",
    "semaphore": "eventlet-primitives",
    "lock": "eventlet-primitives",
    "queue": "eventlet-primitives",
    "greenpool": "eventlet-primitives",
    "pools": "eventlet-primitives",
    "corolocal": "eventlet-primitives",
    "coros": "eventlet-primitives",
    "greenio": "eventlet-green",
    "green": "eventlet-green",
    "convenience": "eventlet-green",
    "support": "eventlet-hub",
    "patcher": "eventlet-patcher",
    "tpool": "eventlet-tpool",
    "db_pool": "eventlet-dbpool",
    "wsgi": "eventlet-wsgi",
    "websocket": "eventlet-websocket",
    "dagpool": "eventlet-dagpool",
    "backdoor": "eventlet-backdoor",
}

# The names re-exported at the top level, grouped by the submodule that defines them.
_NAMES_BY_SUBMODULE: dict[str, tuple[str, ...]] = {
    "greenthread": (
        "spawn",
        "spawn_n",
        "spawn_after",
        "spawn_after_local",
        "sleep",
        "kill",
        "getcurrent",
        "GreenThread",
    ),
    "event": ("Event",),
    "timeout": ("Timeout", "with_timeout", "is_timeout", "wrap_is_timeout"),
    "greenpool": ("GreenPool", "GreenPile"),
    "queue": ("Queue", "LightQueue", "PriorityQueue", "LifoQueue"),
    "semaphore": ("Semaphore", "BoundedSemaphore", "CappedSemaphore"),
    "convenience": ("connect", "listen", "serve", "StopServe", "wrap_ssl"),
    "patcher": ("monkey_patch", "import_patched"),
}

# public name -> (module, attribute, distribution)
_EXPORTS: dict[str, tuple[str, str, str]] = {
    name: (f"{__name__}.{submodule}", name, _SUBMODULES[submodule])
    for submodule, names in _NAMES_BY_SUBMODULE.items()
    for name in names
}

# The names `from eventlet import *` offers (they resolve lazily, like every re-export).
__all__ = [
    "BoundedSemaphore",
    "CappedSemaphore",
    "Event",
    "GreenPile",
    "GreenPool",
    "GreenThread",
    "LifoQueue",
    "LightQueue",
    "PriorityQueue",
    "Queue",
    "Semaphore",
    "StopServe",
    "Timeout",
    "connect",
    "getcurrent",
    "import_patched",
    "is_timeout",
    "kill",
    "listen",
    "monkey_patch",
    "serve",
    "sleep",
    "spawn",
    "spawn_after",
    "spawn_after_local",
    "spawn_n",
    "with_timeout",
    "wrap_is_timeout",
    "wrap_ssl",
]


def _missing_distribution(module_name: str, wanted: str, error: ModuleNotFoundError) -> ImportError:
    """Build the error raised when ``module_name``, needed for ``wanted``, cannot be found."""
    from importlib import metadata

    distribution = _SUBMODULES[module_name.rpartition(".")[2]]
    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        message = (
            f"{wanted} needs the {distribution!r} distribution, which is not installed; "
            f"install it with: pip install {distribution}"
        )
    else:
        message = (
            f"{wanted} needs {module_name}, which the installed {distribution!r} distribution "
            f"does not provide ({error}); install matching versions: "
            f"pip install {distribution}=={__version__}"
        )
    return ModuleNotFoundError(message, name=module_name)


def _import(module_name: str, wanted: str) -> "Any":
    """Import ``module_name`` for the sake of ``wanted``, naming its distribution if absent.

    Only a missing ``module_name`` itself is translated; any other ImportError (a broken
    dependency inside the module, say) propagates unchanged.
    """
    try:
        return _import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise _missing_distribution(module_name, wanted, error) from error


def __getattr__(name: str) -> "Any":
    """Resolve a re-exported name or a submodule on first access and cache it."""
    export = _EXPORTS.get(name)
    if export is not None:
        module_name, attribute, _distribution = export
        value = getattr(_import(module_name, f"{__name__}.{name}"), attribute)
    elif name in _SUBMODULES:
        value = _import(f"{__name__}.{name}", f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def _installed(submodule: str) -> bool:
    """Tell whether the submodule can be found, without importing it."""
    try:
        return _find_spec(f"{__name__}.{submodule}") is not None
    except ImportError:
        return False


def __dir__() -> list[str]:
    """List the module's names, with the lazy ones whose distribution is installed."""
    names = set(globals())
    available = {submodule for submodule in _SUBMODULES if _installed(submodule)}
    names.update(available)
    names.update(n for n, (m, _a, _d) in _EXPORTS.items() if m.rpartition(".")[2] in available)
    return sorted(names)
