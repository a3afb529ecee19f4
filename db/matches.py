"""Matches of papers to topics (score and reasons): their writes, and the reads reading lists are ranked
from — a topic's matches, what is new, trending candidates (counts: db.counts).

Lists are read in two steps: light MatchSummary rows (ids, scores, dates) to count, filter and rank,
then `matched_papers` for the few rows a surface shows, so a topic with 50,000 matches stays fast.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, delete, func, or_, select
from sqlalchemy.orm import Session

from db.columns import utc_param
from db.convert import RecordMap, chunks
from db.dialect import floor_int, insert_driver_rows, insert_for
from db.hf_signals import HF_SIGNAL_COLUMNS, hf_signals
from db.papers import PAPER_COLUMNS, paper_record
from db.ranges import FAR_FUTURE, after, id_floor
from db.records import MatchRow, MatchSummary, ScoredPaper, TopicMatch, TrendingCandidate
from db.schema import MATCH_FIRST_SEEN, MATCHES, PAPERS, TOPICS

MATCH = RecordMap(MatchRow, MATCHES)
MATCH_COLUMNS = (*MATCH.names, "matched_at", "published")
SUMMARY_COLUMNS = (
    MATCHES.c.arxiv_id,
    MATCHES.c.topic_id,
    MATCHES.c.score,
    MATCHES.c.published,
    PAPERS.c.first_seen,
    MATCHES.c.aboutness,
    MATCHES.c.about,
    MATCHES.c.kind,
)
# What a TopicMatch adds to its paper's columns, in its field order.
TOPIC_MATCH_COLUMNS = (
    MATCHES.c.topic_id,
    MATCHES.c.score,
    MATCHES.c.reasons,
    PAPERS.c.first_seen,
    MATCHES.c.aboutness,
    MATCHES.c.about,
    MATCHES.c.about_reasons,
    MATCHES.c.kind,
)


# -- writes ---------------------------------------------------------------------------------------------
def replace_matches(
    session: Session, arxiv_ids: Collection[str], matches: Sequence[MatchRow], now: datetime
) -> None:
    """These papers' matches become exactly `matches` (every match must belong to one of them)."""
    replace_matches_by(session, "arxiv_id", arxiv_ids, matches, now)


def replace_topic_matches(
    session: Session, topic_ids: Collection[str], matches: Sequence[MatchRow], now: datetime
) -> None:
    """These topics' matches become exactly `matches` (every match must belong to one of them)."""
    replace_matches_by(session, "topic_id", topic_ids, matches, now)


def replace_matches_by(
    session: Session, field: str, ids: Collection[str], matches: Sequence[MatchRow], now: datetime
) -> None:
    """The matches of these papers (field "arxiv_id") or topics ("topic_id") become exactly `matches`.

    When each replaced match was first recorded is kept (see keep_first_seen): `matched_at` says when a
    match was last computed, and digests must not take a re-matched paper for a new one.
    """
    unique_ids = list(dict.fromkeys(ids))
    require_within(field, {getattr(m, field) for m in matches}, set(unique_ids))
    for chunk in chunks(unique_ids):
        keep_first_seen(session, MATCHES.c[field].in_(chunk))
        session.execute(delete(MATCHES).where(MATCHES.c[field].in_(chunk)))
    insert_matches(session, matches, now)


def keep_first_seen(session: Session, which: ColumnElement[bool]) -> None:
    """Copy `which` matches' `matched_at` into match_first_seen before they are replaced; a match already
    there keeps its earlier time. New papers' matches (add_matches) need no copy: their `matched_at` is
    their first recording until a replace."""
    names = ["arxiv_id", "topic_id", "first_matched_at"]
    stored = select(MATCHES.c.arxiv_id, MATCHES.c.topic_id, MATCHES.c.matched_at).where(which)
    statement = insert_for(session, MATCH_FIRST_SEEN).from_select(names, stored)
    session.execute(statement.on_conflict_do_nothing(index_elements=["arxiv_id", "topic_id"]))


def add_matches(
    session: Session, arxiv_ids: Collection[str], matches: Sequence[MatchRow], now: datetime
) -> None:
    """Matches of papers just inserted (upsert_papers' new_ids), which have none stored: no DELETE needed.

    Every match must belong to one of `arxiv_ids`, as for replace_matches.
    """
    require_within("arxiv_id", {m.arxiv_id for m in matches}, set(arxiv_ids))
    insert_matches(session, matches, now)


def require_within(field: str, given: set[str], allowed: set[str]) -> None:
    if not given <= allowed:
        raise ValueError(f"matches with {field} outside the replaced set: {sorted(given - allowed)[:5]}")


