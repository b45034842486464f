"""How the story moved: clusters per day, week or month, each period's main development,
what appeared for the first time, and the policy moves reported in it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from minewatch.errors import UsageError
from minewatch.models import StoryFilter
from minewatch.timeutil import to_local

BUCKETS = {
    "day": "date({col}, 'localtime')",
    "week": "date({col}, 'localtime', 'weekday 0', '-6 days')",  # the Monday of the week
    "month": "strftime('%Y-%m', {col}, 'localtime')",
}
SPLITS = {"mine_type": "mine_type", "persistence": "persistence", "country": "country"}
MAX_SPLIT_SERIES = 6  # a country split keeps the most frequent; the rest are "other"


def build_timeline(
    store: Any, f: StoryFilter, *, by: str = "week", split: str | None = None
) -> dict[str, Any]:
    if by not in BUCKETS:
        raise UsageError(f"--by: one of {', '.join(BUCKETS)}")
    if split is not None and split not in SPLITS:
        raise UsageError(f"--split: one of {', '.join(SPLITS)}")
    bucket = BUCKETS[by]
    leaders = store.timeline_periods(f, bucket)
    totals = {p: v["clusters"] for p, v in leaders.items()}
    series: dict[str, dict[str, int]] = {}
    if split:
        for period, value, n in store.timeline_split(f, bucket, SPLITS[split]):
            series.setdefault(value, {})[period] = n
        series = _top_series(series)
    firsts: dict[str, list[str]] = {}
    if totals:
        new_countries: dict[str, list[str]] = {}
        for code, when in sorted(store.first_mentions(f, "country").items()):
            new_countries.setdefault(_period_of(when, by), []).append(code)
        for period, codes in new_countries.items():
            firsts.setdefault(period, []).append("first mention of " + " ".join(codes))
        for _value, when in store.first_mentions(f, "treaty").items():
            firsts.setdefault(_period_of(when, by), []).insert(0, "first Ottawa Convention story")
    moves: dict[str, list[str]] = {}
    if totals:
        for e in store.period_events(f):
            label = f"{e['actor']} {'not ' if e['negated'] else ''}{e['action']}"
            period_moves = moves.setdefault(_period_of(e["published"], by), [])
            if label not in period_moves:
                period_moves.append(label)
    periods = []
    for period in _all_periods(sorted(totals), by):
        leader = leaders.get(period)
        periods.append({
            "period": period,
            "clusters": totals.get(period, 0),
            "split": {value: counts.get(period, 0) for value, counts in series.items()},
            "main": ({"headline": leader["headline"], "story_id": leader["story_id"],
                      "size": leader["size"]} if leader else None),
            "firsts": firsts.get(period, []),
            "events": moves.get(period, []),
        })
    return {
        "by": by,
        "split": split,
        "since": f.since,
        "until": f.until,
        "series": list(series),
        "periods": periods,
    }


def _top_series(series: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    ranked = sorted(series, key=lambda v: -sum(series[v].values()))
    if len(ranked) <= MAX_SPLIT_SERIES:
        return {v: series[v] for v in ranked}
    kept = {v: series[v] for v in ranked[: MAX_SPLIT_SERIES - 1]}
    other: dict[str, int] = {}
    for v in ranked[MAX_SPLIT_SERIES - 1 :]:
        for period, n in series[v].items():
            other[period] = other.get(period, 0) + n
    kept["other"] = other
    return kept


def _period_of(published: str, by: str) -> str:
    day = to_local(published).date()
    if by == "day":
        return day.isoformat()
    if by == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    return day.strftime("%Y-%m")


def _all_periods(present: list[str], by: str) -> list[str]:
    """Every period from the first to the last with data, the empty ones included."""
    if not present:
        return []
    if by == "month":
        year, month = map(int, present[0].split("-"))
        last = present[-1]
        out = []
        while True:
            key = f"{year:04d}-{month:02d}"
            out.append(key)
            if key >= last:
                return out
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    step = timedelta(days=1 if by == "day" else 7)
    current, last_day = date.fromisoformat(present[0]), date.fromisoformat(present[-1])
    out = []
    while current <= last_day:
        out.append(current.isoformat())
        current += step
    return out
