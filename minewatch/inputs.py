"""Reading what a user hands over (a feeds file, an OPML list, a text to tag) with a ceiling:
`--feeds /dev/zero`, or a log file given by mistake, must end in one line, not in all the
memory the machine has."""

from __future__ import annotations

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
