"""The user's own files: what they hand over (a feeds file, an OPML list, a text to tag) is
read up to a ceiling, so `--feeds /dev/zero` ends in one line, not in all the memory the
machine has; what minewatch writes for them (a feeds file, a watch's Atom feed) is written
whole or not at all, and a folder that cannot take it is named in one line."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import BinaryIO

from minewatch.errors import UsageError

INPUT_LIMIT = 64_000_000  # bytes: a 200,000-feed file is about 20 MB


def read_limited(source: Path | BinaryIO, name: str, what: str,
                 limit: int = INPUT_LIMIT) -> bytes:
    """The bytes of a file or stream; a UsageError naming it if there are more than `limit`.
    OSError from opening or reading is the caller's to word."""
    if isinstance(source, Path):
        with source.open("rb") as stream:
            data = stream.read(limit + 1)
    else:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise UsageError(f"{name}: over {limit // 1_000_000} MB, too large to be {what}")
    return data


def write_atomically(path: Path, data: bytes) -> None:
    """`data` as the file at `path`, replacing it in one step: a crash or a full disk leaves
    the old file or the new one, never half of either. A UsageError names what failed."""
    if path.is_dir():
        raise UsageError(f"{path} is a folder: give a file name inside it")
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
