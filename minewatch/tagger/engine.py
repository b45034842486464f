"""tag(): one pass of the automaton, then the country and mine rules over its hits."""

from __future__ import annotations

from minewatch.models import Tag, TagResult

from . import mines
from .countries import country_tags
from .matcher import knowledge, scan
from .normalize import fold
from .sentences import Sentences
from .spans import SpanIndex


def tag(text: str) -> TagResult:
    """Label a text: relevant or not, and every mention with its evidence and offsets."""
    if not isinstance(text, str) or not text:
        return TagResult(relevant=False, tags=())
    kb = knowledge()
    folded = fold(text)
    country_hits, lexicon_hits = scan(folded, kb.automaton)
    tags: list[Tag] = country_tags(text, folded, country_hits)
    relevant = False
    if lexicon_hits:
        relevant, extra = _mine_tags(text, folded, lexicon_hits)
        if extra:
            treaty_spans = [(t.start, t.end) for t in extra if t.kind == "treaty"]
            if treaty_spans:
                # "Ottawa" inside "Ottawa Convention" is the treaty, not Canada
                treaty = SpanIndex(treaty_spans)
                tags = [t for t in tags if t.value != "CA" or not treaty.covers(t.start, t.end)]
            tags.extend(extra)
    tags.sort(key=lambda t: (t.start, t.end, t.kind, t.value))
    return TagResult(relevant=relevant, tags=tuple(tags))


def _mine_tags(text: str, folded: str, lexicon_hits: list) -> tuple[bool, list[Tag]]:
    found = mines.group_hits(lexicon_hits)
    rules = mines.rules()
    relevant, mentions = mines.relevance_signals(folded, found, rules)
    types = mines.mine_type_tags(text, folded, found)
    relevant = mines.type_signals(folded, types, mentions, rules) or relevant
    sents = Sentences(text)
    treaty = mines.treaty_tags(text, folded, found, sents, mentions)
    if treaty:
        relevant = True
    if not relevant:
        return False, []
    mentions.extend(t.start for t in treaty)
    out = treaty
    out.extend(types)
    out.extend(mines.persistence_tags(text, folded, found, sents, mentions))
    return True, out
