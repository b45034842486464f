"""One poll: fetch every due feed concurrently, parse, tag and store each body in a worker
process (one transaction per feed), then group the new stories into clusters.

Fetching is I/O on the event loop; parsing and tagging are CPU work, so they run in worker
processes and both cores work during a cold poll. A worker stores what it parsed itself, on
its own connection: sending 25,000 tagged stories back to be stored cost the main process
more time unpickling them than the database took to write them. Writes still take turns
(BEGIN IMMEDIATE), so each feed's stories and new state commit together. A failed feed is
data on its row, never an exception: the other feeds are stored all the same.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import math
import multiprocessing
import os
import signal
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from minewatch import fetch
from minewatch.cpus import parse_workers, usable_cpus
from minewatch.models import FeedSpec
from minewatch.store import Store, open_store
from minewatch.timeutil import iso, now_utc, parse_iso

if TYPE_CHECKING:  # the pipeline itself is imported in the workers only
    from minewatch.pipeline import StoredLookup

PR_SET_PDEATHSIG = 1  # prctl(2)
MAX_BACKOFF = timedelta(hours=24)
FIRST_BACKOFF = timedelta(minutes=30)


@dataclass
class PollOptions:
    concurrency: int = 16
    timeout: float = 20.0
    force: bool = False
    max_bytes: int = 10_000_000
    workers: int = field(default_factory=usable_cpus)  # CPUs for parsing beside the event loop


@dataclass
class FeedOutcome:
    feed: str  # the feed's name, else its url
    url: str
    outcome: str  # ok | not_modified | failed | gone | skipped
    new_stories: int = 0
    error: str | None = None
    moved_to: str | None = None
    next_poll: str | None = None


@dataclass
class PollReport:
    outcomes: list[FeedOutcome] = field(default_factory=list)

    @property
    def errors(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.error]

    def summary(self) -> dict[str, Any]:
        count = {kind: 0 for kind in ("ok", "not_modified", "failed", "skipped")}
        for o in self.outcomes:
            count["failed" if o.outcome == "gone" else o.outcome] += 1
        return {
            "feeds": len(self.outcomes),
            **count,
            "new_stories": sum(o.new_stories for o in self.outcomes),
            "errors": [{"feed": o.feed, "error": o.error} for o in self.errors],
            "moved": [
                {"feed": o.feed, "url": o.url, "moved_to": o.moved_to}
                for o in self.outcomes if o.moved_to
            ],
        }


_worker_store: Store | None = None  # a worker process's own connection to the database


def _start_worker(db: str) -> None:
    """A worker ends when the poll that started it dies (a SIGKILLed cron run must not leave
    orphans behind; Linux only, elsewhere it ends on its own later), and opens the database
    on a connection of its own: one inherited across fork must not be used. SIGTERM ends a
    worker outright, as the pool expects when it stops one (the command line's handler,
    inherited across fork, would report the whole poll stopped); SIGVTALRM ends the parsing
    of a body that has used up its CPU budget. It then loads the pipeline's tables at once:
    a task sent to do that waits for the main process to hand it over, and the main process
    is busy starting the fetches then (0.12 s on the bench farm, while a core stood idle)."""
    global _worker_store
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGVTALRM, _over_budget)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    else:
        if os.getppid() == 1:  # the parent died before the request took hold
            os._exit(0)
    _worker_store = open_store(Path(db))
    _load_pipeline()


def _load_pipeline() -> None:
    """In a worker, where alone the pipeline is imported; the tables it loads are kept out of
    the collector's sight, as the poll's own objects are (see _fewer_collections)."""
    from minewatch.pipeline import warm_up

    warm_up()
    gc.freeze()


def _started() -> None:
    """A task that does nothing: the first one submitted makes the pool start its workers."""


# The collector's thresholds while a poll runs (Python's defaults are 700, 10 and 10): the
# young generation is collected after 10,000 allocations instead of 700
POLL_GC_THRESHOLD = (10_000, 20, 100)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """A poll allocates millions of short-lived objects beside long-lived ones (modules, the
    tagger's tables, cached cluster features): with the default thresholds the collector
    walked the long-lived ones over and over, a tenth of the main process's CPU. So what is
    alive when the poll starts is frozen (the workers fork from it and inherit that), and
    collections run less often until the poll ends."""
    previous = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(*POLL_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        if not frozen_before:  # a caller's own frozen objects cannot be told from ours
            gc.unfreeze()


@dataclass
class _Stored:
    new_stories: int = 0
    error: str | None = None  # the body was no feed: nothing was written
    # (published, fingerprint) of the relevant stories: main resolves them while the poll
    # runs, so clustering them after the last feed starts warm
    fingerprints: list[tuple[str, str]] = field(default_factory=list)


_BODY_MEMORY = ("etag", "last_modified", "body_hash")  # what makes the next poll skip a body


def _ingest(body: bytes, headers: dict[str, str], url: str, fetched: str, keep: str,
            feed_id: int, changes: dict[str, Any]) -> _Stored:
    """In a worker: parse and tag a body, then store its stories with the feed's new state.

    Stories stored by earlier polls are not labelled again. Should one of them vanish before
    the feed is saved, the feed is labelled in full and saved once more."""
    from minewatch.store import StoryVanished

    assert _worker_store is not None
    feed = (body, headers, url, fetched, keep, feed_id, changes)
    try:
        return _label_and_save(*feed, stored=_worker_store.stored_relevance)
    except StoryVanished:
        return _label_and_save(*feed, stored=None)


def _label_and_save(body: bytes, headers: dict[str, str], url: str, fetched: str, keep: str,
                    feed_id: int, changes: dict[str, Any], stored: StoredLookup | None) -> _Stored:
    """Parse and label a body (the stories `stored` finds are left unlabelled), then save it."""
    # Imported here: a poll where every feed answers 304 never loads the parser and tagger.
    from minewatch.pipeline import process_body

    assert _worker_store is not None
    budget = parse_budget(len(body))
    try:
        parsed = _within_cpu_budget(budget, process_body, body, headers, url, fetched, keep,
                                    stored)
    except sqlite3.Error:  # the database's trouble (its one read), not the body's
        raise
    except Exception as exc:  # a parser's bug on one body fails that feed, not the poll
        return _Stored(error=f"parsing failed: {type(exc).__name__}")
    if parsed is None:
        return _Stored(error=f"parsing took over {budget} s of CPU")
    if parsed.error:
        return _Stored(error=parsed.error)
    if parsed.cut_short:  # keep its entries, but fetch it whole next time: no 304 for it
        changes = {key: value for key, value in changes.items() if key not in _BODY_MEMORY}
    saved = _worker_store.save_feed_poll(feed_id, parsed.items, changes, fetched)
    fingerprints = [(item.story.published, item.fingerprint)
                    for item in parsed.items if item.fingerprint]
    return _Stored(len(saved), fingerprints=fingerprints)


# CPU a body may take to be parsed, tagged and fingerprinted: at least PARSE_CPU_MIN seconds,
# PARSE_CPU_PER_MB for each MB of it. A 10 MB feed takes about 16 s here, so only a body that
# drives the parser down a pathological path reaches it (100,000 attributes on one element
# took feedparser 98 s: the standard library finds each attribute by a linear search).
PARSE_CPU_MIN = 60
PARSE_CPU_PER_MB = 12


def parse_budget(size: int) -> int:
    """Whole seconds of CPU for a body of `size` bytes."""
    return math.ceil(max(PARSE_CPU_MIN, PARSE_CPU_PER_MB * size / 1_000_000))


class _OverBudget(BaseException):
    """Raised in a worker when a body has used up its CPU budget: a BaseException, so that
    feedparser's fallbacks (it retries a failed strict parse with a looser one) let it by."""


def _over_budget(signum: int, frame: object) -> None:
    raise _OverBudget


def _within_cpu_budget(budget: float, work: Callable[..., Any], *args: Any) -> Any:
    """work(*args), or None once it has used `budget` seconds of this process's CPU."""
    if not hasattr(signal, "setitimer"):  # not on this system: no budget
        return work(*args)
    try:
        signal.setitimer(signal.ITIMER_VIRTUAL, budget)
        try:
            return work(*args)
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    except _OverBudget:  # also when it fires as the work ends: the outcome is the same
        return None


class _Workers:
    """The parsing processes, started on the first body to parse (an all-304 poll never pays
    for them). A worker that dies (the kernel's out-of-memory killer, say) breaks its pool and
    every body waiting in it; they go to a new pool, so the poll goes on. A feed whose body
    breaks two pools fails with a short error and is fetched again on the next poll."""

    def __init__(self, db: Path, size: int) -> None:
        self.db = db
        self.size = size
        self._pool: ProcessPoolExecutor | None = None
        self._retiring: asyncio.Future[None] | None = None

    def start(self) -> None:
        """Start the workers now, before any body arrives (see _start_worker)."""
        pool = self._current()
        try:
            pool.submit(_started)
        except BrokenProcessPool:  # a worker died already: the first body starts a new pool
            self._retire(pool)

    async def ingest(self, body: bytes, headers: dict[str, str], url: str, fetched: str,
                     keep: str, feed_id: int, changes: dict[str, Any]) -> _Stored:
        """`_ingest` in a worker; a body whose pool broke is tried once more in a new pool (a
        feed stored just before the break is stored again as nothing new)."""
        loop = asyncio.get_running_loop()
        for _ in range(2):
            if self._retiring:
                await asyncio.shield(self._retiring)
            pool = self._current()
            try:
                return await loop.run_in_executor(pool, _ingest, body, headers, url, fetched,
                                                  keep, feed_id, changes)
            except BrokenProcessPool:
                if pool is self._pool:
                    self._retire(pool)
        return _Stored(error="parsing process died")

    def cluster(self, store: Store, build_indexes: bool = False) -> None:
        """Place the poll's new stories into clusters (Store.place_pending). A worker stores
        each batch of cluster ids while the main process places the next, so both cores work
        on this last step; with `build_indexes`, a worker first builds the indexes a first
        poll left out (Store.restore_query_indexes), which the batches then wait for."""
        if build_indexes and self._pool is not None:
            with suppress(BrokenProcessPool):  # else (or should it fail) run_poll builds them
                self._pool.submit(_restore_query_indexes)
        writing: tuple[Future[None], list[tuple[int, int]]] | None = None
        for assigned in store.place_pending():
            if writing:
                self._written(store, *writing)
            writing = self._write(store, assigned)
        if writing:
            self._written(store, *writing)

    def _write(self, store: Store, assigned: list[tuple[int, int]]
               ) -> tuple[Future[None], list[tuple[int, int]]] | None:
        """Hand a batch to a worker, or store it here when there is no working pool (a poll
        that read no body starts none, yet places what an interrupted poll left)."""
        if self._pool is not None:
            try:
                return self._pool.submit(_set_clusters, assigned), assigned
            except BrokenProcessPool:
                pass
        store.set_clusters(assigned)
        return None

    @staticmethod
    def _written(store: Store, future: Future[None], assigned: list[tuple[int, int]]) -> None:
        try:
            future.result()
        except BrokenProcessPool:  # a worker died: its batch may or may not have committed
            store.set_clusters(assigned)

    async def close(self) -> None:
        if self._retiring:
            await self._retiring
        if self._pool:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _retire(self, pool: ProcessPoolExecutor) -> None:
        """Shut a broken pool down fully before the next one forks: a new worker would inherit
        the old queue's pipe and keep it open, and the old pool's feeder thread, blocked
        writing to it, would then wait forever (and the poll with it)."""
        self._pool = None
        self._retiring = asyncio.ensure_future(
            asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True))

    def _current(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # fork, named: the workers must be the poll's own children (PR_SET_PDEATHSIG ends
            # them with it) and start from its memory; Python 3.14 makes forkserver the default.
            self._pool = ProcessPoolExecutor(max_workers=self.size, initializer=_start_worker,
                                             initargs=(str(self.db),),
                                             mp_context=multiprocessing.get_context("fork"))
        return self._pool


def _set_clusters(assigned: list[tuple[int, int]]) -> None:
    """In a worker: store one batch of cluster ids."""
    assert _worker_store is not None
    _worker_store.set_clusters(assigned)


def _restore_query_indexes() -> None:
    """In a worker: build the indexes a first poll left out."""
    assert _worker_store is not None
    _worker_store.restore_query_indexes()


def _prepare_clustering(fingerprints: list[tuple[str, str]]) -> None:
    """Resolve stored stories' features now, while the workers parse: after the last feed,
    the clusterer finds them ready (a third of its time, which nothing else overlaps)."""
    from minewatch.cluster import prepare

    prepare(fingerprints)


FILES_HELD = 40  # descriptors a poll holds besides its sockets: database, log, lock, pipes


def fetches_within_open_files(concurrency: int) -> int:
    """How many feeds to fetch at once: `concurrency`, unless the open-file limit (ulimit -n)
    leaves room for fewer sockets. The soft limit is raised toward the hard one first; past
    it, fetching fewer at once is slower but every feed still gets its answer, where running
    out of descriptors failed a connection for each socket over the limit."""
    wanted = max(1, concurrency)
    try:
        import resource
    except ImportError:  # not a POSIX system: no such limit to read
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + FILES_HELD
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return wanted
    raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if raised > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    return max(1, min(wanted, soft - FILES_HELD))


def backoff_after(failures: int) -> timedelta:
    """No wait after a first failure (the next cron run retries); then 30 min, doubling to 24 h."""
    if failures <= 1:
        return timedelta(0)
    return min(MAX_BACKOFF, FIRST_BACKOFF * (2 ** (failures - 2)))


def run_poll(
    store: Store,
    feeds: Sequence[FeedSpec],
    options: PollOptions,
    progress: Callable[[FeedOutcome], None] | None = None,
) -> PollReport:
    started = iso(now_utc())
    store.restore_query_indexes()  # should an earlier first poll have been stopped early
    deferred = store.defer_query_indexes()
    run_id = store.start_run(started)
    try:
        with _fewer_collections():
            report = asyncio.run(_poll(store, feeds, options, progress, deferred))
    except BaseException:
        if deferred:
            with suppress(sqlite3.Error):  # the error that stopped the poll is the one to tell
                store.restore_query_indexes()
        raise
    if deferred:
        store.restore_query_indexes()
    store.finish_run(run_id, iso(now_utc()), report.summary())
    return report


async def _poll(
    store: Store,
    feeds: Sequence[FeedSpec],
    options: PollOptions,
    progress: Callable[[FeedOutcome], None] | None,
    indexes_deferred: bool,
) -> PollReport:
    rows = store.ensure_feeds(feeds)
    store.mark_listed([spec.url for spec in feeds])
    report = PollReport()
    limiter = fetch.HostLimiter()
    concurrency = fetches_within_open_files(options.concurrency)
    in_flight = asyncio.Semaphore(concurrency)
    workers = _Workers(store.path, parse_workers(options.workers, len(feeds)))
    # The client before the workers: made while they start (three processes on the cores),
    # it took twice as long (70 ms against 35), and the first requests waited for it.
    http = fetch.make_client(concurrency)
    if any(rows[s.url]["body_hash"] is None and not rows[s.url]["error_count"] for s in feeds):
        # A feed never read before will send a body: the workers load their tables while
        # the first answers travel, instead of after they arrive.
        workers.start()

    async def one(spec: FeedSpec) -> None:
        outcome = await _poll_feed(store, spec, rows[spec.url], client, limiter, in_flight,
                                   options, workers)
        report.outcomes.append(outcome)
        if progress:
            progress(outcome)

    try:
        # A task group, not gather: when one feed cannot be stored (a full disk, say), the
        # others are cancelled before the client closes under them, rather than recorded
        # as failing with a connection error that never happened.
        async with http as client, asyncio.TaskGroup() as group:
            for spec in feeds:
                group.create_task(one(spec))
        workers.cluster(store, build_indexes=indexes_deferred)
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None  # the first error, which stopped the poll
    finally:
        await workers.close()
    order = {spec.url: i for i, spec in enumerate(feeds)}
    report.outcomes.sort(key=lambda o: order[o.url])
    return report


async def _poll_feed(
    store: Store,
    spec: FeedSpec,
    row: dict[str, Any],
    client: Any,
    limiter: fetch.HostLimiter,
    in_flight: asyncio.Semaphore,
    options: PollOptions,
    workers: _Workers,
) -> FeedOutcome:
    now = now_utc()
    outcome = FeedOutcome(feed=spec.label, url=spec.url, outcome="skipped",
                          moved_to=row["moved_to"], next_poll=row["next_poll"])
    if not options.force:
        if row["gone"]:
            outcome.outcome = "gone"
            outcome.error = f"{row['last_error'] or 'http 410 gone'} (skipped until --force)"
            return outcome
        if row["next_poll"] and parse_iso(row["next_poll"]) > now:
            if row["last_error"]:  # still failing: say so on every poll until it recovers
                outcome.error = f"{row['last_error']} (next try {row['next_poll']})"
            return outcome
    state = store.feed_state(row)
    if row["moved_to"]:
        state.url = row["moved_to"]
    async with in_flight:
        result = await fetch.fetch_feed(client, state, limiter, timeout=options.timeout,
                                        max_bytes=options.max_bytes)
    fetched = iso(now_utc())
    changes: dict[str, Any] = {"last_polled": fetched}
    if result.moved_to:
        changes["moved_to"] = outcome.moved_to = result.moved_to
    error = result.error
    if result.outcome == "ok" and result.body is not None:
        digest = fetch.body_hash(result.body)
        if digest == row["body_hash"]:
            outcome.outcome = "not_modified"  # an unchanged body is as good as a 304
        else:
            stored_changes = {**changes, **_success(spec, now, fetched), "etag": result.etag,
                              "last_modified": result.last_modified, "body_hash": digest}
            stored = await workers.ingest(result.body, result.headers, spec.url, fetched,
                                          spec.keep, row["id"], stored_changes)
            if not stored.error:  # the stories and the feed's state are written
                if stored.fingerprints:
                    _prepare_clustering(stored.fingerprints)
                outcome.outcome = "ok"
                outcome.new_stories = stored.new_stories
                outcome.next_poll = stored_changes["next_poll"]
                return outcome
            error = stored.error  # nothing was written: the body is fetched again next time
    elif result.outcome == "not_modified":
        outcome.outcome = "not_modified"
    elif result.outcome == "gone":
        changes["gone"] = 1
    if error or result.outcome in ("failed", "gone"):
        failures = row["error_count"] + 1
        wait = backoff_after(failures)
        if result.retry_after:
            wait = max(wait, timedelta(seconds=result.retry_after))
        wait = min(wait, MAX_BACKOFF)
        next_poll = iso(now + wait) if wait else None
        changes.update(last_error=error, error_count=failures, next_poll=next_poll)
        outcome.outcome = "gone" if result.outcome == "gone" else "failed"
        outcome.error = error or "failed"
        outcome.next_poll = next_poll
    else:
        changes.update(_success(spec, now, fetched))
        outcome.next_poll = changes["next_poll"]
    store.save_feed_poll(row["id"], [], changes, fetched)
    return outcome


def _success(spec: FeedSpec, now: datetime, fetched: str) -> dict[str, Any]:
    """The feed-row changes of a poll that went well (the next poll follows the interval)."""
    next_poll = iso(now + timedelta(seconds=spec.interval)) if spec.interval else None
    return {"last_success": fetched, "last_error": None, "error_count": 0, "next_poll": next_poll}
