"""From a feed body to storable stories: parse, tag, extract events, fingerprint.

CPU work, run by the poller in a worker process; its one read of the database (which stories
are stored already) is handed in as a function. `retag` reuses `label` so stored stories and
new ones are labelled by exactly the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from minewatch import cluster, events, tagger
from minewatch.models import Event, Story, TagResult
from minewatch.parse import NotAFeed, parse_feed
from minewatch.store import IngestItem


@dataclass
class Processed:
    items: list[IngestItem] = field(default_factory=list)
    error: str | None = None
    cut_short: bool = False  # see ParsedFeed.cut_short


def label(text: str) -> tuple[TagResult, list[Event]]:
    """Tags and policy events of one text."""
    result = tagger.tag(text)
    found = events.extract_events(text, result.tags) if result.relevant else []
    return result, found


def warm_up() -> None:
    """Load the tagger's, the event rules' and the clusterer's tables now, on a sample."""
    sample = "Russia laid anti-personnel mines in Ukraine, breaching the Ottawa Convention."
    label(sample)
    cluster.fingerprint(sample, "")


# For each story, whether a copy of it is stored already and relevant (None: not stored)
StoredLookup = Callable[[Sequence[Story]], Sequence[bool | None]]


def process_body(
    body: bytes, headers: dict[str, str], url: str, fetched_at: str, keep: str,
    stored: StoredLookup | None = None,
) -> Processed:
    """Parse a body and label its stories. With `stored`, a story the database holds already
    is not labelled again: a changed feed mostly repeats what earlier polls stored, and its
    item only adds the feed as a source (kept only if relevant, under keep: relevant)."""
    try:
        parsed = parse_feed(body, headers, url, fetched_at=fetched_at)
    except NotAFeed as exc:
        return Processed(error=str(exc))
    known = stored(parsed.stories) if stored and parsed.stories else [None] * len(parsed.stories)
    slots: list[IngestItem | None] = []  # the feed's order, a None for each story to label
    new: list[tuple[int, Story]] = []
    for story, relevant in zip(parsed.stories, known, strict=True):
        if relevant is None:
            new.append((len(slots), story))
            slots.append(None)
        elif keep != "relevant" or relevant:
            slots.append(IngestItem(story=story, relevant=relevant, tags=(), events=(),
                                    tagger_version="", labelled=False))
    # Phase by phase over the feed's stories rather than story by story: each phase keeps its
    # own tables and code warm (about 4% less CPU than interleaving them on the bench farm).
    results = [tagger.tag(story.text) for _, story in new]
    kept = [(slot, story, result) for (slot, story), result in zip(new, results, strict=True)
            if keep != "relevant" or result.relevant]
    found = [events.extract_events(story.text, result.tags) if result.relevant else []
             for _, story, result in kept]
    for (slot, story, result), story_events in zip(kept, found, strict=True):
        fingerprint = cluster.fingerprint(story.title, story.summary) if result.relevant else None
        slots[slot] = IngestItem(story=story, relevant=result.relevant, tags=result.tags,
                                 events=story_events, tagger_version=tagger.DATA_VERSION,
                                 fingerprint=fingerprint)
    return Processed(items=[item for item in slots if item is not None],
                     cut_short=parsed.cut_short)
