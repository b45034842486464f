"""Loads the tagger's data files once and exposes their version.

The files beside this module are the tagger's whole knowledge; DATA_VERSION changes when
they or the engine change, so stored stories can be re-tagged.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

# Bump when the matching rules change in a way that can change tags for the same data.
ENGINE_VERSION = "3"  # 3: a second "minefield" no longer vouches for the first

DATA_DIR = Path(__file__).resolve().parent
LEXICON_FILE = DATA_DIR / "lexicon.yaml"
COUNTRIES_FILE = DATA_DIR / "countries.tsv"

COUNTRY_COLUMNS = ("code", "names", "demonyms", "abbreviations", "capitals", "institutions")


@dataclass(frozen=True)
class CountryRow:
    """One line of countries.tsv."""

    code: str
    names: tuple[str, ...]
    demonyms: tuple[str, ...]
    abbreviations: tuple[str, ...]
    capitals: tuple[str, ...]
    institutions: tuple[str, ...]


@functools.cache
def data_version() -> str:
    """A short hash of the data files' bytes and the engine version."""
    digest = hashlib.sha256(ENGINE_VERSION.encode())
    for path in (LEXICON_FILE, COUNTRIES_FILE):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@functools.cache
def lexicon() -> dict:
    """The parsed lexicon.yaml."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with LEXICON_FILE.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader


def parse_countries(text: str) -> list[CountryRow]:
    """Rows of a countries.tsv text: tab-separated columns, '|' between alternatives."""
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        cols += [""] * (len(COUNTRY_COLUMNS) - len(cols))

        def items(col: str) -> tuple[str, ...]:
            return tuple(p.strip() for p in col.split("|") if p.strip())

        rows.append(
            CountryRow(
                code=cols[0].strip().upper(),
                names=items(cols[1]),
                demonyms=items(cols[2]),
                abbreviations=items(cols[3]),
                capitals=items(cols[4]),
                institutions=items(cols[5]),
            )
        )
    return rows


@functools.cache
def countries() -> tuple[CountryRow, ...]:
    """The parsed countries.tsv."""
    return tuple(parse_countries(COUNTRIES_FILE.read_text(encoding="utf-8")))
