"""OPML in and out, merging feed lists, and writing the feeds file.

Each file under tests/opml/ imitates what some feed reader exports and sits beside
NAME.expected.json: either {"feeds": [{url, name}]} or {"error": "<start of the message>"}.
"""

from __future__ import annotations

import codecs
import json
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from minewatch.atomfeed import clean_xml_text
from minewatch.config import MAX_NAME, parse_feeds
from minewatch.errors import UsageError
from minewatch.models import FeedSpec
from minewatch.opml import (
    dump_feeds_yaml,
    format_interval,
    merge_feeds,
    read_opml,
    write_opml,
)
from minewatch.textclean import shorten
from minewatch.urls import feed_url_key

OPML_DIR = Path(__file__).parent / "opml"
OPML_FILES = sorted(OPML_DIR.glob("*.opml"))


def expectation(path: Path) -> dict:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def test_every_fixture_has_expectations():
    assert len(OPML_FILES) >= 7
    for path in OPML_FILES:
        assert path.with_suffix(".expected.json").exists(), path.name


@pytest.mark.parametrize("path", OPML_FILES, ids=lambda p: p.stem)
def test_reader_exports(path: Path):
    expected = expectation(path)
    data = path.read_bytes()
    if "error" in expected:
        with pytest.raises(UsageError) as caught:
            read_opml(data)
        assert str(caught.value).startswith(expected["error"])
        return
    feeds = read_opml(data)
    assert [{"url": f.url, "name": f.name} for f in feeds] == expected["feeds"]
    assert all(f.keep == "relevant" and f.interval is None for f in feeds)


def test_entity_bomb_is_refused_without_expanding():
    started = time.perf_counter()
    with pytest.raises(UsageError):
        read_opml((OPML_DIR / "entity-bomb.opml").read_bytes())
    assert time.perf_counter() - started < 1.0


def test_utf16_export_with_bom_and_doctype():
    text = (OPML_DIR / "nested-folders-opml2.opml").read_text(encoding="utf-8")
    text = text.replace('encoding="UTF-8"?>', 'encoding="UTF-16"?>\n<!DOCTYPE opml>', 1)
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    expected = expectation(OPML_DIR / "nested-folders-opml2.opml")["feeds"]
    assert [f.name for f in read_opml(data)] == [f["name"] for f in expected]


def test_declared_single_byte_encoding_is_honoured():
    data = (
        '<?xml version="1.0" encoding="windows-1252"?>'
        '<opml version="1.0"><body><outline text="Déminage – actualités" '
        'xmlUrl="https://demine.example.fr/rss"/></body></opml>'
    ).encode("cp1252")
    assert read_opml(data)[0].name == "Déminage – actualités"


def test_unfetchable_outlines_are_left_out_and_names_cleaned():
    data = (
        b'<opml version="2.0"><body>'
        b'<outline text="Port" xmlUrl="https://a.example.org:99999/rss"/>'
        b'<outline text="Bracket" xmlUrl="https://[::1/rss"/>'
        b'<outline text="Mail" xmlUrl="mailto:desk@example.org"/>'
        b'<outline text="Good" xmlUrl="https://b.example.org/rss"/>'
        b'<outline text="Spaced" xmlUrl=" https://c.example.org/my feed.xml "/>'
        b'<outline text="\xe2\x80\xaeReversed" xmlUrl="https://d.example.org/rss"/>'
        b"</body></opml>"
    )
    assert [(f.name, f.url) for f in read_opml(data)] == [
        ("Good", "https://b.example.org/rss"), ("Spaced", "https://c.example.org/my%20feed.xml"),
        ("Reversed", "https://d.example.org/rss")]


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"not xml at all", b"<opml><body>", b"\xff\xfe\x00",
     b'<?xml version="1.0" encoding="UTF-99"?><opml version="2.0"><body/></opml>'],
    ids=["empty", "blank", "text", "unclosed", "bad-utf16", "unknown-encoding"],
)
def test_garbage_is_a_usage_error(data: bytes):
    with pytest.raises(UsageError, match="^not an OPML file: "):
        read_opml(data)


def test_doctype_hidden_in_a_comment_does_not_let_a_real_one_through():
    data = (
        b'<?xml version="1.0"?><!-- <!DOCTYPE --> <!DOCTYPE opml [<!ENTITY x "expanded">]>'
        b'<opml version="2.0"><body><outline text="&x;" xmlUrl="https://a.example.org/"/>'
        b"</body></opml>"
    )
    try:
        feeds = read_opml(data)
    except UsageError:
        return
    assert all(f.name != "expanded" for f in feeds)


# --- writing and reading back ---------------------------------------------------------------

