"""One story, whole: what `show` prints, as plain data (the JSON format is this dict)."""

from __future__ import annotations

from typing import Any

from minewatch.errors import UsageError
from minewatch.models import story_text
from minewatch.tagger import sentence_span
from minewatch.tagger.sentences import Sentences
from minewatch.textclean import terminal_safe
from minewatch.treaty import treaty_status

TAG_KINDS = ("mine_type", "persistence", "treaty", "country")


def story_details(store: Any, story_id: int) -> dict[str, Any]:
    row = store.get_story(story_id)
    text = story_text(row["title"], row["summary"])
    grouped: dict[str, list[dict[str, Any]]] = {kind: [] for kind in TAG_KINDS}
    sents = Sentences(text)  # split once: a long story has thousands of tags
    for t in row["tags"]:
        lo, hi = sentence_span(text, t["start"], t["end"], sents)
        grouped.setdefault(t["kind"], []).append({
            **t,
            "sentence": text[lo:hi],
            "sentence_start": lo,
        })
    on = row["published"][:10]
    countries = list(dict.fromkeys(t["value"] for t in grouped.get("country", [])))
    standing = []
    for code in countries:
        try:
            standing.append(treaty_status(code, on).to_dict())
        except UsageError:  # a code the treaty table does not know (a territory): no standing
            continue
    return {
        "id": row["id"],
        "title": terminal_safe(row["title"]),
        "url": row["url"],
        "published": row["published"],
        "date_estimated": row["date_estimated"],
        "first_seen": row["first_seen"],
        "relevant": row["relevant"],
        "summary": terminal_safe(row["summary"]),
        "sources": row["sources"],
        "tags": grouped,
        "events": row["events"],
        "treaty_status": standing,
    }
