"""Polls as separate processes, the way cron runs them: killed mid-poll, two at once, and a
search while a poll writes. A real server on 127.0.0.1, a real SQLite file."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from feedgen import Item, feeds_yaml, rss
from feedserver import feed_server

from minewatch.store import QUERY_INDEXES

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


def indexes(db: str) -> set[str]:
    with sqlite3.connect(db) as conn:
        names = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    return names


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
        # the first poll left the query indexes to its end: searches read the tables whole
        assert not indexes(db) & set(QUERY_INDEXES)
        search = subprocess.run([sys.executable, "-m", "minewatch", "search", "district",
                                 "--format", "json", "--limit", "500"],
                                capture_output=True, text=True, timeout=60)
        assert search.returncode == 0 and len(json.loads(search.stdout)) == first
        for n in range(FEEDS // 2, FEEDS):
            server.route(f"/f{n}.xml", rss([Item(f"f{n}-{i}", f"Mines cleared in district "
                                                 f"{n}-{i}") for i in range(20)]))
        done = subprocess.run([sys.executable, "-m", "minewatch", "poll", "--format", "json"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["new_stories"] == FEEDS * 20 - first
        assert stored(db) == FEEDS * 20
        assert set(QUERY_INDEXES) <= indexes(db)  # the next poll built them


def children(parent: int) -> list[int]:
    """Processes whose parent is `parent`, read from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        if int(fields[1]) == parent:
            found.append(int(entry))
    return found


def running(pid: int) -> bool:
    """Whether a process still runs (a zombie waiting for init to reap it does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_worker_killed_for_memory_is_replaced_and_the_poll_completes(isolated):
    """As the kernel's out-of-memory killer would: the bodies its pool held go to a new one."""
    db = os.environ["MINEWATCH_DB"]
    with feed_server() as server:
        (isolated / "feeds.yaml").write_text(
            serve_slow_farm(server, lambda n: 0.0 if n < FEEDS // 2 else 2.0))
        proc = minewatch("poll", "--timeout", "60", "--format", "json")
        wait_for_the_fast_half(db)
        workers = children(proc.pid)
        assert workers
        os.kill(workers[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    assert json.loads(out)["ok"] == FEEDS
    assert stored(db) == FEEDS * 20


def test_workers_that_keep_dying_fail_their_feeds_whole_and_the_next_poll_completes(isolated):
    db = os.environ["MINEWATCH_DB"]
    with feed_server() as server:
        (isolated / "feeds.yaml").write_text(serve_slow_farm(server, lambda n: 0.0))
        proc = minewatch("poll", "--timeout", "60")
        while proc.poll() is None:  # every worker dies as soon as it is seen
            for pid in children(proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)
        out, err = proc.communicate(timeout=60)
        died = [line for line in out.splitlines() if line.endswith(": parsing process died")]
        assert proc.returncode == 1 and died, out + err
        assert "internal error" not in err and "Traceback" not in err
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            counts = conn.execute("SELECT COUNT(*) FROM story_feeds GROUP BY feed_id").fetchall()
        assert all(c == 20 for (c,) in counts)  # each feed whole or not at all
        again = subprocess.run([sys.executable, "-m", "minewatch", "poll"],
                               capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stdout + again.stderr
    assert stored(db) == FEEDS * 20


STOPPED = "minewatch: stopped by SIGTERM (what was stored before stays)"


@pytest.mark.parametrize("sent, to, code, message", [
    (signal.SIGINT, "group", 130, "minewatch: interrupted"),  # Ctrl-C in a terminal
    (signal.SIGTERM, "group", 143, STOPPED),
    (signal.SIGTERM, "poll", 143, STOPPED),  # `timeout` signals only the command it started
    (signal.SIGTERM, "every process", 143, STOPPED),  # a service manager's control-group kill
], ids=["ctrl-c", "sigterm-to-the-group", "sigterm-to-the-poll", "sigterm-to-every-process"])
def test_a_stopped_poll_says_so_in_one_line_and_keeps_whole_feeds(isolated, sent, to, code,
                                                                  message):
    db = os.environ["MINEWATCH_DB"]
    with feed_server() as server:
        (isolated / "feeds.yaml").write_text(
            serve_slow_farm(server, lambda n: 0.0 if n < FEEDS // 2 else 30.0))
        proc = minewatch("poll", "--timeout", "60", start_new_session=True)
        wait_for_the_fast_half(db)
        workers = children(proc.pid)
        if to == "group":
            os.killpg(proc.pid, sent)
        else:
            for pid in [proc.pid, *workers] if to == "every process" else [proc.pid]:
                os.kill(pid, sent)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == code
    assert err.strip() == message and out == ""
    deadline = time.monotonic() + 5
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and not any(map(running, workers))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = conn.execute("SELECT COUNT(*) FROM story_feeds GROUP BY feed_id").fetchall()
    assert counts and all(c == 20 for (c,) in counts)
    # Interrupted, a first poll builds the query indexes before it ends; SIGTERM ends it at
    # once, as SIGKILL would, and leaves them to the next poll
    built = set(QUERY_INDEXES) & indexes(db)
    assert built == (set(QUERY_INDEXES) if sent == signal.SIGINT else set())


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


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX open-file limits")
def test_a_low_open_file_limit_slows_the_poll_but_fails_no_feed(isolated):
    import resource

    def limited() -> None:  # as `ulimit -n 48` leaves a shell: soft and hard alike
        resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))

    with feed_server() as server:
        entries = []
        for n in range(60):
            server.route(f"/f{n}.xml", rss([Item(f"fd{n}", f"Mines cleared in area {n}")]),
                         delay=0.2)  # answers overlap: many sockets open at once
            entries.append((server.url(f"/f{n}.xml"), f"Feed {n}", "all"))
        (isolated / "feeds.yaml").write_text(feeds_yaml(*entries))
        done = subprocess.run([sys.executable, "-m", "minewatch", "poll", "--concurrency", "100",
                               "--format", "json"], capture_output=True, text=True, timeout=60,
                              preexec_fn=limited)
    summary = json.loads(done.stdout)
    assert (done.returncode, summary["errors"], summary["ok"]) == (0, [], 60), done.stderr


def test_cluster_ids_are_written_here_when_the_worker_writing_them_died(isolated):
    """The last step hands batches of cluster ids to a worker; with its pool broken (the
    out-of-memory killer, say), the main process writes every batch itself."""
    import asyncio
    from pathlib import Path

    from storyfactory import fill, item

    from minewatch import poll
    from minewatch import store as store_module

    stories = [item(f"s-{n}", f"Deminers clear mines near Tete {n}", "Deminers cleared mines.",
                    f"2025-07-01T0{n}:00:00Z") for n in range(5)]
    store = fill({"Wire": stories})
    workers = poll._Workers(Path(os.environ["MINEWATCH_DB"]), 1)
    workers.start()
    [pid] = [p.pid for p in workers._current()._processes.values()]
    os.kill(pid, signal.SIGKILL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_module, "CLUSTER_BATCH", 2)
        workers.cluster(store)
    asyncio.run(workers.close())
    clusters = store.conn.execute("SELECT cluster_id FROM stories ORDER BY id").fetchall()
    assert len(clusters) == 5 and None not in {c for (c,) in clusters}
