"""The only module with SQL: open and migrate the database once, store polls, answer queries.

The database is a plain SQLite file (WAL, FTS5 over title and summary) that datasette and
`sqlite-utils search` can read. Every write happens inside an explicit transaction, so a poll
killed at any instant leaves each feed either wholly stored or not at all.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from minewatch.errors import NotFoundError, UsageError
from minewatch.migrations import migrate, pending
from minewatch.models import Event, FeedSpec, FeedState, Story, StoryFilter, Tag
from minewatch.timeutil import iso, parse_iso

NO_DATABASE_HINT = "run `minewatch poll` to fill one, or `minewatch demo` to try the sample feeds"


@dataclass(frozen=True)
class IngestItem:
    """A parsed story with what the tagger and the extractor found in it.

    An item made for a story the database already held when its feed was read is not
    labelled (`labelled` false): storing it only records the feed as one more source."""

    story: Story
    relevant: bool
    tags: Sequence[Tag]
    events: Sequence[Event]
    tagger_version: str
    fingerprint: str | None = None
    labelled: bool = True


class StoryVanished(Exception):
    """A story found stored before its feed was labelled is gone when the feed is saved (a
    hand-made DELETE between the two): the feed must be labelled in full and saved again."""


# In an upsert on feeds: the row had a `keep` (NULL before its first poll since m006) and the
# feeds file now says another.
_KEEP_CHANGED = "feeds.keep IS NOT NULL AND feeds.keep != excluded.keep"


def open_store(path: Path, *, create: bool = False) -> Store:
    """Open (and migrate) the database. Read commands pass create=False: they never leave an
    empty database behind where the user expected their data, and they can read a database
    they cannot write (read-only media, or a file another user's cron job keeps)."""
    if path.is_dir():
        raise UsageError(f"{path} is a folder, not a database file: give the path of a file "
                         f"in it, such as {path / 'minewatch.db'}")
    if not path.exists():
        if not create:
            raise NotFoundError(f"no database at {path}: {NO_DATABASE_HINT}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    try:
        return Store(_connect(str(path), path, writable=True), path)
    except sqlite3.OperationalError as exc:
        if create or not _cannot_write(exc):
            raise UsageError(f"cannot open {path} for writing ({exc}): {_WRITABLE_HINT}") from None
    try:
        return Store(_connect(_read_only_uri(path), path, writable=False), path)
    except sqlite3.OperationalError as exc:
        raise UsageError(f"cannot open {path} ({exc}): {_WRITABLE_HINT}") from None


_WRITABLE_HINT = "check that the file and its folder are readable and writable"

# WAL pages after which a commit copies the log into the database (SQLite's default is 1,000)
WAL_CHECKPOINT_PAGES = 10_000

# Stories placed into clusters per batch of cluster ids written (see Store.place_pending)
CLUSTER_BATCH = 500

# Indexes that only queries read, none of a poll's steps: a poll into a database that holds no
# stories yet builds them once at its end (see Store.defer_query_indexes). A migration that
# changes one of them must call Store.restore_query_indexes first.
QUERY_INDEXES = ("stories_published", "stories_cluster", "tags_story", "tags_value",
                 "events_story", "events_actor", "story_feeds_feed", "tag_firsts_story")
_DEFERRED = "deferred_indexes"  # meta key: the dropped indexes' CREATE statements, as JSON

# The stories waiting for a cluster are read through their own index (migration m008), named:
# without statistics, SQLite's planner prefers the cluster_id index, which also holds every
# story that is not relevant.
_UNPLACED = "INDEXED BY stories_unplaced"


def _connect(target: str, path: Path, *, writable: bool) -> sqlite3.Connection:
    """A connection to `target` (the path, or a read-only URI for it), set up and migrated."""
    try:
        conn = sqlite3.connect(target, isolation_level=None, timeout=30, check_same_thread=False,
                               uri=not writable)
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"{path} is not a minewatch database ({exc})") from None
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        if writable:
            migrate(conn)  # first: it refuses a database that is not ours before anything changes
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        elif pending(conn):
            raise UsageError("the database needs an upgrade that cannot be written here: run "
                             "`minewatch poll` where it is writable, then read it here")
    except BaseException as exc:
        conn.close()  # a refused database is left exactly as it was found
        if isinstance(exc, sqlite3.DatabaseError) and not _cannot_write(exc):
            raise UsageError(f"{path} is not a minewatch database ({exc})") from None
        raise
    return conn


def _cannot_write(exc: sqlite3.Error) -> bool:
    """SQLite's words for a file, or a folder for its -wal and -shm files, this process may
    not write."""
    text = str(exc)
    return "unable to open database file" in text or "readonly database" in text


def _read_only_uri(path: Path) -> str:
    """Read-only access: on read-only media nothing else can change the file, so SQLite may
    skip its locks and its -shm file (immutable); elsewhere it reads with its locks, as a
    poll may be writing."""
    immutable = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    return f"{path.absolute().as_uri()}?{'immutable=1' if immutable else 'mode=ro'}"


T = TypeVar("T")


def _chunks(values: Sequence[T], size: int = 500) -> Iterator[list[T]]:
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


class _StoredCopies:
    """The stored copies of a feed's stories, (id, relevant) by key and by canonical link,
    read with a query per column for the whole feed. A story is the same as a stored one with
    its key, else with its canonical link; `add` counts one stored since, so a later entry of
    the same feed with that link joins it."""

    def __init__(self, conn: sqlite3.Connection, stories: Sequence[Story]) -> None:
        self.by_key = self._read(conn, "key", [story.key for story in stories])
        links = [story.canonical_url for story in stories
                 if story.key not in self.by_key and story.canonical_url]
        self.by_link = self._read(conn, "canonical_url", links)

    def find(self, story: Story) -> tuple[int, int] | None:
        found = self.by_key.get(story.key)
        if found is None and story.canonical_url:
            found = self.by_link.get(story.canonical_url)
        return found

    def add(self, story: Story, story_id: int, relevant: bool) -> None:
        self.by_key[story.key] = (story_id, int(relevant))
        if story.canonical_url:
            self.by_link.setdefault(story.canonical_url, (story_id, int(relevant)))

    @staticmethod
    def _read(conn: sqlite3.Connection, column: str,
              values: Sequence[str]) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for chunk in _chunks(values):
            marks = ",".join("?" * len(chunk))
            for value, story_id, relevant in conn.execute(
                    f"SELECT {column}, id, relevant FROM stories WHERE {column} IN ({marks})",
                    chunk):
                found.setdefault(value, (story_id, relevant))
        return found


class StoryQueries:
    """Search and listing over stored stories (mixed into Store)."""

    conn: sqlite3.Connection

    def _filter_sql(self, f: StoryFilter, alias: str = "s") -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for value in f.tags:
            kind, _, tag_value = value.rpartition(":")
            if kind:
                where.append(
                    f"{alias}.id IN (SELECT story_id FROM tags WHERE kind = ? AND value = ?)"
                )
                params += [kind, tag_value]
            else:
                where.append(f"{alias}.id IN (SELECT story_id FROM tags WHERE value = ?)")
                params.append(tag_value)
        if f.countries:
            marks = ",".join("?" * len(f.countries))
            where.append(
                f"{alias}.id IN (SELECT story_id FROM tags WHERE kind = 'country' "
                f"AND value IN ({marks}))"
            )
            params += list(f.countries)
        if f.source:
            where.append(
                f"{alias}.id IN (SELECT sf.story_id FROM story_feeds sf JOIN feeds fd "
                "ON fd.id = sf.feed_id WHERE fd.name = ? COLLATE NOCASE OR fd.url = ?)"
            )
            params += [f.source, f.source]
        if f.since:
            where.append(f"{alias}.published >= ?")
            params.append(f.since)
        if f.until:
            where.append(f"{alias}.published < ?")
            params.append(f.until)
        return where, params

    def known_source(self, source: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM feeds WHERE name = ? COLLATE NOCASE OR url = ? LIMIT 1",
            [source, source],
        ).fetchone()
        return row is not None

    def search(
        self, fts: str | None, f: StoryFilter, *, sort: str = "relevance", limit: int = 20,
        offset: int = 0, after_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Stories matching an FTS5 expression (None: all) and the filters, best first.

        Relevance is FTS5's rank, set to bm25 with a title match weighing ten times a summary
        match (migration m003); equal ranks keep the index's order."""
        where, params = self._filter_sql(f)
        if after_id is not None:
            where.append("s.id > ?")
            params.append(after_id)
        order = {
            "newest": "s.published DESC, s.id DESC",
            "oldest": "s.published ASC, s.id ASC",
        }
        if fts:
            sql = (
                "SELECT s.id, s.title, s.url, s.published, COALESCE(fd.name, fd.url) AS source, "
                "stories_fts.rank AS score, "
                "snippet(stories_fts, -1, char(2), char(3), '…', 16) AS snippet "
                "FROM stories_fts JOIN stories s ON s.id = stories_fts.rowid "
                "LEFT JOIN feeds fd ON fd.id = s.feed_id WHERE stories_fts MATCH ?"
            )
            params.insert(0, fts)
            order_by = order.get(sort, "stories_fts.rank")
        else:
            sql = (
                "SELECT s.id, s.title, s.url, s.published, COALESCE(fd.name, fd.url) AS source, "
                "NULL AS score, substr(s.summary, 1, 200) AS snippet "
                "FROM stories s LEFT JOIN feeds fd ON fd.id = s.feed_id WHERE 1"
            )
            order_by = order.get(sort, order["newest"])
        for clause in where:
            sql += f" AND {clause}"
        sql += f" ORDER BY {order_by} LIMIT ? OFFSET ?"
        rows = [dict(r) for r in self.conn.execute(sql, [*params, limit, offset])]
        tags = self.tags_for([r["id"] for r in rows])
        for r in rows:
            r["tags"] = _tag_values(tags[r["id"]])
        return rows

class PeriodQueries:
    """What the digest and the timeline read: relevant stories by period (mixed into Store)."""

    conn: sqlite3.Connection

    def period_stories(self, start: str, end: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT s.id, s.title, s.url, s.published, s.first_seen, "
            "COALESCE(s.cluster_id, s.id) AS cluster FROM stories s "
            "WHERE s.relevant = 1 AND s.published >= ? AND s.published < ? "
            "ORDER BY s.published, s.id",
            [start, end],
        )
        return [dict(r) for r in rows]

    def newest_published(self) -> str | None:
        row = self.conn.execute("SELECT MAX(published) FROM stories WHERE relevant = 1").fetchone()
        return row[0] if row else None

    def count_relevant(self, start: str, end: str) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM stories WHERE relevant = 1 AND published >= ? AND published < ?",
            [start, end],
        ).fetchone()
        return int(row[0])

    def country_mentions(
        self, start: str, end: str, codes: Sequence[str]
    ) -> list[tuple[str, str, int]]:
        """(published, code, cluster) for relevant stories naming one of the codes."""
        if not codes:
            return []
        marks = ",".join("?" * len(codes))
        rows = self.conn.execute(
            "SELECT DISTINCT s.published, t.value, COALESCE(s.cluster_id, s.id) FROM stories s "
            "CROSS JOIN tags t ON t.story_id = s.id AND t.kind = 'country' "
            "WHERE s.relevant = 1 AND s.published >= ? AND s.published < ? "
            f"AND t.value IN ({marks})",
            [start, end, *codes],
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def timeline_periods(self, f: StoryFilter, bucket_sql: str) -> dict[str, dict[str, Any]]:
        """Per period, in one pass: how many clusters, and the largest one with its size and
        the headline of its first story."""
        where, params = self._filter_sql(f)
        where.insert(0, "s.relevant = 1")
        bucket = bucket_sql.format(col="s.published")
        # SQLite returns the bare columns of the row that holds MAX(n) in each group.
        sql = (
            "SELECT period, COUNT(*), MAX(n), first_id FROM ("
            f"  SELECT {bucket} AS period, COALESCE(s.cluster_id, s.id) AS cluster, "
            "   COUNT(*) AS n, MIN(s.id) AS first_id FROM stories s "
            f"  WHERE {' AND '.join(where)} GROUP BY period, cluster"
            ") GROUP BY period ORDER BY period"
        )
        periods = {r[0]: {"clusters": r[1], "size": r[2], "story_id": r[3]}
                   for r in self.conn.execute(sql, params)}
        titles = self._titles([v["story_id"] for v in periods.values()])
        for v in periods.values():
            v["headline"] = titles.get(v["story_id"], "")
        return periods

    def timeline_split(
        self, f: StoryFilter, bucket_sql: str, kind: str
    ) -> list[tuple[str, str, int]]:
        """(period, tag value, clusters) for relevant stories matching the filter."""
        where, params = self._filter_sql(f)
        where.insert(0, "s.relevant = 1")
        bucket = bucket_sql.format(col="s.published")
        # CROSS JOIN keeps SQLite on the stories of the range first, then their tags.
        sql = (
            f"SELECT {bucket} AS period, t.value, COUNT(DISTINCT COALESCE(s.cluster_id, s.id)) "
            "FROM stories s CROSS JOIN tags t ON t.story_id = s.id AND t.kind = ? "
            f"WHERE {' AND '.join(where)} GROUP BY period, t.value ORDER BY period"
        )
        return [(r[0], r[1], r[2]) for r in self.conn.execute(sql, [kind, *params])]

    def first_mentions(self, f: StoryFilter, kind: str) -> dict[str, str]:
        """Tag values of a kind whose first relevant story ever falls inside the filter's range
        and matches the filter: value -> that story's published time."""
        sql = "SELECT value, published, story_id FROM tag_firsts WHERE kind = ?"
        params: list[Any] = [kind]
        if f.since:
            sql += " AND published >= ?"
            params.append(f.since)
        if f.until:
            sql += " AND published < ?"
            params.append(f.until)
        firsts = self.conn.execute(sql, params).fetchall()
        where, filter_params = self._filter_sql(f)
        matching: set[int] = set()
        for chunk in _chunks([r[2] for r in firsts]):
            marks = ",".join("?" * len(chunk))
            matching.update(r[0] for r in self.conn.execute(
                f"SELECT s.id FROM stories s WHERE s.id IN ({marks}) "
                f"AND {' AND '.join(['s.relevant = 1', *where])}",
                [*chunk, *filter_params],
            ))
        return {value: published for value, published, story_id in firsts
                if story_id in matching}

    def period_events(self, f: StoryFilter) -> list[dict[str, Any]]:
        where, params = self._filter_sql(f)
        rows = self.conn.execute(
            "SELECT e.*, s.published, s.title, s.url FROM events e "
            "JOIN stories s ON s.id = e.story_id "
            f"WHERE {' AND '.join(where) or '1'} ORDER BY s.published, e.story_id, e.start",
            params,
        )
        out = []
        for r in rows:
            event = dict(r)
            event["negated"] = bool(event["negated"])
            out.append(event)
        return out

    def list_events(
        self, *, countries: Sequence[str] = (), actions: Sequence[str] = (),
        since: str | None = None, until: str | None = None, limit: int = 200,
    ) -> list[dict[str, Any]]:
        """Stored policy events, newest story first; a country matches as actor or recipient."""
        where: list[str] = []
        params: list[Any] = []
        if countries:
            marks = ",".join("?" * len(countries))
            where.append(f"(e.actor IN ({marks}) OR e.recipient IN ({marks}))")
            params += [*countries, *countries]
        if actions:
            where.append(f"e.action IN ({','.join('?' * len(actions))})")
            params += list(actions)
        if since:
            where.append("s.published >= ?")
            params.append(since)
        if until:
            where.append("s.published < ?")
            params.append(until)
        rows = self.conn.execute(
            "SELECT e.story_id, s.published, s.title, s.url, e.actor, e.action, e.recipient, "
            'e.mine_type, e.negated, e.evidence, e.start, e."end" FROM events e '
            "JOIN stories s ON s.id = e.story_id "
            f"WHERE {' AND '.join(where) or '1'} "
            "ORDER BY s.published DESC, e.story_id, e.start LIMIT ?",
            [*params, limit],
        )
        out = []
        for r in rows:
            event = dict(r)
            event["negated"] = bool(event["negated"])
            out.append(event)
        return out

    def _titles(self, ids: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT id, title FROM stories WHERE id IN ({marks})", chunk
            ):
                found[r[0]] = r[1]
        return found

class WatchQueries:
    """Saved searches (mixed into Store)."""

    conn: sqlite3.Connection

    def max_story_id(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM stories").fetchone()[0])

    def add_watch(self, name: str, query: str, f: StoryFilter, created: str) -> None:
        try:
            self.conn.execute(
                "INSERT INTO watches (name, query, tags, countries, source, created, "
                "last_story_id) VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(id), 0) "
                "FROM stories))",
                [name, query, json.dumps(list(f.tags)), json.dumps(list(f.countries)),
                 f.source, created],
            )
        except sqlite3.IntegrityError:
            raise UsageError(f"a watch named {name!r} exists: remove it first") from None

    def watches(self) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM watches ORDER BY name").fetchall()
        return [_watch(r) for r in rows]

    def watch(self, name: str) -> dict[str, Any]:
        row = self.conn.execute("SELECT * FROM watches WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFoundError(f"no watch named {name!r} (see `minewatch watch list`)")
        return _watch(row)

    def remove_watch(self, name: str) -> None:
        self.watch(name)
        self.conn.execute("DELETE FROM watches WHERE name = ?", [name])

    def advance_watches(self, marks: dict[str, int]) -> None:
        with self.transaction():
            self.conn.executemany(
                "UPDATE watches SET last_story_id = ? WHERE name = ? AND last_story_id < ?",
                [(mark, name, mark) for name, mark in marks.items()],
            )


def _watch(row: sqlite3.Row) -> dict[str, Any]:
    w = dict(row)
    w["tags"] = json.loads(w["tags"])
    w["countries"] = json.loads(w["countries"])
    return w


def _tag_values(tags: Sequence[dict[str, Any]]) -> list[str]:
    """Distinct tag values of a story in a stable order: types, persistence, treaty, countries."""
    rank = {"mine_type": 0, "persistence": 1, "treaty": 2, "country": 3}
    seen: dict[str, int] = {}
    for t in tags:
        seen.setdefault(t["value"], rank.get(t["kind"], 9))
    return sorted(seen, key=lambda v: (seen[v], list(seen).index(v)))


class Store(StoryQueries, PeriodQueries, WatchQueries):
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.conn.row_factory = sqlite3.Row

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # ------------------------------------------------------------------ bulk loads
    def defer_query_indexes(self) -> bool:
        """Drop QUERY_INDEXES when the database holds no stories yet; True if it did.

        Stories arrive in every order of date and tag value, so each feed's commit rewrote a
        page of these indexes for nearly every story: half the pages a first poll wrote (500
        feeds: 98,600 of them for a 16,600-page database). Built once from the finished tables,
        they cost a tenth of a second. Their CREATE statements are kept in the same transaction
        that drops them, so a poll killed before its end leaves them to the next one
        (restore_query_indexes); until then queries read the tables whole, as correctly."""
        with self.transaction():
            if self.conn.execute("SELECT 1 FROM stories LIMIT 1").fetchone():
                return False
            marks = ",".join("?" * len(QUERY_INDEXES))
            found = self.conn.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks})",
                QUERY_INDEXES,
            ).fetchall()
            if not found:
                return False
            deferred = {name: sql for name, sql in found}
            kept = json.loads(self.get_meta(_DEFERRED) or "{}")
            self.set_meta(_DEFERRED, json.dumps({**kept, **deferred}))
            for name in deferred:
                self.conn.execute(f"DROP INDEX {name}")
        return True

    def restore_query_indexes(self) -> None:
        """Build the indexes defer_query_indexes dropped, if any, in one transaction. Only
        the statements it keeps are run (a query index created as it says), and only for an
        index that is not there already."""
        if not self.get_meta(_DEFERRED):
            return
        with self.transaction():
            deferred = json.loads(self.get_meta(_DEFERRED) or "{}")
            present = {name for (name,) in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index'")}
            for name, sql in deferred.items():
                if (name in QUERY_INDEXES and name not in present
                        and sql.startswith(f"CREATE INDEX {name} ON ")):
                    self.conn.execute(sql)
            self.conn.execute("DELETE FROM meta WHERE key = ?", [_DEFERRED])

    # ------------------------------------------------------------------ feeds
    def ensure_feeds(self, specs: Sequence[FeedSpec]) -> dict[str, dict[str, Any]]:
        """Make sure each feed has a row (name and keep follow the feeds file); url -> row.

        A feed whose `keep` changed loses its validators and body hash: its next fetch reads
        the whole body, so entries the old setting left out can be stored now."""
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO feeds (url, name, keep) VALUES (?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET name = excluded.name, keep = excluded.keep, "
                + ", ".join(f"{column} = CASE WHEN {_KEEP_CHANGED} THEN NULL ELSE {column} END"
                            for column in ("etag", "last_modified", "body_hash")),
                [(spec.url, spec.name, spec.keep) for spec in specs],
            )
        rows = self.conn.execute("SELECT * FROM feeds").fetchall()
        return {row["url"]: dict(row) for row in rows}

    def mark_listed(self, urls: Sequence[str]) -> None:
        """Record which feeds the feeds file being polled lists (the others stay, with their
        stories, but are neither polled nor reported failing)."""
        with self.transaction():
            self.conn.execute("UPDATE feeds SET listed = 0")
            self.conn.executemany("UPDATE feeds SET listed = 1 WHERE url = ?",
                                  [(url,) for url in urls])

    @staticmethod
    def feed_state(row: dict[str, Any]) -> FeedState:
        return FeedState(
            url=row["url"], etag=row["etag"], last_modified=row["last_modified"],
            body_hash=row["body_hash"], error_count=row["error_count"],
            next_poll=row["next_poll"], gone=bool(row["gone"]),
        )

    def feed_rows(self) -> list[dict[str, Any]]:
        sql = """SELECT f.*,
                   (SELECT COUNT(*) FROM story_feeds sf WHERE sf.feed_id = f.id) AS stories
                 FROM feeds f ORDER BY COALESCE(f.name, f.url)"""
        return [dict(row) for row in self.conn.execute(sql)]

    def failing_feeds(self) -> list[dict[str, Any]]:
        sql = """SELECT * FROM feeds WHERE last_error IS NOT NULL AND listed = 1
                 ORDER BY COALESCE(name, url)"""
        return [dict(row) for row in self.conn.execute(sql)]

    def update_feed(self, feed_id: int, changes: dict[str, Any]) -> None:
        """Outside a poll's per-feed transaction, e.g. for a feed skipped by its back-off."""
        with self.transaction():
            self._update_feed(feed_id, changes)

    def _update_feed(self, feed_id: int, changes: dict[str, Any]) -> None:
        if not changes:
            return
        columns = ", ".join(f"{name} = ?" for name in changes)
        self.conn.execute(f"UPDATE feeds SET {columns} WHERE id = ?", [*changes.values(), feed_id])

    # ------------------------------------------------------------------ ingest
    def save_feed_poll(
        self, feed_id: int, items: Sequence[IngestItem], feed_changes: dict[str, Any], now: str
    ) -> list[int]:
        """Store one feed's stories and its new state in one transaction; returns new story ids.

        A story already stored (same key, or same canonical link) is not stored again: the
        feed is remembered as one more source that carried it. An unlabelled item whose story
        is no longer stored raises StoryVanished, and nothing is written.

        Each table takes the feed's rows in one statement, in the feed's order: a statement
        per story cost 4% more CPU (100 bench feeds: 0.27 s against 0.28 s)."""
        new_ids: list[int] = []
        sources: list[tuple[int, int, str]] = []  # story_feeds rows
        labelled: list[tuple[int, Sequence[Tag], Sequence[Event]]] = []
        firsts: list[tuple[int, str, Sequence[Tag]]] = []  # the relevant ones' tags
        with self.transaction():
            copies = _StoredCopies(self.conn, [item.story for item in items])
            for item in items:
                existing = copies.find(item.story)
                if existing is not None:
                    sources.append((existing[0], feed_id, now))
                    continue
                if not item.labelled:
                    raise StoryVanished(item.story.key)
                story_id = self._insert_story(item, feed_id, now)
                copies.add(item.story, story_id, item.relevant)
                new_ids.append(story_id)
                sources.append((story_id, feed_id, now))
                labelled.append((story_id, item.tags, item.events))
                if item.relevant:
                    firsts.append((story_id, item.story.published, item.tags))
            self.conn.executemany(  # ignored where the feed is a source already
                "INSERT OR IGNORE INTO story_feeds (story_id, feed_id, first_seen) "
                "VALUES (?, ?, ?)", sources)
            self._insert_labels(labelled)
            self._note_firsts(firsts)
            self._index_stories(new_ids)
            self._update_feed(feed_id, feed_changes)
        return new_ids

    def _index_stories(self, story_ids: Sequence[int]) -> None:
        """New stories into the full-text index, a statement per 500 (see migration m004)."""
        for chunk in _chunks(story_ids):
            marks = ",".join("?" * len(chunk))
            self.conn.execute(
                "INSERT INTO stories_fts (rowid, title, summary) "
                f"SELECT id, title, summary FROM stories WHERE id IN ({marks})",
                chunk,
            )

    def stored_relevance(self, stories: Sequence[Story]) -> list[bool | None]:
        """For each story, whether the copy already stored is relevant; None if none is.

        Read before a feed is labelled, outside its write transaction, so that the stories
        a changed feed still carries from earlier polls are not labelled all over again."""
        copies = _StoredCopies(self.conn, stories)
        return [None if found is None else bool(found[1])
                for found in map(copies.find, stories)]

    def _insert_story(self, item: IngestItem, feed_id: int, now: str) -> int:
        s = item.story
        cursor = self.conn.execute(
            """INSERT INTO stories (key, guid, url, canonical_url, title, summary, published,
                   date_estimated, first_seen, feed_id, relevant, tagger_version, fingerprint)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [s.key, s.guid, s.url, s.canonical_url, s.title, s.summary, s.published,
             int(s.date_estimated), now, feed_id, int(item.relevant), item.tagger_version,
             item.fingerprint],
        )
        return int(cursor.lastrowid or 0)

    def _insert_labels(
        self, labelled: Sequence[tuple[int, Sequence[Tag], Sequence[Event]]]
    ) -> None:
        """(story id, tags, events) of each story."""
        self.conn.executemany(
            'INSERT INTO tags (story_id, kind, value, evidence, start, "end") '
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(story_id, t.kind, t.value, t.evidence, t.start, t.end)
             for story_id, tags, _ in labelled for t in tags],
        )
        self.conn.executemany(
            "INSERT INTO events (story_id, actor, action, recipient, mine_type, negated, "
            'evidence, start, "end") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            [(story_id, e.actor, e.action, e.recipient, e.mine_type, int(e.negated),
              e.evidence, e.start, e.end) for story_id, _, events in labelled for e in events],
        )

    def _note_firsts(self, firsts: Sequence[tuple[int, str, Sequence[Tag]]]) -> None:
        """Each relevant story (id, published, tags), in turn, becomes its tag values' first
        one when none is older."""
        self.conn.executemany(
            "INSERT INTO tag_firsts (kind, value, published, story_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, value) DO UPDATE SET published = excluded.published, "
            "story_id = excluded.story_id WHERE excluded.published < tag_firsts.published",
            [(kind, value, published, story_id) for story_id, published, tags in firsts
             for kind, value in {(t.kind, t.value) for t in tags}],
        )

    def _forget_firsts(self, story_id: int) -> None:
        """After a story's tags are gone, the values it was first for find their next first."""
        held = self.conn.execute(
            "SELECT kind, value FROM tag_firsts WHERE story_id = ?", [story_id]
        ).fetchall()
        self.conn.execute("DELETE FROM tag_firsts WHERE story_id = ?", [story_id])
        for kind, value in held:
            self.conn.execute(
                "INSERT INTO tag_firsts (kind, value, published, story_id) "
                "SELECT t.kind, t.value, MIN(s.published), s.id FROM tags t "
                "JOIN stories s ON s.id = t.story_id "
                "WHERE t.value = ? AND t.kind = ? AND s.relevant = 1 GROUP BY t.kind, t.value",
                [value, kind],
            )

    # ------------------------------------------------------------------ clusters
    def cluster_pending(self) -> int:
        """Give every relevant story without a cluster one: it joins the cluster of an earlier
        report of the same event within the window, or opens its own. Returns how many.

        It runs after a poll's feeds are stored (and again on the next poll if killed), so
        stories from different feeds of one poll can find each other."""
        placed = 0
        for assigned in self.place_pending():
            self.set_clusters(assigned)
            placed += len(assigned)
        return placed

    def place_pending(self) -> Iterator[list[tuple[int, int]]]:
        """cluster_pending's (cluster id, story id) pairs, in batches in time order, for the
        caller to store as they come (a poll writes one batch while the next is placed).

        Each batch may commit on its own: should the rest never be stored, the next poll
        places those stories against the ones stored, which is where they would have been."""
        waiting = "s.relevant = 1 AND s.cluster_id IS NULL"
        if not self.conn.execute(
            f"SELECT 1 FROM stories s {_UNPLACED} WHERE {waiting} LIMIT 1"
        ).fetchone():
            return  # and a poll with nothing new never loads the clusterer
        from minewatch import cluster

        pending = self._cluster_docs(waiting, [], _UNPLACED)
        if not pending:
            return
        window = timedelta(hours=cluster.WINDOW_HOURS)
        lo = iso(parse_iso(pending[0][0].published) - window)
        hi = iso(parse_iso(pending[-1][0].published) + window)
        pool = cluster.ClusterPool()
        for doc, cluster_id in self._cluster_docs(
            "s.relevant = 1 AND s.cluster_id IS NOT NULL AND s.published BETWEEN ? AND ?",
            [lo, hi],
        ):
            pool.add(doc, cluster_id)
        for start in range(0, len(pending), CLUSTER_BATCH):
            yield [(pool.place(doc), doc.id) for doc, _ in pending[start:start + CLUSTER_BATCH]]

    def set_clusters(self, assigned: Sequence[tuple[int, int]]) -> None:
        """(cluster id, story id) pairs, in one transaction."""
        with self.transaction():
            self.conn.executemany("UPDATE stories SET cluster_id = ? WHERE id = ?", assigned)

    def _cluster_docs(self, where: str, params: list[Any], index: str = ""
                      ) -> list[tuple[Any, int]]:
        from minewatch.cluster import ClusterDoc

        rows = self.conn.execute(  # the text only where no stored features stand for it
            "SELECT s.id, s.published, s.fingerprint, s.cluster_id, "
            "CASE WHEN s.fingerprint IS NULL THEN s.title ELSE '' END AS title, "
            "CASE WHEN s.fingerprint IS NULL THEN s.summary ELSE '' END AS summary, "
            f"COALESCE(f.name, f.url, '') AS source FROM stories s {index} "
            f"LEFT JOIN feeds f ON f.id = s.feed_id WHERE {where} ORDER BY s.published, s.id",
            params,
        )
        return [
            (ClusterDoc(id=r["id"], title=r["title"], summary=r["summary"],
                        published=r["published"], source=r["source"],
                        fingerprint=r["fingerprint"]), r["cluster_id"])
            for r in rows
        ]

    # ------------------------------------------------------------------ poll log
    def start_run(self, started: str) -> int:
        cursor = self.conn.execute("INSERT INTO poll_runs (started) VALUES (?)", [started])
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, finished: str, summary: dict[str, Any]) -> None:
        self.conn.execute(
            """UPDATE poll_runs SET finished = ?, feeds = ?, ok = ?, not_modified = ?, failed = ?,
                   skipped = ?, new_stories = ?, errors = ? WHERE id = ?""",
            [finished, summary["feeds"], summary["ok"], summary["not_modified"],
             summary["failed"], summary.get("skipped", 0), summary["new_stories"],
             json.dumps(summary["errors"]), run_id],
        )

    # ------------------------------------------------------------------ reading stories
    def story_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0])

    def tags_for(self, story_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {i: [] for i in story_ids}
        for chunk in _chunks(story_ids):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f'SELECT story_id, kind, value, evidence, start, "end" FROM tags '
                f"WHERE story_id IN ({marks}) ORDER BY story_id, start",
                chunk,
            )
            for row in rows:
                found[row["story_id"]].append(
                    {k: row[k] for k in ("kind", "value", "evidence", "start", "end")}
                )
        return found

    def events_for(self, story_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {i: [] for i in story_ids}
        for chunk in _chunks(story_ids):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT story_id, actor, action, recipient, mine_type, negated, evidence, "
                f'start, "end" FROM events WHERE story_id IN ({marks}) ORDER BY story_id, start',
                chunk,
            )
            for row in rows:
                event = dict(row)
                event.pop("story_id")
                event["negated"] = bool(event["negated"])
                found[row["story_id"]].append(event)
        return found

    def sources_for(self, story_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {i: [] for i in story_ids}
        for chunk in _chunks(story_ids):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT sf.story_id, COALESCE(f.name, f.url) AS source, f.url, sf.first_seen "
                f"FROM story_feeds sf JOIN feeds f ON f.id = sf.feed_id "
                f"WHERE sf.story_id IN ({marks}) ORDER BY sf.story_id, sf.first_seen, f.id",
                chunk,
            )
            for row in rows:
                found[row["story_id"]].append(
                    {"source": row["source"], "url": row["url"], "first_seen": row["first_seen"]}
                )
        return found

    def iter_export(self, batch: int = 2000) -> Iterator[dict[str, Any]]:
        """Every stored story in id order, with its first feed and its tags."""
        last = 0
        while True:
            rows = self.conn.execute(
                """SELECT s.id, COALESCE(f.name, f.url) AS feed, s.guid, s.url, s.title,
                          s.summary, s.published, s.first_seen, s.relevant
                   FROM stories s LEFT JOIN feeds f ON f.id = s.feed_id
                   WHERE s.id > ? ORDER BY s.id LIMIT ?""",
                [last, batch],
            ).fetchall()
            if not rows:
                return
            ids = [row["id"] for row in rows]
            tags = self.tags_for(ids)
            for row in rows:
                record = dict(row)
                record["relevant"] = bool(record["relevant"])
                record["tags"] = tags[row["id"]]
                yield record
            last = ids[-1]

    def get_story(self, story_id: int) -> dict[str, Any]:
        row = self.conn.execute("SELECT * FROM stories WHERE id = ?", [story_id]).fetchone()
        if row is None:
            raise NotFoundError(
                f"no story with id {story_id} (ids are shown by `minewatch search`)"
            )
        story = dict(row)
        story["relevant"] = bool(story["relevant"])
        story["date_estimated"] = bool(story["date_estimated"])
        story["sources"] = self.sources_for([story_id])[story_id]
        story["tags"] = self.tags_for([story_id])[story_id]
        story["events"] = self.events_for([story_id])[story_id]
        return story

    def iter_texts(self, batch: int = 2000) -> Iterator[tuple[int, str, str]]:
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT id, title, summary FROM stories WHERE id > ? ORDER BY id LIMIT ?",
                [last, batch],
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield row["id"], row["title"], row["summary"]
            last = rows[-1]["id"]

    def relevance_of(self, story_ids: Sequence[int]) -> dict[int, bool]:
        found: dict[int, bool] = {}
        for chunk in _chunks(story_ids):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT id, relevant FROM stories WHERE id IN ({marks})", chunk
            ):
                found[r[0]] = bool(r[1])
        return found

    def reset_cluster(self, story_id: int, fingerprint: str | None) -> None:
        """A story whose relevance changed is clustered again (call inside a transaction)."""
        self.conn.execute(
            "UPDATE stories SET cluster_id = NULL, fingerprint = ? WHERE id = ?",
            [fingerprint, story_id],
        )
        self.conn.execute(
            "UPDATE stories SET cluster_id = NULL WHERE cluster_id = ? AND id != ?",
            [story_id, story_id],
        )

    def mark_tagged(self, version: str) -> None:
        with self.transaction():
            self.conn.execute("UPDATE stories SET tagger_version = ?", [version])
            self.set_meta("tagger_version", version)

    def replace_labels(
        self, story_id: int, relevant: bool, tags: Sequence[Tag], events: Sequence[Event],
        tagger_version: str,
    ) -> None:
        """Re-tagging: one story's labels swapped whole (call inside a transaction)."""
        self.conn.execute("DELETE FROM tags WHERE story_id = ?", [story_id])
        self.conn.execute("DELETE FROM events WHERE story_id = ?", [story_id])
        self.conn.execute(
            "UPDATE stories SET relevant = ?, tagger_version = ? WHERE id = ?",
            [int(relevant), tagger_version, story_id],
        )
        self._forget_firsts(story_id)
        self._insert_labels([(story_id, tags, events)])
        if relevant:
            published = self.conn.execute(
                "SELECT published FROM stories WHERE id = ?", [story_id]
            ).fetchone()[0]
            self._note_firsts([(story_id, published, tags)])
