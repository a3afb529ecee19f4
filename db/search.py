"""Full-text search over titles and abstracts: SQLite FTS5 (`papers_fts`), PostgreSQL's stored tsvector.

The user's text is read once by db.search_syntax (FTS5's syntax: words ANDed, "quoted phrases", OR, NOT,
parentheses, prefix*; words with punctuation such as "low-rank" are phrases) and is always a bound
parameter. Text that cannot be read raises SearchQueryError with a readable message, and `plain_query`
turns any text into a query of quoted words that always parses. SQLite gets the tree back as FTS5 text
(porter stemming: `networks` finds `network`); PostgreSQL as a tsquery over `papers.search_vector`
(db.search_postgres: the same tokens, no stemming).

Relevance (bm25 or ts_rank, title hits weigh 3x) is ranked among the SEARCH_CAP most recently stored
(SQLite) or published (PostgreSQL) hits (with filters, the FILTERED_CAP newest), so a query matching half
the database stays fast. `search_results` pages through those ranked hits, counts every hit up to COUNT_CAP
(the page says "10,000+" past it), and reads each page's snippets (FTS5's snippet(), ts_headline) with the
matched words between db.records' MARK_START and MARK_END; db.search_suggestions says "did you mean".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db import search_postgres
from db.convert import chunks
from db.engine import session_scope
from db.papers import PAPER_COLUMNS, paper_record
from db.ranges import after, id_floor, published_between
from db.records import MARK_END, MARK_START, SearchFilters, SearchHit, SearchPage, SearchResults
from db.schema import MATCHES, PAPERS
from db.search_syntax import HELP, Node, SearchQueryError, fts5, parse, quoted

SEARCH_TABLE = "papers_fts"
SEARCH_CAP = 2000
# Hits counted for a total: past it the page says "10,000+" (counting every hit of a word in most papers
# costs a read of its whole index entry); with filters, how many hits are checked against them.
COUNT_CAP, COUNT_SCAN = 10_000, 20_000
# The snippet's length in tokens (FTS5's limit is 64); ts_headline is given the same in words.
SNIPPET_TOKENS = 32
NOTHING = SearchResults((), 0, True, 0)
# With filters, most hits fail them (on SQLite: the allowed rowid range holds other papers): look further.
FILTERED_CAP = 5000
TITLE_WEIGHT, ABSTRACT_WEIGHT = 3.0, 1.0
WORD = re.compile(r"\S+")
# The FTS5 table: its rowid is papers.rowid; the hidden column named like the table takes MATCH.
FTS = table(SEARCH_TABLE, column("rowid"), column(SEARCH_TABLE))
ROWID: ColumnElement[int] = literal_column("papers.rowid")
# What is in a database but not in the models: SQLite's FTS5 tables, PostgreSQL's tsvector and its indexes,
# and the partial index of papers with HF signals (PostgreSQL only, migration 0008).
NOT_MODELLED = {
    ("column", search_postgres.VECTOR_COLUMN),
    *(("index", name) for name in (*search_postgres.INDEXES, "ix_papers_signals")),
}


def ignore(count: int) -> None:
    """A progress callback that listens to nothing."""


def autogenerate_includes(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's include_name hook: the full-text tables and columns are not in the models."""
    if type_ == "table" and name is not None and name.startswith(SEARCH_TABLE):
        return False
    return (type_, name) not in NOT_MODELLED


def fts_query(text_: str) -> str:
    """The user's search as FTS5 syntax ("" for a search without words); SearchQueryError if unreadable."""
    node = parse(text_)
    return "" if node is None else fts5(node)


def plain_query(text_: str) -> str:
    """Every whitespace-separated word as a quoted FTS5 string (quotes doubled): always parses."""
    return " ".join(quoted(word) for word in WORD.findall(text_))


