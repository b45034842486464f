"""The core commands: poll, tag, export, search, show."""

from __future__ import annotations

import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from minewatch.cli.common import (
    CountryOption,
    FeedsOption,
    SinceOption,
    SourceOption,
    TagOption,
    TextJson,
    UntilOption,
    app,
    console,
    db_path,
    open_store,
    print_json,
)
from minewatch.errors import UsageError
from minewatch.userfiles import read_limited


# ---------------------------------------------------------------------------- poll
def _seconds(value: float) -> float:
    """A range check lets "nan" through (every comparison with it is false)."""
    if not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number of seconds")
    return value


@app.command()
def poll(
    feeds: FeedsOption = None,
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Feeds fetched at once.")] = 16,
    timeout: Annotated[
        float, typer.Option(min=0.1, max=3600, callback=_seconds,
                            help="Total seconds allowed per feed, body included.")
    ] = 20.0,
    max_mb: Annotated[
        int, typer.Option("--max-mb", min=1, max=1000,
                          help="Largest feed accepted, in MB once decompressed (a feed over it "
                               "fails as 'too large').")
    ] = 10,
    force: Annotated[
        bool, typer.Option("--force", help="Ignore back-off, Retry-After, intervals and 410.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing unless a feed failed (for cron).")
    ] = False,
    alerts: Annotated[
        bool, typer.Option("--alerts", help="Then print each watch's new matches.")
    ] = False,
    fmt: Annotated[TextJson, typer.Option("--format", help="Output format.")] = TextJson.text,
) -> None:
    """Fetch every feed in the feeds file and store the new mine-related stories.

    Exit 0 when every feed is fine (304 is fine), 1 when some feed failed (the others are
    stored), 2 on a usage or feeds-file error, 3 when another poll holds the lock; 130 after
    Ctrl-C and 143 after SIGTERM, keeping every feed already stored.

    \b
    Example (crontab): */30 * * * * cd ~/minewatch && minewatch poll --quiet
    """
    import time

    from minewatch.config import feeds_path, load_feeds
    from minewatch.lines import alert_lines, poll_lines
    from minewatch.lock import poll_lock
    from minewatch.poll import PollOptions, run_poll
    from minewatch.watch import collect_alerts

    specs = load_feeds(feeds_path(feeds))
    db = db_path()
    started = time.monotonic()
    with poll_lock(db):
        store = open_store(create=True)
        options = PollOptions(concurrency=concurrency, timeout=timeout, force=force,
                              max_bytes=max_mb * 1_000_000)
        if fmt is TextJson.text and not quiet and sys.stdout.isatty():
            from minewatch.report import poll_progress

            with poll_progress(len(specs)) as advance:
                report = run_poll(store, specs, options, progress=advance)
        else:
            report = run_poll(store, specs, options)
        summary = report.summary()
        found, marks = collect_alerts(store) if alerts else ([], {})
        if alerts:
            summary["alerts"] = [
                {"watch": a.watch, "stories": [
                    {k: s[k] for k in ("id", "title", "url", "published")} for s in a.stories]}
                for a in found
            ]
        if fmt is TextJson.json:
            print_json(summary)
        else:
            for line in poll_lines(summary, time.monotonic() - started, quiet=quiet):
                typer.echo(line)
            for line in alert_lines(found):
                typer.echo(line)
        store.advance_watches(marks)  # only once the alerts are out
    raise typer.Exit(1 if summary["errors"] else 0)


# ---------------------------------------------------------------------------- tag
@app.command()
def tag(
    file: Annotated[
        str | None, typer.Argument(metavar="[FILE|-]", help="Text to label; - or none: stdin.")
    ] = None,
    fmt: Annotated[TextJson, typer.Option("--format", help="Output format.")] = TextJson.text,
) -> None:
    """Label any text: relevance, mine type, persistence, Ottawa Convention, countries, and
    the policy events it reports, each with its evidence.

    \b
    Example: echo "Finland deposited its withdrawal from the Ottawa Convention" | minewatch tag
    """
    from minewatch.pipeline import label
    from minewatch.report import tag_text

    text = _read_input(file)
    result, found = label(text)
    if fmt is TextJson.json:
        print_json({
            "relevant": result.relevant,
            "tags": [vars(t) for t in result.tags],
            "events": [vars(e) for e in found],
        })
        return
    console().print(tag_text(text, result, found))


