"""The Atom writer: what a feed reader gets when it follows a watch."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minewatch.atomfeed import ATOM_NS, clean_xml_text, render_atom, story_entry_id

UPDATED = "2025-03-04T08:15:00Z"


def story(story_id: int = 1, **fields) -> dict:
    base = {
        "id": story_id,
        "title": "Lithuania leaves the Ottawa Convention",
        "url": f"https://news.example.org/story/{story_id}",
        "summary": "The parliament voted to withdraw from the Mine Ban Treaty.",
        "published": "2025-03-01T10:00:00Z",
        "tags": ["ottawa", "LT"],
    }
    base.update(fields)
    return base


def render(entries, **kwargs) -> bytes:
    options = {"feed_id": "urn:minewatch:watch:baltic", "title": "Watch: baltic"}
    options["updated"] = UPDATED
    options.update(kwargs)
    return render_atom(entries=entries, **options)


def parse(data: bytes):
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_feed_level_fields():
    parsed = parse(render([story(1), story(2)], self_url="https://me.example.org/w.xml?a=1&b=2"))
    assert parsed.feed.id == "urn:minewatch:watch:baltic"
    assert parsed.feed.title == "Watch: baltic"
    assert parsed.feed.updated == UPDATED
    assert parsed.feed.author == "minewatch"
    self_links = [link for link in parsed.feed.links if link.rel == "self"]
    assert [link.href for link in self_links] == ["https://me.example.org/w.xml?a=1&b=2"]
    assert [e.id for e in parsed.entries] == ["urn:minewatch:story:1", "urn:minewatch:story:2"]


def test_entry_fields():
    entry = parse(render([story(42)])).entries[0]
    assert entry.id == story_entry_id(42) == "urn:minewatch:story:42"
    assert entry.title == "Lithuania leaves the Ottawa Convention"
    assert entry.link == "https://news.example.org/story/42"
    assert [link.rel for link in entry.links] == ["alternate"]
    assert entry.summary == "The parliament voted to withdraw from the Mine Ban Treaty."
    assert entry.published == entry.updated == "2025-03-01T10:00:00Z"
    assert [tag.term for tag in entry.tags] == ["ottawa", "LT"]


def test_entry_without_url_tags_or_summary():
    entry = parse(render([story(7, url=None, tags=None, summary="")])).entries[0]
    assert entry.get("links", []) == []
    assert "tags" not in entry
    assert "summary" not in entry


def test_entry_without_published_uses_feed_updated():
    entry = parse(render([story(3, published=None)])).entries[0]
    assert entry.updated == UPDATED


def test_no_entries_is_still_a_feed():
    parsed = parse(render([]))
    assert parsed.entries == []


def test_output_is_well_formed_utf8_with_declaration():
    data = render([story(1, title="Мины")])
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(data)
    assert root.tag == f"{{{ATOM_NS}}}feed"
    assert "Мины".encode() in data  # kept as UTF-8, not character references


@pytest.mark.parametrize(
    "title",
    [
        "<b>Mines</b> & 'treaty'",
        "[bold]x[/]",
        "[link=https://evil.example.org]click[/link] [red]alert",
        'Ends a CDATA section ]]> and quotes "double"',
        "&amp; is already escaped, &lt;b&gt; too",
        "<script>alert(1)</script>",
        "Україна виходить з Оттавської конвенції",
        "កម្ពុជាបោសសម្អាតមីន",
        "الألغام المضادة للأفراد",
        "地雷禁止条約 🚫💣",
    ],
)
def test_titles_and_summaries_round_trip(title: str):
    entry = parse(render([story(1, title=title, summary=title)])).entries[0]
    assert entry.title == title
    assert entry.summary == title


def test_feed_title_round_trips_markup():
    assert parse(render([], title="Watch: <b>Mines</b> & 'treaty'")).feed.title == (
        "Watch: <b>Mines</b> & 'treaty'"
    )


def test_control_characters_are_stripped():
    nasty = "Mines\x00 ban\x07\x08 treaty\x0b\x0c\x1b\x1f\x7f\x85\x91\ufffe\uffff\ud800 ok"
    data = render([story(1, title=nasty, summary=nasty, tags=["ant\x00i", "\x01"])])
    for char in ("\x00", "\x07", "\x1b"):
        assert char.encode() not in data
    entry = parse(data).entries[0]
    assert entry.title == "Mines ban treaty ok"
    assert entry.summary == "Mines ban treaty ok"
    assert [tag.term for tag in entry.tags] == ["anti"]  # a tag left empty is dropped


def test_tabs_line_breaks_and_letters_are_kept():
    assert clean_xml_text("a\tb\nc\rd é ё ñ \xa0€") == "a\tb\nc\rd é ё ñ \xa0€"


def test_link_with_query_and_quotes_round_trips():
    url = "https://news.example.org/s?id=1&lang=uk&q=\"mines\"<x>"
    assert parse(render([story(1, url=url)])).entries[0].link == url


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\r")))
def test_any_text_gives_a_valid_feed(text: str):
    # Carriage returns are left out: XML parsers turn line endings into "\n" by design.
    data = render([story(1, title=text, summary=text)], title=text)
    entry = ET.fromstring(data).find(f"{{{ATOM_NS}}}entry")
    assert entry is not None
    # exact at the XML level; feedparser adds its own clean-ups (stripping, mojibake repair)
    assert entry.findtext(f"{{{ATOM_NS}}}title") == clean_xml_text(text)
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert len(parsed.entries) == 1
