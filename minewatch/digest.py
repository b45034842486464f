"""The daily digest as plain data: what happened in a period, events counted once.

Copies of one wire story and reports of one event share a cluster (see cluster.py); the
digest lists clusters, not stories, and every count is of clusters.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from minewatch.timeutil import EPOCH, iso, local_day_bounds, to_local

SHOWN_DEVELOPMENTS = 20  # what a morning reader takes in at a glance; json always has all

TAG_ORDER = ("antipersonnel", "antitank", "persistent", "nonpersistent", "ottawa")
TREND_DAYS = 7
TOP_COUNTRIES = 8


def build_digest(store: Any, start: datetime, end: datetime) -> dict[str, Any]:
    start_iso, end_iso = iso(start), iso(end)
    stories = store.period_stories(start_iso, end_iso)
    ids = [s["id"] for s in stories]
    tags = store.tags_for(ids)
    sources = store.sources_for(ids)
    events = store.events_for(ids)

    members: dict[int, list[dict[str, Any]]] = {}
    for s in stories:
        members.setdefault(s["cluster"], []).append(s)
    clusters = [_cluster(group, tags, sources, events) for group in members.values()]
    clusters.sort(key=lambda c: (-len(c["sources"]), -c["size"], -c["specificity"],
                                 c["first_seen"]))
    counts = {value: 0 for value in TAG_ORDER}
    country_counts: Counter[str] = Counter()
    for c in clusters:
        for value in c["tags"]:
            counts[value] = counts.get(value, 0) + 1
        country_counts.update(c["countries"])
    top = [code for code, _ in country_counts.most_common(TOP_COUNTRIES)]
    span = end - start
    return {
        "period": {"start": start_iso, "end": end_iso},
        "totals": {
            "stories": len(stories),
            "clusters": len(clusters),
            "sources": len({src["source"] for group in sources.values() for src in group}),
            "previous_stories": store.count_relevant(iso(_period_before(start, span)), start_iso),
        },
        "clusters": [{k: v for k, v in c.items() if k != "specificity"} for c in clusters],
        "counts": counts,
        "countries": [
            {"code": code, "count": country_counts[code], "trend": trend}
            for code, trend in _trends(store, end, top).items()
        ],
        "policy_moves": _policy_moves(clusters),
        "watches": _watch_matches(store, start_iso, end_iso),
        "failing_feeds": [
            {"feed": f["name"] or f["url"], "error": f["last_error"],
             "failures": f["error_count"], "last_success": f["last_success"]}
            for f in store.failing_feeds()
        ],
    }


def _cluster(
    group: list[dict[str, Any]],
    tags: dict[int, list[dict[str, Any]]],
    sources: dict[int, list[dict[str, Any]]],
    events: dict[int, list[dict[str, Any]]],
) -> dict[str, Any]:
    lead = min(group, key=lambda s: (s["published"], s["id"]))
    values: dict[str, None] = {}
    countries: Counter[str] = Counter()
    moves: dict[tuple[Any, ...], dict[str, Any]] = {}
    names: dict[str, None] = {}
    for s in group:
        for t in tags[s["id"]]:
            if t["kind"] == "country":
                countries[t["value"]] += 1
            else:
                values.setdefault(t["value"])
        for src in sources[s["id"]]:
            names.setdefault(src["source"])
        for e in events[s["id"]]:
            key = (e["actor"], e["action"], e["negated"])
            moves.setdefault(key, {**e, "story_id": s["id"]})
    ordered_tags = [v for v in TAG_ORDER if v in values]
    return {
        "id": lead["cluster"],
        "headline": lead["title"],
        "url": lead["url"],
        "first_seen": lead["published"],
        "size": len(group),
        "sources": list(names),
        "story_ids": [s["id"] for s in group],
        "tags": ordered_tags,
        "countries": [code for code, _ in countries.most_common()],
        "events": list(moves.values()),
        "specificity": len(ordered_tags) + 2 * bool(moves),
    }


def _watch_matches(store: Any, start: str, end: str) -> list[dict[str, Any]]:
    """Each watch's matches published in the period (the digest shows, it does not alert)."""
    from minewatch.watch import matches

    sections = []
    for w in store.watches():
        found = matches(store, w, since=start, until=end)
        if found:
            sections.append({"watch": w["name"], "stories": [
                {k: s[k] for k in ("id", "title", "url", "published")} for s in found]})
    return sections


def _policy_moves(clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each (actor, action, negated) once for the period, with the headline that reported it."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for c in clusters:
        for e in c.pop("events"):
            key = (e["actor"], e["action"], e["negated"])
            if key not in seen:
                seen[key] = {
                    "actor": e["actor"], "action": e["action"], "recipient": e["recipient"],
                    "mine_type": e["mine_type"], "negated": e["negated"],
                    "evidence": e["evidence"], "story_id": e["story_id"],
                    "headline": c["headline"],
                }
    return list(seen.values())


def _trends(store: Any, end: datetime, codes: list[str]) -> dict[str, list[int]]:
    """Clusters a day naming each country, over the TREND_DAYS local days ending with `end`."""
    last_day = to_local(iso(end - timedelta(seconds=1))).date()
    days = [last_day - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    first_start, _ = local_day_bounds(days[0])
    _, last_end = local_day_bounds(days[-1])
    per_day: dict[str, list[set[int]]] = {code: [set() for _ in days] for code in codes}
    index = {day: n for n, day in enumerate(days)}
    for published, code, cluster in store.country_mentions(iso(first_start), iso(last_end), codes):
        day = to_local(published).date()
        if day in index:
            per_day[code][index[day]].add(cluster)
    return {code: [len(s) for s in per_day[code]] for code in codes}


def _period_before(start: datetime, span: timedelta) -> datetime:
    """Where the period as long as this one, just before it, starts: no earlier than the epoch,
    before which no story is dated (a longer span would fall off the calendar)."""
    try:
        return max(start - span, EPOCH)
    except OverflowError:
        return EPOCH
