"""One poll at a time: an advisory lock on a file beside the database.

A POSIX record lock (lockf), not flock: it belongs to this process alone, so the parsing
worker processes a poll forks never hold it, and the kernel drops it the moment the poll
dies, even by SIGKILL. A killed poll never leaves a stale lock for the next cron run.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from minewatch.errors import LockHeldError, UsageError


@contextmanager
def poll_lock(db_path: Path) -> Iterator[None]:
    try:
        real = db_path.resolve()  # a symlink and its target are one database, and one lock
    except RuntimeError:  # pathlib's word for a loop of symbolic links
        raise UsageError(f"{db_path} is a loop of symbolic links: give --db a file") from None
    lock_path = real.with_name(real.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # read-only media, or a folder that is not ours
        raise UsageError(f"cannot write the poll's lock {lock_path}: {exc.strerror or exc} "
                         "(a poll writes beside its database: choose a writable --db)") from None
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise LockHeldError(
                f"another poll is running on {db_path} (lock {lock_path}); nothing done"
            ) from None
        yield
    finally:
        os.close(fd)
