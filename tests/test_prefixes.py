"""The prefix index: a pattern is tried only where its literal beginning occurs, so it must
find every place the pattern matches, or an event or a folded phrase would be missed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minewatch.cluster_words import PHRASES
from minewatch.events.lexicon import default_lexicon
from minewatch.prefixes import PrefixIndex, hits_within, literal_prefixes, matches_from, starts_of


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bwithdr(?:aw|ew)\b", {"withdraw", "withdrew"}),
        (r"\b(?:use[sd]?|using)\b", {"use", "uses", "used", "using"}),
        (r"\banti[- ]?tank\b", {"anti-tank", "anti tank", "antitank"}),
        (r"\b(?:the\s+)?ottawa treaty", {"the", "ottawa treaty"}),
        (r"(?-i:May)\b", {"may"}),
        (r"\bu\.n\.", {"u.n."}),
        (r"\bbans?\w* on", {"ban", "bans", "ban on", "bans on"}),
    ],
)
def test_literal_prefixes(pattern: str, expected: set[str]) -> None:
    assert literal_prefixes(pattern) == expected


@pytest.mark.parametrize("pattern", [r"\w+ed\b", r"(?:the )?\d+ mines", r".", r"[a-z]+ban"])
def test_a_pattern_that_may_begin_anywhere_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="must begin with literal text"):
        literal_prefixes(pattern)


def test_hits_carry_the_keys_of_every_pattern_that_may_begin_there() -> None:
    index = PrefixIndex([("use", r"\bus(?:e|ed|ing)\b"), ("sign", r"\bsign(?:ed)?\b"),
                         ("both", r"\busing force")])
    text = "Vietnam signed, then USING force, used them."
    hits = index.hits(text)
    assert [(text[at : at + 3], sorted(keys)) for at, keys in hits] == [
        ("sig", ["sign"]), ("USI", ["both", "use"]), ("use", ["use"]),
    ]
    first_sentence = hits_within(hits, 0, text.index(","))
    assert [at for at, _ in first_sentence] == [text.index("signed")]
    using_force = re.compile(r"\busing force", re.I)
    assert [m.group() for m in matches_from(using_force, text, starts_of(hits, "both"), 99)] == [
        "USING force"
    ]
    # tried only where a pattern of its own key may begin
    assert not list(matches_from(using_force, text, starts_of(hits, "sign"), len(text)))


def test_offsets_stay_exact_when_lower_case_is_longer() -> None:
    index = PrefixIndex([("ban", r"\bban\b")])
    text = "İstanbul: a ban"  # "İ".lower() is two characters
    assert [at for at, _ in index.hits(text)] == [text.index("ban")]


_WORDS = [
    "Russia", "used", "uses", "the", "treaty", "Ottawa", "land", "mines", "mine-free", "signed",
    "withdrew", "from", "anti-personnel", "anti", "tank", "took", "effect", "pulled", "out",
    "declared", "free", "of", "landmines", "U.N.", "United", "Nations", "said", ",", ".",
    "stepped", "on", "a", "denied", "it", "Secretary-General", "convention", "banning",
]


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30))
def test_the_index_misses_no_match_of_the_lexicons(words: list[str]) -> None:
    """finditer over the text and matching only at the index's hits give the same matches."""
    text = " ".join(words)
    lexicon = default_lexicon()
    hits = lexicon.cue_index.hits(text)
    for spec in lexicon.actions:
        starts = starts_of(hits, spec.action)
        for pattern in (*spec.triggers, *spec.alone):
            assert _spans(matches_from(pattern, text, starts, len(text))) == _spans(
                pattern.finditer(text)
            )
    phrases = PrefixIndex(enumerate(pattern for pattern, _ in PHRASES))
    phrase_hits = phrases.hits(text)
    for key, (pattern, _) in enumerate(PHRASES):
        compiled = re.compile(pattern, re.IGNORECASE)
        found = matches_from(compiled, text, starts_of(phrase_hits, key), len(text))
        assert _spans(found) == _spans(compiled.finditer(text))
