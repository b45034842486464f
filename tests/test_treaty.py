"""Ottawa Convention standing by date: the 2025 withdrawals, new parties, long-standing states."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from minewatch.errors import UsageError
from minewatch.treaty import DATA_SOURCES, STATUSES, all_statuses, treaty_status

WITHDRAWALS = {
    # code: (announced or recommended, deposited, effective)
    "EE": ("2025-03-18", "2025-06-27", "2025-12-27"),
    "LV": ("2025-03-18", "2025-06-27", "2025-12-27"),
    "LT": ("2025-03-18", "2025-06-27", "2025-12-27"),
    "FI": ("2025-04-01", "2025-07-10", "2026-01-10"),
    "PL": ("2025-03-18", "2025-08-20", "2026-02-20"),
}


def _day_before(day: str) -> str:
    return (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("code", sorted(WITHDRAWALS))
def test_withdrawing_states_move_through_each_step(code: str) -> None:
    announced, deposited, effective = WITHDRAWALS[code]
    before = treaty_status(code, "2024-06-01")
    assert before.status == "party"
    assert [s.kind for s in before.pending][:1] == ["withdrawal_announced"]

    after_announcement = treaty_status(code, announced)
    assert after_announcement.status == "party"
    assert any(s.kind == "withdrawal_announced" for s in after_announcement.pending)

    assert treaty_status(code, _day_before(deposited)).status == "party"
    on_deposit = treaty_status(code, deposited)
    assert on_deposit.status == "withdrawing"
    assert [s.kind for s in on_deposit.pending] == ["withdrawal_effective"]
    assert on_deposit.pending[0].date == effective

    assert treaty_status(code, _day_before(effective)).status == "withdrawing"
    gone = treaty_status(code, effective)
    assert gone.status == "not_party"
    assert gone.pending == ()
    assert gone.steps[-1].kind == "withdrawal_effective"


def test_withdrawal_takes_effect_six_months_after_deposit() -> None:
    for code in WITHDRAWALS:
        steps = {s.kind: s.date for s in treaty_status(code, "2026-12-31").steps}
        deposit = dt.date.fromisoformat(steps["withdrawal_deposited"])
        effective = dt.date.fromisoformat(steps["withdrawal_effective"])
        assert (effective.year * 12 + effective.month) - (deposit.year * 12 + deposit.month) == 6
        assert effective.day == deposit.day


def test_ukraine_stays_a_party_while_its_withdrawal_is_suspended_by_war() -> None:
    assert treaty_status("UA", "2025-06-01").status == "party"
    later = treaty_status("UA", "2026-06-01")
    assert later.status == "party"
    kinds = {s.kind for s in later.pending}
    assert {"withdrawal_announced", "withdrawal_approved", "suspended"} <= kinds
    assert not any(s.kind == "withdrawal_effective" for s in later.steps)
    assert treaty_status("UA", "2006-05-31").status == "signatory"  # ratified, not yet in force
    assert treaty_status("UA", "2006-06-01").status == "party"


@pytest.mark.parametrize("code", ["CA", "NO", "IE", "MU"])
def test_long_standing_parties(code: str) -> None:
    assert treaty_status(code, "1997-12-02").status == "not_party"
    assert treaty_status(code, "1998-06-01").status == "signatory"
    assert treaty_status(code, "1999-03-01").status == "party"
    now = treaty_status(code, "2026-11-01")
    assert now.status == "party"
    assert now.pending == ()


@pytest.mark.parametrize("code", ["US", "RU", "CN", "IN", "PK", "IL", "IR", "KP", "KR", "MM"])
def test_states_that_never_joined(code: str) -> None:
    for day in ("1998-01-01", "2010-01-01", "2026-01-01"):
        status = treaty_status(code, day)
        assert status.status == "not_party"
        assert status.steps == () and status.pending == ()


def test_marshall_islands_signed_in_1997_and_joined_in_2025() -> None:
    assert treaty_status("MH", "1997-12-01").status == "not_party"
    assert treaty_status("MH", "2000-01-01").status == "signatory"
    waiting = treaty_status("MH", "2025-06-01")
    assert waiting.status == "signatory"
    assert [s.kind for s in waiting.pending] == ["entry_into_force"]
    assert treaty_status("MH", "2025-08-31").status == "signatory"
    assert treaty_status("MH", "2025-09-01").status == "party"


def test_tonga_acceded_in_2025_without_signing() -> None:
    assert treaty_status("TO", "2025-01-01").status == "not_party"
    acceded = treaty_status("TO", "2025-07-01")
    assert acceded.status == "not_party"  # acceded, not yet bound, never signed
    assert [s.kind for s in acceded.steps] == ["acceded"]
    assert treaty_status("TO", "2025-11-30").status == "not_party"
    assert treaty_status("TO", "2025-12-01").status == "party"


def test_late_1998_deposit_enters_into_force_six_months_later() -> None:
    # Thailand deposited after the 40th instrument, so Article 17(2) applies.
    steps = {s.kind: s.date for s in treaty_status("TH", "2000-01-01").steps}
    assert steps["ratified"] == "1998-11-27"
    assert steps["entry_into_force"] == "1999-05-01"


def test_party_counts_on_known_dates() -> None:
    def parties(day: str) -> int:
        return sum(1 for s in all_statuses(day) if s.status == "party")

    assert parties("1999-03-01") >= 40
    assert parties("2025-01-01") == 164
    assert parties("2025-12-01") == 161  # 164 + MH + TO, five deposits withdrawing
    assert parties("2026-03-01") == 161


def test_json_dict_shape() -> None:
    status = treaty_status("fi", dt.date(2025, 8, 1))
    data = json.loads(json.dumps(status.to_dict()))
    assert set(data) == {"country", "name", "on", "status", "steps", "pending"}
    assert data["country"] == "FI" and data["on"] == "2025-08-01"
    assert data["status"] in STATUSES and data["status"] == "withdrawing"
    for step in data["steps"] + data["pending"]:
        assert set(step) == {"kind", "date", "source", "note", "approximate"}
        dt.date.fromisoformat(step["date"])
        assert step["source"]


def test_every_step_cites_a_known_source() -> None:
    for status in all_statuses("2030-01-01"):
        for step in status.steps:
            assert step.source in DATA_SOURCES


def test_unknown_code_and_bad_date_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        treaty_status("XX", "2025-01-01")
    with pytest.raises(UsageError):
        treaty_status("FI", "last tuesday")
