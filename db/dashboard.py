"""Read queries of the dashboard: topic overviews, recent and new matches, weekly counts, collection times.

Lists are read in two steps: light MatchSummary rows (ids, scores, dates) to count, filter and rank,
then `matched_papers` for the few rows a page shows, so a topic with 50,000 matches stays fast.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import Base
from db.records import MatchSummary, TopicMatch, TrendingCandidate
from db.rows import (
    HF_SIGNAL_COLUMNS,
    MATCHES,
    PAPER_COLUMNS,
    PAPERS,
    RUNS,
    chunks,
    hf_signals,
    paper_record,
)

SUMMARY_COLUMNS = (
    MATCHES.c.arxiv_id,
    MATCHES.c.topic_id,
    MATCHES.c.score,
    PAPERS.c.published,
    PAPERS.c.first_seen,
)
# Runs scanned for "last collected" (a few per day: years of history).
RUNS_SCANNED = 5000
# SQLite guesses a one-sided range keeps a quarter of the rows and then scans paper_topics instead of the
# date index; a far upper bound makes it a two-sided range (guessed 1/64) without changing the result.
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def after(column: ColumnElement[datetime], moment: datetime, inclusive: bool = True) -> ColumnElement[bool]:
    """column >= moment (or >), written so that SQLite's planner uses the column's index."""
    lower = column >= moment if inclusive else column > moment
    return and_(lower, column < FAR_FUTURE)


def summary_query() -> Select[Any]:
    return select(*SUMMARY_COLUMNS).join(PAPERS, PAPERS.c.arxiv_id == MATCHES.c.arxiv_id)


def summaries(session: Session, query: Select[Any]) -> list[MatchSummary]:
    return [MatchSummary(*row) for row in session.execute(query)]


def topic_paper_counts(session: Session) -> dict[str, int]:
    """How many stored papers each topic matched (topics without any are absent)."""
    query = select(MATCHES.c.topic_id, func.count()).group_by(MATCHES.c.topic_id)
    return {topic_id: count for topic_id, count in session.execute(query)}


def id_floor(since: datetime) -> str:
    """The smallest new-style arXiv id (YYMM.…) that can be published at or after `since`.

    An id carries the month of its submission; a listing may announce it a few days into the next
    month, hence the month of slack. Old-style ids (`cs/0601001`) sort after every digit, so they
    are always in range and filtered by date alone.
    """
    return f"{since - timedelta(days=31):%y%m}"


def topic_recent(session: Session, topic_id: str, since: datetime) -> list[MatchSummary]:
    """A topic's matches published at or after `since` (a range scan of its ids, then the exact date)."""
    query = summary_query().where(
        MATCHES.c.topic_id == topic_id, MATCHES.c.arxiv_id >= id_floor(since), PAPERS.c.published >= since
    )
    return summaries(session, query)


def topic_latest(session: Session, topic_id: str, limit: int) -> list[MatchSummary]:
    """A topic's `limit` newest matches by arXiv number (new-style ids only: they sort by month)."""
    query = (
        summary_query()
        .where(MATCHES.c.topic_id == topic_id, MATCHES.c.arxiv_id < "A")
        .order_by(MATCHES.c.arxiv_id.desc())
        .limit(limit)
    )
    return summaries(session, query)


def match_summaries(
    session: Session,
    first_seen_since: datetime | None = None,
    published_since: datetime | None = None,
    topic_ids: Collection[str] = (),
) -> list[MatchSummary]:
    """Matches of papers stored (first seen) or published since the given times, in the given topics."""
    conditions: list[ColumnElement[bool]] = []
    if first_seen_since is not None:
        conditions.append(after(PAPERS.c.first_seen, first_seen_since, inclusive=False))
    if published_since is not None:
        conditions.append(after(PAPERS.c.published, published_since))
    if topic_ids:
        conditions.append(MATCHES.c.topic_id.in_(list(topic_ids)))
    return summaries(session, summary_query().where(*conditions))


def matched_papers(session: Session, pairs: Sequence[tuple[str, str]]) -> list[TopicMatch]:
    """The papers of these (arxiv_id, topic_id) matches with score and reasons, in the order given."""
    found: dict[tuple[str, str], TopicMatch] = {}
    extra = (MATCHES.c.topic_id, MATCHES.c.score, MATCHES.c.reasons, PAPERS.c.first_seen)
    for chunk in chunks(list(dict.fromkeys(pairs))):
        ids = list({arxiv_id for arxiv_id, _ in chunk})
        topics = list({topic_id for _, topic_id in chunk})
        query = (
            select(*PAPER_COLUMNS, *extra)
            .join(MATCHES, MATCHES.c.arxiv_id == PAPERS.c.arxiv_id)
            .where(PAPERS.c.arxiv_id.in_(ids), MATCHES.c.topic_id.in_(topics))
        )
        for row in session.execute(query):
            topic_id, score, reasons, first_seen = row[-4:]
            found[(row[0], topic_id)] = TopicMatch(
                paper_record(row), topic_id, score, tuple(reasons), first_seen
            )
    return [found[pair] for pair in pairs if pair in found]


