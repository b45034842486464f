"""Turning untrusted feed text into terminal output safely.

Feed text never reaches the terminal as rich markup (it always goes into rich `Text`
objects, which do not parse markup) nor with control, escape or bidi-override characters
(`textclean.terminal_safe` removes them). Highlighted spans are styled by offsets.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import IO

from rich.console import Console
from rich.text import Text

from minewatch.formats import HIGHLIGHT_END, HIGHLIGHT_START
from minewatch.textclean import terminal_safe

HIGHLIGHT_STYLE = "bold yellow"


def make_console(file: IO[str] | None = None, *, width: int | None = None,
                 stderr: bool = False) -> Console:
    """A console that is plain (no colour, no escapes) when not writing to a terminal."""
    return Console(file=file, stderr=stderr, width=width, highlight=False, soft_wrap=False,
                   emoji=False, markup=False)


def is_terminal(stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def safe(text: str | None, style: str = "") -> Text:
    """Untrusted text as a rich Text, with nothing that could drive the terminal."""
    return Text(terminal_safe(text or ""), style=style)


def with_spans(text: str, spans: Iterable[tuple[int, int]], style: str = HIGHLIGHT_STYLE) -> Text:
    """Text with the given [start, end) spans styled; offsets refer to `text` as given."""
    out = Text()
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor:
            start = cursor
        if end <= start:
            continue
        out.append(terminal_safe(text[cursor:start]))
        out.append(terminal_safe(text[start:end]), style=style)
        cursor = end
    out.append(terminal_safe(text[cursor:]))
    return out


def marked(snippet: str, style: str = HIGHLIGHT_STYLE) -> Text:
    """A snippet whose matched words sit between the store's highlight markers."""
    out = Text()
    on = False
    for part in _split_marks(snippet):
        if part == HIGHLIGHT_START:
            on = True
        elif part == HIGHLIGHT_END:
            on = False
        else:
            out.append(terminal_safe(part), style=style if on else None)
    return out


def _split_marks(snippet: str) -> list[str]:
    parts: list[str] = []
    buf = ""
    for ch in snippet:
        if ch in (HIGHLIGHT_START, HIGHLIGHT_END):
            if buf:
                parts.append(buf)
            parts.append(ch)
            buf = ""
        else:
            buf += ch
    if buf:
        parts.append(buf)
    return parts
