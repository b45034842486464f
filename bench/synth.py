"""Deterministic, news-like synthetic stories for the minewatch benchmarks.

A share of the stories are about land mines and carry the tags minewatch's tagger would give
(mine type, persistence, the Ottawa Convention, countries), each with offsets into
`title + "\\n\\n" + summary`; the rest are ordinary news (markets, sport, weather, science), some
with decoys such as "gold mine" or "data mining". A batch of stories depends only on the seed
and its first index, so a benchmark can regenerate the very same data twice (for a floor) and
the feed farm can serve the same items on every start.

Standard library only: the feed farm imports it without minewatch installed. `to_ingest`
imports minewatch lazily.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ISO = "%Y-%m-%dT%H:%M:%SZ"

# ------------------------------------------------------------------------------ vocabulary
# A slot value: the text, then the tags it carries as (kind, value, evidence within the text).
TagSpec = tuple[str, str, str]
SlotValue = tuple[str, tuple[TagSpec, ...]]

COUNTRIES: list[tuple[str, str]] = [
    ("Ukraine", "UA"), ("Cambodia", "KH"), ("Angola", "AO"), ("Colombia", "CO"),
    ("Afghanistan", "AF"), ("Myanmar", "MM"), ("Lithuania", "LT"), ("Finland", "FI"),
    ("Poland", "PL"), ("Estonia", "EE"), ("Latvia", "LV"), ("Bosnia and Herzegovina", "BA"),
    ("Laos", "LA"), ("Iraq", "IQ"), ("Syria", "SY"), ("Yemen", "YE"), ("Sri Lanka", "LK"),
    ("Mozambique", "MZ"), ("Croatia", "HR"), ("Azerbaijan", "AZ"), ("Sudan", "SD"),
    ("Libya", "LY"), ("Russia", "RU"), ("the United States", "US"), ("Zimbabwe", "ZW"),
    ("Senegal", "SN"), ("Tajikistan", "TJ"), ("Thailand", "TH"),
]
# Frequent actors get more stories, as in real coverage.
COUNTRY_WEIGHTS = [9, 5, 3, 4, 3, 3, 4, 3, 3, 3, 3, 2, 3, 2, 2, 2, 1, 1, 1, 2, 1, 1, 6, 5, 1, 1,
                   1, 1]

MINE_TERMS: list[SlotValue] = [
    ("anti-personnel mines", (("mine_type", "antipersonnel", "anti-personnel mines"),)),
    ("antipersonnel landmines", (("mine_type", "antipersonnel", "antipersonnel landmines"),)),
    ("anti-tank mines", (("mine_type", "antitank", "anti-tank mines"),)),
    ("antitank mines", (("mine_type", "antitank", "antitank mines"),)),
    ("landmines", ()),
    ("improvised mines", ()),
    ("non-persistent anti-personnel mines", (
        ("persistence", "nonpersistent", "non-persistent"),
        ("mine_type", "antipersonnel", "anti-personnel mines"),
    )),
    ("self-destructing anti-personnel mines", (
        ("persistence", "nonpersistent", "self-destructing"),
        ("mine_type", "antipersonnel", "anti-personnel mines"),
    )),
    ("persistent landmines", (("persistence", "persistent", "persistent"),)),
    ("scatterable anti-tank mines", (("mine_type", "antitank", "anti-tank mines"),)),
]
TREATY_NAMES: list[SlotValue] = [
    ("the Ottawa Convention", (("treaty", "ottawa", "Ottawa Convention"),)),
    ("the Mine Ban Treaty", (("treaty", "ottawa", "Mine Ban Treaty"),)),
    ("the 1997 Ottawa Treaty", (("treaty", "ottawa", "Ottawa Treaty"),)),
]
ORGS = [
    "the HALO Trust", "Landmine Monitor", "the Mines Advisory Group", "the UN Mine Action Service",
    "the ICRC", "Norwegian People's Aid", "Humanity & Inclusion", "the national mine action centre",
    "the International Campaign to Ban Landmines", "a Geneva-based research group",
]
OFFICIALS = ["defence minister", "foreign ministry spokesperson", "prime minister", "president",
             "army spokesman", "deputy defence minister", "parliamentary committee chair"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SECTORS = ["shipping", "retail", "banking", "steel", "software", "airline", "dairy", "textile",
           "pharmaceutical", "insurance", "telecom", "construction", "tourism", "automotive"]
SPORTS = ["football", "rugby", "cricket", "basketball", "volleyball", "handball", "tennis",
          "cycling", "athletics", "ice hockey"]
WEATHER = ["storms", "heavy rain", "a heatwave", "floods", "snowfall", "strong winds", "drought",
           "hail", "fog", "wildfires"]
DECOYS = ["a gold mine", "data mining", "a minefield of new rules", "the coal mine",
          "a lithium mine", "a copper mine"]

MINE_TITLES = [
    "{country} to withdraw from {treaty} over {mine} fears",
    "{org} reports rise in casualties from {mine} in {country}",
    "{country} parliament votes to leave {treaty}",
    "Deminers clear {num} hectares of {mine} near {place}",
    "{country} confirms delivery of {mine} to {country2}",
    "Children among {num} hurt by {mine} in {country}",
    "{country} begins destroying stockpile of {mine}",
    "{country} says it will keep {mine} despite {treaty}",
    "{org} urges {country} to stay in {treaty}",
    "Farmers in {place} return to fields cleared of {mine}",
]
MINE_SENTENCES = [
    "The {official} said on {weekday} that {country} would notify the United Nations of its "
    "decision to leave {treaty}.",
    "{org} said {num} people had been killed or injured by {mine} in {country} since January.",
    "Officials in {country} said the {mine} would be laid only along the border with {country2}.",
    "Critics said the move weakened {treaty}, which more than 160 states have joined.",
    "Teams from {org} cleared {num} {mine} from farmland around {place} this year, the group said.",
    "The {official} said {mine} were needed to slow an armoured advance.",
    "Survivors in {place} said {mine} remained a danger long after the fighting ended.",
    "{org} said clearance of {mine} in {country} could take another {small} years.",
    "Lawmakers in {country} voted {num} to {small} in favour of the bill, the {official} said.",
    "Neighbouring {country2} said it had no plans to follow and remained committed to {treaty}.",
    "The report counted {num} new casualties of {mine}, most of them civilians.",
    "Aid workers said funding for mine risk education in {place} had fallen sharply.",
]
OTHER_TITLES = [
    "{company} shares jump after {sector} earnings beat forecasts",
    "{team} beat {team2} {small}-{small2} in {sport} final",
    "{weather} disrupt travel across {place} on {weekday}",
    "{company} to cut {num} jobs in {sector} overhaul",
    "Scientists in {place} report new findings on {topic}",
    "Council approves new {sector} hub for {place}",
    "{company} eyes expansion in {decoy} venture",
    "Regulators probe {company} over {sector} pricing",
    "{person} named head of {company}",
    "Festival draws record crowds to {place}",
]
OTHER_SENTENCES = [
    "The company said revenue rose {small} percent to {num} million in the quarter.",
    "{person}, who leads the {sector} unit, said demand had recovered faster than expected.",
    "Forecasters said {weather} would continue through {weekday} in {place}.",
    "The {sport} side had not won a title since {year}, fans in {place} said.",
    "Analysts at {company} said the outlook for {sector} remained uncertain.",
    "Local officials in {place} said roads would reopen by {weekday}.",
    "The study, led by {person}, followed {num} volunteers over {small} years.",
    "Investors were wary of {decoy}, according to a note from {company}.",
    "Ticket sales reached {num}, organisers said on {weekday}.",
    "The council said construction in {place} would start next spring.",
    "Shares in {company} closed {small} percent higher on {weekday}.",
    "{person} said the team would review the results with partners in {place}.",
]
TOPICS = ["sleep and memory", "coral reefs", "battery chemistry", "migrating birds",
          "soil bacteria", "solar flares", "ancient grain", "ocean currents", "bee colonies"]

_SLOT = re.compile(r"\{(\w+)\}")
_SYLLABLES = ["ka", "lo", "mir", "ten", "vas", "dor", "ul", "bre", "sen", "tov", "ra", "pel",
              "gan", "hol", "zi", "mar", "ost", "ven", "lin", "cor", "tha", "bel", "nu", "dra"]


@dataclass(frozen=True)
class SynthTag:
    kind: str
    value: str
    evidence: str
    start: int
    end: int


@dataclass(frozen=True)
class SynthStory:
    index: int
    key: str
    title: str
    summary: str
    published: str  # ISO 8601 UTC with a Z
    url: str
    relevant: bool
    tags: tuple[SynthTag, ...]
    sentences: tuple[str, ...] = ()  # the summary's sentences, for rendering it as paragraphs

    @property
    def text(self) -> str:
        return f"{self.title}\n\n{self.summary}"


def _word_pool(seed: int, size: int) -> list[str]:
    """Made-up proper names: they give the index a realistic long tail of rare words."""
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize())
    return sorted(words)


class StoryGenerator:
    """Stories 0..total-1 spread evenly over [start, end); `mine_share` of them are mine news."""

    def __init__(
        self, *, seed: int = 1, total: int = 10_000, mine_share: float = 0.3,
        start: datetime = datetime(2024, 1, 1, tzinfo=UTC),
        end: datetime = datetime(2026, 1, 1, tzinfo=UTC),
        sentences: tuple[int, int] = (2, 4),
    ) -> None:
        self.seed = seed
        self.sentences = sentences  # fewest and most sentences a summary (at most 12)
        self.total = max(total, 1)
        self.mine_share = mine_share
        self.start = start
        self.span = (end - start).total_seconds()
        names = _word_pool(seed, 6000)
        self.places = names[:2500]
        self.people = [f"{a} {b}" for a, b in zip(names[2500:4000], names[4000:5500], strict=True)]
        self.companies = [f"{n} {s}" for n, s in zip(
            names[5500:], ["Group", "Holdings", "Labs", "Industries", "Partners"] * 100,
            strict=False)]
        self.teams = [f"{p} United" for p in self.places[:300]]

    def generate(self, first: int, count: int) -> list[SynthStory]:
        """Stories first..first+count-1; the same arguments always give the same stories."""
        rng = random.Random(self.seed * 1_000_003 + first)
        return [self._story(rng, index) for index in range(first, first + count)]

    def _story(self, rng: random.Random, index: int) -> SynthStory:
        relevant = rng.random() < self.mine_share
        slots = self._slots(rng, relevant)
        title_tpl = rng.choice(MINE_TITLES if relevant else OTHER_TITLES)
        pool = MINE_SENTENCES if relevant else OTHER_SENTENCES
        sentences = rng.sample(pool, min(len(pool), rng.randint(*self.sentences)))
        title, title_tags = _render(title_tpl, slots, 0)
        offset = len(title) + 2
        parts: list[str] = []
        tags = list(title_tags)
        for tpl in sentences:
            text, found = _render(tpl, slots, offset)
            parts.append(text)
            tags += found
            offset += len(text) + 1
        summary = " ".join(parts)
        moment = self.start + timedelta(seconds=(index + rng.random()) * self.span / self.total)
        return SynthStory(
            index=index, key=f"synth-{self.seed}-{index}", title=title, summary=summary,
            published=moment.strftime(ISO), url=f"https://news.example.org/{self.seed}/{index}",
            relevant=relevant, tags=tuple(tags), sentences=tuple(parts),
        )

    def _slots(self, rng: random.Random, relevant: bool) -> dict[str, SlotValue]:
        """One value per placeholder for the whole story, so title and summary agree."""
        c1, c2 = rng.choices(COUNTRIES, COUNTRY_WEIGHTS, k=2)
        if c2 == c1:
            c2 = COUNTRIES[(COUNTRIES.index(c1) + 1) % len(COUNTRIES)]
        name1, name2 = c1[0], c2[0]
        plain = {
            "org": rng.choice(ORGS), "official": rng.choice(OFFICIALS),
            "weekday": rng.choice(WEEKDAYS), "place": rng.choice(self.places),
            "num": str(rng.randint(3, 4000)), "small": str(rng.randint(2, 19)),
            "small2": str(rng.randint(0, 9)), "year": str(rng.randint(1950, 2020)),
            "company": rng.choice(self.companies), "person": rng.choice(self.people),
            "sector": rng.choice(SECTORS), "sport": rng.choice(SPORTS),
            "team": rng.choice(self.teams), "team2": rng.choice(self.teams),
            "weather": rng.choice(WEATHER), "topic": rng.choice(TOPICS),
            "decoy": rng.choice(DECOYS),
        }
        slots: dict[str, SlotValue] = {k: (v, ()) for k, v in plain.items()}
        bare1 = name1.removeprefix("the ")
        bare2 = name2.removeprefix("the ")
        slots["country"] = (name1, (("country", c1[1], bare1),))
        slots["country2"] = (name2, (("country", c2[1], bare2),))
        if relevant:
            slots["mine"] = rng.choice(MINE_TERMS)
            slots["treaty"] = rng.choice(TREATY_NAMES)
        return slots


def _render(template: str, slots: dict[str, SlotValue], offset: int) -> tuple[str, list[SynthTag]]:
    """Fill a template; each tag's offsets point into the story text (offset = where it starts)."""
    out: list[str] = []
    tags: list[SynthTag] = []
    pos = 0
    length = 0
    for match in _SLOT.finditer(template):
        literal = template[pos : match.start()]
        out.append(literal)
        length += len(literal)
        text, specs = slots[match.group(1)]
        if length == 0 and text[:1].islower():  # a sentence starts with a capital
            text = text[0].upper() + text[1:]
        for kind, value, evidence in specs:
            at = text.find(evidence)
            if at < 0:  # capitalised at sentence start: evidence moves with it
                at = text.lower().find(evidence.lower())
                evidence = text[at : at + len(evidence)]
            start = offset + length + at
            tags.append(SynthTag(kind, value, evidence, start, start + len(evidence)))
        out.append(text)
        length += len(text)
        pos = match.end()
    out.append(template[pos:])
    return "".join(out), tags