def search_papers(
    session: Session,
    query: str,
    topic_ids: Collection[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
) -> list[SearchHit]:
    """Papers whose title or abstract match `query`, most relevant first, with the topics they matched.

    `topic_ids` keeps papers matched to any of them; `since`/`until` bound the publication date.
    """
    found = search_results(
        session, query, topic_ids, since, until, limit=limit, counted=False, snippets=False
    )
    return list(found.hits)


def search_results(
    session: Session,
    query: str,
    topic_ids: Collection[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 25,
    counted: bool = True,
    snippets: bool = True,
) -> SearchResults:
    """One page (`offset`, `limit`) of the ranked hits, with how many papers match (counted up to COUNT_CAP;
    `counted` False: the ranked ones only) and each hit's snippet (`snippets`), filtered as search_papers."""
    node = parse(query)
    if node is None:
        return NOTHING
    filters, page = SearchFilters(topic_ids, since, until), SearchPage(offset, limit, counted, snippets)
    if session.get_bind().dialect.name == "sqlite":
        found = sqlite_search(session, node, filters, page)
    else:
        cap = FILTERED_CAP if topic_ids or since or until else SEARCH_CAP
        found = search_postgres.search(session, node, filters, page, cap, COUNT_CAP)
    topics = topics_of(session, [hit.paper.arxiv_id for hit in found.hits])
    hits = tuple(replace(hit, topic_ids=tuple(topics.get(hit.paper.arxiv_id, ()))) for hit in found.hits)
    return replace(found, hits=hits)


def candidate_rowids(
    session: Session, topic_ids: Collection[str], since: datetime | None, until: datetime | None
) -> set[int] | None:
    """Rowids of the papers the filters allow (None: no filter), read from indexes only."""
    if topic_ids:
        query = (
            select(ROWID)
            .select_from(MATCHES.join(PAPERS, PAPERS.c.arxiv_id == MATCHES.c.arxiv_id))
            .where(MATCHES.c.topic_id.in_(list(topic_ids)), *published_between(since, until))
        )
        if since is not None:
            query = query.where(MATCHES.c.arxiv_id >= id_floor(since))
    elif since is not None or until is not None:
        lower = [after(PAPERS.c.published, since)] if since is not None else []
        query = select(ROWID).where(*lower, *published_between(None, until))
    else:
        return None
    return set(session.execute(query).scalars())


def sqlite_search(session: Session, query: Node, filters: SearchFilters, page: SearchPage) -> SearchResults:
    """The newest hits (SEARCH_CAP, FILTERED_CAP with filters) that the filters allow, best bm25 first;
    the page's papers and snippets read for those rowids alone.

    Filters become a set of rowids first (indexes only), so the full-text scan never reads paper rows.
    """
    allowed = candidate_rowids(session, *filters)
    if allowed is not None and not allowed:
        return NOTHING
    match = fts5(query)
    pool = sqlite_pool(session, match, allowed)
    total, exact = sqlite_count(session, match, allowed) if page.counted else (len(pool), True)
    chosen = pool[page.offset : page.offset + page.limit]
    papers = papers_by_rowid(session, [rowid for _, rowid in chosen])
    marked = sqlite_snippets(session, match, [rowid for _, rowid in chosen]) if page.snippets else {}
    # bm25 is lower-is-better and negative; flip it so that higher means more relevant.
    hits = tuple(
        SearchHit(papers[rowid], -float(r), snippet=marked.get(rowid, ""))
        for r, rowid in chosen
        if rowid in papers
    )
    return SearchResults(hits, max(total, len(pool)), exact, len(pool))


def matching(match: str) -> ColumnElement[bool]:
    return FTS.c[SEARCH_TABLE].op("MATCH")(match)


def within(scan: Select[Any], allowed: set[int] | None) -> Select[Any]:
    """The scan bounded to the rowids between the least and the greatest allowed."""
    if not allowed:
        return scan
    return scan.where(FTS.c.rowid >= min(allowed), FTS.c.rowid <= max(allowed))


def sqlite_pool(session: Session, match: str, allowed: set[int] | None) -> list[tuple[float, int]]:
    """(bm25, rowid) of the newest hits the filters allow, best first."""
    rank = func.bm25(literal_column(SEARCH_TABLE), TITLE_WEIGHT, ABSTRACT_WEIGHT)
    scan = select(FTS.c.rowid, rank).where(matching(match)).order_by(FTS.c.rowid.desc())
    scan = within(scan, allowed).limit(SEARCH_CAP if allowed is None else FILTERED_CAP)
    try:
        hits: Sequence[Any] = session.execute(scan).all()
    except OperationalError as exc:
        raise SearchQueryError(friendly(match, exc)) from exc
    return sorted((float(r), int(rowid)) for rowid, r in hits if allowed is None or rowid in allowed)


def sqlite_count(session: Session, match: str, allowed: set[int] | None) -> tuple[int, bool]:
    """How many papers match (at most COUNT_CAP), and whether that is all of them. With filters, the first
    COUNT_SCAN hits in the allowed rowids' range are checked: a lower bound when there are more."""
    scan = select(FTS.c.rowid).where(matching(match))
    if allowed is None:
        counted = select(func.count()).select_from(scan.limit(COUNT_CAP + 1).subquery())
        found = int(session.execute(counted).scalar_one())
        return min(found, COUNT_CAP), found <= COUNT_CAP
    rowids = session.execute(within(scan, allowed).limit(COUNT_SCAN)).scalars().all()
    return sum(1 for rowid in rowids if rowid in allowed), len(rowids) < COUNT_SCAN


def sqlite_snippets(session: Session, match: str, rowids: Sequence[int]) -> dict[int, str]:
    """Each paper's best passage of its abstract, the matched words marked (FTS5's snippet())."""
    if not rowids:
        return {}
    snippet = func.snippet(literal_column(SEARCH_TABLE), 1, MARK_START, MARK_END, "…", SNIPPET_TOKENS)
    query = select(FTS.c.rowid, snippet).where(matching(match), FTS.c.rowid.in_(list(rowids)))
    return {rowid: text_ for rowid, text_ in session.execute(query).all()}


def papers_by_rowid(session: Session, rowids: Sequence[int]) -> dict[int, Any]:
    rows = session.execute(select(*PAPER_COLUMNS, ROWID).where(ROWID.in_(list(rowids)))).all()
    return {row[-1]: paper_record(row) for row in rows}


def friendly(query: str, exc: OperationalError) -> str:
    reason = str(exc.orig).removeprefix("fts5: ")
    return f"Could not read {query!r} as a search ({reason}). {HELP}"


def topics_of(session: Session, arxiv_ids: Sequence[str]) -> dict[str, list[str]]:
    """Each paper's matched topics, best score first."""
    found: dict[str, list[str]] = {}
    for chunk in chunks(list(arxiv_ids)):
        query = (
            select(MATCHES.c.arxiv_id, MATCHES.c.topic_id)
            .where(MATCHES.c.arxiv_id.in_(chunk))
            .order_by(MATCHES.c.arxiv_id, MATCHES.c.score.desc())
        )
        for arxiv_id, topic_id in session.execute(query):
            found.setdefault(arxiv_id, []).append(topic_id)
    return found


# The papers past the highest rowid the FTS5 index holds: those stored since the last sync.
UNINDEXED = f"WHERE rowid > (SELECT coalesce(max(id), 0) FROM {SEARCH_TABLE}_docsize)"


def sync_search_index(session: Session, limit: int | None = None) -> int:
    """Index the papers stored since the last sync (at most `limit`); how many.

    Batched here rather than as each paper is written, so that ingest does not pay for tokenising
    (triggers keep papers already indexed in step); pages call it before a search, the collector after
    a run, and `index_for_search` in batches after bulk loads.
    """
    return sync_batch(session, limit, "")[0]


def sync_batch(session: Session, limit: int | None, after: str) -> tuple[int, str]:
    """One batch of the sync: how many papers, and where the next batch starts (PostgreSQL: the last
    arXiv id indexed; SQLite goes by rowid and needs no marker)."""
    if session.get_bind().dialect.name != "sqlite":
        return search_postgres.sync(session, limit, after)
    bound = "" if limit is None else f" ORDER BY rowid LIMIT {int(limit)}"
    result = session.execute(
        text(
            f"INSERT INTO {SEARCH_TABLE}(rowid, title, abstract) SELECT rowid, title, abstract FROM papers"
            f" {UNINDEXED}{bound}"
        )
    )
    return int(getattr(result, "rowcount", 0) or 0), after


def unindexed_count(session: Session) -> int:
    """How many papers the next sync would index."""
    if session.get_bind().dialect.name != "sqlite":
        return search_postgres.unindexed_count(session)
    return int(session.execute(text(f"SELECT count(*) FROM papers {UNINDEXED}")).scalar_one())


def index_for_search(engine: Engine, batch: int = 5000, indexed: Callable[[int], None] = ignore) -> int:
    """Sync the whole search index, `batch` papers per transaction (after a copy, a migration, a bulk
    load); `indexed` hears of each batch. How many papers were indexed."""
    total, after = 0, ""
    while True:
        with session_scope(engine) as session:
            done, after = sync_batch(session, batch, after)
        if not done:
            return total
        total += done
        indexed(done)


def rebuild_search_index(session: Session) -> None:
    """Re-read every title and abstract into the FTS index (after bulk loads that bypassed the triggers)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('rebuild')"))
