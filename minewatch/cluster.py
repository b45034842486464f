"""Group stories that report one event: wire copies and own-words reports by other outlets.

Short news texts share few words even when they tell the same thing, and look-alike stories
(a vote and the deposit a week later, two blasts on one day) share many. So a story is reduced
to features that carry the event rather than the wording: content-word stems with synonyms folded
into concepts ("quit", "leave", "withdrawal" -> one token), countries from names, demonyms and
capitals, places, proper names, numbers by kind, weekdays, the treaty stage it reports (vote,
signature, deposit, ...) and its wire marker. Two stories join when their weighted overlap is
high enough for their distance in time, and never when a fact sets them apart: different
countries, places, counts, years, weekdays or stages in the headline and lead.

`fingerprint()` serialises the features so the store can keep them beside the story;
`ClusterPool` places new stories among earlier ones (the store's way), `match()` one story
against given candidates, `cluster()` a whole batch.
"""

from __future__ import annotations

import math
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

import ahocorasick

from minewatch.cluster_words import (
    CAPITALISED_COMMON,
    CONCEPT_GROUPS,
    COUNTRY_TABLE,
    DURATION_WORDS,
    IRREGULAR,
    LEGISLATURES,
    LIGHT_TOKENS,
    MONTHS,
    NUMBER_WORDS,
    PHRASES,
    PLACE_NOUNS,
    STAGE_OF_CONCEPT,
    STOP_STEMS,
    STOPWORDS,
    WEEKDAYS,
    WIRE_AGENCIES,
)
from minewatch.prefixes import PrefixIndex, matches_from

WINDOW_HOURS = 72
"""Two members of one cluster are at most this far apart in time (the store's candidate window)."""

EVENT_HOURS = 36
"""Own-words reports (little shared wording) must be this close in time to count as one event."""

_FINGERPRINT_VERSION = "c1"


@dataclass(frozen=True)
class ClusterDoc:
    """A story as clustering sees it; `fingerprint` may carry stored features to skip analysis."""

    id: int
    title: str
    summary: str
    published: str  # ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ"
    source: str  # feed name or url
    fingerprint: str | None = None


class Features(NamedTuple):
    """What one story says, reduced to comparable sets (see the module docstring).

    A named tuple rather than a dataclass: the store rebuilds hundreds from fingerprints per match.
    """

    words: frozenset[str]  # stems, concepts (~x), countries (@xx), numbers (#n) of the whole text
    title: frozenset[str]  # the same for the headline alone
    names: frozenset[str]  # stems of proper names: they weigh more
    lead_countries: frozenset[str]  # countries in the headline and first sentence
    title_countries: frozenset[str]
    counts: frozenset[str]  # plain numbers in the headline and first sentence
    title_counts: frozenset[str]
    years: frozenset[str]  # years in the headline ("last year" in a lead would not show)
    dates: frozenset[str]  # month-day dates anywhere
    weekdays: frozenset[str]  # weekdays in the headline and first sentence
    places: frozenset[str]  # place names (in X, X province) other than countries
    stages: frozenset[str]  # treaty stages in the headline and first sentence
    title_stages: frozenset[str]
    wire: str  # normalised wire marker, "" when none


# --- public API ---------------------------------------------------------------------------


def fingerprint(title: str, summary: str) -> str:
    """The story's features as one deterministic string, for storage beside the story."""
    return _serialise(analyse(title, summary))


def prepare(stored: Iterable[tuple[str, str]]) -> None:
    """Resolve (published, fingerprint) pairs of stories about to be placed into the cached
    times, features and weights that placing them reads."""
    for published, text in stored:
        _epoch(published)
        _weights(_deserialise(text))


MAX_CANDIDATES = 200
"""A story is compared with at most this many stories nearest to it in time."""


