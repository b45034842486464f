"""Where in a text a set of regex patterns may match, found in one pass instead of one search each.

Each pattern begins with literal text ("withdr", "anti-", "land mine"); one Aho-Corasick pass
over the lower-cased text finds those beginnings, and only there is a pattern tried, anchored
with `match`. A union of many patterns searched with `re` tries every alternative at every
word boundary in turn: on long stories the event triggers cost 16 times more that way.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Hashable, Iterable, Iterator
from re import _constants as sre  # the parsed form of a pattern, read only for its prefixes
from re import _parser as sre_parse

import ahocorasick

Hit = tuple[int, frozenset]  # where a pattern may begin, and the keys of the patterns that may

_MAX_PREFIXES = 64  # spelled-out alternatives of one pattern before its prefixes stop growing
_MAX_CLASS = 4  # a character class this small ("[- ]") is spelled out; a larger one ends a prefix


class PrefixIndex:
    """Candidate start positions of keyed, case-insensitive patterns in a text."""

    def __init__(self, patterns: Iterable[tuple[Hashable, str]]) -> None:
        keys_by_prefix: dict[str, set[Hashable]] = {}
        for key, pattern in patterns:
            for prefix in literal_prefixes(pattern):
                keys_by_prefix.setdefault(prefix, set()).add(key)
        self._automaton = ahocorasick.Automaton()
        for prefix, keys in keys_by_prefix.items():
            self._automaton.add_word(prefix, (len(prefix), frozenset(keys)))
        self._automaton.make_automaton()

    def hits(self, text: str) -> list[Hit]:
        """Every position where some pattern's prefix begins, in text order, with its keys."""
        folded = text.lower()
        if len(folded) != len(text):  # a few letters lower-case to two: keep offsets exact
            folded = text.translate(_ASCII_LOWER)
        at: dict[int, frozenset] = {}
        for end, (length, keys) in self._automaton.iter(folded):
            start = end - length + 1
            at[start] = at[start] | keys if start in at else keys
        return sorted(at.items())

    def starts_by_key(self, text: str) -> dict[Hashable, list[int]]:
        """For each key, where one of its patterns may begin, in text order."""
        starts: dict[Hashable, list[int]] = {}
        for at, keys in self.hits(text):
            for key in keys:
                starts.setdefault(key, []).append(at)
        return starts


def hits_within(hits: list[Hit], start: int, end: int) -> list[Hit]:
    """The hits that begin in [start, end)."""
    lo = bisect.bisect_left(hits, (start,))
    return hits[lo : bisect.bisect_left(hits, (end,), lo)]


def starts_of(hits: list[Hit], key: Hashable) -> list[int]:
    """Where the patterns filed under `key` may begin."""
    return [at for at, keys in hits if key in keys]


def matches_from(
    pattern: re.Pattern[str], text: str, starts: Iterable[int], end: int
) -> Iterator[re.Match[str]]:
    """The matches `pattern.finditer(text, ..., end)` would give, tried only at `starts`
    (ascending, and holding every place the pattern can begin): leftmost first, none
    overlapping the one before."""
    done = 0
    for at in starts:
        if at >= done:
            found = pattern.match(text, at, end)
            if found:
                done = found.end()
                yield found


def literal_prefixes(pattern: str) -> set[str]:
    """The lower-case literal strings every match of `pattern` (case-insensitive) begins with.

    A pattern that may begin with anything (`\\w+ed`) has none and could never be proposed:
    that is a mistake in the word lists, reported when they are loaded.
    """
    found = {prefix for prefix, _ in _prefixes(sre_parse.parse(pattern, re.IGNORECASE))}
    if "" in found:
        raise ValueError(f"a pattern must begin with literal text: {pattern!r}")
    return found


Prefixes = set[tuple[str, bool]]  # (literal beginning, whether what follows may lengthen it)


def _prefixes(items: Iterable[tuple]) -> Prefixes:
    """The literal beginnings of a sequence of parsed items."""
    state: Prefixes = {("", True)}
    for op, arg in items:
        if op is sre.AT and arg in (sre.AT_BOUNDARY, sre.AT_BEGINNING, sre.AT_BEGINNING_STRING):
            continue  # zero width
        heads = _heads(op, arg)
        longer: Prefixes = set()
        for prefix, open_ in state:
            if not open_ or heads is None:
                longer.add((prefix, False))
            else:
                longer.update((prefix + head, more) for head, more in heads)
        if len(longer) > _MAX_PREFIXES:
            return {(prefix, False) for prefix, _ in state}
        state = longer
        if not any(open_ for _, open_ in state):
            break
    return state


def _heads(op: object, arg: object) -> Prefixes | None:
    """The literal beginnings of one parsed item, or None when it can begin with anything."""
    if op is sre.LITERAL:
        return {(chr(arg).lower(), True)}
    if op is sre.IN:
        if len(arg) > _MAX_CLASS or any(kind is not sre.LITERAL for kind, _ in arg):
            return None
        return {(chr(code).lower(), True) for _, code in arg}
    if op is sre.SUBPATTERN:
        return _prefixes(arg[-1])
    if op is sre.BRANCH:
        return set().union(*(_prefixes(alternative) for alternative in arg[1]))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, item = arg
        once = _prefixes(item)
        if high != 1:  # may repeat: nothing after it can be appended
            once = {(prefix, False) for prefix, _ in once}
        return once | {("", True)} if low == 0 else once
    return None


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