def insert_matches(session: Session, matches: Sequence[MatchRow], now: datetime) -> None:
    """Write `matches`, each with its paper's publication date (see schema.PaperTopic.published); a match
    of a paper not stored (no date: None) breaks the foreign key and NOT NULL alike."""
    # A paper listed twice in a page yields its matches twice; the last one of each pair wins.
    unique = {(m.arxiv_id, m.topic_id): m for m in matches}
    dialect_name = session.get_bind().dialect.name
    matched_at = utc_param(now, dialect_name)
    published = published_params(session, {m.arxiv_id for m in unique.values()}, dialect_name)
    rows = [
        (*MATCH.driver_values(m, dialect_name), matched_at, published.get(m.arxiv_id))
        for m in unique.values()
    ]
    insert_driver_rows(session, MATCHES, MATCH_COLUMNS, rows)


def published_params(session: Session, arxiv_ids: Collection[str], dialect_name: str) -> dict[str, Any]:
    """Each stored paper's `published`, as the driver takes it."""
    found: dict[str, Any] = {}
    for chunk in chunks(sorted(arxiv_ids)):
        query = select(PAPERS.c.arxiv_id, PAPERS.c.published).where(PAPERS.c.arxiv_id.in_(chunk))
        found.update((a, utc_param(p, dialect_name)) for a, p in session.execute(query))
    return found


# -- reading-list candidates ----------------------------------------------------------------------------
def summary_query() -> Select[Any]:
    return select(*SUMMARY_COLUMNS).join(PAPERS, PAPERS.c.arxiv_id == MATCHES.c.arxiv_id)


def summaries(session: Session, query: Select[Any]) -> list[MatchSummary]:
    return [MatchSummary(*row) for row in session.execute(query)]


def topic_matches(session: Session, topic_id: str, since: datetime | None = None) -> list[MatchSummary]:
    """A topic's matches, published at or after `since` when given (a range scan of its ids, then the
    exact date)."""
    query = summary_query().where(MATCHES.c.topic_id == topic_id)
    if since is not None:
        query = query.where(MATCHES.c.arxiv_id >= id_floor(since), PAPERS.c.published >= since)
    return summaries(session, query)


def about_matches(
    session: Session,
    topic_id: str,
    since: datetime,
    per_group: int | None,
    exclude: Collection[str],
    bands: int,
) -> tuple[list[MatchSummary], int]:
    """The topic's matches judged about it, published since `since` (but `exclude`), thinned in SQL for a
    list of `per_group`; and how many there are.

    A reading list orders them newest first within groups — an aboutness band (floor(aboutness × `bands`))
    and a teaching kind or not. Whatever ranks the groups against each other, the list's first `per_group`
    are among the newest `per_group` of each group, so only those are read (window functions, both
    dialects; None reads them all). The about rows have their own index, so a widening window stays cheap.
    """
    statement = window_statement(about=True, bands=bands, thinned=per_group is not None)
    return run_window(session, statement, since, per_group, exclude, topic_id=topic_id)


def use_matches(
    session: Session, topic_id: str, since: datetime, per_group: int | None, exclude: Collection[str]
) -> tuple[list[MatchSummary], int]:
    """The topic's matches that only use it, thinned as about_matches does: the newest `per_group` of each
    match score (a list ranks them by score × recency, so newer first within one score)."""
    statement = window_statement(about=False, bands=0, thinned=per_group is not None)
    return run_window(session, statement, since, per_group, exclude, topic_id=topic_id)


# The window statements are built once, with bound parameters: building a statement with window
# functions and a subquery costs more than SQLite's answer for a sparse topic.
def in_window(matches: Any) -> tuple[ColumnElement[bool], ...]:
    return (
        matches.c.published >= bindparam("since", type_=MATCHES.c.published.type),
        matches.c.arxiv_id.not_in(bindparam("exclude", expanding=True)),
    )


def limited(query: Select[Any], thinned: bool) -> Select[Any]:
    """`query` (matches' columns, a group rank "newest" and a "total"), kept to the rows ranked within
    `per_group`, as summaries: each kept row joined to its paper's first_seen only now, after thinning."""
    inner = query.subquery()
    columns = [PAPERS.c.first_seen if c.table is PAPERS else inner.c[c.name] for c in SUMMARY_COLUMNS]
    outer = select(*columns, inner.c.newest, inner.c.total)
    outer = outer.join(PAPERS, PAPERS.c.arxiv_id == inner.c.arxiv_id)
    return outer.where(inner.c.newest <= bindparam("per_group")) if thinned else outer


