"""Countries: turn gazetteer hits into ISO 3166-1 alpha-2 tags, keeping the traps out."""

from __future__ import annotations

import functools
import re

from minewatch.models import Tag

from .matcher import Hit, case_ok, knowledge, new_tag

_WORD = re.compile(r"[A-Za-z][\w'.-]*")
_LOWER_WORDS = re.compile(r"[a-z]+")


@functools.cache
def _rules() -> dict:
    spec = knowledge().lexicon["countries"]
    return {
        "person": frozenset(spec["person_names"]),
        "lead_ins": frozenset(spec["name_lead_ins"]),
        "us_state": tuple(w.lower() for w in spec["us_state_words"]),
        "georgia_country": tuple(w.lower() for w in spec["georgia_country_words"]),
        "state_cities": frozenset(spec["state_cities"]),
        "turkey_bird": frozenset(w.lower() for w in spec["turkey_bird_words"]),
        "us_currency": tuple(spec["us_currency_after"]),
        # forms that need one of the checks below; the rest are accepted at once
        "special": frozenset(spec["person_names"])
        | {"Georgia", "Washington", "Turkey", "GEORGIA", "WASHINGTON", "TURKEY"},
    }


# Abbreviations that are also English words: not trusted inside all-capitals text.
_WORDLIKE_ABBREVIATIONS = frozenset({"US", "CAR"})


def _title_case_around(text: str, start: int, end: int) -> bool:
    """True inside a Title Case or ALL CAPS headline, where capitals say little."""
    window = text[max(0, start - 60) : end + 60]
    words = [w for w in _WORD.findall(window) if len(w) > 3]
    if len(words) < 4:
        return False
    caps = sum(1 for w in words if w[0].isupper())
    return caps / len(words) >= 0.7


def _all_caps_around(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - 30) : end + 30]
    return any(c.isalpha() for c in window) and not any(c.islower() for c in window)


def _next_word(text: str, end: int) -> str:
    """The word right after `end` when only one space separates them, else ''."""
    if end + 1 < len(text) and text[end] == " ":
        m = _WORD.match(text, end + 1)
        if m:
            return m.group()
    return ""


def _previous_word(text: str, start: int) -> str:
    """The word right before `start` when only one space separates them, else ''."""
    if start >= 2 and text[start - 1] == " ":
        i = start - 1
        while i > 0 and not text[i - 1].isspace():
            i -= 1
        return text[i : start - 1]
    return ""


def _is_person(text: str, start: int, end: int, rules: dict) -> bool:
    """'Jordan Bardella', 'Michael Jordan', 'Chad Daybell': a name, not the country."""
    if _title_case_around(text, start, end):
        return False
    nxt = _next_word(text, end)
    if nxt and nxt[0].isupper() and nxt.rstrip(".,;:'") not in rules["lead_ins"]:
        return True
    prev = _previous_word(text, start)
    return bool(prev and prev[0].isupper() and prev.isalpha() and prev not in rules["lead_ins"])


def _us_state(text: str, folded: str, start: int, end: int, name: str, rules: dict) -> bool:
    """Georgia or Washington meant as the US state."""
    before = text[max(0, start - 20) : start]
    m = re.search(r"([A-Z][a-z]+),\s*$", before)
    if m and m.group(1) in rules["state_cities"]:
        return True
    if name == "georgia":
        if any(w in folded for w in rules["georgia_country"]):
            return False
        return any(w in folded for w in rules["us_state"])
    return False


def _turkey_bird(folded: str, start: int, end: int, rules: dict) -> bool:
    """A bird word within 120 characters: "Turkey" is the bird, not the country. Only the
    window is read; a scan of the whole text cost a fifth of tag()'s time."""
    lo, hi = max(0, start - 120), end + 120
    window = folded[lo:hi]
    if not any(word in window for word in rules["turkey_bird"]):  # the usual case, found fast
        return False
    return not rules["turkey_bird"].isdisjoint(_LOWER_WORDS.findall(window))


def _accept(text: str, folded: str, start: int, end: int, entry, rules: dict) -> bool:
    _group, code, kind, checks, form = entry
    for offset, upper in checks:
        if text[start + offset].isupper() != upper:
            return False
    if code is None:
        return True
    if kind == "abbr":
        if form in _WORDLIKE_ABBREVIATIONS and _all_caps_around(text, start, end):
            return False
        if code == "US" and text.startswith(rules["us_currency"], end):
            return False
        return True
    if form not in rules["special"]:
        return True
    if form in rules["person"] and _is_person(text, start, end, rules):
        return False
    low = form.lower()
    if low in ("georgia", "washington") and _us_state(text, folded, start, end, low, rules):
        return False
    return not (low == "turkey" and _turkey_bird(folded, start, end, rules))


def country_tags(text: str, folded: str, hits: list[Hit]) -> list[Tag]:
    """Leftmost-longest country mentions; blocked phrases ('Latin America') win and vanish."""
    rules = _rules()
    special = rules["special"]
    kept: list[tuple[int, int, str | None]] = []
    # hits arrive ordered by end; a stack resolves overlaps to the leftmost, longest one
    for start, end, entries in hits:
        for entry in entries:
            checks = entry[3]
            if checks and text[start + checks[0][0]].isupper() != checks[0][1]:
                continue
            code = entry[1]
            if code is not None and (entry[2] == "abbr" or entry[4] in special):
                if not _accept(text, folded, start, end, entry, rules):
                    continue
            elif not case_ok(text, start, checks):
                continue
            while kept and start <= kept[-1][0]:
                kept.pop()
            if not kept or start >= kept[-1][1]:
                kept.append((start, end, code))
            break
    return [new_tag("country", code, text[s:e], s, e) for s, e, code in kept if code is not None]
