"""A changed feed mostly repeats stories earlier polls stored: those are not labelled again.

The pipeline with a lookup of stored stories, the store's side of it, and the worker's retry
when a story found stored is deleted before the feed is saved (a real SQLite file throughout).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from feedgen import OFF_TOPIC_SUMMARY, Item, rss

from minewatch import poll, tagger
from minewatch.models import FeedSpec
from minewatch.pipeline import process_body
from minewatch.store import StoryVanished, open_store

URL = "http://127.0.0.1:9/wire.xml"
HEADERS = {"content-type": "application/rss+xml"}
NOW = "2025-06-11T00:00:00Z"
ITEMS = [Item("n-1", "Anti-personnel mines laid near Kharkiv"),
         Item("n-2", "Landmine blast kills two in Cambodia"),
         Item("n-3", "Gold prices", summary=OFF_TOPIC_SUMMARY)]
BODY = rss(ITEMS).encode()


def test_stories_already_stored_come_through_unlabelled_in_the_feed_order():
    asked: list[list[str]] = []

    def stored(stories):
        asked.append([s.guid for s in stories])
        return [None, True, False]

    out = process_body(BODY, HEADERS, URL, NOW, "all", stored)
    assert asked == [["n-1", "n-2", "n-3"]]
    assert [i.story.guid for i in out.items] == ["n-1", "n-2", "n-3"]
    assert [i.labelled for i in out.items] == [True, False, False]
    fresh, known_mine, known_other = out.items
    assert fresh.relevant and fresh.tags and fresh.fingerprint
    assert fresh.tagger_version == tagger.DATA_VERSION
    # what the stored copy says, with nothing recomputed
    assert known_mine.relevant and known_mine.tags == () and known_mine.events == ()
    assert known_mine.fingerprint is None
    assert not known_other.relevant


def test_under_keep_relevant_a_stored_story_comes_through_only_if_it_is_relevant():
    out = process_body(BODY, HEADERS, URL, NOW, "relevant", lambda stories: [None, True, False])
    assert [(i.story.guid, i.labelled) for i in out.items] == [("n-1", True), ("n-2", False)]


def test_without_a_lookup_every_story_is_labelled():
    out = process_body(BODY, HEADERS, URL, NOW, "all")
    assert [i.labelled for i in out.items] == [True, True, True]
    assert [i.relevant for i in out.items] == [True, True, False]


def _store_with_feed(db: Path):
    store = open_store(db, create=True)
    feed_id = store.ensure_feeds([FeedSpec(url=URL, name="Wire")])[URL]["id"]
    return store, feed_id


def test_store_reports_stored_copies_by_key_or_canonical_link_and_links_them(tmp_path):
    store, feed_id = _store_with_feed(tmp_path / "m.db")
    first = process_body(BODY, HEADERS, URL, NOW, "all")
    store.save_feed_poll(feed_id, first.items, {}, NOW)
    moved = Item("other-guid", "Landmine blast kills two in Cambodia",
                 link="https://wire.example/n-9")
    again = rss([*ITEMS, Item("n-4", "Mines cleared"), moved]).encode()
    parsed = process_body(again, HEADERS, URL, NOW, "all", store.stored_relevance)
    assert [i.labelled for i in parsed.items] == [False, False, False, True, True]
    assert store.save_feed_poll(feed_id, parsed.items, {}, NOW) and \
        store.conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0] == 5
    # the same canonical link is the same story, whatever its guid
    linked = process_body(rss([Item("third-guid", "Blast", link="https://wire.example/n-9#x")])
                          .encode(), HEADERS, URL, NOW, "all", store.stored_relevance)
    assert [i.labelled for i in linked.items] == [False]


def test_saving_an_unlabelled_story_that_is_gone_writes_nothing(tmp_path):
    store, feed_id = _store_with_feed(tmp_path / "m.db")
    known = process_body(BODY, HEADERS, URL, NOW, "all", lambda stories: [True, True, False])
    with pytest.raises(StoryVanished):
        store.save_feed_poll(feed_id, known.items, {"etag": '"v1"'}, NOW)
    assert store.conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0] == 0
    assert store.conn.execute("SELECT etag FROM feeds").fetchone()[0] is None


def _delete_story(store, guid: str) -> None:
    """What a user's hand-made DELETE does, between a worker's lookup and its save."""
    (story_id,) = store.conn.execute("SELECT id FROM stories WHERE guid = ?", [guid]).fetchone()
    for table in ("story_feeds", "tags", "events", "tag_firsts"):
        store.conn.execute(f"DELETE FROM {table} WHERE story_id = ?", [story_id])
    store.conn.execute("DELETE FROM stories WHERE id = ?", [story_id])


def test_a_worker_labels_the_feed_in_full_when_a_story_vanishes_before_the_save(
        tmp_path, monkeypatch):
    store, feed_id = _store_with_feed(tmp_path / "m.db")
    monkeypatch.setattr(poll, "_worker_store", store)
    assert poll._ingest(BODY, HEADERS, URL, NOW, "all", feed_id, {}).new_stories == 3

    lookup = store.stored_relevance

    def lookup_then_delete(stories):
        found = lookup(stories)
        _delete_story(store, "n-2")
        return found

    monkeypatch.setattr(store, "stored_relevance", lookup_then_delete)
    changed = rss([Item("n-0", "Antitank mines found on a road in Ukraine"), *ITEMS]).encode()
    result = poll._ingest(changed, HEADERS, URL, NOW, "all", feed_id, {"etag": '"v2"'})
    assert result.error is None and result.new_stories == 2  # n-0, and n-2 once more
    rows = store.conn.execute(
        "SELECT s.guid, s.tagger_version, COUNT(t.story_id) FROM stories s "
        "LEFT JOIN tags t ON t.story_id = s.id GROUP BY s.id ORDER BY s.guid").fetchall()
    assert [(k, v) for k, v, _ in rows] == [(k, tagger.DATA_VERSION)
                                            for k in ("n-0", "n-1", "n-2", "n-3")]
    assert dict((k, n) for k, _, n in rows)["n-2"] > 0  # labelled again, not stored bare
    assert store.conn.execute("SELECT etag FROM feeds").fetchone()[0] == '"v2"'


def test_an_entry_sharing_a_link_with_one_stored_moments_before_in_its_feed_joins_it(tmp_path):
    store, feed_id = _store_with_feed(tmp_path / "m.db")
    body = rss([Item("with-guid", "Mines cleared", link="https://wire.example/1"),
                Item(None, "Mines cleared again", link="https://wire.example/1#top")]).encode()
    parsed = process_body(body, HEADERS, URL, NOW, "all", store.stored_relevance)
    assert [i.labelled for i in parsed.items] == [True, True]  # neither stored when looked up
    assert len(store.save_feed_poll(feed_id, parsed.items, {}, NOW)) == 1
    assert store.conn.execute("SELECT COUNT(*) FROM story_feeds").fetchone()[0] == 1
