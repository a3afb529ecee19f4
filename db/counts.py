"""How many: every count a surface shows — stored papers, papers matched to a topic, papers about each topic
in a window, papers per day — each defined here once, so `radar status`, `radar list` and every page agree.

    stored papers             rows of `papers` (`radar status`)
    papers matched to a topic papers with at least one match, each once (a paper in two topics counts once)
    matches per topic         a topic's matches of any date, about it or only using it
    about it since a moment   a topic's matches judged about it, published since then: what a reading list's
                              New section holds before it leaves out classics, trending and hidden papers
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.orm import Session

from db.convert import chunks
from db.dialect import utc_date
from db.ranges import id_floor
from db.schema import MATCHES, PAPERS, TOPICS


def paper_count(session: Session) -> int:
    """Stored papers."""
    return session.execute(select(func.count()).select_from(PAPERS)).scalar_one()


def matched_paper_count(session: Session) -> int:
    """Papers matched to at least one topic, each counted once."""
    # Counting a DISTINCT subquery walks the primary key in order: SQLite's count(DISTINCT) sorts instead
    # (8x slower on a million papers).
    matched = select(MATCHES.c.arxiv_id).distinct().subquery()
    return session.execute(select(func.count()).select_from(matched)).scalar_one()


def topic_paper_counts(session: Session) -> dict[str, int]:
    """How many stored papers each topic matched (topics without any are absent)."""
    query = select(MATCHES.c.topic_id, func.count()).group_by(MATCHES.c.topic_id)
    return {key: value for key, value in session.execute(query)}


def about_window(
    since: datetime, topic_ids: Collection[str] | None = None
) -> tuple[ColumnElement[bool], ...]:
    """Matches judged about their topic (one of `topic_ids`; None: any), of papers published at or after
    `since` — a reading list's window (db.matches.in_window), written so the window index serves each
    topic alone."""
    topics = select(TOPICS.c.id).scalar_subquery() if topic_ids is None else list(topic_ids)
    return (MATCHES.c.topic_id.in_(topics), MATCHES.c.about.is_(True), MATCHES.c.published >= since)


def about_counts(
    session: Session, since: datetime, topic_ids: Collection[str] | None = None
) -> dict[str, int]:
    """Per topic (of `topic_ids`; None: every one), how many papers about it were published at or after
    `since` (topics without any absent)."""
    query = select(MATCHES.c.topic_id, func.count()).where(*about_window(since, topic_ids))
    query = query.group_by(MATCHES.c.topic_id)
    return {topic_id: count for topic_id, count in session.execute(query)}


def about_pairs(session: Session, arxiv_ids: Collection[str], since: datetime) -> set[tuple[str, str]]:
    """(arxiv_id, topic_id) of those of `arxiv_ids` that are about a topic and published since `since`."""
    found: set[tuple[str, str]] = set()
    for chunk in chunks(sorted(set(arxiv_ids))):
        query = select(MATCHES.c.arxiv_id, MATCHES.c.topic_id).where(
            MATCHES.c.arxiv_id.in_(chunk), *about_window(since)
        )
        found.update((arxiv_id, topic_id) for arxiv_id, topic_id in session.execute(query))
    return found


# -- per day, for the charts ------------------------------------------------------------------------------
def daily_counts(
    session: Session, topic_ids: Collection[str], since: datetime
) -> list[tuple[date, str, int]]:
    """(day, topic, papers published that day) for these topics since `since`; days without papers absent."""
    day = utc_date(PAPERS.c.published)
    query = (
        select(day, MATCHES.c.topic_id, func.count())
        .join(PAPERS, PAPERS.c.arxiv_id == MATCHES.c.arxiv_id)
        .where(*recent_matches(topic_ids, since))
        .group_by(day, MATCHES.c.topic_id)
    )
    return [(as_date(d), topic_id, count) for d, topic_id, count in session.execute(query)]


def daily_level_counts(
    session: Session, topic_ids: Collection[str], since: datetime
) -> list[tuple[date, str, int]]:
    """(day, level, papers published that day matched to the level's topics among `topic_ids`), each paper
    counted once per level however many of its topics it matched; days without papers absent."""
    day = utc_date(PAPERS.c.published)
    query = (
        select(day, TOPICS.c.level, func.count(distinct(MATCHES.c.arxiv_id)))
        .join(PAPERS, PAPERS.c.arxiv_id == MATCHES.c.arxiv_id)
        .join(TOPICS, TOPICS.c.id == MATCHES.c.topic_id)
        .where(*recent_matches(topic_ids, since))
        .group_by(day, TOPICS.c.level)
    )
    return [(as_date(d), level, count) for d, level, count in session.execute(query)]


def recent_matches(topic_ids: Collection[str], since: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        MATCHES.c.topic_id.in_(list(topic_ids)),
        MATCHES.c.arxiv_id >= id_floor(since),
        PAPERS.c.published >= since,
    )


def as_date(value: Any) -> date:
    """SQLite's date() gives text, PostgreSQL a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)
