"""The search language analysts type, translated to a safe SQLite FTS5 MATCH expression.

Users get the syntax they know from web search; FTS5 never sees their text as syntax. Every word
or phrase is emitted as a double-quoted FTS5 string (inner quotes doubled), so hyphens, dots,
apostrophes, colons and FTS5's own special characters are only ever text to the tokenizer.

The language:

    ottawa withdrawal          every term must match (AND; an explicit AND is accepted too)
    "mine ban treaty"          a phrase; a "quote" that is not closed is an error
    withdraw*                  a prefix ("ottawa conv"* makes the phrase's last word a prefix)
    ottawa OR "mine ban"       either; OR binds tighter than AND, as in web search:
                               `ukraine mines OR munitions` is ukraine AND (mines OR munitions)
    -coal   NOT coal           exclusion; a query that only excludes is an error (FTS5 cannot run
                               it): the caller lists the newest stories of its filters instead
    a NEAR b   a NEAR/5 b      both within 10 (or 5) words; chains (a NEAR b NEAR c) share one
    NEAR(a b c, 5)             distance; NEAR takes plain words, phrases and prefixes only
    (a OR b) -(c OR d)         parentheses group
    title:ottawa  summary:…    one column: title:word, title:"a phrase", title:prefix*,
                               title:(a OR b), title:NEAR(a b); `title:a NEAR b` is title:NEAR(a b)

Only upper-case OR, AND, NOT and NEAR are operators; lower-case "or" is a plain word, and so is
a quoted "OR". Only `title:` and `summary:` (any case) are column filters: any other `foo:bar`
is the text "foo:bar", which the tokenizer reads as the phrase "foo bar" (so 10:30 and
http://… stay searchable). A hyphenated word is one phrase: anti-personnel matches
"anti-personnel" and "anti personnel". A quote inside a word (O"Brien) is text; one that ends a
word without having opened a phrase (mines") is an unbalanced quote. A term with no letter or
digit (a lone dash, "&", an emoji) is dropped, so stray punctuation never turns a query into one
that matches nothing; a query left with nothing to search for is an error. Commas separate
words, except between digits (1,000) and before the distance in NEAR(…, N).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum, auto

from minewatch.errors import UsageError

COLUMNS = ("title", "summary")
DEFAULT_NEAR_DISTANCE = 10
MAX_NEAR_DISTANCE = 1000
MAX_QUERY_CHARS = 2000
MAX_NESTING = 20  # FTS5 refuses expression trees deeper than 256; stay far below that

_COLUMN_PREFIX = re.compile("(" + "|".join(COLUMNS) + "):", re.IGNORECASE)
_NEAR_WORD = re.compile(r"NEAR(?:/([0-9]+))?")
_DISTANCE = re.compile(r"[0-9]+")
_EXAMPLE_NEAR = "withdraw* NEAR ottawa, or NEAR(withdraw* ottawa, 5)"


def to_fts(query: str) -> str | None:
    """The FTS5 MATCH expression for `query`; None when it is blank (the caller then lists the
    newest matches of its filters). A malformed query raises UsageError with a hint."""
    tree = _parse(query)
    return None if tree is None else _emit(tree, nested=False)


def highlight_terms(query: str) -> list[str]:
    """The words, phrases and prefixes the query looks for, to highlight them in output.

    Each item is the term's words joined by one space ("anti-personnel" gives "anti personnel"),
    with a trailing "*" for a prefix; excluded terms are left out; duplicates (ignoring case)
    appear once. A blank query gives []; a malformed one raises UsageError like to_fts."""
    tree = _parse(query)
    terms: list[str] = []
    seen: set[str] = set()
    for phrase in _wanted_phrases(tree):
        words = " ".join(_words(phrase.text))
        term = words + ("*" if phrase.prefix else "")
        if words and term.casefold() not in seen:
            seen.add(term.casefold())
            terms.append(term)
    return terms


def highlight_pattern(query: str) -> re.Pattern[str] | None:
    """A case-insensitive regex for the query's highlight terms in plain text, longest first so a
    phrase wins over its own words; None when there is nothing to highlight. Words of a phrase
    may be separated by any punctuation or space, as the tokenizer allows."""
    alternatives = []
    for term in highlight_terms(query):
        prefix = term.endswith("*")
        words = term.rstrip("*").split(" ")
        body = r"[\W_]+".join(re.escape(word) for word in words)
        alternatives.append(r"(?<!\w)" + body + (r"\w*" if prefix else r"(?!\w)"))
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


# --- syntax tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class _Near:
    phrases: tuple[_Phrase, ...]
    distance: int


@dataclass(frozen=True)
class _Column:
    name: str
    node: _Node


@dataclass(frozen=True)
class _Any:
    nodes: tuple[_Node, ...]


@dataclass(frozen=True)
class _All:
    include: tuple[_Node, ...]
    exclude: tuple[_Node, ...]


@dataclass(frozen=True)
class _Negated:
    """An excluded term while its AND group is being collected; never left in the final tree."""

    node: _Node


_Node = _Phrase | _Near | _Column | _Any | _All


def _wanted_phrases(node: _Node | None) -> list[_Phrase]:
    if node is None:
        return []
    if isinstance(node, _Phrase):
        return [node]
    if isinstance(node, _Near):
        return list(node.phrases)
    if isinstance(node, _Column):
        return _wanted_phrases(node.node)
    children = node.nodes if isinstance(node, _Any) else node.include
    return [phrase for child in children for phrase in _wanted_phrases(child)]


# --- text -> tokens ----------------------------------------------------------------------------


class _Kind(Enum):
    WORD = auto()
    PHRASE = auto()
    LPAREN = auto()
    RPAREN = auto()
    COMMA = auto()
    MINUS = auto()
    COLUMN = auto()
    OR = auto()
    AND = auto()
    NOT = auto()
    NEAR = auto()
    END = auto()


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str = ""
    prefix: bool = False
    distance: int | None = None
    glued: bool = False  # no space before it: NEAR( is a group, NEAR ( an operator


def _malformed(what: str, hint: str) -> UsageError:
    return UsageError(f"malformed query: {what} — hint: {hint}")


def _is_indexed_char(char: str) -> bool:
    """Letters, digits and private-use characters are what the unicode61 tokenizer indexes."""
    category = unicodedata.category(char)
    return category[0] in "LN" or category in ("Co", "Cn")


def _words(text: str) -> list[str]:
    """The runs of indexed characters (combining marks stay with their letter)."""
    words, current = [], []
    for char in text:
        if _is_indexed_char(char) or (current and unicodedata.category(char)[0] == "M"):
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _clean(query: str) -> str:
    """Control characters and lone surrogates (argv's undecodable bytes) become spaces: they
    separate words anyway, and a NUL would cut the expression short inside SQLite."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in query)


def _is_word_comma(text: str, at: int) -> bool:
    """A comma between two digits belongs to a number (1,000); any other comma separates."""
    return 0 < at < len(text) - 1 and text[at - 1].isdigit() and text[at + 1].isdigit()


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    in_near_group = False
    i, end = 0, len(text)
    glued = False
    while i < end:
        char = text[i]
        if char.isspace():
            i += 1
            glued = False
            continue
        if char == "," and not _is_word_comma(text, i):
            if in_near_group:
                tokens.append(_Token(_Kind.COMMA, ",", glued=glued))
            i += 1
            glued = False
            continue
        if char == "(":
            opens_near = bool(tokens) and tokens[-1].kind is _Kind.NEAR
            in_near_group = in_near_group or opens_near
            tokens.append(_Token(_Kind.LPAREN, "(", glued=glued))
            i += 1
            glued = True
            continue
        if char == ")":
            in_near_group = False
            tokens.append(_Token(_Kind.RPAREN, ")", glued=glued))
            i += 1
            glued = True
            continue
        if char == '"':
            start, close = i, text.find('"', i + 1)
            if close < 0:
                raise _malformed(
                    f"the quote before {_excerpt(text[i:])} is not closed",
                    'close the phrase with a second ", e.g. "mine ban treaty"',
                )
            i = close + 1
            prefix = i < end and text[i] == "*"
            while i < end and text[i] == "*":
                i += 1
            tokens.append(_Token(_Kind.PHRASE, text[start + 1 : close], prefix, glued=glued))
            glued = True
            continue
        if char == "-" and i + 1 < end and not text[i + 1].isspace() and text[i + 1] not in "),":
            tokens.append(_Token(_Kind.MINUS, "-", glued=glued))
            i += 1
            glued = True
            continue
        column = _COLUMN_PREFIX.match(text, i)
        if column:
            tokens.append(_Token(_Kind.COLUMN, column.group(1).lower(), glued=glued))
            i = column.end()
            glued = True
            continue
        start = i
        while i < end and not text[i].isspace() and text[i] not in "()":
            if text[i] == "," and not _is_word_comma(text, i):
                break
            i += 1
        tokens.append(_word_token(text[start:i], glued))
        glued = True
    tokens.append(_Token(_Kind.END))
    return tokens


def _word_token(word: str, glued: bool) -> _Token:
    if word in ("OR", "AND", "NOT"):
        return _Token(_Kind[word], word, glued=glued)
    near = _NEAR_WORD.fullmatch(word)
    if near:
        distance = _near_distance(near.group(1)) if near.group(1) else None
        return _Token(_Kind.NEAR, word, distance=distance, glued=glued)
    if word.rstrip("*").endswith('"'):
        raise _malformed(
            f"the quote ending {_excerpt(word)} has no opening quote",
            'open the phrase with a " too, e.g. "anti personnel mines"',
        )
    if word.startswith("NEAR/"):
        raise _malformed(f"{_excerpt(word)} has no distance", f"write {_EXAMPLE_NEAR}")
    return _Token(_Kind.WORD, word.rstrip("*"), prefix=word.endswith("*"), glued=glued)


def _near_distance(digits: str) -> int:
    distance = int(digits)
    if distance > MAX_NEAR_DISTANCE:
        raise _malformed(
            f"the NEAR distance {_excerpt(digits)} is larger than {MAX_NEAR_DISTANCE}",
            "use a distance in words from 0 to 1000, e.g. NEAR(withdraw* ottawa, 5)",
        )
    return distance


def _excerpt(text: str, limit: int = 30) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# --- tokens -> tree ----------------------------------------------------------------------------


def _parse(query: str) -> _Node | None:
    text = _clean(query)
    if not text.strip():
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise _malformed(
            f"the query is {len(text)} characters long",
            f"keep it under {MAX_QUERY_CHARS} characters; use filters to narrow the results",
        )
    tree = _Parser(_tokenize(text)).parse_query()
    if tree is None:
        raise _malformed(
            "nothing to search for (punctuation, symbols and emoji are not searched)",
            "search with words or numbers, or leave the query empty to list by filters",
        )
    return tree


def _only_excludes(node: object) -> bool:
    return isinstance(node, _All) and not node.include


class _Parser:
    """Recursive descent over: and := or+ ; or := unary (OR unary)* ; unary := (-|NOT)? near ;
    near := primary (NEAR primary)* ; primary := term | (and) | column near | NEAR(terms, n)."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.at + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.peek()
        self.at += 1
        return token

    def parse_query(self) -> _Node | None:
        tree = self.parse_and()
        if self.peek().kind is _Kind.RPAREN:
            raise _stray_close()
        if _only_excludes(tree):
            raise _malformed(
                "the query only excludes words, and FTS5 needs something to find",
                "add a word to search for, e.g. mines -coal, or leave the query empty "
                "to list the newest stories of your filters",
            )
        return tree

    def parse_and(self) -> _Node | None:
        units: list[_Node | _Negated | None] = []
        after_and = False
        while True:
            kind = self.peek().kind
            if kind in (_Kind.END, _Kind.RPAREN):
                if after_and:
                    raise _dangling("AND")
                break
            if kind is _Kind.AND:
                if not units or after_and:
                    raise _dangling("AND")
                self.advance()
                after_and = True
                continue
            if kind is _Kind.OR:
                raise _dangling("OR")
            if kind is _Kind.COMMA:  # only after a spaced "NEAR (", where it separates words
                self.advance()
                continue
            units.append(self.parse_or())
            after_and = False
        return _conjunction(units)

    def parse_or(self) -> _Node | _Negated | None:
        options = [self.parse_unary()]
        while self.peek().kind is _Kind.OR:
            self.advance()
            if self.peek().kind in (_Kind.END, _Kind.RPAREN, _Kind.OR, _Kind.AND):
                raise _dangling("OR")
            options.append(self.parse_unary())
        if len(options) == 1:
            return options[0]
        if any(isinstance(o, _Negated) or _only_excludes(o) for o in options):
            raise _malformed(
                "an exclusion cannot be one side of OR",
                "exclude outside the alternatives, e.g. (ottawa OR treaty) -coal, "
                "or exclude both with -(coal OR gold)",
            )
        nodes: list[_Node] = []
        for option in options:
            if isinstance(option, _Any):
                nodes.extend(option.nodes)
            elif option is not None and not isinstance(option, _Negated):
                nodes.append(option)
        if len(nodes) <= 1:
            return nodes[0] if nodes else None
        return _Any(tuple(nodes))

    def parse_unary(self) -> _Node | _Negated | None:
        if self.peek().kind not in (_Kind.MINUS, _Kind.NOT):
            return self.parse_near()
        operator = "NOT" if self.advance().kind is _Kind.NOT else "-"
        following = self.peek().kind
        if following in (_Kind.MINUS, _Kind.NOT):
            raise _double_negation()
        if following in (_Kind.END, _Kind.RPAREN, _Kind.OR, _Kind.AND):
            raise _malformed(
                f"{operator} needs a word after it", "write mines NOT coal, or mines -coal"
            )
        node = self.parse_near()
        if _only_excludes(node):
            raise _double_negation()
        return None if node is None else _Negated(node)

    def parse_near(self) -> _Node | None:
        operands = [self.parse_primary()]
        distances: set[int] = set()
        while self.peek().kind is _Kind.NEAR and not self._near_group_ahead():
            operator = self.advance()
            if self.peek().kind not in (_Kind.WORD, _Kind.PHRASE, _Kind.LPAREN, _Kind.COLUMN):
                raise _dangling("NEAR")
            operands.append(self.parse_primary())
            distances.add(DEFAULT_NEAR_DISTANCE if operator.distance is None else operator.distance)
        if len(operands) == 1:
            return operands[0]
        if len(distances) > 1:
            raise _malformed(
                "one chain of NEAR has different distances",
                "give them one distance, e.g. NEAR(landmine clearance ukraine, 5)",
            )
        for operand in operands:
            if operand is not None and not isinstance(operand, _Phrase):
                raise _near_takes_terms()
        phrases = tuple(o for o in operands if isinstance(o, _Phrase))
        if len(phrases) <= 1:
            return phrases[0] if phrases else None
        return _Near(phrases, distances.pop())

    def _near_group_ahead(self) -> bool:
        following = self.peek(1)
        return following.kind is _Kind.LPAREN and following.glued

    def parse_primary(self) -> _Node | None:
        token = self.peek()
        if token.kind in (_Kind.WORD, _Kind.PHRASE):
            self.advance()
            return _phrase(token)
        if token.kind is _Kind.LPAREN:
            return self.parse_group()
        if token.kind is _Kind.COLUMN:
            return self.parse_column()
        if token.kind is _Kind.NEAR and self.peek(1).kind is _Kind.LPAREN:
            return self.parse_near_group()
        if token.kind is _Kind.RPAREN:
            raise _stray_close()
        if token.kind in (_Kind.MINUS, _Kind.NOT):
            raise _near_takes_terms()
        raise _dangling(token.text or "NEAR")

    def parse_group(self) -> _Node | None:
        self.advance()
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise _malformed(f"parentheses nest deeper than {MAX_NESTING}", "flatten the query")
        if self.peek().kind is _Kind.RPAREN:
            raise _malformed("() is empty", "put words inside the parentheses or remove them")
        node = self.parse_and()
        if self.peek().kind is not _Kind.RPAREN:
            raise _unclosed()
        self.advance()
        self.depth -= 1
        return node

    def parse_column(self) -> _Node | None:
        name = self.advance().text
        following = self.peek().kind
        if following in (_Kind.MINUS, _Kind.NOT):
            raise _malformed(
                f"an exclusion cannot follow {name}:", f"put it in front: -{name}:coal"
            )
        if following not in (_Kind.WORD, _Kind.PHRASE, _Kind.LPAREN, _Kind.COLUMN, _Kind.NEAR):
            raise _malformed(
                f"{name}: needs a word, phrase or group after it",
                f'write {name}:ottawa or {name}:"mine ban treaty"',
            )
        node = self.parse_near()
        if _only_excludes(node):
            raise _malformed(
                f"{name}:(…) only excludes words",
                f"put the exclusion outside, e.g. mines -{name}:coal",
            )
        return None if node is None else _Column(name, node)

    def parse_near_group(self) -> _Node | None:
        self.advance()
        self.advance()
        phrases: list[_Phrase] = []
        distance = DEFAULT_NEAR_DISTANCE
        empty = True
        while True:
            token = self.advance()
            if token.kind in (_Kind.WORD, _Kind.PHRASE):
                empty = False
                phrase = _phrase(token)
                if phrase is not None:
                    phrases.append(phrase)
            elif token.kind is _Kind.COMMA:
                digits = self.advance()
                if digits.kind is not _Kind.WORD or not _DISTANCE.fullmatch(digits.text):
                    raise _malformed(
                        "the NEAR distance must be a whole number",
                        "write NEAR(withdraw* ottawa, 5)",
                    )
                distance = _near_distance(digits.text)
                if self.advance().kind is not _Kind.RPAREN:
                    raise _malformed(
                        "NEAR(…) must end with its distance and a )",
                        "write NEAR(withdraw* ottawa, 5)",
                    )
                break
            elif token.kind is _Kind.RPAREN:
                break
            elif token.kind is _Kind.END:
                raise _unclosed()
            else:
                raise _near_takes_terms()
        if empty:
            raise _malformed("NEAR() is empty", f"write {_EXAMPLE_NEAR}")
        if len(phrases) <= 1:
            return phrases[0] if phrases else None
        return _Near(tuple(phrases), distance)


def _phrase(token: _Token) -> _Phrase | None:
    if not any(_is_indexed_char(char) for char in token.text):
        return None
    return _Phrase(token.text, token.prefix)


def _conjunction(units: list[_Node | _Negated | None]) -> _Node | None:
    """One AND group: what it must contain, and what it must not; nested groups merge in."""
    include: list[_Node] = []
    exclude: list[_Node] = []
    for unit in units:
        if isinstance(unit, _Negated):
            exclude.append(unit.node)
        elif isinstance(unit, _All):
            include.extend(unit.include)
            exclude.extend(unit.exclude)
        elif unit is not None:
            include.append(unit)
    if not exclude and len(include) <= 1:
        return include[0] if include else None
    return _All(tuple(include), tuple(exclude))


def _dangling(operator: str) -> UsageError:
    examples = {
        "OR": 'write ottawa OR treaty; to search for the word itself, quote it: "OR"',
        "AND": "write ottawa AND treaty (or just ottawa treaty)",
        "NEAR": f"write {_EXAMPLE_NEAR}",
    }
    return _malformed(
        f"{operator} needs a term on each side",
        examples.get(operator, "remove it or add the missing term"),
    )


def _double_negation() -> UsageError:
    return _malformed("a term is excluded twice", "keep a single - or NOT, e.g. mines -coal")


def _near_takes_terms() -> UsageError:
    return _malformed(
        "NEAR joins only plain words, phrases and prefixes",
        "write NEAR(withdraw* ottawa, 5); for one column put the filter in front: "
        "title:NEAR(withdraw* ottawa)",
    )


def _stray_close() -> UsageError:
    return _malformed('a ")" has no matching "("', 'remove it or add the "(" it closes')


def _unclosed() -> UsageError:
    return _malformed('a "(" is not closed', 'add the missing ")" or remove the "("')


# --- tree -> FTS5 ------------------------------------------------------------------------------


def _quote(phrase: _Phrase) -> str:
    return '"' + phrase.text.replace('"', '""') + '"' + ("*" if phrase.prefix else "")


def _emit(node: _Node, nested: bool) -> str:
    if isinstance(node, _Phrase):
        return _quote(node)
    if isinstance(node, _Near):
        return f"NEAR({' '.join(_quote(p) for p in node.phrases)}, {node.distance})"
    if isinstance(node, _Column):
        text = f"{node.name} : {_emit(node.node, nested=True)}"
        return f"({text})" if nested else text
    if isinstance(node, _Any):
        text = " OR ".join(_emit(child, nested=True) for child in node.nodes)
    else:
        text = " AND ".join(_emit(child, nested=True) for child in node.include)
        if node.exclude:
            if len(node.include) > 1:
                text = f"({text})"
            excluded = " OR ".join(_emit(child, nested=True) for child in node.exclude)
            text += f" NOT ({excluded})" if len(node.exclude) > 1 else f" NOT {excluded}"
    return f"({text})" if nested else text
