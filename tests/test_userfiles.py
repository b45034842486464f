"""Files and streams a user hands over are read up to a ceiling, then refused in one line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from minewatch.config import default_feeds_text
from minewatch.errors import UsageError
from minewatch.userfiles import INPUT_LIMIT, read_limited


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


def test_a_feeds_file_that_is_missing_or_cannot_be_read_is_told_apart(cli, isolated: Path):
    run = cli("poll")
    assert run.code == 2 and run.err.startswith("minewatch: feeds file not found: feeds.yaml")
    (isolated / "feeds.yaml").symlink_to(isolated / "loop.yaml")
    (isolated / "loop.yaml").symlink_to(isolated / "feeds.yaml")
    run = cli("poll")  # a loop of links is there, and no file "not found"
    assert (run.code, run.err) == (
        2, "minewatch: feeds.yaml: cannot read: Too many levels of symbolic links\n")


def test_feeds_init_names_a_place_it_cannot_write_in_one_line(cli, isolated: Path):
    run = cli("feeds", "init", str(isolated / "no" / "such" / "feeds.yaml"))
    assert (run.code, run.err) == (2, f"minewatch: cannot write {isolated}/no/such/feeds.yaml: "
                                      "No such file or directory\n")
    for args in ((str(isolated),), (str(isolated), "--force")):
        run = cli("feeds", "init", *args)
        assert run.code == 2 and "is a folder: give a file name" in run.err
    assert cli("feeds", "init", "mine.yaml").code == 0
    assert (isolated / "mine.yaml").read_text("utf-8") == default_feeds_text()
    assert not list(isolated.glob("*.tmp"))  # written whole, nothing left beside it


def test_a_watch_feed_to_a_missing_folder_is_one_line(cli, isolated: Path):
    assert cli("watch", "add", "ua", "mines").code == 0
    run = cli("watch", "feed", "ua", "-o", str(isolated / "nowhere" / "ua.xml"))
    assert run.code == 2 and run.err.startswith("minewatch: cannot write ")
