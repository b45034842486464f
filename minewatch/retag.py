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
        count = 0
        with store.transaction():
            for story_id, title, summary in batch:
                result, found = label(story_text(title, summary))
                new_tags = [vars(t) for t in result.tags]
                new_events = [vars(e) for e in found]
                if (new_tags == old_tags[story_id] and new_events == old_events[story_id]
                        and result.relevant == old_relevant[story_id]):
                    continue
                store.replace_labels(story_id, result.relevant, result.tags, found,
                                     tagger.DATA_VERSION)
                if result.relevant != old_relevant[story_id]:
                    store.reset_cluster(story_id, cluster.fingerprint(title, summary)
                                        if result.relevant else None)
                count += 1
        batch.clear()
        return count

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