def _read_input(file: str | None) -> str:
    if file in (None, "-"):
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("no text: give a FILE, or pipe text in (echo '...' | minewatch tag)")
        data = read_limited(sys.stdin.buffer, "standard input", "one story")
    else:
        try:
            data = read_limited(Path(file), file, "one story")
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    return data.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------- export
class ExportFormat(StrEnum):
    jsonl = "jsonl"


@app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Output format.")] = (
        ExportFormat.jsonl
    ),
) -> None:
    """Every stored story, one JSON object a line: id, feed, guid, url, title, summary,
    published, tags.

    \b
    Example: minewatch export > stories.jsonl
    """
    from minewatch.formats import json_text

    store = open_store()
    out = sys.stdout
    for record in store.iter_export():
        out.write(json_text(record) + "\n")


# ---------------------------------------------------------------------------- search, show
class SearchFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class Sort(StrEnum):
    relevance = "relevance"
    newest = "newest"
    oldest = "oldest"


@app.command(context_settings={"ignore_unknown_options": True})
def search(
    query: Annotated[str, typer.Argument(
        help='Words (all must match), "a phrase", prefix*, OR, -word or NOT word, '
        "a NEAR b, title:word. Empty: the newest stories matching the filters.")] = "",
    tag: TagOption = None,
    country: CountryOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="Most results shown.")] = 20,
    offset: Annotated[int, typer.Option(min=0, max=1_000_000,
                                         help="Results skipped (paging).")] = 0,
    sort: Annotated[Sort, typer.Option("--sort", help="Order of results.")] = Sort.relevance,
    fmt: Annotated[SearchFormat, typer.Option("--format", help="Output format.")] = (
        SearchFormat.table
    ),
) -> None:
    """Search stored stories, best matches first, with the matching words shown.

    \b
    Examples:
      minewatch search 'withdraw* NEAR ottawa' --country LT --since 2025-01-01
      minewatch search anti-personnel --tag nonpersistent --country UA --format json
    """
    from minewatch import formats
    from minewatch.search import build_filter, run_search

    filt = build_filter(tags=tag or (), countries=country or (), source=source,
                        since=since, until=until)
    rows = run_search(open_store(), query, filt, sort=sort.value, limit=limit, offset=offset)
    if not rows:
        typer.echo("no stories match", err=True)
        if fmt is SearchFormat.table:
            return
    if fmt is SearchFormat.json:
        sys.stdout.write(formats.search_json(rows))
    elif fmt is SearchFormat.jsonl:
        sys.stdout.write(formats.search_jsonl(rows))
    elif fmt is SearchFormat.csv:
        sys.stdout.write(formats.search_csv(rows))
    else:
        from minewatch.report import search_table

        console().print(search_table(rows))


@app.command()
def show(
    story_id: Annotated[int, typer.Argument(metavar="ID", max=2**63 - 1,  # SQLite's largest
                                            help="A story id from search.")],
    fmt: Annotated[TextJson, typer.Option("--format", help="Output format.")] = TextJson.text,
) -> None:
    """The whole story: every source that carried it, times, link, summary, and each tag
    with the sentence it came from and its evidence highlighted.

    \b
    Example: minewatch show 42
    """
    from minewatch import report
    from minewatch.story import story_details

    details = story_details(open_store(), story_id)
    if fmt is TextJson.json:
        print_json(details)
        return
    console().print(report.story_view(details))




@app.command()
def retag() -> None:
    """Re-tag every stored story after the tagger's lexicon, gazetteer or event extractor
    changed, and say how many stories changed.

    \b
    Example: minewatch retag
    """
    from minewatch.lines import count
    from minewatch.retag import retag_all

    result = retag_all(open_store())
    typer.echo(f"re-tagged {count(result.checked, 'story', 'stories')}: {result.changed} changed "
               f"(tagger data {result.version})")