def match(doc: ClusterDoc, candidates: Sequence[tuple[ClusterDoc, int]]) -> int | None:
    """The cluster id `doc` joins among earlier stories `candidates`, or None for a new cluster.

    The best-scoring cluster wins, provided no story of that cluster among the candidates is
    set apart from `doc` by a conflicting fact, so a chain of near matches cannot pull a
    look-alike in.
    """
    when = _epoch(doc.published)
    window = WINDOW_HOURS * 3600.0
    resolved = [(other_when, _features_of(other), cluster_id) for other, cluster_id in candidates
                if abs(when - (other_when := _epoch(other.published))) <= window]
    return _best_cluster(_features_of(doc), when, resolved)


def _best_cluster(
    features: Features, when: float, candidates: Iterable[tuple[float, Features, int]]
) -> int | None:
    """The cluster `features` joins among candidates within the window of `when`."""
    best: dict[int, float] = {}
    vetoed: set[int] = set()  # a member differs in a fact: the cluster is out whatever it scores
    lead = features.lead_countries
    for other_when, other, cluster_id in candidates:
        if cluster_id in vetoed:
            continue
        other_lead = other.lead_countries  # the first fact, and the one most often differing
        if (lead and other_lead and lead.isdisjoint(other_lead)) or _facts_differ(features, other):
            vetoed.add(cluster_id)
            continue
        score = _score(features, when, other, other_when)
        if score > best.get(cluster_id, 0.0):
            best[cluster_id] = score
    ranked = [(-score, cid) for cid, score in best.items() if cid not in vetoed]
    return min(ranked)[1] if ranked else None


