"""Machine formats of search results (JSON, JSONL, CSV): stable keys, no rich, no markup.

Kept apart from the terminal renderers so `minewatch search --format json` never imports rich.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from minewatch.textclean import terminal_safe


def json_text(value: Any, indent: int | None = None) -> str:
    """JSON as minewatch prints it: UTF-8 text as it is, or \\u escapes where standard output
    cannot carry every character (an ASCII or Latin-1 terminal), so a script reading it back
    loses nothing either way."""
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower()
    return json.dumps(value, ensure_ascii="utf" not in encoding, indent=indent)


HIGHLIGHT_START = "\x02"  # snippet markers from the store; feed text never holds them
HIGHLIGHT_END = "\x03"


def unmarked(snippet: str) -> str:
    """A snippet for machine formats: markers dropped, text made safe."""
    return terminal_safe(snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, ""))


SEARCH_KEYS = ("id", "title", "url", "published", "source", "tags", "snippet", "score")


def search_records(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the stable keys of the machine formats; snippets without highlight marks."""
    return [
        {
            "id": r["id"], "title": terminal_safe(r["title"]), "url": r["url"],
            "published": r["published"], "source": terminal_safe(r["source"] or ""),
            "tags": list(r["tags"]), "snippet": unmarked(r["snippet"] or ""),
            "score": round(-r["score"], 4) if r["score"] is not None else None,
        }
        for r in rows
    ]


def search_json(rows: Sequence[dict[str, Any]]) -> str:
    return json_text(search_records(rows), indent=2) + "\n"


def search_jsonl(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json_text(r) + "\n" for r in search_records(rows))


def search_csv(rows: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SEARCH_KEYS, lineterminator="\n")
    writer.writeheader()
    for r in search_records(rows):
        record = {**r, "tags": " ".join(r["tags"])}
        writer.writerow({key: _inert_cell(value) for key, value in record.items()})
    return buf.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula ("=HYPERLINK(...)" in a feed's title)
    gets a leading apostrophe, which spreadsheets show as text and do not display."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