SAMPLE_FEEDS = [
    FeedSpec("https://monitor.example.org/rss.xml", "Landmine Monitor"),
    FeedSpec("https://wire.example.com/feed?a=1&b=2", "<b>Mines</b> & 'treaty' \"quoted\""),
    FeedSpec("https://razminirovanie.example.ru/rss", "Разминирование"),
    FeedSpec("https://cmac.example.kh/feed", "ការបោសសម្អាតមីន"),
    FeedSpec("https://alghaam.example.org/rss.xml", "أخبار الألغام"),
    FeedSpec("https://nameless.example.org/atom", None, keep="all", interval=3600),
]


def test_write_then_read_keeps_urls_and_names():
    back = read_opml(write_opml(SAMPLE_FEEDS))
    assert [(f.url, f.name) for f in back] == [(f.url, f.name) for f in SAMPLE_FEEDS]


def test_written_opml_is_opml_2_with_required_text():
    data = write_opml(SAMPLE_FEEDS, title="Analyst's feeds & more")
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b'<opml version="2.0">' in data
    assert b"<title>Analyst's feeds &amp; more</title>" in data
    assert "Разминирование".encode() in data  # written as UTF-8, not character references
    # OPML 2.0 requires text on every outline: a nameless feed shows its url
    assert b'text="https://nameless.example.org/atom"' in data
    assert data.count(b'type="rss"') == len(SAMPLE_FEEDS)


def test_write_strips_characters_xml_cannot_hold():
    data = write_opml([FeedSpec("https://a.example.org/rss", "Mines\x00 ban\x1b\x07 news")])
    assert read_opml(data)[0].name == "Mines ban news"


def test_write_empty_list_reads_back_empty():
    assert read_opml(write_opml([])) == []


web_urls = st.builds(
    "{}://{}.example.org/{}".format,
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._~/?=&%-]{0,30}", fullmatch=True),
)


@given(st.lists(st.tuples(web_urls, st.none() | st.text()), max_size=8))
def test_round_trip_any_names(pairs: list[tuple[str, str | None]]):
    feeds = [FeedSpec(url, name) for url, name in pairs]
    expected: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for feed in feeds:
        if feed_url_key(feed.url) in seen:
            continue
        seen.add(feed_url_key(feed.url))
        name = shorten(" ".join(clean_xml_text(feed.name or "").split()), MAX_NAME) or None
        expected.append((feed.url, None if name == feed.url else name))
    assert [(f.url, f.name) for f in read_opml(write_opml(feeds))] == expected


# --- merging ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://monitor.example.org/rss/", "https://monitor.example.org/rss"),
        ("HTTPS://Monitor.Example.ORG/rss", "https://monitor.example.org/rss"),
        ("https://monitor.example.org:443/rss", "https://monitor.example.org/rss"),
        ("http://monitor.example.org:80/", "http://monitor.example.org"),
        ("https://monitor.example.org/rss#top", "https://monitor.example.org/rss"),
        (" https://monitor.example.org/rss ", "https://monitor.example.org/rss"),
    ],
)
def test_url_key_treats_as_same(a: str, b: str):
    assert feed_url_key(a) == feed_url_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://monitor.example.org/RSS", "https://monitor.example.org/rss"),
        ("http://monitor.example.org/rss", "https://monitor.example.org/rss"),
        ("https://monitor.example.org/rss?lang=en", "https://monitor.example.org/rss?lang=fr"),
        ("https://monitor.example.org:8443/rss", "https://monitor.example.org/rss"),
    ],
)
def test_url_key_keeps_apart(a: str, b: str):
    assert feed_url_key(a) != feed_url_key(b)


def test_url_key_survives_broken_urls():
    assert feed_url_key("http://[::1/rss") == "http://[::1/rss"
    assert feed_url_key("http://Host.example.org:notaport/") == "http://host.example.org:notaport"


def test_merge_reports_added_and_skipped():
    existing = [
        FeedSpec("https://monitor.example.org/rss/", "Monitor", keep="all", interval=1800, line=2),
        FeedSpec("https://treaty.example.net/feed", "Treaty"),
    ]
    incoming = [
        FeedSpec("https://Monitor.example.org/rss", "Monitor from another reader"),
        FeedSpec("https://new.example.org/atom", "New one"),
        FeedSpec("https://treaty.example.net/feed/", None),
        FeedSpec("https://new.example.org/atom/", "New one again"),
        FeedSpec("https://second.example.org/rss", None),
    ]
    merged, added, skipped = merge_feeds(existing, incoming)
    assert added == [incoming[1], incoming[4]]
    assert skipped == [incoming[0], incoming[2], incoming[3]]
    assert merged == [*existing, incoming[1], incoming[4]]
    assert merged[0].name == "Monitor" and merged[0].interval == 1800  # existing settings win


def test_merge_gives_a_taken_name_its_host_or_no_name():
    existing = [FeedSpec("https://a.example.org/rss", "News")]
    incoming = [FeedSpec("https://www.b.example.org/rss", "News"),
                FeedSpec("https://b.example.org/atom", "News"),
                FeedSpec("https://c.example.org/rss", "Other")]
    merged, added, _ = merge_feeds(existing, incoming)
    assert [f.name for f in added] == ["News (b.example.org)", None, "Other"]
    back = parse_feeds(dump_feeds_yaml(merged), "merged.yaml")  # loads: every name once
    assert [f.label for f in back] == [
        "News", "News (b.example.org)", "https://b.example.org/atom", "Other"]


