"""Questions about one position against many spans, in log time: whether a span covers a
stretch, or overlaps it. The tagger asks them once per mention, and testing every span each
time made a long text quadratic."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import accumulate


class SpanIndex:
    """Spans (start, end), sorted by start; `furthest[i]` is the largest end among the first
    i + 1, so "some span opening at or before x reaches y" is one bisect and one look-up."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [start for start, _ in ordered]
        self.furthest = list(accumulate((end for _, end in ordered), max))

    def covers(self, start: int, end: int) -> bool:
        """Some span holds [start, end): it opens at or before `start`, ends at or after `end`."""
        last = bisect_right(self.starts, start) - 1
        return last >= 0 and self.furthest[last] >= end

    def overlaps(self, start: int, end: int) -> bool:
        """Some span shares a position with [start, end): opens before `end`, ends after `start`."""
        last = bisect_left(self.starts, end) - 1
        return last >= 0 and self.furthest[last] > start
