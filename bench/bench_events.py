"""Score minewatch.events on the labelled passages: precision, recall and F1 per action.

    python bench/bench_events.py [--cases tests/data/event_cases.yaml] [--show-errors]

Each passage goes through the real pipeline, extract_events(text, tag(text).tags). An event
counts as found only when the whole record matches (actor, action, recipient, mine_type,
negated); a second table scores the core (actor, action, negated) alone. Last, the time
per 100 kB of one long story (the passages end to end, 100 kB and 1 MB): a feed may carry
whole articles, and the cost must grow with the length, not its square.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from minewatch.events import ACTIONS, extract_events
from minewatch.tagger import tag

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CASES = ROOT / "tests" / "data" / "event_cases.yaml"

Record = tuple[str, str, str | None, str | None, bool]


def labelled(case: dict) -> set[Record]:
    return {
        (e["actor"], e["action"], e["recipient"], e["mine_type"], bool(e["negated"]))
        for e in case["events"]
    }


def predicted(text: str) -> set[Record]:
    return {
        (e.actor, e.action, e.recipient, e.mine_type, e.negated)
        for e in extract_events(text, tag(text).tags)
    }


def core(records: set[Record]) -> set[tuple[str, str, bool]]:
    return {(a, act, neg) for a, act, _r, _t, neg in records}


def score(pairs: list[tuple[set, set]]) -> dict[str, Counter]:
    """True positives, false positives and false negatives per action (index 1 of each record)."""
    counts: dict[str, Counter] = {a: Counter() for a in ACTIONS}
    for want, got in pairs:
        for r in got & want:
            counts[r[1]]["tp"] += 1
        for r in got - want:
            counts[r[1]]["fp"] += 1
        for r in want - got:
            counts[r[1]]["fn"] += 1
    return counts


def prf(c: Counter) -> tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def table(title: str, counts: dict[str, Counter]) -> list[str]:
    lines = [title, f"{'action':<18}{'tp':>5}{'fp':>5}{'fn':>5}{'P':>8}{'R':>8}{'F1':>8}"]
    total: Counter = Counter()
    for action in ACTIONS:
        c = counts[action]
        total.update(c)
        p, r, f = prf(c)
        lines.append(f"{action:<18}{c['tp']:>5}{c['fp']:>5}{c['fn']:>5}{p:>8.3f}{r:>8.3f}{f:>8.3f}")
    p, r, f = prf(total)
    lines.append(
        f"{'overall':<18}{total['tp']:>5}{total['fp']:>5}{total['fn']:>5}{p:>8.3f}{r:>8.3f}{f:>8.3f}"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument(
        "--show-errors", action="store_true", help="print each passage that differs"
    )
    args = parser.parse_args(argv)

    cases = yaml.safe_load(args.cases.read_text("utf-8"))
    started = time.perf_counter()
    pairs = []
    exact = 0
    for case in cases:
        want, got = labelled(case), predicted(case["text"])
        pairs.append((want, got))
        exact += want == got
        if args.show_errors and want != got:
            print(f"- {case['id']}")
            print(f"    missing {sorted(want - got, key=str)}")
            print(f"    extra   {sorted(got - want, key=str)}")
    elapsed = time.perf_counter() - started

    print(f"{len(cases)} passages, {sum(len(w) for w, _ in pairs)} labelled events, "
          f"{exact} passages exactly right, {elapsed * 1000:.0f} ms")
    print()
    print("\n".join(table("full record (actor, action, recipient, mine_type, negated)",
                          score(pairs))))
    print()
    core_pairs = [({(a, act, None, None, n) for a, act, n in core(w)},
                   {(a, act, None, None, n) for a, act, n in core(g)}) for w, g in pairs]
    print("\n".join(table("core (actor, action, negated)", score(core_pairs))))
    print()
    print(scaling(" ".join(case["text"] for case in cases)))
    return 0


def scaling(passages: str) -> str:
    """Tagging plus events on one story of 100 kB and of 1 MB, in ms per 100 kB."""
    per_100k = {}
    for size in (100_000, 1_000_000):
        text = (passages * (size // len(passages) + 1))[:size]
        started = time.perf_counter()
        extract_events(text, tag(text).tags)
        per_100k[size] = (time.perf_counter() - started) * 1000 / (size / 100_000)
    small, large = per_100k[100_000], per_100k[1_000_000]
    return (f"one long story: {small:.0f} ms per 100 kB at 100 kB, {large:.0f} ms per 100 kB "
            f"at 1 MB ({large / small:.2f}x; 1.00 is linear)")


if __name__ == "__main__":
    sys.exit(main())
