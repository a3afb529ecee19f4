"""Read queries: papers, topics with their classics and resources, reading-list candidates, HF signals,
resources, trending candidates, runs and the collection lock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, Table, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from db.records import (
    HFSignals,
    LockRow,
    PaperRecord,
    Resource,
    RunRow,
    ScoredPaper,
    SeminalPaper,
    TopicRow,
    TrendingCandidate,
)
from db.rows import (
    HF_SIGNAL_COLUMNS,
    LOCKS,
    MATCHES,
    PAPER_COLUMNS,
    PAPERS,
    RESOURCES,
    RUNS,
    SEMINAL,
    TOPICS,
    chunks,
    hf_signals,
    lock_row,
    paper_record,
    resource_record,
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
    resources = children(session, RESOURCES, resource_row, RESOURCES.c.source == "roadmap")
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


def children(
    session: Session, table: Table, convert: Callable[[Any], T], *where: ColumnElement[bool]
) -> dict[str, list[T]]:
    """Rows of a per-topic table grouped by topic, each group in position order."""
    grouped: dict[str, list[T]] = defaultdict(list)
    for row in session.execute(table.select().where(*where).order_by(table.c.topic_id, table.c.position)):
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


# -- Hugging Face ----------------------------------------------------------------------------------------
def hf_signals_by_id(session: Session, arxiv_ids: Collection[str]) -> dict[str, HFSignals]:
    """The stored Hugging Face fields of those of `arxiv_ids` that are stored."""
    found: dict[str, HFSignals] = {}
    for chunk in chunks(list(dict.fromkeys(arxiv_ids))):
        rows = session.execute(select(*HF_SIGNAL_COLUMNS).where(PAPERS.c.arxiv_id.in_(chunk)))
        found.update((row[0], hf_signals(row)) for row in rows)
    return found


def hf_only_ids(session: Session, limit: int | None = None) -> list[str]:
    """Papers first seen on Hugging Face that arXiv has not described yet (version 0), oldest first."""
    query = (
        select(PAPERS.c.arxiv_id)
        .where(PAPERS.c.version == 0)
        .order_by(PAPERS.c.first_seen, PAPERS.c.arxiv_id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def hf_lookup_candidates(
    session: Session, recent_since: datetime, checked_before: datetime, limit: int
) -> list[str]:
    """Papers in reading lists whose HF page is worth asking for now, most deserving first, at most `limit`.

    In reading lists: classics, and matched papers published since `recent_since` that have no code link
    yet (code appears late for new papers). Worth asking: never asked, or last asked before
    `checked_before`. Never-asked papers come first, then classics, then the newest.
    """
    due = or_(PAPERS.c.hf_checked_at.is_(None), PAPERS.c.hf_checked_at < checked_before)
    classic = exists().where(SEMINAL.c.arxiv_id == PAPERS.c.arxiv_id)
    recent = and_(
        PAPERS.c.published >= recent_since,
        PAPERS.c.github_repo.is_(None),
        exists().where(MATCHES.c.arxiv_id == PAPERS.c.arxiv_id),
    )
    query = (
        select(PAPERS.c.arxiv_id)
        .where(due, or_(classic, recent))
        .order_by(
            case((PAPERS.c.hf_checked_at.is_(None), 0), else_=1),
            case((classic, 0), else_=1),
            PAPERS.c.published.desc(),
            PAPERS.c.arxiv_id,
        )
        .limit(limit)
    )
    return list(session.execute(query).scalars())


# -- resources -------------------------------------------------------------------------------------------
RESOURCE_ORDER = (
    RESOURCES.c.kind,
    func.coalesce(RESOURCES.c.stars, RESOURCES.c.likes, RESOURCES.c.downloads, -1).desc(),
    RESOURCES.c.url,
)


def paper_resources(session: Session, arxiv_ids: Collection[str]) -> dict[str, list[Resource]]:
    """Each paper's resources (code, HF models/datasets/Spaces, project page), by kind, most popular first."""
    found: dict[str, list[Resource]] = defaultdict(list)
    for chunk in chunks(list(dict.fromkeys(arxiv_ids))):
        query = RESOURCES.select().where(RESOURCES.c.arxiv_id.in_(chunk)).order_by(*RESOURCE_ORDER)
        for row in session.execute(query):
            found[row.arxiv_id].append(resource_record(row))
    return dict(found)


def topic_resources(session: Session, topic_id: str, source: str | None = None) -> list[Resource]:
    """A topic's resources: the roadmap's in roadmap order, then found ones (feed posts) newest first."""
    query = (
        RESOURCES.select()
        .where(RESOURCES.c.topic_id == topic_id)
        .order_by(
            case((RESOURCES.c.source == "roadmap", 0), else_=1),
            RESOURCES.c.position,
            RESOURCES.c.published.desc(),
            RESOURCES.c.url,
        )
    )
    if source is not None:
        query = query.where(RESOURCES.c.source == source)
    return [resource_record(row) for row in session.execute(query)]


def roadmap_feeds(session: Session) -> list[Resource]:
    """The roadmap's feed resources (RSS/Atom of a blog), in roadmap order."""
    query = (
        RESOURCES.select()
        .join(TOPICS, TOPICS.c.id == RESOURCES.c.topic_id)
        .where(RESOURCES.c.kind == "feed", RESOURCES.c.source == "roadmap")
        .order_by(TOPICS.c.position, RESOURCES.c.position)
    )
    return [resource_record(row) for row in session.execute(query)]


# -- trending --------------------------------------------------------------------------------------------
def trending_candidates(
    session: Session, since: datetime, topic_id: str | None = None
) -> list[TrendingCandidate]:
    """Matched papers published or featured on HF since `since` that HF has signals for (upvotes or stars).

    One candidate per paper with every topic it matched (or only `topic_id`), best match first.
    """
    query = trending_query(since, topic_id)
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in session.execute(query):
        grouped[row[0]].append(row)
    return [candidate(rows) for rows in grouped.values()]


def trending_query(since: datetime, topic_id: str | None) -> Select[Any]:
    recent = or_(PAPERS.c.published >= since, PAPERS.c.hf_featured_on >= since.date())
    signal = or_(PAPERS.c.hf_upvotes.is_not(None), PAPERS.c.github_stars.is_not(None))
    query = (
        select(*PAPER_COLUMNS, *HF_SIGNAL_COLUMNS, MATCHES.c.topic_id, MATCHES.c.score)
        .join(MATCHES, MATCHES.c.arxiv_id == PAPERS.c.arxiv_id)
        .where(recent, signal)
        .order_by(PAPERS.c.arxiv_id, MATCHES.c.score.desc(), MATCHES.c.topic_id)
    )
    return query if topic_id is None else query.where(MATCHES.c.topic_id == topic_id)


def candidate(rows: list[Any]) -> TrendingCandidate:
    first, width = rows[0], len(PAPER_COLUMNS)
    signals = hf_signals(first[width : width + len(HF_SIGNAL_COLUMNS)])
    return TrendingCandidate(
        paper=paper_record(first),
        signals=signals,
        topic_ids=tuple(row[-2] for row in rows),
        score=float(first[-1]),
    )


# -- the collection lock ---------------------------------------------------------------------------------
def lock_holder(session: Session, name: str) -> LockRow | None:
    """Who holds lock `name` (possibly expired: compare expires_at with the clock), or None."""
    row = session.execute(LOCKS.select().where(LOCKS.c.name == name)).first()
    return None if row is None else lock_row(row)
