"""SpanIndex answers exactly what testing every span would, overlapping spans included."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from minewatch.tagger.spans import SpanIndex

span = st.tuples(st.integers(0, 60), st.integers(1, 20)).map(lambda p: (p[0], p[0] + p[1]))


@given(st.lists(span, max_size=12), span)
def test_covers_and_overlaps_agree_with_a_scan_of_every_span(spans, probe):
    index = SpanIndex(spans)
    start, end = probe
    assert index.covers(start, end) == any(s <= start and end <= e for s, e in spans)
    assert index.overlaps(start, end) == any(s < end and start < e for s, e in spans)


def test_nested_and_touching_spans():
    index = SpanIndex([(10, 40), (12, 15), (50, 60)])
    assert index.covers(13, 35)  # only the outer span holds it, though (12, 15) opens later
    assert not index.covers(35, 45)
    assert not index.overlaps(40, 50)  # touching ends share no position
    assert index.overlaps(59, 70)
    assert not SpanIndex([]).covers(0, 1) and not SpanIndex([]).overlaps(0, 1)