WINDOW_COLUMNS = tuple(c for c in SUMMARY_COLUMNS if c.table is MATCHES)


@lru_cache(maxsize=8)
def window_statement(about: bool, bands: int, thinned: bool) -> Select[Any]:
    if about:
        kind = case((MATCHES.c.kind != "", 1), else_=0)
        groups: list[ColumnElement[Any]] = [floor_int(MATCHES.c.aboutness * bands), kind]
    else:
        groups = [MATCHES.c.score]
    newest = [MATCHES.c.published.desc(), MATCHES.c.arxiv_id]
    query = select(
        *WINDOW_COLUMNS,
        func.row_number().over(partition_by=groups, order_by=newest).label("newest"),
        func.count().over().label("total"),
    ).where(MATCHES.c.topic_id == bindparam("topic_id"), MATCHES.c.about == about, *in_window(MATCHES))
    return limited(query, thinned)


def run_window(
    session: Session,
    statement: Select[Any],
    since: datetime,
    per_group: int | None,
    exclude: Collection[str],
    **params: Any,
) -> tuple[list[MatchSummary], int]:
    """The summaries a window statement returns, and the count of all its rows before thinning."""
    values = {"since": since, "exclude": list(exclude), **params}
    if per_group is not None:
        values["per_group"] = per_group
    rows = session.execute(statement, values).all()
    width = len(SUMMARY_COLUMNS)
    return [MatchSummary(*row[:width]) for row in rows], (rows[0].total if rows else 0)


def frontier_matches(
    session: Session, since: datetime, per_group: int | None, exclude: Collection[str], bands: int
) -> tuple[list[MatchSummary], int]:
    """Papers published since `since` (but `exclude`) that are about a topic, each once, under the topic it
    is most about (then its best score, then the topic id) — thinned like about_matches: per topic and
    aboutness band, the newest `per_group`. Also how many such papers there are."""
    statement = frontier_statement(bands, thinned=per_group is not None)
    return run_window(session, statement, since, per_group, exclude)


@lru_cache(maxsize=4)
def frontier_statement(bands: int, thinned: bool) -> Select[Any]:
    best_first = (
        MATCHES.c.aboutness.desc(), MATCHES.c.score.desc(), MATCHES.c.topic_id,
    )  # fmt: skip
    about = (
        select(
            *WINDOW_COLUMNS,
            floor_int(MATCHES.c.aboutness * bands).label("band"),
            func.row_number().over(partition_by=MATCHES.c.arxiv_id, order_by=best_first).label("best"),
        )
        .where(
            # Every topic named, so the window index serves each topic's recent about rows alone.
            MATCHES.c.topic_id.in_(select(TOPICS.c.id).scalar_subquery()),
            MATCHES.c.about.is_(True),
            *in_window(MATCHES),
        )
        .subquery()
    )
    newest = about.c.published.desc(), about.c.arxiv_id
    query = (
        select(*(about.c[c.name] for c in WINDOW_COLUMNS))
        .add_columns(
            func.row_number()
            .over(partition_by=[about.c.topic_id, about.c.band], order_by=list(newest))
            .label("newest"),
            func.count().over().label("total"),
        )
        .where(about.c.best == 1)
    )
    return limited(query, thinned)


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
    width = len(PAPER_COLUMNS)
    for chunk in chunks(list(dict.fromkeys(pairs))):
        ids = list({arxiv_id for arxiv_id, _ in chunk})
        topics = list({topic_id for _, topic_id in chunk})
        query = (
            select(*PAPER_COLUMNS, *TOPIC_MATCH_COLUMNS)
            .join(MATCHES, MATCHES.c.arxiv_id == PAPERS.c.arxiv_id)
            .where(PAPERS.c.arxiv_id.in_(ids), MATCHES.c.topic_id.in_(topics))
        )
        for row in session.execute(query):
            topic_id, score, reasons, first_seen, aboutness, about, about_reasons, kind = row[width:]
            found[(row[0], topic_id)] = TopicMatch(
                paper_record(row), topic_id, score, tuple(reasons), first_seen,
                aboutness, bool(about), tuple(about_reasons or ()), kind,
            )  # fmt: skip
    return [found[pair] for pair in pairs if pair in found]


# -- trending -------------------------------------------------------------------------------------------
def trending_candidates(
    session: Session, since: datetime, topic_id: str | None = None
) -> list[TrendingCandidate]:
    """Matched papers with HF upvotes or GitHub stars, published or featured on HF since `since`.

    One candidate per paper with every topic it matched (or only `topic_id`), best match first. Read
    through indexes: a topic's recent ids (see db.ranges.id_floor) and the featured-day index, instead
    of every match of the topic.
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
