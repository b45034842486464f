"""Story clustering: quality on the scenario file, and the contract the store relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from minewatch.cluster import (
    WINDOW_HOURS,
    ClusterDoc,
    ClusterPool,
    _deserialise,
    analyse,
    bcubed,
    cluster,
    fingerprint,
    match,
    prepare,
)
from minewatch.cluster_words import PLACE_NOUNS

CASES = Path(__file__).parent / "data" / "cluster_cases.yaml"
SCENARIOS = yaml.safe_load(CASES.read_text(encoding="utf-8"))["scenarios"]


def scenario_docs(scenario: dict, offset: int = 0) -> tuple[list[ClusterDoc], dict[int, str]]:
    docs, gold = [], {}
    for number, story in enumerate(scenario["stories"], start=offset + 1):
        docs.append(ClusterDoc(number, story["title"], story["summary"], story["published"],
                               story["source"]))
        gold[number] = story["group"]
    return docs, gold


def doc(story_id: int, title: str, summary: str = "", published: str = "2025-06-27T10:00:00Z",
        source: str = "test feed") -> ClusterDoc:
    return ClusterDoc(story_id, title, summary, published, source)


# --- quality on the scenarios ------------------------------------------------------------------


def test_scenario_file_is_well_formed():
    assert len(SCENARIOS) >= 10
    pairs = 0
    for scenario in SCENARIOS:
        groups = {s["group"] for s in scenario["stories"]}
        for a, b in scenario.get("lookalikes", []):
            assert a in groups and b in groups, (scenario["name"], a, b)
            pairs += 1
    assert pairs >= 10


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_no_lookalikes_merged(scenario):
    docs, gold = scenario_docs(scenario)
    predicted = cluster(docs)
    for a, b in scenario.get("lookalikes", []):
        clusters_a = {predicted[i] for i, g in gold.items() if g == a}
        clusters_b = {predicted[i] for i, g in gold.items() if g == b}
        assert not clusters_a & clusters_b, f"{a} and {b} were merged"


def test_bcubed_f1_overall_and_per_scenario():
    all_predicted: dict[int, int] = {}
    all_gold: dict[int, str] = {}
    weakest = 1.0
    for index, scenario in enumerate(SCENARIOS):
        docs, gold = scenario_docs(scenario, offset=index * 1000)
        predicted = cluster(docs)
        weakest = min(weakest, bcubed(predicted, gold)[2])
        all_predicted.update(predicted)
        all_gold.update({k: f"{index}:{v}" for k, v in gold.items()})
    precision, recall, f1 = bcubed(all_predicted, all_gold)
    assert f1 >= 0.9, (precision, recall, f1)
    assert weakest >= 0.75


def test_bcubed_scores_perfect_and_lumped_clusterings():
    gold = {1: "a", 2: "a", 3: "b", 4: "c"}
    assert bcubed({1: 1, 2: 1, 3: 3, 4: 4}, gold) == (1.0, 1.0, 1.0)
    precision, recall, _ = bcubed({1: 1, 2: 1, 3: 1, 4: 1}, gold)
    assert recall == 1.0
    assert precision == pytest.approx((0.5 + 0.5 + 0.25 + 0.25) / 4)


# --- the contract with the store -------------------------------------------------------------


def all_docs() -> list[ClusterDoc]:
    docs: list[ClusterDoc] = []
    for index, scenario in enumerate(SCENARIOS):
        docs.extend(scenario_docs(scenario, offset=index * 1000)[0])
    return docs


def test_batch_equals_incremental_match_with_stored_fingerprints():
    """What the store does on ingest (match() with fingerprints) gives the batch partition."""
    docs = all_docs()
    batch = cluster(docs)
    opened_by: dict[int, int] = {}
    seen: list[ClusterDoc] = []
    for d in sorted(docs, key=lambda d: (d.published, d.id)):
        stored = ClusterDoc(d.id, d.title, d.summary, d.published, d.source,
                            fingerprint(d.title, d.summary))
        joined = match(stored, [(c, opened_by[c.id]) for c in seen])
        opened_by[d.id] = d.id if joined is None else joined
        seen.append(stored)
    assert {k: batch[v] for k, v in opened_by.items()} == batch


def test_cluster_id_is_smallest_story_id_even_when_it_came_later():
    text = "Lithuania deposits instrument of withdrawal from mine ban treaty"
    docs = [doc(9, text, published="2025-06-27T08:00:00Z"),
            doc(4, text, published="2025-06-27T09:00:00Z"),
            doc(7, "Yemen mine kills fisherman near Hodeidah", published="2025-06-27T09:30:00Z")]
    assert cluster(docs) == {9: 4, 4: 4, 7: 7}


def test_match_returns_none_without_candidates_and_joins_a_copy():
    story = doc(2, "Landmine blast kills three children in Kandahar",
                "Three children were killed when a landmine exploded in Kandahar province.")
    assert match(story, []) is None
    copy = doc(1, "Landmine blast kills 3 children in Kandahar - Reuters",
               "KANDAHAR, Afghanistan (Reuters) — Three children were killed when a landmine "
               "exploded in Kandahar province.", published="2025-06-27T08:00:00Z")
    assert match(story, [(copy, 1)]) == 1


def test_candidates_outside_the_window_are_ignored():
    text = "Lithuania deposits instrument of withdrawal from mine ban treaty"
    old = doc(1, text, published="2025-06-20T10:00:00Z")
    assert WINDOW_HOURS < 7 * 24
    assert match(doc(2, text), [(old, 1)]) is None


def test_a_lookalike_cannot_join_by_chaining_through_a_vaguer_story():
    """A story like a cluster's vague member joins only if no member contradicts it."""
    kandahar = doc(1, "Afghan landmine blast kills three children in Kandahar province",
                   published="2025-06-27T06:00:00Z")
    vague = doc(2, "Landmine blast kills children in Afghanistan",
                published="2025-06-27T07:00:00Z")
    helmand = doc(3, "Afghan landmine blast kills two children in Helmand province",
                  published="2025-06-27T08:00:00Z")
    assert match(helmand, [(vague, 1)]) == 1
    assert match(helmand, [(kandahar, 1), (vague, 1)]) is None


