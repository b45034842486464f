"""Properties of the tagger that must hold on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from minewatch.tagger import sentence_span, tag
from minewatch.tagger.normalize import fold
from minewatch.tagger.sentences import Sentences

_WORDS = [
    "anti-personnel", "mines", "landmine", "Ottawa", "Convention", "U.S.", "US", "us", "Georgia",
    "İ", "ß", "\u2013", "self-destruct", "not", "persistent", "Papua New Guinea", "TM-62M",
    "anrtipersonnel", "treaty", "banning", "Russia's", "\n", ".", " ", "Kyiv", "mine", "PMN",
]
_NEWSY = st.lists(
    st.one_of(st.sampled_from(_WORDS), st.text(max_size=6)), max_size=40
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _NEWSY))
def test_never_raises_and_evidence_is_the_slice(text: str) -> None:
    result = tag(text)
    assert isinstance(result.relevant, bool)
    last = -1
    for t in result.tags:
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start : t.end] == t.evidence
        assert t.start >= last
        last = t.start
        if t.kind == "country":
            assert len(t.value) == 2 and t.value.isupper()
    if not result.relevant:
        assert {t.kind for t in result.tags} <= {"country"}


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_fold_preserves_length(text: str) -> None:
    assert len(fold(text)) == len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.integers(0, 250), st.integers(0, 250))
def test_sentence_span_contains_the_span(text: str, a: int, b: int) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    s, e = sentence_span(text, start, end)
    assert 0 <= s <= start <= end <= e <= len(text)
    shared = Sentences(text)  # as `show` passes it, once for all of a story's tags
    assert sentence_span(text, start, end, shared) == (s, e)
    assert sentence_span(text, 0, start, shared) == sentence_span(text, 0, start)


@settings(max_examples=100, deadline=None)
@given(_NEWSY)
def test_deterministic(text: str) -> None:
    assert tag(text) == tag(text)
