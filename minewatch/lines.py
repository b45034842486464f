"""Plain lines of text: a number with its noun, local times, and what `poll` prints (its
summary, its failures, the watches' alerts).

Nothing here loads rich, so a poll run from cron never does: loading rich's console and
tables added 15-40 ms to every poll's start.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minewatch.textclean import terminal_safe
from minewatch.timeutil import to_local


def local_time(iso_text: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(iso_text).strftime(fmt) if iso_text else "-"


def count(n: int, one: str, many: str | None = None) -> str:
    """'1 feed', '2 feeds': a number with its noun in the singular or the plural."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def poll_lines(summary: dict[str, Any], seconds: float, *, quiet: bool) -> list[str]:
    lines: list[str] = []
    if not quiet:
        skipped = f", {summary['skipped']} skipped" if summary["skipped"] else ""
        lines.append(
            f"polled {count(summary['feeds'], 'feed')} in {seconds:.1f}s: {summary['ok']} ok, "
            f"{summary['not_modified']} not modified, {summary['failed']} failed{skipped}; "
            f"{count(summary['new_stories'], 'new story', 'new stories')}"
        )
        for moved in summary["moved"]:
            lines.append(
                f"moved: {terminal_safe(moved['feed'])}: now at {terminal_safe(moved['moved_to'])}"
                " (update the feeds file)"
            )
    for err in summary["errors"]:
        lines.append(f"failed: {terminal_safe(err['feed'])}: {terminal_safe(err['error'])}")
    return lines


def alert_lines(alerts: Sequence[Any]) -> list[str]:
    lines: list[str] = []
    for a in alerts:
        lines.append(f"watch {terminal_safe(a.watch)}: "
                     f"{count(len(a.stories), 'new story', 'new stories')}")
        for s in a.stories:
            lines.append(f"  #{s['id']} {local_time(s['published'], '%Y-%m-%d')} "
                         f"{terminal_safe(s['title'])}")
            if s["url"]:
                lines.append(f"      {terminal_safe(s['url'])}")
    return lines