class ClusterPool:
    """Stories already placed, in time order, with features and cluster ids resolved once:
    a new story is matched against its neighbours in time, then joins them."""

    def __init__(self, max_candidates: int = MAX_CANDIDATES) -> None:
        self.max_candidates = max_candidates
        self._times: list[float] = []
        self._placed: list[tuple[float, Features, int]] = []  # parallel to _times

    def add(self, doc: ClusterDoc, cluster_id: int) -> None:
        """Keep a story whose cluster is already known."""
        self._insert(_epoch(doc.published), _features_of(doc), cluster_id)

    def place(self, doc: ClusterDoc) -> int:
        """The cluster `doc` joins (an earlier story's id, else its own), remembered for the
        stories placed after it."""
        when = _epoch(doc.published)
        features = _features_of(doc)
        span = WINDOW_HOURS * 3600.0
        first = bisect_left(self._times, when - span)
        last = bisect_right(self._times, when + span)
        if last - first > self.max_candidates:  # the nearest in time are the likeliest
            middle = bisect_left(self._times, when)
            first = max(first, middle - self.max_candidates // 2)
            last = min(last, first + self.max_candidates)
        joined = _best_cluster(features, when, self._placed[first:last])
        cluster_id = doc.id if joined is None else joined
        self._insert(when, features, cluster_id)
        return cluster_id

    def _insert(self, when: float, features: Features, cluster_id: int) -> None:
        at = bisect_right(self._times, when)
        self._times.insert(at, when)
        self._placed.insert(at, (when, features, cluster_id))


def cluster(docs: Sequence[ClusterDoc]) -> dict[int, int]:
    """Story id -> cluster id (the smallest story id in its cluster), as the store builds it.

    Stories are placed one by one in (published, id) order, each against the earlier ones
    within WINDOW_HOURS, exactly as the store does on ingest.
    """
    pool = ClusterPool()
    first_story = {  # story id -> id of the story that opened its cluster
        doc.id: pool.place(doc) for doc in sorted(docs, key=lambda d: (d.published, d.id))
    }
    smallest: dict[int, int] = {}
    for story_id, opener in first_story.items():
        smallest[opener] = min(smallest.get(opener, story_id), story_id)
    return {story_id: smallest[opener] for story_id, opener in first_story.items()}


def bcubed(predicted: dict[int, int], gold: dict[int, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering against expected group labels.

    Each story scores the share of its predicted cluster that truly belongs with it (precision)
    and the share of its true group that it was put with (recall); both are averaged over stories.
    """
    if not gold:
        return 1.0, 1.0, 1.0
    by_cluster: dict[int, set[int]] = {}
    by_group: dict[str, set[int]] = {}
    for story_id, label in gold.items():
        by_cluster.setdefault(predicted[story_id], set()).add(story_id)
        by_group.setdefault(label, set()).add(story_id)
    precision = recall = 0.0
    for story_id, label in gold.items():
        together = by_cluster[predicted[story_id]] & by_group[label]
        precision += len(together) / len(by_cluster[predicted[story_id]])
        recall += len(together) / len(by_group[label])
    precision /= len(gold)
    recall /= len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall)


# --- deciding ------------------------------------------------------------------------------

_DUPLICATE_SCORE = 0.58  # wording this close is one story whatever the other signals
_EVENT_SCORE = 0.30  # own-words reports: a lower bar, but only close in time and with an anchor


def _facts_differ(a: Features, b: Features) -> bool:
    """True when a fact shows two stories are different events, however alike they read."""
    # Each test spelled out ("both have some, and none shared") rather than through a helper:
    # this runs for most pairs of stories a poll places, and the calls were an eighth of it.
    return bool(
        (a.lead_countries and b.lead_countries and a.lead_countries.isdisjoint(b.lead_countries))
        or (a.title_countries and b.title_countries
            and a.title_countries.isdisjoint(b.title_countries))
        or (a.title_stages and b.title_stages and a.title_stages.isdisjoint(b.title_stages))
        or (a.stages and b.stages and a.stages.isdisjoint(b.stages))
        or (a.title_counts and b.title_counts and _counts_differ(a.title_counts, b.title_counts))
        or (a.counts and b.counts and _counts_differ(a.counts, b.counts))
        or (a.years and b.years and a.years.isdisjoint(b.years))
        or (a.dates and b.dates and a.dates.isdisjoint(b.dates))
        or (a.weekdays and b.weekdays and a.weekdays.isdisjoint(b.weekdays))
        or (a.places and b.places and _places_differ(a, b))
    )


def _counts_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both give figures and none agree; large figures agree within 10% ("over 1,000", "1,052")."""
    if not a or not b or not a.isdisjoint(b):
        return False
    for x in a:
        for y in b:
            big, small = max(float(x[1:]), float(y[1:])), min(float(x[1:]), float(y[1:]))
            if small >= 100 and big - small <= 0.1 * big:
                return False
    return True


def _places_differ(a: Features, b: Features) -> bool:
    """Each story names a place the other never mentions, and they share none."""
    return (
        bool(a.places) and bool(b.places) and a.places.isdisjoint(b.places)
        and a.places.isdisjoint(b.words)
        and b.places.isdisjoint(a.words)
    )


def _score(a: Features, a_when: float, b: Features, b_when: float) -> float:
    """How strongly two stories that are not set apart read as one event; 0 when they do not."""
    overlap = _overlap(a, b)
    if a.wire and a.wire == b.wire:
        overlap += 0.08
    if overlap >= _DUPLICATE_SCORE:
        return overlap
    hours = abs(a_when - b_when) / 3600.0
    anchored = bool(
        (a.lead_countries & b.lead_countries) or (a.places & b.places) or (a.names & b.names)
    )
    if hours <= EVENT_HOURS and anchored and overlap >= _EVENT_SCORE:
        return overlap
    return 0.0


def _overlap(a: Features, b: Features) -> float:
    """Weighted overlap of the two texts: half Dice, half containment (trimmed copies)."""
    weights_a, total_a, marked_a = _weights(a)
    weights_b, total_b, marked_b = _weights(b)
    if not total_a or not total_b:
        return 0.0
    # Every shared word counts one unit, and a word both texts weigh otherwise counts the
    # lesser of its two weights instead: only those few are looked up one by one.
    shared = _UNIT * len(a.words & b.words)
    for token in marked_a & marked_b:
        shared += min(weights_a[token], weights_b[token]) - _UNIT
    dice = 2.0 * shared / (total_a + total_b)
    containment = shared / min(total_a, total_b)
    return 0.5 * dice + 0.5 * containment


# Token weights in integer fortieths, so that sums are exact whatever order a set yields its
# words in: a plain word 1, a light one 0.4, a number 1.5, a name or a country 2.
_UNIT, _LIGHT, _NUMBER, _NAME = 40, 16, 60, 80


@lru_cache(maxsize=8192)
def _weights(features: Features) -> tuple[dict[str, int], int, frozenset[str]]:
    """The weights of the tokens that weigh other than one unit, the sum of every token's
    weight, and those tokens: countries and proper names weigh most, then numbers, and light
    words least; a headline word counts a quarter more (so no marked token weighs one unit)."""
    words = features.words
    weights: dict[str, int] = {}
    for token in features.names & words:
        weights[token] = _NAME
    for token in LIGHT_TOKENS & words:
        weights[token] = _LIGHT
    for token in [word for word in words if word[0] in "#@"]:  # numbers and countries
        weights[token] = _NUMBER if token[0] == "#" else _NAME
    for token in features.title & words:
        weights[token] = weights.get(token, _UNIT) * 5 // 4  # exact: weights are multiples of 4
    total = _UNIT * (len(words) - len(weights)) + sum(weights.values())
    return weights, total, frozenset(weights)


# --- features ------------------------------------------------------------------------------


def _features_of(doc: ClusterDoc) -> Features:
    if doc.fingerprint:
        return _deserialise(doc.fingerprint)
    return _analysed(doc.title, doc.summary)


@lru_cache(maxsize=8192)
def _analysed(title: str, summary: str) -> Features:
    """analyse(), remembered for stories matched again and again without a stored
    fingerprint (fingerprint() itself runs once per story and keeps nothing)."""
    return analyse(title, summary)


@lru_cache(maxsize=8192)
def _epoch(published: str) -> float:
    return datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp()


@dataclass
class _Segment:
    words: set[str]
    names: set[str]
    countries: set[str]
    counts: set[str]
    years: set[str]
    dates: set[str]
    weekdays: set[str]
    places: set[str]
    stages: set[str]


def analyse(title: str, summary: str) -> Features:
    """Reduce a headline and summary to the features clustering compares."""
    title, title_wire = _strip_title_wire(title)
    body, body_wire = _strip_body_wire(summary)
    sentences = _sentences(body)
    title_main, title_background = _main_clause(title)
    lead_main, lead_background = _main_clause(sentences[0] if sentences else "")
    title_names = not _is_title_case(title)
    title_seg = _segment(title_main, names_ok=title_names)
    lead_seg = _segment(lead_main, names_ok=True)
    title_more = _segment(title_background, names_ok=title_names)
    rest_seg = _segment(" ".join([lead_background, *sentences[1:]]), names_ok=True)
    segments = (title_seg, title_more, lead_seg, rest_seg)
    head = (title_seg, lead_seg)  # what the story reports, not what it recalls
    return Features(
        words=_union(s.words for s in segments),
        title=_union(s.words for s in (title_seg, title_more)),
        names=_union(s.names for s in segments),
        lead_countries=_union(s.countries for s in head),
        title_countries=frozenset(title_seg.countries),
        counts=_union(s.counts for s in head),
        title_counts=frozenset(title_seg.counts),
        years=frozenset(title_seg.years),
        dates=_union(s.dates for s in segments),
        weekdays=_union(s.weekdays for s in head),
        places=_union(s.places for s in segments),
        stages=_union(s.stages for s in head),
        title_stages=frozenset(title_seg.stages),
        wire=body_wire or title_wire,
    )


# A clause that recalls an earlier step or another actor ("..., a week after parliament voted",
# "Latvia follows Lithuania in ...", "paving the way for the government to notify the UN").
_BACKGROUND = re.compile(
    r"\b(?:after|following|follows|followed|since|before|ahead of|pending|in the wake of|"
    r"paving the way|clearing the way|joining|joins|which|earlier|last (?:week|month|year))\b",
    re.IGNORECASE,
)


def _main_clause(sentence: str) -> tuple[str, str]:
    """Split a sentence into what it reports and a background clause it recalls."""
    found = _BACKGROUND.search(sentence)
    if not found:
        return sentence, ""
    if not sentence[: found.start()].strip():  # "After a long debate, parliament voted ..."
        comma = sentence.find(",", found.end())
        if comma == -1:
            return sentence, ""
        return sentence[comma + 1 :], sentence[:comma]
    return sentence[: found.start()], sentence[found.start() :]


def _union(sets: Iterable[set[str]]) -> frozenset[str]:
    merged: set[str] = set()
    for s in sets:
        merged |= s
    return frozenset(merged)


_AGENCY = r"(?:" + "|".join(WIRE_AGENCIES) + r")"
_DASH = r"[-\u2010-\u2015:]"
# "VILNIUS, Lithuania (AP) —", "(Global Wire) —", "Baku, June 4 (APA) —",
# "SIEM REAP, Cambodia, Nov. 25 (Xinhua) --", "KYIV, June 30. /TASS/." opening a summary
_LEADING_MARKER = re.compile(
    r"^\s*(?P<dateline>[A-Z][^()/\n]{0,60}?)?"
    r"\s*(?:\((?P<paren>[^()]{1,40})\)|/(?P<slash>[A-Za-z]{2,12})/)\s*(?:" + _DASH + r"+|\.)\s*"
)
# "— AFP —", "AFP -" or "Reuters:" opening a summary, without brackets
_LEADING_AGENCY = re.compile(
    r"^\s*" + _DASH + r"*\s*(?P<agency>" + _AGENCY + r")\s*" + _DASH + r"+\s*", re.IGNORECASE
)
# "BOGOTA -" dateline with a dash and no agency
_LEADING_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .'’-]{2,40}(?:,\s*[A-Z][\w .'’-]{1,30})?\s+" + _DASH + r"+\s+"
)
# "... - Reuters", "... | AP News": the source a news aggregator appends to a headline
_TRAILING_SOURCE = re.compile(r"\s+[-|\u2013\u2014]\s+(?P<source>[A-Z][\w.&' ]{1,40})\s*$")


