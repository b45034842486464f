"""What every command shares: the typer apps, the option types declared once, and the
database and console helpers. Heavy modules are imported inside commands, so a command
like `minewatch search` starts quickly."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from minewatch import __version__

app = typer.Typer(
    help="minewatch: a monitor of land-mine policy news. Poll feeds into SQLite, tag each story "
    "(mine type, persistence, Ottawa Convention, countries), search, and read a daily digest.\n\n"
    "Start with `minewatch demo` (offline, sample feeds), then `minewatch feeds init` and "
    "`minewatch poll`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
feeds_app = typer.Typer(help="The feeds file and the state of each feed.", no_args_is_help=True,
                        rich_markup_mode=None)
app.add_typer(feeds_app, name="feeds")


class TextJson(StrEnum):
    text = "text"
    json = "json"


class TableJson(StrEnum):
    table = "table"
    json = "json"


DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The database file [env MINEWATCH_DB; default data/minewatch.db].",
                 show_default=False),
]
FeedsOption = Annotated[
    Path | None,
    typer.Option("--feeds", help="The feeds file [env MINEWATCH_FEEDS; default feeds.yaml].",
                 show_default=False),
]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", metavar="WHEN", help="From WHEN: a date, a timestamp, or 24h / 7d."),
]
UntilOption = Annotated[
    str | None,
    typer.Option("--until", metavar="WHEN", help="Until WHEN (a date includes that whole day)."),
]
TagOption = Annotated[
    list[str] | None,
    typer.Option("--tag", metavar="V",
                 help="Tag value that must hold (repeatable, all must hold): antipersonnel, "
                 "antitank, persistent, nonpersistent, ottawa."),
]
CountryOption = Annotated[
    list[str] | None,
    typer.Option("--country", metavar="CC", help="ISO country code (repeatable, any may hold)."),
]
SourceOption = Annotated[
    str | None, typer.Option("--source", metavar="NAME", help="Only stories a feed carried.")
]


class State:
    db: Path | None = None


def db_path() -> Path:
    from minewatch.config import db_path as resolve

    return resolve(State.db)


_opened: list[Any] = []  # the stores commands opened, closed by main() on the way out


def open_store(create: bool = False, path: Path | None = None) -> Any:
    """The database of `--db` (or `path`), closed when the command ends."""
    from minewatch.store import open_store as open_db

    store = open_db(path or db_path(), create=create)
    _opened.append(store)
    return store


def close_stores() -> None:
    """Close the connections commands opened: closing the last one folds the write-ahead log
    back into the database file and removes it, rather than leaving that to garbage collection
    at exit (which Python 3.13 reports as an unclosed database)."""
    while _opened:
        store = _opened.pop()
        with contextlib.suppress(sqlite3.Error):  # what was committed is safe in the log
            store.close()


def console() -> Any:
    from minewatch.render import make_console

    return make_console()


def print_json(value: Any) -> None:
    from minewatch.formats import json_text

    sys.stdout.write(json_text(value, indent=2) + "\n")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"minewatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    db: DbOption = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True,
                           help="Print the version and exit.")
    ] = False,
) -> None:
    State.db = db