def to_ingest(story: SynthStory) -> Any:
    """The store's IngestItem for a synthetic story (imports minewatch on first use)."""
    from minewatch.models import Story, Tag
    from minewatch.store import IngestItem

    return IngestItem(
        story=Story(key=story.key, guid=story.key, url=story.url, canonical_url=story.url,
                    title=story.title, summary=story.summary, published=story.published),
        relevant=story.relevant,
        tags=[Tag(t.kind, t.value, t.evidence, t.start, t.end) for t in story.tags],
        events=[], tagger_version="bench", fingerprint=None,
    )


BUILD_META_KEY = "bench_synth"


def build_store(
    path: Any, gen: StoryGenerator, *, batch: int = 1000, feeds: int = 40,
    progress: bool = True,
) -> dict[str, float]:
    """Fill a new minewatch database with gen.total stories through the store API, one
    save_feed_poll transaction per batch (each batch credited to one of `feeds` feeds).

    Returns seconds spent generating and seconds spent inside the store (the insert rate is
    measured on the latter alone), and records the generator's parameters in the meta table
    so a later run can tell whether the file holds the data it asks for."""
    import json
    import sys
    import time

    from minewatch.models import FeedSpec
    from minewatch.store import open_store

    store = open_store(path, create=True)
    try:
        specs = [FeedSpec(url=f"https://feeds.example.org/wire-{k}.xml", name=f"Wire {k}")
                 for k in range(feeds)]
        rows = store.ensure_feeds(specs)
        feed_ids = [rows[spec.url]["id"] for spec in specs]
        gen_seconds = save_seconds = 0.0
        now = datetime.now(UTC).strftime(ISO)
        for number, first in enumerate(range(0, gen.total, batch)):
            began = time.perf_counter()
            items = [to_ingest(s) for s in gen.generate(first, min(batch, gen.total - first))]
            mid = time.perf_counter()
            store.save_feed_poll(feed_ids[number % feeds], items, {"last_success": now}, now)
            gen_seconds += mid - began
            save_seconds += time.perf_counter() - mid
            if progress and number % 50 == 49:
                done = first + len(items)
                print(f"  built {done:,}/{gen.total:,} stories "
                      f"({done / save_seconds:,.0f}/s in the store)", file=sys.stderr)
        store.set_meta(BUILD_META_KEY, json.dumps(gen_params(gen), sort_keys=True))
    finally:
        store.close()
    return {"generate": gen_seconds, "store": save_seconds}


