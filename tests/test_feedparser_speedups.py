"""The shortcuts in feedparser_speedups change no result: each method answers as feedparser's
own does, key by key, and feedparser gives the same output for every feed these tests and the
demo carry, with the shortcuts and without them."""

from __future__ import annotations

import copy
import io
import warnings
import xml.sax
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.sax.expatreader import ExpatParser

import feedparser
import feedparser.api
import feedparser.mixin
import pytest
from feedparser.util import FeedParserDict

from minewatch import feedparser_speedups
from minewatch.feedparser_speedups import ORIGINAL_URLJOIN, ORIGINALS

ROOT = Path(__file__).resolve().parent.parent
XML_FEEDS = sorted(
    [*(ROOT / "tests" / "feeds").glob("*.xml"), *(ROOT / "minewatch" / "demo" / "feeds").glob("*")]
)
# Every key the original methods treat apart, and plain ones present and absent
KEYS = sorted(
    feedparser_speedups._COMPUTED_KEYS
    | {"title", "summary", "id", "links", "tags", "published", "absent", "summary_detail"}
)


@contextmanager
def feedparsers_own() -> Iterator[None]:
    """feedparser's own methods back in place for a while."""
    with pytest.MonkeyPatch.context() as patch:
        for name, method in ORIGINALS.items():
            if method is None:
                patch.delattr(FeedParserDict, name)
            else:
                patch.setattr(FeedParserDict, name, method)
        patch.setattr(feedparser.api, "PREFERRED_XML_PARSERS", [
            name for name in feedparser.api.PREFERRED_XML_PARSERS
            if name != feedparser_speedups.__name__])
        patch.setattr(feedparser.mixin, "_urljoin", ORIGINAL_URLJOIN)
        yield


@pytest.mark.skipif(feedparser.__version__ not in feedparser_speedups.REVIEWED,
                    reason="a feedparser release the shortcuts were not checked against")
def test_the_shortcuts_are_in_place_once_the_parser_is_loaded() -> None:
    import minewatch.parse  # noqa: F401  (as the poll's workers load it)

    assert FeedParserDict.get is feedparser_speedups._get
    assert feedparser.mixin._urljoin is feedparser_speedups._urljoin
    assert FeedParserDict.__deepcopy__ is feedparser_speedups._deepcopy
    assert ORIGINALS["get"] is not feedparser_speedups._get
    reader = xml.sax.make_parser(feedparser.api.PREFERRED_XML_PARSERS)  # as feedparser asks
    assert isinstance(reader, feedparser_speedups._WholeTextExpatParser)
    with feedparsers_own():
        assert type(xml.sax.make_parser(feedparser.api.PREFERRED_XML_PARSERS)) is ExpatParser


def _entry() -> FeedParserDict:
    """Something for each computed key: tags, links with an enclosure and a license, a
    published date without an updated one, and keys stored under their new names."""
    entry = FeedParserDict()
    for key, value in [
        ("tags", [FeedParserDict(term="mines", scheme=None, label=None)]),
        ("links", [FeedParserDict(rel="enclosure", href="https://a.example/a.mp3", type="a"),
                   FeedParserDict(rel="license", href="https://a.example/cc"),
                   FeedParserDict(rel="alternate", href="https://a.example/1")]),
        ("published", "Mon, 01 Jun 2026 09:00:00 GMT"),
        ("published_parsed", (2026, 6, 1, 9, 0, 0, 0, 152, 0)),
        ("summary", "Deminers cleared 40 hectares."),
        ("id", "urn:a:1"),
    ]:
        dict.__setitem__(entry, key, value)
    return entry


def _answers(entry: FeedParserDict) -> list[object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # feedparser's "updated" notice
        return [(key, entry.get(key, "default"), key in entry, entry.has_key(key))
                for key in KEYS]


@pytest.mark.parametrize("make", [_entry, FeedParserDict], ids=["full", "empty"])
def test_every_key_reads_as_feedparser_reads_it(make: type[FeedParserDict]) -> None:
    with feedparsers_own():
        expected = _answers(make())
    assert _answers(make()) == expected


def test_every_key_is_stored_where_feedparser_stores_it() -> None:
    for key in KEYS:
        ours = FeedParserDict()
        ours[key] = 1
        with feedparsers_own():
            theirs = FeedParserDict()
            theirs[key] = 1
        assert dict(ours) == dict(theirs), key


def test_a_deep_copy_is_deep_and_of_the_same_class() -> None:
    entry = _entry()
    entry.note = ["an attribute"]  # kept in the instance's __dict__
    copied = copy.deepcopy(entry)
    with feedparsers_own():
        theirs = copy.deepcopy(entry)
    assert type(copied) is FeedParserDict
    assert copied == theirs and copied.__dict__ == theirs.__dict__ == {"note": ["an attribute"]}
    copied["tags"][0]["term"] = "changed"
    copied.note.append("more")
    assert entry["tags"][0]["term"] == "mines" and entry.note == ["an attribute"]
    looped = FeedParserDict(name="a")
    dict.__setitem__(looped, "self", looped)
    again = copy.deepcopy(looped)
    assert again["self"] is again and again is not looped


def _parsed(path: Path) -> tuple[str, str]:
    result = feedparser.parse(io.BytesIO(path.read_bytes()), sanitize_html=False,
                              resolve_relative_uris=False)
    problem = result.pop("bozo_exception", None)  # an exception equals only itself
    return repr(result), repr(problem)


@pytest.mark.parametrize("path", XML_FEEDS, ids=lambda p: p.name)
def test_feedparser_gives_the_same_result_with_and_without_them(path: Path) -> None:
    with feedparsers_own():
        expected = _parsed(path)
    assert _parsed(path) == expected


@pytest.mark.parametrize("base, uri", [
    ("", ""), ("", "http://a.example/x"), ("http://a.example/x/", ""),
    ("http://a.example/x/", "../y?q=1#f"), ("", "//a.example/x"), (b"", b""), (None, ""),
    ("", "http:///a.example"), ("http://a.example/", "javascript:alert(1)"),
])
def test_a_base_address_is_joined_as_feedparser_joins_it(base, uri) -> None:
    def outcome(join):  # the answer, or the kind of error raised instead
        try:
            return join(base, uri)
        except Exception as exc:
            return type(exc)

    assert outcome(feedparser_speedups._urljoin) == outcome(ORIGINAL_URLJOIN)
