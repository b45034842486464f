"""`minewatch digest` and `timeline` over a real SQLite file filled through the store."""

from __future__ import annotations

import json
import time

import pytest
from storyfactory import fill, item

from minewatch.models import Event

AP = ("mine_type", "antipersonnel", "anti-personnel")
OTTAWA = ("treaty", "ottawa", "Ottawa Convention")


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def news():
    withdraw = Event("LT", "withdraw", None, None, False,
                     "Lithuania deposited its withdrawal from the Ottawa Convention.", 0, 0)
    store = fill({
        "Wire": [
            item("w-1", "Lithuania leaves Ottawa Convention (Wire)",
                 "Lithuania deposited its withdrawal from the Ottawa Convention.",
                 "2025-06-27T09:00:00Z", tags=(OTTAWA, ("country", "LT", "Lithuania")),
                 events=(withdraw,)),
            item("w-2", "Deminers clear anti-personnel mines near [bold]Kharkiv[/bold]",
                 "Ukraine's sappers cleared a field.", "2025-06-27T14:00:00Z",
                 tags=(AP, ("country", "UA", "Ukraine"))),
            item("w-0", "Earlier: Latvia votes on treaty exit", "The Saeima voted.",
                 "2025-06-20T09:00:00Z", tags=(("country", "LV", "Latvia"),)),
        ],
        "Courier": [
            item("c-1", "Lithuania leaves Ottawa Convention",
                 "Lithuania deposited its withdrawal from the Ottawa Convention, officials said.",
                 "2025-06-27T09:30:00Z", tags=(OTTAWA, ("country", "LT", "Lithuania"))),
        ],
        "Daily": [
            item("d-1", "Lithuania quits the Ottawa Convention",
                 "Lithuania deposited its withdrawal from the Ottawa Convention.",
                 "2025-06-27T10:00:00Z", tags=(OTTAWA, ("country", "LT", "Lithuania"))),
            item("d-2", "Gold mine strike ends", "Miners return.", "2025-06-27T11:00:00Z",
                 relevant=False),
        ],
    })
    ids = {r["key"]: r["id"] for r in store.conn.execute("SELECT key, id FROM stories")}
    # the three copies of the Lithuania story are one development
    store.set_clusters([(ids["w-1"], ids[k]) for k in ("w-1", "c-1", "d-1")]
                       + [(ids[k], ids[k]) for k in ("w-2", "w-0")])
    return store


def digest(cli, *args):
    run = cli("digest", *args)
    assert run.code == 0, run.err
    return run


def test_json_digest_folds_copies_and_counts_developments(cli, news):
    d = json.loads(digest(cli, "--date", "2025-06-27", "--format", "json").out)
    assert d["period"] == {"start": "2025-06-27T00:00:00Z", "end": "2025-06-28T00:00:00Z"}
    assert d["totals"] == {"stories": 4, "clusters": 2, "sources": 3, "previous_stories": 0}
    top = d["clusters"][0]
    assert set(top) >= {"id", "headline", "url", "first_seen", "size", "sources", "story_ids",
                        "tags", "countries"}
    assert top["size"] == 3 and sorted(top["sources"]) == ["Courier", "Daily", "Wire"]
    assert top["headline"] == "Lithuania leaves Ottawa Convention (Wire)"
    assert top["countries"] == ["LT"] and top["tags"] == ["ottawa"]
    assert d["counts"]["ottawa"] == 1 and d["counts"]["antipersonnel"] == 1
    lt = next(c for c in d["countries"] if c["code"] == "LT")
    assert lt["count"] == 1 and lt["trend"] == [0, 0, 0, 0, 0, 0, 1]
    assert d["policy_moves"][0]["actor"] == "LT" and d["policy_moves"][0]["action"] == "withdraw"
    assert d["failing_feeds"] == []


def test_previous_period_and_since(cli, news):
    d = json.loads(digest(cli, "--date", "2025-06-20", "--format", "json").out)
    assert d["totals"]["stories"] == 1
    d = json.loads(digest(cli, "--date", "2025-06-21", "--format", "json").out)
    assert d["totals"] == {"stories": 0, "clusters": 0, "sources": 0, "previous_stories": 1}