def gen_params(gen: StoryGenerator) -> dict[str, Any]:
    return {"seed": gen.seed, "total": gen.total, "mine_share": gen.mine_share,
            "start": gen.start.strftime(ISO), "span": gen.span}


def built_with(path: Any, gen: StoryGenerator) -> bool:
    """True when the database at path was built by build_store from the same parameters."""
    import json
    import sqlite3

    if not path.exists():
        return False
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", [BUILD_META_KEY]).fetchone()
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return row is not None and json.loads(row[0]) == json.loads(
        json.dumps(gen_params(gen), sort_keys=True))


def remove_db(path: Any) -> None:
    """Delete a database file with its WAL and shared-memory companions."""
    from pathlib import Path

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def check_offsets(stories: list[SynthStory]) -> None:
    """Every tag's evidence is exactly the text at its offsets (raises AssertionError if not)."""
    for s in stories:
        text = s.text
        for t in s.tags:
            if text[t.start : t.end] != t.evidence:
                raise AssertionError(f"story {s.index}: {t} does not match {text[t.start:t.end]!r}")


if __name__ == "__main__":
    import time

    gen = StoryGenerator(seed=7, total=20_000)
    began = time.perf_counter()
    sample = gen.generate(0, 20_000)
    took = time.perf_counter() - began
    check_offsets(sample)
    for s in sample[:3]:
        print(s.published, s.relevant, s.title, "|", s.summary)
        print("   ", [(t.kind, t.value, t.evidence) for t in s.tags])
    share = sum(s.relevant for s in sample) / len(sample)
    print(f"{len(sample)} stories in {took:.2f}s ({len(sample) / took:,.0f}/s), "
          f"mine share {share:.2f}, offsets ok")
