"""Ingest's wake-up call to a dispatcher in another process of the same `pts up`.

When the dispatcher runs in a process of its own (`PTS_DISPATCH_PROCESS`), ingest's commits
happen in the workers, and a `threading.Event` does not cross processes. A NOTIFY would,
but it takes PostgreSQL's global notification lock at every ingest commit. So `pts up` makes
one shared byte before it forks (`share`); ingest sets it after each commit (`ring`), and the
dispatcher, which already looks at its wake every 20 ms while it listens, takes it
(`answered`). A ring between the look and the clear is not lost: the commit it follows came
before the clear, so the claim that follows sees its deliveries.
"""

from __future__ import annotations

import mmap

_map: mmap.mmap | None = None


def share() -> mmap.mmap:
    """Make the byte that the processes forked after this call share (`pts up`, before fork)."""
    global _map
    _map = mmap.mmap(-1, 1)  # MAP_SHARED | MAP_ANONYMOUS: kept over fork
    return _map


def ring() -> None:
    """Deliveries were committed: wake the dispatcher process (no-op without `share`)."""
    if _map is not None:
        _map[0] = 1


def answered() -> bool:
    """Whether a ring came since the last call (and clear it)."""
    if _map is None or not _map[0]:
        return False
    _map[0] = 0
    return True