def test_text_digest_is_plain_fits_80_columns_and_shows_markup_literally(cli, news, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = digest(cli, "--date", "2025-06-27").out
    assert "\x1b" not in out
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "[bold]Kharkiv[/bold]" in out
    assert "3 src" in out and "Lithuania leaves Ottawa Convention (Wire)" in out
    assert "Gold mine" not in out
    assert "Lithuania quits" not in out  # the copies are folded under one headline


def test_markdown_digest_escapes_feed_text(cli, news):
    out = digest(cli, "--date", "2025-06-27", "--format", "markdown").out
    assert out.startswith("# minewatch digest")
    assert r"\[bold\]Kharkiv\[/bold\]" in out
    assert "(<https://news.example/w-1>)" in out


def test_limit_lists_the_largest_developments_and_says_what_is_left(cli, news):
    out = digest(cli, "--date", "2025-06-27", "--limit", "1").out
    assert "Lithuania leaves Ottawa Convention (Wire)" in out and "Kharkiv" not in out
    assert "… and 1 more development (--limit 0 shows all)" in out
    out = digest(cli, "--date", "2025-06-27", "--limit", "1", "--format", "markdown").out
    assert "Kharkiv" not in out and "- … and 1 more development" in out
    out = digest(cli, "--date", "2025-06-27", "--limit", "0").out
    assert "Kharkiv" in out and "more development" not in out
    d = json.loads(digest(cli, "--date", "2025-06-27", "--limit", "1", "--format", "json").out)
    assert len(d["clusters"]) == 2  # json always has every development
    assert cli("digest", "--limit", "-1").code == 2


def test_empty_period_says_so_in_one_line(cli, news):
    out = digest(cli, "--date", "2024-01-01").out
    assert out.strip().splitlines() == [
        "minewatch digest: no mine-related stories from 2024-01-01 00:00 to 2024-01-02 00:00"]


def test_failing_feeds_are_listed(cli, news):
    feed = news.conn.execute("SELECT id FROM feeds WHERE name = 'Daily'").fetchone()[0]
    news.update_feed(feed, {"last_error": "http 503", "error_count": 3})
    out = digest(cli, "--date", "2025-06-27").out
    assert "Daily: http 503 (3 in a row)" in out


def test_date_is_a_local_calendar_day(cli, news, monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Auckland")  # UTC+12 in June
    time.tzset()
    d = json.loads(digest(cli, "--date", "2025-06-28", "--format", "json").out)
    assert d["period"]["start"] == "2025-06-27T12:00:00Z"
    assert d["totals"]["stories"] == 1  # only the 14:00 UTC story falls on the 28th there


def test_bad_options(cli, news):
    run = cli("digest", "--date", "27/06/2025")
    assert run.code == 2 and "--date" in run.err
    run = cli("digest", "--date", "2025-06-27", "--since", "24h")
    assert run.code == 2
    run = cli("digest", "--since", "2062-01-01")  # a typo for 2026 is no empty digest
    assert run.code == 2 and run.out == "" and "--since 2062-01-01 is in the future" in run.err


def test_timeline_counts_developments_per_period(cli, news):
    run = cli("timeline", "--by", "day", "--format", "json")
    periods = {p["period"]: p for p in json.loads(run.out)["periods"]}
    assert periods["2025-06-27"]["clusters"] == 2
    assert periods["2025-06-20"]["clusters"] == 1
    assert periods["2025-06-23"]["clusters"] == 0  # empty days are shown too
    assert periods["2025-06-27"]["main"]["size"] == 3
    assert "first Ottawa Convention story" in periods["2025-06-27"]["firsts"]
    assert periods["2025-06-27"]["events"] == ["LT withdraw"]


def test_timeline_split_and_filters(cli, news):
    data = json.loads(cli("timeline", "--by", "week", "--split", "country",
                          "--format", "json").out)
    assert set(data["series"]) == {"LT", "UA", "LV"}
    week = next(p for p in data["periods"] if p["period"] == "2025-06-23")
    assert week["split"]["LT"] == 1 and week["split"]["UA"] == 1
    data = json.loads(cli("timeline", "--country", "UA", "--format", "json").out)
    assert sum(p["clusters"] for p in data["periods"]) == 1
    text = cli("timeline", "--by", "month").out
    assert "2025-06" in text and "█" in text and "Lithuania leaves" in text


def test_timeline_empty_and_bad_values(cli, news):
    run = cli("timeline", "--since", "2030-01-01")
    assert run.code == 0 and "no mine-related stories" in run.out
    assert cli("timeline", "--by", "year").code == 2


def test_a_long_quiet_stretch_is_one_line_of_the_timeline(cli):
    fill({"Archive": [
        item("a-1", "Ottawa Convention signed", "Over 120 states signed the Ottawa Convention.",
             "1997-12-03T12:00:00Z", tags=(OTTAWA,)),
        item("a-2", "Deminers clear anti-personnel mines near Kharkiv", "Sappers cleared it.",
             "2025-06-27T14:00:00Z", tags=(AP,)),
        item("a-3", "Deminers clear anti-personnel mines near Izium", "Sappers cleared it.",
             "2025-06-30T14:00:00Z", tags=(AP,)),
    ]})
    lines = cli("timeline", "--by", "day").out.splitlines()
    assert "nothing for 10,067 days, 1997-12-04 to 2025-06-26" in "\n".join(lines)
    assert len(lines) < 20  # not one line for each of the ten thousand empty days
    assert any(line.startswith("2025-06-28  0") for line in lines)  # a short gap is drawn
    run = cli("timeline", "--by", "day", "--format", "json")
    assert len(json.loads(run.out)["periods"]) == 10_072  # JSON keeps every period


def test_the_totals_line_says_one_story_and_one_source_in_the_singular(cli):
    fill({"Wire": [item("s-1", "Deminers clear anti-personnel mines near Kharkiv",
                        "Sappers cleared it.", "2025-06-27T14:00:00Z", tags=(AP,))]})
    out = digest(cli, "--date", "2025-06-27").out
    assert "1 story in 1 development from 1 source (period before: 0 stories, +1)" in out
