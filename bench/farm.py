"""A loopback farm of synthetic news feeds for the poll benchmark (standard library only).

Serves N feeds of M items each at /feed/0.xml .. /feed/{N-1}.xml: RSS 2.0, every k-th one Atom
1.0, items from bench/synth.py (a share about land mines). Bodies are rendered and gzipped once
at start, so the farm spends little CPU per request and the poller is what gets measured.
Every feed request, 200 or 304, waits --latency-ms first, like a round trip to a publisher.

Each feed answers with an ETag and a Last-Modified, and 304 to a matching If-None-Match (or,
without one, an If-Modified-Since not older than the feed); gzip when the client accepts it.

Feeds change in rounds, as publishers' feeds do between two polls: /_round?set=N serves round
N, where each feed has --churn new items on top of round N-1 and has dropped as many of its
oldest (round 0, the start, is what a first poll reads).

Other paths: /_feeds.yaml (a minewatch feeds file), /_urls.txt (one url a line),
/_stats (JSON request counters; ?reset=1 zeroes them after reading), /_shutdown.

It binds 127.0.0.1 only, prints one JSON line {"base_url", "port", "feeds", "items"} once it
accepts connections, and stops by itself after --lifetime seconds.

    python bench/farm.py --feeds 500 --items 50 --latency-ms 100 --port 0 --lifetime 900
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import escape as html_escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from synth import StoryGenerator, SynthStory

FEED_PATH = re.compile(r"^/feed/(\d+)\.xml$")


@dataclass(frozen=True)
class FeedBody:
    plain: bytes
    gzipped: bytes
    content_type: str
    etag: str
    last_modified: str  # an HTTP date
    modified: datetime


@dataclass
class Stats:
    """Counters of feed requests, shared by the handler threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    conditional: int = 0
    gzipped: int = 0
    bytes_sent: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    feeds_hit: set[int] = field(default_factory=set)

    def snapshot(self, reset: bool) -> dict[str, object]:
        with self.lock:
            out = {
                "requests": self.requests, "by_status": dict(self.by_status),
                "conditional": self.conditional, "gzipped": self.gzipped,
                "bytes": self.bytes_sent, "peak_in_flight": self.peak_in_flight,
                "feeds_hit": len(self.feeds_hit),
            }
            if reset:
                self.requests = self.conditional = self.gzipped = self.bytes_sent = 0
                self.peak_in_flight = self.in_flight
                self.by_status = {}
                self.feeds_hit = set()
        return out


# ---------------------------------------------------------------------------- rendering
def rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def summary_markup(story: SynthStory, html: bool) -> str:
    """The summary as a feed carries it: plain, or HTML paragraphs of up to three sentences
    (escaped into the XML either way; cleaned, both give the same text)."""
    if not html or not story.sentences:
        return escape(story.summary)
    parts = story.sentences
    paragraphs = (" ".join(parts[i : i + 3]) for i in range(0, len(parts), 3))
    return escape("".join(f"<p>{html_escape(p)}</p>" for p in paragraphs))


def render_rss(number: int, base: str, stories: list[SynthStory], html: bool = False) -> str:
    items = "".join(
        "<item>"
        f"<title>{escape(s.title)}</title>"
        f"<link>{escape(s.url)}</link>"
        f'<guid isPermaLink="false">{escape(s.key)}</guid>'
        f"<pubDate>{rfc822(_when(s))}</pubDate>"
        f"<description>{summary_markup(s, html)}</description>"
        "</item>\n"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Synthetic Wire {number}</title><link>{base}/</link>"
        f"<description>Synthetic news feed {number} for minewatch benchmarks</description>"
        f"<language>en</language>\n{items}</channel></rss>\n"
    )


def render_atom(number: int, base: str, stories: list[SynthStory], html: bool = False) -> str:
    summary_type = ' type="html"' if html else ""
    updated = max(_when(s) for s in stories).strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = "".join(
        "<entry>"
        f"<id>{escape(s.key)}</id><title>{escape(s.title)}</title>"
        f"<link rel=\"alternate\" href={quoteattr(s.url)}/>"
        f"<published>{s.published}</published><updated>{s.published}</updated>"
        f"<summary{summary_type}>{summary_markup(s, html)}</summary>"
        "</entry>\n"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{base}/feed/{number}.xml</id><title>Synthetic Desk {number}</title>"
        f"<updated>{updated}</updated>\n{entries}</feed>\n"
    )


