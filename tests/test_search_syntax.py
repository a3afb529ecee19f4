"""The search box's syntax (db.search_syntax): read once, written back as FTS5 text that SQLite's own FTS5
answers exactly as it answers the user's text whenever FTS5 can read that text itself."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.search import fts_query, plain_query
from db.search_syntax import All, Any_, Not, SearchQueryError, Term, parse

A, B, C = Term("a", bare=True), Term("b", bare=True), Term("c", bare=True)


def test_words_phrases_prefixes_and_columns() -> None:
    assert parse('low-rank "large language" quantiz* title:lora') == All(
        (
            Term("low-rank"),
            Term("large language"),
            Term("quantiz", prefix=True, bare=True),
            Term("lora", column="title", bare=True),
        )
    )
    assert parse("   ") is None and parse('- "" ...') is None  # nothing to search for


def test_precedence_is_fts5s() -> None:
    """Side by side binds tightest, then NOT, then AND, then OR."""
    assert parse("a OR b NOT c") == Any_((A, Not(B, C)))
    assert parse("a NOT b c") == Not(A, All((B, C)))
    assert parse("a NOT b AND c") == All((Not(A, B), C))
    assert parse("a NOT b NOT c") == Not(Not(A, B), C)
    assert parse("(a OR b) c") == All((Any_((A, B)), C))


def test_terms_without_letters_are_dropped_like_fts5_drops_them() -> None:
    assert parse('a - "" OR b') == Any_((A, B))
    assert parse("a NOT -") == A


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("diffusion AND", "AND needs something on each side"),
        ("NOT video", "NOT needs something on each side"),
        ("a OR OR b", "OR needs something on each side"),
        ('"unclosed phrase', "a quote is not closed"),
        ("(a OR b", "the parentheses do not pair up"),
        ("a ) (", "unexpected ')'"),
        ("()", "nothing between the parentheses"),
    ],
)
def test_unreadable_text_says_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(SearchQueryError, match="Could not read") as raised:
        parse(text)
    assert why in str(raised.value) and 'e.g. "low-rank"' in str(raised.value)


def test_fts5_text_quotes_punctuation_and_makes_groups_explicit() -> None:
    assert fts_query("low-rank adaptation") == '"low-rank" adaptation'
    assert fts_query('say "a ""b"" c"') == 'say "a " "b" " c"'  # a doubled quote ends the phrase
    assert fts_query("(a OR b) c") == "(a OR b) AND c"  # FTS5 itself refuses `(a OR b) c`
    assert fts_query("a NOT b c OR d") == "(a NOT (b c)) OR d"
    assert plain_query('a "b') == '"a" """b"'


# -- the same answers as FTS5 on every query FTS5 reads -------------------------------------------------
DOCUMENTS = [" ".join(words) for n in range(5) for words in itertools.combinations("abcd", n)]
TOKENS = ["a", "b", "c", "d", "AND", "OR", "NOT", "(", ")", '"a b"', "b*", "title:a", "abstract:c", "x-y"]


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    """Every subset of four words as a title, its reverse (every other one) as the abstract."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE f USING fts5(title, abstract, tokenize='unicode61')")
    rows = [(i, text, text[::-1] if i % 2 else "") for i, text in enumerate(DOCUMENTS)]
    connection.executemany("INSERT INTO f(rowid, title, abstract) VALUES (?, ?, ?)", rows)
    yield connection
    connection.close()


def found(connection: sqlite3.Connection, query: str) -> list[int]:
    sql = "SELECT rowid FROM f WHERE f MATCH ? ORDER BY rowid"
    return [row[0] for row in connection.execute(sql, (query,))]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8))
def test_fts5_answers_the_written_query_as_it_answers_the_text(
    fts: sqlite3.Connection, tokens: list[str]
) -> None:
    text = " ".join(tokens)
    try:
        expected = found(fts, text)
    except sqlite3.OperationalError:
        return  # FTS5 cannot read it; ours may (e.g. `(a OR b) c`), which the cases above pin down
    node = parse(text)  # whatever FTS5 reads, we read
    assert node is not None
    assert found(fts, fts_query(text)) == expected
