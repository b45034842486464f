"""Relevance, mine type, persistence and treaty: the lexicon hits read in their context."""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from dataclasses import dataclass, field

from minewatch.models import Tag

from .context import WORD, Rules, clause_before, next_word, rules, tokens_around, words_before
from .matcher import (
    MT_EXACT,
    MT_MODEL,
    MT_TERM,
    PERSIST,
    PERSIST_TIME,
    PERSIST_WORD,
    REL_ACTION,
    REL_BARE,
    REL_LAND,
    REL_NAVAL,
    REL_WEAK,
    TREATY,
    TREATY_EXACT,
    TREATY_HEAD,
    TREATY_NOT,
    case_ok,
    new_tag,
)
from .sentences import Sentences
from .spans import SpanIndex

Found = tuple[int, int, tuple]  # start, end, entry

_RELEVANCE = (REL_LAND, REL_ACTION, REL_WEAK, REL_BARE, REL_NAVAL)
_TYPES = (MT_TERM, MT_EXACT, MT_MODEL)
_TREATY = (TREATY, TREATY_EXACT, TREATY_NOT, TREATY_HEAD)
_PERSIST = (PERSIST, PERSIST_WORD, PERSIST_TIME)
_MODEL_TAIL = re.compile(r"[A-Z0-9]*s?(?![A-Za-z0-9])")
_MINE_AFTER = re.compile(r"[\s,a-z-]{0,40}?\b(?:land)?mine(?:s|field|fields)?\b")
_MINE_WORD_END = re.compile(r"mines?$")
_OBJECT_TOKEN = re.compile(r"[a-z]+(?:-[a-z]+)*")


@dataclass
class FoundHits:
    """Lexicon hits of one text, by group, overlaps already resolved within each family."""

    by_group: dict[str, list[Found]] = field(default_factory=dict)

    def get(self, group: str) -> list[Found]:
        return self.by_group.get(group, [])


def _leftmost_longest(items: list[Found]) -> list[Found]:
    items.sort(key=lambda h: (h[0], h[0] - h[1]))
    kept, reach = [], -1
    for h in items:
        if h[0] >= reach:
            kept.append(h)
            reach = h[1]
    return kept


def group_hits(raw: list[Found]) -> FoundHits:
    families: dict[tuple[str, ...], list[Found]] = {}
    for fam in (_RELEVANCE, _TYPES, _TREATY, _PERSIST):
        families[fam] = []
    family_of = {g: fam for fam in families for g in fam}
    for h in raw:
        fam = family_of.get(h[2][0])
        if fam is not None:
            families[fam].append(h)
    out = FoundHits()
    for items in families.values():
        for h in _leftmost_longest(items):
            out.by_group.setdefault(h[2][0], []).append(h)
    return out


# --- relevance -------------------------------------------------------------------------------


def _metaphor(folded: str, start: int, end: int, r: Rules) -> bool:
    """'a political landmine', 'a minefield of regulations'."""
    before = words_before(folded, start, 2)
    if any(w in r.metaphor_before for w in before):
        return True
    return folded.startswith(r.metaphor_after, end)


def _military_enough(folded: str, start: int, end: int, r: Rules, naval_weight: bool,
                     unless: tuple[str, ...] = ()) -> bool:
    """More military words than extractive (and naval) ones around a hit, words beginning
    with one of `unless` left out."""
    toks = tokens_around(folded, start, end)
    if unless:
        toks = {t for t in toks if not t.startswith(unless)}
    mil = r.military.count(toks)
    against = r.extractive.count(toks)
    if naval_weight:
        against += r.naval.count(toks)
    return mil >= 1 and mil > against