def _normal_wire(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def _strip_body_wire(text: str) -> tuple[str, str]:
    text = " ".join(text.split())
    found = _LEADING_MARKER.match(text)
    if found:
        marker = found.group("paren") or found.group("slash") or ""
        return text[found.end():], _normal_wire(marker)
    found = _LEADING_AGENCY.match(text)
    if found:
        return text[found.end():], _normal_wire(found.group("agency"))
    found = _LEADING_DATELINE.match(text)
    if found:
        return text[found.end():], ""
    return text, ""


def _strip_title_wire(title: str) -> tuple[str, str]:
    title = " ".join(title.split())
    wire = ""
    found = _TRAILING_SOURCE.search(title)
    if found and len(found.group("source").split()) <= 4:
        wire = _normal_wire(found.group("source"))
        title = title[: found.start()]
    stripped, leading = _strip_body_wire(title)
    if leading and stripped:
        title, wire = stripped, wire or leading
    return title, wire


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _is_title_case(text: str) -> bool:
    """Headlines In Title Case capitalise every word, so capitals say nothing about names there."""
    long_words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if len(w) > 3]
    if len(long_words) < 3:
        return False
    capitalised = sum(1 for w in long_words if w[0].isupper())
    return capitalised / len(long_words) >= 0.7


# Words, model names with their number ("PFM-1", "TM-62") and numbers ("1,052", "1.2")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-?\d+[A-Za-z]*)?|\d[\d,]*(?:\.\d+)?")
# The next five open with a character or class before any look-behind, so `re` can skip
# ahead to where a match may start (1.3 to 9 times faster); each is equivalent to its plain form:
# (?<![\w'’-])[A-Z][\w'’-]*, (?<![\w'’-])((?:[A-Z][\w'’-]+\s){0,2}[A-Z][\w'’-]+)\s+...,
# \b(?i:in|near|outside|around)\s+..., \b\d{1,2}(...), (?<![\w.])(?:U\.S\.A\.|...).
_CAPITALISED = re.compile(r"[A-Z](?<![\w'’-][A-Z])[\w'’-]*")
_PLACE_BEFORE = re.compile(
    r"([A-Z](?<![\w'’-][A-Z])[\w'’-]+(?:\s[A-Z][\w'’-]+){0,2})\s+(?i:"
    + "|".join(PLACE_NOUNS) + r")\b"
)
_PLACE_AFTER = re.compile(
    r"(?=[iInNoOaA])\b(?i:in|near|outside|around)\s+((?:[A-Z][\w'’-]+)(?:\s[A-Z][\w'’-]+){0,2})"
)
_CLOCK_TIME = re.compile(
    r"\d(?<!\w\d)(?:\d?(?:[:.]\d\d)?\s*(?:[ap]\.?m\b\.?|gmt\b|utc\b)|\d?:\d\d\b)", re.IGNORECASE
)
_COUNTRY_MARK = "zzq"


