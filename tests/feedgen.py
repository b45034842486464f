"""Builders for the small RSS and Atom feeds the poll tests serve."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

MINE_SUMMARY = (
    "Deminers cleared anti-personnel mines from farmland near the border, the national "
    "mine action centre said on Tuesday."
)
OFF_TOPIC_SUMMARY = "Shares in the gold mining company rose after a strong quarter."


@dataclass
class Item:
    guid: str | None
    title: str
    summary: str = MINE_SUMMARY
    link: str | None = None
    date: str | None = "Tue, 10 Jun 2025 09:00:00 +0000"


def rss(items: list[Item], title: str = "Test wire") -> str:
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
             f"<title>{escape(title)}</title><link>https://wire.example/</link>"]
    for it in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(it.title)}</title>")
        if it.guid is not None:
            parts.append(f'<guid isPermaLink="false">{escape(it.guid)}</guid>')
        if it.link:
            parts.append(f"<link>{escape(it.link)}</link>")
        if it.date:
            parts.append(f"<pubDate>{it.date}</pubDate>")
        parts.append(f"<description>{escape(it.summary)}</description></item>")
    parts.append("</channel></rss>")
    return "".join(parts)


def feeds_yaml(*entries: tuple[str, str, str]) -> str:
    """(url, name, keep) entries as a feeds file."""
    lines = ["feeds:"]
    for url, name, keep in entries:
        lines += [f"  - url: {url}", f"    name: {name}", f"    keep: {keep}"]
    return "\n".join(lines) + "\n"