def relevance_signals(folded: str, found: FoundHits, r: Rules) -> tuple[bool, list[int]]:
    """Whether the hits show a real land-mine story, and where mines are mentioned."""
    naval_story = bool(found.get(REL_NAVAL))
    relevant = False
    mentions: list[int] = []
    for start, end, _entry in found.get(REL_LAND):
        if not _metaphor(folded, start, end, r):
            relevant = True
            mentions.append(start)
    for start, end, _entry in found.get(REL_ACTION):
        mentions.append(start)
        if naval_story or r.naval.count(tokens_around(folded, start, end)) >= 2:
            continue
        relevant = True
    for start, end, _entry in found.get(REL_WEAK):
        if _metaphor(folded, start, end, r):
            continue
        mentions.append(start)
        # Another "minefield" is no support: "a minefield of rules ... a minefield of paperwork"
        if not relevant and _military_enough(folded, start, end, r, False, r.weak_words):
            relevant = True
    for start, end, _entry in found.get(REL_BARE):
        before = words_before(folded, start, 1)
        if before and before[0] in r.extractive:  # "coal mine", "gold mines"
            continue
        if end - start == 4 and before and before[0] in r.pronoun_before:  # "a friend of mine"
            continue
        mined = WORD.findall(folded, end, end + 30)[:3] if folded[start:end] == "mined" else ()
        if any(w in r.extractive for w in mined):  # "mined the archive data", "mined gold"
            continue
        if naval_story:
            continue
        if _military_enough(folded, start, end, r, True):
            mentions.append(start)
            relevant = True
    return relevant, mentions


def type_signals(folded: str, type_tags: list[Tag], mentions: list[int], r: Rules) -> bool:
    """A type word before a mine word ('POM-3 mines', 'anrtipersonnel mine') or among
    military words ('40,000 APLs awaiting destruction') is about mines."""
    relevant = False
    for t in type_tags:
        mentions.append(t.start)
        if not relevant and (
            _MINE_WORD_END.search(folded, t.start, t.end)
            or _MINE_AFTER.match(folded, t.end)
            or _military_enough(folded, t.start, t.end, r, True)
        ):
            relevant = True
    return relevant


# --- treaty ----------------------------------------------------------------------------------


def _description_end(
    folded: str, start: int, end: int, sents: Sentences, r: Rules, mines_before: bool
) -> int | None:
    """Where 'treaty banning anti-personnel mines' ends, if the head starts one."""
    if any(map(folded[max(0, start - 30) : start].__contains__, r.other_before)):
        return None
    if folded.startswith(r.other_after, end):
        return None
    window = end + 220
    ahead = itertools.islice(_OBJECT_TOKEN.finditer(folded, end, window), 14)
    if not any(m.group() in r.ban_verbs for m in ahead):
        return None  # nor within the sentence, whose words are the first of these
    limit = min(sents.bounds_at(start)[1], window)
    toks = [(m.group(), m.end()) for m in _OBJECT_TOKEN.finditer(folded, end, limit)]
    verb_at = next((i for i, (t, _) in enumerate(toks[:14]) if t in r.ban_verbs), None)
    if verb_at is None:
        return None
    rest = toks[verb_at + 1 : verb_at + 15]
    for i, (tok, tok_end) in enumerate(rest):
        if tok in r.not_objects:
            return None
        pair = f"{tok} {rest[i + 1][0]}" if i + 1 < len(rest) else ""
        if pair in r.objects:
            tok_end = rest[i + 1][1]
            i += 1
        elif tok not in r.objects:
            if i == 0 and tok in r.anaphor_starts and mines_before:
                for noun, noun_end in rest[1:5]:
                    if noun in r.anaphor_nouns:
                        return noun_end
            continue
        if i + 1 < len(rest) and rest[i + 1][0] in ("mine", "mines", "landmines", "landmine"):
            tok_end = rest[i + 1][1]
        return tok_end
    return None


def treaty_tags(
    text: str, folded: str, found: FoundHits, sents: Sentences, mentions: list[int]
) -> list[Tag]:
    r = rules()
    tags = [new_tag("treaty", "ottawa", text[s:e], s, e) for s, e, _ in found.get(TREATY)]
    for s, e, entry in found.get(TREATY_EXACT):
        if case_ok(text, s, entry[3]):
            tags.append(new_tag("treaty", "ottawa", text[s:e], s, e))
    for s, e, _ in found.get(TREATY_HEAD):
        mines_before = any(m < s for m in mentions)
        stop = _description_end(folded, s, e, sents, r, mines_before)
        if stop is not None:
            tags.append(new_tag("treaty", "ottawa", text[s:stop], s, stop))
    return tags


