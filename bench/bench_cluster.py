"""Clustering quality and speed: B-cubed P/R/F1 on tests/data/cluster_cases.yaml, and the time
of one match() call against 200 candidates (with stored fingerprints, as the store calls it).

    python bench/bench_cluster.py [--verbose]
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

import yaml

from minewatch.cluster import (
    ClusterDoc,
    _deserialise,
    _weights,
    bcubed,
    cluster,
    fingerprint,
    match,
)

CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "cluster_cases.yaml"


def load_scenarios() -> list[dict]:
    return yaml.safe_load(CASES.read_text(encoding="utf-8"))["scenarios"]


def scenario_docs(scenario: dict) -> tuple[list[ClusterDoc], dict[int, str]]:
    docs, gold = [], {}
    for number, story in enumerate(scenario["stories"], start=1):
        docs.append(ClusterDoc(number, story["title"], story["summary"], story["published"],
                               story["source"]))
        gold[number] = story["group"]
    return docs, gold


def word_overlap_baseline(docs: list[ClusterDoc], threshold: float) -> dict[int, int]:
    """The naive approach for comparison: join the first earlier story whose words overlap."""
    words = {d.id: set(re.findall(r"[a-z0-9]+", f"{d.title} {d.summary}".lower())) for d in docs}
    assigned: dict[int, int] = {}
    for doc in sorted(docs, key=lambda d: (d.published, d.id)):
        assigned[doc.id] = doc.id
        for other_id, cluster_id in assigned.items():
            a, b = words[doc.id], words[other_id]
            if other_id != doc.id and len(a & b) / max(1, len(a | b)) >= threshold:
                assigned[doc.id] = cluster_id
                break
    return assigned


def quality(verbose: bool) -> None:
    all_predicted: dict[int, int] = {}
    all_gold: dict[int, str] = {}
    merged_lookalikes = 0
    print(f"{'scenario':34} {'P':>6} {'R':>6} {'F1':>6}")
    for index, scenario in enumerate(load_scenarios()):
        docs, gold = scenario_docs(scenario)
        predicted = cluster(docs)
        p, r, f = bcubed(predicted, gold)
        print(f"{scenario['name']:34} {p:6.3f} {r:6.3f} {f:6.3f}")
        for a, b in scenario.get("lookalikes", []):
            clusters_a = {predicted[i] for i, g in gold.items() if g == a}
            clusters_b = {predicted[i] for i, g in gold.items() if g == b}
            if clusters_a & clusters_b:
                merged_lookalikes += 1
                print(f"  LOOK-ALIKES MERGED: {a} + {b}")
        if verbose:
            for doc in docs:
                print(f"    {doc.id:2} gold={gold[doc.id]:14} got={predicted[doc.id]:2}  "
                      f"{doc.title}")
        offset = (index + 1) * 1000  # keep ids distinct across scenarios for the overall score
        all_predicted.update({offset + k: offset + v for k, v in predicted.items()})
        all_gold.update({offset + k: f"{index}:{v}" for k, v in gold.items()})
    p, r, f = bcubed(all_predicted, all_gold)
    print(f"{'overall (' + str(len(all_gold)) + ' stories)':34} {p:6.3f} {r:6.3f} {f:6.3f}")
    print(f"look-alike pairs merged: {merged_lookalikes}")
    for threshold in (0.2, 0.3, 0.4, 0.5):
        predicted_all: dict[int, int] = {}
        merged = 0
        for index, scenario in enumerate(load_scenarios()):
            docs, gold = scenario_docs(scenario)
            predicted = word_overlap_baseline(docs, threshold)
            merged += sum(
                1 for a, b in scenario.get("lookalikes", [])
                if {predicted[i] for i, g in gold.items() if g == a}
                & {predicted[i] for i, g in gold.items() if g == b}
            )
            offset = (index + 1) * 1000
            predicted_all.update({offset + k: offset + v for k, v in predicted.items()})
        p, r, f = bcubed(predicted_all, all_gold)
        print(f"baseline: word Jaccard >= {threshold}: P {p:.3f} R {r:.3f} F1 {f:.3f}, "
              f"look-alike pairs merged: {merged}")


def speed() -> None:
    stories = [s for scenario in load_scenarios() for s in scenario["stories"]]
    candidates = []
    for number in range(200):
        story = stories[number % len(stories)]
        title = f"{story['title']} {number}"  # distinct texts, so no cache hides the work
        docs_fp = fingerprint(title, story["summary"])
        published = f"2025-06-{25 + number % 5:02d}T{number % 24:02d}:00:00Z"  # all in the window
        candidates.append((ClusterDoc(number, title, story["summary"], published,
                                      story["source"], docs_fp), number))
    probe_story = stories[0]
    timings = []
    for run in range(200):
        title = f"{probe_story['title']} probe {run}"
        probe = ClusterDoc(10_000 + run, title, probe_story["summary"], probe_story["published"],
                           probe_story["source"], fingerprint(title, probe_story["summary"]))
        probe = ClusterDoc(probe.id, probe.title, probe.summary, "2025-06-28T12:00:00Z",
                           probe.source, probe.fingerprint)
        start = time.perf_counter()
        match(probe, candidates)
        timings.append(time.perf_counter() - start)
    cold = []
    for _run in range(50):
        _deserialise.cache_clear()
        _weights.cache_clear()
        start = time.perf_counter()
        match(probe, candidates)
        cold.append(time.perf_counter() - start)
    start = time.perf_counter()
    for number in range(1000):
        fingerprint(f"{probe_story['title']} fp {number}", probe_story["summary"])
    per_fingerprint = (time.perf_counter() - start) / 1000
    print(f"match() against 200 candidates: median {statistics.median(timings) * 1000:.3f} ms, "
          f"max {max(timings) * 1000:.3f} ms ({len(timings)} calls)")
    print(f"match() against 200 candidates, fingerprints not yet parsed: median "
          f"{statistics.median(cold) * 1000:.3f} ms")
    print(f"fingerprint() of a new story: {per_fingerprint * 1e6:.0f} µs")


if __name__ == "__main__":
    quality(verbose="--verbose" in sys.argv)
    speed()
