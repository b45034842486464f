"""Search as users and watches share it: validated filters and a query, ranked rows out."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from typing import Any

from minewatch.errors import UsageError
from minewatch.models import StoryFilter
from minewatch.query import to_fts
from minewatch.timeutil import iso, parse_when

SORTS = ("relevance", "newest", "oldest")
TAG_VALUES = ("antipersonnel", "antitank", "persistent", "nonpersistent", "ottawa")


def build_filter(
    *, tags: Sequence[str] = (), countries: Sequence[str] = (), source: str | None = None,
    since: str | None = None, until: str | None = None,
) -> StoryFilter:
    """Check each filter's value and say which option is wrong, in one line."""
    for value in tags:
        if value.rpartition(":")[2] not in TAG_VALUES and not _is_country(value):
            raise UsageError(
                f"--tag: unknown tag {value!r} (one of {', '.join(TAG_VALUES)}, "
                "or a country code)"
            )
    for code in countries:
        if not _is_country(code):
            raise UsageError(f"--country: {code!r} is not a country code the tagger knows "
                             "(ISO 3166 codes such as UA or LT)")
    since_iso = iso(parse_when(since, "--since")) if since else None
    until_iso = iso(parse_when(until, "--until", end=True)) if until else None
    if since_iso and until_iso and since_iso >= until_iso:
        raise UsageError("--since must come before --until")
    return StoryFilter(
        tags=tuple(t.upper() if _is_country(t) else t.lower() for t in tags),
        countries=tuple(c.upper() for c in countries),
        source=source, since=since_iso, until=until_iso,
    )


def _is_country(value: str) -> bool:
    """Whether `value` (any case) is a code the tagger tags stories with: a filter on any
    other, "XX" say, could only ever match nothing."""
    return value.upper() in _country_codes()


@functools.cache
def _country_codes() -> frozenset[str]:
    from minewatch.tagger.data import countries

    return frozenset(row.code for row in countries())


def run_search(
    store: Any, query: str, filt: StoryFilter, *, sort: str = "relevance", limit: int = 20,
    offset: int = 0, after_id: int | None = None,
) -> list[dict[str, Any]]:
    if sort not in SORTS:
        raise UsageError(f"--sort: one of {', '.join(SORTS)}")
    if filt.source and not store.known_source(filt.source):
        raise UsageError(
            f"--source: no feed named {filt.source!r} (see `minewatch feeds list`)"
        )
    fts = to_fts(query)
    try:
        return store.search(fts, filt, sort=sort, limit=limit, offset=offset, after_id=after_id)
    except sqlite3.OperationalError as exc:
        raise UsageError(
            f"malformed query: SQLite could not run it ({exc}) — hint: quote phrases, and "
            "write OR, NOT and NEAR in capitals"
        ) from None
