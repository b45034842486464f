"""Each tag value's first relevant story, kept by the store as stories arrive and are re-tagged:
what the timeline's "first mention" notes read, on a real SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

from storyfactory import fill, item

from minewatch.models import StoryFilter, Tag
from minewatch.store import open_store

LT = ("country", "LT", "Lithuania")
UA = ("country", "UA", "Ukraine")
JUNE = StoryFilter(since="2025-06-01T00:00:00Z", until="2025-07-01T00:00:00Z")
LATE_JUNE = StoryFilter(since="2025-06-25T00:00:00Z", until="2025-07-01T00:00:00Z")


def firsts_table(store) -> dict[tuple[str, str], tuple[str, int]]:
    rows = store.conn.execute("SELECT kind, value, published, story_id FROM tag_firsts")
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def test_an_older_story_arriving_later_becomes_the_first():
    store = fill({"Wire": [item("late", "Lithuania leaves the treaty", "Vote.",
                                "2025-06-27T09:00:00Z", tags=(LT,))]})
    assert store.first_mentions(LATE_JUNE, "country") == {"LT": "2025-06-27T09:00:00Z"}
    fill({"Daily": [item("early", "Lithuania debates mines", "Debate in Ukraine too.",
                         "2025-06-20T09:00:00Z", tags=(LT, UA))]}).close()
    assert store.first_mentions(LATE_JUNE, "country") == {}
    assert store.first_mentions(JUNE, "country") == {"LT": "2025-06-20T09:00:00Z",
                                                     "UA": "2025-06-20T09:00:00Z"}
    store.close()


def test_irrelevant_stories_and_the_filter_decide_too():
    store = fill({"Wire": [
        item("gold", "Gold mine in Lithuania", "Prices.", "2025-06-02T09:00:00Z",
             tags=(LT,), relevant=False),
        item("ua", "Ukraine clears mines", "Demining.", "2025-06-10T09:00:00Z", tags=(UA,)),
        item("lt", "Lithuania leaves the treaty", "Vote.", "2025-06-27T09:00:00Z", tags=(LT,)),
    ]})
    assert store.first_mentions(JUNE, "country") == {"LT": "2025-06-27T09:00:00Z",
                                                     "UA": "2025-06-10T09:00:00Z"}
    only_lt = StoryFilter(countries=("LT",), since=JUNE.since, until=JUNE.until)
    assert store.first_mentions(only_lt, "country") == {"LT": "2025-06-27T09:00:00Z"}
    store.close()


def test_retagging_the_first_story_hands_the_value_to_the_next():
    store = fill({"Wire": [
        item("a", "Lithuania leaves the treaty", "Vote.", "2025-06-20T09:00:00Z", tags=(LT,)),
        item("b", "Lithuania deposits notice", "Notice.", "2025-06-27T09:00:00Z", tags=(LT,)),
    ]})
    first_id = firsts_table(store)[("country", "LT")][1]
    with store.transaction():
        store.replace_labels(first_id, True, [Tag("country", "UA", "Vote", 29, 33)], [], "v2")
    table = firsts_table(store)
    assert table[("country", "LT")][0] == "2025-06-27T09:00:00Z"
    assert table[("country", "UA")] == ("2025-06-20T09:00:00Z", first_id)
    with store.transaction():  # no longer relevant: its values are no one's first through it
        store.replace_labels(first_id, False, [Tag("country", "UA", "Vote", 29, 33)], [], "v3")
    assert ("country", "UA") not in firsts_table(store)
    store.close()


def test_a_database_from_before_the_table_is_filled_when_opened():
    db = Path(os.environ["MINEWATCH_DB"])
    store = fill({"Wire": [
        item("a", "Lithuania leaves the treaty", "Vote.", "2025-06-20T09:00:00Z", tags=(LT,)),
        item("b", "Ukraine and Lithuania", "Clearance.", "2025-06-10T09:00:00Z", tags=(LT, UA)),
    ]}, db)
    kept = firsts_table(store)
    assert kept[("country", "LT")][0] == "2025-06-10T09:00:00Z"
    with store.transaction():  # as the database was before the table existed
        store.conn.execute("DROP TABLE tag_firsts")
        store.conn.execute("DELETE FROM _migrations WHERE name = 'm002_tag_firsts'")
    store.close()
    reopened = open_store(db)
    assert firsts_table(reopened) == kept
    reopened.close()
