"""Watches: named searches, in exactly the language and filters of `minewatch search`,
that alert on new matches after each poll and can be read as an Atom feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minewatch.errors import UsageError
from minewatch.models import StoryFilter
from minewatch.search import run_search
from minewatch.timeutil import iso, now_utc

ALERT_LIMIT = 200  # most stories one watch reports after one poll


@dataclass
class Alert:
    watch: str
    stories: list[dict[str, Any]]


def watch_filter(w: dict[str, Any], since: str | None = None,
                 until: str | None = None) -> StoryFilter:
    return StoryFilter(tags=tuple(w["tags"]), countries=tuple(w["countries"]),
                       source=w["source"], since=since, until=until)


def add_watch(store: Any, name: str, query: str, f: StoryFilter) -> None:
    """Validate the search as `search` would, then save it; it alerts only on stories
    stored from now on."""
    if not name.strip():
        raise UsageError("a watch needs a name")
    if not name.isprintable():  # it is printed, and names the watch's Atom feed
        raise UsageError(f"a watch name is printable text: {name!r}")
    if not query.strip() and not (f.tags or f.countries or f.source):
        raise UsageError("a watch needs a query or a filter (--tag, --country, --source)")
    run_search(store, query, f, limit=1)
    store.add_watch(name, query, f, iso(now_utc()))


def matches(store: Any, w: dict[str, Any], *, since: str | None = None,
            until: str | None = None, after_id: int | None = None,
            limit: int = ALERT_LIMIT) -> list[dict[str, Any]]:
    return run_search(store, w["query"], watch_filter(w, since, until), sort="newest",
                      limit=limit, after_id=after_id)


def collect_alerts(store: Any) -> tuple[list[Alert], dict[str, int]]:
    """New matches of every watch since its last alert, and the marks to save once the
    alerts have been delivered (so a crash before delivery shows them again)."""
    top = store.max_story_id()
    alerts: list[Alert] = []
    marks: dict[str, int] = {}
    for w in store.watches():
        found = [s for s in matches(store, w, after_id=w["last_story_id"]) if s["id"] <= top]
        if found:
            alerts.append(Alert(w["name"], found))
        marks[w["name"]] = top
    return alerts, marks


def atom_for(store: Any, name: str, *, limit: int = 50) -> bytes:
    from minewatch.atomfeed import render_atom

    w = store.watch(name)
    rows = matches(store, w, limit=limit)
    entries = [
        {"id": r["id"], "title": r["title"], "url": r["url"], "published": r["published"],
         "summary": r["snippet"].replace("\x02", "").replace("\x03", "") if r["snippet"] else "",
         "tags": r["tags"]}
        for r in rows
    ]
    updated = max((r["published"] for r in rows), default=w["created"])
    return render_atom(feed_id=f"urn:minewatch:watch:{name}",
                       title=f"minewatch watch: {name}", updated=updated, entries=entries)
