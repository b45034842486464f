"""Feed lists in and out: OPML from other feed readers, and our own feeds file format.

Users arrive with an OPML export from whatever reader they used before, and want theirs back
out. Readers disagree on the details (OPML 1.0 or 2.0, folders as nested outlines, `xmlUrl`
spelt in any case, a name in `title` or only in `text`), so reading is forgiving about shape
and strict about safety: a DOCTYPE is cut out before parsing, so no entity it declares
(an expansion bomb, an external file) can ever be expanded.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

import yaml

from minewatch.atomfeed import clean_xml_text, xml_document
from minewatch.config import MAX_NAME
from minewatch.errors import UsageError
from minewatch.models import FeedSpec
from minewatch.textclean import shorten, terminal_safe
from minewatch.urls import as_uri, feed_url_key, is_web_address


def read_opml(data: bytes) -> list[FeedSpec]:
    """The feeds an OPML document lists, in document order, each url once (see read_outlines)."""
    return read_outlines(data)[0]


def read_outlines(data: bytes) -> tuple[list[FeedSpec], list[str]]:
    """The feeds an OPML document lists, in document order, each url once, and the `xmlUrl`
    values that are no address to fetch (not http(s), no host, a bad port), to report.

    Outlines without an `xmlUrl` are folders (their children are still read). Raises
    UsageError when the bytes are not OPML.
    """
    root = _parse_safely(data)
    if _local_name(root.tag).lower() != "opml":
        raise UsageError(f"not an OPML file: the root element is <{_local_name(root.tag)}>")
    feeds: list[FeedSpec] = []
    refused: list[str] = []
    seen: set[str] = set()
    for outline in _outlines(root):
        attrs = {_local_name(name).lower(): value for name, value in outline.attrib.items()}
        if not (attrs.get("xmlurl") or "").strip():
            continue  # a folder
        spec = _outline_feed(attrs)
        if spec is None:
            refused.append(attrs["xmlurl"].strip())
            continue
        key = feed_url_key(spec.url)
        if key not in seen:
            seen.add(key)
            feeds.append(spec)
    return feeds, refused


def write_opml(feeds: Sequence[FeedSpec], title: str = "minewatch feeds") -> bytes:
    """An OPML 2.0 document (UTF-8) listing the feeds flat, in the order given."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = clean_xml_text(title)
    body = ET.SubElement(opml, "body")
    for feed in feeds:
        url = clean_xml_text(feed.url)
        attrs = {"type": "rss", "text": clean_xml_text(feed.name or feed.url)}
        if feed.name:
            attrs["title"] = clean_xml_text(feed.name)
        attrs["xmlUrl"] = url
        ET.SubElement(body, "outline", attrs)
    ET.indent(opml)
    return xml_document(opml)


def merge_feeds(
    existing: Sequence[FeedSpec], incoming: Sequence[FeedSpec]
) -> tuple[list[FeedSpec], list[FeedSpec], list[FeedSpec]]:
    """(merged, added, skipped_duplicates) after adding incoming feeds to existing ones.

    Existing feeds stay first and unchanged (their names and settings win); an incoming
    feed is skipped when its url, normalised by feed_url_key, is already there. An incoming
    name already taken gets its host added ("News (example.org)"), or is left out, since
    the feeds file needs each name once.
    """
    seen = {feed_url_key(feed.url) for feed in existing}
    names = {feed.name for feed in existing if feed.name}
    added: list[FeedSpec] = []
    skipped: list[FeedSpec] = []
    for feed in incoming:
        key = feed_url_key(feed.url)
        if key in seen:
            skipped.append(feed)
            continue
        seen.add(key)
        if feed.name in names:
            feed = replace(feed, name=_name_with_host(feed.name, feed.url, names))
        if feed.name:
            names.add(feed.name)
        added.append(feed)
    return [*existing, *added], added, skipped


def _name_with_host(name: str, url: str, taken: set[str]) -> str | None:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    room = MAX_NAME - len(host) - 3  # the name, shortened if need be, and " (host)"
    if not host or room < 10:
        return None
    longer = f"{shorten(name, room)} ({host})"
    return longer if longer not in taken else None


