"""Policy events (EVENTS.md): which state used, sent, made, destroyed, banned, left, joined or
cleared mines, as a text reports it, with the sentence that says so."""

from minewatch.events.extract import extract_events
from minewatch.events.lexicon import ACTIONS, Lexicon, default_lexicon, parse_lexicon

__all__ = ["ACTIONS", "Lexicon", "default_lexicon", "extract_events", "parse_lexicon"]
