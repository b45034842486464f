"""Search speed: build a database of synthetic stories through the store, then time queries.

Prints, all measured in this run on this machine:
  - the store's insert rate (FTS index included) beside a raw SQLite floor: executemany into a
    plain table plus an FTS5 external-content index, same stories, same batches;
  - for each query kind (phrase, AND, prefix, a very common word, a hyphenated word, NEAR),
    with a date filter and LIMIT 20: run_search in-process, a hand-written FTS5 reference query
    and a LIKE scan, p50 and p90, and the ratio of run_search to the reference;
  - `minewatch search` as a new process (start, imports, query, output), p50, beside the bare
    interpreter's start-up.

    python bench/bench_search.py                  # 200,000 stories, database reused if present
    python bench/bench_search.py --stories 50000 --rebuild
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from procs import minewatch_command
from synth import StoryGenerator, build_store, built_with, remove_db

INSERT_GOAL = 10_000  # stories a second through the store
RATIO_GOAL = 1.5  # run_search against the reference FTS5 query
CLI_GOAL_MS = 200.0  # a new `minewatch search` process, selective queries


@dataclass(frozen=True)
class QueryCase:
    kind: str
    query: str  # as a user types it
    fts: str  # the reference FTS5 expression, written by hand
    like: str  # the LIKE scan's condition on s (title, summary)
    selective: bool = True


def _like(*phrases: str) -> str:
    return " AND ".join(
        f"(s.title LIKE '%{p}%' OR s.summary LIKE '%{p}%')" for p in phrases
    )


CASES = [
    QueryCase("phrase", '"mine ban treaty"', '"mine ban treaty"', _like("mine ban treaty")),
    QueryCase("AND", "lithuania ottawa", "lithuania AND ottawa", _like("lithuania", "ottawa")),
    QueryCase("prefix", "withdraw*", "withdraw*", _like("withdraw")),
    QueryCase("common word", "said", "said", _like("said"), selective=False),
    QueryCase("hyphenated", "non-persistent", '"non-persistent"', _like("non-persistent")),
    QueryCase("NEAR", "withdraw* NEAR ottawa", "NEAR(withdraw* ottawa, 10)",
              _like("withdraw", "ottawa")),
]

REFERENCE_SQL = (
    "SELECT s.id, s.title, s.url, s.published FROM stories_fts "
    "JOIN stories s ON s.id = stories_fts.rowid "
    "WHERE stories_fts MATCH ? AND s.published >= ? ORDER BY rank LIMIT 20"
)
# A scan must read every match to rank them; it keeps the newest 20 here.
LIKE_SQL = (
    "SELECT s.id, s.title, s.url, s.published FROM stories s "
    "WHERE s.published >= ? AND {cond}"
)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    args = parse_args()
    gen = StoryGenerator(seed=args.seed, total=args.stories, mine_share=args.mine_share)
    default = Path(tempfile.gettempdir()) / "minewatch-bench" / f"search-{args.stories}.db"
    db = Path(args.db or default)
    print(f"database: {db}")

    insert = floor = None
    if args.rebuild or not built_with(db, gen):
        remove_db(db)
        print(f"building {args.stories:,} stories through the store API ...", file=sys.stderr)
        took = build_store(db, gen)
        insert = args.stories / took["store"]
        floor = measure_floor(db.with_name(db.stem + "-floor.db"), gen)
    else:
        print("reusing the database (--rebuild to measure insert rates)")

    print()
    print_insert(args.stories, insert, floor)
    print()
    in_process = time_queries(db, args.since, args.reps, args.like_reps)
    cli = None if args.no_cli else time_cli(db, args.since, args.cli_runs, args.minewatch_cmd)
    print_summary(insert, floor, in_process, cli)


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="database file (default: in the temp dir, by size)")
    ap.add_argument("--rebuild", action="store_true", help="build the database again")
    ap.add_argument("--stories", type=int, default=200_000, help="stories (default 200000)")
    ap.add_argument("--mine-share", type=float, default=0.3, help="share of mine stories")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--since", default="2025-01-01", help="the date filter of every query")
    ap.add_argument("--reps", type=int, default=15, help="timed runs of each query in-process")
    ap.add_argument("--like-reps", type=int, default=5, help="timed runs of each LIKE scan")
    ap.add_argument("--cli-runs", type=int, default=15, help="`minewatch search` runs a query")
    ap.add_argument("--no-cli", action="store_true", help="skip the new-process timings")
    ap.add_argument("--minewatch-cmd", help="the minewatch command (default: next to python)")
    return ap.parse_args()


# ---------------------------------------------------------------------------- insert floor
def measure_floor(path: Path, gen: StoryGenerator, batch: int = 1000) -> float:
    """Stories a second into a plain table plus an FTS5 external-content index, one
    transaction per batch, WAL with synchronous=NORMAL as the store uses."""
    remove_db(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(
        "CREATE TABLE stories (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, title TEXT, "
        "summary TEXT, url TEXT, published TEXT)"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE stories_fts USING fts5(title, summary, content=stories, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    spent = 0.0
    next_id = 1
    for first in range(0, gen.total, batch):
        stories = gen.generate(first, min(batch, gen.total - first))
        rows = [(next_id + n, s.key, s.title, s.summary, s.url, s.published)
                for n, s in enumerate(stories)]
        fts_rows = [(r[0], r[2], r[3]) for r in rows]
        next_id += len(rows)
        began = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("INSERT INTO stories_fts (rowid, title, summary) VALUES (?, ?, ?)",
                         fts_rows)
        conn.execute("COMMIT")
        spent += time.perf_counter() - began
    conn.close()
    remove_db(path)
    return gen.total / spent


def print_insert(n: int, insert: float | None, floor: float | None) -> None:
    print(f"{'insert (' + format(n, ',') + ' stories)':<34}{'stories/s':>12}{'vs floor':>10}")
    if insert is None or floor is None:
        print(f"{'  store API (save_feed_poll)':<34}{'-':>12}{'-':>10}")
        return
    print(f"{'  store API (save_feed_poll)':<34}{insert:>12,.0f}{insert / floor:>9.2f}x"
          f"   goal >= {INSERT_GOAL:,}/s")
    print(f"{'  raw SQLite floor (table + FTS5)':<34}{floor:>12,.0f}{1.0:>9.2f}x")


# ---------------------------------------------------------------------------- queries
def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p90 in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    p90 = statistics.quantiles(ms, n=10, method="inclusive")[8] if len(ms) > 1 else ms[0]
    return statistics.median(ms), p90


def timed_rounds(fns: list[Callable[[], object]], reps: list[int]) -> list[list[float]]:
    """Run each function once to warm caches, then in rounds (fn 0, fn 1, ...), so that a
    noisy moment of the machine hits the contenders alike. fns[i] runs reps[i] times."""
    for fn in fns:
        fn()
    samples: list[list[float]] = [[] for _ in fns]
    for round_no in range(max(reps)):
        for i, fn in enumerate(fns):
            if round_no < reps[i]:
                began = time.perf_counter()
                fn()
                samples[i].append(time.perf_counter() - began)
    return samples


def time_queries(db: Path, since: str, reps: int, like_reps: int) -> dict[str, float]:
    """Print the in-process table; returns kind -> ratio of run_search p50 to the reference."""
    from minewatch.search import build_filter, run_search
    from minewatch.store import open_store

    store = open_store(db)
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    filt = build_filter(since=since)
    since_iso = filt.since
    total = raw.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    print(f"queries on {total:,} stories, published >= {since}, LIMIT 20 "
          f"(ms; {reps} runs, LIKE {like_reps})")
    header = (f"{'kind':<12}{'query':<24}{'matches':>8}{'mw p50':>9}{'mw p90':>9}"
              f"{'ref p50':>9}{'ref p90':>9}{'ratio':>7}{'LIKE p50':>10}{'LIKE p90':>10}")
    print(header)
    print("-" * len(header))
    ratios: dict[str, float] = {}
    for case in CASES:
        matches = raw.execute(
            "SELECT COUNT(*) FROM stories_fts JOIN stories s ON s.id = stories_fts.rowid "
            "WHERE stories_fts MATCH ? AND s.published >= ?", [case.fts, since_iso]
        ).fetchone()[0]
        like_sql = LIKE_SQL.format(cond=case.like)
        mw_rows = run_search(store, case.query, filt, limit=20)
        ref_rows = raw.execute(REFERENCE_SQL, [case.fts, since_iso]).fetchall()
        if len(mw_rows) != len(ref_rows):
            print(f"  note: {case.kind}: run_search gave {len(mw_rows)} rows, "
                  f"the reference {len(ref_rows)}")
        mw, ref, like = timed_rounds([
            lambda c=case: run_search(store, c.query, filt, limit=20),
            lambda c=case: raw.execute(REFERENCE_SQL, [c.fts, since_iso]).fetchall(),
            lambda q=like_sql: sorted(raw.execute(q, [since_iso]).fetchall(),
                                      key=lambda r: r[3], reverse=True)[:20],
        ], [reps, reps, like_reps])
        (m50, m90), (r50, r90), (l50, l90) = percentiles(mw), percentiles(ref), percentiles(like)
        ratios[case.kind] = m50 / r50
        print(f"{case.kind:<12}{case.query:<24}{matches:>8,}{m50:>9.1f}{m90:>9.1f}"
              f"{r50:>9.1f}{r90:>9.1f}{m50 / r50:>6.2f}x{l50:>10.1f}{l90:>10.1f}")
    print(f"ratio = run_search p50 / reference FTS5 p50 (goal <= {RATIO_GOAL}x)")
    store.close()
    raw.close()
    return ratios


# ---------------------------------------------------------------------------- new process
def time_cli(db: Path, since: str, runs: int, given: str | None) -> dict[str, float]:
    """Print the new-process table; returns kind -> p50 ms."""
    cmd = minewatch_command(given)
    print()
    print(f"`{' '.join(Path(c).name for c in cmd)} --db DB search QUERY --since {since} "
          f"--limit 20 --format json` as a new process ({runs} runs, ms)")
    header = f"{'kind':<26}{'p50':>9}{'p90':>9}{'results':>9}"
    print(header)
    print("-" * len(header))
    start_up = [run_once([sys.executable, "-c", "pass"]) for _ in range(runs)]
    s50, s90 = percentiles(start_up)
    print(f"{'python -c pass (floor)':<26}{s50:>9.1f}{s90:>9.1f}{'':>9}")
    found: dict[str, float] = {}
    for case in CASES:
        argv = [*cmd, "--db", str(db), "search", case.query, "--since", since, "--limit", "20",
                "--format", "json"]
        check = subprocess.run(argv, capture_output=True, text=True)
        if check.returncode != 0:
            print(f"{case.kind:<26} failed (exit {check.returncode}): "
                  f"{check.stderr.strip()[:120]}")
            continue
        results = check.stdout.count('"id"')
        samples = [run_once(argv) for _ in range(runs)]
        p50, p90 = percentiles(samples)
        found[case.kind] = p50
        goal = f"   goal < {CLI_GOAL_MS:.0f}" if case.selective else "   (not selective)"
        print(f"{case.kind:<26}{p50:>9.1f}{p90:>9.1f}{results:>9}{goal}")
    return found


def run_once(argv: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - began


# ---------------------------------------------------------------------------- summary
def print_summary(
    insert: float | None, floor: float | None, ratios: dict[str, float],
    cli: dict[str, float] | None,
) -> None:
    parts = []
    if insert is not None and floor is not None:
        parts.append(f"insert {insert:,.0f}/s (floor {floor:,.0f}/s)")
    else:
        parts.append("insert not measured (db reused)")
    worst = max(ratios, key=lambda k: ratios[k])
    parts.append(f"in-process worst {ratios[worst]:.2f}x ref ({worst})")
    if cli:
        selective = [cli[c.kind] for c in CASES if c.selective and c.kind in cli]
        if selective:
            parts.append(f"cli p50 selective max {max(selective):.0f} ms")
    print()
    print("search: " + "; ".join(parts))


if __name__ == "__main__":
    main()