# --- mine type -------------------------------------------------------------------------------


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent swaps, giving up (limit + 1) once it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


_LETTERS = re.compile(r"[a-z]+")


def _bigrams(word: str) -> frozenset[str]:
    return frozenset(word[i : i + 2] for i in range(len(word) - 1))


_TARGET_BIGRAMS: dict[str, frozenset[str]] = {}


def _close_to(word: str, target: str, limit: int) -> bool:
    """Within `limit` edits but not equal; a bigram count rules most words out cheaply."""
    if abs(len(word) - len(target)) > limit:
        return False
    grams = _TARGET_BIGRAMS.get(target)
    if grams is None:
        grams = _TARGET_BIGRAMS[target] = _bigrams(target)
    # each edit breaks at most two bigrams
    if len(grams & _bigrams(word)) < len(grams) - 2 * limit - 1:
        return False
    return 0 < _osa_distance(word, target, limit) <= limit


_LETTERS_AHEAD = re.compile(r"[a-z]*")
_LETTERS_BEHIND = re.compile(r"[a-z]*$")


def _typo_candidates(folded: str, pos: int) -> list[tuple[int, int]]:
    """The word around `pos`, and it joined with a neighbour across one hyphen or space."""
    behind = _LETTERS_BEHIND.search(folded, max(0, pos - 20), pos)
    s = behind.start() if behind else pos
    e = _LETTERS_AHEAD.match(folded, pos).end()
    spans = [(s, e)]
    if s >= 2 and folded[s - 1] in "- ":
        prev = _LETTERS_BEHIND.search(folded, max(0, s - 21), s - 1)
        if prev and prev.start() < s - 1:
            spans.append((prev.start(), e))
    if e + 1 < len(folded) and folded[e] in "- ":
        nxt = _LETTERS_AHEAD.match(folded, e + 1).end()
        if nxt > e + 1:
            spans.append((s, nxt))
    return spans


# Fragments that survive any near-miss spelling of the long type words: two edits cannot
# break all of "anti", "pers" and "onne" in "antipersonnel", nor "anti" and "tank" at once.
TYPO_PROBES = ("anti", "pers", "onne", "tank", "vehi")


_PROBES = re.compile("|".join(TYPO_PROBES))  # no two probes can overlap: one pass finds all


def _probe_positions(folded: str) -> list[int]:
    return [m.start() for m in _PROBES.finditer(folded)]


def typo_tags(text: str, folded: str, taken: list[tuple[int, int]]) -> list[Tag]:
    """Near-miss spellings of the long type words ('anrtipersonnel', 'antipersonel')."""
    r = rules()
    tags: list[Tag] = []
    seen: set[tuple[int, int]] = set()
    taken.sort()
    starts = [ts for ts, _ in taken]
    occupied = SpanIndex(taken)
    for pos in _probe_positions(folded):
        i = bisect.bisect_right(starts, pos) - 1
        if i >= 0 and pos < taken[i][1]:
            continue
        for s, e in _typo_candidates(folded, pos):
            if (s, e) in seen or occupied.overlaps(s, e):
                continue
            seen.add((s, e))
            if not 7 <= e - s <= 17:
                continue
            for value in _near_misses(folded[s:e].replace("-", "").replace(" ", "")):
                if next_word(folded, e) not in r.not_followed.get(value, ()):
                    tags.append(new_tag("mine_type", value, text[s:e], s, e))
                    break
    return tags


@functools.lru_cache(maxsize=16384)
def _near_misses(word: str) -> tuple[str, ...]:
    """The types whose words `word` misspells. Cached: the probes mostly land on the same
    ordinary words ("persons", "tanks", "anticipated") story after story."""
    return tuple(
        value
        for value, (targets, limit) in rules().typo_targets.items()
        if any(_close_to(word, t, limit) for t in targets)
    )


