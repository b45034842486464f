"""Schema changes as named functions, each applied once, in order, inside one transaction.

A new change is a new function appended to MIGRATIONS; a released one is never edited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from minewatch.errors import UsageError

if TYPE_CHECKING:  # imported lazily: a read command on a current database never needs it
    import sqlite_utils

FTS_TOKENIZE = "unicode61 remove_diacritics 2"


def m001_initial(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            name TEXT,
            etag TEXT,
            last_modified TEXT,
            body_hash TEXT,
            last_polled TEXT,
            last_success TEXT,
            last_error TEXT,
            error_count INTEGER NOT NULL DEFAULT 0,
            next_poll TEXT,
            moved_to TEXT,
            gone INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            guid TEXT,
            url TEXT,
            canonical_url TEXT,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            published TEXT NOT NULL,
            date_estimated INTEGER NOT NULL DEFAULT 0,
            first_seen TEXT NOT NULL,
            feed_id INTEGER REFERENCES feeds(id),
            relevant INTEGER NOT NULL,
            tagger_version TEXT,
            cluster_id INTEGER,
            fingerprint TEXT
        )"""
    )
    db.execute("CREATE INDEX stories_published ON stories(published, relevant, cluster_id)")
    db.execute("CREATE INDEX stories_canonical_url ON stories(canonical_url)")
    db.execute("CREATE INDEX stories_cluster ON stories(cluster_id)")
    db.execute(
        """CREATE TABLE story_feeds (
            story_id INTEGER NOT NULL REFERENCES stories(id),
            feed_id INTEGER NOT NULL REFERENCES feeds(id),
            first_seen TEXT NOT NULL,
            PRIMARY KEY (story_id, feed_id)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX story_feeds_feed ON story_feeds(feed_id)")
    db.execute(
        """CREATE TABLE tags (
            story_id INTEGER NOT NULL REFERENCES stories(id),
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            evidence TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX tags_story ON tags(story_id)")
    db.execute("CREATE INDEX tags_value ON tags(value, story_id)")
    db.execute(
        """CREATE TABLE events (
            story_id INTEGER NOT NULL REFERENCES stories(id),
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            recipient TEXT,
            mine_type TEXT,
            negated INTEGER NOT NULL,
            evidence TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX events_story ON events(story_id)")
    db.execute("CREATE INDEX events_actor ON events(actor, action)")
    db.execute(
        """CREATE TABLE poll_runs (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT,
            feeds INTEGER, ok INTEGER, not_modified INTEGER, failed INTEGER,
            skipped INTEGER, new_stories INTEGER, errors TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE watches (
            name TEXT PRIMARY KEY,
            query TEXT NOT NULL,
            tags TEXT NOT NULL DEFAULT '[]',
            countries TEXT NOT NULL DEFAULT '[]',
            source TEXT,
            created TEXT NOT NULL,
            last_story_id INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    # The same shape sqlite-utils' enable_fts(create_triggers=True) makes, so `sqlite-utils search`
    # and datasette find it; written out so it runs inside the migration's transaction.
    db.execute(
        "CREATE VIRTUAL TABLE stories_fts USING FTS5("
        f"title, summary, content=[stories], tokenize='{FTS_TOKENIZE}')"
    )
    db.execute(
        """CREATE TRIGGER stories_ai AFTER INSERT ON stories BEGIN
            INSERT INTO stories_fts (rowid, title, summary)
            VALUES (new.rowid, new.title, new.summary);
        END"""
    )
    db.execute(
        """CREATE TRIGGER stories_ad AFTER DELETE ON stories BEGIN
            INSERT INTO stories_fts (stories_fts, rowid, title, summary)
            VALUES ('delete', old.rowid, old.title, old.summary);
        END"""
    )
    db.execute(
        """CREATE TRIGGER stories_au AFTER UPDATE OF title, summary ON stories BEGIN
            INSERT INTO stories_fts (stories_fts, rowid, title, summary)
            VALUES ('delete', old.rowid, old.title, old.summary);
            INSERT INTO stories_fts (rowid, title, summary)
            VALUES (new.rowid, new.title, new.summary);
        END"""
    )


def m002_tag_firsts(db: sqlite_utils.Database) -> None:
    """Each tag value's first relevant story, kept as stories arrive, so the timeline's "first
    mention" notes read a few hundred rows instead of every tag ever stored."""
    db.execute(
        """CREATE TABLE tag_firsts (
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            published TEXT NOT NULL,
            story_id INTEGER NOT NULL,
            PRIMARY KEY (kind, value)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX tag_firsts_story ON tag_firsts(story_id)")
    # SQLite takes the bare column s.id from the row that holds MIN(s.published).
    db.execute(
        "INSERT INTO tag_firsts (kind, value, published, story_id) "
        "SELECT t.kind, t.value, MIN(s.published), s.id FROM tags t "
        "JOIN stories s ON s.id = t.story_id WHERE s.relevant = 1 GROUP BY t.kind, t.value"
    )


def m003_weighted_rank(db: sqlite_utils.Database) -> None:
    """A title match weighs ten times a summary match, as FTS5's own rank: ordering by the
    built-in rank column lets FTS5 sort inside the index, a third faster than calling bm25()."""
    db.execute("INSERT INTO stories_fts (stories_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')")


def m004_index_stories_per_feed(db: sqlite_utils.Database) -> None:
    """The store adds a feed's new stories to the full-text index in one statement, inside the
    transaction that stores them, instead of a trigger per row: FTS5 pays a fixed cost per
    statement, and a 500-feed poll spent 1.1 s of its 1.8 s of writing there."""
    db.execute("DROP TRIGGER stories_ai")


def m005_feeds_listed(db: sqlite_utils.Database) -> None:
    """Whether the feeds file of the last poll lists the feed: one taken out of the file is
    never polled again, so its last error must not be reported as a failure for ever."""
    db.execute("ALTER TABLE feeds ADD COLUMN listed INTEGER NOT NULL DEFAULT 1")


def m006_feeds_keep(db: sqlite_utils.Database) -> None:
    """The `keep` each feed was last polled with: a feed switched to `keep: all` is read in
    full once, rather than when its body next changes (its entries were filtered before).
    NULL until the next poll fills it in."""
    db.execute("ALTER TABLE feeds ADD COLUMN keep TEXT")


def m007_fts_merges_sixteen(db: sqlite_utils.Database) -> None:
    """The full-text index merges its segments 16 at a time instead of 4: each feed's stories
    commit as a small segment of their own, and merging them in fours rewrote every story's
    entries about twice as often. A cold 500-feed poll took 0.3 s less; searches over 30,000
    stories written in 6,000 small commits took the same time either way."""
    db.execute("INSERT INTO stories_fts (stories_fts, rank) VALUES ('automerge', 16)")


def m008_index_unplaced_stories(db: sqlite_utils.Database) -> None:
    """The relevant stories still waiting for a cluster, in time order, as each poll reads
    them. Through the cluster_id index, that read also visited every story that is not
    relevant (their cluster_id is NULL too): 13 ms a poll with 17,500 of them, growing with
    the database, even when nothing was waiting. Only waiting stories are in this index."""
    db.execute("CREATE INDEX stories_unplaced ON stories(published) "
               "WHERE relevant = 1 AND cluster_id IS NULL")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    m001_initial, m002_tag_firsts, m003_weighted_rank, m004_index_stories_per_feed,
    m005_feeds_listed, m006_feeds_keep, m007_fts_merges_sixteen, m008_index_unplaced_stories,
]


def pending(conn: sqlite3.Connection) -> list[Callable[[sqlite_utils.Database], None]]:
    try:
        done = {row[0] for row in conn.execute("SELECT name FROM _migrations").fetchall()}
    except sqlite3.OperationalError:  # no steps recorded: a new database, or another program's
        done = set()
        foreign = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name LIMIT 3")]
        if foreign:  # a mistyped --db must not gain fifteen tables of ours
            raise UsageError(
                f"the database holds another program's tables ({', '.join(foreign)}): "
                "minewatch leaves it alone; give --db a new file"
            ) from None
    newer = sorted(done - {step.__name__ for step in MIGRATIONS})
    if newer:  # its tables may hold what this version would misread or overwrite
        raise UsageError(
            f"the database was written by a newer minewatch (schema step {newer[-1]}, unknown "
            "here): upgrade minewatch to use it"
        )
    return [step for step in MIGRATIONS if step.__name__ not in done]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations this database has not seen yet; returns how many ran.

    The connection is in autocommit mode (isolation_level=None): transactions are explicit."""
    steps = pending(conn)
    if not steps:
        return 0
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)"
    )
    ran = 0
    for step in steps:
        db.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            db.execute(
                "INSERT INTO _migrations (name, applied) VALUES (?, datetime('now'))",
                [step.__name__],
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        ran += 1
    return ran
