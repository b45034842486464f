"""The search language: exact FTS5 output, real matching on an FTS5 table like the store's, every
malformed form refused with a hint, and any text at all either refused or accepted by SQLite."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minewatch.errors import UsageError
from minewatch.query import MAX_NESTING, highlight_pattern, highlight_terms, to_fts

STORIES = {
    1: ("Lithuania announces withdrawal from the Ottawa Convention", "Vilnius cites the war."),
    2: ("Anti-personnel mines cleared in Cambodia", "Deminers finished the province."),
    3: ("Deminers find anti personnel mines near Kharkiv", "The field lay by a railway."),
    4: ("Coal mine safety review ordered", "Inspectors visited coal mines after the blast."),
    5: ("Treaty states meet", "Delegates gathered in Ottawa to review the convention."),
    6: ("Україна: розмінування полів", "Türkiye and the U.S. pledged $10,000 for Côte d'Ivoire."),
    7: ("O'Brien on mine clearance", "An interview with the programme head."),
}


def _make_db(path: Path) -> sqlite3.Connection:
    db = sqlite_utils.Database(path)
    db["stories"].insert_all(
        [{"id": i, "title": t, "summary": s} for i, (t, s) in STORIES.items()], pk="id"
    )
    db["stories"].enable_fts(["title", "summary"], tokenize="unicode61 remove_diacritics 2")
    db.conn.close()
    return sqlite3.connect(path)


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    connection = _make_db(tmp_path_factory.mktemp("query") / "stories.db")
    yield connection
    connection.close()


def search(conn: sqlite3.Connection, query: str) -> set[int]:
    expression = to_fts(query)
    assert expression is not None
    rows = conn.execute(
        "SELECT rowid FROM stories_fts WHERE stories_fts MATCH ?", [expression]
    ).fetchall()
    return {row[0] for row in rows}


# --- the FTS5 text emitted --------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "\x00 \x07"])
def test_blank_query_means_no_match_expression(query: str) -> None:
    assert to_fts(query) is None
    assert highlight_terms(query) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ottawa withdrawal", '"ottawa" AND "withdrawal"'),
        ("ottawa AND withdrawal", '"ottawa" AND "withdrawal"'),
        ('"mine ban treaty" lithuania', '"mine ban treaty" AND "lithuania"'),
        ("withdraw*", '"withdraw"*'),
        ('"ottawa conv"*', '"ottawa conv"*'),
        ("ottawa OR treaty", '"ottawa" OR "treaty"'),
        ("ukraine mines OR munitions", '"ukraine" AND ("mines" OR "munitions")'),
        ("mines -coal", '"mines" NOT "coal"'),
        ("mines NOT coal", '"mines" NOT "coal"'),
        ("NOT coal mines", '"mines" NOT "coal"'),
        ("mines -coal -gold", '"mines" NOT ("coal" OR "gold")'),
        ("a b -c", '("a" AND "b") NOT "c"'),
        ("mines -(coal OR gold)", '"mines" NOT ("coal" OR "gold")'),
        ("mines (-coal)", '"mines" NOT "coal"'),
        ("(a -b) OR c", '("a" NOT "b") OR "c"'),
        ("withdraw* NEAR ottawa", 'NEAR("withdraw"* "ottawa", 10)'),
        ("a NEAR/3 b NEAR/3 c", 'NEAR("a" "b" "c", 3)'),
        ("NEAR(a b, 5)", 'NEAR("a" "b", 5)'),
        ("NEAR(a b,5)", 'NEAR("a" "b", 5)'),
        ("NEAR (a b)", 'NEAR("a" "b", 10)'),
        ("x NEAR(a b)", '"x" AND NEAR("a" "b", 10)'),
        ("(a OR b) (c OR d)", '("a" OR "b") AND ("c" OR "d")'),
        ("((a))", '"a"'),
        ("title:ottawa", 'title : "ottawa"'),
        ('title:"mine ban"', 'title : "mine ban"'),
        ("title:withdraw*", 'title : "withdraw"*'),
        ("TITLE:ottawa", 'title : "ottawa"'),
        ("title: ottawa", 'title : "ottawa"'),
        ("summary:ottawa mines", '(summary : "ottawa") AND "mines"'),
        ("title:(a OR b)", 'title : ("a" OR "b")'),
        ("title:NEAR(a b, 2)", 'title : NEAR("a" "b", 2)'),
        ("title:a NEAR b", 'title : NEAR("a" "b", 10)'),
        ("mines -title:coal", '"mines" NOT (title : "coal")'),
        ("anti-personnel", '"anti-personnel"'),
        ("anti-pers*", '"anti-pers"*'),
        ('O"Brien', '"O""Brien"'),
        ("foo:bar", '"foo:bar"'),
        ("or and not near", '"or" AND "and" AND "not" AND "near"'),
        ('"OR" "NEAR"', '"OR" AND "NEAR"'),
        ("U.S. 10:30 1,000", '"U.S." AND "10:30" AND "1,000"'),
        ("kyiv, ukraine", '"kyiv" AND "ukraine"'),
        ("mines & ukraine — 🙂", '"mines" AND "ukraine"'),
        ("mines - coal", '"mines" AND "coal"'),
        ("mines -, coal", '"mines" AND "coal"'),
        ("Україна Türkiye", '"Україна" AND "Türkiye"'),
        ("a {b} ^c d:* e+", '"a" AND "{b}" AND "^c" AND "d:"* AND "e+"'),
    ],
)
def test_expression(query: str, expected: str) -> None:
    assert to_fts(query) == expected


# --- real matching ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("anti-personnel", {2, 3}),
        ("anti-personnel mines", {2, 3}),
        ('"anti personnel"', {2, 3}),
        ("title:ottawa", {1}),
        ("ottawa", {1, 5}),
        ("summary:ottawa", {5}),
        ("mines", {2, 3, 4}),
        ("mines -coal", {2, 3}),
        ("mines NOT coal", {2, 3}),
        ("mines -title:coal", {2, 3}),
        ("withdraw* NEAR ottawa", {1}),
        ("NEAR(withdraw* convention, 3)", {1}),
        ("NEAR(withdraw* convention, 2)", set()),
        ("cambodia OR kharkiv", {2, 3}),
        ("deminers cambodia OR kharkiv", {2, 3}),
        ("(cambodia OR kharkiv) -railway", {2}),
        ("conv*", {1, 5}),
        ("title:conv*", {1}),
        ("україна", {6}),
        ("turkiye", {6}),
        ("cote", {6}),
        ("Côte d'Ivoire", {6}),
        ("U.S.", {6}),
        ("10,000", {6}),
        ("O'Brien", {7}),
        ("title:mine", {4, 7}),
        ("foo:mine", set()),
        ("mine:clearance", {7}),
    ],
)
def test_matches(conn: sqlite3.Connection, query: str, expected: set[int]) -> None:
    assert search(conn, query) == expected


# --- malformed queries ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "what"),
    [
        ('"anti personnel', "not closed"),
        ('mines "ottawa', "not closed"),
        ('anti personnel"', "has no opening quote"),
        ('"a"b" c', "has no opening quote"),
        ("(ottawa OR treaty", '"(" is not closed'),
        ("ottawa)", '")" has no matching'),
        ("()", "() is empty"),
        ("mines ( )", "() is empty"),
        ("NEAR()", "NEAR() is empty"),
        ("ottawa OR", "OR needs a term"),
        ("OR ottawa", "OR needs a term"),
        ("a OR OR b", "OR needs a term"),
        ("(a OR)", "OR needs a term"),
        ("a AND", "AND needs a term"),
        ("AND a", "AND needs a term"),
        ("a AND AND b", "AND needs a term"),
        ("mines NOT", "NOT needs a word"),
        ("NOT", "NOT needs a word"),
        ("a NEAR", "NEAR needs a term"),
        ("NEAR a", "NEAR needs a term"),
        ("a NEAR -b", "NEAR needs a term"),
        ("-coal", "only excludes"),
        ("NOT coal", "only excludes"),
        ("-coal -gold", "only excludes"),
        ("(-coal)", "only excludes"),
        ("a OR -b", "exclusion cannot be one side of OR"),
        ("a OR (-b)", "exclusion cannot be one side of OR"),
        ("--coal mines", "excluded twice"),
        ("NOT -coal mines", "excluded twice"),
        ("mines -(-coal)", "excluded twice"),
        ("title:", "needs a word"),
        ("title:)", "needs a word"),
        ("title:-coal", "cannot follow title:"),
        ("title:(-coal) mines", "only excludes"),
        ("a NEAR (b c)", "NEAR joins only"),
        ("a NEAR title:b", "NEAR joins only"),
        ("NEAR(a OR b)", "NEAR joins only"),
        ("NEAR(a -b)", "NEAR joins only"),
        ("NEAR(a b, x)", "whole number"),
        ("NEAR(a b, 5 c)", "must end with"),
        ("NEAR(a b, 5000)", "larger than"),
        ("a NEAR/5000 b", "larger than"),
        ("a NEAR/x b", "no distance"),
        ("a NEAR/2 b NEAR/3 c", "different distances"),
        ("NEAR(a b", '"(" is not closed'),
        ("&", "nothing to search for"),
        ("🙂 — !", "nothing to search for"),
        ("-", "nothing to search for"),
        ("(" * (MAX_NESTING + 1) + "a" + ")" * (MAX_NESTING + 1), "nest deeper"),
        ("a " * 1200, "characters long"),
    ],
)
def test_malformed_query_is_a_usage_error_with_a_hint(query: str, what: str) -> None:
    with pytest.raises(UsageError) as caught:
        to_fts(query)
    message = str(caught.value)
    assert message.startswith("malformed query: ")
    assert what in message
    assert " — hint: " in message
    assert "\n" not in message
    with pytest.raises(UsageError):
        highlight_terms(query)


# --- FTS5 accepts whatever to_fts returns -----------------------------------------------------

_PIECES = st.sampled_from(
    [
        "OR", "AND", "NOT", "NEAR", "NEAR/2", "NEAR/", "(", ")", '"', '""', "-", "*", ",", ":",
        "title:", "summary:", "Title:", "foo:", "NEAR(", ", 3)", "{", "}", "^", "+", "'", ".",
        "mines", "anti-personnel", "withdraw*", "ottawa", "Україна", "é", "\u0301", "🙂", "0",
        "1,000", "\x00", "\ud800", " ", "  ",
    ]
)  # fmt: skip
_SOUPS = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=12).map("".join)
_SPACED = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=12).map(" ".join)


_FTS_STRING = re.compile(r'"(?:[^"]|"")*"\*?')
_FTS_SYNTAX = re.compile(r"(?:\s|[()]|AND|OR|NOT|NEAR\(|, [0-9]+\)|(?:title|summary) :)*")


def _accepted_or_refused(conn: sqlite3.Connection, query: str) -> None:
    try:
        expression = to_fts(query)
        terms = highlight_terms(query)
    except UsageError as error:
        assert str(error).startswith("malformed query: ")
        return
    if expression is None:
        assert all(c.isspace() or unicodedata.category(c) in ("Cc", "Cs") for c in query)
        assert terms == []
        return
    outside_strings = _FTS_STRING.sub(" ", expression)
    assert _FTS_SYNTAX.fullmatch(outside_strings), expression
    conn.execute(
        "SELECT count(*) FROM stories_fts WHERE stories_fts MATCH ?", [expression]
    ).fetchone()
    assert all(term.strip() for term in terms)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_any_text_is_refused_or_accepted_by_fts5(conn: sqlite3.Connection, query: str) -> None:
    _accepted_or_refused(conn, query)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_SOUPS, _SPACED))
def test_operator_soup_is_refused_or_accepted_by_fts5(
    conn: sqlite3.Connection, query: str
) -> None:
    _accepted_or_refused(conn, query)


def test_long_and_nested_queries_stay_within_fts5_limits(conn: sqlite3.Connection) -> None:
    many_words = " ".join(f"w{i}" for i in range(400))
    assert search(conn, many_words) == set()
    many_exclusions = "mines " + " ".join(f"-w{i}" for i in range(300))
    assert search(conn, many_exclusions) == {2, 3, 4}
    deep = "(" * MAX_NESTING + "mines -coal" + ")" * MAX_NESTING
    assert search(conn, deep) == {2, 3}
    alternating = "(x OR (mines " * 9 + "cambodia" + "))" * 9
    assert search(conn, alternating) == {2}


# --- highlighting -----------------------------------------------------------------------------


def test_highlight_terms_are_the_wanted_words_phrases_and_prefixes() -> None:
    query = 'anti-personnel "Mine Ban" withdraw* NEAR ottawa -coal title:(kyiv OR Kyiv) NOT gold'
    assert highlight_terms(query) == ["anti personnel", "Mine Ban", "withdraw*", "ottawa", "kyiv"]


def test_highlight_pattern_finds_terms_across_separators() -> None:
    pattern = highlight_pattern("anti-personnel withdraw* U.S. -coal")
    assert pattern is not None
    text = "Anti personnel mines: the U.S. withdrawal, anti-personnel stocks; coal; Withdraw"
    found = [m.group(0) for m in pattern.finditer(text)]
    assert found == ["Anti personnel", "U.S", "withdrawal", "anti-personnel", "Withdraw"]
    assert highlight_pattern("") is None
