"""Plain text out of whatever a feed puts in a title or summary, safe to print in a terminal.

Feed text arrives as HTML fragments, double-escaped entities, stray control bytes and now and
then a terminal escape sequence or a bidi override meant to disguise it. `clean_text` turns it
into one line of plain NFC text; `terminal_safe` is the last filter before anything is printed.
Square-bracket markup ("[bold red]x[/]") is ordinary text here: the renderer escapes it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

# Terminal escape sequences introduced by ESC, removed whole so that no "[31m" debris is left
# behind: CSI (ESC [ ... final byte), OSC/DCS/PM/APC/SOS strings up to BEL or ST, and the short
# escapes (ESC and one or two more characters). A lone C1 control is removed on its own below.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)

_ESCAPED_ESC = re.compile(r"&#(?:0*27|[xX]0*1[bB]);")

# Characters never worth keeping: C0 and C1 controls, DEL, the bidi embeddings, overrides and
# isolates that can reorder what a reader sees (U+202A-U+202E, U+2066-U+2069), stray byte-order
# marks, and lone surrogates (they cannot be encoded). terminal_safe keeps tab and newline;
# clean_text leaves the whitespace controls to the whitespace collapse.
BIDI_BOM_SURROGATES = "\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_BOM_SURROGATES}]")
_UNSAFE_NOT_SPACE = re.compile(f"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f{BIDI_BOM_SURROGATES}]")

# Tags that run inside a word ("w<b>or</b>d" is one word); every other tag separates words.
_INLINE_TAGS = frozenset(
    "a abbr acronym b bdi bdo big cite code data del dfn em font i ins kbd mark nobr q rp rt "
    "ruby s samp small span strike strong sub sup time tt u var wbr".split()
)
# Elements whose content is never text for a reader.
_HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript"})
_TAG = re.compile(r"<[^>]*>")


def terminal_safe(s: str) -> str:
    """Remove escape sequences, control characters and bidi overrides, keeping newlines and tabs.

    Use on any text that reaches a terminal: feed text, feed names, error messages.
    """
    if s.isprintable():
        return s
    if "\x1b" in s:
        s = _ESCAPE_SEQUENCE.sub("", s)
    return _UNSAFE.sub("", s)


def clean_text(raw: str | None) -> str:
    """One line of plain text: markup stripped, entities decoded, whitespace collapsed,
    control, escape and bidi-override characters removed, NFC.
    """
    if not raw:
        return ""
    text = raw
    if "<" in text or "&" in text:
        if "&#" in text:
            # html.unescape drops an escaped ESC but would keep the "[31m" after it.
            text = _ESCAPED_ESC.sub("\x1b", text)
        text = _strip_markup(text)
    if not text.isprintable():
        if "\x1b" in text:
            text = _ESCAPE_SEQUENCE.sub("", text)
        text = _UNSAFE_NOT_SPACE.sub("", text)
    text = " ".join(text.split())
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def shorten(text: str, limit: int) -> str:
    """`text` if it has at most `limit` characters, else cut at a word edge and ending in "…".

    One feed item can carry megabytes in its title or summary (a whole article, a spammer's
    padding); stored whole, it takes every search that matches it minutes to rank."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 4 // 5:  # a word edge near the end, else cut mid-word
        cut = cut[:space]
    return cut.rstrip() + "…"


def _strip_markup(fragment: str) -> str:
    plain = _strip_plain_tags(fragment)
    return plain if plain is not None else _parse_markup(fragment)


# A start or end tag with well-formed attributes and nothing else inside the angle brackets.
_PLAIN_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9]*)"
    r"((?:\s+[a-zA-Z_:][-\w:.]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=`]+))?)*)\s*(/?)>"
)
# Elements read by the shortcut: the inline ones and the common blocks of feed summaries.
# Anything else (script, style, title, comments, CDATA ...) goes through the full parser.
_PLAIN_ELEMENTS = _INLINE_TAGS | frozenset(
    "p br div ul ol li dl dt dd h1 h2 h3 h4 h5 h6 img hr blockquote figure figcaption pre "
    "table caption thead tbody tfoot tr td th section article header footer center".split()
)


def _strip_plain_tags(fragment: str) -> str | None:
    """The text `_parse_markup` would give for a fragment made of plain tags of common
    elements and text, found with one regex pass (2.5 times faster); None for any other."""
    parts: list[str] = []
    done = 0
    for tag in _PLAIN_TAG.finditer(fragment):
        name = tag.group(2).lower()
        between = fragment[done : tag.start()]
        if name not in _PLAIN_ELEMENTS or "<" in between or (tag.group(1) and tag.group(3)):
            return None
        parts.append(html.unescape(between))
        if name not in _INLINE_TAGS:
            parts.append(" ")
        done = tag.end()
    rest = fragment[done:]
    if "<" in rest:
        return None
    parts.append(html.unescape(rest))
    return "".join(parts)


def _parse_markup(fragment: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(fragment)
        extractor.close()
    except AssertionError:
        # html.parser asserts on marked sections it does not know ("<![foo[ ... ]]>"):
        # drop anything tag-shaped instead.
        return _strip_crudely(fragment)
    return "".join(extractor.text())


def _strip_crudely(fragment: str) -> str:
    return html.unescape(_TAG.sub(" ", fragment))


class _TextExtractor(HTMLParser):
    """Collects the text a browser would show, with a space where a block tag breaks it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden: list[str] = []  # text inside <script>/<style>, dropped once they close
        self._hidden_depth = 0

    def text(self) -> list[str]:
        """The visible text; a hidden element never closed was a literal word, so it counts."""
        if not self._hidden_depth:
            return self.parts
        # html.parser keeps what follows an unclosed <script> unparsed in rawdata.
        return [*self.parts, *self._hidden, _strip_crudely(self.rawdata)]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INLINE_TAGS and tag not in _HIDDEN_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
            if not self._hidden_depth:
                self._hidden.clear()
        elif tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        (self._hidden if self._hidden_depth else self.parts).append(data)

    def unknown_decl(self, data: str) -> None:
        if data.startswith("CDATA["):
            self.handle_data(data[len("CDATA[") :])