def _when(story: SynthStory) -> datetime:
    return datetime.fromisoformat(story.published.replace("Z", "+00:00"))


class FeedRenderer:
    """Every feed's body in a given round, rendered once and kept; item dates fall in the last
    14 days, and the items new in a later round just after them."""

    def __init__(
        self, count: int, items: int, base: str, *, atom_every: int, mine_share: float,
        seed: int, sentences: tuple[int, int] = (2, 4), html: bool = False, churn: int = 2,
    ) -> None:
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self.gen = StoryGenerator(seed=seed, total=count * items, mine_share=mine_share,
                                  start=end - timedelta(days=14), end=end, sentences=sentences)
        self.count, self.items, self.base = count, items, base
        self.atom_every, self.html, self.churn = atom_every, html, churn
        self.rounds: dict[int, list[FeedBody]] = {}

    def bodies(self, round_: int) -> list[FeedBody]:
        if round_ not in self.rounds:
            self.rounds[round_] = [self._render(number, round_) for number in range(self.count)]
        return self.rounds[round_]

    def _stories(self, number: int, round_: int) -> list[SynthStory]:
        fresh: list[SynthStory] = []
        for later in range(round_, 0, -1):  # newest first, as feeds list them
            first = self.count * self.items + ((later - 1) * self.count + number) * self.churn
            fresh += self.gen.generate(first, self.churn)
        return (fresh + self.gen.generate(number * self.items, self.items))[: self.items]

    def _render(self, number: int, round_: int) -> FeedBody:
        stories = self._stories(number, round_)
        atom = self.atom_every > 0 and number % self.atom_every == self.atom_every - 1
        text = (render_atom if atom else render_rss)(number, self.base, stories, self.html)
        plain = text.encode("utf-8")
        modified = max(_when(s) for s in stories)
        return FeedBody(
            plain=plain, gzipped=gzip.compress(plain, compresslevel=6, mtime=0),
            content_type=("application/atom+xml" if atom else "application/rss+xml")
            + "; charset=utf-8",
            etag='"' + hashlib.sha1(plain).hexdigest()[:20] + '"',
            last_modified=rfc822(modified), modified=modified,
        )


