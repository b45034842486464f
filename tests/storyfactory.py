"""Stories for store-level tests: labelled by hand, so these tests do not depend on the tagger."""

from __future__ import annotations

import os
from pathlib import Path

from minewatch.models import Event, FeedSpec, Story, Tag, story_text
from minewatch.store import IngestItem, Store, open_store


def item(key: str, title: str, summary: str, published: str, *,
         tags: tuple[tuple[str, str, str], ...] = (), relevant: bool = True,
         events: tuple[Event, ...] = ()) -> IngestItem:
    """tags: (kind, value, evidence); the evidence's first occurrence gives the offsets."""
    text = story_text(title, summary)
    found = []
    for kind, value, evidence in tags:
        start = text.index(evidence)
        found.append(Tag(kind, value, evidence, start, start + len(evidence)))
    story = Story(key=key, guid=key, url=f"https://news.example/{key}",
                  canonical_url=f"https://news.example/{key}", title=title, summary=summary,
                  published=published)
    return IngestItem(story=story, relevant=relevant, tags=found, events=list(events),
                      tagger_version="test")


def fill(items_by_feed: dict[str, list[IngestItem]], db: Path | None = None) -> Store:
    store = open_store(db or Path(os.environ["MINEWATCH_DB"]), create=True)
    rows = store.ensure_feeds([FeedSpec(url=f"https://{name.lower()}.example/rss", name=name)
                               for name in items_by_feed])
    for name, items in items_by_feed.items():
        row = rows[f"https://{name.lower()}.example/rss"]
        store.save_feed_poll(row["id"], items, {}, "2025-07-01T00:00:00Z")
    return store