def _segment(text: str, names_ok: bool) -> _Segment:
    """Features of one stretch of text (headline, lead sentence or the rest)."""
    if not text:  # most headlines recall nothing: their background part is empty
        return _Segment(set(), set(), set(), set(), set(), set(), set(), set(), set())
    text = _fold_phrases(_mark_countries(_CLOCK_TIME.sub(" ", text)))
    countries: set[str] = set()
    words: set[str] = set()
    names: set[str] = set()
    counts: set[str] = set()
    years: set[str] = set()
    dates: set[str] = set()
    weekdays: set[str] = set()
    stages: set[str] = set()
    places = _places(text, title_case=not names_ok)
    if names_ok:
        for found in _CAPITALISED.finditer(text):
            if not _sentence_start(text, found.start()):
                stem = _stem(_plain(found.group()))
                if stem and stem not in CAPITALISED_COMMON and not stem.startswith(_COUNTRY_MARK):
                    names.add(stem)
    tokens = _WORD.findall(text)
    for index, raw in enumerate(tokens):
        if raw[0].isdigit():
            count = _add_number(raw, tokens, index, counts, years, dates)
            if count:
                words.add(count)
            continue
        kind, value, stage = _word_kind(raw)
        if kind == "word":
            words.add(value)
            if stage:
                stages.add(stage)
        elif kind == "country":
            countries.add(value)
            words.add(value)
        elif kind == "weekday":
            weekdays.add(value)
        elif kind == "number" and not _is_duration(tokens, index):
            counts.add(value)
            words.add(value)
    return _Segment(words, names, countries, counts, years, dates, weekdays, places, stages)


