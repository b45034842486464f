"""Frozen records passed between the modules: feeds, fetch results, stories, tags, events.

They carry no behaviour beyond small derived views, so every module can share them
without importing another module's machinery.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FeedSpec:
    """One entry of the feeds file."""

    url: str
    name: str | None = None
    keep: str = "relevant"  # "relevant" or "all"
    interval: float | None = None  # seconds; poll at most this often
    line: int | None = None  # line in the feeds file, for error messages

    @property
    def label(self) -> str:
        """What users see for this feed: its name, else its url."""
        return self.name or self.url


@dataclass(frozen=True)
class Tag:
    """A label with the exact words that gave it: text[start:end] == evidence."""

    kind: str  # mine_type | persistence | treaty | country
    value: str
    evidence: str
    start: int
    end: int


@dataclass(frozen=True)
class Event:
    """A policy move a text reports: a state doing one of the eight actions (EVENTS.md)."""

    actor: str  # ISO 3166-1 alpha-2
    action: str  # use|transfer|produce|destroy_stockpile|restrict|withdraw|join|clear
    recipient: str | None
    mine_type: str | None
    negated: bool
    evidence: str  # the sentence
    start: int
    end: int


@dataclass(frozen=True)
class TagResult:
    relevant: bool
    tags: tuple[Tag, ...] = ()

    def values(self, kind: str) -> list[str]:
        """Distinct values of one kind, in order of first appearance."""
        seen: dict[str, None] = {}
        for t in self.tags:
            if t.kind == kind:
                seen.setdefault(t.value)
        return list(seen)


@dataclass(frozen=True)
class Story:
    """One feed entry, cleaned: plain-text title and summary, UTC date, absolute link."""

    key: str  # stable identity: guid, else canonical link, else a hash of title and summary
    guid: str | None
    url: str | None
    canonical_url: str | None
    title: str
    summary: str
    published: str  # ISO 8601 UTC, "YYYY-MM-DDTHH:MM:SSZ"
    date_estimated: bool = False  # published was missing or in the future: first-seen time used

    @property
    def text(self) -> str:
        return story_text(self.title, self.summary)


def story_text(title: str, summary: str) -> str:
    """The text the tagger reads; stored tag offsets refer to it."""
    return f"{title}\n\n{summary}" if summary else title


@dataclass(frozen=True)
class ParsedFeed:
    stories: list[Story]
    title: str | None = None
    version: str | None = None
    warning: str | None = None  # a recoverable parse problem (feedparser's bozo), entries kept
    cut_short: bool = False  # the body ended inside the document: entries kept, body not final


@dataclass
class FeedState:
    """What the poller remembers about a feed between polls (a row of the feeds table)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    error_count: int = 0
    next_poll: str | None = None  # ISO UTC: do not poll before
    gone: bool = False


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one fetch. A failure is data (error is a short stable sentence)."""

    url: str
    outcome: str  # "ok" | "not_modified" | "failed" | "gone"
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    final_url: str | None = None  # where the body came from after redirects
    moved_to: str | None = None  # a permanent redirect's target, to show the user
    error: str | None = None  # "http 404", "timeout after 20s", ...
    retry_after: float | None = None  # seconds, from 429/503
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class StoryFilter:
    """Filters shared by search, watches and the timeline; every one set must hold."""

    tags: tuple[str, ...] = ()  # tag values, all must hold ("antipersonnel", "ottawa", ...)
    countries: tuple[str, ...] = ()  # ISO codes, any may hold
    source: str | None = None  # a feed's name or url that carried the story
    since: str | None = None  # ISO UTC, inclusive
    until: str | None = None  # ISO UTC, exclusive
