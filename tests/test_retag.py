"""`minewatch retag` on a real SQLite file: stories stored with labels the tagger would not give
now get the tagger's, the others are left alone, and relevance changes reach the clusters."""

from __future__ import annotations

import sqlite3

from storyfactory import fill, item

from minewatch.events import extract_events
from minewatch.models import story_text
from minewatch.tagger import tag

MINES = ("Lithuania quits the Ottawa Convention",
         "Lithuania deposited its withdrawal from the treaty banning anti-personnel mines.")
GOLD = ("Gold output rises", "A gold mine in Ghana produced more ore this year.")


def labels(db: str, key: str) -> tuple[bool, list[tuple], list[tuple], str | None, int | None]:
    with sqlite3.connect(db) as conn:
        story_id, relevant, fingerprint, cluster_id = conn.execute(
            "SELECT id, relevant, fingerprint, cluster_id FROM stories WHERE guid = ?", [key]
        ).fetchone()
        tags = conn.execute('SELECT kind, value, start, "end" FROM tags WHERE story_id = ? '
                            "ORDER BY start, kind, value", [story_id]).fetchall()
        events = conn.execute("SELECT actor, action FROM events WHERE story_id = ? "
                              "ORDER BY start", [story_id]).fetchall()
    conn.close()
    return bool(relevant), tags, events, fingerprint, cluster_id


def expected_tags(title: str, summary: str) -> list[tuple]:
    found = tag(story_text(title, summary)).tags
    return sorted(((t.kind, t.value, t.start, t.end) for t in found),
                  key=lambda t: (t[2], t[0], t[1]))


def test_retag_gives_stale_stories_the_taggers_labels_and_clusters_what_became_relevant(
    cli, isolated
):
    import os

    db = os.environ["MINEWATCH_DB"]
    fill({"Wire": [
        item("missed", *MINES, "2025-06-27T10:00:00Z", relevant=False),
        item("wrong", *GOLD, "2025-06-27T11:00:00Z", relevant=True,
             tags=(("mine_type", "antipersonnel", "gold mine"),)),
        item("right", *GOLD, "2025-06-28T11:00:00Z", relevant=False,
             tags=tuple((t.kind, t.value, t.evidence)
                        for t in tag(story_text(*GOLD)).tags)),
    ]}).close()

    run = cli("retag")
    assert run.code == 0, run.err
    assert run.out.startswith("re-tagged 3 stories: 2 changed")

    relevant, tags, events, fingerprint, cluster_id = labels(db, "missed")
    assert relevant and tags == expected_tags(*MINES)
    text = story_text(*MINES)
    assert events == [(e.actor, e.action) for e in extract_events(text, tag(text).tags)]
    assert events and fingerprint and cluster_id is not None
    relevant, tags, _, fingerprint, cluster_id = labels(db, "wrong")
    assert not relevant and tags == expected_tags(*GOLD)
    assert fingerprint is None and cluster_id is None
    assert labels(db, "right")[:2] == (False, expected_tags(*GOLD))

    again = cli("retag")
    assert again.out.startswith("re-tagged 3 stories: 0 changed")
