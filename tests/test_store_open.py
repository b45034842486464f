"""Opening the database where it cannot be written: a real SQLite file, no mocks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from minewatch.errors import UsageError
from minewatch.lock import poll_lock
from minewatch.store import (
    QUERY_INDEXES,
    WAL_CHECKPOINT_PAGES,
    _connect,
    _read_only_uri,
    open_store,
)


def test_the_read_only_connection_reads_and_refuses_writes(tmp_path: Path):
    path = tmp_path / "m.db"
    open_store(path, create=True).close()
    uri = _read_only_uri(path)
    assert uri.startswith("file:///") and uri.endswith("?mode=ro")  # this folder is writable
    conn = _connect(uri, path, writable=False)
    try:
        assert conn.execute("SELECT COUNT(*) FROM stories").fetchone() == (0,)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("INSERT INTO watches (name, query) VALUES ('w', 'mines')")
    finally:
        conn.close()


def test_a_database_where_no_folder_can_be_made_is_a_usage_error(tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database's folder should be")
    with pytest.raises(UsageError, match="^cannot create .*not-a-folder"):
        open_store(blocker / "m.db", create=True)
    with pytest.raises(UsageError, match="^cannot write the poll's lock .*choose a writable"):
        with poll_lock(blocker / "m.db"):
            pass


def test_a_folder_given_as_the_database_is_named_as_one(tmp_path: Path, cli):
    folder = tmp_path / "data"
    folder.mkdir()
    named = r"data is a folder, not a database file: .*data/minewatch\.db"
    for create in (True, False):
        with pytest.raises(UsageError, match=named):
            open_store(folder, create=create)
    run = cli("--db", str(folder), "search", "mines")
    assert run.code == 2 and run.err.count("\n") == 1 and "is a folder" in run.err


def test_a_writing_connection_uses_wal_and_checkpoints_in_large_steps(tmp_path: Path):
    """A cold poll commits 500 feeds; copying the log into the file every 1,000 pages (SQLite's
    default) cost its workers a third more CPU in COMMIT than every 10,000."""
    store = open_store(tmp_path / "m.db", create=True)
    pragma = store.conn.execute
    assert pragma("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert pragma("PRAGMA wal_autocheckpoint").fetchone()[0] == WAL_CHECKPOINT_PAGES > 1000


def test_the_full_text_index_merges_its_segments_sixteen_at_a_time(tmp_path: Path):
    """Each feed commits its stories as one small segment; merging them in fours rewrote the
    index twice as often (see migration m007). A database from before gets it on opening."""
    path = tmp_path / "m.db"
    store = open_store(path, create=True)
    setting = "SELECT v FROM stories_fts_config WHERE k = 'automerge'"
    assert store.conn.execute(setting).fetchone()[0] == 16
    store.conn.execute("DELETE FROM stories_fts_config WHERE k = 'automerge'")
    store.conn.execute("DELETE FROM _migrations WHERE name = 'm007_fts_merges_sixteen'")
    store.close()
    reopened = open_store(path)
    try:
        assert reopened.conn.execute(setting).fetchone()[0] == 16
    finally:
        reopened.close()


def test_stories_waiting_for_a_cluster_are_read_through_their_own_index(tmp_path: Path):
    """Every story that is not relevant has no cluster either: read through the cluster_id
    index, the waiting ones cost a visit to each of those (see migration m008). A database
    from before gets the index on opening, and it holds only the waiting stories."""
    path = tmp_path / "m.db"
    store = open_store(path, create=True)
    store.conn.execute("DROP INDEX stories_unplaced")
    store.conn.execute("DELETE FROM _migrations WHERE name = 'm008_index_unplaced_stories'")
    store.conn.executemany(
        "INSERT INTO stories (key, title, summary, published, first_seen, relevant, cluster_id) "
        "VALUES (?, 't', 's', ?, ?, ?, ?)",
        [(f"k{i}", f"2026-01-{1 + i % 28:02d}T00:00:00Z", "2026-01-01T00:00:00Z", i % 3 == 0,
          i if i % 9 == 0 else None) for i in range(90)],
    )
    store.close()
    reopened = open_store(path)
    try:
        waiting = reopened.conn.execute(
            "SELECT id FROM stories INDEXED BY stories_unplaced "
            "WHERE relevant = 1 AND cluster_id IS NULL ORDER BY published, id").fetchall()
        expected = reopened.conn.execute(
            "SELECT id FROM stories NOT INDEXED "
            "WHERE relevant = 1 AND cluster_id IS NULL ORDER BY published, id").fetchall()
        assert waiting == expected and len(expected) == 20
        placed = sum(len(batch) for batch in reopened.place_pending())
        assert placed == 20
    finally:
        reopened.close()


def _index_statements(store) -> dict[str, str]:
    return dict(store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))


def test_query_indexes_wait_for_the_end_of_a_first_load_and_come_back_as_they_were(
        tmp_path: Path):
    """Into a database with no stories the query indexes are dropped, their statements kept
    beside the data, and built back from them; a database with stories keeps them."""
    store = open_store(tmp_path / "m.db", create=True)
    try:
        before = _index_statements(store)
        assert set(QUERY_INDEXES) <= set(before)
        assert store.defer_query_indexes() is True
        assert not set(_index_statements(store)) & set(QUERY_INDEXES)
        store.conn.execute(
            "INSERT INTO stories (key, title, summary, published, first_seen, relevant) "
            "VALUES ('k', 't', 's', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1)")
        assert store.defer_query_indexes() is False  # nothing more to drop, and not empty
        store.restore_query_indexes()
        assert _index_statements(store) == before
        assert store.get_meta("deferred_indexes") is None
        assert store.defer_query_indexes() is False  # stories are stored: they stay
        assert _index_statements(store) == before
    finally:
        store.close()


def test_indexes_a_stopped_load_left_out_are_built_by_whoever_opens_next_to_poll(
        tmp_path: Path):
    """The statements are committed with the drop: a process killed after it leaves them
    for the next one, on its own connection."""
    path = tmp_path / "m.db"
    store = open_store(path, create=True)
    before = _index_statements(store)
    store.defer_query_indexes()
    store.close()  # as if killed: nothing more happens on this connection
    reopened = open_store(path)
    try:
        assert json.loads(reopened.get_meta("deferred_indexes") or "{}") == {
            name: before[name] for name in QUERY_INDEXES}
        reopened.restore_query_indexes()
        assert _index_statements(reopened) == before
    finally:
        reopened.close()


def test_building_the_deferred_indexes_skips_one_already_there_and_runs_nothing_else(
        tmp_path: Path):
    """An index made meanwhile by hand is not made twice (which would fail every poll after),
    and what the database keeps under that key runs only as the index statement it was."""
    store = open_store(tmp_path / "m.db", create=True)
    try:
        before = _index_statements(store)
        store.defer_query_indexes()
        store.conn.execute(before["tags_value"])
        kept = json.loads(store.get_meta("deferred_indexes") or "{}")
        kept["events_actor"] = "CREATE TABLE intruder (x)"
        store.set_meta("deferred_indexes", json.dumps(kept))
        store.restore_query_indexes()
        after = _index_statements(store)
        assert "intruder" not in {name for (name,) in store.conn.execute(
            "SELECT name FROM sqlite_master")}
        assert after == {name: sql for name, sql in before.items() if name != "events_actor"}
        assert store.get_meta("deferred_indexes") is None
    finally:
        store.close()
