"""Feed bytes and response headers -> a ParsedFeed of clean stories.

XML feeds (RSS 0.9x/1.0/2.0, Atom 0.3/1.0) go through feedparser, which only ever sees bytes
and headers, never a URL or a path. JSON Feed 1.0/1.1 is read here, since feedparser lacks it.

Before feedparser sees anything, the body is decoded once (byte-order mark, then valid UTF-8,
then the charset of the header or the XML declaration, as feedparser would choose) and
re-encoded as UTF-8, and the DOCTYPE is cut out of the prolog with its internal subset. So no
entity beyond the five predefined ones is ever expanded (a billion-laughs feed stays small) and
no external entity is ever resolved (a feed cannot make us read a local file).

A body that is not a feed raises NotAFeed, whose message is the short stable sentence to record
on the feed ("not a feed: text/html", "not a feed: empty body", "invalid xml: ..."). A feed
that is broken but readable (feedparser's "bozo") yields its entries and a `warning`.

`parse_feed` is a plain module-level function of picklable arguments: the poller runs it in a
worker process.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import io
import json
import re
import xml.sax
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
from feedparser.datetimes import _parse_date as feedparser_parse_date
from feedparser.encodings import convert_to_utf8

from minewatch import feedparser_speedups
from minewatch.byteorder import BLANK_BYTES, bom_encoding
from minewatch.models import ParsedFeed, Story
from minewatch.textclean import clean_text, shorten
from minewatch.timeutil import EPOCH, iso
from minewatch.urls import absolute_url, canonical_url, is_web_address

feedparser_speedups.apply()

# Longest title and summary stored, in characters. The real feeds we test with stay under 300
# and 12,000 (a whole article in the summary), and search ranks a longer text slowly: quadratic
# in its matches, a 180 kB title that matched the query took SQLite 2.5 s.
TITLE_LIMIT = 500
SUMMARY_LIMIT = 20_000


class NotAFeed(Exception):
    """The body is no feed we can read; str(exc) is the sentence to record on the feed."""


def parse_feed(body: bytes, headers: dict[str, str], url: str, *, fetched_at: str) -> ParsedFeed:
    """Parse one fetched body into stories.

    `url` is the feed's address: relative links resolve against the response's
    Content-Location when it has one (fetch puts the final URL there), else against `url`;
    short guids are scoped to `url`. `fetched_at` ("YYYY-MM-DDTHH:MM:SSZ") stands in for
    missing and future dates. Raises NotAFeed when there is nothing to read.
    """
    headers = {name.lower(): value for name, value in headers.items()}
    mime = headers.get("content-type", "").partition(";")[0].strip().lower()
    if not body.strip(BLANK_BYTES):
        raise NotAFeed("not a feed: empty body")
    base = absolute_url(headers.get("content-location"), url) or url
    builder = _StoryBuilder(url, base, fetched_at)
    if _looks_like_json(mime, body):
        return _parse_json_feed(body, builder)
    return _parse_xml_feed(body, headers, mime, builder)


# ---------------------------------------------------------------- stories


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # "https:", "urn:", "tag:" (RFC 3986)


class _StoryBuilder:
    """Turns each entry's raw fields into a Story, and keeps the first of each key.

    Keys are settled once every entry is in (`stories()`): a link that entries of one feed with
    different guids share (a site's home page on every item) says nothing about which story
    is which, so for them it is no identity, not even for matching stored stories. (Entries
    without a guid keep the link as their key, as the contract says.)"""

    def __init__(self, feed_url: str, base: str, fetched_at: str):
        self.feed_url = feed_url
        self.base = base
        self.fetched_at = fetched_at
        fetched = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
        self.latest = fetched.astimezone(UTC) + timedelta(days=1)
        # (guid, url, canonical url, title, summary, published, estimated) of each entry
        self._entries: list[tuple[str | None, str | None, str | None, str, str, str, bool]] = []

    def add(
        self,
        *,
        title: str | None,
        summary: str | None,
        content: str | None,
        link: str | None,
        guid: str | None,
        published: datetime | None,
    ) -> None:
        clean_title = shorten(clean_text(title), TITLE_LIMIT)
        clean_summary = shorten(clean_text(summary) or clean_text(content), SUMMARY_LIMIT)
        if not clean_title and not clean_summary:
            return
        story_url = absolute_url(link, self.base)
        canonical = canonical_url(story_url) if story_url else None
        guid = (guid.strip() if guid else None) or None
        stamp, estimated = self._date(published)
        self._entries.append(
            (guid, story_url, canonical, clean_title, clean_summary, stamp, estimated))

    def stories(self) -> list[Story]:
        """Every entry added, as a story with its key, the first of each key only."""
        guids_behind: dict[str, set[str]] = defaultdict(set)
        for guid, _, canonical, *_ in self._entries:
            if canonical and guid:
                guids_behind[canonical].add(guid)
        stories: list[Story] = []
        keys: set[str] = set()
        for guid, url, canonical, title, summary, stamp, estimated in self._entries:
            if guid and len(guids_behind[canonical]) > 1:  # one link, several stories
                canonical = None
            key = self._key(guid, canonical, title, summary)
            if key not in keys:
                keys.add(key)
                stories.append(Story(key=key, guid=guid, url=url, canonical_url=canonical,
                                     title=title, summary=summary, published=stamp,
                                     date_estimated=estimated))
        return stories

    def _key(self, guid: str | None, canonical: str | None, title: str, summary: str) -> str:
        if guid:
            if guid.startswith("/") or ("/" in guid and not _SCHEME.match(guid)):
                # a path ("/ep/1", "news/7"), not an address: unique only on its own site
                path = guid if guid.startswith("/") else f"/{guid}"
                return f"guid:{absolute_url(path, self.base) or self.feed_url + '#' + guid}"
            if ":" in guid or len(guid) >= 16:
                return f"guid:{guid}"
            return f"guid:{self.feed_url}#{guid}"  # "42" is only unique within its feed
        if canonical:
            return f"url:{canonical}"
        digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()
        return f"hash:{digest}"

    def _date(self, published: datetime | None) -> tuple[str, bool]:
        # At or before the Unix epoch is a placeholder (a zero timestamp, "0001-01-01"), after
        # tomorrow a clock gone wrong.
        if published is None or published <= EPOCH or published > self.latest:
            return self.fetched_at, True
        return iso(published), False




# ---------------------------------------------------------------- XML feeds through feedparser

_FEEDPARSER_HEADERS = {"content-type": "application/xml; charset=utf-8"}
_UTF16_32_MARKERS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_XML_TYPE = re.compile(r"(?:^|[/+])xml$")  # text/xml, application/xml, application/rss+xml
# A media type as RFC 6838 spells one: what a server sends in its place (bytes at random, an
# escape sequence) is no name to store in the feed's error and show on every poll.
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_XML_DECLARATION = re.compile(r"^<\?xml[^>]*?>")
_BYTES_DECLARATION = re.compile(_XML_DECLARATION.pattern.encode())
_UTF8_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>"
_FEED_ROOT = re.compile(rb"<(?:[a-z0-9_.-]+:)?(?:rss|feed|rdf|channel)[\s>/]")
_BLANKS = re.compile(rb"\s*")
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])")
# Windows-1252 text declared as Latin-1 decodes its curly quotes and dashes to C1 controls.
_C1_AS_CP1252 = {
    code: bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def _kind_of_body(mime: str) -> str:
    """The content type a body that is no feed came with, for its error: "image/png"."""
    return mime if _MEDIA_TYPE.fullmatch(mime) else "unknown format"


def _parse_xml_feed(
    body: bytes, headers: dict[str, str], mime: str, builder: _StoryBuilder
) -> ParsedFeed:
    data, encoding_warning = _to_utf8(body, headers)
    head = data[:65536].lower()
    if not _FEED_ROOT.search(head) and (mime == "text/html" or _opens_as_html(head)):
        advertised = _advertised_feed(data[:65536], builder.base)
        # A site's home page where its feed belongs: name the feed the page points to.
        raise NotAFeed("not a feed: text/html" + (
            f" (the page points to a feed: {advertised})" if advertised else ""))
    data = _valid_char_refs(_drop_doctype(data))
    try:
        result = feedparser.parse(
            io.BytesIO(data),
            # No content-location: feedparser would join it to every element's xml:base,
            # which costs a quarter of its time; links are resolved against the feed URL
            # afterwards.
            response_headers=_FEEDPARSER_HEADERS,
            sanitize_html=False,  # we keep plain text only
            resolve_relative_uris=False,  # links inside HTML content go with the markup
        )
    except Exception as exc:  # its fallback parser has bugs on some broken bodies
        raise NotAFeed(f"parsing failed: {type(exc).__name__}") from None
    entries = result.get("entries") or []
    problem = _bozo_sentence(result.get("bozo_exception")) if result.get("bozo") else None
    if not entries:
        if not _XML_TYPE.search(mime) and not body.lstrip(BLANK_BYTES).startswith(b"<"):
            # an image, a PDF or a plain-text message: no XML was broken, there was none
            raise NotAFeed(f"not a feed: {_kind_of_body(mime)}")
        if problem and problem.startswith("invalid xml"):
            raise NotAFeed(problem)
        if not result.get("version"):
            raise NotAFeed(f"not a feed: {_kind_of_body(mime)}")
    cut_short = _ends_early(result.get("bozo_exception"))
    if cut_short:  # the last entry may have been cut inside: keep only those closed
        entries = entries[: len(_ENTRY_CLOSED.findall(data))]
    for entry in entries:
        builder.add(
            title=_text(entry, "title"),
            summary=_text(entry, "summary"),
            content=_first_content(entry),
            link=_entry_link(entry),
            guid=_text(entry, "id"),
            published=_entry_date(entry),
        )
    feed = result.get("feed") or {}
    return ParsedFeed(
        stories=builder.stories(),
        title=clean_text(_text(feed, "title")) or None,
        version=result.get("version") or None,
        warning=problem or encoding_warning,
        cut_short=cut_short,
    )


def _ends_early(exc: object) -> bool:
    """Whether expat hit the end of the body inside the document (inside a tag, or with
    elements still open): a body cut short, not one written wrong."""
    return isinstance(exc, xml.sax.SAXParseException) and exc.getMessage() in _EARLY_END


_EARLY_END = frozenset({"no element found", "unclosed token"})
# The end of an RSS item or Atom entry, or one written empty (<item/>), with any prefix
_ENTRY_CLOSED = re.compile(
    rb"</(?:[\w.-]+:)?(?:item|entry)\s*>|<(?:[\w.-]+:)?(?:item|entry)\b[^<>]*/>"
)


def _opens_as_html(head: bytes) -> bool:
    """Whether the lower-cased start of a body, past blanks and comments, is an HTML page's.
    (Comments are skipped by hand: a pattern that skips them lazily backtracks without end
    on a body of thousands of comments.)"""
    at = 0
    while True:
        at = _BLANKS.match(head, at).end()  # type: ignore[union-attr]  (it matches "" at least)
        if not head.startswith(b"<!--", at):
            return bool(_HTML_START.match(head, at))
        end = head.find(b"-->", at + 4)
        if end == -1:
            return False
        at = end + 3


def _to_utf8(body: bytes, headers: dict[str, str]) -> tuple[bytes, str | None]:
    """The body as UTF-8 with a matching XML declaration, and a warning if its charset lied.

    A byte-order mark wins, then UTF-16/32 without one, then valid UTF-8 (whatever the header
    says: a UTF-8 feed served as Latin-1 would turn to mojibake), then feedparser's choice
    from the header charset and the XML declaration.
    """
    text = _decode_by_bom(body)
    if text is None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    if text is not None:
        text = text.lstrip()
        return _XML_DECLARATION.sub(_UTF8_DECLARATION, text, count=1).encode("utf-8"), None
    outcome: dict[str, Any] = {}
    try:
        data = convert_to_utf8(headers, body.lstrip(), outcome)
    except UnicodeDecodeError:  # feedparser trips on an encoding name that is not text itself
        outcome = {}
        data = convert_to_utf8(headers, _without_declared_encoding(body.lstrip()), outcome)
    warning = None
    exc = outcome.get("bozo_exception")
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        warning = f"encoding: {exc}"
    if _is_latin1(outcome.get("encoding") or "") and re.search(rb"\xc2[\x80-\x9f]", data):
        data = data.decode("utf-8").translate(_C1_AS_CP1252).encode("utf-8")
    return data, warning


# Where feedparser reads the encoding a body declares: the first line, when it opens with a
# processing instruction (an XML declaration or not), up to the line's last "?>".
_DECLARED_ENCODING = re.compile(rb"^<\?.*encoding=['\"](.*?)['\"].*\?>")


def _without_declared_encoding(body: bytes) -> bytes:
    """The body without its XML declaration, and without the name of an encoding that a
    processing instruction opening it declares in bytes that are no text: feedparser raised
    UnicodeDecodeError on a declaration mangled in transfer (a stray byte before "xml")."""
    body = _BYTES_DECLARATION.sub(b"", body, 1)
    found = _DECLARED_ENCODING.match(body)
    if found:
        return body[:found.start(1)] + body[found.end(1):]
    return body


def _decode_by_bom(body: bytes) -> str | None:
    codec = bom_encoding(body)
    if codec:
        return _decode_or_none(body, codec)
    for marker, codec in _UTF16_32_MARKERS:
        if body.startswith(marker):
            return _decode_or_none(body, codec)
    return None


def _decode_or_none(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return None


def _is_latin1(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name in ("latin-1", "iso8859-1")
    except LookupError:
        return False


_CHAR_REF = re.compile(rb"&#(?:[xX]0*([0-9A-Fa-f]+)|0*([0-9]+));")
_REF_SPACE = b"&#32;"
_REF_REPLACEMENT = b"&#xFFFD;"


def _valid_char_refs(data: bytes) -> bytes:
    """Character references XML forbids made harmless: a control character becomes a space,
    a surrogate, a non-character or a number past Unicode the replacement character.

    Either kind makes the document ill-formed, and feedparser's fallback parser then turns
    the number into a character itself and fails on it (`&#xD800;` ended a whole poll)."""
    if b"&#" not in data:
        return data
    return _CHAR_REF.sub(_valid_char_ref, data)


def _valid_char_ref(found: re.Match[bytes]) -> bytes:
    hexadecimal, decimal = found.groups()
    if len(hexadecimal or decimal) > 8:  # past Unicode (and maybe too long for int())
        return _REF_REPLACEMENT
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    if code < 0x20:
        return found.group() if code in (0x9, 0xA, 0xD) else _REF_SPACE
    if 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF) or code > 0x10FFFF:
        return _REF_REPLACEMENT
    return found.group()


def _drop_doctype(data: bytes) -> bytes:
    """Cut every DOCTYPE (with its internal subset) out of the prolog, keeping line numbers.

    The prolog is everything before the root element: the XML declaration, comments,
    processing instructions and the DOCTYPE. Nothing declared there can then be expanded.
    """
    pos = 0
    while True:
        start = data.find(b"<", pos)
        if start < 0:
            return data
        if data.startswith(b"<!--", start):
            end = data.find(b"-->", start + 4)
            pos = len(data) if end < 0 else end + 3
        elif data.startswith(b"<?", start):
            end = data.find(b"?>", start + 2)
            pos = len(data) if end < 0 else end + 2
        elif data[start : start + 9].upper() == b"<!DOCTYPE":
            end = _doctype_end(data, start + 9)
            blank = b"\n" * data.count(b"\n", start, end)
            data = data[:start] + blank + data[end:]
            pos = start + len(blank)
        else:
            return data  # the root element (or garbage the parser will judge)


def _doctype_end(data: bytes, pos: int) -> int:
    """The index just past the DOCTYPE that starts before `pos` (the end of data if unclosed)."""
    quote = 0
    in_subset = False
    n = len(data)
    while pos < n:
        byte = data[pos]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in b"\"'":
            quote = byte
        elif in_subset and data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 4)
            pos = n if end < 0 else end + 2
        elif in_subset and data.startswith(b"<?", pos):
            end = data.find(b"?>", pos + 2)
            pos = n if end < 0 else end + 1
        elif byte == ord("["):
            in_subset = True
        elif byte == ord("]"):
            in_subset = False
        elif byte == ord(">") and not in_subset:
            return pos + 1
        pos += 1
    return n


def _bozo_sentence(exc: object) -> str | None:
    if isinstance(exc, xml.sax.SAXParseException):
        return f"invalid xml: {exc.getMessage()} at line {exc.getLineNumber()}"
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return f"encoding: {exc}"
    if isinstance(exc, feedparser.NonXMLContentType | feedparser.CharacterEncodingUnknown):
        return None
    if exc is None:
        return None
    return f"invalid xml: {exc}"


# feedparser keeps an element it does not know under the element's name, and an element of a
# name it uses itself then takes the place of its own value: <links>india</links> leaves text
# where the list of links belongs, and a <link> after it leaves its attributes where the
# address belongs. A value of another type than expected counts as absent.


def _text(record: dict[str, Any], key: str) -> str | None:
    """feedparser's text under `key`, or None."""
    value = dict.get(record, key)
    return value if isinstance(value, str) else None


def _records(entry: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """feedparser's list of records under `key` ("links", "content")."""
    value = dict.get(entry, key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _first_content(entry: dict[str, Any]) -> str | None:
    for content in _records(entry, "content"):
        value = _text(content, "value")
        if value:
            return value
    return None


def _entry_link(entry: dict[str, Any]) -> str | None:
    link = _text(entry, "link")
    if link and dict.get(entry, "guidislink") and not _looks_like_address(link.strip()):
        # RSS takes a guid for the link unless told otherwise; a guid such as "1234" or
        # "post-17" is an id, not an address to resolve against the feed's
        link = None
    if link:
        return link
    for candidate in _records(entry, "links"):
        href = _text(candidate, "href")
        if candidate.get("rel", "alternate") == "alternate" and href:
            return href
    return None


def _looks_like_address(guid: str) -> bool:
    """An absolute web address, or one from the site's root ("/news/17", "//host/news/17")."""
    return is_web_address(guid) or guid.startswith("/")


def _entry_date(entry: dict[str, Any]) -> datetime | None:
    for field in ("published", "updated", "created"):
        raw = _text(entry, field)
        if raw and (match := _SLASHED_DATE.match(raw.strip())):
            return _slashed_date(match)
        if raw and _impossible_iso_date(raw):
            continue
        parsed = dict.get(entry, f"{field}_parsed")
        if parsed:
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (TypeError, ValueError, OverflowError):
                continue
    return None


# "2020/1/10 14:33:00", as some forum software writes it: no zone, so taken as UTC.
# (feedparser reads it as 2020-11-01.)
_SLASHED_DATE = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _slashed_date(match: re.Match[str]) -> datetime | None:
    try:
        return datetime(*(int(part or 0) for part in match.groups()), tzinfo=UTC)  # type: ignore[misc]
    except ValueError:
        return None


# An ISO 8601 date with a field out of range ("2025-02-30", "T25:61"): feedparser rolls it
# over into another day (2025-03-02), so it is taken for what it is, a date that is missing.
_ISO_FIELDS = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")


def _impossible_iso_date(raw: str) -> bool:
    match = _ISO_FIELDS.match(raw)
    return bool(match) and _slashed_date(match) is None


_LINK_TAG = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb"""([a-zA-Z][\w:-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_FEED_TYPES = (b"application/rss+xml", b"application/atom+xml", b"application/feed+json")


def _advertised_feed(page: bytes, base: str) -> str | None:
    """The first feed a web page announces (<link rel="alternate" type="application/rss+xml"
    href="...">), as an absolute web address, or None."""
    for tag in _LINK_TAG.finditer(page):
        attrs = {name.lower(): value.strip(b"\"'")
                 for name, value in _ATTRIBUTE.findall(tag.group())}
        if (b"alternate" in attrs.get(b"rel", b"").lower().split()
                and attrs.get(b"type", b"").lower().strip() in _FEED_TYPES):
            href = html.unescape(attrs.get(b"href", b"").decode("utf-8", errors="replace"))
            found = absolute_url(href, base)
            if found:
                return found if len(found) <= _LONGEST_NAMED_FEED else None
    return None


_LONGEST_NAMED_FEED = 500  # characters: a longer address would swamp the feed's error line


# ---------------------------------------------------------------- JSON Feed

_JSON_TYPES = frozenset({"application/feed+json", "application/json"})


def _looks_like_json(mime: str, body: bytes) -> bool:
    start = body.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    return start == b"{" or (mime in _JSON_TYPES and start != b"<")


_LONGEST_INT = 4000  # digits: Python refuses to convert longer ones (and would take long)


def _json_int(digits: str) -> int | str:
    """A JSON integer, or its digits when too long for an int: a number of thousands of
    digits in some extension field must not cost the feed its entries."""
    return int(digits) if len(digits) <= _LONGEST_INT else digits


def _parse_json_feed(body: bytes, builder: _StoryBuilder) -> ParsedFeed:
    text = _decode_by_bom(body)
    if text is None:
        text = body.decode("utf-8", errors="replace")
    try:
        document = json.loads(text, parse_int=_json_int)
    except RecursionError:
        raise NotAFeed("invalid json: nested too deeply") from None
    except ValueError as exc:
        raise NotAFeed(f"invalid json: {_first_line(str(exc))}") from None
    if not isinstance(document, dict):
        raise NotAFeed("not a feed: application/json")
    version = document.get("version")
    items = document.get("items")
    if isinstance(version, str) and "jsonfeed.org" in version:
        name = "jsonfeed11" if version.rstrip("/").endswith("1.1") else "jsonfeed10"
    elif version is None and isinstance(items, list):
        name = "jsonfeed"
    else:
        raise NotAFeed("not a feed: application/json")
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        builder.add(
            title=_json_text(item.get("title")),
            summary=_json_text(item.get("summary")),
            content=_json_text(item.get("content_text")) or _json_text(item.get("content_html")),
            link=_json_text(item.get("url")) or _json_text(item.get("external_url")),
            guid=_json_id(item.get("id")),
            published=_json_date(item.get("date_published"))
            or _json_date(item.get("date_modified")),
        )
    return ParsedFeed(
        stories=builder.stories(),
        title=clean_text(_json_text(document.get("title"))) or None,
        version=name,
    )


def _json_text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _json_id(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str | int):
        return str(value)  # JSON Feed 1.0 allowed numbers
    return None


def _json_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        if _impossible_iso_date(value):
            return None
        parsed = feedparser_parse_date(value)
        return datetime(*parsed[:6], tzinfo=UTC) if parsed else None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _first_line(text: str) -> str:
    return text.splitlines()[0][:120] if text else "unreadable"
