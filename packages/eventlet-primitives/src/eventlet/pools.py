"""Pools of reusable resources (connections, clients, tokens) shared by green threads."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from eventlet.queue import LightQueue
from eventlet.semaphore import _check_count as _check_size

__all__ = ["Pool", "TokenPool", "Token"]

# Handed to a blocked get() when the pool may create one more item for it.
_CREATE: Any = object()


class _FreeItems(LightQueue):
    """The pool's free items: FIFO, or LIFO when ``stack`` (both in a deque)."""

    def __init__(self, stack: bool) -> None:
        super().__init__()
        if stack:
            self._get = self.queue.pop  # type: ignore[method-assign]
            self._put_back = self.queue.append  # type: ignore[method-assign]


class Pool:
    """A pool of at most ``max_size`` items, created on demand and reused.

    Provide the items either with ``create`` (a function of no arguments) or by
    overriding :meth:`create` in a subclass::

        http_pool = Pool(create=lambda: httplib2.Http(timeout=90))

    ``min_size`` items are created at once. :meth:`get` returns a free item, creates one
    if fewer than ``max_size`` exist, or else blocks (first come, first served) until one is
    :meth:`put` back. With ``order_as_stack`` the most recently returned item is reused
    first. :meth:`put` never blocks. The best way to borrow an item is :meth:`item`::

        with pool.item() as thing:
            thing.dostuff()
    """

    def __init__(
        self,
        min_size: int = 0,
        max_size: int = 4,
        order_as_stack: bool = False,
        create: Callable[[], Any] | None = None,
    ) -> None:
        min_size = _check_size(min_size, "min_size")
        max_size = _check_size(max_size, "max_size")
        if min_size > max_size:
            raise ValueError(f"min_size ({min_size}) must not exceed max_size ({max_size})")
        if create is not None:
            if not callable(create):
                raise TypeError(f"create must be callable, not {type(create).__name__!r}")
            self.create = create  # type: ignore[method-assign]
        self.min_size = min_size
        self.max_size = max_size
        self.order_as_stack = order_as_stack
        self.current_size = 0  # items created and not dropped
        self._free = _FreeItems(order_as_stack)
        for _ in range(min_size):
            self.current_size += 1
            self._free.put(self.create())

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} at {id(self):#x} current_size={self.current_size} "
            f"max_size={self.max_size} free={self.free()} waiting={self.waiting()}>"
        )

    @property
    def free_items(self) -> deque[Any]:
        """The items ready to be handed out, next one first (last one if a stack)."""
        queue: deque[Any] = self._free.queue
        return queue

    def create(self) -> Any:
        """Make a new item; override it, or pass ``create`` to the constructor.

        Called by :meth:`get` when no item is free and fewer than ``max_size`` exist.
        """
        raise NotImplementedError(
            f"{type(self).__name__} cannot make items: pass create= to the constructor "
            "or override create()"
        )

    def get(self) -> Any:
        """Return a free item, create one, or block until one is :meth:`put` back."""
        free = self._free
        if free.qsize() or self.current_size >= self.max_size:
            item = free.get()
            if item is not _CREATE:
                return item
        else:
            self.current_size += 1  # a slot for the item about to be created
        try:
            return self.create()
        except BaseException:
            self._drop_one()
            raise

    def put(self, item: Any) -> None:
        """Give ``item`` back: to the first blocked :meth:`get`, or to the free items.

        Never blocks. If the pool holds more items than ``max_size`` (it was resized
        down), the item is dropped instead.
        """
        if self.current_size > self.max_size:
            self._drop_one()
            return
        self._free.put(item)

    def _drop_one(self) -> None:
        """Forget one item (dropped, or never created); a blocked get() may create one."""
        self.current_size -= 1
        self._let_waiters_create()

    def _let_waiters_create(self) -> None:
        free = self._free
        while free.getting() and self.current_size < self.max_size:
            self.current_size += 1
            free.put(_CREATE)

    @contextmanager
    def item(self) -> Iterator[Any]:
        """A context manager that gets an item and puts it back on exit::

        >>> pool = TokenPool(max_size=4)
        >>> with pool.item() as token:
        ...     print("got token")
        got token
        >>> pool.free()
        4
        """
        obj = self.get()
        try:
            yield obj
        finally:
            self.put(obj)

    def resize(self, new_size: int) -> None:
        """Change ``max_size``.

        Items already out are not affected; once more than ``new_size`` exist, items put
        back are dropped until the count is down to it. Growing lets blocked :meth:`get`
        calls create items.
        """
        self.max_size = _check_size(new_size, "new_size")
        self._let_waiters_create()

    def free(self) -> int:
        """Return how many :meth:`get` calls would not block (free items plus room to create)."""
        return self._free.qsize() + self.max_size - self.current_size

    def waiting(self) -> int:
        """Return the number of green threads blocked in :meth:`get`."""
        return self._free.getting()


class Token:
    """An opaque, unique object handed out by :class:`TokenPool`."""


class TokenPool(Pool):
    """A pool of :class:`Token` objects: holding one grants the right to use some limited
    resource, of which at most ``max_size`` may be in use at once."""

    def create(self) -> Token:
        """Make a new :class:`Token`."""
        return Token()