@lru_cache(maxsize=65536)
def _word_kind(raw: str) -> tuple[str, str, str | None]:
    """What a word token adds to a segment, as (kind, value, stage): a country code, a
    weekday, a number word (counted unless it is a duration), a word token, or nothing
    ("skip"). Cached: news repeats its words, and this was most of a long story's cost."""
    word = _plain(raw)
    if word.startswith(_COUNTRY_MARK):
        return "country", "@" + word[len(_COUNTRY_MARK):], None
    if word in WEEKDAYS:
        return "weekday", word, None
    if word in NUMBER_WORDS:
        return "number", "#" + NUMBER_WORDS[word], None
    if word in STOPWORDS or len(word) < 2:
        return "skip", "", None
    stem = _stem(word)
    if stem in STOP_STEMS:
        return "skip", "", None
    token = CONCEPTS.get(stem, stem)
    return "word", token, STAGE_OF_CONCEPT.get(token)


def _add_number(raw: str, tokens: list[str], index: int, counts: set[str], years: set[str],
                dates: set[str]) -> str:
    """File one number under dates, years or counts; return its token when it is a count."""
    value = raw.replace(",", "").rstrip(".")
    previous = _plain(tokens[index - 1]) if index else ""
    following = _plain(tokens[index + 1]) if index + 1 < len(tokens) else ""
    if previous in MONTHS:
        dates.add(MONTHS[previous] + "-" + value)
    elif following in MONTHS:
        dates.add(MONTHS[following] + "-" + value)
    elif re.fullmatch(r"(19|20)\d\d", value):
        years.add(value)
    elif not _is_duration(tokens, index):
        number = float(value) * _MULTIPLIERS.get(following, 1)
        if not math.isfinite(number):  # 309 digits and more: no count anyone reports
            return ""
        token = "#" + (str(int(number)) if number == int(number) else str(number))
        counts.add(token)
        return token
    return ""


