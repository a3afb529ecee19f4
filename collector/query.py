"""The arXiv query language of roadmap.yaml: parse to an AST, print it back for the arXiv API, group it.

Grammar (operators must be upper case, as arXiv requires)::

    expr    := and_expr ('OR' and_expr)*
    and_expr:= primary (('AND' | 'ANDNOT') primary)*
    primary := term | '(' expr ')'
    term    := FIELD ':' (WORD | '"' PHRASE '"')      FIELD in ti abs all au cat co jr

Precedence: AND and ANDNOT bind equally and tighter than OR; all three are left-associative, so
`ti:a OR ti:b AND ti:c` is `ti:a OR (ti:b AND ti:c)` and `ti:a ANDNOT ti:b AND ti:c` is
`(ti:a ANDNOT ti:b) AND ti:c`. `to_arxiv` parenthesises wherever arXiv's own (undocumented) precedence
could read it differently, so the string sent upstream means the same as the AST.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

FIELDS = ("ti", "abs", "all", "au", "cat", "co", "jr")
OPERATORS = ("AND", "OR", "ANDNOT")
# archive (astro-ph, cs) with an optional subject class (cs.LG, cond-mat.stat-mech, physics.ao-ph)
_CATEGORY_RE = re.compile(r"[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[a-z]+)?)?")
_WORD_CHARS_RE = re.compile(r"[^\W_]")
_DELIMITERS = '()"'

Op = Literal["AND", "OR", "ANDNOT"]


@dataclass(frozen=True, slots=True)
class Term:
    """One `field:value` leaf; `phrase` is True when the value was quoted."""

    field: str
    value: str
    phrase: bool


@dataclass(frozen=True, slots=True)
class BoolOp:
    """`left op right`; ANDNOT means left AND NOT right."""

    op: Op
    left: Node
    right: Node


Node = Term | BoolOp


class QuerySyntaxError(ValueError):
    """A query that does not parse; `position` is the 0-based offset, the message shows a 1-based column."""

    def __init__(self, message: str, position: int) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} at column {position + 1}")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["(", ")", "OP", "TERM"]
    text: str
    position: int
    term: Term | None = None


# ---------------------------------------------------------------- lexing


def _tokens(text: str) -> Iterator[_Token]:
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
        elif char == "(":
            yield _Token("(", char, position)
            position += 1
        elif char == ")":
            yield _Token(")", char, position)
            position += 1
        elif char == '"':
            raise QuerySyntaxError('a quoted phrase needs a field prefix, e.g. ti:"..."', position)
        else:
            token, position = _read_word(text, position)
            yield token


def _read_word(text: str, start: int) -> tuple[_Token, int]:
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in _DELIMITERS:
        end += 1
    word = text[start:end]
    if word in OPERATORS:
        return _Token("OP", word, start), end
    if word.upper() in OPERATORS:
        raise QuerySyntaxError(f"operator {word!r} must be upper case: write {word.upper()!r}", start)
    field, colon, value = word.partition(":")
    if not colon:
        raise QuerySyntaxError(f"bare word {word!r} needs a field prefix, e.g. all:{word}", start)
    _check_field(field, start)
    if end < len(text) and text[end] == '"':
        if value:
            raise QuerySyntaxError("unexpected '\"' inside a value; quote the whole phrase", end)
        return _read_phrase(text, start, field, end)
    return _Token("TERM", word, start, _word_term(field, value, start)), end


def _read_phrase(text: str, start: int, field: str, quote: int) -> tuple[_Token, int]:
    close = text.find('"', quote + 1)
    if close < 0:
        raise QuerySyntaxError("unclosed quote", quote)
    phrase = " ".join(text[quote + 1 : close].split())
    if not phrase:
        raise QuerySyntaxError(f"empty phrase after {field}:", quote)
    if field == "cat":
        raise QuerySyntaxError("cat: takes a bare category such as cs.LG, not a quoted phrase", quote)
    _check_has_word(phrase, quote + 1)
    return _Token("TERM", text[start : close + 1], start, Term(field, phrase, True)), close + 1


def _check_field(field: str, position: int) -> None:
    if field not in FIELDS:
        raise QuerySyntaxError(f"unknown field {field!r} (known: {', '.join(FIELDS)})", position)


def _word_term(field: str, value: str, position: int) -> Term:
    value_at = position + len(field) + 1
    if not value:
        raise QuerySyntaxError(f"missing value after {field}:", value_at)
    if ":" in value:
        raise QuerySyntaxError(f"unexpected ':' in value {value!r}; quote it or split the term", value_at)
    if field == "cat" and not _CATEGORY_RE.fullmatch(value):
        raise QuerySyntaxError(f"malformed category {value!r} (expected e.g. cs.LG, stat.ML or cs)", value_at)
    _check_has_word(value, value_at)
    return Term(field, value, False)


def _check_has_word(value: str, position: int) -> None:
    if not _WORD_CHARS_RE.search(value):
        raise QuerySyntaxError(f"value {value!r} has no letters or digits", position)


# ---------------------------------------------------------------- parsing


class _Parser:
    """Recursive descent over the token list; `end` is the position reported for a missing operand."""

    def __init__(self, text: str) -> None:
        self.tokens = list(_tokens(text))
        self.index = 0
        self.end = len(text.rstrip())

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError("empty query", 0)
        node = self.expr()
        token = self.peek()
        if token is not None:
            raise self.unexpected(token)
        return node

    def expr(self) -> Node:
        node = self.and_expr()
        while (token := self.peek()) is not None and token.text == "OR" and token.kind == "OP":
            self.take()
            node = BoolOp("OR", node, self.and_expr(after=token))
        return node

    def and_expr(self, after: _Token | None = None) -> Node:
        node = self.primary(after)
        while (token := self.peek()) is not None and token.kind == "OP" and token.text != "OR":
            self.take()
            node = BoolOp("AND" if token.text == "AND" else "ANDNOT", node, self.primary(after=token))
        return node

    def primary(self, after: _Token | None) -> Node:
        token = self.peek()
        if token is None:
            raise self.missing_operand(after)
        if token.kind == "TERM" and token.term is not None:
            self.take()
            return token.term
        if token.kind == "(":
            return self.group()
        if token.kind == "OP" and after is not None:
            raise QuerySyntaxError(
                f"expected a term after {after.text!r}, found {token.text!r}", token.position
            )
        if token.kind == "OP":
            raise QuerySyntaxError(f"operator {token.text!r} has no left operand", token.position)
        raise self.unexpected(token)

    def group(self) -> Node:
        opening = self.take()
        if (token := self.peek()) is not None and token.kind == ")":
            raise QuerySyntaxError("empty parentheses", opening.position)
        node = self.expr()
        closing = self.peek()
        if closing is None:
            raise QuerySyntaxError("unclosed '('", opening.position)
        if closing.kind != ")":
            raise self.unexpected(closing)
        self.take()
        return node

    def missing_operand(self, after: _Token | None) -> QuerySyntaxError:
        if after is None:
            return QuerySyntaxError("expected a term at end of query", self.end)
        return QuerySyntaxError(f"operator {after.text!r} has no right operand", after.position)

    def unexpected(self, token: _Token) -> QuerySyntaxError:
        if token.kind == ")":
            return QuerySyntaxError("unexpected ')'", token.position)
        return QuerySyntaxError(f"expected AND, OR or ANDNOT before {token.text!r}", token.position)


def parse_query(text: str) -> Node:
    """Parse an arXiv query; raises QuerySyntaxError naming the problem and its position."""
    return _Parser(text).parse()


# ---------------------------------------------------------------- printing and inspecting


def to_arxiv(node: Node) -> str:
    """The canonical query string for the arXiv API; `parse_query(to_arxiv(n)) == n`."""
    if isinstance(node, Term):
        return f'{node.field}:"{node.value}"' if node.phrase else f"{node.field}:{node.value}"
    left = to_arxiv(node.left)
    # a left operand under the same associative operator needs no parentheses: the parse is left-assoc
    flat = isinstance(node.left, BoolOp) and node.left.op == node.op and node.op != "ANDNOT"
    if isinstance(node.left, BoolOp) and not flat:
        left = f"({left})"
    return f"{left} {node.op} {_operand(node.right)}"


def _operand(node: Node) -> str:
    return f"({to_arxiv(node)})" if isinstance(node, BoolOp) else to_arxiv(node)


def terms(node: Node) -> Iterator[Term]:
    """Every term of the query, left to right."""
    if isinstance(node, Term):
        yield node
    else:
        yield from terms(node.left)
        yield from terms(node.right)


def categories(node: Node) -> set[str]:
    """All `cat:` values of the query (for the listing-feed URL)."""
    return {term.value for term in terms(node) if term.field == "cat"}


# ---------------------------------------------------------------- grouping for the arXiv API

_OR = " OR "


def combine_or(nodes: Sequence[Node]) -> str:
    """OR several queries into one arXiv query string; each compound operand is parenthesised."""
    if not nodes:
        raise ValueError("combine_or needs at least one query")
    return _OR.join(_operand(node) for node in nodes)


def group_queries(items: Sequence[tuple[str, Node]], max_chars: int) -> list[tuple[list[str], str]]:
    """Pack (topic id, query) pairs into few OR-ed query strings of at most `max_chars` each.

    First-fit decreasing by length (ties by input order), so the result is deterministic. A single query
    longer than `max_chars` gets a group of its own. Groups come in the order of their first topic, and
    topics inside a group in input order.
    """
    parts = [_operand(node) for _, node in items]
    order = sorted(range(len(items)), key=lambda i: (-len(parts[i]), i))
    bins: list[list[int]] = []
    sizes: list[int] = []
    for i in order:
        slot = next((b for b, size in enumerate(sizes) if size + len(_OR) + len(parts[i]) <= max_chars), None)
        if slot is None:
            bins.append([i])
            sizes.append(len(parts[i]))
        else:
            bins[slot].append(i)
            sizes[slot] += len(_OR) + len(parts[i])
    groups = sorted(sorted(members) for members in bins)
    return [([items[i][0] for i in members], _OR.join(parts[i] for i in members)) for members in groups]
