"""Asyncio compatibility: awaitables as green threads, green threads as futures.

Both need the asyncio hub (``EVENTLET_HUB=asyncio`` or ``eventlet.hubs.use_hub("asyncio")``),
whose event loop runs the coroutines:

- :func:`spawn_for_awaitable` turns a coroutine, Future or Task into a green thread whose
  ``wait()`` returns its result;
- :func:`future_for_greenthread` (what ``await green_thread`` uses) turns a green thread into
  an asyncio Future a coroutine can await.

Known limitations: coroutines do not run in green threads of their own (they run in the
hub's greenlet), so green primitives such as ``eventlet.lock.Lock`` and blocking green
calls do not work inside ``async`` functions, and green thread ids are not meaningful there.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any, TypeVar

from greenlet import GreenletExit

from eventlet.event import Event
from eventlet.greenthread import GreenThread, spawn
from eventlet.hubs import get_hub

__all__ = ["future_for_greenthread", "spawn_for_awaitable"]

T = TypeVar("T")


def _asyncio_hub(caller: str) -> Any:
    from eventlet.hubs.asyncio import Hub

    hub = get_hub()
    if not isinstance(hub, Hub):
        raise RuntimeError(
            f"{caller}() needs the asyncio hub, but this thread's hub is "
            f"{type(hub).__module__}.{type(hub).__name__}; select it first with "
            "eventlet.hubs.use_hub('asyncio') or EVENTLET_HUB=asyncio"
        )
    return hub


def spawn_for_awaitable(coroutine: Awaitable[T]) -> GreenThread:
    """Run ``coroutine`` (or wait for a Future or Task) on the hub's asyncio loop.

    Returns a green thread whose ``wait()`` returns the awaitable's result or raises its
    exception (``asyncio.CancelledError`` if it was cancelled). Killing the green thread
    cancels the awaitable. The coroutine starts at once, whether or not anyone waits.
    """
    if not inspect.isawaitable(coroutine):
        raise TypeError(
            "spawn_for_awaitable() needs a coroutine, Future or other awaitable, "
            f"not {type(coroutine).__name__!r}"
        )
    hub = _asyncio_hub("spawn_for_awaitable")
    future = asyncio.ensure_future(coroutine, loop=hub.loop)
    thread = spawn(_wait_for_future, future)
    # Also when the green thread is killed before it starts: the task must not run on.
    thread.link(_cancel_unless_done, future)
    return thread


def _wait_for_future(future: asyncio.Future[Any]) -> Any:
    if not future.done():
        done = Event()
        future.add_done_callback(lambda _: done.send())
        done.wait()
    return future.result()


def _cancel_unless_done(thread: GreenThread, future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.cancel()


def future_for_greenthread(thread: GreenThread) -> asyncio.Future[Any]:
    """An asyncio Future, on the hub's loop, of green thread ``thread``'s result.

    It gets the result or the exception of the green thread; it is cancelled if the green
    thread is killed. Cancelling the future kills the green thread. ``await thread`` in a
    coroutine awaits this future.
    """
    if not isinstance(thread, GreenThread):
        raise TypeError(
            f"future_for_greenthread() needs a GreenThread (from spawn), not "
            f"{type(thread).__name__!r}"
        )
    hub = _asyncio_hub("future_for_greenthread")
    future: asyncio.Future[Any] = hub.loop.create_future()

    def on_cancel(_: asyncio.Future[Any]) -> None:
        if future.cancelled() and not thread.dead:
            hub.run_soon(thread.kill)  # from the hub's loop, not inside an asyncio callback

    future.add_done_callback(on_cancel)
    thread.link(_settle, future)
    return future


def _settle(thread: GreenThread, future: asyncio.Future[Any]) -> None:
    if future.done():
        return
    try:
        result = thread.wait()  # it has finished: this returns at once
    except GreenletExit:
        future.cancel()
    except BaseException as exc:
        future.set_exception(exc)
    else:
        future.set_result(result)
