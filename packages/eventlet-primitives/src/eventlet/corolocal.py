"""Green-thread-local storage: :class:`local` is :class:`threading.local` per green thread."""

from __future__ import annotations

import weakref
from functools import partial
from typing import Any

from greenlet import getcurrent

__all__ = ["get_ident", "local"]


def get_ident(gr: Any = None) -> int:
    """Return ``id()`` of the current greenlet (or of ``gr``). Useful for debugging."""
    return id(gr if gr is not None else getcurrent())


class _Storage:
    """A local's per-greenlet dicts, and the constructor arguments to initialise new ones."""

    __slots__ = ("args", "kwargs", "dicts", "__weakref__")

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.args = args
        self.kwargs = kwargs
        # id(greenlet) -> (weak reference to the greenlet, its attribute dict). The weak
        # reference's callback drops the entry once the greenlet is freed, before its id
        # can be reused.
        self.dicts: dict[int, tuple[weakref.ref[Any], dict[str, Any]]] = {}


def _forget(storage_ref: weakref.ref[_Storage], key: int, _: Any) -> None:
    storage = storage_ref()
    if storage is not None:
        storage.dicts.pop(key, None)


def _new_dict(storage: _Storage, current: Any) -> dict[str, Any]:
    key = id(current)
    ref = weakref.ref(current, partial(_forget, weakref.ref(storage), key))
    attributes: dict[str, Any] = {}
    storage.dicts[key] = (ref, attributes)
    return attributes


_MISSING: Any = object()


def _class_attribute(cls: type, name: str) -> Any:
    """Find ``name`` on the class as Python does (along the MRO), or return _MISSING."""
    for klass in cls.__mro__:
        namespace = klass.__dict__
        if name in namespace:
            return namespace[name]
    return _MISSING


def _is_data_descriptor(attribute: Any) -> bool:
    kind = type(attribute)
    return hasattr(kind, "__set__") or hasattr(kind, "__delete__")


class local:
    """An object whose attributes are separate for each green thread (greenlet).

    Behaves like :class:`threading.local`: each green thread sees only the attributes it
    set. A subclass's ``__init__`` runs again, with the constructor's arguments, the first
    time each green thread touches the object. A green thread's attributes are released
    when its greenlet is freed.
    """

    __slots__ = ("_local__storage", "__weakref__")

    def __new__(cls, *args: Any, **kwargs: Any) -> local:
        if (args or kwargs) and cls.__init__ is object.__init__:
            raise TypeError("Initialization arguments are not supported")
        self = object.__new__(cls)
        storage = _Storage(args, kwargs)
        object.__setattr__(self, "_local__storage", storage)
        _new_dict(storage, getcurrent())  # the creator's; the caller's __init__ fills it
        return self

    def _local__dict(self) -> dict[str, Any]:
        """The current green thread's attributes, made (and initialised) on first use."""
        storage: _Storage = object.__getattribute__(self, "_local__storage")
        current = getcurrent()
        found = storage.dicts.get(id(current))
        if found is not None:
            return found[1]
        attributes = _new_dict(storage, current)
        cls = type(self)
        if cls.__init__ is not object.__init__:
            try:
                cls.__init__(self, *storage.args, **storage.kwargs)
            except BaseException:
                del storage.dicts[id(current)]  # the next access tries again
                raise
        return attributes

    def __getattribute__(self, name: str) -> Any:
        attributes = local._local__dict(self)
        if name == "__dict__":
            return attributes
        cls = type(self)
        attribute = _class_attribute(cls, name)
        if attribute is not _MISSING and _is_data_descriptor(attribute):
            return type(attribute).__get__(attribute, self, cls)
        if name in attributes:
            return attributes[name]
        if attribute is _MISSING:
            raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")
        get = getattr(type(attribute), "__get__", None)
        return attribute if get is None else get(attribute, self, cls)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "__dict__":
            raise AttributeError(
                f"{type(self).__name__!r} object attribute '__dict__' is read-only"
            )
        attributes = local._local__dict(self)
        attribute = _class_attribute(type(self), name)
        if attribute is not _MISSING and hasattr(type(attribute), "__set__"):
            type(attribute).__set__(attribute, self, value)
        else:
            attributes[name] = value

    def __delattr__(self, name: str) -> None:
        if name == "__dict__":
            raise AttributeError(
                f"{type(self).__name__!r} object attribute '__dict__' is read-only"
            )
        attributes = local._local__dict(self)
        attribute = _class_attribute(type(self), name)
        if attribute is not _MISSING and hasattr(type(attribute), "__delete__"):
            type(attribute).__delete__(attribute, self)
        elif name in attributes:
            del attributes[name]
        else:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
