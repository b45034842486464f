"""`minewatch feeds`: the feeds file and the state of each feed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from minewatch.cli.common import TableJson, console, feeds_app, open_store, print_json
from minewatch.errors import UsageError


# ---------------------------------------------------------------------------- feeds
@feeds_app.command("list")
def feeds_list(
    fmt: Annotated[TableJson, typer.Option("--format", help="Output format.")] = TableJson.table,
) -> None:
    """Each feed's last success, last error, error count, next poll and moved-to address.

    \b
    Example: minewatch feeds list --format json
    """
    from minewatch.report import feeds_table

    rows = open_store().feed_rows()
    if fmt is TableJson.json:
        keys = ("name", "url", "stories", "last_polled", "last_success", "last_error",
                "error_count", "next_poll", "moved_to", "gone")
        print_json([{k: (bool(r[k]) if k == "gone" else r[k]) for k in keys} for r in rows])
        return
    if not rows:
        typer.echo("no feeds polled yet: run `minewatch poll`", err=True)
        return
    console().print(feeds_table(rows))


@feeds_app.command("init")
def feeds_init(
    path: Annotated[Path, typer.Argument(help="Where to write the list.")] = Path("feeds.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write the default feeds list shipped with minewatch, to edit and poll.

    \b
    Example: minewatch feeds init && minewatch poll
    """
    from minewatch.config import default_feeds_text

    if path.exists() and not force:
        raise UsageError(f"{path} exists: edit it, or pass --force to overwrite it")
    path.write_text(default_feeds_text(), "utf-8")
    typer.echo(f"wrote {path}")


