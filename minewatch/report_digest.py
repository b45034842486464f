"""Rendering the digest and the timeline: rich text for the terminal (80 columns, plain when
piped) and Markdown for e-mail. Pure: data in, renderables or strings out."""

from __future__ import annotations

import re
from itertools import groupby
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from minewatch.digest import SHOWN_DEVELOPMENTS
from minewatch.lines import count, local_time
from minewatch.render import safe
from minewatch.report import event_line
from minewatch.textclean import terminal_safe

COUNT_LABELS = {"antipersonnel": "AP", "antitank": "AT", "persistent": "persistent",
                "nonpersistent": "non-persistent", "ottawa": "Ottawa"}
SPARK = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 40
SERIES_CHARS = "█▓▒░#=+"
TAG_LABELS = {"antipersonnel": "anti-personnel", "antitank": "anti-tank",
              "persistent": "persistent", "nonpersistent": "non-persistent",
              "ottawa": "Ottawa Convention"}


def sparkline(values: list[int]) -> str:
    top = max(values) if values else 0
    if top == 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, round(v / top * (len(SPARK) - 1)))] for v in values)


def period_label(d: dict[str, Any]) -> str:
    start, end = d["period"]["start"], d["period"]["end"]
    return f"{local_time(start)} to {local_time(end)}"


def change(now: int, before: int) -> str:
    diff = now - before
    return f"{'+' if diff > 0 else ''}{diff}" if diff else "no change"


def totals_line(t: dict[str, Any]) -> str:
    return (
        f"{count(t['stories'], 'story', 'stories')} in {count(t['clusters'], 'development')} "
        f"from {count(t['sources'], 'source')} (period before: "
        f"{count(t['previous_stories'], 'story', 'stories')}, "
        f"{change(t['stories'], t['previous_stories'])})"
    )


def developments_table(clusters: list[dict[str, Any]]) -> Table:
    """One development a row: when, how many sources, then headline, labels and link, each
    wrapped inside its own column so the whole fits the terminal."""
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("when", no_wrap=True)
    table.add_column("sources", no_wrap=True, justify="right")
    table.add_column("story", overflow="fold")
    for c in clusters:
        body = safe(c["headline"], "bold")
        labels = [TAG_LABELS.get(t, t) for t in c["tags"]] + c["countries"][:8]
        if labels:
            body.append("\n" + " · ".join(labels), style="magenta")
        if c["url"]:
            body.append("\n").append_text(safe(c["url"], "dim"))
        n = len(c["sources"])
        table.add_row(local_time(c["first_seen"], "%m-%d %H:%M"),
                      Text(f"{n} src", style="cyan"), body)
    return table


def _shown(clusters: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], str]:
    """The developments a reader sees (limit 0: all) and the line that says what was left out."""
    if not limit or len(clusters) <= limit:
        return clusters, ""
    left = len(clusters) - limit
    plural = "s" if left != 1 else ""
    return clusters[:limit], f"… and {left} more development{plural} (--limit 0 shows all)"


def digest_text(d: dict[str, Any], limit: int = SHOWN_DEVELOPMENTS) -> Group:
    t = d["totals"]
    parts: list[Any] = [Text(f"minewatch digest: {period_label(d)}", style="bold")]
    if not d["clusters"]:
        parts = [Text(f"minewatch digest: no mine-related stories from {period_label(d)}")]
        parts += _failing_text(d)
        return Group(*parts)
    parts.append(Text(totals_line(t)))
    shown, rest = _shown(d["clusters"], limit)
    parts += [Text(""), Text("Developments", style="bold underline"), developments_table(shown)]
    if rest:
        parts.append(Text(rest, style="dim"))
    parts += [Text(""), Text("Counts (developments)", style="bold underline")]
    parts.append(Text("  " + " · ".join(f"{COUNT_LABELS[k]} {v}" for k, v in d["counts"].items())))
    if d["countries"]:
        parts += [Text(""), Text("Countries in the news (7-day trend)", style="bold underline")]
        for c in d["countries"]:
            parts.append(Text(f"  {c['code']}  {c['count']:>3}  {sparkline(c['trend'])}"))
    if d.get("policy_moves"):
        parts += [Text(""), Text("Policy moves", style="bold underline")]
        for e in d["policy_moves"]:
            parts.append(Text("  " + event_line(e["actor"], e["action"], e["recipient"],
                                                e["mine_type"], e["negated"])[7:]))
            parts.append(Text("    ").append_text(safe(_short(e["headline"], 72), "dim")))
    for w in d.get("watches") or []:
        parts += [Text(""), Text(f"Watch: {terminal_safe(w['watch'])}", style="bold underline")]
        for s in w["stories"]:
            parts.append(Text(f"  #{s['id']} ").append_text(safe(s["title"])))
    parts += _failing_text(d)
    return Group(*parts)


