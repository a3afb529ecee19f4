"""The search box's syntax, read once for both databases: FTS5's query language, parsed into a small tree.

    words          every word must occur (`diffusion video`)
    "a phrase"     the words next to each other; a word with punctuation (`low-rank`, `GPT-4o`) is one
    OR, AND, NOT   upper case only; NOT keeps the left side without the right (`diffusion NOT video`)
    ( … )          grouping
    prefix*        any word starting with `prefix`
    title:word     the word in the title only (`abstract:` likewise)

Precedence is FTS5's: words side by side bind tightest, then NOT, then AND, then OR, so
`a OR b NOT c d` reads `a OR (b NOT (c d))`. SQLite gets the tree back as FTS5 text (db.search), with
groups parenthesised and explicit ANDs where FTS5 would not accept words beside a group; PostgreSQL gets
it as a tsquery expression (db.search_postgres). Terms without a letter or digit (`-`, `""`) are dropped,
as FTS5 drops them. Text that cannot be read raises SearchQueryError naming what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# A quoted string (maybe unclosed), a parenthesis, or a run of anything else.
TOKEN = re.compile(r'"[^"]*"?|[()]|[^\s()"]+')
# What FTS5 reads unquoted: a bareword (letters, digits, _, non-ASCII), maybe a column and a prefix star.
BAREWORD = re.compile(r"(?:(title|abstract):)?([\w\u0080-\U0010ffff]+)(\*?)")
OPERATORS = ("AND", "OR", "NOT")
HELP = (
    'Use plain words, "quoted phrases", OR, NOT and prefix* — and quote words with punctuation, '
    'e.g. "low-rank".'
)


class SearchQueryError(ValueError):
    """Search text that the full-text engine cannot read; the message says how to write it."""


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase; `bare` when FTS5 may read it unquoted; `column` is "title", "abstract" or None."""

    text: str
    prefix: bool = False
    column: str | None = None
    bare: bool = False


@dataclass(frozen=True, slots=True)
class All:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    keep: Node
    drop: Node


Node = Term | All | Any_ | Not


# What a run of dropped terms (`-`, `""`) leaves: nothing to search for, but not a missing operand.
DROPPED = All(())


def term(token: str) -> Node:
    """The term a token (a closed quote, a bareword or other text) stands for; DROPPED for one without a
    letter or digit (FTS5 ignores those)."""
    if token.startswith('"'):
        found = Term(token[1:-1])
    elif bare := BAREWORD.fullmatch(token):
        found = Term(bare[2], prefix=bool(bare[3]), column=bare[1], bare=True)
    else:
        found = Term(token)
    return found if any(ch.isalnum() for ch in found.text) else DROPPED


class Parser:
    """Recursive descent over the tokens, one method per level of precedence; None is a missing operand."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[str] = TOKEN.findall(text)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str | None:
        token = self.peek()
        self.at += 1
        return token

    def fail(self, why: str) -> SearchQueryError:
        return SearchQueryError(f"Could not read {self.text!r} as a search ({why}). {HELP}")

    def query(self) -> Node | None:
        if self.tokens.count("(") != self.tokens.count(")"):
            raise self.fail("the parentheses do not pair up")
        found = self.any_()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()!r}")
        return None if found is None or found == DROPPED else found

    def any_(self) -> Node | None:
        return combine(Any_, self.joined("OR", self.all_))

    def all_(self) -> Node | None:
        return combine(All, self.joined("AND", self.not_))

    def joined(self, operator: str, operand: Callable[[], Node | None]) -> list[Node | None]:
        parts = [operand()]
        while self.peek() == operator:
            self.take()
            parts.append(operand())
        if len(parts) > 1 and None in parts:
            raise self.fail(f"{operator} needs something on each side")
        return parts

    def not_(self) -> Node | None:
        keep = self.side_by_side()
        while self.peek() == "NOT":
            self.take()
            drop = self.side_by_side()
            if keep is None or drop is None:
                raise self.fail("NOT needs something on each side")
            keep = keep if DROPPED in (keep, drop) else Not(keep, drop)
        return keep

    def side_by_side(self) -> Node | None:
        parts: list[Node | None] = []
        while (token := self.peek()) is not None and token not in (*OPERATORS, ")"):
            parts.append(self.primary())
        return combine(All, parts)

    def primary(self) -> Node:
        token = self.take() or ""
        if token.startswith('"') and (len(token) < 2 or not token.endswith('"')):
            raise self.fail("a quote is not closed")
        if token != "(":
            return term(token)
        inside = self.any_()
        if self.take() != ")":
            raise self.fail("a parenthesis is not closed")
        if inside is None:
            raise self.fail("nothing between the parentheses")
        return inside


def combine(kind: type[All] | type[Any_], parts: list[Node | None]) -> Node | None:
    """`parts` joined by `kind` without the dropped ones; None when every one is missing."""
    if all(part is None for part in parts):
        return None
    kept = tuple(part for part in parts if part is not None and part != DROPPED)
    if len(kept) <= 1:
        return kept[0] if kept else DROPPED
    return kind(kept)


def parse(text: str) -> Node | None:
    """The search as a tree; None when it holds no word to search for."""
    return Parser(text).query()


# -- FTS5 ---------------------------------------------------------------------------------------------
def fts5(node: Node) -> str:
    """The tree as FTS5 query text: quoted where needed, composite operands parenthesised."""
    if isinstance(node, Term):
        return fts5_term(node)
    if isinstance(node, Not):
        return f"{wrapped(node.keep)} NOT {wrapped(node.drop)}"
    if isinstance(node, Any_):
        return " OR ".join(wrapped(part) for part in node.parts)
    if all(isinstance(part, Term) for part in node.parts):
        return " ".join(fts5_term(part) for part in node.parts)  # type: ignore[arg-type]
    return " AND ".join(wrapped(part) for part in node.parts)  # FTS5 refuses `a (b OR c)`


def wrapped(node: Node) -> str:
    return fts5(node) if isinstance(node, Term) else f"({fts5(node)})"


def fts5_term(node: Term) -> str:
    if not node.bare:
        return quoted(node.text)
    column = f"{node.column}:" if node.column else ""
    return f"{column}{node.text}{'*' if node.prefix else ''}"


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
