"""The `minewatch` program as a shell runs it: a process that writes its output, closes the
database and leaves at once with the command's exit code."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from feedgen import Item, feeds_yaml, rss
from feedserver import feed_server


def program(*args: str, stdout: int | object = subprocess.PIPE,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minewatch", *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_a_poll_prints_its_summary_closes_the_database_and_exits_with_its_code(isolated):
    db = Path(os.environ["MINEWATCH_DB"])
    with feed_server() as server:
        server.route("/ok.xml", rss([Item(f"m{i}", f"Landmine cleared in village {i}")
                                     for i in range(30)]))
        (isolated / "feeds.yaml").write_text(feeds_yaml(
            (server.url("/ok.xml"), "Good feed", "all"),
            (server.url("/missing.xml"), "Broken feed", "all"),
        ))
        done = program("poll", "--format", "json")
    assert done.returncode == 1, done.stderr  # one feed failed
    summary = json.loads(done.stdout)  # the whole summary reached the pipe
    assert summary["new_stories"] == 30
    assert [e["feed"] for e in summary["errors"]] == ["Broken feed"]
    assert not Path(f"{db}-wal").exists()  # the log was folded back: the database was closed
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0] == 30


def poll_stories(isolated: Path, count: int) -> None:
    with feed_server() as server:
        server.route("/many.xml", rss([Item(f"s{i}", f"Mine clearance reaches village {i}")
                                       for i in range(count)]))
        (isolated / "feeds.yaml").write_text(feeds_yaml((server.url("/many.xml"), "M", "all")))
        assert program("poll", "--quiet").returncode == 0


def test_long_output_reaches_a_pipe_whole(isolated):
    poll_stories(isolated, 2000)  # an export far longer than a pipe's buffer
    done = program("export", "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2000
    assert {json.loads(line)["feed"] for line in lines} == {"M"}


def test_a_usage_error_exits_2_with_one_line():
    done = program("search", "--limit", "0", "mines")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_to_a_full_disk_is_one_line_not_an_internal_error(isolated):
    poll_stories(isolated, 5)
    with open("/dev/full", "w") as full:
        done = program("feeds", "list", stdout=full)
    assert done.returncode == 1
    assert done.stderr == "minewatch: cannot write the output: No space left on device\n"


def test_a_damaged_database_file_is_named_in_one_line(isolated):
    poll_stories(isolated, 400)
    db = Path(os.environ["MINEWATCH_DB"])
    with sqlite3.connect(db) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'stories'").fetchone()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    start = (root[0] - 1) * page_size  # the stories table's first page, scribbled over
    data[start : start + page_size] = b"\xa5" * page_size
    db.write_bytes(bytes(data))
    done = program("export", "--format", "jsonl")
    assert done.returncode == 1
    assert done.stderr.startswith("minewatch: the database file is damaged (")
    assert len(done.stderr.splitlines()) == 1 and "internal error" not in done.stderr


def test_an_ascii_terminal_gets_question_marks_and_json_loses_nothing(isolated):
    title = "Déminage à Kharkiv : mines antipersonnel"
    with feed_server() as server:
        server.route("/fr.xml", rss([Item("fr-1", title, summary="Des démineurs — 12 mines.")]))
        (isolated / "feeds.yaml").write_text(feeds_yaml((server.url("/fr.xml"), "Fr", "all")))
        assert program("poll", "--quiet").returncode == 0
    ascii_only = {"PYTHONIOENCODING": "ascii", "COLUMNS": "200"}
    table = program("search", "--since", "2000-01-01", env=ascii_only)
    assert table.returncode == 0, table.stderr
    assert "D?minage ? Kharkiv" in table.stdout  # was: internal error, UnicodeEncodeError
    for fmt in ("json", "jsonl"):
        done = program("search", "--format", fmt, env=ascii_only)
        assert done.returncode == 0 and done.stdout.isascii()
        assert title in done.stdout.encode().decode("unicode_escape")
    export = program("export", env=ascii_only)
    assert json.loads(export.stdout)["title"] == title


def test_a_quiet_poll_loads_neither_the_http_librarys_command_line_nor_rich(isolated):
    with feed_server() as server:
        server.route("/ok.xml", rss([Item("m1", "Landmine cleared in a village")]))
        (isolated / "feeds.yaml").write_text(feeds_yaml((server.url("/ok.xml"), "Good", "all")))
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "minewatch", "poll",
                               "--quiet"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "httpx" in imported  # the poll fetched with it
    # httpx's command line would bring pygments (for its coloured output) with it
    assert "pygments" not in imported
    # its lines are plain text: rich is for tables and the progress bar on a terminal
    assert "rich" not in imported and "rich.console" not in imported


def test_a_path_the_system_refuses_is_named_in_one_line(isolated, cli):
    """A name over the system's length limit, wherever a command first touches it, is a
    usage error naming it, not an internal error."""
    too_long = "a" * 300
    for args in (("--db", str(isolated / f"{too_long}.db"), "search", "mines"),
                 ("poll", "--feeds", f"{too_long}.yaml")):
        run = cli(*args)
        assert run.code == 2, run.err
        assert run.err.endswith(": File name too long\n") and run.err.count("\n") == 1
        assert "internal error" not in run.err
    assert len(cli("--db", str(isolated / f"{too_long}.db"), "search", "mines").err) < 120
