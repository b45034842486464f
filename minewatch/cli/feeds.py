"""`minewatch feeds`: the feeds file and the state of each feed."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from minewatch.cli.common import (
    FeedsOption,
    TableJson,
    console,
    feeds_app,
    open_store,
    print_json,
)
from minewatch.errors import UsageError
from minewatch.textclean import terminal_safe
from minewatch.userfiles import read_limited, write_atomically


# ---------------------------------------------------------------------------- feeds
@feeds_app.command("list")
def feeds_list(
    fmt: Annotated[TableJson, typer.Option("--format", help="Output format.")] = TableJson.table,
) -> None:
    """Each feed's last success, last error, error count, next poll and moved-to address.
    A feed taken out of the feeds file keeps its stories and shows as not in the file.

    \b
    Example: minewatch feeds list --format json
    """
    from minewatch.report import feeds_table

    rows = open_store().feed_rows()
    if fmt is TableJson.json:
        keys = ("name", "url", "stories", "last_polled", "last_success", "last_error",
                "error_count", "next_poll", "moved_to", "gone", "listed")
        flags = ("gone", "listed")
        print_json([{k: (bool(r[k]) if k in flags else r[k]) for k in keys} for r in rows])
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

    if path.is_file() and not force:
        raise UsageError(f"{path} exists: edit it, or pass --force to overwrite it")
    write_atomically(path, default_feeds_text().encode("utf-8"))
    typer.echo(f"wrote {path}")




@feeds_app.command("import")
def feeds_import(
    opml_file: Annotated[Path, typer.Argument(metavar="FILE.opml",
                                              help="An OPML file from another feed reader.")],
    feeds: FeedsOption = None,
) -> None:
    """Merge the feeds of an OPML file (from another reader) into the feeds file, skipping
    those already there, and report what was added.

    Example: minewatch feeds import ~/Downloads/subscriptions.opml
    """
    from minewatch.config import feeds_path, load_feeds
    from minewatch.opml import dump_feeds_yaml, merge_feeds, read_outlines

    try:
        incoming, refused = read_outlines(
            read_limited(opml_file, str(opml_file), "a list of feeds"))
    except OSError as exc:
        raise UsageError(f"cannot read {opml_file}: {exc.strerror or exc}") from None
    target = feeds_path(feeds)
    existing = load_feeds(target) if target.exists() else []
    merged, added, skipped = merge_feeds(existing, incoming)
    if added:
        if target.exists():  # the rewrite drops comments: keep the old file beside it
            backup = target.with_name(target.name + ".bak")
            write_atomically(backup, target.read_bytes())
            typer.echo(f"the previous file is kept as {backup}")
        write_atomically(target, dump_feeds_yaml(merged).encode("utf-8"))
    for spec in added:
        typer.echo(f"added: {terminal_safe(spec.label)} <{terminal_safe(spec.url)}>")
    for url in refused:
        typer.echo(f"not added: {terminal_safe(url)!r}: not a web address minewatch can fetch")
    typer.echo(f"{len(added)} added, {len(skipped)} already in {target}"
               + (f", {len(refused)} not added" if refused else ""))


class ExportFormat(StrEnum):
    opml = "opml"
    yaml = "yaml"


@feeds_app.command("export")
def feeds_export(
    feeds: FeedsOption = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Output format.")] = (
        ExportFormat.opml
    ),
) -> None:
    """Write the feeds file as OPML (for other readers) or as YAML.

    Example: minewatch feeds export --format opml > minewatch.opml
    """
    import sys

    from minewatch.config import feeds_path, load_feeds
    from minewatch.opml import dump_feeds_yaml, write_opml

    specs = load_feeds(feeds_path(feeds))
    if fmt is ExportFormat.opml:
        sys.stdout.buffer.write(write_opml(specs))
    else:
        sys.stdout.write(dump_feeds_yaml(specs))
