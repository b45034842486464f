"""Write a watch's matches as an Atom 1.0 document, so any feed reader can follow a watch.

Story text comes from other people's feeds and may hold anything: markup, ampersands,
"]]>", control characters. ElementTree does the escaping; we only drop the characters
XML 1.0 cannot carry at all, since no escape exists for them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

ATOM_NS = "http://www.w3.org/2005/Atom"
GENERATOR = "minewatch"

# Characters outside XML 1.0's Char production: C0 controls other than tab, newline and
# carriage return, lone surrogates, and the two non-characters U+FFFE and U+FFFF.
# DEL and the C1 controls are allowed but discouraged by the XML spec, and readers disagree
# on them (some re-decode them as Windows-1252 quotes), so they go too.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_xml_text(text: str) -> str:
    """Text without control characters (bar tab and line breaks) or anything XML 1.0 forbids."""
    return _XML_UNSAFE.sub("", text)


def story_entry_id(story_id: int) -> str:
    """The Atom id of a stored story: stable across renders, so readers do not repeat it."""
    return f"urn:minewatch:story:{int(story_id)}"


def render_atom(
    *,
    feed_id: str,
    title: str,
    updated: str,
    entries: Sequence[Mapping[str, Any]],
    self_url: str | None = None,
) -> bytes:
    """An Atom 1.0 feed as UTF-8 bytes.

    Each entry is a mapping with id (int), title, url, summary, published (ISO UTC) and
    optionally tags (list of str). Entries are written in the order given.
    """
    # Unprefixed names under a default namespace declared on the root: the usual Atom look.
    feed = ET.Element("feed", xmlns=ATOM_NS)
    _text(feed, "id", feed_id)
    _text(feed, "title", title, type="text")
    _text(feed, "updated", updated)
    if self_url:
        _link(feed, self_url, rel="self", type="application/atom+xml")
    author = ET.SubElement(feed, "author")
    _text(author, "name", GENERATOR)
    _text(feed, "generator", GENERATOR)
    for entry in entries:
        _add_entry(feed, entry, fallback_updated=updated)
    ET.indent(feed)
    return xml_document(feed)


def xml_document(root: ET.Element) -> bytes:
    """A whole UTF-8 XML document with the conventional declaration line."""
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


def _add_entry(feed: ET.Element, entry: Mapping[str, Any], fallback_updated: str) -> None:
    node = ET.SubElement(feed, "entry")
    _text(node, "id", story_entry_id(entry["id"]))
    _text(node, "title", entry.get("title") or "", type="text")
    published = entry.get("published") or fallback_updated
    # Atom requires <updated> on every entry; a stored story changes only when first seen.
    _text(node, "updated", entry.get("updated") or published)
    _text(node, "published", published)
    url = entry.get("url")
    if url:
        _link(node, url, rel="alternate", type="text/html")
    for tag in entry.get("tags") or ():
        term = clean_xml_text(str(tag)).strip()
        if term:
            ET.SubElement(node, "category", term=term)
    summary = entry.get("summary")
    if summary:
        _text(node, "summary", summary, type="text")


def _text(parent: ET.Element, name: str, value: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, name, attrs)
    node.text = clean_xml_text(str(value))
    return node


def _link(parent: ET.Element, href: str, **attrs: str) -> None:
    ET.SubElement(parent, "link", href=clean_xml_text(href), **attrs)
