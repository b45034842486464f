"""`minewatch watch`: saved searches that alert from cron and read as Atom feeds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from minewatch.cli.common import (
    CountryOption,
    SinceOption,
    SourceOption,
    TableJson,
    TagOption,
    app,
    console,
    open_store,
    print_json,
)
from minewatch.userfiles import write_atomically

watch_app = typer.Typer(
    help="Saved searches: `poll --alerts` prints their new matches, `watch feed` writes them "
    "as Atom.", no_args_is_help=True, rich_markup_mode=None,
)
app.add_typer(watch_app, name="watch")


@watch_app.command("add")
def watch_add(
    name: Annotated[str, typer.Argument(help="A short name for the watch.")],
    query: Annotated[str, typer.Argument(help="A query in the language of `minewatch search`.")],
    tag: TagOption = None,
    country: CountryOption = None,
    source: SourceOption = None,
) -> None:
    """Save a search; from now on `minewatch poll --alerts` prints its new matches.

    \b
    Example: minewatch watch add ukraine-exit 'Ukraine (withdraw* OR suspend*)' --tag ottawa
    """
    from minewatch.search import build_filter
    from minewatch.watch import add_watch

    store = open_store(create=True)
    add_watch(store, name, query, build_filter(tags=tag or (), countries=country or (),
                                               source=source))
    typer.echo(f"watch {name!r} saved: it alerts on stories stored from now on")


@watch_app.command("list")
def watch_list(
    fmt: Annotated[TableJson, typer.Option("--format", help="Output format.")] = TableJson.table,
) -> None:
    """Every saved watch with its query and filters.

    \b
    Example: minewatch watch list
    """
    from minewatch.report import watches_table

    rows = open_store().watches()
    if fmt is TableJson.json:
        print_json(rows)
    elif not rows:
        typer.echo("no watches yet: add one with `minewatch watch add NAME QUERY`", err=True)
    else:
        console().print(watches_table(rows))


@watch_app.command("remove")
def watch_remove(name: Annotated[str, typer.Argument(help="The watch to remove.")]) -> None:
    """Remove a watch.

    \b
    Example: minewatch watch remove ukraine-exit
    """
    open_store().remove_watch(name)
    typer.echo(f"watch {name!r} removed")


@watch_app.command("show")
def watch_show(
    name: Annotated[str, typer.Argument(help="The watch to run.")],
    since: SinceOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Most results shown.")] = 20,
) -> None:
    """Run a watch now: its matches, newest first.

    \b
    Example: minewatch watch show ukraine-exit --since 7d
    """
    from minewatch.report import search_table
    from minewatch.search import build_filter
    from minewatch.watch import matches

    store = open_store()
    since_iso = build_filter(since=since).since
    rows = matches(store, store.watch(name), since=since_iso, limit=limit)
    if not rows:
        typer.echo("no stories match", err=True)
        return
    console().print(search_table(rows))


@watch_app.command("feed")
def watch_feed(
    name: Annotated[str, typer.Argument(help="The watch to write.")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file (default: stdout).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Most entries.")] = 50,
) -> None:
    """Write a watch's latest matches as an Atom feed, to read in any feed reader.

    \b
    Example: minewatch watch feed ukraine-exit -o ~/public/ukraine-exit.xml
    """
    from minewatch.watch import atom_for

    data = atom_for(open_store(), name, limit=limit)
    if output:
        write_atomically(output, data)  # a reader never sees a half-written file
    else:
        sys.stdout.buffer.write(data)