# --- features ------------------------------------------------------------------------------


@pytest.mark.parametrize("marked, wire", [
    ("VILNIUS, Lithuania (AP) — Lithuania deposited its instrument on Friday.", "ap"),
    ("(Reuters) - Lithuania deposited its instrument on Friday.", "reuters"),
    ("— AFP — Lithuania deposited its instrument on Friday.", "afp"),
    ("(Global Wire) — Lithuania deposited its instrument on Friday.", "globalwire"),
    ("KYIV, June 30. /TASS/. Lithuania deposited its instrument on Friday.", "tass"),
    ("Baku, June 4 (APA) — Lithuania deposited its instrument on Friday.", "apa"),
    ("SIEM REAP, Cambodia, Nov. 25 (Xinhua) -- Lithuania deposited its instrument on Friday.",
     "xinhua"),
])
def test_wire_markers_are_stripped_and_remembered(marked, wire):
    plain = analyse("Lithuania leaves mine treaty", "Lithuania deposited its instrument on Friday.")
    features = analyse("Lithuania leaves mine treaty", marked)
    assert features.wire == wire
    assert features.words == plain.words
    assert features.stages == plain.stages


def test_aggregator_source_suffix_is_stripped_from_headlines():
    features = analyse("Finland quits landmine treaty - Reuters", "")
    assert features.wire == "reuters"
    assert features.title == analyse("Finland quits landmine treaty", "").title


def test_capitals_demonyms_and_parliaments_name_the_country():
    codes = [analyse(t, "").title_countries for t in (
        "Vilnius notifies UN", "Lithuanian lawmakers vote", "Seimas approves exit",
        "Lithuania's exit")]
    assert codes == [frozenset({"@lt"})] * 4
    assert analyse("US to send mines", "").title_countries == {"@us"}
    assert analyse("Mines near us", "").title_countries == frozenset()


def test_names_beside_a_letter_whose_lower_case_is_longer_still_name_the_country():
    """With "İ" in a text, countries are found by the case-blind pattern, which matches "İ"
    as "i": the name it matched was looked up as "i" with a combining dot, and raised."""
    assert analyse("İstanbul talks: Israelİ fans sue", "").title_countries == {"@il"}
    assert analyse("Riigikogu and RİİGİKOGU vote in İzmir", "").title_countries == {"@ee"}
    assert analyse("Ruſsia in İzmir", "").title_countries == frozenset()  # "ſ" is no "s" here


def test_a_number_too_large_for_a_float_is_no_count():
    features = analyse("Landmine kills three", "Serial " + "9" * 400 + " and 1" + "0" * 300
                       + " billion dollars.")
    assert features.counts == {"#3"}


def test_synonyms_fold_into_one_concept():
    a = analyse("Finland to quit the Ottawa Convention", "")
    b = analyse("Finland leaving the mine ban treaty", "")
    assert a.title == b.title


def test_numbers_by_kind():
    features = analyse(
        "Landmine kills three in 2024",
        "A 12-year-old boy and two adults died on June 4 at 10:30 on 1.2 million square metres "
        "cleared six months ago, one in five of the victims being children.",
    )
    assert features.title_counts == {"#3"}
    assert features.counts == {"#3", "#2", "#1200000"}  # ages, times, spans and ratios left out
    assert features.years == {"2024"}
    assert features.dates == {"06-4"}


