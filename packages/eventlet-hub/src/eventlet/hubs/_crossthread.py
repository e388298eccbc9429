"""The lock that orders calls into a hub from other OS threads with the hub's closing.

``BaseHub.call_soon_threadsafe`` (any thread) writes to the hub's wake-up descriptor and
``BaseHub.close`` (the hub's thread, or the garbage collector) closes it. Without a lock, a
write could land on the descriptor number after close() freed it and the OS gave it to another
file. One lock for all hubs: these calls are short and rare next to the hub's own work.
"""

from __future__ import annotations

import os
import threading

__all__ = ["LOCK"]

#: Held while a hub's wake-up descriptor is written to from another thread, or closed.
#: Reentrant: a hub collected by the garbage collector while this thread holds it closes.
LOCK = threading.RLock()

# A thread of the parent may hold the lock at fork time; the child has no such thread.
os.register_at_fork(after_in_child=LOCK._at_fork_reinit)  # type: ignore[attr-defined]
