"""Read queries: papers, topics with their classics and resources, reading-list candidates, runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from db.records import PaperRecord, RunRow, ScoredPaper, SeminalPaper, TopicRow
from db.rows import (
    MATCHES,
    PAPER_COLUMNS,
    PAPERS,
    RESOURCES,
    RUNS,
    SEMINAL,
    TOPICS,
    chunks,
    paper_record,
    resource_row,
    run_row,
    seminal_row,
)

T = TypeVar("T")


# -- papers ----------------------------------------------------------------------------------------------
def iter_papers(session: Session, batch_size: int = 2000) -> Iterator[list[PaperRecord]]:
    """Every stored paper in arxiv_id order, `batch_size` at a time (keyset pages, so memory stays flat)."""
    last: str | None = None
    while True:
        query = select(*PAPER_COLUMNS).order_by(PAPERS.c.arxiv_id).limit(batch_size)
        if last is not None:
            query = query.where(PAPERS.c.arxiv_id > last)
        batch = [paper_record(row) for row in session.execute(query).all()]
        if not batch:
            return
        yield batch
        last = batch[-1].arxiv_id


def papers_by_id(session: Session, arxiv_ids: Collection[str]) -> dict[str, PaperRecord]:
    """The stored papers among `arxiv_ids`, by id."""
    found: dict[str, PaperRecord] = {}
    for chunk in chunks(list(dict.fromkeys(arxiv_ids))):
        rows = session.execute(select(*PAPER_COLUMNS).where(PAPERS.c.arxiv_id.in_(chunk))).all()
        found.update((row[0], paper_record(row)) for row in rows)
    return found


def get_paper(session: Session, arxiv_id: str) -> PaperRecord | None:
    row = session.execute(select(*PAPER_COLUMNS).where(PAPERS.c.arxiv_id == arxiv_id)).first()
    return None if row is None else paper_record(row)


def stored_ids(session: Session, ids: Collection[str]) -> set[str]:
    """Which of `ids` are stored."""
    found: set[str] = set()
    for chunk in chunks(list(dict.fromkeys(ids))):
        found.update(session.execute(select(PAPERS.c.arxiv_id).where(PAPERS.c.arxiv_id.in_(chunk))).scalars())
    return found


def paper_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(PAPERS)).scalar_one()


# -- topics ----------------------------------------------------------------------------------------------
def list_topics(session: Session) -> list[TopicRow]:
    """Every topic in roadmap order, with its seminal papers and resources."""
    seminal = children(session, SEMINAL, seminal_row)
    resources = children(session, RESOURCES, resource_row)
    rows = session.execute(select(TOPICS).order_by(TOPICS.c.position, TOPICS.c.id))
    return [
        TopicRow(
            id=row.id,
            level=row.level,
            name_zh=row.name_zh,
            name_en=row.name_en,
            group=row.group_name,
            aliases=tuple(row.aliases),
            query=row.query,
            position=row.position,
            seminal=tuple(seminal.get(row.id, ())),
            resources=tuple(resources.get(row.id, ())),
        )
        for row in rows
    ]


def children(session: Session, table: Table, convert: Callable[[Any], T]) -> dict[str, list[T]]:
    """Rows of a per-topic table grouped by topic, each group in position order."""
    grouped: dict[str, list[T]] = defaultdict(list)
    for row in session.execute(table.select().order_by(table.c.topic_id, table.c.position)):
        grouped[row.topic_id].append(convert(row))
    return grouped


def topic_backfills(session: Session) -> dict[str, datetime | None]:
    """Topic id → the end of its last successful backfill window (None if never backfilled)."""
    return {
        topic_id: until for topic_id, until in session.execute(select(TOPICS.c.id, TOPICS.c.backfilled_until))
    }


# -- seminal papers --------------------------------------------------------------------------------------
def missing_seminal_ids(session: Session) -> list[str]:
    """arXiv ids some topic names as seminal that are not stored yet, once each, in roadmap order."""
    query = (
        select(SEMINAL.c.arxiv_id)
        .join(TOPICS, TOPICS.c.id == SEMINAL.c.topic_id)
        .outerjoin(PAPERS, PAPERS.c.arxiv_id == SEMINAL.c.arxiv_id)
        .where(SEMINAL.c.arxiv_id.is_not(None), PAPERS.c.arxiv_id.is_(None))
        .order_by(TOPICS.c.position, TOPICS.c.id, SEMINAL.c.position)
    )
    return list(dict.fromkeys(session.execute(query).scalars()))


def topic_seminal(session: Session, topic_id: str) -> list[SeminalPaper]:
    """A topic's classics in position order, each with its stored paper when fetched."""
    query = SEMINAL.select().where(SEMINAL.c.topic_id == topic_id).order_by(SEMINAL.c.position)
    seminal = [seminal_row(row) for row in session.execute(query)]
    papers = papers_by_id(session, [s.arxiv_id for s in seminal if s.arxiv_id])
    return [SeminalPaper(seminal=s, paper=papers.get(s.arxiv_id or "")) for s in seminal]


# -- reading lists ---------------------------------------------------------------------------------------
def topic_candidates(
    session: Session, topic_id: str, since: datetime | None = None, limit: int | None = None
) -> list[ScoredPaper]:
    """Papers matched to a topic (published at or after `since`), best score first, then newest."""
    query = (
        select(*PAPER_COLUMNS, MATCHES.c.score, MATCHES.c.reasons)
        .join(MATCHES, MATCHES.c.arxiv_id == PAPERS.c.arxiv_id)
        .where(MATCHES.c.topic_id == topic_id)
        .order_by(MATCHES.c.score.desc(), PAPERS.c.published.desc(), PAPERS.c.arxiv_id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(PAPERS.c.published >= since)
    return [
        ScoredPaper(paper=paper_record(row), score=row.score, reasons=tuple(row.reasons))
        for row in session.execute(query)
    ]


# -- runs ------------------------------------------------------------------------------------------------
def last_runs(session: Session, limit: int = 50, source: str | None = None) -> list[RunRow]:
    """The newest recorded source/query runs first."""
    query = select(RUNS).order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc()).limit(limit)
    if source is not None:
        query = query.where(RUNS.c.source == source)
    return [run_row(row) for row in session.execute(query)]