def test_facts_in_a_background_clause_do_not_count():
    features = analyse(
        "Finland notifies UN of exit",
        "Finland deposited its instrument on Friday, a week after parliament voted 157-18 on "
        "Thursday and after Lithuania did.",
    )
    assert features.stages == {"deposit"}
    assert features.counts == frozenset()
    assert features.weekdays == {"friday"}
    assert features.lead_countries == {"@fi"}
    assert {"~vote", "@lt"} <= features.words  # still words the story shares with others


def test_places_are_taken_from_prepositions_and_place_nouns():
    features = analyse("Blast in Kandahar", "It went off in Maiwand district near Lashkar Gah.")
    assert {"kandahar", "maiwand", "lashkar", "gah"} <= features.places


def test_fingerprint_is_deterministic_and_round_trips():
    title, summary = "Latvia deposits instrument", "RIGA (AP) — Latvia on Friday deposited it."
    text = fingerprint(title, summary)
    assert text == fingerprint(title, summary)
    assert "\n" not in text
    assert _deserialise(text) == analyse(title, summary)


def test_prepared_fingerprints_are_found_resolved_when_placed():
    text = fingerprint("Estonia leaves the mine ban treaty", "TALLINN (AP) — Estonia left it.")
    _deserialise.cache_clear()
    prepare([("2026-03-02T10:00:00Z", text)])
    assert _deserialise.cache_info().currsize == 1
    pool = ClusterPool()
    doc = ClusterDoc(7, "", "", "2026-03-02T10:00:00Z", "wire", fingerprint=text)
    assert pool.place(doc) == 7
    assert _deserialise.cache_info().hits == 1  # placing read what prepare resolved


def test_a_fingerprint_of_another_version_is_refused():
    with pytest.raises(ValueError, match="fingerprint"):
        _deserialise("c0|a|b")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(max_size=400))
def test_fingerprint_never_raises_and_round_trips_on_any_text(title, summary):
    assert _deserialise(fingerprint(title, summary)) == analyse(title, summary)


def syndicated_copy(story: ClusterDoc, new_id: int, variant: int) -> ClusterDoc:
    """The same story as another outlet might carry it: marker, suffix, trimmed summary."""
    lead = story.summary.split(". ")[0]
    summary = [f"(AP) — {lead}", f"— AFP — {story.summary}", lead, story.summary][variant % 4]
    title = [story.title, f"{story.title} - Reuters", f"{story.title} | Global Wire"][variant % 3]
    published = story.published[:14] + "59" + story.published[16:]  # later within the hour
    return ClusterDoc(new_id, title, summary, published, f"copy feed {variant}")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_syndicated_copies_join_their_original(scenario):
    docs, _ = scenario_docs(scenario)
    copies = [syndicated_copy(d, 500 + d.id, d.id) for d in docs]
    predicted = cluster(docs + copies)
    for original, copy in zip(docs, copies, strict=True):
        assert predicted[copy.id] == predicted[original.id], copy.title


_PLAIN_FORMS = {  # the patterns as first written, before they were reordered for speed
    "_CAPITALISED": r"(?<![\w'’-])[A-Z][\w'’-]*",
    "_PLACE_BEFORE": r"(?<![\w'’-])((?:[A-Z][\w'’-]+\s){0,2}[A-Z][\w'’-]+)\s+(?i:"
    + "|".join(PLACE_NOUNS) + r")\b",
    "_PLACE_AFTER": r"\b(?i:in|near|outside|around)\s+((?:[A-Z][\w'’-]+)(?:\s[A-Z][\w'’-]+){0,2})",
    "_CLOCK_TIME": r"(?i)\b\d{1,2}(?:[:.]\d\d)?\s*(?:[ap]\.?m\b\.?|gmt\b|utc\b)|\b\d{1,2}:\d\d\b",
    "ABBREVIATIONS": r"(?<![\w.])(?:U\.S\.A\.|U\.S\.|USA|US|U\.K\.|UK|UAE)(?![\w])",
}
_PIECES = ["in", "In", "near", "Outside", "around", "Kharkiv", "Big Town", "x", "US", "U.S.",
           " province", " District", " REGION", "é", "Ém", "_", "-Oblast",
           "U.S.A.", "USA", "UK", "U.K.", "UAE", ".", "-", "5", "12", "123", ":30", ".45", "pm",
           "a.m.", "GMT", "utc", " ", "  ", "'", "’", "(", "\n"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20))
def test_the_reordered_patterns_match_where_their_plain_forms_do(pieces: list[str]) -> None:
    import re

    import minewatch.cluster as clustering

    text = "".join(pieces)
    for name, plain in _PLAIN_FORMS.items():
        fast = getattr(clustering, name)
        assert [(m.span(), m.groups()) for m in fast.finditer(text)] == [
            (m.span(), m.groups()) for m in re.finditer(plain, text)
        ]
