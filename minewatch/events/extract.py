"""Policy events from a text and its tags: who did which of the eight actions, sentence by sentence.

The words come from patterns.yaml; this module holds the rules that combine them (EVENTS.md):
find an action trigger with the mine/treaty/stockpile context it needs, choose the state that does
it from the tagger's country mentions (a by-phrase, else the nearest state before it that is not a
place or a speaker, else a state named earlier for "the country", "it", "the government"), then
drop capability, open questions and calls to act, and mark denials and refusals as negated.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from minewatch.events.lexicon import Lexicon, default_lexicon
from minewatch.events.sentences import sentence_spans
from minewatch.models import Event, Tag
from minewatch.prefixes import Hit, hits_within, matches_from, starts_of

# Actions whose actor may be named after the trigger ("Withdrawal approved by Latvian MPs").
_ACTOR_AFTER_OK = {"withdraw", "join", "clear", "destroy_stockpile", "restrict", "produce"}
# Actions a stand-alone denial ("Cambodia denied the accusation") turns into a negated event.
_DENIABLE = {"use", "transfer", "produce"}
_BY_PHRASE = re.compile(r"^(?:\s+[\w'’-]+){0,6}?\s+by\s+(?:the\s+)?$|^\s+by\s+(?:the\s+)?$", re.I)
# "newly laid mines wounded three soldiers ... and blamed Cambodia": the one blamed is the agent.
_BLAMED = re.compile(r"\bblam(?:ed|es|ing)\s+(?:it\s+on\s+|them\s+on\s+|on\s+)?(?:the\s+)?$", re.I)
_BY_BEFORE = re.compile(r"\sby\s+(?:the\s+)?$", re.I)  # how every _BY_PHRASE ends
_BLAM = re.compile(r"blam", re.I)  # what every _BLAMED holds
_LIST_GAP = re.compile(
    r"^\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|nor\s+|&\s*|as well as\s+)(?:the\s+)?$"
)
_NEITHER_NOR = re.compile(r"\bneither\s+(?:[\w'’.-]+\s+){1,4}nor\s+(?:the\s+)?$", re.I)
# Between a state and its denial: "Cambodia denied", "Moscow's foreign ministry has rejected"
_DENIER_GAP = re.compile(
    r"(?:['’]s)?(?:\s+(?:foreign\s+|defen[cs]e\s+)?(?:ministry|government|army|military|officials|"
    r"authorities|spokes\w+))?\s+(?:(?:has|have|had|also|quickly|firmly|strongly|flatly)\s+)?$",
    re.I,
)
_REQUESTS = r"(?:requests?|appeals?|pleas?|demands?|calls?)"  # "Ukraine's request to supply"
_REQUESTER = re.compile(r"['’]s\s+" + _REQUESTS + r"\s+(?:to|for)\b", re.I)
_HOSTED = re.compile(r"\bhost(?:s|ed|ing)?\b", re.I)
_THEY = re.compile(r"\b(?:they|their|them)\b", re.I)
# A state's organs, named before it: "the junta in Myanmar", "the government of Sudan"
_ORGAN_OF = (
    r"(?:junta|government|military|army|regime|authorities|armed forces|forces|troops|"
    r"parliament|president|leadership)\s+(?:in|of)\s+"
)
_ORGAN_IN = re.compile(r"\b" + _ORGAN_OF + r"(?:the\s+)?$", re.I)  # the organ's state, no place
_FROM_GAP = re.compile(r"\bfrom\s+(?:the\s+|a\s+|an\s+)?$", re.I)
# "to Ukraine", "for the Kyiv government", "to the junta in Myanmar"
_RECIPIENT_GAP = re.compile(
    r"(?:\b(?:to|for|with|into)\s+(?:the\s+)?(?:" + _ORGAN_OF + r")?|^\s*)$", re.I
)
_PARENTHETICAL = re.compile(
    r",\s*(?:which|who|whose|where|a|an|the|its|itself)\b[^,]*,|\([^)]*\)|[—–-]{1,2}\s[^—–]*\s[—–-]{1,2}",
    re.I,
)
_RELATIVE_OPEN = re.compile(r",\s*(?:which|who|whose)\b", re.I)
_NOT_ONLY = re.compile(r"\bnot only\b|\bwhether or not\b|\bif not\b", re.I)
_USED_TO = re.compile(r"^\s+to\s+(?!the\b|a\b|an\b|its\b|their\b)\w+", re.I)
_MAKE_WORDS = re.compile(r"^(?:make|makes|making|made)$", re.I)
_MAKE_OBJECT = re.compile(r"^(?:\s+[\w-]+){0,4}?\s+(?:land-?)?mines\b", re.I)
_REMOVAL = re.compile(
    r"\b(?:clear\w*|demin\w*|remov\w*|detect(?:s|ed|ing|ion|ors?)?|disarm\w*|defus\w*|"
    r"neutrali[sz]\w*|destroy\w*|locat(?:e|es|ed|ing)|find|found|search\w*|survey\w*|"
    r"mark(?:s|ed|ing)?|map\w*)\b",
    re.I,
)
# What a verb of transfer or use acts on when it is not mines: "handing over accurate maps",
# "provided funding for demining", "gave a speech on landmines", "deployed troops to the border",
# "uses dogs to find mines"
_NOT_MINES_OBJECT = re.compile(
    r"^\s+(?:(?:the|its|their|a|an|more|new|accurate|detailed|any|all|some|\d[\d,.]*|\w+ly)\s+){0,3}"
    r"(?:[\w-]+\s+)?"
    r"(?:maps?|data|information|details|records|documents|coordinates|funds|funding|money|aid|"
    r"assistance|equipment|training|experts|specialists|teams|troops|soldiers|forces|units|"
    r"personnel|deminers|sappers|engineers|machines|vehicles|dogs|rats|detectors?|"
    r"speech(?:es)?|statements?|reports?|briefings?|updates?|presentations?|address|testimony|"
    r"evidence|interviews?|warnings?|lectures?|support|backing|guarantees?|assurances?)\b",
    re.I,
)
# "a Canadian production about landmine survivors": a film or a play, not the making of mines
_NOT_MINE_PRODUCTION = re.compile(
    r"^\s+(?:about|on|company|companies|house|studio|crew|team)\b", re.I
)
_ORGAN = re.compile(r"^['’]s\s+[\w-]+(?:\s+[\w-]+)?(?=\s*(?:,|and\s|or\s|&|as well as\s))")
_GIVE_UP = re.compile(r"^give up|^gave up|^giving up|^gives up", re.I)
_MADE_USE = re.compile(r"^\s+(?:\w+\s+)?use\b", re.I)
# "make them at home", "make them domestically": mines named before, made; not "makes them
# far less dangerous", where "make" says what something turns them into
_MADE_THEM = re.compile(
    r"^\s+them(?=\s*(?:[.,;:)]|$)|\s+(?:at home|domestically|locally|itself|themselves|again|"
    r"in|for|from|under|by|on|with|there|here|now|soon|next|this|starting|until|within)\b)",
    re.I,
)
_PERMIT_BEFORE = re.compile(
    r"\b(?:allow\w*|permit\w*|let|lets|letting|enabl\w*|authori[sz]\w*)\s+(?:the\s+)?$", re.I
)
_ACCUSATION_NOUN = re.compile(
    r"^\W{0,3}(?:\w+\s+){0,3}?(?:accus\w*|alleg\w*|claims?|charges?|reports?|involvement|"
    r"responsibility|it|them|this|that|such)\b|^\s*[.,;]|^\s+as\s",  # "dismissed as lies"
    re.I,
)
# "a policy banning the use of mines by U.S. forces" is a restriction, not a use: "banned the
# use of", "a moratorium on exports", "barred US transfers", "limited their use" (not "made
# limited use of", where "limited" says how much; not "Bangladesh", which begins with "ban")
_UNDER_RESTRICTION = re.compile(
    r"(?:\b(?:ban|bans|banned|banning|bar|bars|barred|barring|prohibit\w*|restrict\w*|"
    r"forbid\w*|outlaw\w*|moratorium)\b(?:(?:\s+\S+){0,4}?\s+(?:on|from|of))?(?:\s+(?-i:[A-Z])[\w.'’-]*)?"
    r"(?:\s+(?:anti-?personnel\s+)?(?:land-?)?mines?)?"  # "a ban on US landmine use"
    r"\s+(?:the\s+|its\s+|their\s+)?|\blimit(?:s|ed|ing)?\s+(?:the|its|their)\s+)$",
    re.I,
)
_TREATY_CLAUSE = re.compile(
    r"\b(?:treaty|convention|pact|ottawa|APMBC)\b\W{0,3}(?:which|that|banning|prohibiting|"
    r"outlawing|bans|prohibits|outlaws|on the prohibition)\b",
    re.I,
)
_CALL_ON = re.compile(r"\b(?:call\w*|press\w*) on\s+(?:the\s+)?$", re.I)
_INFINITIVE_BEFORE = re.compile(r"\bto\s+(?:\w+\s+)?$", re.I)
_PARTICIPLE = re.compile(r"^(?:\w+ed|laid|sown|sent|made|given|planted|left)$", re.I)
_AFTER_WEAPON = re.compile(
    r"(?:mines?|minefields?|APLs?)\s+(?:(?:that|which)\s+)?(?:were\s+|was\s+|had\s+been\s+|"
    r"have\s+been\s+|has\s+been\s+|being\s+|are\s+|is\s+)?$",
    re.I,
)
_ALONGSIDE = re.compile(
    r"\b(?:alongside|along with|together with|as well as|as did|as have|as has)\s+(?:the\s+)?$",
    re.I,
)
# "the allegations that its soldiers planted mines were a lie": the claim is denied.
_CLAIM_DISMISSED = re.compile(
    r"\b(?:were|was|are|is|as)\s+['‘\"“]?(?:a\s+|an\s+|completely\s+|totally\s+|utterly\s+)?"
    r"(?:lie|lies|false|baseless|untrue|groundless|fabricat\w*|fake|absurd|nonsense|"
    r"unfounded|slander\w*|provocation)\b",
    re.I,
)
_CLAIM_NOUN = re.compile(
    r"\b(?:allegations?|claims?|accusations?|charges?|reports?)\s+that\b", re.I
)
_WE = re.compile(r"\b(?:we|our|us)\b", re.I)
_QUOTE_CLOSE = re.compile(r"[\"”’']\s")
_OPEN_QUESTION_BEFORE = re.compile(r"\b(?:whether|if)\s+(?:the\s+)?$", re.I)
_RELATIVE_CLAUSE = re.compile(
    r",\s*(?:which|who|whose)\b[^.;]*?,\s+(?=(?:has|have|had|is|are|was|were|will|would|said|"
    r"says|did|does|do|must|should|can|could|also|still|now)\b)",
    re.I,
)
_ADJECTIVE_LEAD = re.compile(
    r"\b(?:a|an|the|newly|freshly|recently|previously|already|hastily)\s+$", re.I
)
_ACTIVE_ACCUSATION = re.compile(
    r"(?<!been )(?<!was )(?<!were )(?<!is )(?<!are )(?<!be )"
    r"\b(?:accus(?:e|es|ed|ing)|blam(?:e|es|ed|ing)|charg(?:e|es|ed|ing))\s+(?!of\b|for\b|with\b)",
    re.I,
)
_OBJECT_PRONOUN = re.compile(r"\s+(?:them|those|such weapons|the weapons)\b", re.I)
_PARTICIPLE_AFTER_COMMA = re.compile(r"[a-z]+ing\b", re.I)
_COMMA_BEFORE = re.compile(r",\s*$")
_FOR_PURPOSE = re.compile(r"\bfor\s+(?:their\s+|its\s+)?$", re.I)
_FOR_USE = re.compile(
    r"\bfor\s+(?!(?:one|a|an|any|the|their|its|his|her|this|that)\b)(?:\w+\s+)?$|\bdual-$", re.I
)
# "exports of anti-personnel mines under a moratorium": the act a restriction stops
_UNDER_A_BAN = re.compile(
    r"[^,.;]*?\bunder\s+(?:a|an|the|its|their)\s+(?:[\w-]+\s+){0,2}?(?:moratorium|ban|"
    r"prohibition|embargo)\b",
    re.I,
)
_HALTED = re.compile(r"\b(?:halt(?:s|ed)?|stop(?:s|ped)?|ceased?|suspend(?:s|ed)?)\b", re.I)
_RESTRICTION_AFTER = re.compile(
    r"^\s+(?:moratorium|moratoria|ban|bans|restrictions?|controls?|prohibition)\b", re.I
)
# Between "received" and the state whose mines they are: " its first batch of", " more", " "
_SUPPLY_OF = re.compile(
    r"\s+(?:(?:its|their|the|a|an|first|second|third|new|latest|another|more|\d[\d,]*)\s+){0,3}"
    r"(?:(?:shipments?|batch(?:es)?|deliver(?:y|ies)|consignments?|supply|supplies)\s+of\s+)?$",
    re.I,
)
# After it, the mines themselves: "American anti-personnel mines", "German-made anti-tank mines"
_MINES_OF_STATE = re.compile(
    r"(?:-(?:made|produced|built|manufactured)\b)?\s+(?:[\w-]+\s+){0,2}?(?:land)?mines\b", re.I
)
_SUPPLIER_BEFORE = re.compile(r"\bwith\s+(?:a|an|the)?\s*$", re.I)
_SUPPLIER_NOUN = re.compile(
    r"^\s+(?:state-owned\s+|arms\s+|defen[cs]e\s+)?(?:company|firm|manufacturer|maker|"
    r"producer|group|supplier|contractor)\b",
    re.I,
)
# "Ukraine's exit", "Poland's planned production", but not "Ukraine's request to supply"
_POSSESSIVE_TO_TRIGGER = re.compile(
    r"^['’]s\s+(?!" + _REQUESTS + r"\b)(?:[\w-]+\s+){0,2}$", re.I
)
_STOCKPILE_PHRASE = re.compile(r"\bstockpile destruction\b|\b(?:land)?mine stockpiles?\b", re.I)
# A clause whose subject is part of a state ("Large areas of the country have been", "Three
# provinces of Angola were"): declaring those free of mines is progress, not the completion
# R11 counts.
_PART_OF_STATE = re.compile(
    r"^\W*(?:(?:large|vast|wide|big|many|most|much|some|several|remaining|other|the|its|their|"
    r"new|\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|dozens)\s+)*"
    r"(?:areas?|parts?|swath?e?s|stretch(?:es)?|tracts?|regions?|districts?|provinces?|villages?|"
    r"municipalities|departments?|communes?|sections?|portions?|much|most|half)\s+of\s+(?:the\s+)?"
    r"(?:country|nation|kingdom|state|republic|(?-i:[A-Z])[\w'’-]*(?:\s+(?-i:[A-Z])[\w'’-]*)?)"
    r"(?:['’]s)?\s+(?:[\w'’-]+\s+){0,4}$",
    re.I,
)
# ... or whose place is one ("completed clearance of all known minefields in Pailin province")
_IN_PART_OF_STATE = re.compile(
    r"[^,.;]*?\bin\s+(?:the\s+)?(?:(?-i:[A-Z])[\w'’-]*\s+){1,3}(?:province|district|region|county|"
    r"department|municipality|oblast|governorate|prefecture|commune)\b",
    re.I,
)


@dataclass
class _Found:
    actor: str
    action: str
    recipient: str | None
    negated: bool
    sentence: tuple[int, int]


@dataclass(frozen=True)
class _Country:
    code: str
    start: int
    end: int


def extract_events(
    text: str, tags: Sequence[Tag], lexicon: Lexicon | None = None
) -> list[Event]:
    """Events in the text, one per (actor, action, negated), in order of first evidence."""
    lex = lexicon or default_lexicon()
    if not any(t.kind == "country" for t in tags):
        return []  # every event needs a state
    countries = sorted(
        (_Country(t.value.upper(), t.start, t.end) for t in tags if t.kind == "country"),
        key=lambda c: (c.start, c.end),
    )
    type_spans = sorted((t.start, t.end, t.value) for t in tags if t.kind == "mine_type")
    found: list[_Found] = []
    deniers: list[tuple[str, tuple[int, int]]] = []
    topic: str | None = None
    ottawa_in_text = bool(lex.ottawa_names.search(text))
    hits = lex.cue_index.hits(text)
    country_starts = [c.start for c in countries]
    weapons = _FirstWeapon(text, lex)
    for span in sentence_spans(text):
        # The sentence's own countries and events, found by position: scanning all of them
        # for each sentence made a long text quadratic (minutes for a megabyte)
        first = bisect_left(country_starts, span[0])
        within = countries[first : bisect_left(country_starts, span[1], first)]
        reader = _SentenceReader(
            text, span, within, lex, topic, ottawa_in_text, hits_within(hits, *span), weapons
        )
        before = len(found)
        if any(lex.any_cue.match(text, at, span[1]) for at, _ in reader.hits):
            found.extend(reader.events())
            deniers.extend((code, span) for code in reader.standalone_deniers())
        topic = reader.next_topic(found[before:])
    found.extend(_denials_of_accusations(found, deniers))
    return _merge(text, found, type_spans, lex)


class _SentenceReader:
    """The rules applied to one sentence, with the state named before it as the topic."""

    def __init__(
        self,
        text: str,
        span: tuple[int, int],
        countries: list[_Country],
        lex: Lexicon,
        topic: str | None,
        ottawa_in_text: bool = False,
        hits: list[Hit] | None = None,
        first_weapon: _FirstWeapon | None = None,
    ) -> None:
        self.text = text
        self.ottawa_in_text = ottawa_in_text
        self.span = span
        self.start, self.end = span
        self.lex = lex
        self.topic = topic
        self.countries = [c for c in countries if self.start <= c.start < self.end]
        self.hits = hits or []  # where a trigger may begin in the sentence
        self.first_weapon = first_weapon or _FirstWeapon(text, lex)

    @cached_property
    def weapons(self) -> list[tuple[int, int]]:
        """Mine mentions in the sentence, read only by sentences that hold a cue."""
        return _weapon_mentions(self.text, self.start, self.end, self.lex)

    # -- public ---------------------------------------------------------------------------

    def events(self) -> list[_Found]:
        out: list[_Found] = []
        text, end = self.text, self.end
        for spec in self.lex.actions:
            starts = starts_of(self.hits, spec.action)
            if not starts or (spec.cue is not None and not any(
                spec.cue.match(text, at, end) for at in starts
            )):
                continue
            for pattern in spec.triggers:
                for m in matches_from(pattern, text, starts, end):
                    out.extend(self._from_trigger(spec.action, spec.needs, m.start(), m.end()))
            for pattern in spec.alone:
                for m in matches_from(pattern, text, starts, end):
                    out.extend(self._from_trigger(spec.action, "none", m.start(), m.end()))
        others = starts_of(self.hits, "other")
        for pattern in self.lex.transfer_from:
            for m in matches_from(pattern, text, others, end):
                out.extend(self._from_import(m.start(), m.end()))
        out.extend(self._from_adjectives())
        return out

    def standalone_deniers(self) -> list[str]:
        """States that deny an accusation in this sentence without naming the act again."""
        out = []
        others = starts_of(self.hits, "other")
        for m in matches_from(self.lex.cues["denial"], self.text, others, self.end):
            if not _ACCUSATION_NOUN.match(self.text[m.end() : m.end() + 60]):
                continue
            named = [c for c in self.countries if c.end <= m.start()]
            if named and _DENIER_GAP.match(self.text, named[-1].end, m.start()):
                # "Phnom Penh rejected the claim and said ...": the one who denies, though it
                # also speaks (a speaker otherwise yields to an earlier state)
                out.extend(c.code for c in self._with_list(named[-1], forward=False))
                continue
            actors = self._actors_before(m.start(), "use")
            out.extend(actors)
        return out

    def next_topic(self, found: list[_Found]) -> str | None:
        """The state the next sentence may mean by "it": the last actor of an event found in
        this sentence (`found` holds this sentence's), else its first eligible state, unless the
        sentence's subject is itself "it" or "the country": then the topic stays ("The country
        says Russia poses a threat. It plans ..." still means the country)."""
        mine = [f.actor for f in found if f.sentence == self.span]
        if mine:
            return mine[-1]
        if not self.countries:
            return self.topic
        sentence = self.text[self.start : self.end]
        subject_at = self.start + len(sentence) - len(sentence.lstrip())
        if self.topic and self.lex.cues["anaphor"].match(self.text, subject_at):
            return self.topic
        for c in self.countries:
            if self._eligible(c):
                return c.code
        return self.topic

    # -- triggers -------------------------------------------------------------------------

    def _from_trigger(self, action: str, needs: str, t0: int, t1: int) -> list[_Found]:
        word = self.text[t0:t1]
        after = self.text[t1 : self.end]
        if t0 > 0 and self.text[t0 - 1] == "-" and action in ("use", "transfer", "produce"):
            return []  # "American-supplied": read by _from_adjectives with its state
        if action == "use" and word.lower() == "used" and _USED_TO.match(after):
            return []
        if action == "use" and word.lower() in ("use", "uses", "deployment") and _FOR_USE.search(
            self.text[max(self.start, t0 - 30) : t0]
        ):
            return []  # "only for defensive use" names a purpose, not an act
        if action == "produce" and _MAKE_WORDS.match(word):
            if _MADE_USE.match(after) or not (  # "make mines", or "make them" after mines
                _MAKE_OBJECT.match(after)
                or (_MADE_THEM.match(after) and self.first_weapon.before(t0))
            ):
                return []
        if action == "transfer" and _GIVE_UP.match(self.text[t0 : t0 + 12]):
            return []
        if action in ("transfer", "use") and _NOT_MINES_OBJECT.match(after):
            return []
        if (action == "produce" and word.lower() == "production"
                and _NOT_MINE_PRODUCTION.match(after)):
            return []
        if not self._context_ok(action, needs, t0, t1):
            return []
        if self._agentless_participle(word, t0, t1):
            return []
        if action in ("use", "produce", "transfer") and (
            _UNDER_RESTRICTION.search(self.text[max(self.start, t0 - 50) : t0])
            or _RESTRICTION_AFTER.match(after) or _UNDER_A_BAN.match(after)
        ):
            return []
        if action == "clear" and "deadline" in word.lower() and self._about_stockpile():
            return []  # "missed its deadline to destroy its stockpile" is not about clearance
        if action == "clear" and (_PART_OF_STATE.match(self._window(None, t0, False))
                                  or _IN_PART_OF_STATE.match(self.text, t1, self.end)):
            return []
        if action == "join" and self._has_action_word("withdraw", self.end):
            return []  # "signed the withdrawal law" is a withdraw step, found by its own trigger
        if action == "join" and _HOSTED.search(self.text, self.start, t0):
            return []  # "Canada hosted the signing of the treaty": a venue, not a party (R2)
        if (action == "destroy_stockpile" and _FOR_PURPOSE.search(self.text, self.start, t0)
                and self._has_action_word("transfer", t0)):
            return []  # "sent its mines to Bulgaria for destruction" is the transfer alone
        actors, by_phrase = self._actors(action, t0, t1)
        if not actors:
            return []
        # The member of "Estonia, Latvia and Lithuania" nearest the trigger bounds the window.
        first = actors[0] if by_phrase else max(actors, key=lambda a: a.end)
        if self._dropped(first, t0, by_phrase):
            return []
        if action == "transfer" and not by_phrase and first.end <= t0:
            received = self._window(first, t0, by_phrase)
            if self.lex.any_transfer_from.search(received):
                return []  # "Kyiv received a shipment of ...": the receiver (see _from_import)
        if action != "withdraw" and action != "join" and not by_phrase and first.end <= t0:
            window = self._window(first, t0, by_phrase)
            if _TREATY_CLAUSE.search(self.text, first.end, t0) or (
                action == "restrict" and self.lex.treaty_words.search(window)
            ):
                return []  # "the treaty, which bans the use of ..." is not the state's own act
        # A trigger that carries its own failure ("missed its clearance deadline") counts too.
        negated = self._negated(first, t1 if action == "clear" else t0, by_phrase)
        if (action == "restrict" and negated and not by_phrase and first.end <= t0
                and _HALTED.search(self.text, first.end, t0)):
            negated = False  # "halted exports under a moratorium": the halt is the restriction
        if action == "join" and negated:
            return []  # non-membership is a status, not a negated join (R3)
        recipient = None
        if action == "transfer":
            recipient = self._recipient(actors, t1, by_phrase)
        polarities = [negated]
        if negated and self._denied_claim(t0):
            polarities.append(False)  # "rejected claims that it laid mines": the claim is there too
        return [
            _Found(a.code, action, recipient, polarity, self.span)
            for polarity in polarities
            for a in actors
        ]

    def _denied_claim(self, t0: int) -> bool:
        pre = self.text[self.start : t0]
        claim = _CLAIM_NOUN.search(pre)
        return bool(claim) and bool(self.lex.cues["denial"].search(pre[: claim.start()]))

    def _from_import(self, t0: int, t1: int) -> list[_Found]:
        """"X imported them from Y": Y transfers to X, but only with a named supplier."""
        if not self._near_weapon(t0, t1, before=80, after=100):
            return []
        suppliers = [
            c
            for c in self.countries
            if c.start >= t1 and _FROM_GAP.search(self.text[max(t1, c.start - 12) : c.start])
        ]
        if not suppliers:  # "received its first batch of American mines": their maker sent them
            suppliers = [
                c
                for c in self.countries
                if c.start >= t1 and _SUPPLY_OF.match(self.text, t1, c.start)
                and _MINES_OF_STATE.match(self.text, c.end, min(self.end, c.end + 60))
            ]
        if not suppliers:
            suppliers = [
                c
                for c in self.countries
                if c.end <= t0
                and _SUPPLIER_BEFORE.search(self.text[max(self.start, c.start - 12) : c.start])
                and _SUPPLIER_NOUN.match(self.text[c.end : c.end + 40])
            ]
        if not suppliers:
            return []
        suppliers = self._with_list(suppliers[0], forward=True)
        buyer = self._actors_before(t0, "transfer")
        nearest = self._nearest_before(t0)  # where the buyer is named, when it is by name
        named = nearest if nearest is not None and buyer and nearest.code == buyer[-1] else None
        if self._dropped(named or (_Country(buyer[0], t0, t0) if buyer else None), t0, False):
            return []  # "is considering buying ... from": a possibility, not a purchase
        negated = self._negated(None, t0, True)
        recipient = buyer[-1] if buyer else self._anaphor_topic(t0)
        return [
            _Found(s.code, "transfer", recipient, negated, self.span)
            for s in suppliers
            if s.code != recipient
        ]

    def _from_adjectives(self) -> list[_Found]:
        """"American-supplied mines", "Russian-made PMN-2", "Russian-laid minefields"."""
        out = []
        for c in self.countries:
            tail = self.text[c.end : c.end + 20]
            for action, pattern in self.lex.adjective_actions.items():
                if not pattern.match(tail) or not self._near_weapon(c.start, c.end, 0, 80):
                    continue
                recipient = None
                if action == "transfer":
                    others = [o.code for o in self.countries if o.code != c.code]
                    recipient = others[0] if others else None
                out.append(_Found(c.code, action, recipient, False, self.span))
        return out

    # -- context --------------------------------------------------------------------------

    def _context_ok(self, action: str, needs: str, t0: int, t1: int) -> bool:
        window = self.lex.context_window
        if needs == "mine":
            return self._near_weapon(t0, t1, before=100, after=window) or self._mines_pronoun(t1)
        if needs == "stockpile":
            lo, hi = max(self.start, t0 - 60), min(self.end, t1 + window)
            if not self.lex.stockpile_words.search(self.text, lo, hi):
                return False
            return bool(self.weapons) or self.first_weapon.before(self.start) or bool(
                _STOCKPILE_PHRASE.search(self.text, self.start, self.end)
            ) or bool(self.lex.treaty_words.search(self.text, self.start, self.end))
        if needs == "treaty":
            return self._about_ottawa(t0, t1)
        return True

    def _mines_pronoun(self, t1: int) -> bool:
        """"accused of using them": the object stands for mines named in an earlier sentence."""
        return bool(_OBJECT_PRONOUN.match(self.text, t1)) and self.first_weapon.before(
            self.start
        )

    def _near_weapon(self, t0: int, t1: int, before: int, after: int) -> bool:
        for w0, w1 in self.weapons:
            if t1 <= w0 <= t1 + after:
                between = self.text[t1:w0]
                if not _REMOVAL.search(between):
                    return True
            elif t0 - before <= w1 <= t0 or (w0 < t1 and w1 > t0):  # or within the trigger
                return True
        return False

    def _about_ottawa(self, t0: int, t1: int) -> bool:
        """The nearest treaty word after the trigger (else before) must not be another treaty."""
        lex = self.lex
        after = list(lex.treaty_words.finditer(self.text, t1, min(self.end, t1 + 90)))
        before = list(lex.treaty_words.finditer(self.text, max(self.start, t0 - 90), t0))
        if after:
            m = after[0]
            lo = max(self.start, m.start() - 45)
            return not lex.other_treaties.search(self.text, lo, m.end() + 20)
        if before:
            m = before[-1]
            lo = max(self.start, m.start() - 45)
            return not lex.other_treaties.search(self.text, lo, m.end() + 20)
        return self.ottawa_in_text and bool(lex.treaty_step_nouns.match(self.text[t1 : self.end]))

    def _agentless_participle(self, word: str, t0: int, t1: int) -> bool:
        """"minefields laid during the war": a passive with no by-phrase names no actor."""
        if not _PARTICIPLE.match(word) or any(self._agent_after(c, t1) for c in self.countries):
            return False
        lead = self.text[max(self.start, t0 - 40) : t0]
        if _ADJECTIVE_LEAD.search(lead) and any(0 <= w0 - t1 <= 25 for w0, _w1 in self.weapons):
            return True  # "a newly laid PMN-2 mine"
        if not any(self.start <= w1 and t0 - 40 <= w1 <= t0 for _w0, w1 in self.weapons):
            return False
        return bool(_AFTER_WEAPON.search(lead))

    def _about_stockpile(self) -> bool:
        return bool(self.lex.stockpile_words.search(self.text, self.start, self.end))

    def _has_action_word(self, action: str, end: int) -> bool:
        """Whether one of the action's triggers occurs in the sentence before `end`."""
        spec = next(s for s in self.lex.actions if s.action == action)
        return bool(spec.any_trigger.search(self.text, self.start, end))

    # -- actors ---------------------------------------------------------------------------

    def _actors(self, action: str, t0: int, t1: int) -> tuple[list[_Country], bool]:
        """The state(s) doing the act and whether they came from a by-phrase after it."""
        for c in self.countries:
            if self._agent_after(c, t1):
                return self._with_list(c, forward=True), True
        chosen = self._nearest_before(t0)
        if chosen is not None:
            return self._with_list(chosen, forward=False) + self._companions(t1), False
        if action in _ACTOR_AFTER_OK:
            after = [c for c in self.countries if c.start > t0 and self._eligible(c)]
            if after:
                return self._with_list(after[0], forward=True), True
        code = self._anaphor_topic(t0)
        if code:
            return [_Country(code, t0, t0)], True
        speaker = self._quoted_speaker(t0, t1)
        if speaker is not None:
            return [speaker], True
        return [], False

    def _agent_after(self, c: _Country, t1: int) -> bool:
        """A state named after the act as its doer: "laid by Russian forces", "... and blamed
        Cambodia"."""
        if c.start < t1:
            return False
        # Each pattern needs a word the text holds in few places ("by" right before the state,
        # "blam..." between): looked up first, as every act is weighed against every state.
        by = self._by_before.get(c)
        if (by is None or by < t1) and not self._blame_between(t1, c.start):
            return False
        gap = self.text[t1 : c.start]
        return bool(_BY_PHRASE.match(gap) or _BLAMED.search(gap))

    @cached_property
    def _by_before(self) -> dict[_Country, int]:
        """Where "by (the)" right before a state begins, for the states that have one."""
        found = {}
        for c in self.countries:
            m = _BY_BEFORE.search(self.text, self.start, c.start)
            if m:
                found[c] = m.start()
        return found

    @cached_property
    def _blames(self) -> list[int]:
        return [m.start() for m in _BLAM.finditer(self.text, self.start, self.end)]

    def _blame_between(self, start: int, end: int) -> bool:
        at = bisect_left(self._blames, start)
        return at < len(self._blames) and self._blames[at] + len("blam") <= end

    def _quoted_speaker(self, t0: int, t1: int) -> _Country | None:
        """"We will use mines," the Lithuanian minister said: the speaker's state."""
        if not _WE.search(self.text, self.start, t0):
            return None
        for c in self.countries:
            if c.start >= t1 and _QUOTE_CLOSE.search(self.text, t1, c.start):
                if self.lex.cues["organ_after_state"].match(self.text[c.end : c.end + 40]) or (
                    self._speaks(c)
                ):
                    return c
        return None

    def _companions(self, t1: int) -> list[_Country]:
        """"..., alongside India, Iran and Russia": states named as doing the same."""
        for c in self.countries:
            if c.start >= t1 and _ALONGSIDE.search(self.text[max(t1, c.start - 20) : c.start]):
                return self._with_list(c, forward=True)
        return []

    def _nearest_before(self, t0: int) -> _Country | None:
        """The nearest eligible state before t0; one that only speaks yields to an earlier one,
        unless "it", "its forces" or "the country" between points back to it."""
        before = [
            c
            for c in self.countries
            if c.end <= t0 and not self._aside(c, t0) and (self._eligible(c) or self._owns(c, t0))
        ]
        if not before:
            return None
        if _PARTICIPLE_AFTER_COMMA.match(self.text, t0) and _COMMA_BEFORE.search(
            self.text, self.start, t0
        ):
            # ", meeting its obligations": a clause that follows its main clause's subject
            return before[0]
        nearest = before[-1]
        if not self._speaks(nearest):
            return nearest
        if self.lex.cues["anaphor"].search(self.text, nearest.end, t0):
            return nearest
        if _THEY.search(self.text, nearest.end, t0) and len(self._with_list(nearest, False)) > 1:
            return nearest  # "Lithuania, Latvia and Estonia said they would leave"
        others = [c for c in before if not self._speaks(c) and c.code != nearest.code]
        return others[-1] if others else nearest

    def _owns(self, c: _Country, t0: int) -> bool:
        """"a decree on Ukraine's exit": a possessive right before the act names its actor."""
        return bool(_POSSESSIVE_TO_TRIGGER.match(self.text[c.end : t0]))

    def _aside(self, c: _Country, t0: int) -> bool:
        """A state inside ", which borders Poland and Latvia," is not the actor outside it."""
        return any(start <= c.start < end and not start <= t0 < end
                   for start, end in self._asides)

    @cached_property
    def _asides(self) -> list[tuple[int, int]]:
        """The sentence's parenthetical and relative clauses, found once: searching them again
        for each state made a sentence listing a thousand states take seconds."""
        return [(m.start(), m.end()) for pattern in (_PARENTHETICAL, _RELATIVE_CLAUSE)
                for m in pattern.finditer(self.text, self.start, self.end)]

    def _speaks(self, c: _Country) -> bool:
        tail = self.text[c.end : min(self.end, c.end + 60)]
        return bool(self.lex.cues["speaker_verb_after_state"].match(tail))

    def _actors_before(self, t0: int, action: str) -> list[str]:
        nearest = self._nearest_before(t0)
        if nearest is not None:
            chosen = self._with_list(nearest, forward=False)
            if self.lex.cues["non_state"].search(self.text, chosen[-1].end, t0):
                return []
            return [c.code for c in chosen]
        code = self._anaphor_topic(t0)
        return [code] if code else []

    def _anaphor_topic(self, t0: int) -> str | None:
        """A state for "the military", "it", "the country": one named before it in the sentence
        (even as a place: "In Myanmar, the military ..."), else the text's current topic."""
        pre = self.text[self.start : t0]
        anaphor = self.lex.cues["anaphor"].search(pre)
        if not anaphor:
            return None
        if self.lex.cues["non_state"].search(pre) or self.lex.treaty_words.search(pre):
            return None
        local = [c for c in self.countries if c.end <= self.start + anaphor.start()]
        if local:
            return local[-1].code
        return self.topic

    def _eligible(self, c: _Country) -> bool:
        """A state named as a place ("in Ukraine") or as a source of words is not an actor."""
        tail = self.text[c.end : min(self.end, c.end + 40)]
        if self.lex.cues["proxy_after_state"].match(tail):
            return False
        if self._placed(c) and not self.lex.cues["organ_after_state"].match(tail):
            return False
        return not self.lex.cues["speaker_after_state"].match(tail)

    def _placed(self, c: _Country) -> bool:
        """Named as a place ("in Ukraine", "bordering Russia"), or listed after one that is
        ("bordering Russia and Belarus")."""
        index = self._position.get(c)
        return self._placed_in_list[index] if index is not None else self._after_locative(c)

    @cached_property
    def _placed_in_list(self) -> list[bool]:
        """_placed for each of the sentence's states, in one pass: a list of a thousand names
        ("Ukraine and Russia and ...") once took a recursion per name, and past about a
        thousand it overflowed the stack."""
        placed: list[bool] = []
        for index, c in enumerate(self.countries):
            listed_after_placed = index > 0 and placed[index - 1] and bool(
                _LIST_GAP.match(self.text[self.countries[index - 1].end : c.start]))
            placed.append(listed_after_placed or self._after_locative(c))
        return placed

    def _after_locative(self, c: _Country) -> bool:
        pre = self.text[max(self.start, c.start - 30) : c.start]
        return bool(self.lex.cues["locative_before_state"].search(pre)
                    and not _CALL_ON.search(pre) and not _ORGAN_IN.search(pre))

    @cached_property
    def _position(self) -> dict[_Country, int]:
        """Each state's place in the sentence's list."""
        return {c: index for index, c in enumerate(self.countries)}

    def _with_list(self, c: _Country, forward: bool) -> list[_Country]:
        """Expand "Estonia, Latvia and Lithuania" from any one of its members."""
        chosen = [c]
        index = self._position.get(c, -1)
        if index < 0:
            return chosen
        step = 1 if forward else -1
        i = index
        while 0 <= i + step < len(self.countries):
            nxt = self.countries[i + step]
            gap = self.text[chosen[-1].end : nxt.start] if forward else self.text[
                nxt.end : chosen[-1].start
            ]
            if not _LIST_GAP.match(gap):
                break
            chosen.append(nxt)
            i += step
        ordered = chosen if forward else list(reversed(chosen))
        seen: dict[str, _Country] = {}
        for item in ordered:
            seen.setdefault(item.code, item)
        return list(seen.values())

    def _recipient(self, actors: list[_Country], t1: int, by_phrase: bool) -> str | None:
        codes = {a.code for a in actors}
        for c in self.countries:
            if c.start < t1 or c.code in codes:
                continue
            gap = self.text[max(t1, c.start - 40) : c.start]
            if _FROM_GAP.search(gap):
                continue
            if _RECIPIENT_GAP.search(self.text[t1 : c.start]) or _RECIPIENT_GAP.search(gap):
                return c.code
        if by_phrase:
            before = [c for c in self.countries if c.end <= t1 and c.code not in codes]
            if before:
                return before[-1].code
        for c in self.countries:  # "refused Ukraine's request to supply": the one who asked
            if c.end <= t1 and c.code not in codes and _REQUESTER.match(self.text, c.end, t1):
                return c.code
        return None

    # -- rules that drop or negate ------------------------------------------------------------

    def _window(self, actor: _Country | None, t0: int, by_phrase: bool) -> str:
        """Text from the actor (or the clause start) to the trigger, asides removed."""
        lo = actor.end if actor is not None and not by_phrase and actor.end <= t0 else self.start
        window = _PARENTHETICAL.sub(" ", self.text[lo:t0])
        breaks = list(self.lex.cues["clause_break"].finditer(window))
        if breaks:
            window = window[breaks[-1].end() :]
        return window

    def _dropped(self, actor: _Country | None, t0: int, by_phrase: bool) -> bool:
        cues = self.lex.cues
        window = self._window(actor, t0, by_phrase)
        if actor is not None and not by_phrase and actor.end <= t0:
            other = cues["non_state"].search(window)
            # "Myanmar's military and the rebel groups ... lay": the state is one of them
            if other and not _LIST_GAP.match(_ORGAN.sub("", window[: other.start()], count=1)):
                return True
            lead = self.text[max(self.start, actor.start - 30) : actor.start]
            if _PERMIT_BEFORE.search(lead) or _OPEN_QUESTION_BEFORE.search(lead):
                return True
        if cues["capability"].search(window) or self._conditional_after(t0):
            return True
        if actor is not None and not by_phrase and _ACTIVE_ACCUSATION.search(window):
            return True  # "Sudan's army accused the Rapid Support Forces of planting mines"
        return self._unanswered_call(actor, t0, by_phrase)

    def _conditional_after(self, t0: int) -> bool:
        """A condition later in the trigger's clause makes the act a possibility (R5): "will
        deploy mines along the border if needed"."""
        cues = self.lex.cues
        condition = cues["condition"].search(self.text, t0, self.end)  # rare: look for it first
        return condition is not None and not cues["clause_break"].search(
            self.text, t0 + 1, condition.start())

    def _asked_to_stop(self, t0: int) -> bool:
        pre = self.text[self.start : t0]
        calls = list(self.lex.cues["call"].finditer(pre))
        return bool(calls) and bool(self.lex.cues["stop"].search(pre[calls[-1].end() :]))

    def _unanswered_call(self, actor: _Country | None, t0: int, by_phrase: bool) -> bool:
        """A call to do something not yet done gives nothing (R6); a call to stop keeps it."""
        cues = self.lex.cues
        pre = self.text[self.start : t0]
        limit = actor.start if actor is not None and not by_phrase and actor.end <= t0 else t0
        to_trigger = bool(_INFINITIVE_BEFORE.search(pre))
        # "asked Germany to supply" calls on Germany; in "asked Germany ..., and Berlin
        # delivered" the act after the actor is no longer the one asked for.
        to_after_actor = limit >= t0 or bool(re.search(r"\bto\b", self.text[limit:t0]))
        calls = [
            m
            for m in cues["call"].finditer(pre)
            if (self.start + m.end() <= limit and to_after_actor) or to_trigger
        ]
        calls += list(cues["modal_call"].finditer(pre))
        calls.sort(key=lambda m: m.end())
        if calls:
            since_call = pre[calls[-1].end() :]
            if not _RELATIVE_OPEN.search(since_call) and not cues["stop"].search(since_call):
                return True
        return False

    def _negated(self, actor: _Country | None, t0: int, by_phrase: bool) -> bool:
        cues = self.lex.cues
        if self._asked_to_stop(t0):
            return False  # "urged Russia to refrain from using": the act, not its denial
        window = _NOT_ONLY.sub(" ", self._window(actor, t0, by_phrase))
        if cues["negation"].search(window):
            return True
        if actor is not None and actor.start > self.start:
            lead = self.text[max(self.start, actor.start - 80) : actor.start]
            if cues["denial_before_actor"].search(lead) or _NEITHER_NOR.search(lead):
                return True
        claimed = _CLAIM_NOUN.search(self.text, self.start, t0)
        return bool(claimed and _CLAIM_DISMISSED.search(self.text, t0, self.end))


def _weapon_mentions(text: str, start: int, end: int, lex: Lexicon) -> list[tuple[int, int]]:
    """Spans of land-mine words in the sentence, without naval or extractive mines."""
    return list(_land_mine_words(text, start, end, lex))


def _land_mine_words(text: str, start: int, end: int, lex: Lexicon) -> Iterator[tuple[int, int]]:
    """Land-mine words in text order, each skipped when an out-of-scope span ("sea mines",
    "gold mine") covers its start; both scans advance together, so reading only the first
    word scans only as far as it."""
    blocked = lex.out_of_scope_mines.finditer(text, start, end)
    span = next(blocked, None)
    for found in lex.mine_words.finditer(text, start, end):
        while span is not None and span.end() <= found.start():
            span = next(blocked, None)
        if span is None or not span.start() <= found.start():
            yield found.start(), found.end()


class _FirstWeapon:
    """Where the text's first land-mine word ends, found once per text when a sentence asks
    whether mines were named before it (scanning the text before each such sentence made a
    long story quadratic)."""

    def __init__(self, text: str, lex: Lexicon) -> None:
        self.text = text
        self.lex = lex

    def before(self, position: int) -> bool:
        return self._end is not None and self._end <= position

    @cached_property
    def _end(self) -> int | None:
        first = next(_land_mine_words(self.text, 0, len(self.text), self.lex), None)
        return first[1] if first else None


def _denials_of_accusations(
    found: list[_Found], deniers: list[tuple[str, tuple[int, int]]]
) -> list[_Found]:
    """An accusation and its denial give two events (R3): add the denied twin."""
    out = []
    for code, span in deniers:
        for f in found:
            if f.actor == code and f.action in _DENIABLE and not f.negated:
                out.append(_Found(code, f.action, f.recipient, True, span))
    return out


def _merge(
    text: str, found: list[_Found], type_spans: list[tuple[int, int, str]], lex: Lexicon
) -> list[Event]:
    """One event per (actor, action, negated): first evidence, first recipient, resolved type."""
    text_types: set[str] | None = None  # read only when a sentence names no type
    groups: dict[tuple[str, str, bool], list[_Found]] = {}
    for f in found:
        groups.setdefault((f.actor, f.action, f.negated), []).append(f)
    events = []
    for (actor, action, negated), items in groups.items():
        first = items[0]
        recipient = next((i.recipient for i in items if i.recipient), None)
        sentence_types: set[str] = set()
        for i in items:
            sentence_types |= _types_in(text, *i.sentence, type_spans, lex)
        if not sentence_types and text_types is None:
            text_types = _types_in(text, 0, len(text), type_spans, lex)
        types = sentence_types or text_types or set()
        mine_type = "antipersonnel" if "antipersonnel" in types else next(iter(types), None)
        start, end = first.sentence
        events.append(
            Event(
                actor=actor,
                action=action,
                recipient=recipient if action == "transfer" else None,
                mine_type=mine_type,
                negated=negated,
                evidence=text[start:end],
                start=start,
                end=end,
            )
        )
    events.sort(key=lambda e: (e.start, e.actor, e.action))
    return events


def _types_in(
    text: str, start: int, end: int, type_spans: list[tuple[int, int, str]], lex: Lexicon
) -> set[str]:
    types = set()
    for index in range(bisect_left(type_spans, (start,)), len(type_spans)):  # sorted by start
        at, _end, value = type_spans[index]
        if at >= end:
            break
        types.add(value)
    for value, pattern in lex.mine_models.items():
        if pattern.search(text, start, end):
            types.add(value)
    return types
