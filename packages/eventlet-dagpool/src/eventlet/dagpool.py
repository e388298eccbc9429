"""DAGPool: green threads that wait for each other's results, not for a free slot.

Every green thread of a :class:`DAGPool` has a key and a list of keys it depends on. It is
started at once, and as it iterates over its ``results`` argument it receives the
``(key, value)`` pairs of its dependencies in the order they become available. What it
returns becomes the value of its own key, which in turn unblocks whoever waits for that key.
A green thread that fails leaves a :class:`PropagateError` as its value instead.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import Any

from greenlet import GreenletExit, getcurrent

from eventlet.event import Event
from eventlet.greenthread import GreenThread, spawn

__all__ = ["Collision", "DAGPool", "PropagateError"]


class _Missing:
    """The default of the optional ``keys``/``key`` arguments: "every key" / "every thread"."""

    def __repr__(self) -> str:
        return "<all keys>"


_MISSING: Any = _Missing()


class Collision(Exception):
    """Raised when a key would get a second green thread or a second value.

    A second :meth:`DAGPool.spawn` for a key, a :meth:`DAGPool.post` for a key whose green
    thread runs, or a second ``post`` without ``replace=True``. As with KeyError,
    ``str(collision)`` is the ``repr`` of the key in question, kept in ``.key``.
    """

    def __init__(self, key: Hashable) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return repr(self.key)


class PropagateError(Exception):
    """The value of a key whose green thread raised; retrieving that value raises this.

    ``key`` is the key of the green thread that raised, ``exc`` the exception it raised;
    when that was itself a PropagateError (a dependency failed), follow ``exc`` down the
    chain to find where the failure began.
    """

    def __init__(self, key: Hashable, exc: BaseException) -> None:
        super().__init__(key, exc)
        self.key = key
        self.exc = exc

    def __str__(self) -> str:
        return f"PropagateError({self.key!r}): {type(self.exc).__name__}: {self.exc}"


class _Coro:
    """Book-keeping for one green thread of the pool."""

    __slots__ = ("depends", "greenthread")

    def __init__(self, depends: frozenset[Hashable]) -> None:
        self.depends = depends
        self.greenthread: GreenThread | None = None


def _value_or_raise(value: Any) -> Any:
    if isinstance(value, PropagateError):
        raise value
    return value


class DAGPool:
    """A pool of green threads constrained by the data each needs from the others.

    ``preload`` is a mapping or an iterable of ``(key, value)`` pairs available at once.
    """

    # Keys are Any where a container type is invariant in them: a dict[str, int] must do.
    def __init__(self, preload: Mapping[Any, Any] | Iterable[tuple[Any, Any]] = ()) -> None:
        self._values: dict[Hashable, Any] = {}
        # Every post in order, so a waiter resumes exactly where it left off and values come
        # out in the order they arrived (a key posted again with replace appears again).
        self._log: list[Hashable] = []
        self._order: dict[Hashable, int] = {}  # key -> index of its latest post in _log
        self._coros: dict[Hashable, _Coro] = {}
        self._spawned: set[Hashable] = set()  # every key a green thread was spawned under
        self._changed = Event()  # sent, and replaced, on every post
        items = preload.items() if isinstance(preload, Mapping) else preload
        try:
            pairs = [(key, value) for key, value in items]
        except (TypeError, ValueError):
            raise TypeError(
                "DAGPool(preload) needs a mapping or an iterable of (key, value) pairs, "
                f"not {type(preload).__name__!r}"
            ) from None
        for key, value in pairs:
            self._store(key, value)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} values={len(self._values)} running={len(self._coros)} "
            f"waiting={self.waiting()}>"
        )

    # -- values -------------------------------------------------------------------------

    def _store(self, key: Hashable, value: Any) -> None:
        self._values[key] = value
        self._order[key] = len(self._log)
        self._log.append(key)
        changed = self._changed
        self._changed = Event()
        changed.send()

    def post(self, key: Hashable, value: Any, replace: bool = False) -> None:
        """Store ``value`` for ``key`` and wake whoever waits for it.

        Raises :class:`Collision` if a green thread spawned under ``key`` is running (only
        that green thread itself may post its key; its return value is then discarded), or
        if ``key`` has a value already and ``replace`` is false. Posting a
        :class:`PropagateError` makes every later retrieval of ``key`` raise it.
        """
        coro = self._coros.get(key)
        if coro is not None and coro.greenthread is not getcurrent():
            raise Collision(key)
        if key in self._values and not replace:
            raise Collision(key)
        self._store(key, value)

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value of ``key`` if it has one, else ``default``; raises a PropagateError value."""
        return _value_or_raise(self._values.get(key, default))

    def __getitem__(self, key: Hashable) -> Any:
        """Wait until ``key`` has a value and return it (raising a PropagateError value)."""
        for _, value in self.wait_each((key,)):
            return value
        raise AssertionError("unreachable: wait_each ended without the key")  # pragma: no cover

    def keys(self) -> tuple[Hashable, ...]:
        """A snapshot of the keys that have values."""
        return tuple(self._values)

    def items(self) -> tuple[tuple[Hashable, Any], ...]:
        """A snapshot of the ``(key, value)`` pairs available; raises a PropagateError value."""
        return tuple((key, _value_or_raise(value)) for key, value in self._values.items())

    # -- waiting ------------------------------------------------------------------------

    def _all_keys(self) -> set[Hashable]:
        return set(self._values) | set(self._coros)

    def _keys_arg(self, keys: Any, caller: str) -> set[Hashable]:
        if keys is _MISSING:
            return self._all_keys()
        if isinstance(keys, (str, bytes)):
            # A string is iterable, but meaning its characters as keys is never intended.
            raise TypeError(f"{caller}() needs an iterable of keys, not the string {keys!r}")
        try:
            return set(keys)
        except TypeError as exc:
            raise TypeError(f"{caller}() needs an iterable of hashable keys: {exc}") from None

    def _deliver(self, pending: set[Hashable]) -> Iterator[tuple[Hashable, Any]]:
        """Yield ``(key, value)`` for each key of ``pending`` as it gets a value; raw values."""
        values = self._values
        order = self._order
        # What is there already, in the order it arrived; then follow the log.
        mark = len(self._log)
        ready = sorted((key for key in pending if key in values), key=order.__getitem__)
        for key in ready:
            pending.discard(key)
            yield key, values[key]
        log = self._log
        while pending:
            while mark < len(log):
                key = log[mark]
                mark += 1
                if key in pending:
                    pending.discard(key)
                    yield key, values[key]
            if pending:
                self._changed.wait()

    def wait_each(self, keys: Iterable[Hashable] = _MISSING) -> Iterator[tuple[Hashable, Any]]:
        """Yield ``(key, value)`` for each of ``keys`` as its value becomes available.

        Without ``keys``: every key the pool knows of now (preloaded, posted or spawned).
        Values come in the order they arrive; a :class:`PropagateError` value is raised
        instead of yielded. The keys are taken when this is called, not when iterated.
        """
        return self._raising(self._deliver(self._keys_arg(keys, "wait_each")))

    @staticmethod
    def _raising(source: Iterator[tuple[Hashable, Any]]) -> Iterator[tuple[Hashable, Any]]:
        for key, value in source:
            yield key, _value_or_raise(value)

    def wait_each_success(
        self, keys: Iterable[Hashable] = _MISSING
    ) -> Iterator[tuple[Hashable, Any]]:
        """Like :meth:`wait_each`, but skip keys whose value is a PropagateError."""
        return self._filtered(self._deliver(self._keys_arg(keys, "wait_each_success")), False)

    def wait_each_exception(
        self, keys: Iterable[Hashable] = _MISSING
    ) -> Iterator[tuple[Hashable, PropagateError]]:
        """Like :meth:`wait_each`, but yield only PropagateError values (not raised)."""
        return self._filtered(self._deliver(self._keys_arg(keys, "wait_each_exception")), True)

    @staticmethod
    def _filtered(source: Iterator[tuple[Hashable, Any]], errors: bool) -> Iterator[Any]:
        for key, value in source:
            if isinstance(value, PropagateError) is errors:
                yield key, value

    def wait(self, keys: Iterable[Hashable] = _MISSING) -> dict[Hashable, Any]:
        """Wait until every one of ``keys`` has a value; return them as a dict.

        Without ``keys``: every key the pool knows of now. Raises the first
        :class:`PropagateError` value met.
        """
        return dict(self._raising(self._deliver(self._keys_arg(keys, "wait"))))

    def waitall(self) -> dict[Hashable, Any]:
        """Wait until every spawned green thread has a value; return all values as a dict."""
        return self.wait()

    # -- green threads ------------------------------------------------------------------

    def spawn(
        self,
        key: Hashable,
        depends: Iterable[Hashable],
        function: Callable[..., Any],
        *args: Any,
        **kwds: Any,
    ) -> None:
        """Run ``function(key, results, *args, **kwds)`` in a green thread of this pool.

        ``results`` iterates like ``wait_each(depends)``. The return value is posted as the
        value of ``key``; an exception is posted wrapped in :class:`PropagateError`. Raises
        :class:`Collision` if ``key`` was spawned or posted already.
        """
        if not callable(function):
            raise TypeError(
                f"spawn() needs a callable as function, not {type(function).__name__!r}"
            )
        deps = frozenset(self._keys_arg(depends, "spawn"))
        if key in self._coros or key in self._values:
            raise Collision(key)
        self._start(key, deps, function, args, kwds)

    def spawn_many(
        self,
        depends: Mapping[Any, Iterable[Hashable]],
        function: Callable[..., Any],
        *args: Any,
        **kwds: Any,
    ) -> None:
        """:meth:`spawn` ``function`` once per key of ``depends``, with that key's dependencies.

        Raises :class:`Collision` at the first key spawned or posted already (the keys
        before it have been spawned).
        """
        if not isinstance(depends, Mapping):
            raise TypeError(
                f"spawn_many() needs a dict of key -> dependencies, not {type(depends).__name__!r}"
            )
        for key, deps in depends.items():
            self.spawn(key, deps, function, *args, **kwds)

    def _start(
        self,
        key: Hashable,
        depends: frozenset[Hashable],
        function: Callable[..., Any],
        args: tuple[Any, ...],
        kwds: dict[str, Any],
    ) -> None:
        coro = _Coro(depends)
        self._coros[key] = coro
        self._spawned.add(key)
        coro.greenthread = spawn(self._run, key, coro, function, args, kwds)

    def _run(
        self,
        key: Hashable,
        coro: _Coro,
        function: Callable[..., Any],
        args: tuple[Any, ...],
        kwds: dict[str, Any],
    ) -> None:
        results = self.wait_each(coro.depends)
        try:
            value = function(key, results, *args, **kwds)
        except GreenletExit as exc:
            if self._coros.get(key) is not coro:
                return  # killed through kill(): the key stays without a value
            value = PropagateError(key, exc)
        except Exception as exc:
            value = PropagateError(key, exc)
        finally:
            results.close()  # type: ignore[attr-defined]
        if self._coros.get(key) is coro:
            del self._coros[key]
            if key not in self._values:  # a value the green thread posted itself wins
                self._store(key, value)

    def kill(self, key: Hashable) -> None:
        """Kill the green thread spawned under ``key``, started or not; ``key`` gets no value.

        Does nothing if that green thread has finished. Raises KeyError if no green thread
        was ever spawned under ``key``.
        """
        coro = self._coros.pop(key, None)
        if coro is None:
            if key in self._spawned:
                return
            raise KeyError(key)
        if coro.greenthread is not None:
            coro.greenthread.kill()

    def running(self) -> int:
        """How many green threads of the pool are running, blocked on their results included."""
        return len(self._coros)

    def running_keys(self) -> tuple[Hashable, ...]:
        """The keys of the running green threads, blocked on their results included."""
        return tuple(self._coros)

    def waiting(self) -> int:
        """How many green threads of the pool lack a value they depend on.

        External green threads in :meth:`wait`, :meth:`waitall` or :meth:`wait_each` do not
        count.
        """
        values = self._values
        return sum(1 for coro in self._coros.values() if any(k not in values for k in coro.depends))

    def waiting_for(self, key: Hashable = _MISSING) -> Any:
        """The keys still without a value that green threads of the pool depend on.

        With ``key``: the set of them for the green thread spawned under ``key`` (empty once
        it has finished; KeyError if none was ever spawned). Without: a dict from the key of
        each green thread still lacking values to the set of keys it lacks. Use it to find
        out why a pool hangs: keys that nothing will ever post.
        """
        values = self._values
        if key is not _MISSING:
            coro = self._coros.get(key)
            if coro is None:
                if key in self._spawned:
                    return set()
                raise KeyError(key)
            return {k for k in coro.depends if k not in values}
        lacking = {}
        for coro_key, coro in self._coros.items():
            missing = {k for k in coro.depends if k not in values}
            if missing:
                lacking[coro_key] = missing
        return lacking
