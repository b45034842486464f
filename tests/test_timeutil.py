"""Dates and spans from the command line, at the edges of the calendar: a one-line usage error
where Python's datetime would overflow, and stored instants that sort as text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from minewatch.errors import UsageError
from minewatch.timeutil import iso, parse_date, parse_span, parse_when

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["99999999999d", "0001-01-01", "9999-12-31"])
def test_a_when_off_the_calendar_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="^--since: .* is outside the calendar$"):
        parse_when(text, "--since", end=True, now=NOW)


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31"])
def test_a_date_without_a_whole_day_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="outside the calendar"):
        parse_date(text, "--date")


def test_long_spans_and_early_dates_still_read() -> None:
    assert parse_when("30000d", "--since", now=NOW) == datetime(1944, 10, 11, 12, 0, tzinfo=UTC)
    assert parse_date("0999-01-01", "--date").year == 999


def test_iso_keeps_four_year_digits_so_instants_sort_as_text() -> None:
    early, late = datetime(999, 1, 2, tzinfo=UTC), datetime(2025, 6, 27, 8, 0, 0, 999, UTC)
    assert iso(early) == "0999-01-02T00:00:00Z" and iso(late) == "2025-06-27T08:00:00Z"
    assert iso(early) < iso(late)


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90), ("1.5h", 5400), ("2w", 1_209_600),
    ("1h30m", 5400), ("1d 12h", 129_600), (" 1H 30M ", 5400),  # units combined
])
def test_spans_read_alone_or_combined(text: str, seconds: float) -> None:
    assert parse_span(text) == seconds


@pytest.mark.parametrize("text", ["30", "h", "1h30", "1h-30m", "hourly", "PT1H", "9" * 200 + "s",
                                  "3\u017f", "3\u212a"])  # a long s, the Kelvin sign: no units
def test_what_is_not_a_span(text: str) -> None:
    assert parse_span(text) is None


def test_a_combined_span_reaches_back_from_now() -> None:
    assert parse_when("1d12h", "--since", now=NOW) == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
