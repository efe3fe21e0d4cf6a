"""A parser for the subset of Solr/Lucene query syntax CKAN clients send in ``q`` and ``fq``.

Supported: ``field:value``, ``field:"phrase"``, ``field:(a OR b)``, bare terms and phrases, ``AND OR NOT && || !``,
``+must -mustnot``, parentheses, ranges ``[a TO b]`` / ``{a TO b}`` with ``*``, wildcards ``europ*``, ``*:*``,
``\\`` escapes; boosts (``^2``) and fuzziness (``~``) are accepted and ignored.

Precedence: ``OR`` binds tighter than ``AND``/juxtaposition, so the harvester's
``+capacity:public organization:a OR organization:b metadata_modified:[X TO *]`` reads as
capacity AND (a OR b) AND range — what the caller means. (Lucene's own parser would turn the OR terms into
optional clauses that no longer filter at all.)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.errors import SearchError, SearchQueryError


@dataclass(frozen=True)
class All:
    pass


@dataclass(frozen=True)
class Term:
    field: str | None  # None: the default full-text field
    value: str
    kind: str  # "word", "phrase", "wildcard", "exists"


@dataclass(frozen=True)
class Range:
    field: str | None
    low: str | None  # None: open end (*)
    high: str | None
    include_low: bool
    include_high: bool


@dataclass(frozen=True)
class Not:
    node: object


@dataclass(frozen=True)
class And:
    nodes: tuple


@dataclass(frozen=True)
class Or:
    nodes: tuple


_TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<lparen>\() | (?P<rparen>\)) | (?P<and>&&) | (?P<or>\|\|)
  | (?P<phrase>"(?:[^"\\]|\\.)*")(?:~\d+)?(?:\^[\d.]+)?
  | (?P<range>[\[{](?:[^\]}\\]|\\.)*[\]}])(?:\^[\d.]+)?
  | (?P<word>(?:[^\s()"\[\]{}\\]|\\.)+)
""", re.VERBOSE)
_FIELD = re.compile(r"^([A-Za-z_][\w.\-]*|\*):(.*)$", re.S)
_RANGE = re.compile(r"^([\[{])\s*(.*?)\s+TO\s+(.*?)\s*([\]}])$", re.S)


def parse(text: str) -> object:
    """The query tree of ``text``; raises SearchError on a syntax error."""
    tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in _TOKEN.finditer(text) if m.lastgroup != "ws"]
    consumed = sum(len(m.group(0)) for m in _TOKEN.finditer(text))
    if consumed != len(text):
        raise SearchError(f"Cannot parse '{text}'")
    parser = _Parser(tokens, text)
    node = parser.expression(None)
    if parser.pos != len(tokens):
        raise SearchError(f"Cannot parse '{text}': unexpected {tokens[parser.pos][1]!r}")
    return node


def has_field(text: str) -> bool:
    """CKAN sends a ``q`` with a colon to the Lucene parser, without one to DisMax (plain words)."""
    return ":" in text


MAX_DEPTH = 64  # levels of groups and NOT/+/- prefixes (a parenthesis counts two): deeper is a 400


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], text: str):
        self.tokens, self.text, self.pos, self.depth = tokens, text, 0, 0

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SearchQueryError(f"query nested deeper than {MAX_DEPTH} levels")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expression(self, field: str | None) -> object:
        self.deeper()
        nodes = []
        while (tok := self.peek()) is not None and tok[0] != "rparen":
            if tok in (("word", "AND"), ("and", "&&")):
                self.take()
                continue
            nodes.append(self.disjunction(field))
        if not nodes:
            raise SearchError(f"Cannot parse '{self.text}': empty expression")
        self.depth -= 1
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def disjunction(self, field: str | None) -> object:
        nodes = [self.unary(field)]
        while self.peek() in (("word", "OR"), ("or", "||")):
            self.take()
            nodes.append(self.unary(field))
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def unary(self, field: str | None) -> object:
        self.deeper()
        try:
            return self._unary(field)
        finally:
            self.depth -= 1

    def _unary(self, field: str | None) -> object:
        kind, value = self.peek() or ("", "")
        if (kind, value) in (("word", "NOT"), ("word", "!")):
            self.take()
            return Not(self.unary(field))
        if kind == "word" and value[0] in "+-!" and len(value) > 1:
            self.tokens[self.pos] = ("word", value[1:])  # split the prefix operator off its term
            inner = self.unary(field)
            return inner if value[0] == "+" else Not(inner)
        if kind == "word" and value in "+-":
            self.take()
            inner = self.unary(field)
            return inner if value == "+" else Not(inner)
        return self.primary(field)

    def primary(self, field: str | None) -> object:
        if self.peek() is None:
            raise SearchError(f"Cannot parse '{self.text}': unexpected end")
        kind, value = self.take()
        if kind == "lparen":
            node = self.expression(field)
            if self.peek() is None or self.take()[0] != "rparen":
                raise SearchError(f"Cannot parse '{self.text}': missing )")
            return node
        if kind == "word" and (m := _FIELD.match(value)) and not value.startswith("\\"):
            return self.fielded(m.group(1), m.group(2))
        return _value(field, kind, value, self.text)

    def fielded(self, field: str, rest: str) -> object:
        if field == "*":
            return All() if rest == "*" else _value(None, "word", rest, self.text)
        if rest:
            return _value(field, "word", rest, self.text)
        nxt = self.peek()
        if nxt is None:
            raise SearchError(f"Cannot parse '{self.text}': missing value for {field}")
        if nxt[0] == "lparen":
            self.take()
            node = self.expression(field)
            if self.peek() is None or self.take()[0] != "rparen":
                raise SearchError(f"Cannot parse '{self.text}': missing )")
            return node
        kind, value = self.take()
        return _value(field, kind, value, self.text)


def _value(field: str | None, kind: str, value: str, text: str) -> object:
    if kind == "phrase":
        return Term(field, _unescape(value[1:value.rindex('"')]), "phrase")
    if kind == "range":
        m = _RANGE.match(value.split("^")[0])
        if not m:
            raise SearchError(f"Cannot parse '{text}': bad range {value}")
        low, high = (None if v == "*" else _unescape(v.strip('"')) for v in (m.group(2), m.group(3)))
        return Range(field, low, high, m.group(1) == "[", m.group(4) == "]")
    if kind != "word":
        raise SearchError(f"Cannot parse '{text}': unexpected {value!r}")
    value = re.sub(r"(?<!\\)[\^~][\d.]*$", "", value)  # boost / fuzziness: ignored
    if value == "*":
        return Term(field, "*", "exists") if field else All()
    if re.search(r"(?<!\\)[*?]", value):
        return Term(field, value, "wildcard")
    return Term(field, _unescape(value), "word")


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)
