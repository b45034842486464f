"""Digest and timeline speed on a large database: 1,000,000 synthetic stories over two years.

The database is built through the store API (reused when it exists with the same parameters),
and consecutive mine stories are grouped into clusters of 1-4 with set_clusters (clustering
itself is timed elsewhere). Then, in-process, median of several runs:
  - build_digest over a 24-hour window (goal < 300 ms), beside a raw SQL reference that only
    reads the window's stories with their tags and sources;
  - build_timeline by week over the two years (goal < 1 s), plain and --split country, beside a
    raw SQL reference that only counts clusters per week.

    python bench/bench_digest.py                     # 1,000,000 stories (a few minutes to build)
    python bench/bench_digest.py --stories 200000    # smaller, quicker
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from synth import ISO, StoryGenerator, build_store, built_with, remove_db

DIGEST_GOAL_MS = 300.0
TIMELINE_GOAL_MS = 1000.0
START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, tzinfo=UTC)
CLUSTERS_DONE = "bench_clusters"

REFERENCE_DIGEST_SQL = (
    "SELECT s.id, s.title, s.url, s.published, COALESCE(s.cluster_id, s.id), "
    "t.kind, t.value, sf.feed_id FROM stories s "
    "LEFT JOIN tags t ON t.story_id = s.id LEFT JOIN story_feeds sf ON sf.story_id = s.id "
    "WHERE s.relevant = 1 AND s.published >= ? AND s.published < ?"
)
REFERENCE_TIMELINE_SQL = (
    "SELECT date(published, 'localtime', 'weekday 0', '-6 days') AS week, "
    "COUNT(DISTINCT COALESCE(cluster_id, id)) FROM stories "
    "WHERE relevant = 1 AND published >= ? AND published < ? GROUP BY week"
)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    args = parse_args()
    gen = StoryGenerator(seed=args.seed, total=args.stories, mine_share=args.mine_share,
                         start=START, end=END)
    default = Path(tempfile.gettempdir()) / "minewatch-bench" / f"digest-{args.stories}.db"
    db = Path(args.db or default)
    print(f"database: {db}")
    if args.rebuild or not (built_with(db, gen) and clustered(db)):
        remove_db(db)
        print(f"building {args.stories:,} stories through the store API ...", file=sys.stderr)
        took = build_store(db, gen)
        clusters = assign_clusters(db, args.seed)
        print(f"built in {took['generate'] + took['store']:.0f}s "
              f"({args.stories / took['store']:,.0f} stories/s in the store); "
              f"{clusters:,} clusters set")
    else:
        print("reusing the database (--rebuild to build it again)")
    measure(db, args.reps, args.timeline_reps)


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="database file (default: in the temp dir, by size)")
    ap.add_argument("--rebuild", action="store_true", help="build the database again")
    ap.add_argument("--stories", type=int, default=1_000_000, help="stories (default 1000000)")
    ap.add_argument("--mine-share", type=float, default=0.5,
                    help="share of mine stories, the ones digest and timeline read (default 0.5)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--reps", type=int, default=9, help="timed digest runs")
    ap.add_argument("--timeline-reps", type=int, default=3, help="timed runs of each timeline")
    return ap.parse_args()


# ---------------------------------------------------------------------------- clusters
def clustered(db: Path) -> bool:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", [CLUSTERS_DONE]).fetchone()
    finally:
        conn.close()
    return row is not None


def assign_clusters(db: Path, seed: int) -> int:
    """Consecutive mine stories in groups of 1-4, as copies of one wire story would be."""
    from minewatch.store import open_store

    store = open_store(db)
    try:
        ids = [r[0] for r in store.conn.execute(
            "SELECT id FROM stories WHERE relevant = 1 ORDER BY published, id")]
        rng = random.Random(seed)
        pairs: list[tuple[int, int]] = []
        clusters = 0
        at = 0
        while at < len(ids):
            group = ids[at : at + rng.randint(1, 4)]
            pairs += [(group[0], story_id) for story_id in group]
            clusters += 1
            at += len(group)
        store.set_clusters(pairs)
        store.set_meta(CLUSTERS_DONE, str(clusters))
    finally:
        store.close()
    return clusters


# ---------------------------------------------------------------------------- timing
def rounds(fns: list[Callable[[], object]], reps: int) -> tuple[list[float], list[list[float]]]:
    """The first call of each (cold statement cache), then `reps` rounds alternating them."""
    first = []
    for fn in fns:
        began = time.perf_counter()
        fn()
        first.append(time.perf_counter() - began)
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(reps):
        for i, fn in enumerate(fns):
            began = time.perf_counter()
            fn()
            samples[i].append(time.perf_counter() - began)
    return first, samples


def p50_p90(samples: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples)
    p90 = statistics.quantiles(ms, n=10, method="inclusive")[8] if len(ms) > 1 else ms[0]
    return statistics.median(ms), p90


def measure(db: Path, reps: int, timeline_reps: int) -> None:
    from minewatch.digest import build_digest
    from minewatch.models import StoryFilter
    from minewatch.store import open_store
    from minewatch.timeline import build_timeline

    store = open_store(db)
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    total, relevant = raw.execute("SELECT COUNT(*), SUM(relevant) FROM stories").fetchone()
    newest = raw.execute("SELECT MAX(published) FROM stories").fetchone()[0]
    end = datetime.fromisoformat(newest.replace("Z", "+00:00")).replace(
        hour=0, minute=0, second=0)
    start = end - timedelta(hours=24)
    window = [start.strftime(ISO), end.strftime(ISO)]
    filt = StoryFilter(since=START.strftime(ISO), until=END.strftime(ISO))

    digest = build_digest(store, start, end)
    timeline = build_timeline(store, filt, by="week")
    print(f"{total:,} stories ({relevant:,} mine-related), {START:%Y-%m-%d} to {END:%Y-%m-%d}; "
          f"digest window {window[0]} .. {window[1]}: {digest['totals']['stories']} stories, "
          f"{digest['totals']['clusters']} clusters; timeline {len(timeline['periods'])} weeks")
    print()
    header = (f"{'operation (ms)':<34}{'first':>8}{'p50':>8}{'p90':>8}{'ref p50':>9}"
              f"{'ratio':>7}   goal")
    print(header)
    print("-" * (len(header) + 8))
    results: dict[str, float] = {}

    first, (mw, ref) = rounds([
        lambda: build_digest(store, start, end),
        lambda: raw.execute(REFERENCE_DIGEST_SQL, window).fetchall(),
    ], reps)
    results["digest"] = row("build_digest, 24 hours", first[0], mw, ref, DIGEST_GOAL_MS)

    range_params = [filt.since, filt.until]
    for label, split in (("build_timeline by week", None), ("  --split country", "country")):
        first, (mw, ref) = rounds([
            lambda s=split: build_timeline(store, filt, by="week", split=s),
            lambda: raw.execute(REFERENCE_TIMELINE_SQL, range_params).fetchall(),
        ], timeline_reps)
        results[split or "timeline"] = row(label, first[0], mw, ref, TIMELINE_GOAL_MS)
    print(f"ref: raw SQL that only reads the window's stories with tags and sources (digest) "
          f"or counts clusters per week (timeline); first = first call; {reps} digest runs, "
          f"{timeline_reps} of each timeline")
    store.close()
    raw.close()
    print()
    print(f"digest: {total:,} stories; digest 24h p50 {results['digest']:.0f} ms "
          f"(goal < {DIGEST_GOAL_MS:.0f}); timeline week p50 {results['timeline']:.0f} ms, "
          f"split country {results['country']:.0f} ms (goal < {TIMELINE_GOAL_MS:.0f})")


def row(label: str, first: float, mw: list[float], ref: list[float], goal: float) -> float:
    m50, m90 = p50_p90(mw)
    r50, _ = p50_p90(ref)
    verdict = "ok" if m50 < goal else "over"
    print(f"{label:<34}{first * 1000:>8.0f}{m50:>8.0f}{m90:>8.0f}{r50:>9.0f}{m50 / r50:>6.1f}x"
          f"   < {goal:.0f} {verdict}")
    return m50


if __name__ == "__main__":
    main()