_MULTIPLIERS = {
    "thousand": 1_000, "k": 1_000, "million": 1_000_000, "mln": 1_000_000, "m": 1_000_000,
    "billion": 1_000_000_000, "bn": 1_000_000_000,
}


def _is_duration(tokens: list[str], index: int) -> bool:
    """A span, an age, a ratio or a multiple ("six months", "three times", "one in five")."""
    following = _plain(tokens[index + 1]) if index + 1 < len(tokens) else ""
    if following in DURATION_WORDS:
        return True
    return index >= 2 and _plain(tokens[index - 1]) == "in" and _plain(tokens[index - 2]) == "one"


def _sentence_start(text: str, position: int) -> bool:
    """Whether only spaces lie between `position` and a sentence opening before it."""
    index = position - 1
    while index >= 0 and text[index].isspace():
        index -= 1
    return index < 0 or text[index] in ".!?:;\"“‘(—–-"


def _plain(word: str) -> str:
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return word.strip("'")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A light suffix stripper: enough to fold plurals and verb forms of short news words."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if len(word) <= 3 or word.startswith(_COUNTRY_MARK):
        return word
    for suffix, replacement in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""),
                                ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            word = word[: -len(suffix)] + replacement
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "planned" -> "plann" -> "plan"
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _places(text: str, title_case: bool) -> set[str]:
    """Place names after "in"/"near" or before "province"/"district", countries aside.

    In a Title Case headline every word is capitalised, so there a word that is a known concept,
    number or place noun ("In Mine Blast", "In Two Provinces") is not taken for a place.
    """
    places: set[str] = set()
    lowered = text.lower()
    patterns = (_PLACE_BEFORE, _PLACE_AFTER) if _holds_any(lowered, PLACE_NOUNS) else (
        _PLACE_AFTER,
    )
    for pattern in patterns:
        for found in pattern.finditer(text):
            for part in found.group(1).split():
                word = _plain(part)
                stem = _stem(word)
                if (word in STOPWORDS or stem in CAPITALISED_COMMON
                        or word.startswith(_COUNTRY_MARK) or word in MONTHS
                        or word in WEEKDAYS or word in NUMBER_WORDS or word in PLACE_NOUNS):
                    continue
                if title_case and (stem in CONCEPTS or stem in STOP_STEMS):
                    continue
                places.add(stem)
    return places


def _holds_any(lowered: str, words: Iterable[str]) -> bool:
    """Whether any of the words occurs in the lower-cased text: a test far cheaper than the
    pattern it guards, which cannot match without one of them."""
    return any(word in lowered for word in words)


def _mark_countries(text: str) -> str:
    """Replace country names, demonyms and capitals by one marker word per country."""
    if _holds_any(text.lower(), LEGISLATURES):
        text = LEGISLATURE_PATTERN.sub(_legislature_marker, text)
    text = ABBREVIATIONS.sub(lambda m: f" {_COUNTRY_MARK}{ABBREVIATION_CODES[m.group(0)]} ",
                                 text)
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer: offsets would drift
        return COUNTRY_PATTERN.sub(_country_marker, text)
    pieces: list[str] = []
    done = 0
    for start, end in _country_spans(lowered):
        pieces += [text[done:start], _COUNTRY_MARK, COUNTRY_CODES[lowered[start:end]]]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _country_marker(found: re.Match[str]) -> str:
    code = COUNTRY_CODES.get(_matched_name(found))
    return f"{_COUNTRY_MARK}{code}" if code else found.group(0)


def _legislature_marker(found: re.Match[str]) -> str:
    code = LEGISLATURES.get(_matched_name(found))
    return f"{_COUNTRY_MARK}{code} parliament" if code else found.group(0)


def _matched_name(found: re.Match[str]) -> str:
    """The table's key for a name a case-blind pattern matched. `re` matches "İ" as "i", but
    its lower case is "i" and a combining dot; the letters `re` also takes for others ("ſ"
    for "s", the Kelvin sign for "k") find no key and leave the text as it is."""
    return found.group(0).lower().replace("i\u0307", "i")


