"""Ottawa Convention standing of each state on any date, from a dated table shipped as data."""

from minewatch.treaty.status import (
    DATA_SOURCES,
    STATUSES,
    STEP_KINDS,
    TreatyStatus,
    TreatyStep,
    all_statuses,
    treaty_status,
)

__all__ = [
    "DATA_SOURCES",
    "STATUSES",
    "STEP_KINDS",
    "TreatyStatus",
    "TreatyStep",
    "all_statuses",
    "treaty_status",
]
