"""The tagger on its labelled cases and on the contract every tag must keep."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from minewatch.models import TagResult
from minewatch.tagger import DATA_VERSION, sentence_span, tag
from minewatch.tagger.data import COUNTRY_COLUMNS, countries, parse_countries
from minewatch.tagger.normalize import fold, surface_forms

CASES = yaml.safe_load(
    (Path(__file__).parent / "data" / "tagger_cases.yaml").read_text(encoding="utf-8")
)["cases"]


def _case_id(case: dict) -> str:
    return case["text"][:48]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_labelled_case(case: dict) -> None:
    result = tag(case["text"])
    assert result.relevant is case["relevant"]
    for kind in ("mine_type", "persistence", "treaty"):
        assert sorted(result.values(kind)) == sorted(case.get(kind, [])), kind
    required = {str(c) for c in case.get("countries", [])}
    optional = {str(c) for c in case.get("countries_optional", [])}
    got = set(result.values("country"))
    assert required <= got, f"missing {required - got}"
    assert got <= required | optional, f"unexpected {got - required - optional}"


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 150
    assert sum(1 for c in CASES if not c["relevant"]) >= 40


def test_every_tag_carries_its_exact_evidence() -> None:
    for case in CASES:
        text = case["text"]
        result = tag(text)
        starts = [t.start for t in result.tags]
        assert starts == sorted(starts)
        for t in result.tags:
            assert text[t.start : t.end] == t.evidence


def test_all_mentions_are_returned_and_values_dedupe() -> None:
    result = tag("Russia laid mines. Russia denied it. Russian officials said landmines were old.")
    assert [t.evidence for t in result.tags if t.kind == "country"] == [
        "Russia", "Russia", "Russian",
    ]
    assert result.values("country") == ["RU"]


def test_irrelevant_text_keeps_countries_only() -> None:
    result = tag("France and Germany agreed on coal mine closures; anti-tank missiles were sent.")
    assert not result.relevant
    assert {t.kind for t in result.tags} == {"country"}


@pytest.mark.parametrize(
    "spelling",
    ["anti-personnel", "anti personnel", "anti\u2013personnel", "antipersonnel",
     "Anti-Personnel", "ANTI-PERSONNEL", "anti\u2011personnel"],
)
def test_antipersonnel_spellings(spelling: str) -> None:
    text = f"Soldiers laid {spelling} mines near the village."
    result = tag(text)
    assert result.values("mine_type") == ["antipersonnel"]


@pytest.mark.parametrize(
    "typo", ["anrtipersonnel", "antipersonel", "antipersonnell", "anti-persnnel"]
)
def test_near_miss_typos(typo: str) -> None:
    result = tag(f"The {typo} mines were found by deminers.")
    assert "antipersonnel" in result.values("mine_type")


def test_unrelated_long_words_are_not_typos() -> None:
    result = tag("Deminers cleared landmines; antiperspirant and antiquities were sold nearby.")
    assert result.values("mine_type") == []


def test_offsets_survive_characters_that_change_length_when_lowered() -> None:
    text = "İİİ ẞ Russia laid anti-personnel mines; İstanbul officials said."
    result = tag(text)
    for t in result.tags:
        assert text[t.start : t.end] == t.evidence
    assert "RU" in result.values("country")
    assert "antipersonnel" in result.values("mine_type")


def test_fold_keeps_length() -> None:
    for text in ["İstanbul", "ΣΑΣ", "ﬁ ß Ǆ", "a\u2013b\u00a0c\u2019d"]:
        assert len(fold(text)) == len(text)


def test_surface_forms_notation() -> None:
    forms = set(surface_forms("anti~tank (mine|mines)"))
    assert {"anti-tank mine", "anti tank mines", "antitank mine"} <= forms
    assert set(surface_forms("self-destruct")) == {"self-destruct", "self destruct"}


def test_sentence_span_shows_the_sentence_of_a_tag() -> None:
    text = "Officials met in the U.S. capital. Russia laid mines near Kharkiv. Talks go on."
    result = tag(text)
    ru = next(t for t in result.tags if t.value == "RU")
    s, e = sentence_span(text, ru.start, ru.end)
    assert text[s:e] == "Russia laid mines near Kharkiv."
    assert sentence_span(text, 0, 3) == (0, len("Officials met in the U.S. capital."))
    assert sentence_span("", 0, 0) == (0, 0)


def test_data_version_is_a_short_stable_hash() -> None:
    assert isinstance(DATA_VERSION, str) and len(DATA_VERSION) == 12
    import minewatch.tagger as tagger

    assert tagger.DATA_VERSION == DATA_VERSION


def test_gazetteer_covers_every_iso_state_once() -> None:
    rows = countries()
    codes = [r.code for r in rows]
    assert len(codes) == len(set(codes))
    assert len(codes) >= 249
    for required in ("US", "GB", "UA", "RU", "LT", "KP", "KR", "CD", "CG", "SS", "PG", "EH"):
        assert required in codes
    assert all(len(c) == 2 and c.isupper() for c in codes)
    assert all(r.names for r in rows)


def test_parse_countries_reads_the_documented_columns() -> None:
    rows = parse_countries("# comment\nZZ\tZedland | Republic of Zed\tZeddish\tZL\tZed City\t\n")
    assert len(COUNTRY_COLUMNS) == 6
    assert rows[0].code == "ZZ"
    assert rows[0].names == ("Zedland", "Republic of Zed")
    assert rows[0].capitals == ("Zed City",)


def test_result_type_and_empty_input() -> None:
    assert tag("") == TagResult(relevant=False, tags=())
    assert isinstance(tag("Mines."), TagResult)


def test_deterministic() -> None:
    text = CASES[0]["text"] + " " + CASES[60]["text"]
    assert tag(text) == tag(text)


def test_typo_probes_cannot_overlap_so_one_regex_pass_finds_them_all() -> None:
    """The misspelling probes are found with one alternation: that finds every occurrence
    only if no probe can begin inside another's occurrence (or its own)."""
    from minewatch.tagger.mines import TYPO_PROBES

    for a in TYPO_PROBES:
        for b in TYPO_PROBES:
            assert not any(a[i:] == b[: len(a) - i] for i in range(1, len(a))), (a, b)
            assert a == b or b not in a, (a, b)


def test_words_before_stop_at_a_clause_break() -> None:
    from minewatch.tagger.context import words_before

    text = "mines were laid (near the border), said the old army engineer"
    assert words_before(text, len(text), 3) == ["old", "army", "engineer"]
    assert words_before(text, text.index(", said"), 5) == []
    assert words_before(text, text.index("border"), 2) == ["near", "the"]
