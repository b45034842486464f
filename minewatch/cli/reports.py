"""Reading the news over time: digest, timeline, events, treaty."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from minewatch.cli.common import (
    CountryOption,
    SinceOption,
    State,
    TableJson,
    TagOption,
    TextJson,
    UntilOption,
    app,
    console,
    open_store,
    print_json,
)
from minewatch.digest import SHOWN_DEVELOPMENTS
from minewatch.errors import UsageError


class DigestFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class By(StrEnum):
    day = "day"
    week = "week"
    month = "month"


class Split(StrEnum):
    mine_type = "mine_type"
    persistence = "persistence"
    country = "country"


@app.command()
def digest(
    date: Annotated[str | None, typer.Option(
        "--date", metavar="YYYY-MM-DD", help="A calendar day in the local time zone (TZ).")] = None,
    since: SinceOption = None,
    fmt: Annotated[DigestFormat, typer.Option("--format", help="Output format.")] = (
        DigestFormat.text
    ),
    limit: Annotated[int, typer.Option(
        min=0, help="Developments listed in text and markdown, largest first (0: all); "
        "json always has every one.")] = SHOWN_DEVELOPMENTS,
) -> None:
    """What happened in mine policy: by default the last 24 hours. Copies of one wire story
    and reports of one event are folded into one development.

    \b
    Examples:
      minewatch digest
      minewatch digest --date 2025-06-27 --format markdown | mail -s "mine news" me@example.org
    """
    from minewatch.digest import build_digest
    from minewatch.report_digest import digest_markdown, digest_text
    from minewatch.timeutil import local_day_bounds, now_utc, parse_date, parse_when

    if date and since:
        raise UsageError("--date and --since do not go together: choose one")
    if date:
        start, end = local_day_bounds(parse_date(date, "--date"))
    else:
        end = now_utc()
        start = parse_when(since or "24h", "--since", now=end)
        if since and start > end:
            raise UsageError(f"--since {since.strip()} is in the future: a digest runs from "
                             "then until now")
    store = open_store()
    data = build_digest(store, start, end)
    if fmt is DigestFormat.json:
        print_json(data)
    elif fmt is DigestFormat.markdown:
        sys.stdout.write(digest_markdown(data, limit))
    else:
        console().print(digest_text(data, limit))


@app.command()
def timeline(
    by: Annotated[By, typer.Option("--by", help="Period of each bar.")] = By.week,
    since: SinceOption = None,
    until: UntilOption = None,
    tag: TagOption = None,
    country: CountryOption = None,
    split: Annotated[Split | None, typer.Option(
        "--split", help="Split each bar by mine_type, persistence or country.")] = None,
    fmt: Annotated[TextJson, typer.Option("--format", help="Output format.")] = TextJson.text,
) -> None:
    """Developments per period as a bar chart, with each period's main development, what
    appeared for the first time, and the policy moves reported (◆).

    \b
    Examples:
      minewatch timeline --by month --since 2025-01-01
      minewatch timeline --country UA --split mine_type
    """
    from minewatch.report_digest import timeline_text
    from minewatch.search import build_filter
    from minewatch.timeline import build_timeline

    filt = build_filter(tags=tag or (), countries=country or (), since=since, until=until)
    data = build_timeline(open_store(), filt, by=by.value, split=split.value if split else None)
    if fmt is TextJson.json:
        print_json(data)
    else:
        console().print(timeline_text(data))


@app.command()
def demo(
    db: Annotated[Path | None, typer.Option(
        "--db", help="Keep the demo's database here (default: a new temporary file).")] = None,
) -> None:
    """The whole pipeline offline: serve sample feeds on 127.0.0.1, poll them with the real
    poller, then print the digest of the samples' last day and the timeline.

    \b
    Example: minewatch demo --db demo.db && minewatch --db demo.db search 'withdraw*'
    """
    import tempfile
    import time

    from minewatch.demo.run import run_demo
    from minewatch.digest import build_digest
    from minewatch.lines import poll_lines
    from minewatch.lock import poll_lock
    from minewatch.models import StoryFilter
    from minewatch.report_digest import digest_text, timeline_text
    from minewatch.timeline import build_timeline
    from minewatch.timeutil import local_day_bounds

    path = db or State.db or Path(tempfile.mkdtemp(prefix="minewatch-demo-")) / "demo.db"
    out = console()
    started = time.monotonic()
    with poll_lock(path):
        store = open_store(create=True, path=path)
        result = run_demo(store)
    for line in poll_lines(result.report.summary(), time.monotonic() - started, quiet=False):
        typer.echo(line)
    if result.last_day is None:
        raise UsageError("the demo stored no stories: the sample feeds could not be read")
    start, end = local_day_bounds(result.last_day)
    out.print()
    out.print(digest_text(build_digest(store, start, end)))
    out.print()
    out.print(timeline_text(build_timeline(store, StoryFilter(), by="month")))
    out.print()
    out.print(f"The demo database is {path}. Try:")
    out.print(f"  minewatch --db {path} search 'withdraw* NEAR ottawa'")
    out.print(f"  minewatch --db {path} digest --date {result.last_day.isoformat()}")
    out.print(f"  minewatch --db {path} timeline --by week --split country")


ACTIONS = ("use", "transfer", "produce", "destroy_stockpile", "restrict", "withdraw", "join",
           "clear")


class EventFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"


@app.command()
def events(
    country: CountryOption = None,
    action: Annotated[list[str] | None, typer.Option(
        "--action", metavar="A", help=f"Only these actions (repeatable): {', '.join(ACTIONS)}.",
    )] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="Most events shown.")] = 200,
    fmt: Annotated[EventFormat, typer.Option("--format", help="Output format.")] = (
        EventFormat.table
    ),
) -> None:
    """Policy moves pulled from the stories: which state uses, transfers, produces, destroys,
    restricts, withdraws from, joins or clears, with the sentence that says so. A country
    matches as actor or recipient.

    \b
    Example: minewatch events --action withdraw --since 2025-01-01
    """

    from minewatch.report import events_table
    from minewatch.search import build_filter

    for a in action or ():
        if a not in ACTIONS:
            raise UsageError(f"--action: unknown action {a!r} (one of {', '.join(ACTIONS)})")
    filt = build_filter(countries=country or (), since=since, until=until)
    rows = open_store().list_events(countries=filt.countries, actions=action or (),
                                    since=filt.since, until=filt.until, limit=limit)
    if not rows:
        typer.echo("no policy events match", err=True)
    if fmt is EventFormat.json:
        print_json(rows)
    elif fmt is EventFormat.jsonl:
        from minewatch.formats import json_text

        sys.stdout.writelines(json_text(r) + "\n" for r in rows)
    elif rows:
        console().print(events_table(rows))


@app.command()
def treaty(
    country: Annotated[str | None, typer.Argument(
        metavar="[CC]", help="An ISO code; none: every state.")] = None,
    on: Annotated[str | None, typer.Option(
        "--on", metavar="DATE", help="The date to answer for (default: today).")] = None,
    fmt: Annotated[TableJson, typer.Option("--format", help="Output format.")] = TableJson.table,
) -> None:
    """Where a state stood under the Ottawa Convention on a date: party, signatory, not a
    party, or withdrawing, with the dates of each step and its source.

    \b
    Examples:
      minewatch treaty LT --on 2025-09-01
      minewatch treaty --format json
    """
    from datetime import date as Date

    from minewatch.report import treaty_table
    from minewatch.timeutil import parse_date
    from minewatch.treaty import all_statuses, treaty_status

    day = parse_date(on, "--on") if on else Date.today()
    statuses = [treaty_status(country.upper(), day)] if country else all_statuses(day)
    if fmt is TableJson.json:
        data = [s.to_dict() for s in statuses]
        print_json(data[0] if country else data)
    else:
        console().print(treaty_table(statuses))
