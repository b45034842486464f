"""`minewatch demo` as a new user runs it: sample feeds served on loopback, the real poller,
and a digest and timeline read on an 80-column terminal."""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from pathlib import Path

import pytest
import yaml

from minewatch.cluster import bcubed


@pytest.fixture
def demo_db(cli, isolated, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    db = isolated / "demo.db"
    run = cli("demo", "--db", str(db))
    assert run.code == 0, run.err
    return db, run.out


def expectations() -> dict:
    path = Path(str(resources.files("minewatch.demo").joinpath("feeds", "expectations.yaml")))
    return yaml.safe_load(path.read_text("utf-8"))


def test_demo_output_reads_well_on_80_columns(demo_db):
    _, out = demo_db
    assert out.startswith("polled 7 feeds")
    assert "0 failed" in out
    assert "minewatch digest: 2025-11-28" in out
    assert "Developments" in out and "Policy moves" in out and "developments per month" in out
    assert "3 src" in out  # a wire story carried by three outlets is one development
    assert "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_demo_keeps_what_is_relevant_and_folds_copies(demo_db):
    db, _ = demo_db
    truth = expectations()["items"]
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT s.guid, s.cluster_id, f.url FROM stories s "
            "JOIN story_feeds sf ON sf.story_id = s.id JOIN feeds f ON f.id = sf.feed_id"
        ).fetchall()
    stored = {(url.rsplit("/", 1)[-1], guid): cluster for guid, cluster, url in rows}
    relevant = {(i["feed"], i["guid"]) for i in truth if i["relevant"]}
    kept = set(stored)
    recall = len(kept & relevant) / len(relevant)
    precision = len(kept & relevant) / len(kept)
    assert recall >= 0.95 and precision >= 0.95, (recall, precision)
    gold = {n: i["group"] for n, i in enumerate(truth) if (i["feed"], i["guid"]) in kept}
    predicted = {n: stored[(i["feed"], i["guid"])] for n, i in enumerate(truth) if n in gold}
    _, _, f1 = bcubed(predicted, gold)
    assert f1 >= 0.9, f1


def test_demo_database_answers_the_other_commands(cli, demo_db):
    db, _ = demo_db
    found = json.loads(cli("--db", str(db), "search", "withdraw* NEAR ottawa",
                           "--format", "json").out)
    assert found
    events = json.loads(cli("--db", str(db), "events", "--action", "withdraw",
                            "--format", "json").out)
    assert {"EE", "LV", "LT", "FI", "PL"} <= {e["actor"] for e in events}
    again = cli("--db", str(db), "demo")
    assert again.code == 0 and "0 new stories" in again.out


def test_commands_close_the_database_on_the_way_out(cli, demo_db):
    """Closed, the last connection folds its write-ahead log back into the file: no `-wal`
    file stays behind, after a command that succeeds or one that fails."""
    db, _ = demo_db
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists()
    assert cli("--db", str(db), "search", "ottawa").code == 0
    assert not wal.exists()
    assert cli("--db", str(db), "search", '"unclosed').code == 2
    assert not wal.exists()
    assert cli("--db", str(db), "retag").code == 0
    assert not wal.exists()


def test_digest_and_search_reach_back_to_the_calendars_edge_without_overflowing(cli, demo_db):
    db, _ = demo_db
    whole = cli("--db", str(db), "digest", "--since", "0001-01-02", "--format", "json")
    assert whole.code == 0, whole.err
    assert json.loads(whole.out)["totals"]["previous_stories"] == 0
    assert cli("--db", str(db), "search", "ottawa", "--since", "0999-01-01").out.strip()
    far = cli("--db", str(db), "digest", "--since", "99999999999d")
    assert far.code == 2 and "outside the calendar" in far.err
