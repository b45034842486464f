"""Sentence spans with offsets into the original text, so evidence can be sliced back out."""

from __future__ import annotations

import re

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "u.s", "u.k", "u.n", "mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "sen",
    "rep", "gov", "st", "no", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec",
    "e.g", "i.e", "vs", "etc", "approx", "prof", "pres", "adm", "inc", "co", "corp", "ltd", "dept",
}
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+|\n\s*\n|\n")


MAX_SENTENCE = 2_000
"""Characters of one sentence read at a time. News sentences stay under 1,500 (the longest
of the corpus, cases and tests); a 20,000-character 'sentence' of semicolons, each clause with
an act and two states, took the event rules 95 s, every act weighed against every state."""


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed; newlines always end a sentence, and
    one over MAX_SENTENCE characters is read in pieces cut at a clause or word break."""
    return [piece for span in _sentences(text) for piece in _pieces(text, *span)]


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        cut = max(text.rfind("; ", start, limit), text.rfind(", ", start, limit))
        if cut <= start:
            cut = text.rfind(" ", start, limit)
        cut = cut + 1 if cut > start else limit
        _add(text, start, cut, pieces)
        start = cut
    _add(text, start, end, pieces)
    return pieces


def _sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        piece = text[start : match.start()]
        if "\n" not in match.group() and _ends_with_abbreviation(piece):
            continue
        nxt = text[match.end() : match.end() + 1]
        if "\n" not in match.group() and nxt and nxt.islower():
            continue
        end = match.end() if "\n" not in match.group() else match.start()
        _add(text, start, end, spans)
        start = match.end()
    _add(text, start, len(text), spans)
    return spans


def _ends_with_abbreviation(piece: str) -> bool:
    words = piece.rsplit(None, 1)
    if not words:
        return False
    last = words[-1].lower().strip("(\"'“")
    return last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