def feeds_yaml(base: str, count: int, keep: str) -> str:
    lines = ["# minewatch feeds file for the benchmark farm", "feeds:"]
    for number in range(count):
        lines += [f"  - name: Synthetic {number}", f"    url: {base}/feed/{number}.xml",
                  f"    keep: {keep}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- serving
class FarmServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # hundreds of connects at once must not be refused

    def __init__(self, address: tuple[str, int], args: argparse.Namespace) -> None:
        super().__init__(address, FarmHandler)
        self.base = f"http://{address[0]}:{self.server_address[1]}"
        self.latency = args.latency_ms / 1000
        self.stats = Stats()
        self.renderer = FeedRenderer(args.feeds, args.items, self.base,
                                     atom_every=args.atom_every, mine_share=args.mine_share,
                                     seed=args.seed, sentences=args.sentences, html=args.html,
                                     churn=args.churn)
        self.bodies = self.renderer.bodies(0)
        self.extras = {
            "/_feeds.yaml": (feeds_yaml(self.base, args.feeds, args.keep), "text/yaml"),
            "/_urls.txt": ("".join(f"{self.base}/feed/{n}.xml\n" for n in range(args.feeds)),
                           "text/plain"),
        }


class FarmHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real publishers offer
    server: FarmServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        pass

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        parts = urlsplit(self.path)
        found = FEED_PATH.match(parts.path)
        if found and int(found.group(1)) < len(self.server.bodies):
            self._feed(int(found.group(1)))
        elif parts.path in self.server.extras:
            text, kind = self.server.extras[parts.path]
            self._send(200, text.encode(), f"{kind}; charset=utf-8")
        elif parts.path == "/_stats":
            reset = parse_qs(parts.query).get("reset") == ["1"]
            self._send(200, json.dumps(self.server.stats.snapshot(reset)).encode(),
                       "application/json")
        elif parts.path == "/_round":
            self._set_round(parse_qs(parts.query).get("set", [""])[0])
        elif parts.path == "/_shutdown":
            self._send(200, b"stopping\n", "text/plain")
            threading.Thread(target=self.server.shutdown, daemon=True).start()
        else:
            self._send(404, b"not found\n", "text/plain")

    def _set_round(self, value: str) -> None:
        if not value.isdigit():
            self._send(400, b"/_round?set=N with N a whole number\n", "text/plain")
            return
        self.server.bodies = self.server.renderer.bodies(int(value))
        self._send(200, f"round {int(value)}\n".encode(), "text/plain")

    def _feed(self, number: int) -> None:
        stats = self.server.stats
        with stats.lock:
            stats.in_flight += 1
            stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        status, payload, gzipped = 0, b"", False
        try:
            time.sleep(self.server.latency)
            body = self.server.bodies[number]
            status, payload, gzipped = self._answer(body)
            headers = {"ETag": body.etag, "Last-Modified": body.last_modified,
                       "Cache-Control": "max-age=0"}
            if gzipped:
                headers["Content-Encoding"] = "gzip"
            if status == 304:
                self._send(304, b"", None, headers)
            else:
                self._send(200, payload, body.content_type, headers)
        finally:
            with stats.lock:
                stats.in_flight -= 1
                stats.requests += 1
                stats.by_status[str(status)] = stats.by_status.get(str(status), 0) + 1
                stats.conditional += bool(self.headers.get("If-None-Match")
                                          or self.headers.get("If-Modified-Since"))
                stats.gzipped += gzipped
                stats.bytes_sent += len(payload)
                stats.feeds_hit.add(number)

    def _answer(self, body: FeedBody) -> tuple[int, bytes, bool]:
        if self._not_modified(body):
            return 304, b"", False
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            return 200, body.gzipped, True
        return 200, body.plain, False

    def _not_modified(self, body: FeedBody) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags:  # it wins over If-Modified-Since
            return any(t.strip().removeprefix("W/") == body.etag for t in tags.split(","))
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return parsedate_to_datetime(since) >= body.modified
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, payload: bytes, content_type: str | None,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=500, help="feeds served (default 500)")
    ap.add_argument("--items", type=int, default=50, help="items a feed (default 50)")
    ap.add_argument("--latency-ms", type=float, default=100.0, help="delay a feed request")
    ap.add_argument("--atom-every", type=int, default=5, help="every k-th feed is Atom (0: none)")
    ap.add_argument("--mine-share", type=float, default=0.3, help="share of mine-related items")
    ap.add_argument("--keep", default="all", choices=("all", "relevant"),
                    help="keep: in /_feeds.yaml (default all)")
    ap.add_argument("--sentences", type=_span, default=(2, 4), metavar="LO-HI",
                    help="sentences a summary, at most 12 (default 2-4)")
    ap.add_argument("--html", action="store_true",
                    help="summaries as HTML paragraphs, as most publishers send them")
    ap.add_argument("--churn", type=int, default=2,
                    help="new items a feed in each round after the first (default 2)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--host", default="127.0.0.1", help="a loopback address")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--lifetime", type=float, default=900.0, help="seconds before it stops")
    args = ap.parse_args(argv)
    if not args.host.startswith("127."):
        ap.error("--host must be a loopback address (127.x.x.x)")
    if not 1 <= args.churn <= args.items:
        ap.error("--churn must be from 1 to --items")
    return args


def _span(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    try:
        span = int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a range like 6-12: {text!r}") from None
    if not 1 <= span[0] <= span[1] <= 12:
        raise argparse.ArgumentTypeError(f"a range within 1-12: {text!r}")
    return span


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    server = FarmServer((args.host, args.port), args)
    stopper = threading.Timer(args.lifetime, server.shutdown)
    stopper.daemon = True
    stopper.start()
    print(json.dumps({"base_url": server.base, "port": server.server_address[1],
                      "feeds": args.feeds, "items": args.items}), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stopper.cancel()
        server.server_close()


if __name__ == "__main__":
    main()
