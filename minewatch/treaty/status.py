"""A state's standing under the Ottawa Convention on a given day, from the table in ottawa.yaml.

Status rules (one place, so every command answers the same):

- ``party`` from the entry into force for that state until a withdrawal instrument is deposited.
  An announced withdrawal, a parliament's vote or a suspension "while at war" leaves it a
  party; those steps show in ``pending`` until an instrument is deposited.
- ``withdrawing`` from the deposit of the withdrawal instrument until it takes effect.
- ``not_party`` after the withdrawal takes effect, before any signature or deposit, and for
  states that never joined.
- ``signatory`` when the state has signed but is not yet bound. A state that has deposited its
  ratification but waits for entry into force is ``signatory`` if it signed first; a state
  that acceded (never signed) is ``not_party`` until its entry into force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources

import yaml

from minewatch.errors import UsageError

STEP_KINDS = (
    "signed",
    "ratified",
    "acceded",
    "succeeded",
    "entry_into_force",
    "withdrawal_announced",
    "withdrawal_approved",
    "withdrawal_deposited",
    "withdrawal_effective",
    "suspended",
)
STATUSES = ("party", "signatory", "not_party", "withdrawing")
_WITHDRAWAL_OPENING = ("withdrawal_announced", "withdrawal_approved", "suspended")


@dataclass(frozen=True)
class TreatyStep:
    """One dated act in a state's history under the Convention, with where it is recorded."""

    kind: str
    date: str  # YYYY-MM-DD
    source: str
    note: str | None = None
    approximate: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TreatyStatus:
    """A state's standing on one day: the steps behind it and the known steps still to come."""

    country: str
    name: str
    on: str
    status: str  # party | signatory | not_party | withdrawing
    steps: tuple[TreatyStep, ...]
    pending: tuple[TreatyStep, ...]

    def to_dict(self) -> dict:
        return {
            "country": self.country,
            "name": self.name,
            "on": self.on,
            "status": self.status,
            "steps": [s.to_dict() for s in self.steps],
            "pending": [s.to_dict() for s in self.pending],
        }


@dataclass(frozen=True)
class _StateRecord:
    code: str
    name: str
    steps: tuple[TreatyStep, ...]  # sorted by date


def _code_of(entry: dict) -> str:
    """Codes must be quoted in the YAML: bare NO reads as a boolean."""
    code = entry["code"]
    if not isinstance(code, str) or len(code) != 2:
        raise ValueError(f"ottawa.yaml: bad code {code!r} for {entry.get('name')!r} (quote it)")
    return code


def _load_table() -> tuple[dict[str, _StateRecord], list[str]]:
    text = resources.files("minewatch.treaty").joinpath("ottawa.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    sources: dict[str, str] = raw["sources"]
    records: dict[str, _StateRecord] = {}
    for entry in raw["states"]:
        steps = []
        for s in entry["steps"]:
            if s["kind"] not in STEP_KINDS:
                raise ValueError(f"ottawa.yaml: {entry['code']}: unknown step kind {s['kind']!r}")
            steps.append(
                TreatyStep(
                    kind=s["kind"],
                    date=str(s["date"]),
                    source=sources[s["source"]],
                    note=s.get("note"),
                    approximate=bool(s.get("approximate", False)),
                )
            )
        steps.sort(key=lambda s: (s.date, STEP_KINDS.index(s.kind)))
        code = _code_of(entry)
        records[code] = _StateRecord(code, entry["name"], tuple(steps))
    for entry in raw["non_parties"]:
        code = _code_of(entry)
        records[code] = _StateRecord(code, entry["name"], ())
    return records, list(sources.values())


@lru_cache(maxsize=1)
def _table() -> dict[str, _StateRecord]:
    return _load_table()[0]


DATA_SOURCES: list[str] = _load_table()[1]


def _iso_day(on: dt.date | str) -> str:
    if isinstance(on, dt.datetime):
        return on.date().isoformat()
    if isinstance(on, dt.date):
        return on.isoformat()
    try:
        return dt.date.fromisoformat(str(on).strip()[:10]).isoformat()
    except ValueError:
        raise UsageError(f"not a date: {on!r} (expected YYYY-MM-DD)") from None


def _status_from(steps: tuple[TreatyStep, ...]) -> str:
    """Walk the steps in date order; each one may move the state to a new standing."""
    status = "not_party"
    signed = False
    for step in steps:
        if step.kind == "signed":
            signed = True
            if status == "not_party":
                status = "signatory"
        elif step.kind == "entry_into_force":
            status = "party"
        elif step.kind == "withdrawal_deposited" and status == "party":
            status = "withdrawing"
        elif step.kind == "withdrawal_effective":
            status = "not_party"
        elif step.kind in ("ratified", "acceded", "succeeded"):
            status = "signatory" if signed else status
    return status


def _status_of(record: _StateRecord, day: str) -> TreatyStatus:
    done = tuple(s for s in record.steps if s.date <= day)
    later = tuple(s for s in record.steps if s.date > day)
    status = _status_from(done)
    deposited = any(s.kind == "withdrawal_deposited" for s in done)
    # An announced, voted or suspended withdrawal with no instrument deposited is still pending.
    opened = () if deposited else tuple(s for s in done if s.kind in _WITHDRAWAL_OPENING)
    return TreatyStatus(
        country=record.code,
        name=record.name,
        on=day,
        status=status,
        steps=done,
        pending=opened + later,
    )


def treaty_status(country: str, on: dt.date | str) -> TreatyStatus:
    """The standing of one state (ISO alpha-2 code) on one day."""
    code = (country or "").strip().upper()
    record = _table().get(code)
    if record is None:
        raise UsageError(f"unknown country code: {country!r} (expected an ISO 3166-1 alpha-2 code)")
    return _status_of(record, _iso_day(on))


def all_statuses(on: dt.date | str) -> list[TreatyStatus]:
    """Every state in the table, by code."""
    day = _iso_day(on)
    return [_status_of(_table()[code], day) for code in sorted(_table())]
