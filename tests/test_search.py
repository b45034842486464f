"""`minewatch search` and `show` over a real SQLite file filled through the store."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from storyfactory import fill, item

AP = ("mine_type", "antipersonnel", "anti-personnel")


@pytest.fixture
def stories():
    return fill({
        "Wire": [
            item("lt-1", "Lithuania deposits withdrawal from Ottawa Convention",
                 "Vilnius said the withdrawal from the anti-personnel mine ban takes effect in "
                 "six months.", "2025-06-27T10:00:00Z",
                 tags=(AP, ("treaty", "ottawa", "Ottawa Convention"),
                       ("country", "LT", "Lithuania"))),
            item("ua-1", "US to send non-persistent anti-personnel mines to Ukraine",
                 "The mines self-deactivate after a set period, officials said.",
                 "2024-11-20T15:00:00Z",
                 tags=(AP, ("persistence", "nonpersistent", "non-persistent"),
                       ("country", "US", "US"), ("country", "UA", "Ukraine"))),
            item("kh-1", "Deminers clear anti personnel mines in Battambang",
                 "Cambodia's clearance teams removed 120 mines.", "2025-03-02T08:00:00Z",
                 tags=(("mine_type", "antipersonnel", "anti personnel"),
                       ("country", "KH", "Cambodia"))),
        ],
        "Relief": [
            item("co-1", "Colombia landmine survivors demand support",
                 "Coal mining towns are not the story here: landmine victims are.",
                 "2025-04-10T12:00:00Z", tags=(("country", "CO", "Colombia"),)),
            item("tr-1", "Türkiye clears antitank mines on the Syrian border",
                 "Україна watched the operation closely.", "2025-05-05T09:00:00Z",
                 tags=(("mine_type", "antitank", "antitank"), ("country", "TR", "Türkiye"))),
            item("fi-1", "Finland parliament votes to leave mine ban treaty",
                 "Helsinki cited the security situation; the Ottawa Convention exit follows.",
                 "2025-06-19T11:00:00Z",
                 tags=(("treaty", "ottawa", "Ottawa Convention"),
                       ("country", "FI", "Finland"))),
        ],
    })


def ids(run) -> list[int]:
    return [r["id"] for r in json.loads(run.out)]


def titles(run) -> set[str]:
    return {r["title"] for r in json.loads(run.out)}


def search(cli, *args: str):
    return cli("search", *args, "--format", "json")


def test_plain_words_all_must_match(cli, stories):
    assert titles(search(cli, "withdrawal ottawa")) == {
        "Lithuania deposits withdrawal from Ottawa Convention"}


@pytest.mark.parametrize(("query", "expected"), [
    ('"mine ban treaty"', {"Finland parliament votes to leave mine ban treaty"}),
    ("deposit*", {"Lithuania deposits withdrawal from Ottawa Convention"}),
    ("Cambodia OR Colombia", {"Deminers clear anti personnel mines in Battambang",
                              "Colombia landmine survivors demand support"}),
    ("mines -Battambang", {"US to send non-persistent anti-personnel mines to Ukraine",
                           "Deminers clear anti personnel mines in Battambang",
                           "Türkiye clears antitank mines on the Syrian border"} -
     {"Deminers clear anti personnel mines in Battambang"}),
    ("mines NOT Türkiye", {"US to send non-persistent anti-personnel mines to Ukraine",
                           "Deminers clear anti personnel mines in Battambang"}),
    ("withdraw* NEAR ottawa", {"Lithuania deposits withdrawal from Ottawa Convention"}),
    ("title:ottawa", {"Lithuania deposits withdrawal from Ottawa Convention"}),
    ("anti-personnel", {"US to send non-persistent anti-personnel mines to Ukraine",
                        "Deminers clear anti personnel mines in Battambang",
                        "Lithuania deposits withdrawal from Ottawa Convention"}),
    ("turkiye", {"Türkiye clears antitank mines on the Syrian border"}),
    ("Україна", {"Türkiye clears antitank mines on the Syrian border"}),
])
def test_operators(cli, stories, query, expected):
    run = search(cli, query)
    assert run.code == 0, run.err
    assert titles(run) == expected


def test_title_weighs_more_than_summary(cli, stories):
    ranked = [r["title"] for r in json.loads(search(cli, "ottawa").out)]
    assert ranked[0] == "Lithuania deposits withdrawal from Ottawa Convention"
    assert ranked[-1] == "Finland parliament votes to leave mine ban treaty"


def test_filters_alone_and_combined(cli, stories):
    assert len(ids(search(cli, "", "--tag", "antipersonnel"))) == 3
    assert titles(search(cli, "", "--tag", "antipersonnel", "--tag", "nonpersistent")) == {
        "US to send non-persistent anti-personnel mines to Ukraine"}
    assert len(ids(search(cli, "", "--country", "LT", "--country", "FI"))) == 2
    assert len(ids(search(cli, "", "--source", "relief"))) == 3
    assert titles(search(cli, "", "--since", "2025-06-01", "--until", "2025-06-20")) == {
        "Finland parliament votes to leave mine ban treaty"}
    assert titles(search(cli, "mines", "--country", "KH", "--source", "Wire",
                         "--since", "2025-01-01")) == {
        "Deminers clear anti personnel mines in Battambang"}


def test_empty_query_lists_newest_first(cli, stories):
    dates = [r["published"] for r in json.loads(search(cli, "").out)]
    assert dates == sorted(dates, reverse=True) and len(dates) == 6
    oldest = json.loads(cli("search", "mines", "--sort", "oldest", "--format", "json").out)
    assert oldest[0]["published"] == "2024-11-20T15:00:00Z"


def test_limit_and_offset_page_through(cli, stories):
    first = ids(search(cli, "", "--limit", "2"))
    second = ids(search(cli, "", "--limit", "2", "--offset", "2"))
    assert len(first) == 2 and len(second) == 2 and not set(first) & set(second)


@pytest.mark.parametrize("args", [
    ('"unbalanced',), ("mines (ottawa",), ("OR",), ("-coal",),
    ("x", "--since", "yesterday-ish"), ("x", "--until", "2025-13-45"),
    ("x", "--country", "Lithuania"), ("x", "--country", "XX"), ("x", "--tag", "boring"),
    ("x", "--tag", "QQ"),
    ("x", "--source", "Nobody"),
])
def test_bad_input_is_one_line_and_exit_2(cli, stories, args):
    run = cli("search", *args)
    assert run.code == 2
    assert len(run.err.strip().splitlines()) == 1 and "Traceback" not in run.err


HUGE = str(2**80)  # past SQLite's integers: it raised OverflowError as an internal error


@pytest.mark.parametrize("args", [
    ("search", "x", "--offset", HUGE), ("show", HUGE), ("events", "--limit", HUGE),
    ("watch", "show", "w", "--limit", HUGE), ("watch", "feed", "w", "--limit", HUGE),
])
def test_numbers_too_large_for_the_database_are_refused_in_one_line(cli, stories, args):
    run = cli(*args)
    assert run.code == 2 and "not in the range" in run.err
    assert len(run.err.strip().splitlines()) == 1 and "internal error" not in run.err


def test_no_results_is_friendly_and_exit_0(cli, stories):
    run = cli("search", "zanzibar")
    assert run.code == 0 and run.out == "" and "no stories match" in run.err
    assert json.loads(cli("search", "zanzibar", "--format", "json").out) == []


def test_formats_parse_back_with_stable_keys(cli, stories):
    keys = ["id", "title", "url", "published", "source", "tags", "snippet", "score"]
    rows = json.loads(search(cli, "mines").out)
    assert rows and all(list(r) == keys for r in rows)
    assert all("\x02" not in r["snippet"] for r in rows)
    lines = cli("search", "mines", "--format", "jsonl").out.splitlines()
    assert [json.loads(x)["id"] for x in lines] == [r["id"] for r in rows]
    table = list(csv.DictReader(io.StringIO(cli("search", "mines", "--format", "csv").out)))
    assert list(table[0]) == keys and [int(r["id"]) for r in table] == [r["id"] for r in rows]
    ua = next(r for r in rows if "Ukraine" in r["title"])
    assert ua["tags"] == ["antipersonnel", "nonpersistent", "US", "UA"]


def test_table_shows_matched_words_and_fits_the_width(cli, stories):
    out = cli("search", "ottawa").out
    assert "Lithuania deposits withdrawal" in out
    assert all(len(line) <= 100 for line in out.splitlines())
    assert "\x1b" not in out  # piped: plain


def test_show_groups_tags_with_sentences(cli, stories):
    story_id = ids(search(cli, "title:Lithuania"))[0]
    data = json.loads(cli("show", str(story_id), "--format", "json").out)
    assert data["sources"][0]["source"] == "Wire"
    assert [t["value"] for t in data["tags"]["treaty"]] == ["ottawa"]
    for tags in data["tags"].values():
        for t in tags:
            assert t["evidence"] in t["sentence"]
    text = cli("show", str(story_id)).out
    assert "Lithuania deposits withdrawal" in text and "carried by 1: Wire" in text
    assert "antipersonnel" in text


def test_show_unknown_id(cli, stories):
    run = cli("show", "9999")
    assert run.code == 2 and "no story with id 9999" in run.err


def test_missing_database_is_not_created_by_a_read(cli, isolated):
    run = cli("search", "mines")
    assert run.code == 2 and "minewatch poll" in run.err and "minewatch demo" in run.err
    assert not Path(os.environ["MINEWATCH_DB"]).exists()


def test_database_is_plain_sqlite_for_other_tools(stories):
    import sqlite_utils

    db = sqlite_utils.Database(os.environ["MINEWATCH_DB"])
    assert db["stories"].detect_fts() == "stories_fts"
    found = list(db["stories"].search("Battambang"))
    assert [r["key"] for r in found] == ["kh-1"]


def test_a_database_from_a_newer_minewatch_is_refused_untouched(cli, stories):
    import sqlite3

    db = os.environ["MINEWATCH_DB"]
    stories.close()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO _migrations VALUES ('m900_from_a_later_release', '2027-01-01')")
        before = conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    conn.close()
    run = cli("search", "ottawa")
    assert run.code == 2 and run.out == ""
    assert "newer minewatch" in run.err and "m900_from_a_later_release" in run.err
    assert len(run.err.strip().splitlines()) == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0] == before
        names = [r[0] for r in conn.execute("SELECT name FROM _migrations")]
    conn.close()
    assert names.count("m900_from_a_later_release") == 1


@pytest.mark.parametrize("command", ["search ottawa", "poll --feeds FEEDS", "feeds list"])
def test_another_programs_database_is_refused_untouched(cli, tmp_path, monkeypatch, command):
    import sqlite3

    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - url: http://127.0.0.1:9/feed.xml\n", encoding="utf-8")
    other = tmp_path / "contacts.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('Ada')")
    conn.close()
    monkeypatch.setenv("MINEWATCH_DB", str(other))
    run = cli(*command.replace("FEEDS", str(feeds)).split())
    assert run.code == 2 and run.out == ""
    assert "another program's tables (contacts)" in run.err
    assert len(run.err.strip().splitlines()) == 1
    with sqlite3.connect(other) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert tables == ["contacts"] and journal == "delete"


def test_csv_cells_a_spreadsheet_would_run_are_kept_as_text(cli):
    fill({"Hostile": [item("x-1", '=HYPERLINK("https://evil.example","mines")',
                           "-5 mines, +3 more @ the border", "2025-06-01T00:00:00Z")]})
    [row] = csv.DictReader(io.StringIO(cli("search", "mines", "--format", "csv").out))
    assert row["title"] == '\'=HYPERLINK("https://evil.example","mines")'
    assert row["source"] == "Hostile" and row["id"].isdigit()
    assert json.loads(search(cli, "mines").out)[0]["title"].startswith("=HYPERLINK")  # as stored
