"""Polls as separate processes, the way cron runs them: killed mid-poll, two at once, and a
search while a poll writes. A real server on 127.0.0.1, a real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from feedgen import Item, feeds_yaml, rss
from feedserver import feed_server

FEEDS = 12


def minewatch(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "minewatch", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def serve_slow_farm(server, delay_for):
    entries = []
    for n in range(FEEDS):
        items = [Item(f"f{n}-{i}", f"Mines cleared in district {n}-{i}") for i in range(20)]
        server.route(f"/f{n}.xml", rss(items), delay=delay_for(n))
        entries.append((server.url(f"/f{n}.xml"), f"Feed {n}", "relevant"))
    return feeds_yaml(*entries)


def stored(db) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    except sqlite3.OperationalError:  # the poll has not created its tables yet
        return 0
    finally:
        conn.close()


def wait_for_the_fast_half(db: str) -> None:
    """Until the feeds that answer at once are stored (the others stall for 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if os.path.exists(db) and stored(db) >= (FEEDS // 2) * 20:
            return
        time.sleep(0.1)


def test_poll_killed_mid_way_loses_nothing_and_the_next_poll_completes(isolated):
    db = os.environ["MINEWATCH_DB"]
    with feed_server() as server:
        (isolated / "feeds.yaml").write_text(
            serve_slow_farm(server, lambda n: 0.0 if n < FEEDS // 2 else 30.0))
        proc = minewatch("poll", "--timeout", "60")
        wait_for_the_fast_half(db)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # each feed is all or nothing: stories come in whole feeds of 20
            counts = conn.execute("SELECT COUNT(*) FROM story_feeds GROUP BY feed_id").fetchall()
        assert all(c == 20 for (c,) in counts)
        first = stored(db)
        assert first >= (FEEDS // 2) * 20
        for n in range(FEEDS // 2, FEEDS):
            server.route(f"/f{n}.xml", rss([Item(f"f{n}-{i}", f"Mines cleared in district "
                                                 f"{n}-{i}") for i in range(20)]))
        done = subprocess.run([sys.executable, "-m", "minewatch", "poll", "--format", "json"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["new_stories"] == FEEDS * 20 - first
        assert stored(db) == FEEDS * 20


def test_ctrl_c_says_interrupted_exits_130_and_keeps_whole_feeds(isolated):
    db = os.environ["MINEWATCH_DB"]
    with feed_server() as server:
        (isolated / "feeds.yaml").write_text(
            serve_slow_farm(server, lambda n: 0.0 if n < FEEDS // 2 else 30.0))
        proc = minewatch("poll", "--timeout", "60", start_new_session=True)
        wait_for_the_fast_half(db)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the whole group
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == "minewatch: interrupted" and out == ""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = conn.execute("SELECT COUNT(*) FROM story_feeds GROUP BY feed_id").fetchall()
    assert counts and all(c == 20 for (c,) in counts)


def test_two_polls_at_once_and_a_search_while_one_writes(isolated):
    db = os.environ["MINEWATCH_DB"]
    with feed_server() as server:
        (isolated / "feeds.yaml").write_text(serve_slow_farm(server, lambda n: 0.0))
        subprocess.run([sys.executable, "-m", "minewatch", "poll"], check=True,
                       capture_output=True, timeout=60)
        for n in range(FEEDS):  # new items, slow to arrive: the next poll holds the lock
            server.route(f"/f{n}.xml", rss([Item(f"g{n}", f"Minefield mapped {n}")]),
                         delay=2.0)
        first = minewatch("poll")
        time.sleep(0.8)
        second = subprocess.run([sys.executable, "-m", "minewatch", "poll"],
                                capture_output=True, text=True, timeout=30)
        assert second.returncode == 3 and "another poll" in second.stderr
        search = subprocess.run([sys.executable, "-m", "minewatch", "search", "district",
                                 "--format", "json", "--limit", "5"],
                                capture_output=True, text=True, timeout=30)
        assert search.returncode == 0 and len(json.loads(search.stdout)) == 5
        out, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
    assert stored(db) == FEEDS * 21


def test_database_trouble_is_one_line_that_names_it() -> None:
    import sqlite3

    from minewatch.cli import _database_trouble

    locked = _database_trouble(sqlite3.OperationalError("database is locked"))
    assert locked.startswith("the database stayed locked by another program")
    assert _database_trouble(sqlite3.OperationalError("disk I/O error")) == (
        "database error: disk I/O error"
    )
