"""Times: stored in UTC as ISO 8601 text, read from users as WHEN, shown in the local zone (TZ)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from minewatch.errors import UsageError

# The units spelled out in both cases: a case-blind pattern also takes "ſ" for an "s", which
# names no unit.
_SPAN_PART = r"(\d+(?:\.\d+)?)\s*([smhdwSMHDW])"
_SPAN = re.compile(rf"^\s*(?:{_SPAN_PART}\s*)+$")
_SPAN_PARTS = re.compile(_SPAN_PART)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
WHEN_HINT = (
    "use a date (2024-11-20), a timestamp (2024-11-20T08:00) or a span back from now (24h, 7d)"
)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""No story is dated at or before it: the parser takes such a date for a placeholder."""


def iso(moment: datetime) -> str:
    """The one stored form: UTC, seconds, a Z; sorts as text (the year always four digits,
    where strftime writes year 999 as "999" on Linux)."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def to_local(text: str) -> datetime:
    """An instant in the local zone (TZ), with that date's own offset (summer time included)."""
    return parse_iso(text).astimezone()


def local_midnight(day: date) -> datetime:
    """The start of a local calendar day as a UTC instant; a naive datetime's astimezone()
    asks the system's zone rules for that very date."""
    return datetime(day.year, day.month, day.day).astimezone().astimezone(UTC)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """A calendar day in the local zone, as a [start, end) pair of UTC instants."""
    return local_midnight(day), local_midnight(day + timedelta(days=1))


def parse_span(text: str) -> float | None:
    """'90s', '30m', '24h', '7d', '2w', or several ('1h30m', '1d 12h') -> seconds; None when
    it is not a span."""
    if len(text) > 100 or not _SPAN.match(text):
        return None
    return sum(float(amount) * _UNIT_SECONDS[unit.lower()]
               for amount, unit in _SPAN_PARTS.findall(text))


def parse_date(text: str, option: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option}: cannot read {text!r} as a date: use YYYY-MM-DD") from None
    try:
        local_day_bounds(day)  # 0001-01-01 and 9999-12-31 have no instant on one side
    except (OverflowError, ValueError):
        raise UsageError(f"{option}: {text.strip()!r} is outside the calendar") from None
    return day


def parse_when(
    text: str, option: str, *, end: bool = False, now: datetime | None = None
) -> datetime:
    """WHEN -> a UTC instant. A bare date is its local calendar day: its start, or with end=True
    the start of the next day, so `--until 2025-06-27` includes the whole of that day."""
    try:
        return _when(text, option, end, now)
    except (OverflowError, ValueError):  # "99999999999d", or a day at the calendar's edge
        raise UsageError(f"{option}: {text.strip()!r} is outside the calendar") from None


def _when(text: str, option: str, end: bool, now: datetime | None) -> datetime:
    raw = text.strip()
    seconds = parse_span(raw)
    if seconds is not None:
        return (now or now_utc()) - timedelta(seconds=seconds)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        start, stop = local_day_bounds(parse_date(raw, option))
        return stop if end else start
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option}: cannot read {text!r}: {WHEN_HINT}") from None
    return moment.astimezone(UTC)  # a naive timestamp is local time
