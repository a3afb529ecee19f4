"""Full-text search over titles and abstracts: SQLite FTS5 (`papers_fts`), PostgreSQL's stored tsvector.

The user's text is read once by db.search_syntax (FTS5's syntax: words ANDed, "quoted phrases", OR, NOT,
parentheses, prefix*; words with punctuation such as "low-rank" are phrases) and is always a bound
parameter. Text that cannot be read raises SearchQueryError with a readable message, and `plain_query`
turns any text into a query of quoted words that always parses. SQLite gets the tree back as FTS5 text
(porter stemming: `networks` finds `network`); PostgreSQL as a tsquery over `papers.search_vector`
(db.search_postgres: the same tokens, no stemming).

Relevance (bm25 or ts_rank, title hits weigh 3x) is ranked among the SEARCH_CAP most recently stored
(SQLite) or published (PostgreSQL) hits (with filters, the FILTERED_CAP newest), so a query matching half
the database stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, column, func, literal_column, select, table, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db import search_postgres
from db.convert import chunks
from db.engine import session_scope
from db.papers import PAPER_COLUMNS, paper_record
from db.ranges import after, id_floor, published_between
from db.records import SearchHit
from db.schema import MATCHES, PAPERS
from db.search_syntax import HELP, Node, SearchQueryError, fts5, parse, quoted

SEARCH_TABLE = "papers_fts"
SEARCH_CAP = 2000
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
    node = parse(query)
    if node is None:
        return []
    if session.get_bind().dialect.name == "sqlite":
        ranked = sqlite_ranked(session, node, topic_ids, since, until, limit)
    else:
        cap = FILTERED_CAP if topic_ids or since or until else SEARCH_CAP
        ranked = search_postgres.ranked(session, node, topic_ids, since, until, limit, cap)
    topics = topics_of(session, [paper.arxiv_id for paper, _ in ranked])
    return [SearchHit(paper, relevance, tuple(topics.get(paper.arxiv_id, ()))) for paper, relevance in ranked]


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


def sqlite_ranked(
    session: Session,
    query: Node,
    topic_ids: Collection[str],
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[tuple[Any, float]]:
    """The newest hits (SEARCH_CAP, FILTERED_CAP with filters) that the filters allow, best bm25 first.

    Filters become a set of rowids first (indexes only), so the full-text scan never reads paper rows.
    """
    allowed = candidate_rowids(session, topic_ids, since, until)
    if allowed is not None and not allowed:
        return []
    rank = func.bm25(literal_column(SEARCH_TABLE), TITLE_WEIGHT, ABSTRACT_WEIGHT)
    scan = (
        select(FTS.c.rowid, rank)
        .where(FTS.c[SEARCH_TABLE].op("MATCH")(fts5(query)))
        .order_by(FTS.c.rowid.desc())
        .limit(SEARCH_CAP if allowed is None else FILTERED_CAP)
    )
    if allowed:
        scan = scan.where(FTS.c.rowid >= min(allowed), FTS.c.rowid <= max(allowed))
    try:
        hits = session.execute(scan).all()
    except OperationalError as exc:
        raise SearchQueryError(friendly(fts5(query), exc)) from exc
    kept = sorted((r, rowid) for rowid, r in hits if allowed is None or rowid in allowed)[:limit]
    papers = papers_by_rowid(session, [rowid for _, rowid in kept])
    # bm25 is lower-is-better and negative; flip it so that higher means more relevant.
    return [(papers[rowid], -float(r)) for r, rowid in kept if rowid in papers]


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
