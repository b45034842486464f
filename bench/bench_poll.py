"""Poll speed on a loopback farm: `minewatch poll` cold (new database), warm (all 304) and
changed (every feed has 2 new items on top, what most polls from cron meet), beside a plain
async httpx+feedparser loop and, when it is installed, newsboat.

Each tool runs as its own process; its wall time, CPU (user + sys, its child processes
included) and peak memory (largest resident set of it or a child) come from os.wait4 on that
very process. Tools take turns within each repetition, so a noisy moment of the machine hits
them alike; figures are medians over the repetitions.

    python bench/bench_poll.py                       # 500 feeds x 50 items, 100 ms latency
    python bench/bench_poll.py --feeds 100 --reps 1  # quicker

The reference loop is part of this file (`bench_poll.py reference --help`): one shared
httpx.AsyncClient, --concurrency requests in flight, conditional GET from the last run's
validators, feedparser in a pool of worker processes as responses land, each feed's new items
written in one transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from procs import minewatch_command

FARM = Path(__file__).resolve().parent / "farm.py"
COLD_RATIO_GOAL = 0.7  # minewatch cold / newsboat cold
WARM_GOAL_S = 2.5
PEAK_GOAL_MB = 160


@dataclass(frozen=True)
class Run:
    wall: float
    user: float
    sys: float
    peak_mb: float
    code: int
    farm: dict[str, int]  # responses by status during the run

    @property
    def cpu(self) -> float:
        return self.user + self.sys


# ---------------------------------------------------------------------------- measuring
def measure(argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 600,
            out: Path | None = None) -> tuple[float, int, os.struct_rusage]:
    """Run argv; its wall seconds, exit code and resource usage (its waited children too)."""
    sink = open(out, "wb") if out else subprocess.DEVNULL  # noqa: SIM115
    try:
        began = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=env)
        deadline = began + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if out:
            sink.close()  # type: ignore[union-attr]
    return wall, proc.returncode, usage


def timed_run(argv: list[str], farm: str, **kwargs: object) -> Run:
    farm_stats(farm, reset=True)
    wall, code, usage = measure(argv, **kwargs)  # type: ignore[arg-type]
    served = farm_stats(farm, reset=True)["by_status"]
    return Run(wall=wall, user=usage.ru_utime, sys=usage.ru_stime,
               peak_mb=usage.ru_maxrss / 1024, code=code,
               farm={int(k): v for k, v in served.items()})  # type: ignore[union-attr]


def farm_stats(base: str, *, reset: bool) -> dict[str, object]:
    with urllib.request.urlopen(f"{base}/_stats{'?reset=1' if reset else ''}") as response:
        return json.load(response)


# ---------------------------------------------------------------------------- contenders
class Contender:
    """A poller to time: argv for a cold run (fresh state) and for a warm run after it."""

    name = ""

    def __init__(self, work: Path, farm: str, args: argparse.Namespace) -> None:
        self.work = work
        self.farm = farm
        self.args = args

    def reset(self) -> None:
        raise NotImplementedError

    def argv(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str] | None:
        return None

    def stories(self) -> int | None:
        """New stories of the last run, from the JSON summary both pollers print."""
        try:
            return int(json.loads(self.output.read_text())["new_stories"])
        except (ValueError, KeyError, OSError):
            return None

    @property
    def output(self) -> Path:
        return self.work / f"{self.name.replace(' ', '-')}.out"

    def run(self) -> Run:
        return timed_run(self.argv(), self.farm, env=self.env(), out=self.output)


class Minewatch(Contender):
    name = "minewatch"

    def reset(self) -> None:
        for suffix in ("", "-wal", "-shm", ".lock"):
            Path(f"{self.work / 'minewatch.db'}{suffix}").unlink(missing_ok=True)

    def argv(self) -> list[str]:
        return [*minewatch_command(self.args.minewatch_cmd),
                "--db", str(self.work / "minewatch.db"), "poll",
                "--feeds", str(self.work / "feeds.yaml"),
                "--concurrency", str(self.args.concurrency), "--format", "json"]

class Reference(Contender):
    name = "async loop"

    def reset(self) -> None:
        (self.work / "reference.db").unlink(missing_ok=True)

    def argv(self) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), "reference",
                "--urls", str(self.work / "urls.txt"), "--db", str(self.work / "reference.db"),
                "--concurrency", str(self.args.concurrency),
                "--workers", str(self.args.reference_workers)]

class Newsboat(Contender):
    name = "newsboat"

    def reset(self) -> None:
        home = self.work / "nbhome"
        shutil.rmtree(home, ignore_errors=True)
        (home / ".config").mkdir(parents=True)
        (self.work / "newsboat.conf").write_text(
            f"reload-threads {self.args.concurrency}\ndownload-timeout 30\n"
            "download-retries 1\n")
        (self.work / "newsboat.db").unlink(missing_ok=True)

    def argv(self) -> list[str]:
        return ["newsboat", "-u", str(self.work / "urls.txt"), "-c",
                str(self.work / "newsboat.db"), "-C", str(self.work / "newsboat.conf"),
                "-x", "reload"]

    def env(self) -> dict[str, str]:
        home = self.work / "nbhome"
        return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                "XDG_DATA_HOME": str(home / ".local" / "share")}

    def stories(self) -> int | None:
        import sqlite3

        try:
            conn = sqlite3.connect(self.work / "newsboat.db")
            try:
                return int(conn.execute("SELECT COUNT(*) FROM rss_item").fetchone()[0])
            finally:
                conn.close()
        except sqlite3.Error:
            return None


# ---------------------------------------------------------------------------- the benchmark
def start_farm(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(FARM), "--feeds", str(args.feeds), "--items", str(args.items),
         "--latency-ms", str(args.latency_ms), "--port", "0", "--lifetime", str(args.lifetime),
         "--sentences", args.sentences, *(["--html"] if not args.plain else [])],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise SystemExit("the farm did not start")
    return proc, json.loads(line)["base_url"]


PHASES = ("cold", "warm", "changed")


def set_round(base: str, number: int) -> None:
    """Make the farm serve round `number`: 0 as at the start, 1 with each feed changed."""
    fetch_text(f"{base}/_round?set={number}")


def fetch_text(url: str) -> str:
    with urllib.request.urlopen(url) as response:
        return response.read().decode()


def bench(args: argparse.Namespace) -> None:
    farm_proc, base = start_farm(args)
    work = Path(tempfile.mkdtemp(prefix="minewatch-bench-poll-"))
    try:
        (work / "feeds.yaml").write_text(fetch_text(f"{base}/_feeds.yaml"))
        (work / "urls.txt").write_text(fetch_text(f"{base}/_urls.txt"))
        contenders: list[Contender] = [Minewatch(work, base, args), Reference(work, base, args)]
        if not args.no_newsboat and shutil.which("newsboat"):
            contenders.append(Newsboat(work, base, args))
        print(f"farm {base}: {args.feeds} feeds x {args.items} items, {args.latency_ms:g} ms "
              f"latency; concurrency {args.concurrency}; {args.reps} repetition(s); "
              f"{os.cpu_count()} cores")
        if not any(isinstance(c, Newsboat) for c in contenders):
            print("newsboat: not on PATH (apt-get install newsboat) or --no-newsboat: skipped")
        runs: dict[tuple[str, str], list[Run]] = {}
        stories: dict[tuple[str, str], int | None] = {}
        for rep in range(args.reps):
            for contender in contenders:
                contender.reset()
                for phase in PHASES:
                    set_round(base, 1 if phase == "changed" else 0)
                    run = contender.run()
                    runs.setdefault((contender.name, phase), []).append(run)
                    if phase != "warm":
                        stories[(contender.name, phase)] = contender.stories()
                    if run.code != 0:
                        tail = contender.output.read_text(errors="replace")
                        print(f"  {contender.name} {phase} (rep {rep + 1}) exit {run.code}: "
                              f"{tail.strip()[-300:]}")
            print(f"  repetition {rep + 1}/{args.reps} done", file=sys.stderr)
        report(runs, stories, args)
    finally:
        try:
            urllib.request.urlopen(f"{base}/_shutdown").close()
        except OSError:
            pass
        try:
            farm_proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            farm_proc.kill()
        shutil.rmtree(work, ignore_errors=True)


def median_run(runs: list[Run]) -> dict[str, float]:
    return {key: statistics.median(getattr(r, key) for r in runs)
            for key in ("wall", "user", "sys", "cpu", "peak_mb")}


def report(runs: dict[tuple[str, str], list[Run]], stories: dict[tuple[str, str], int | None],
           args: argparse.Namespace) -> None:
    print()
    header = (f"{'tool':<12}{'phase':<6}{'wall s':>8}{'user s':>8}{'sys s':>7}{'cpu s':>7}"
              f"{'peak MB':>9}{'stories':>9}  farm answers")
    print(header)
    print("-" * (len(header) + 12))
    med = {key: median_run(value) for key, value in runs.items()}
    for (name, phase), value in runs.items():
        m = med[(name, phase)]
        served = " ".join(f"{n}x{status}" for status, n in sorted(value[-1].farm.items()))
        count = stories.get((name, phase))
        failed = sum(r.code != 0 for r in value)
        print(f"{name:<12}{phase:<6}{m['wall']:>8.2f}{m['user']:>8.2f}{m['sys']:>7.2f}"
              f"{m['cpu']:>7.2f}{m['peak_mb']:>9.0f}{count if count is not None else '':>9}"
              f"  {served}{f'  ({failed} failed)' if failed else ''}")
    print("(medians; peak = largest resident set of the process or one of its children;"
          " stories = new stories stored by the last run of the phase, for newsboat the items"
          " it holds)")

    mw_cold, mw_warm = med[("minewatch", "cold")], med[("minewatch", "warm")]
    peak = max(med[("minewatch", phase)]["peak_mb"] for phase in PHASES)
    print()
    print("ratios (wall, same run)")
    for other in ("async loop", "newsboat"):
        if (other, "cold") in med:
            cold, warm, changed = (med[("minewatch", phase)]["wall"] / med[(other, phase)]["wall"]
                                   for phase in PHASES)
            goal = f"   goal cold <= {COLD_RATIO_GOAL}x" if other == "newsboat" else ""
            print(f"  minewatch / {other:<11} cold {cold:.2f}x  warm {warm:.2f}x  "
                  f"changed {changed:.2f}x{goal}")
    print(f"  goals: warm < {WARM_GOAL_S} s, peak < {PEAK_GOAL_MB} MB")

    ref_cold, ref_warm = med[("async loop", "cold")], med[("async loop", "warm")]
    mw_changed, ref_changed = med[("minewatch", "changed")], med[("async loop", "changed")]
    line = (f"poll: minewatch cold {mw_cold['wall']:.2f}s warm {mw_warm['wall']:.2f}s "
            f"changed {mw_changed['wall']:.2f}s peak {peak:.0f} MB; reference cold "
            f"{ref_cold['wall']:.2f}s warm {ref_warm['wall']:.2f}s "
            f"changed {ref_changed['wall']:.2f}s")
    if ("newsboat", "cold") in med:
        nb_cold, nb_warm = med[("newsboat", "cold")], med[("newsboat", "warm")]
        line += (f"; newsboat cold {nb_cold['wall']:.2f}s warm {nb_warm['wall']:.2f}s, "
                 f"cold ratio {mw_cold['wall'] / nb_cold['wall']:.2f}")
    else:
        line += "; newsboat n/a"
    print()
    print(line)


# ---------------------------------------------------------------------------- reference loop
def reference_main(args: argparse.Namespace) -> None:
    """The plain async loop (run as a subprocess by the benchmark, or by hand)."""
    import asyncio

    urls = [u.strip() for u in Path(args.urls).read_text().splitlines() if u.strip()]
    summary = asyncio.run(reference_poll(urls, Path(args.db), args.concurrency, args.workers))
    print(json.dumps(summary))


def parse_entries(body: bytes) -> list[tuple[str | None, str | None, str | None, str | None,
                                             str | None]]:
    import feedparser

    parsed = feedparser.parse(body)
    rows = []
    for entry in parsed.entries:
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        rows.append((entry.get("id") or entry.get("link"), entry.get("link"),
                     entry.get("title"), entry.get("summary"),
                     time.strftime("%Y-%m-%dT%H:%M:%SZ", when) if when else None))
    return rows


async def reference_poll(urls: list[str], db: Path, concurrency: int,
                         workers: int) -> dict[str, int]:
    import asyncio
    import sqlite3
    from concurrent.futures import ProcessPoolExecutor

    import httpx

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, etag TEXT, "
                 "last_modified TEXT)")
    conn.execute("CREATE TABLE IF NOT EXISTS stories (id INTEGER PRIMARY KEY, feed TEXT, "
                 "guid TEXT, url TEXT, title TEXT, summary TEXT, published TEXT, "
                 "UNIQUE (feed, guid))")
    state = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT * FROM feeds")}
    counts = {"feeds": len(urls), "ok": 0, "not_modified": 0, "failed": 0, "new_stories": 0}
    gate = asyncio.Semaphore(concurrency)
    pool = ProcessPoolExecutor(workers) if workers > 0 else None
    loop = asyncio.get_running_loop()

    async def one(client: httpx.AsyncClient, url: str) -> None:
        etag, modified = state.get(url, (None, None))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        try:
            async with gate:
                response = await client.get(url, headers=headers)
        except httpx.HTTPError:
            counts["failed"] += 1
            return
        if response.status_code == 304:
            counts["not_modified"] += 1
            return
        if response.status_code != 200:
            counts["failed"] += 1
            return
        if pool:
            rows = await loop.run_in_executor(pool, parse_entries, response.content)
        else:
            rows = parse_entries(response.content)
        conn.execute("BEGIN")
        before = conn.total_changes
        conn.executemany("INSERT OR IGNORE INTO stories (feed, guid, url, title, summary, "
                         "published) VALUES (?, ?, ?, ?, ?, ?)", [(url, *r) for r in rows])
        added = conn.total_changes - before
        conn.execute("INSERT OR REPLACE INTO feeds VALUES (?, ?, ?)",
                     [url, response.headers.get("etag"), response.headers.get("last-modified")])
        conn.execute("COMMIT")
        counts["ok"] += 1
        counts["new_stories"] += added

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    try:
        async with httpx.AsyncClient(limits=limits, timeout=30, follow_redirects=True) as client:
            await asyncio.gather(*(one(client, url) for url in urls))
    finally:
        if pool:
            pool.shutdown()
        conn.close()
    return counts


# ---------------------------------------------------------------------------- options
def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="`bench_poll.py reference --help`: the reference loop")
    sub = ap.add_subparsers(dest="mode")
    ap.add_argument("--feeds", type=int, default=500, help="feeds in the farm (default 500)")
    ap.add_argument("--items", type=int, default=50, help="items a feed (default 50)")
    ap.add_argument("--latency-ms", type=float, default=100.0, help="per request (default 100)")
    ap.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")
    ap.add_argument("--sentences", default="6-12", metavar="LO-HI",
                    help="sentences a summary (default 6-12: 70-170 words, as wire summaries and "
                    "the peers' farm carry)")
    ap.add_argument("--plain", action="store_true", help="plain-text summaries, not HTML")
    ap.add_argument("--reps", type=int, default=3, help="cold+warm repetitions (default 3)")
    ap.add_argument("--reference-workers", type=int, default=2,
                    help="parse processes of the reference loop (0: parse inline; default 2)")
    ap.add_argument("--minewatch-cmd", help="the minewatch command (default: next to python)")
    ap.add_argument("--no-newsboat", action="store_true", help="do not time newsboat")
    ap.add_argument("--lifetime", type=float, default=1800, help="farm stops after (s)")
    ref = sub.add_parser("reference", help="run the reference async loop once")
    ref.add_argument("--urls", required=True, help="a file of feed urls, one a line")
    ref.add_argument("--db", required=True, help="its SQLite file (validators kept there)")
    ref.add_argument("--concurrency", type=int, default=32)
    ref.add_argument("--workers", type=int, default=2, help="parse processes (0: inline)")
    return ap.parse_args()


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    args = parse_args()
    if args.mode == "reference":
        reference_main(args)
    else:
        bench(args)


if __name__ == "__main__":
    main()
