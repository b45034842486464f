"""Score the tagger on the labelled cases and measure its speed.

Prints per-label precision, recall and F1, the macro-F1 over labels, countries F1 on its own,
then throughput in MB/s on one core over ~20 MB of generated news-like text (median of runs).
Runs from a clone: python bench/bench_tagger.py [--mb 20] [--runs 5] [--show-errors]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from minewatch.tagger import tag  # noqa: E402

CASES = ROOT / "tests" / "data" / "tagger_cases.yaml"
LABELS = [
    ("relevant", None),
    ("mine_type", "antipersonnel"),
    ("mine_type", "antitank"),
    ("persistence", "persistent"),
    ("persistence", "nonpersistent"),
    ("treaty", "ottawa"),
]


def load_cases(path: Path = CASES) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["cases"]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(cases: list[dict], show_errors: bool = False) -> dict:
    counts = {label: [0, 0, 0] for label in LABELS}
    country = [0, 0, 0]
    for case in cases:
        result = tag(case["text"])
        for kind, value in LABELS:
            want = case["relevant"] if kind == "relevant" else value in case.get(kind, [])
            got = result.relevant if kind == "relevant" else value in result.values(kind)
            c = counts[(kind, value)]
            c[0] += want and got
            c[1] += got and not want
            c[2] += want and not got
            if show_errors and want != got:
                print(f"  {value or kind}: want {want}, got {got}: {case['text'][:90]}")
        required = set(case.get("countries", []))
        optional = set(case.get("countries_optional", []))
        got_c = set(result.values("country")) - (optional - required)
        country[0] += len(got_c & required)
        country[1] += len(got_c - required)
        country[2] += len(required - got_c)
        if show_errors and got_c != required:
            print(f"  country: want {sorted(required)}, got {sorted(got_c)}: {case['text'][:90]}")
    return {"labels": counts, "country": country}


def print_scores(scores: dict) -> float:
    print(f"{'label':<16}{'P':>7}{'R':>7}{'F1':>7}   tp  fp  fn")
    f1s = []
    for (kind, value), (tp, fp, fn) in scores["labels"].items():
        p, r, f = prf(tp, fp, fn)
        f1s.append(f)
        print(f"{value or kind:<16}{p:7.3f}{r:7.3f}{f:7.3f}  {tp:3d} {fp:3d} {fn:3d}")
    macro = sum(f1s) / len(f1s)
    print(f"{'macro-F1':<16}{'':>14}{macro:7.3f}")
    p, r, f = prf(*scores["country"])
    tp, fp, fn = scores["country"]
    print(f"{'countries':<16}{p:7.3f}{r:7.3f}{f:7.3f}  {tp:3d} {fp:3d} {fn:3d}")
    return macro


_FILLER = [
    "The central bank held interest rates at 4.5% on Thursday, citing sticky services inflation.",
    "Shares in the carmaker fell 6% after it cut its full-year sales forecast.",
    "Officials declined to comment on the figures, which were published by the statistics office.",
    "The minister told reporters in Brussels that talks would resume next week.",
    "Residents said the storm knocked out power across the region for most of the weekend.",
    "The company's quarterly profit rose to $1.2 billion, beating analysts' expectations.",
    "\u201cWe are not there yet,\u201d the spokeswoman said, adding that a deal was close.",
    "Germany and France called for a joint EU response to the new tariffs.",
    "Floods in southern Brazil have displaced more than 80,000 people, local authorities said.",
    "The opposition leader accused the government of mismanaging the economy \u2014 again.",
    "Japan's exports rose for a third straight month in October, driven by chips and cars.",
    "Police arrested two men after a car was driven into a crowd outside the stadium.",
    "The football club confirmed its coach had signed a two-year contract extension.",
    "Scientists said the heatwave was made 10 times more likely by climate change.",
    "The court adjourned the hearing until January, lawyers for the defendant said.",
    "Oil prices edged higher as traders weighed supply risks in the Middle East.",
    "Kenya's president said the country would seek new loans from the IMF.",
    "India's monsoon rains were 8% above average in September, the weather office said.",
    "The airline will add 14 routes from Dubai next summer, its chief executive said.",
    "Let us be clear: the plan has to work for everyone, the mayor said at a rally.",
    "Canadian wildfire smoke drifted south, prompting air quality alerts in New York.",
    "The tech giant unveiled a new phone with a larger battery and a faster processor.",
    "Turkey's lira slid to a record low against the dollar on Monday.",
    "A spokesman for the UN said aid convoys were still waiting at the border crossing.",
    "Voters in Argentina head to the polls on Sunday in a closely watched runoff.",
]


def news_corpus(cases: list[dict], megabytes: float, seed: int = 7) -> list[str]:
    """~`megabytes` of 4 KB stories: 30% about mines (labelled passages, each dense with
    mine and country words, make up 15% of their sentences: several mine mentions a story),
    the rest everyday news with its usual country names, as a general feed delivers them."""
    rng = random.Random(seed)
    texts = [c["text"] for c in cases]
    stories, size = [], 0
    target = int(megabytes * 1_000_000)
    while size < target:
        mine_story = rng.random() < 0.30
        parts, n = [], 0
        while n < 4000:
            if mine_story and rng.random() < 0.15:
                piece = rng.choice(texts)
            else:
                piece = rng.choice(_FILLER)
            parts.append(piece)
            n += len(piece) + 1
        story = " ".join(parts)
        stories.append(story)
        size += len(story.encode("utf-8"))
    return stories


def throughput(stories: list[str], runs: int) -> float:
    total = sum(len(s.encode("utf-8")) for s in stories) / 1e6
    tag("warm up: load the data once")
    rates = []
    for _ in range(runs):
        t0 = time.process_time()
        for s in stories:
            tag(s)
        rates.append(total / (time.process_time() - t0))
    return statistics.median(rates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0, help="size of the speed corpus in MB")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args()
    cases = load_cases()
    print(f"{len(cases)} labelled cases")
    print_scores(score(cases, args.show_errors))
    stories = news_corpus(cases, args.mb)
    rate = throughput(stories, args.runs)
    print(
        f"throughput: {rate:.1f} MB/s "
        f"(median of {args.runs} runs, {len(stories)} stories, CPU time of one core)"
    )


if __name__ == "__main__":
    main()