def _failing_text(d: dict[str, Any]) -> list[Any]:
    if not d["failing_feeds"]:
        return []
    parts: list[Any] = [Text(""), Text("Failing feeds", style="bold underline red")]
    for f in d["failing_feeds"]:
        parts.append(Text(f"  {terminal_safe(f['feed'])}: {terminal_safe(f['error'])} "
                          f"({f['failures']} in a row)"))
    return parts


def _listed(items: list[str], most: int) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def md(text: str | None) -> str:
    """Feed text made inert in Markdown: no links, emphasis or HTML can be smuggled in."""
    return _MD_SPECIAL.sub(r"\\\1", terminal_safe(text or "").replace("\n", " "))


def digest_markdown(d: dict[str, Any], limit: int = SHOWN_DEVELOPMENTS) -> str:
    t = d["totals"]
    lines = [f"# minewatch digest: {period_label(d)}", ""]
    if not d["clusters"]:
        lines.append(f"No mine-related stories from {period_label(d)}.")
    else:
        lines += [totals_line(t) + ".", "", "## Developments", ""]
        shown, rest = _shown(d["clusters"], limit)
        for c in shown:
            n = len(c["sources"])
            title = md(c["headline"])
            link = f"[{title}](<{c['url']}>)" if c["url"] else title
            labels = [TAG_LABELS.get(x, x) for x in c["tags"]] + c["countries"][:6]
            extra = f"; {', '.join(labels)}" if labels else ""
            lines.append(
                f"- {local_time(c['first_seen'], '%m-%d %H:%M')}: {link} "
                f"({n} source{'s' if n != 1 else ''}){extra}"
            )
        if rest:
            lines.append(f"- {rest}")
        lines += ["", "## Counts", ""]
        lines += [f"- {TAG_LABELS[k]}: {v}" for k, v in d["counts"].items()]
        if d["countries"]:
            lines += ["", "## Countries in the news", ""]
            lines += [f"- {c['code']}: {c['count']} `{sparkline(c['trend'])}`"
                      for c in d["countries"]]
        if d.get("policy_moves"):
            lines += ["", "## Policy moves", ""]
            for e in d["policy_moves"]:
                move = event_line(e["actor"], e["action"], e["recipient"], e["mine_type"],
                                  e["negated"])[7:]
                lines.append(f"- {move}: {md(e['headline'])}")
    for w in d.get("watches") or []:
        lines += ["", f"## Watch: {md(w['watch'])}", ""]
        lines += [f"- #{s['id']} {md(s['title'])}" for s in w["stories"]]
    if d["failing_feeds"]:
        lines += ["", "## Failing feeds", ""]
        lines += [f"- {md(f['feed'])}: {md(f['error'])} ({f['failures']} in a row)"
                  for f in d["failing_feeds"]]
    return "\n".join(lines) + "\n"


QUIET_RUN = 5  # this many empty periods in a row are one line of the chart


def _runs(periods: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The periods in runs of ones with and without developments. A long empty run is drawn
    as one line: an archive story from 1997 among this year's drew 1,400 empty weeks."""
    return [list(run) for _, run in groupby(periods, key=lambda p: bool(p["clusters"]))]


def timeline_text(tl: dict[str, Any]) -> Group:
    periods = tl["periods"]
    if not periods:
        return Group(Text("no mine-related stories in this range"))
    top = max(p["clusters"] for p in periods) or 1
    series = tl["series"]
    chars = {name: SERIES_CHARS[i % len(SERIES_CHARS)] for i, name in enumerate(series)}
    label_width = max(len(p["period"]) for p in periods)
    parts: list[Any] = [Text(f"developments per {tl['by']}", style="bold")]
    if series:
        parts.append(Text("  ".join(f"{chars[s]} {s}" for s in series)))
    for run in _runs(periods):
        if not run[0]["clusters"] and len(run) >= QUIET_RUN:
            parts.append(Text(f"{'⋮':<{label_width}} nothing for {len(run):,} {tl['by']}s, "
                              f"{run[0]['period']} to {run[-1]['period']}", style="dim"))
            continue
        for p in run:
            line = Text(f"{p['period']:<{label_width}} ")
            if series:
                for name in series:
                    n = p["split"].get(name, 0)
                    line.append(chars[name] * round(n / top * BAR_WIDTH))
            else:
                line.append("█" * round(p["clusters"] / top * BAR_WIDTH), style="cyan")
            line.append(f" {p['clusters']}")
            if p["events"]:
                line.append(" ◆", style="yellow")
            parts.append(line)
    parts += [Text(""), Text("Summary", style="bold underline")]
    for p in periods:
        if not p["main"]:
            continue
        line = Text(f"{p['period']}: ").append_text(safe(_short(p["main"]["headline"], 90)))
        parts.append(line)
        notes = [*p["firsts"]]
        if p["events"]:
            notes.append("policy moves: " + _listed(p["events"], 8))
        if notes:
            parts.append(Text("    " + "; ".join(notes), style="dim"))
    return Group(*parts)
