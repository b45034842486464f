"""One poll at a time: an advisory lock on a file beside the database.

The kernel drops the lock when the process dies, even by SIGKILL, so a killed poll never
leaves a stale lock for the next cron run to trip over.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from minewatch.errors import LockHeldError


@contextmanager
def poll_lock(db_path: Path) -> Iterator[None]:
    lock_path = db_path.with_name(db_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeldError(
                f"another poll is running on {db_path} (lock {lock_path}); nothing done"
            ) from None
        yield
    finally:
        os.close(fd)
