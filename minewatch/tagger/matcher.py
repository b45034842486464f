"""One Aho-Corasick automaton over every term of the lexicon and the gazetteer.

Built once from the data files; `scan` walks a folded text in a single pass and keeps the
hits that sit on word edges. Everything after that only looks at the hits.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from minewatch.models import Tag

from . import data
from .normalize import fold, key_of, surface_forms

# Entry groups (first field of an entry tuple)
COUNTRY = "C"
MT_TERM, MT_EXACT, MT_MODEL = "MT", "MX", "MM"
PERSIST, PERSIST_WORD, PERSIST_TIME = "P", "PW", "PT"
TREATY, TREATY_EXACT, TREATY_NOT, TREATY_HEAD = "T", "TX", "TN", "TH"
REL_LAND, REL_ACTION, REL_WEAK, REL_BARE, REL_NAVAL = "RL", "RA", "RW", "RB", "RN"


# An entry: (group, value, kind, case_checks, pattern)
#   case_checks: tuple of (offset, must_be_upper) to compare with the original text, or ()
Entry = tuple[str, object, str, tuple[tuple[int, bool], ...], str]


def _case_checks(form: str, mode: str | None) -> tuple[tuple[int, bool], ...]:
    if mode == "cap":
        return tuple((i, True) for i, c in enumerate(form) if c.isupper())
    if mode == "exact":
        return tuple((i, c.isupper()) for i, c in enumerate(form) if c.isalpha())
    return ()


class AutomatonBuilder:
    """Collects (term -> entry) pairs and builds the automaton."""

    def __init__(self) -> None:
        self.entries: dict[str, list[Entry]] = {}

    def add(self, term: str, group: str, value: object, kind: str = "", case: str | None = None):
        for form in surface_forms(term):
            key = key_of(form)
            entry: Entry = (group, value, kind, _case_checks(form, case), form)
            bucket = self.entries.setdefault(key, [])
            if not any(e[0] == group and e[1] == value and e[3] == entry[3] for e in bucket):
                bucket.append(entry)

    def build(self) -> ahocorasick.Automaton:
        auto = ahocorasick.Automaton()
        for key, entries in self.entries.items():
            loose = any(e[0] == MT_MODEL for e in entries)
            check_left = key[0].isalnum()
            check_right = key[-1].isalnum() and not loose
            countries = tuple(e for e in entries if e[0] == COUNTRY) or None
            others = tuple(e for e in entries if e[0] != COUNTRY) or None
            auto.add_word(key, (len(key), check_left, check_right, countries, others))
        auto.make_automaton()
        return auto


@dataclass(frozen=True)
class Knowledge:
    """The automaton plus the context word lists, ready for matching."""

    automaton: ahocorasick.Automaton
    lexicon: dict
    keys: dict[str, list[Entry]]


def _add_country_rows(b: AutomatonBuilder) -> None:
    for row in data.countries():
        for name in row.names:
            b.add(name, COUNTRY, row.code, "name", "cap")
        for dem in row.demonyms:
            b.add(dem, COUNTRY, row.code, "demonym", "cap")
            if not dem.endswith(("s", "sh", "ch", "ese", "x", "z")) or dem.endswith("Czech"):
                b.add(dem + "s", COUNTRY, row.code, "demonym", "cap")
        for abbr in row.abbreviations:
            b.add(abbr, COUNTRY, row.code, "abbr", "exact")
        for cap in row.capitals:
            b.add(cap, COUNTRY, row.code, "capital", "cap")
        for inst in row.institutions:
            b.add(inst, COUNTRY, row.code, "institution", "cap")


def _add_lexicon(b: AutomatonBuilder, lex: dict) -> None:
    for value, spec in lex["mine_type"].items():
        if value == "typos":
            continue
        for t in spec.get("terms", []):
            b.add(t, MT_TERM, value)
        for t in spec.get("exact", []):
            b.add(t, MT_EXACT, value, case="exact")
        for t in spec.get("models", []):
            b.add(t, MT_MODEL, value, case="exact")
    pers = lex["persistence"]
    for cls in ("nonpersistent", "persistent"):
        for t in pers[cls]:
            b.add(t, PERSIST, cls)
    for t in pers["persistent_word"]:
        b.add(t, PERSIST_WORD, "persistent")
    for t in pers["time_phrases"]:
        b.add(t, PERSIST_TIME, "persistent")
    tr = lex["treaty"]
    for t in tr["names"]:
        b.add(t, TREATY, "ottawa")
    for t in tr["exact"]:
        b.add(t, TREATY_EXACT, "ottawa", case="exact")
    for t in tr["not_names"]:
        b.add(t, TREATY_NOT, None)
    for t in tr["description_heads"]:
        b.add(t, TREATY_HEAD, "ottawa")
    rel = lex["relevance"]
    for group, name in ((REL_LAND, "land"), (REL_ACTION, "action"), (REL_WEAK, "weak"),
                        (REL_BARE, "bare"), (REL_NAVAL, "naval_terms")):
        for t in rel[name]:
            b.add(t, group, name)
    for t in lex["countries"]["not_countries"]:
        b.add(t, COUNTRY, None, "block", "cap")


@functools.cache
def knowledge() -> Knowledge:
    """Build (once) everything the tagger matches with."""
    lex = data.lexicon()
    b = AutomatonBuilder()
    _add_country_rows(b)
    _add_lexicon(b, lex)
    return Knowledge(automaton=b.build(), lexicon=lex, keys=b.entries)


Hit = tuple[int, int, tuple[Entry, ...]]  # start, end, the key's entries of one kind
Found = tuple[int, int, Entry]  # start, end, one entry


def scan(folded: str, automaton: ahocorasick.Automaton) -> tuple[list[Hit], list[Found]]:
    """Hits on word edges, split into gazetteer hits and lexicon entries.

    Model names (TM-62M) may run past their key; the mine rules check their right edge.
    """
    country_hits: list[Hit] = []
    lexicon_hits: list[Found] = []
    add_country = country_hits.append
    add_lexicon = lexicon_hits.append
    last = len(folded) - 1
    for end, (n, check_left, check_right, countries, others) in automaton.iter(folded):
        start = end - n + 1
        if check_left and start and folded[start - 1].isalnum():
            continue
        if end < last and folded[end + 1].isalnum():
            if check_right or others is None:
                continue
            # a model name running on (TM-62M): the mine rules check where it ends
            for entry in others:
                if entry[0] == MT_MODEL:
                    add_lexicon((start, end + 1, entry))
            continue
        if countries is not None:
            add_country((start, end + 1, countries))
        if others is not None:
            for entry in others:
                add_lexicon((start, end + 1, entry))
    return country_hits, lexicon_hits


_new = object.__new__


def new_tag(kind: str, value: str, evidence: str, start: int, end: int) -> Tag:
    """Tag(kind, value, evidence, start, end), built without the frozen dataclass's slow
    __init__ (the result is an ordinary, equal and hashable Tag)."""
    tag = _new(Tag)
    tag.__dict__.update(kind=kind, value=value, evidence=evidence, start=start, end=end)
    return tag


def case_ok(text: str, start: int, checks: Iterable[tuple[int, bool]]) -> bool:
    """True when the original letters have the case the pattern asks for."""
    for offset, upper in checks:
        ch = text[start + offset]
        if upper:
            if not ch.isupper():
                return False
        elif not ch.islower():
            return False
    return True


__all__ = [
    "fold", "knowledge", "scan", "case_ok", "new_tag", "Knowledge", "Entry", "Hit", "Found",
]
