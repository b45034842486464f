"""Length-preserving case folding and expansion of the lexicon's term notation.

The matcher runs over a folded copy of the text whose offsets are the text's own offsets,
so every hit can be sliced straight out of the original.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

# Characters folded to a plain hyphen, apostrophe or space (one character each, so lengths hold).
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212\u00ad"
_APOSTROPHES = "\u2018\u2019\u02bc"
_SPACES = "\u00a0\u2009\u202f"
_REPLACEMENTS = (
    [(c, "-") for c in _DASHES] + [(c, "'") for c in _APOSTROPHES] + [(c, " ") for c in _SPACES]
)


def fold(text: str) -> str:
    """Lower-case `text` without changing its length, and unify dashes, apostrophes and spaces."""
    folded = text.lower()
    if len(folded) != len(text):
        # a few characters ('İ') lower-case to two; keep those as they are
        folded = "".join(low if len(low := c.lower()) == 1 else c for c in text)
    for ch in "\n\r\t":
        if ch in folded:
            folded = folded.replace(ch, " ")
    if not folded.isascii():
        for ch, rep in _REPLACEMENTS:
            if ch in folded:
                folded = folded.replace(ch, rep)
    return folded


def ascii_fold(term: str) -> str:
    """The term with accents removed ('Côte' -> 'Cote'), for texts that drop them."""
    out = []
    for ch in term:
        base = unicodedata.normalize("NFKD", ch)
        stripped = "".join(b for b in base if not unicodedata.combining(b))
        out.append(stripped if len(stripped) == 1 else ch)
    return "".join(out)


_GROUP = re.compile(r"\(([^()]*)\)")


def expand_alternatives(term: str) -> list[str]:
    """'land~mine(s|)' -> ['land~mines', 'land~mine']; '(a|b) c' -> ['a c', 'b c']."""
    parts = _GROUP.split(term)
    # split() alternates literal text and group bodies
    choices = [[p] if i % 2 == 0 else p.split("|") for i, p in enumerate(parts)]
    return ["".join(combo) for combo in itertools.product(*choices)]


def joint_variants(term: str) -> list[str]:
    """Spell out the joints: '-' is a hyphen or a space, '~' a hyphen, a space or nothing."""
    pieces = re.split(r"([~-])", term)
    choices = []
    for i, p in enumerate(pieces):
        if i % 2 == 0:
            choices.append([p])
        else:
            choices.append(["-", " "] if p == "-" else ["-", " ", ""])
    return ["".join(c) for c in itertools.product(*choices)]


def surface_forms(term: str) -> list[str]:
    """Every written form a lexicon term stands for, original case kept, accents both ways."""
    forms: dict[str, None] = {}
    for alt in expand_alternatives(term):
        alt = " ".join(alt.split())
        for form in joint_variants(alt):
            forms.setdefault(form)
            forms.setdefault(ascii_fold(form))
    return [f for f in forms if f.strip()]


def key_of(form: str) -> str:
    """The automaton key for a surface form: folded exactly as texts are."""
    return fold(form)
