"""clean_text and terminal_safe: plain, printable, NFC text out of anything a feed sends."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minewatch.textclean import clean_text, shorten, terminal_safe

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>Mines <b>cleared</b></p><p>in Angola</p>", "Mines cleared in Angola"),
        ("w<b>or</b>d", "word"),  # inline tags do not split words
        ("one<br>two<br/>three", "one two three"),
        ("AT&amp;T &lt;3 &eacute;t&#233; &#x2014; &nbsp;x", "AT&T <3 été — x"),
        ("Tom &amp;amp; Jerry", "Tom &amp; Jerry"),  # one level of escaping is decoded, no more
        ("  lots\tof \n\n whitespace\r\n ", "lots of whitespace"),
        ("<script>alert(1)</script>Safe<style>p{}</style>", "Safe"),
        ("Q&A: <script> tags explained", "Q&A: tags explained"),  # never closed: a word
        ("<![CDATA[inside]]> data", "inside data"),
        ("<![weird[ section ]]>text", "text"),
        ("5 < 6 & 7 > 3", "5 < 6 & 7 > 3"),
        ("\x1b[31mRed\x1b[0m alert", "Red alert"),
        ("&#27;[1mbold&#x1B;[0m", "bold"),
        ("title\x1b]0;window title\x07 after", "title after"),
        ("bell\x07 and nul\x00 and del\x7f", "bell and nul and del"),
        ("invoice \u202efdp.exe\u202c", "invoice fdp.exe"),
        ("\u2067isolated\u2069", "isolated"),
        ("[bold red]kept[/]", "[bold red]kept[/]"),
        ("e\u0301", "\u00e9"),  # NFC
        ("\ufeffBOM at start", "BOM at start"),
        ("a\u00a0b\u2028c", "a b c"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_text(raw: str | None, clean: str):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("plain", "plain"),
        ("\x1b[2Jcleared", "cleared"),
        ("keep\nnewlines\tand tabs", "keep\nnewlines\tand tabs"),
        ("carriage\rreturn", "carriagereturn"),
        ("rtl \u202eoverride", "rtl override"),
        ("c1 \x9b31m", "c1 31m"),
        ("<b>markup is not touched</b> &amp;", "<b>markup is not touched</b> &amp;"),
    ],
)
def test_terminal_safe(raw: str, safe: str):
    assert terminal_safe(raw) == safe


@given(st.text())
def test_clean_text_is_always_safe_single_line_nfc(raw: str):
    clean = clean_text(raw)
    assert not UNSAFE.search(clean)
    assert "\x1b" not in clean and "\n" not in clean
    assert clean == clean.strip() and "  " not in clean
    assert unicodedata.is_normalized("NFC", clean)
    assert clean_text(clean) == clean_text(clean_text(clean))


@given(st.text())
def test_terminal_safe_removes_every_unsafe_character(raw: str):
    safe = terminal_safe(raw)
    assert not UNSAFE.search(safe) and "\x1b" not in safe
    assert terminal_safe(safe) == safe


_MARKUP_PIECES = [
    "<p>", "</p>", "<P>", "<br/>", "<br />", "<b>", "</b>", "<em>", "</EM>", "<div class='x'>",
    '<a href="http://example.org/?a=1&amp;b=2" title=\'t\'>', "</a>", "<img src=x.png alt=''/>",
    "<li>", "</li>", "<span data-x=1>", "</span>", "<script>", "</script>", "<style>", "<title>",
    "<!-- note -->", "<![CDATA[x]]>", "<p", "</p class=x>", "<a href='x>", "<unknown>", "<wbr/>",
    "mine", "ban", " ", "  ", "&amp;", "&lt;b&gt;", "&#39;", "&#x27;", "&nbsp;", "&unknown;", "&",
    "&amp", "<", ">", "a < b", '"', "'", "=", "\n", "caf\u00e9", "[bold]x[/]",
]


@given(st.lists(st.sampled_from(_MARKUP_PIECES), max_size=25))
def test_the_plain_tag_shortcut_reads_markup_as_the_full_parser_does(pieces: list[str]) -> None:
    """Where the regex shortcut takes a fragment, it gives exactly the parser's text."""
    from minewatch.textclean import _parse_markup, _strip_plain_tags

    fragment = "".join(pieces)
    shortcut = _strip_plain_tags(fragment)
    if shortcut is not None:
        assert shortcut == _parse_markup(fragment)


def test_the_shortcut_takes_the_common_summary_and_leaves_the_rest() -> None:
    from minewatch.textclean import _strip_plain_tags

    common = '<p>Mines <a href="https://x.org/a?b=1&amp;c=2">laid</a> near Kharkiv.</p><p>More</p>'
    assert _strip_plain_tags(common) == " Mines laid near Kharkiv.  More "
    for other in ("<script>x</script>", "a < b", "<!-- c -->text", "<title>t</title>"):
        assert _strip_plain_tags(other) is None


@pytest.mark.parametrize(
    ("text", "limit", "short"),
    [
        ("Mines cleared", 20, "Mines cleared"),  # within the limit: as it came
        ("Mines cleared near the border", 20, "Mines cleared near…"),  # at a word edge
        ("Antipersonnel-landmine-clearance", 20, "Antipersonnel-landm…"),  # no edge: mid-word
        ("Mines x" + "y" * 30, 20, "Mines xyyyyyyyyyyyy…"),  # an edge too early is no edge
    ],
)
def test_shorten(text: str, limit: int, short: str):
    assert shorten(text, limit) == short


@given(st.text(alphabet="ab ", max_size=60), st.integers(min_value=2, max_value=40))
def test_shorten_never_passes_the_limit_and_keeps_the_start(text: str, limit: int):
    short = shorten(text, limit)
    assert len(short) <= limit
    assert short == text or (short.endswith("…") and text.startswith(short[:-1]))
