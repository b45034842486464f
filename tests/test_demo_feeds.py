"""The sample feeds behind `minewatch demo`: well-formed, complete, matched by ground truth.

The demo shows a digest for the samples' last day and a timeline over months, and the clustering
and relevance tests score against expectations.yaml, so the data itself is checked here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
import yaml

import minewatch

FEEDS_DIR = Path(minewatch.__file__).parent / "demo" / "feeds"
ATOM = "{http://www.w3.org/2005/Atom}"
WIRE_MARKER = "(Global Wire)"
CUTOFF = datetime(2026, 11, 23, tzinfo=UTC)  # every sample must predate this
# The last day's stories sit on one calendar day from UTC-10 to UTC+10, so `demo` shows them
# together wherever its user lives.
ZONE_REACH = timedelta(hours=10)


@dataclass(frozen=True)
class Entry:
    feed: str
    guid: str
    title: str
    link: str
    summary: str
    published: datetime


def feed_files() -> list[str]:
    return sorted(p.name for p in FEEDS_DIR.glob("*.xml"))


@cache
def expectations() -> dict:
    return yaml.safe_load((FEEDS_DIR / "expectations.yaml").read_text(encoding="utf-8"))


def text_of(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def parse_date(raw: str, *, rfc822: bool) -> datetime:
    parsed = parsedate_to_datetime(raw) if rfc822 else datetime.fromisoformat(raw)
    assert parsed.tzinfo is not None, f"date without a time zone: {raw!r}"
    return parsed


def rss_entries(name: str, root: ET.Element) -> list[Entry]:
    return [
        Entry(
            feed=name,
            guid=text_of(item.find("guid")),
            title=text_of(item.find("title")),
            link=text_of(item.find("link")),
            summary=text_of(item.find("description")),
            published=parse_date(text_of(item.find("pubDate")), rfc822=True),
        )
        for item in root.iter("item")
    ]


def atom_entries(name: str, root: ET.Element) -> list[Entry]:
    entries = []
    for entry in root.iter(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        stamp = text_of(entry.find(f"{ATOM}published")) or text_of(entry.find(f"{ATOM}updated"))
        entries.append(
            Entry(
                feed=name,
                guid=text_of(entry.find(f"{ATOM}id")),
                title=text_of(entry.find(f"{ATOM}title")),
                link=link.get("href", "") if link is not None else "",
                summary=text_of(entry.find(f"{ATOM}summary")),
                published=parse_date(stamp, rfc822=False),
            )
        )
    return entries


@cache
def entries_of(name: str) -> tuple[Entry, ...]:
    root = ET.parse(FEEDS_DIR / name).getroot()
    if root.tag == "rss":
        return tuple(rss_entries(name, root))
    return tuple(atom_entries(name, root))


def all_entries() -> list[Entry]:
    return [e for name in feed_files() for e in entries_of(name)]


def last_day() -> date:
    return max(e.published.astimezone(UTC).date() for e in all_entries())


def truth_by_key() -> dict[tuple[str, str], dict]:
    return {(i["feed"], i["guid"]): i for i in expectations()["items"]}


def test_feeds_yaml_lists_every_sample_once_with_relative_urls() -> None:
    config = yaml.safe_load((FEEDS_DIR / "feeds.yaml").read_text(encoding="utf-8"))
    feeds = config["feeds"]
    urls = [f["url"] for f in feeds]
    assert sorted(urls) == feed_files()
    assert len(feeds) >= 7
    for spec in feeds:
        parts = urlsplit(spec["url"])
        assert not parts.scheme and not parts.netloc and not spec["url"].startswith("/")
        assert spec["keep"] == "relevant"
        assert spec["name"].strip()
    assert len({f["name"] for f in feeds}) == len(feeds)


@pytest.mark.parametrize("name", feed_files())
def test_feed_is_well_formed_utf8_in_its_declared_format(name: str) -> None:
    raw = (FEEDS_DIR / name).read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    raw.decode("utf-8")  # raises on a stray byte
    root = ET.fromstring(raw)
    declared = expectations()["feeds"][name]
    if declared == "rss":
        assert root.tag == "rss" and root.get("version") == "2.0"
        assert root.find("channel") is not None
    else:
        assert declared == "atom"
        assert root.tag == f"{ATOM}feed"


def test_formats_mix_rss_and_atom() -> None:
    formats = Counter(expectations()["feeds"].values())
    assert set(expectations()["feeds"]) == set(feed_files())
    assert formats["atom"] >= 2 and formats["rss"] >= 4


@pytest.mark.parametrize("name", feed_files())
def test_every_entry_is_complete(name: str) -> None:
    entries = entries_of(name)
    assert entries
    for entry in entries:
        assert entry.title and entry.summary and entry.guid, entry
        link = urlsplit(entry.link)
        assert link.scheme == "https" and link.hostname.endswith(".example"), entry.link


@pytest.mark.parametrize("name", feed_files())
def test_guids_are_unique_within_each_feed(name: str) -> None:
    guids = Counter(e.guid for e in entries_of(name))
    assert [g for g, n in guids.items() if n > 1] == []


def test_samples_are_many_and_span_months_in_the_past() -> None:
    entries = all_entries()
    assert len(entries) >= 75
    stamps = [e.published for e in entries]
    assert max(stamps) - min(stamps) >= timedelta(days=120)
    assert max(stamps) < min(CUTOFF, datetime.now(UTC))


def test_last_day_is_a_rich_late_november_day() -> None:
    day = last_day()
    assert day.month == 11 and day.day >= 20
    todays = [e for e in all_entries() if e.published.astimezone(UTC).date() == day]
    assert len(todays) >= 5
    truth = truth_by_key()
    relevant = [e for e in todays if truth[(e.feed, e.guid)]["relevant"]]
    assert len(relevant) >= 5
    groups = Counter(truth[(e.feed, e.guid)]["group"] for e in relevant)
    assert max(groups.values()) >= 2  # a syndicated story to fold


def test_last_day_stays_one_calendar_day_across_time_zones() -> None:
    day = last_day()
    for entry in all_entries():
        utc = entry.published.astimezone(UTC)
        seen_as = {(utc - ZONE_REACH).date(), (utc + ZONE_REACH).date()}
        if utc.date() == day:
            assert seen_as == {day}, entry.title
        else:
            assert day not in seen_as, entry.title


def test_expectations_cover_every_item_exactly_once() -> None:
    listed = [(i["feed"], i["guid"]) for i in expectations()["items"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == {(e.feed, e.guid) for e in all_entries()}
    for item in expectations()["items"]:
        assert isinstance(item["relevant"], bool)
        assert item["group"].strip()


def test_ground_truth_holds_the_hard_cases() -> None:
    truth = truth_by_key()
    entries = all_entries()
    assert sum(not truth[(e.feed, e.guid)]["relevant"] for e in entries) >= 8

    by_group: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_group[truth[(entry.feed, entry.guid)]["group"]].append(entry)
    syndicated = [
        g
        for g, members in by_group.items()
        if len({m.feed for m in members}) >= 2 and any(WIRE_MARKER in m.summary for m in members)
    ]
    assert len(syndicated) >= 6
    for group, members in by_group.items():
        relevance = {truth[(m.feed, m.guid)]["relevant"] for m in members}
        assert len(relevance) == 1, f"{group} mixes relevant and off-topic items"
        stamps = [m.published for m in members]
        assert max(stamps) - min(stamps) <= timedelta(days=2), f"{group} spans too long"


@pytest.mark.parametrize("name", feed_files())
def test_feedparser_reads_every_entry_with_its_date(name: str) -> None:
    parsed = feedparser.parse((FEEDS_DIR / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == [e.guid for e in entries_of(name)]
    for got, want in zip(parsed.entries, entries_of(name), strict=True):
        assert got.published_parsed is not None
        utc = datetime(*got.published_parsed[:6], tzinfo=UTC)
        assert utc == want.published.astimezone(UTC)
