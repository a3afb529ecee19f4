"""PostgreSQL full text: the stored `papers.search_vector` (migration 0008, under a GIN index) matched by a
tsquery built from the parsed search (db.search_syntax), ranked by ts_rank; and `sync`, which fills the
vectors new papers lack (NULL), in batches, as SQLite's FTS5 index is synced.

Each term goes through `radar_search_text`, the function the stored vector was built with, so a query
word is tokenised exactly as the documents were (punctuation splits words, diacritics and case folded,
as SQLite's FTS5 unicode61 does; no stemming). Words and phrases become phraseto_tsquery, prefix* and
title:/abstract: terms to_tsquery with `:*` and the weight label (A title, B abstract); the tree's
AND, OR and NOT become tsquery_and, tsquery_or and tsquery_not.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import reduce
from typing import Any

from sqlalchemy import ColumnElement, Text, exists, func, literal, literal_column, select, text
from sqlalchemy.orm import Session

from db.papers import papers_by_id
from db.ranges import published_between
from db.schema import MATCHES, PAPERS
from db.search_syntax import All, Any_, Node, Not, Term

VECTOR_COLUMN = "search_vector"
INDEXES = ("ix_papers_search_vector", "ix_papers_unindexed")
# Written by `sync` alone (migration 0008), so not in the models: a copy or an upsert never writes it.
VECTOR: ColumnElement[Any] = literal_column(f"papers.{VECTOR_COLUMN}")
# Papers the next sync indexes (their vector is NULL), a batch at a time in key order from where the last
# batch ended: the partial index keeps the entries of papers indexed since the last VACUUM, and starting
# past them keeps a long sync from wading through them again and again. Replicas syncing at once share the
# work instead of waiting for each other's row locks.
SYNC_SQL = text(
    f"WITH batch AS (SELECT arxiv_id FROM papers WHERE {VECTOR_COLUMN} IS NULL AND arxiv_id > :after"
    f" ORDER BY arxiv_id LIMIT :limit FOR UPDATE SKIP LOCKED)"
    f" UPDATE papers SET {VECTOR_COLUMN} = radar_search_vector(title, abstract) FROM batch"
    f" WHERE papers.arxiv_id = batch.arxiv_id RETURNING papers.arxiv_id"
)
CONFIG: ColumnElement[Any] = literal_column("'simple'::regconfig")
# ts_rank's weights of D, C, B (abstract) and A (title) words: a title hit counts 3x, as bm25 on SQLite.
WEIGHTS: ColumnElement[Any] = literal_column("'{0.1, 0.2, 0.333, 1.0}'::float4[]")
LABELS = {None: "", "title": "A", "abstract": "B"}


def tsquery(node: Node) -> ColumnElement[Any]:
    """The parsed search as a tsquery expression; every text in it is a bound parameter."""
    if isinstance(node, Term):
        return term_query(node)
    if isinstance(node, Not):
        return func.tsquery_and(tsquery(node.keep), func.tsquery_not(tsquery(node.drop)))
    combine = func.tsquery_or if isinstance(node, Any_) else func.tsquery_and
    assert isinstance(node, All | Any_)
    return reduce(lambda left, right: combine(left, right), (tsquery(part) for part in node.parts))


def term_query(term: Term) -> ColumnElement[Any]:
    words = func.radar_search_text(literal(term.text, Text))
    if not (term.prefix or term.column):
        return func.phraseto_tsquery(CONFIG, words)
    # Quoted, so a term of several words stays a phrase; the words hold no quote (it separates words).
    suffix = ":" + ("*" if term.prefix else "") + LABELS[term.column]
    return func.to_tsquery(CONFIG, func.concat("'", words, "'" + suffix))


def ranked(
    session: Session,
    query: Node,
    topic_ids: Collection[str],
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cap: int,
) -> list[tuple[Any, float]]:
    """The `cap` most recently published hits that the filters allow, best ts_rank first."""
    matches = tsquery(query)
    conditions = [VECTOR.op("@@")(matches), *filters(topic_ids), *published_between(since, until)]
    newest = (
        select(PAPERS.c.arxiv_id, VECTOR.label("vector"))
        .where(*conditions)
        .order_by(PAPERS.c.published.desc())
        .limit(cap)
        .subquery()
    )
    rank = func.ts_rank(WEIGHTS, newest.c.vector, matches)
    best = session.execute(
        select(newest.c.arxiv_id, rank).order_by(rank.desc(), newest.c.arxiv_id).limit(limit)
    ).all()
    papers = papers_by_id(session, [arxiv_id for arxiv_id, _ in best])
    return [(papers[arxiv_id], float(r)) for arxiv_id, r in best if arxiv_id in papers]


def filters(topic_ids: Collection[str]) -> list[ColumnElement[bool]]:
    if not topic_ids:
        return []
    matched = (MATCHES.c.arxiv_id == PAPERS.c.arxiv_id) & MATCHES.c.topic_id.in_(list(topic_ids))
    return [exists().where(matched)]


def sync(session: Session, limit: int | None, after: str = "") -> tuple[int, str]:
    """Index up to `limit` (None: all) papers whose vector is NULL and whose id is above `after`; how many,
    and the greatest id indexed (where the next batch starts)."""
    ids = session.execute(SYNC_SQL, {"limit": limit, "after": after}).scalars().all()
    return len(ids), max(ids, default=after)


def unindexed_count(session: Session) -> int:
    query = select(func.count()).select_from(PAPERS).where(VECTOR.is_(None))
    return int(session.execute(query).scalar_one())
