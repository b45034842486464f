"""Sentence edges, for context rules and for showing the sentence a tag came from.

Edges are found on first use, so a text no rule asks about costs nothing.
"""

from __future__ import annotations

import bisect
import re

# A sentence ends at . ! ? (plus closing quotes/brackets) before white space and a capital,
# digit or opening quote, or at a line break; not after a single initial or a short
# abbreviation ("U.S. officials", "Gen. Smith", "Jan. 5").
# Written to open with one character class, which re scans for quickly.
_END = re.compile(
    r"[.!?\n](?:(?<=\n)|(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9]))"
)
_ABBREVIATIONS = frozenset(
    "U.S U.K Mr Mrs Ms Dr St No Gen Lt Col Sgt Capt Maj Adm Gov Sen Rep Jan Feb Mar Apr Jun "
    "Jul Aug Sep Sept Oct Nov Dec Inc Corp Co Ltd vs etc e.g i.e approx Prof Rev Jr Sr".split()
)


def sentence_starts(text: str) -> list[int]:
    """Offsets where sentences start, 0 first."""
    starts = [0]
    for m in _END.finditer(text):
        at = m.start()
        if text[at] == "." and at and text[at - 1].isalpha():
            j = at
            while j > 0 and at - j < 6 and (text[j - 1].isalnum() or text[j - 1] == "."):
                j -= 1
            word = text[j:at]
            whole = j == 0 or not text[j - 1].isalnum()
            if whole and (len(word) == 1 or word in _ABBREVIATIONS):
                continue
        starts.append(m.end())
    return starts


class Sentences:
    """Sentence bounds for one text, found on first use."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def _index(self, pos: int) -> int:
        if self._starts is None:
            self._starts = sentence_starts(self.text)
        return bisect.bisect_right(self._starts, pos) - 1

    def _bounds(self, i: int) -> tuple[int, int]:
        starts = self._starts
        assert starts is not None
        end = starts[i + 1] if i + 1 < len(starts) else len(self.text)
        return starts[i], end

    def bounds_at(self, pos: int) -> tuple[int, int]:
        """[start, end) of the sentence holding offset `pos`."""
        return self._bounds(self._index(pos))

    def previous_bounds(self, start: int) -> tuple[int, int] | None:
        """The sentence before the one starting at `start`, if any."""
        i = self._index(start)
        return self._bounds(i - 1) if i > 0 else None


def sentence_span(
    text: str, start: int, end: int, sents: Sentences | None = None
) -> tuple[int, int]:
    """The bounds of the sentence(s) holding text[start:end], white space trimmed. Pass the
    text's `Sentences` when asking for many spans of one text: it splits the text once."""
    n = len(text)
    start = max(0, min(start, n))
    end = max(start, min(end, n))
    if not n:
        return 0, 0
    sents = sents or Sentences(text)
    s0 = sents.bounds_at(start)[0]
    s1 = sents.bounds_at(max(start, end - 1))[1]
    while s1 > s0 and text[s1 - 1].isspace():
        s1 -= 1
    while s0 < s1 and text[s0].isspace():
        s0 += 1
    return min(s0, start), max(s1, end)
