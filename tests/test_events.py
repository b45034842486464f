"""Policy events from labelled passages (tests/data/event_cases.yaml) and the extractor's rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from minewatch.events import ACTIONS, extract_events, parse_lexicon
from minewatch.models import Event, Tag
from minewatch.tagger import tag

CASES_FILE = Path(__file__).parent / "data" / "event_cases.yaml"
CASES = yaml.safe_load(CASES_FILE.read_text("utf-8"))

def tags_for(text: str) -> list[Tag]:
    """The real tagger's tags for the text, as the poller would pass them."""
    return list(tag(text).tags)


def _key(e: dict) -> tuple:
    return (e["actor"], e["action"], e["recipient"], e["mine_type"], bool(e["negated"]))


def _as_keys(events: list[Event]) -> set[tuple]:
    return {(e.actor, e.action, e.recipient, e.mine_type, e.negated) for e in events}


def _case_params() -> list:
    params = []
    for case in CASES:
        marks = []
        if case.get("xfail"):
            marks.append(pytest.mark.xfail(strict=True, reason=case["xfail"]))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def test_cases_file_is_large_and_well_formed() -> None:
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES)
    seen_actions = set()
    for case in CASES:
        for e in case["events"]:
            assert set(e) == {"actor", "action", "recipient", "mine_type", "negated"}, case["id"]
            assert e["action"] in ACTIONS
            assert e["mine_type"] in (None, "antipersonnel", "antitank")
            assert e["recipient"] is None or e["action"] == "transfer"
            seen_actions.add(e["action"])
    assert seen_actions == set(ACTIONS)


@pytest.mark.parametrize("case", _case_params())
def test_labelled_passage(case: dict) -> None:
    events = extract_events(case["text"], tags_for(case["text"]))
    assert _as_keys(events) == {_key(e) for e in case["events"]}


def test_evidence_is_the_sentence_and_slices_back() -> None:
    text = (
        "Lithuania quits landmine treaty\n\nThe Seimas voted on Thursday. "
        "Lithuania's withdrawal from the Ottawa Convention takes effect in December."
    )
    events = extract_events(text, tags_for(text))
    assert events, "a withdrawal should be found"
    for e in events:
        assert text[e.start : e.end] == e.evidence
        assert "\n" not in e.evidence
    assert events[0].evidence == "Lithuania quits landmine treaty"


def test_one_event_per_actor_action_and_negation() -> None:
    text = (
        "Russian forces laid anti-personnel mines near Izium. Russian troops also used them "
        "around Kharkiv. Moscow denied that Russian forces used such mines."
    )
    events = extract_events(text, tags_for(text))
    keys = [(e.actor, e.action, e.negated) for e in events]
    assert sorted(keys) == [("RU", "use", False), ("RU", "use", True)]
    assert all(e.mine_type == "antipersonnel" for e in events)


def test_such_mines_take_their_type_from_elsewhere_in_the_text() -> None:
    text = "The treaty bans anti-personnel mines. Poland will produce such mines again."
    [event] = extract_events(text, tags_for(text))
    assert (event.actor, event.action, event.mine_type) == ("PL", "produce", "antipersonnel")


def test_no_tags_no_events() -> None:
    assert extract_events("Russian forces laid mines near Izium.", []) == []
    assert extract_events("", []) == []


def test_an_analyst_can_extend_the_lexicon() -> None:
    raw = yaml.safe_load(
        (Path(__file__).parents[1] / "minewatch" / "events" / "patterns.yaml").read_text("utf-8")
    )
    text = "Poland will fabricate anti-personnel mines."
    assert extract_events(text, tags_for(text)) == []
    raw["actions"]["produce"]["triggers"].append(r"\bfabricat(?:e|es|ed|ing)\b")
    [event] = extract_events(text, tags_for(text), lexicon=parse_lexicon(raw))
    assert (event.actor, event.action) == ("PL", "produce")


def test_unknown_action_in_lexicon_is_rejected() -> None:
    raw = yaml.safe_load(
        (Path(__file__).parents[1] / "minewatch" / "events" / "patterns.yaml").read_text("utf-8")
    )
    raw["actions"]["smuggle"] = {"needs": "mine", "triggers": ["smuggl"]}
    with pytest.raises(ValueError, match="smuggle"):
        parse_lexicon(raw)


def test_every_case_gives_evidence_that_slices_back() -> None:
    for case in CASES:
        text = case["text"]
        for e in extract_events(text, tags_for(text)):
            assert text[e.start : e.end] == e.evidence, case["id"]
            assert e.recipient is None or e.action == "transfer"
            assert e.action in ACTIONS


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_any_text(text: str) -> None:
    tags = tags_for(text)
    for e in extract_events(text, tags):
        assert text[e.start : e.end] == e.evidence


def test_the_fast_cue_pattern_finds_every_sentence_a_trigger_could_start_in():
    import re

    from minewatch.events.lexicon import default_lexicon
    from minewatch.events.sentences import sentence_spans

    lex = default_lexicon()
    singles = [p for spec in lex.actions for p in (*spec.triggers, *spec.alone)]
    singles += [*lex.transfer_from, lex.cues["denial"]]
    singles += [re.compile(p.pattern.removeprefix("^"), p.flags)
                for p in lex.adjective_actions.values()]
    texts = [c["text"] for c in CASES] + ["Officials found Russian-laid mines near the road."]
    for text in texts:
        for span in sentence_spans(text):
            expected = any(p.search(text, *span) for p in singles)
            assert bool(lex.any_cue.search(text, *span)) == expected, text[span[0]:span[1]]


def test_a_sentence_listing_a_thousand_states_is_read_not_a_crash() -> None:
    # Each state's "listed after a place" test recursed through the list before it: past
    # about a thousand names, RecursionError failed the whole feed's poll.
    states = ["Estonia", "Latvia", "Lithuania", "Finland", "Poland"] * 250
    text = (f"Bordering Russia and {' and '.join(states)}, Ukraine said it would withdraw "
            "from the Ottawa Convention on anti-personnel mines.")
    found = extract_events(text, tags_for(text))
    assert ("UA", "withdraw") in {(e.actor, e.action) for e in found}


def test_a_sentence_over_the_limit_is_read_in_pieces_cut_at_clause_breaks() -> None:
    from minewatch.events.sentences import MAX_SENTENCE, sentence_spans

    long = "; ".join(["Kyiv said Russia laid mines near the border"] * 150) + "."
    text = f"Deminers met in Geneva. {long} The talks ended."
    spans = sentence_spans(text)
    assert text[slice(*spans[0])] == "Deminers met in Geneva."
    assert text[slice(*spans[-1])] == "The talks ended."
    pieces = [text[start:end] for start, end in spans[1:-1]]
    assert len(pieces) > 1 and all(len(piece) <= MAX_SENTENCE for piece in pieces)
    assert all(piece.endswith(";") for piece in pieces[:-1])  # cut after a clause
    assert " ".join(pieces) == long  # nothing lost between the pieces
    found = extract_events(text, tags_for(text))  # 300 states and 150 acts: read in a moment
    assert ("RU", "use") in {(e.actor, e.action) for e in found}