def _country_spans(lowered: str) -> list[tuple[int, int]]:
    """Where COUNTRY_PATTERN would match, found in one Aho-Corasick pass: at each start on a
    word edge the longest name that also ends on one, leftmost first, never overlapping."""
    longest: dict[int, int] = {}
    last = len(lowered) - 1
    for end, size in _COUNTRY_AUTOMATON.iter(lowered):
        start = end - size + 1
        if start and (lowered[start - 1] in _WORD_JOINERS or lowered[start - 1].isalnum()):
            continue
        if end < last and (lowered[end + 1] in "_-" or lowered[end + 1].isalnum()):
            continue
        if size > longest.get(start, 0):
            longest[start] = size
    spans: list[tuple[int, int]] = []
    free_from = 0
    for start in sorted(longest):
        if start >= free_from:
            free_from = start + longest[start]
            spans.append((start, free_from))
    return spans


# --- fingerprint serialisation ----------------------------------------------------------------


def _serialise(features: Features) -> str:
    parts = [_FINGERPRINT_VERSION]
    for value in features:
        parts.append(value if isinstance(value, str) else " ".join(sorted(value)))
    return "|".join(parts)


_EMPTY: frozenset[str] = frozenset()


@lru_cache(maxsize=16384)
def _deserialise(text: str) -> Features:
    parts = text.split("|")
    if parts[0] != _FINGERPRINT_VERSION or len(parts) != len(Features._fields) + 1:
        raise ValueError(f"not a cluster fingerprint of version {_FINGERPRINT_VERSION}")
    # Interned: the store holds thousands of these at once, and their words repeat.
    sets = [frozenset(map(sys.intern, part.split())) if part else _EMPTY for part in parts[1:-1]]
    return Features(*sets, parts[-1])


# --- derived tables ------------------------------------------------------------------------


def _country_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for line in COUNTRY_TABLE.strip().splitlines():
        code, aliases = line.split(":", 1)
        for alias in aliases.split(","):
            codes[alias.strip()] = code.strip()
    return codes


COUNTRY_CODES = _country_codes()
COUNTRY_PATTERN = re.compile(  # \b first: positions inside words fail before the long list
    r"\b(?<![\w'’-])(?:"
    + "|".join(re.escape(a) for a in sorted(COUNTRY_CODES, key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
)
_WORD_JOINERS = "_'’-"  # with letters and digits, what may not touch a name's start


def _country_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for name in COUNTRY_CODES:
        automaton.add_word(name, len(name))
    automaton.make_automaton()
    return automaton


_COUNTRY_AUTOMATON = _country_automaton()
LEGISLATURE_PATTERN = re.compile(
    r"(?<![\w'’-])(?:" + "|".join(sorted(LEGISLATURES, key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)
ABBREVIATIONS = re.compile(r"U(?<![\w.]U)(?:\.S\.A\.|\.S\.|SA|S|\.K\.|K|AE)(?!\w)")
ABBREVIATION_CODES = {
    "U.S.A.": "us", "U.S.": "us", "USA": "us", "US": "us", "U.K.": "gb", "UK": "gb", "UAE": "ae",
}
_PHRASE_PATTERNS = tuple((re.compile(p, re.IGNORECASE), r) for p, r in PHRASES)
_PHRASE_INDEX = PrefixIndex(enumerate(p for p, _ in PHRASES))
CONCEPTS = {
    _stem(word): "~" + concept
    for concept, words in CONCEPT_GROUPS.items()
    for word in words.split()
}


def _fold_phrases(text: str) -> str:
    """Fold each phrase in turn, as `pattern.sub` would, trying its pattern only where one of
    its beginnings occurs."""
    starts = _PHRASE_INDEX.starts_by_key(text)
    for index, (pattern, replacement) in enumerate(_PHRASE_PATTERNS):
        if index not in starts:
            continue
        pieces: list[str] = []
        done = 0
        for found in matches_from(pattern, text, starts[index], len(text)):
            pieces += [text[done : found.start()], replacement]
            done = found.end()
        if pieces:  # later phrases read the folded text
            text = "".join([*pieces, text[done:]])
            starts = _PHRASE_INDEX.starts_by_key(text)
    return text