@pytest.mark.parametrize(("second", "error"), [
    ("  - url: HTTP://A.example.org/rss/#top\n", "merged.yaml:4: duplicate url "
     "HTTP://A.example.org/rss/#top (the feed on line 2)"),
    ("  - url: https://b.example.org/rss\n    name: News\n", "merged.yaml:4: duplicate name "
     "'News' (also on line 2): give each feed its own"),
])
def test_the_feeds_file_names_each_feed_once(second: str, error: str):
    text = "feeds:\n  - url: http://a.example.org/rss\n    name: News\n" + second
    with pytest.raises(UsageError) as raised:
        parse_feeds(text, "merged.yaml")
    assert str(raised.value) == error


def test_names_too_long_for_the_feeds_file_are_shortened_to_fit():
    title = "Landmine Monitor " * 30  # 510 characters
    opml = ('<opml version="2.0"><body>'
            f'<outline type="rss" xmlUrl="https://a.example.org/rss" title="{title}"/>'
            f'<outline type="rss" xmlUrl="https://b.example.org/rss" title="{title}"/>'
            "</body></opml>").encode()
    merged, added, _ = merge_feeds([], read_opml(opml))
    assert [len(f.name or "") <= MAX_NAME for f in added] == [True, True]
    assert added[1].name and added[1].name.endswith("… (b.example.org)")
    assert len(parse_feeds(dump_feeds_yaml(merged), "merged.yaml")) == 2  # and it loads


def test_merge_into_nothing_and_of_nothing():
    feeds = [FeedSpec("https://a.example.org/rss"), FeedSpec("https://b.example.org/rss")]
    assert merge_feeds([], feeds) == (feeds, feeds, [])
    assert merge_feeds(feeds, []) == (feeds, [], [])


def test_merge_an_imported_file():
    existing = [FeedSpec("https://monitor.example.org/rss/", "Monitor")]
    incoming = read_opml((OPML_DIR / "duplicates.opml").read_bytes())
    merged, added, skipped = merge_feeds(existing, incoming)
    assert [f.name for f in skipped] == ["Monitor"]
    assert len(merged) == len(existing) + len(added) == 4


# --- the feeds file ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (3600, "1h"),
        (1800, "30m"),
        (90, "90s"),
        (5400, "90m"),
        (86400, "24h"),
        (7200.0, "2h"),
        (45, "45s"),
        (3601, "3601s"),
        (0, "0s"),
        (0.3, "1s"),
        (89.6, "90s"),
    ],
)
def test_format_interval(seconds: float, text: str):
    assert format_interval(seconds) == text


def test_format_interval_refuses_negative():
    with pytest.raises(ValueError):
        format_interval(-60)


@given(st.integers(min_value=0, max_value=10**7))
def test_format_interval_reads_back_exactly(seconds: int):
    text = format_interval(seconds)
    unit = {"h": 3600, "m": 60, "s": 1}[text[-1]]
    assert int(text[:-1]) * unit == seconds


def test_dump_feeds_yaml_is_the_feeds_file_format():
    text = dump_feeds_yaml(SAMPLE_FEEDS)
    assert text.startswith("feeds:\n")
    data = yaml.safe_load(text)
    assert data["feeds"][0] == {
        "url": "https://monitor.example.org/rss.xml",
        "name": "Landmine Monitor",
        "keep": "relevant",
    }
    assert data["feeds"][-1] == {
        "url": "https://nameless.example.org/atom",
        "keep": "all",
        "interval": "1h",
    }
    assert [item.get("name") for item in data["feeds"]] == [f.name for f in SAMPLE_FEEDS]
    assert "Разминирование" in text  # readable, not \u escapes


def test_dump_feeds_yaml_of_nothing():
    assert yaml.safe_load(dump_feeds_yaml([])) == {"feeds": []}


def test_opml_to_yaml_end_to_end():
    feeds = read_opml((OPML_DIR / "nested-folders-opml2.opml").read_bytes())
    data = yaml.safe_load(dump_feeds_yaml(feeds))
    assert [item["url"] for item in data["feeds"]] == [f.url for f in feeds]


def test_dumped_yaml_loads_back_through_the_feeds_file_reader():
    feeds = [
        *SAMPLE_FEEDS,
        FeedSpec("https://odd.example.org/rss", "yes", interval=5400),
        FeedSpec("https://odd.example.org/atom", "null: # not a comment", interval=90),
        FeedSpec("https://zero.example.org/rss", "Zero interval", interval=0),
    ]
    back = parse_feeds(dump_feeds_yaml(feeds), "exported.yaml")
    assert [(f.url, f.name, f.keep, f.interval or None) for f in back] == [
        (f.url, f.name, f.keep, f.interval or None) for f in feeds
    ]
