"""Word lists from the lexicon compiled for quick look-ups around a hit."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .matcher import knowledge

WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_CLAUSE_BREAKS = ",;:.!?()"


@dataclass(frozen=True)
class WordSet:
    """Exact words plus prefixes (a lexicon entry 'explod*' is the prefix 'explod')."""

    words: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, items: list[str]) -> WordSet:
        words, prefixes = set(), []
        for item in items:
            item = str(item).lower()
            if item.endswith("*"):
                prefixes.append(item[:-1])
            else:
                words.update(WORD.findall(item) if " " in item or "-" in item else [item])
        return cls(frozenset(words), tuple(prefixes))

    def count(self, tokens: set[str]) -> int:
        n = len(tokens & self.words)
        if self.prefixes:
            prefixes = self.prefixes
            n += sum(1 for t in tokens - self.words if t.startswith(prefixes))
        return n

    def __contains__(self, token: str) -> bool:
        return token in self.words or bool(self.prefixes and token.startswith(self.prefixes))


@dataclass(frozen=True)
class Rules:
    military: WordSet
    extractive: WordSet
    naval: WordSet
    metaphor_before: frozenset[str]
    metaphor_after: tuple[str, ...]
    pronoun_before: frozenset[str]
    not_followed: dict[str, frozenset[str]]
    typo_targets: dict[str, tuple[tuple[str, ...], int]]
    danger: frozenset[str]
    negators: frozenset[str]
    clause_breaks: frozenset[str]
    negation_window: int
    other_weapons: frozenset[str]
    subject_breaks: frozenset[str]
    ban_verbs: frozenset[str]
    objects: frozenset[str]
    not_objects: frozenset[str]
    anaphor_starts: frozenset[str]
    anaphor_nouns: frozenset[str]
    other_after: tuple[str, ...]
    other_before: tuple[str, ...]
    weak_words: tuple[str, ...]  # "minefield", "landmine": the words whose sense is in doubt


@functools.cache
def rules() -> Rules:
    lex = knowledge().lexicon
    rel, pers, tr, mt = lex["relevance"], lex["persistence"], lex["treaty"], lex["mine_type"]
    low = lambda items: frozenset(str(i).lower() for i in items)  # noqa: E731
    return Rules(
        military=WordSet.of(rel["military_context"]),
        extractive=WordSet.of(rel["extractive_context"]),
        naval=WordSet.of(rel["naval_context"]),
        metaphor_before=low(rel["metaphor_before"]),
        metaphor_after=tuple(" " + str(p).lower() for p in rel["metaphor_after"]),
        pronoun_before=low(rel["pronoun_before"]),
        not_followed={k: low(v.get("not_followed_by", [])) for k, v in mt.items() if k != "typos"},
        typo_targets={
            k: (tuple(v["targets"]), int(v["max_edits"])) for k, v in mt["typos"].items()
        },
        danger=low(pers["danger_words"]),
        negators=low(pers["negators"]),
        clause_breaks=low(pers["clause_breaks"]),
        negation_window=int(pers["negation_window"]),
        other_weapons=low(pers["other_weapons"]),
        subject_breaks=low(pers["subject_breaks"]),
        ban_verbs=low(tr["ban_verbs"]),
        objects=low(tr["description_objects"]) | {"mines"},
        not_objects=low(tr["not_objects"]),
        anaphor_starts=low(tr["anaphor_starts"]),
        anaphor_nouns=low(tr["anaphor_nouns"]),
        other_after=tuple(" " + str(p).lower() for p in tr["other_treaty_after"]),
        other_before=tuple(str(p).lower() for p in tr["other_treaty_before"]),
        weak_words=tuple(str(p).lower().replace("~", "") for p in rel["weak"]),
    )


def tokens_around(folded: str, start: int, end: int, width: int = 150) -> set[str]:
    """Distinct words within `width` characters on either side of a hit (the hit excluded)."""
    return set(WORD.findall(folded, max(0, start - width), start)) | set(
        WORD.findall(folded, end, end + width)
    )


def _back_to_punctuation(folded: str, start: int, reach: int,
                         floor: int = 0) -> list[re.Match[str]]:
    """The words before `start`, not crossing , ; : . ! ? or a parenthesis, nor going back past
    `floor` or `reach` characters."""
    lo = max(floor, start - reach)
    after_break = max(folded.rfind(mark, lo, start) for mark in _CLAUSE_BREAKS) + 1
    return list(WORD.finditer(folded, max(lo, after_break), start))


def words_before(folded: str, start: int, n: int, reach: int = 60, floor: int = 0) -> list[str]:
    """Up to `n` words before `start`, nearest last, within its clause (see above)."""
    return [word.group() for word in _back_to_punctuation(folded, start, reach, floor)[-n:]]


def clause_before(folded: str, start: int, breaks: frozenset[str],
                  reach: int = 60) -> list[re.Match[str]]:
    """The words of `start`'s clause before it: back to a punctuation mark or a word of
    `breaks`, and no further than `reach` characters."""
    words = _back_to_punctuation(folded, start, reach)
    for i in range(len(words) - 1, -1, -1):
        if words[i].group() in breaks:
            return words[i + 1 :]
    return words


def next_word(folded: str, end: int) -> str:
    m = WORD.search(folded, end, end + 40)
    if m and not folded[end : m.start()].strip(" -"):
        return m.group()
    return ""
