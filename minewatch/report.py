"""Pure rendering: library results in, rich renderables out; never prints. The plain lines of
text that a poll prints are in `lines`, which never loads rich.

JSON, JSONL and CSV never go through rich. Every piece of feed text goes through
`render.safe`/`with_spans`/`marked`, so it cannot carry markup or control characters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from minewatch.lines import local_time
from minewatch.models import Event, TagResult
from minewatch.render import marked, safe, with_spans
from minewatch.textclean import terminal_safe

CONTEXT = 30  # characters of context shown around a tag's evidence


# ---------------------------------------------------------------------------- poll
@contextmanager
def poll_progress(total: int) -> Iterator[Callable[[Any], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("polling"), BarColumn(), MofNCompleteColumn(),
                  transient=True) as progress:
        task = progress.add_task("poll", total=total)
        yield lambda _outcome: progress.advance(task)


# ---------------------------------------------------------------------------- tag
def tag_text(text: str, result: TagResult, events: Sequence[Event]) -> Group:
    """Each tag as `kind value "evidence"`, then the words around it with the evidence
    highlighted, so the reason for every label is on screen."""
    parts: list[Any] = [Text(f"relevant: {'yes' if result.relevant else 'no'}", style="bold")]
    if not result.tags:
        parts.append(Text("no tags"))
    for t in result.tags:
        line = Text(f"{t.kind:<12} {t.value:<14} ")
        line.append_text(safe(f'"{t.evidence}"', "bold"))
        parts.append(line)
        parts.append(Text("    ").append_text(context(text, t.start, t.end)))
    for e in events:
        parts.append(Text(event_line(e.actor, e.action, e.recipient, e.mine_type, e.negated),
                          style="bold"))
        parts.append(Text("    ").append_text(safe(e.evidence)))
    return Group(*parts)


def context(text: str, start: int, end: int, width: int = CONTEXT) -> Text:
    """The evidence highlighted inside a little of the text around it, on one line."""
    lo = max(0, start - width)
    hi = min(len(text), end + width)
    piece = text[lo:hi].replace("\n", " ")
    out = Text("…" if lo > 0 else "")
    out.append_text(with_spans(piece, [(start - lo, end - lo)]))
    if hi < len(text):
        out.append("…")
    return out


def event_line(actor: str, action: str, recipient: str | None, mine_type: str | None,
               negated: bool) -> str:
    words = [actor, "NOT" if negated else "", action]
    if recipient:
        words.append(f"→ {recipient}")
    if mine_type:
        words.append(f"({mine_type})")
    return "event: " + " ".join(w for w in words if w)


# ---------------------------------------------------------------------------- feeds
def feeds_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("feed", "stories", "last success", "errors", "last error", "next poll"):
        table.add_column(column, overflow="fold")
    for r in rows:
        name = safe(r["name"] or r["url"])
        if r["moved_to"]:
            name.append(f"\nmoved to {terminal_safe(r['moved_to'])}", style="yellow")
        error = r["last_error"] or ""
        if r["gone"]:
            error = f"{error} (gone: skipped until --force)"
        if not r["listed"]:
            next_poll = "not in file"
        else:
            next_poll = local_time(r["next_poll"]) if r["next_poll"] else "next run"
        table.add_row(name, str(r["stories"]), local_time(r["last_success"]),
                      str(r["error_count"]), Text(terminal_safe(error), style="red"), next_poll)
    return table


# ---------------------------------------------------------------------------- search
def search_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold", expand=False)
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("source", max_width=18, overflow="ellipsis", no_wrap=True)
    table.add_column("story", ratio=1, overflow="fold")
    for r in rows:
        story = Text()
        story.append_text(safe(r["title"]))
        story.stylize("bold")
        if r["tags"]:
            story.append("  " + " ".join(r["tags"]), style="cyan")
        if r["snippet"]:
            story.append("\n")
            story.append_text(marked(r["snippet"]))
        table.add_row(str(r["id"]), local_time(r["published"], "%Y-%m-%d"),
                      safe(r["source"]), story)
    return table


# ---------------------------------------------------------------------------- show
KIND_TITLES = {"mine_type": "mine type", "persistence": "persistence", "treaty": "treaty",
               "country": "countries"}


def story_view(d: dict[str, Any]) -> Group:
    parts: list[Any] = [Text.assemble(Text(f"#{d['id']} ", style="dim"),
                                      safe(d["title"], "bold"))]
    published = local_time(d["published"])
    if d["date_estimated"]:
        published += " (no date in the feed: first seen)"
    parts.append(Text(f"published {published} · first seen {local_time(d['first_seen'])}"))
    if d["url"]:
        parts.append(safe(d["url"]))
    sources = ", ".join(terminal_safe(s["source"]) for s in d["sources"])
    parts.append(Text(f"carried by {len(d['sources'])}: {sources}"))
    if not d["relevant"]:
        parts.append(Text("not about land mines (stored because its feed keeps all)", "yellow"))
    parts += [Text(""), safe(d["summary"] or "(no summary)"), Text("")]
    for kind, tags in d["tags"].items():
        if not tags:
            continue
        parts.append(Text(KIND_TITLES.get(kind, kind), style="bold underline"))
        lines: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for t in tags:  # one line per value and sentence, every piece of evidence lit
            lines.setdefault((t["value"], t["sentence_start"]), []).append(t)
        grid = _grid()
        for (value, offset), group in lines.items():
            spans = [(t["start"] - offset, t["end"] - offset) for t in group]
            grid.add_row(value, with_spans(group[0]["sentence"], spans))
        parts.append(grid)
    if d.get("treaty_status"):
        parts.append(Text("Ottawa Convention standing on the story's date", style="bold underline"))
        grid = _grid()
        for st in d["treaty_status"]:
            grid.add_row(st["country"], treaty_line(st))
        parts.append(grid)
    if d.get("events"):
        parts.append(Text("policy events", style="bold underline"))
        grid = _grid()
        for e in d["events"]:
            move = event_line(e["actor"], e["action"], e["recipient"], e["mine_type"],
                              e["negated"])[7:]
            grid.add_row(move, safe(e["evidence"]))
        parts.append(grid)
    return Group(*parts)


def _grid() -> Table:
    """Two columns, the second wrapping under itself: label, then text."""
    grid = Table(box=None, show_header=False, padding=(0, 1, 0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def treaty_line(status: dict[str, Any]) -> str:
    """'withdrawing (withdrawal deposited 2025-06-27); pending: withdrawal effective ...'."""
    def step_text(step: dict[str, Any]) -> str:
        return f"{step['kind'].replace('_', ' ')} {step['date']}"

    line = status["status"].replace("_", " ")
    steps = status.get("steps") or []
    if steps:
        line += f" ({step_text(steps[-1])})"
    done = {step_text(s) for s in steps}
    pending = [step_text(s) for s in status.get("pending") or [] if step_text(s) not in done]
    if pending:
        line += "; pending: " + ", ".join(pending)
    return line


# ---------------------------------------------------------------------------- events, treaty
def events_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("date", no_wrap=True)
    table.add_column("move", no_wrap=True)
    table.add_column("evidence", ratio=1, overflow="fold")
    for r in rows:
        move = event_line(r["actor"], r["action"], r["recipient"], r["mine_type"],
                          r["negated"])[7:]
        evidence = safe(r["evidence"])
        evidence.append(f"  #{r['story_id']}", style="dim")
        table.add_row(local_time(r["published"], "%Y-%m-%d"), move, evidence)
    return table


def treaty_table(statuses: Sequence[Any]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("state", "status", "steps"):
        table.add_column(column, overflow="fold")
    for st in statuses:
        d = st.to_dict()
        table.add_row(d["country"], d["status"].replace("_", " "), treaty_line(d))
    return table


def watches_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("watch", "query", "filters", "created"):
        table.add_column(column, overflow="fold")
    for w in rows:
        filters = [f"--tag {t}" for t in w["tags"]] + [f"--country {c}" for c in w["countries"]]
        if w["source"]:
            filters.append(f"--source {w['source']}")
        table.add_row(safe(w["name"]), safe(w["query"]), safe(" ".join(filters)),
                      local_time(w["created"]))
    return table
