"""'Did you mean': a search's words that match nothing, each replaced by the closest word the index knows.

The words known are those of the full-text index (SQLite: FTS5's vocabulary through a temporary
`fts5vocab` table; PostgreSQL: `ts_stat` over the vectors of the VOCABULARY_SAMPLE newest papers) that
start with the same two letters, plus every word of the topics' English names and aliases. FTS5's
vocabulary holds porter stems (`transform` for `transformer`), so a stem chosen there is shown as the
word it was stemmed from, read back from a few papers through highlight(). A suggestion is made only when
it finds papers under the same filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from rapidfuzz.distance import OSA
from sqlalchemy import func, literal_column, select, text
from sqlalchemy.orm import Session

from db.records import MARK_END, MARK_START, SearchFilters
from db.schema import TOPICS
from db.search import FTS, SEARCH_TABLE, matching, search_results
from db.search_syntax import All, Any_, Node, Not, SearchQueryError, Term, parse, quoted

# Words worth correcting: letters only, four or more (shorter ones have too many close neighbours).
WORD = re.compile(r"[^\W\d_]{4,}")
MIN_DOCS = 3  # a word of fewer papers is as likely a typo as the one typed
VOCABULARY_SAMPLE = 20_000
VOCAB_TABLE = f"temp.{SEARCH_TABLE}_vocab"
PG_VOCABULARY = text(
    "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM papers WHERE search_vector IS NOT NULL"
    f" ORDER BY published DESC LIMIT {VOCABULARY_SAMPLE}')"
    " WHERE word >= :low AND word < :high AND ndoc >= :least"
)
SQLITE_VOCABULARY = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCAB_TABLE} USING fts5vocab(main, {SEARCH_TABLE}, 'row')",
    f"SELECT term, doc FROM {VOCAB_TABLE} WHERE term >= :low AND term < :high AND doc >= :least",
)
ANYWHERE = SearchFilters((), None, None)
# A one-word porter index and its vocabulary, in the connection's temporary schema, emptied before use.
STEMMER = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.radar_stemmer USING fts5(word,"
    " tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.radar_stems USING fts5vocab(temp, radar_stemmer, 'row')",
    "DELETE FROM temp.radar_stemmer",
)


def did_you_mean(
    session: Session,
    query: str,
    topic_ids: tuple[str, ...] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> str | None:
    """`query` with each word that matches no paper replaced by the closest known word; None when nothing
    was replaced or the new query finds nothing either (under the same filters)."""
    fixed = query
    for word in dict.fromkeys(w.casefold() for w in query_words(query)):
        if found(session, quoted(word)):
            continue
        better = correction(session, word)
        if better is not None:
            fixed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", better, fixed, flags=re.IGNORECASE)
    if fixed == query or not found(session, fixed, SearchFilters(topic_ids, since, until)):
        return None
    return fixed


def query_words(query: str) -> list[str]:
    """The words of the search's terms (operators and punctuation left out); the text's words when the
    search cannot be read."""
    try:
        node = parse(query)
    except SearchQueryError:
        return WORD.findall(query)
    return [word for term in terms(node) for word in WORD.findall(term.text)] if node else []


def terms(node: Node) -> Iterator[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from terms(node.keep)
        yield from terms(node.drop)
    else:
        assert isinstance(node, All | Any_)
        for part in node.parts:
            yield from terms(part)


def found(session: Session, query: str, filters: SearchFilters = ANYWHERE) -> bool:
    try:
        results = search_results(session, query, *filters, limit=0, counted=False, snippets=False)
    except SearchQueryError:
        return False
    return results.ranked > 0


def correction(session: Session, word: str) -> str | None:
    """The known word fewest edits away from `word` (a swap of two letters is one), if few enough; ties go
    to the word in more papers. Index words are compared in the index's own form (on SQLite the typed
    word's porter stem against the stems), topic words as written."""
    typed = indexed_form(session, word)
    indexed = index_words(session, typed)
    scored = [(OSA.distance(typed, term), -docs, term, True) for term, docs in indexed.items()]
    for named in topic_words(session):
        if named[:2] == word[:2] and OSA.distance(word, named) <= edits(word):
            docs = indexed.get(indexed_form(session, named), 0)
            scored.append((OSA.distance(word, named), -docs, named, False))
    best = min((s for s in scored if s[0] <= edits(word)), default=None)
    if best is None:
        return None
    _, _, chosen, from_index = best
    return surface_word(session, chosen, word) if from_index else chosen


def edits(word: str) -> int:
    """How many edits a correction may make: one in a short word, two in a longer one."""
    return 1 if len(word) <= 5 else 2


def indexed_form(session: Session, word: str) -> str:
    """`word` as the index holds words: FTS5's porter stem on SQLite, read back from a temporary index of
    that one word; the word itself on PostgreSQL."""
    if session.get_bind().dialect.name != "sqlite":
        return word
    for statement in STEMMER:
        session.execute(text(statement))
    session.execute(text("INSERT INTO temp.radar_stemmer(word) VALUES (:word)"), {"word": word})
    stem = session.execute(text("SELECT term FROM temp.radar_stems")).scalar()
    return str(stem or word)


def index_words(session: Session, typed: str) -> dict[str, int]:
    """The index's words (SQLite: stems) that start with `typed`'s first two letters and are in MIN_DOCS
    papers or more, with how many papers hold them."""
    low = typed[:2]
    bounds = {"low": low, "high": low + "\U0010ffff", "least": MIN_DOCS}
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(SQLITE_VOCABULARY[0]))
        rows = session.execute(text(SQLITE_VOCABULARY[1]), bounds).all()
    else:
        rows = session.execute(PG_VOCABULARY, bounds).all()
    return {str(term): int(docs) for term, docs in rows}


def topic_words(session: Session) -> set[str]:
    """Every word of the topics' English names and aliases, in lower case."""
    found_: set[str] = set()
    for name, aliases in session.execute(select(TOPICS.c.name_en, TOPICS.c.aliases)):
        for phrase in [name, *(aliases or [])]:
            found_.update(w.casefold() for w in WORD.findall(str(phrase)))
    return found_


def surface_word(session: Session, stem: str, typed: str) -> str:
    """The word a few papers hold where FTS5 indexed `stem`, the one most like `typed` (`stem` itself on
    PostgreSQL, whose vocabulary is the words as written)."""
    if session.get_bind().dialect.name != "sqlite":
        return stem
    table: Any = literal_column(SEARCH_TABLE)
    columns = [func.highlight(table, column, MARK_START, MARK_END) for column in (0, 1)]
    # A prefix query: its term is not stemmed again (porter would take `diffus` for `diffu`).
    query = select(*columns).where(matching(quoted(stem) + "*")).order_by(FTS.c.rowid.desc()).limit(5)
    pattern = re.compile(f"{MARK_START}(.*?){MARK_END}")
    words = {
        w.casefold() for row in session.execute(query) for text_ in row for w in pattern.findall(text_ or "")
    }
    return min(words, key=lambda w: (OSA.distance(typed, w), w), default=stem)
