"""Files and streams a user hands over are read up to a ceiling, then refused in one line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from minewatch.errors import UsageError
from minewatch.inputs import INPUT_LIMIT, read_limited


def test_a_stream_at_the_limit_is_read_and_one_byte_more_is_refused():
    assert read_limited(io.BytesIO(b"x" * 10), "stdin", "one story", limit=10) == b"x" * 10
    with pytest.raises(UsageError, match="^stdin: over 0 MB, too large to be one story$"):
        read_limited(io.BytesIO(b"x" * 11), "stdin", "one story", limit=10)


def test_a_huge_feeds_file_is_refused_without_reading_it_all(cli, isolated: Path):
    huge = isolated / "feeds.yaml"
    with huge.open("wb") as f:
        f.write(b"feeds:\n")
        f.truncate(INPUT_LIMIT + 1_000_000)  # sparse: zeros the disk never holds
    run = cli("poll")
    assert run.code == 2
    assert run.err == "minewatch: feeds.yaml: over 64 MB, too large to be a feeds file\n"
