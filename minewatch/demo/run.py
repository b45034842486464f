"""The demo's steps as one library call: serve the samples, poll them, find the day to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import yaml

from minewatch.config import parse_feeds
from minewatch.models import FeedSpec
from minewatch.poll import PollOptions, PollReport, run_poll
from minewatch.store import Store


@dataclass
class DemoResult:
    report: PollReport
    last_day: date | None  # the local calendar day of the newest sample story


def sample_folder() -> Path:
    return Path(str(resources.files("minewatch.demo").joinpath("feeds")))


def sample_feeds(base_url: str) -> list[FeedSpec]:
    """The samples' feeds list, its file names made URLs on the demo server, then validated
    like any feeds file."""
    listing = sample_folder() / "feeds.yaml"
    raw = yaml.safe_load(listing.read_text("utf-8"))
    for feed in raw["feeds"]:
        feed["url"] = base_url + feed["url"]
    return parse_feeds(yaml.safe_dump(raw, allow_unicode=True), str(listing))


def run_demo(store: Store) -> DemoResult:
    from minewatch.demo.server import serve_folder
    from minewatch.timeutil import to_local

    with serve_folder(sample_folder()) as base_url:
        report = run_poll(store, sample_feeds(base_url), PollOptions(timeout=10.0))
    newest = store.newest_published()
    return DemoResult(report=report, last_day=to_local(newest).date() if newest else None)