def dump_feeds_yaml(feeds: Sequence[FeedSpec]) -> str:
    """The feeds in the feeds file format (`feeds:` list of url, name, keep, interval).

    Names are written only when set, intervals only when set and above zero.
    """
    items = []
    for feed in feeds:
        item: dict[str, str] = {"url": feed.url}
        if feed.name:
            item["name"] = feed.name
        item["keep"] = feed.keep
        if feed.interval:  # unset or zero: no limit, and the feeds file refuses "0s"
            item["interval"] = format_interval(feed.interval)
        items.append(item)
    return yaml.safe_dump(
        {"feeds": items}, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )


def format_interval(seconds: float) -> str:
    """A poll interval as the feeds file writes it: "1h", "30m", "90s" (whole seconds).

    The largest of hours, minutes or seconds that divides the interval exactly, so reading
    the text back gives the same number of seconds.
    """
    if seconds < 0:
        raise ValueError(f"a poll interval cannot be negative: {seconds}")
    whole = max(round(seconds), 1) if seconds > 0 else 0
    for unit, size in (("h", 3600), ("m", 60)):
        if whole and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


# --- reading -------------------------------------------------------------------------------


def _parse_safely(data: bytes) -> ET.Element:
    """The document's root element, parsed with any DOCTYPE removed first."""
    try:
        root = ET.fromstring(_without_doctype(data))
    except ET.ParseError as exc:
        raise UsageError(f"not an OPML file: {exc}") from None
    except LookupError as exc:  # the XML declaration names an encoding Python does not know
        raise UsageError(f"not an OPML file: {exc}") from None
    return root


def _without_doctype(data: bytes) -> bytes | str:
    """The document with its DOCTYPE declaration (and internal subset) cut out.

    Without a DOCTYPE, expat knows only the five predefined entities: any other entity
    reference is a plain parse error, never an expansion or a file read.
    UTF-16/32 documents (marked by a BOM) come back decoded, since the byte scan below
    relies on an ASCII-compatible encoding; others come back as bytes, so the parser
    still honours their declared encoding.
    """
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise UsageError(f"not an OPML file: {exc.reason}") from None
            return _cut_doctype(text)
    # Latin-1 maps each byte to one character, so the cut is exact and reversible.
    return _cut_doctype(data.decode("latin-1")).encode("latin-1")


_DOCTYPE_START = re.compile(r"<!DOCTYPE", re.IGNORECASE)


def _cut_doctype(text: str) -> str:
    """Every DOCTYPE cut out, including one that an earlier cut brought together."""
    while (match := _DOCTYPE_START.search(text)) is not None:
        end = _doctype_end(text, match.end())
        text = text[: match.start()] + text[end:]
    return text


def _doctype_end(text: str, i: int) -> int:
    """Index just past the `>` closing a DOCTYPE, skipping quoted strings, comments and
    the bracketed internal subset; the end of the text when it never closes."""
    depth = 0
    while i < len(text):
        char = text[i]
        if char in "\"'":
            close = text.find(char, i + 1)
            i = len(text) if close < 0 else close + 1
            continue
        if text.startswith("<!--", i):
            close = text.find("-->", i + 4)
            i = len(text) if close < 0 else close + 3
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == ">" and depth == 0:
            return i + 1
        i += 1
    return len(text)


def _outlines(root: ET.Element) -> Iterator[ET.Element]:
    """Every outline in the body, at any depth, in document order."""
    for element in root.iter():
        if _local_name(element.tag).lower() == "outline":
            yield element


def _outline_feed(attrs: dict[str, str]) -> FeedSpec | None:
    url = as_uri(attrs.get("xmlurl") or "")  # "my feed.xml", as some readers export it
    if not is_web_address(url):
        return None
    name = (attrs.get("title") or "").strip() or (attrs.get("text") or "").strip()
    # Some readers repeat the url as the name when a feed has no title: that is no name.
    if name == url:
        name = ""
    name = shorten(terminal_safe(" ".join(name.split())), MAX_NAME)  # as the feeds file allows
    return FeedSpec(url=url, name=name or None)


def _local_name(tag: str) -> str:
    """A tag or attribute name without its `{namespace}` part."""
    return tag.rsplit("}", 1)[-1]
