"""From a feed body to storable stories: parse, tag, extract events, fingerprint.

Pure CPU work with no I/O, so the poller can run it in a worker process; `retag` reuses
`label` so stored stories and new ones are labelled by exactly the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minewatch import cluster, events, tagger
from minewatch.models import Event, TagResult
from minewatch.parse import NotAFeed, parse_feed
from minewatch.store import IngestItem


@dataclass
class Processed:
    items: list[IngestItem] = field(default_factory=list)
    error: str | None = None
    warning: str | None = None


def label(text: str) -> tuple[TagResult, list[Event]]:
    """Tags and policy events of one text."""
    result = tagger.tag(text)
    found = events.extract_events(text, result.tags) if result.relevant else []
    return result, found


def process_body(
    body: bytes, headers: dict[str, str], url: str, fetched_at: str, keep: str
) -> Processed:
    try:
        parsed = parse_feed(body, headers, url, fetched_at=fetched_at)
    except NotAFeed as exc:
        return Processed(error=str(exc))
    out = Processed(warning=parsed.warning)
    for story in parsed.stories:
        result, found = label(story.text)
        if keep == "relevant" and not result.relevant:
            continue
        fingerprint = cluster.fingerprint(story.title, story.summary) if result.relevant else None
        out.items.append(
            IngestItem(story=story, relevant=result.relevant, tags=result.tags, events=found,
                       tagger_version=tagger.DATA_VERSION, fingerprint=fingerprint)
        )
    return out