def mine_type_tags(text: str, folded: str, found: FoundHits) -> list[Tag]:
    r = rules()
    tags: list[Tag] = []
    for s, e, entry in found.get(MT_TERM):
        value = entry[1]
        if next_word(folded, e) in r.not_followed[value]:
            continue
        tags.append(new_tag("mine_type", value, text[s:e], s, e))
    for s, e, entry in found.get(MT_EXACT):
        if case_ok(text, s, entry[3]):
            tags.append(new_tag("mine_type", entry[1], text[s:e], s, e))
    for s, e, entry in found.get(MT_MODEL):
        if not case_ok(text, s, entry[3]):
            continue
        m = _MODEL_TAIL.match(text, e)
        if m is None:
            continue
        stop = m.end() if m.group().rstrip("s") else e
        tags.append(new_tag("mine_type", entry[1], text[s:stop], s, stop))
    taken = [(t.start, t.end) for t in tags]
    tags.extend(typo_tags(text, folded, taken))
    return tags


# --- persistence -----------------------------------------------------------------------------


def _negated(folded: str, start: int, r: Rules, floor: int = 0) -> bool:
    """A negator in the few words before `start`, after `floor` (the end of the cue before it,
    which a negator in between belongs to: "do not self-destruct remain a danger")."""
    if folded[max(0, start - 4) : start] == "non-":
        return True
    for word in reversed(words_before(folded, start, r.negation_window, floor=floor)):
        if word in r.clause_breaks:
            return False
        if word in r.negators or word.endswith("n't"):
            return True
    return False


_FLIP = {"persistent": "nonpersistent", "nonpersistent": "persistent"}


def persistence_tags(
    text: str, folded: str, found: FoundHits, sents: Sentences, mentions: list[int]
) -> list[Tag]:
    r = rules()
    marks = sorted(mentions)
    tags: list[Tag] = []

    def mine_between(lo: int, hi: int) -> bool:
        i = bisect.bisect_left(marks, lo)
        return i < len(marks) and marks[i] < hi

    def near_mines(pos: int, previous_too: bool) -> bool:
        lo, hi = sents.bounds_at(pos)
        if previous_too:
            prev = sents.previous_bounds(lo)
            if prev is not None:
                lo = prev[0]
        return mine_between(lo, hi)

    def about_another_weapon(pos: int) -> bool:
        """The cue's own clause names another weapon and no mine (", where cluster bomblets
        still kill"): it speaks of that weapon, however near a mine word stands."""
        words = clause_before(folded, pos, r.subject_breaks)
        if not any(word.group() in r.other_weapons for word in words):
            return False
        return not mine_between(words[0].start(), pos)

    cue_ends = sorted(e for s, e, _ in (*found.get(PERSIST), *found.get(PERSIST_WORD)))

    def negated(s: int) -> bool:
        before = bisect.bisect_right(cue_ends, s) - 1
        return _negated(folded, s, r, cue_ends[before] if before >= 0 else 0)

    for s, e, entry in found.get(PERSIST):
        value = entry[1]
        if (value == "persistent" and not near_mines(s, True)) or about_another_weapon(s):
            continue
        if negated(s):
            value = _FLIP[value]
        tags.append(new_tag("persistence", value, text[s:e], s, e))
    for s, e, entry in found.get(PERSIST_WORD):
        if not near_mines(s, False):
            continue
        value = _FLIP[entry[1]] if negated(s) else entry[1]
        tags.append(new_tag("persistence", value, text[s:e], s, e))
    for s, e, entry in found.get(PERSIST_TIME):
        if not near_mines(s, True) or about_another_weapon(s):
            continue
        lo, hi = sents.bounds_at(s)
        if not any(w in r.danger for w in WORD.findall(folded, lo, hi)):
            continue
        tags.append(new_tag("persistence", entry[1], text[s:e], s, e))
    return tags
