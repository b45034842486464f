"""The minewatch tagger: mine type, persistence, Ottawa Convention and countries, with evidence.

    tag(text) -> TagResult          a pure function of the text; data loads once, lazily
    sentence_span(text, start, end) the sentence a tag came from (for `minewatch show`)
    DATA_VERSION                    changes with the data files or the engine: re-tag then

The knowledge lives in lexicon.yaml and countries.tsv beside this file.
"""

from __future__ import annotations

from minewatch.models import Tag, TagResult

from .data import ENGINE_VERSION, data_version
from .engine import tag
from .sentences import sentence_span

__all__ = ["tag", "sentence_span", "DATA_VERSION", "ENGINE_VERSION", "Tag", "TagResult"]


def __getattr__(name: str) -> str:
    # computed on first use, so importing the package reads no files
    if name == "DATA_VERSION":
        return data_version()
    raise AttributeError(name)
