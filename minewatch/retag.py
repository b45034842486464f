"""Re-labelling stored stories after the tagger's data or the event extractor changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minewatch import cluster, tagger
from minewatch.models import story_text
from minewatch.pipeline import label

BATCH = 500


@dataclass
class RetagReport:
    checked: int
    changed: int
    version: str


def retag_all(store: Any) -> RetagReport:
    """Recompute tags, relevance and events of every story; rewrite only those that changed,
    batch by batch, each batch in one transaction."""
    checked = changed = 0
    batch: list[tuple[int, str, str]] = []

    def flush() -> int:
        ids = [story_id for story_id, _, _ in batch]
        old_tags = store.tags_for(ids)
        old_events = store.events_for(ids)
        old_relevant = store.relevance_of(ids)
        # Labelled before the write transaction opens: a poll writing beside a retag waits
        # only for the writes, never for the tagger.
        updates = []
        for story_id, title, summary in batch:
            result, found = label(story_text(title, summary))
            if ([vars(t) for t in result.tags] == old_tags[story_id]
                    and [vars(e) for e in found] == old_events[story_id]
                    and result.relevant == old_relevant[story_id]):
                continue
            fingerprint = None
            if result.relevant != old_relevant[story_id] and result.relevant:
                fingerprint = cluster.fingerprint(title, summary)
            updates.append((story_id, result, found, fingerprint))
        with store.transaction():
            for story_id, result, found, fingerprint in updates:
                store.replace_labels(story_id, result.relevant, result.tags, found,
                                     tagger.DATA_VERSION)
                if result.relevant != old_relevant[story_id]:
                    store.reset_cluster(story_id, fingerprint)
        batch.clear()
        return len(updates)

    for row in store.iter_texts():
        batch.append(row)
        checked += 1
        if len(batch) >= BATCH:
            changed += flush()
    if batch:
        changed += flush()
    store.mark_tagged(tagger.DATA_VERSION)
    store.cluster_pending()
    return RetagReport(checked=checked, changed=changed, version=tagger.DATA_VERSION)