def topic_last_collected(session: Session) -> dict[str, datetime]:
    """When each topic last had a successful run; key "" is the latest run that covered every topic.

    Runs without topic ids (the daily listing, the classics) cover the whole roadmap.
    """
    query = (
        select(RUNS.c.topic_ids, RUNS.c.finished_at)
        .where(RUNS.c.errors == 0)
        .order_by(RUNS.c.finished_at.desc())
        .limit(RUNS_SCANNED)
    )
    latest: dict[str, datetime] = {}
    for topic_ids, finished in session.execute(query):
        for key in topic_ids or [""]:
            latest.setdefault(key, finished)
    return latest


def daily_counts(
    session: Session, topic_ids: Collection[str], since: datetime
) -> list[tuple[date, str, int]]:
    """(day, topic, papers published that day) for these topics since `since`; days without papers absent."""
    day = func.date(PAPERS.c.published)
    query = (
        select(day, MATCHES.c.topic_id, func.count())
        .join(PAPERS, PAPERS.c.arxiv_id == MATCHES.c.arxiv_id)
        .where(
            MATCHES.c.topic_id.in_(list(topic_ids)),
            MATCHES.c.arxiv_id >= id_floor(since),
            PAPERS.c.published >= since,
        )
        .group_by(day, MATCHES.c.topic_id)
    )
    return [(as_date(d), topic_id, count) for d, topic_id, count in session.execute(query)]


def as_date(value: Any) -> date:
    """SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def scheduled_jobs(session: Session) -> list[tuple[str, datetime | None]]:
    """(job id, next run time) from the scheduler's job store, soonest first; paused jobs (no time) last."""
    jobs = Base.metadata.tables["scheduler_jobs"]
    query = select(jobs.c.id, jobs.c.next_run_time).order_by(
        jobs.c.next_run_time.is_(None), jobs.c.next_run_time
    )
    return [(job_id, from_epoch(when)) for job_id, when in session.execute(query)]


def from_epoch(seconds: float | None) -> datetime | None:
    """APScheduler stores next_run_time as a UTC epoch timestamp."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def trending(session: Session, since: datetime, topic_id: str | None = None) -> list[TrendingCandidate]:
    """Matched papers with HF upvotes or GitHub stars, published or featured on HF since `since`.

    The same answer as db.reads.trending_candidates, read through indexes: a topic's recent ids (see
    id_floor) and the featured-day index, instead of every match of the topic.
    """
    signal = or_(PAPERS.c.hf_upvotes.is_not(None), PAPERS.c.github_stars.is_not(None))
    base = (
        select(*PAPER_COLUMNS, *HF_SIGNAL_COLUMNS, MATCHES.c.topic_id, MATCHES.c.score)
        .join(MATCHES, MATCHES.c.arxiv_id == PAPERS.c.arxiv_id)
        .where(signal)
    )
    if topic_id is None:
        published = base.where(after(PAPERS.c.published, since))
    else:
        base = base.where(MATCHES.c.topic_id == topic_id)
        published = base.where(MATCHES.c.arxiv_id >= id_floor(since), PAPERS.c.published >= since)
    rows = list(session.execute(published))
    for chunk in chunks(featured_ids(session, since.date())):
        rows += session.execute(base.where(PAPERS.c.arxiv_id.in_(chunk)))
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        grouped.setdefault(row[0], {})[row[-2]] = row
    return [
        trending_candidate(sorted(rows.values(), key=lambda r: (-r[-1], r[-2]))) for rows in grouped.values()
    ]


def featured_ids(session: Session, since: date) -> list[str]:
    """Papers Hugging Face featured on or after `since` (a range of the featured-day index)."""
    featured = PAPERS.c.hf_featured_on
    query = select(PAPERS.c.arxiv_id).where(featured >= since, featured < FAR_FUTURE.date())
    return list(session.execute(query).scalars())


def trending_candidate(rows: Sequence[Any]) -> TrendingCandidate:
    first, width = rows[0], len(PAPER_COLUMNS)
    return TrendingCandidate(
        paper=paper_record(first),
        signals=hf_signals(first[width : width + len(HF_SIGNAL_COLUMNS)]),
        topic_ids=tuple(row[-2] for row in rows),
        score=float(first[-1]),
    )
