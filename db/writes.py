"""Idempotent writes: papers, topics from the roadmap, matches, runs and backfill progress."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from db.dialect import upsert_statement
from db.merge import diff_papers, merge_duplicates
from db.reads import papers_by_id
from db.records import MatchRow, PaperRecord, RunRow, TopicRow, UpsertResult
from db.rows import (
    MATCHES,
    PAPERS,
    RESOURCES,
    RUNS,
    SEMINAL,
    TOPICS,
    chunks,
    paper_values,
    run_values,
)

# Every papers column an upsert may overwrite: all but the key and first_seen.
PAPER_UPDATE_COLUMNS = tuple(c.name for c in PAPERS.columns if c.name not in ("arxiv_id", "first_seen"))
# sync_topics overwrites everything the roadmap says, never the backfill progress.
TOPIC_UPDATE_COLUMNS = tuple(c.name for c in TOPICS.columns if c.name not in ("id", "backfilled_until"))


# -- papers ----------------------------------------------------------------------------------------------
def upsert_papers(session: Session, records: Sequence[PaperRecord], now: datetime) -> UpsertResult:
    """Insert unknown papers, merge known ones (see merge_paper), and mark every one as seen at `now`.

    One SELECT per id chunk, the diff in Python, then executemany writes; no ORM objects.
    """
    incoming = merge_duplicates(records)
    new, changed, unchanged = diff_papers(papers_by_id(session, list(incoming)), incoming)
    write_papers(session, new + changed, now)
    touch_papers(session, unchanged, now)
    return UpsertResult(tuple(r.arxiv_id for r in new), tuple(r.arxiv_id for r in changed), len(unchanged))


def write_papers(session: Session, records: Sequence[PaperRecord], now: datetime) -> None:
    if records:
        statement = upsert_statement(session, PAPERS, ["arxiv_id"], PAPER_UPDATE_COLUMNS)
        session.execute(statement, [paper_values(r, now) for r in records])


def touch_papers(session: Session, arxiv_ids: Sequence[str], now: datetime) -> None:
    for chunk in chunks(arxiv_ids):
        session.execute(update(PAPERS).where(PAPERS.c.arxiv_id.in_(chunk)).values(last_seen=now))


# -- topics ----------------------------------------------------------------------------------------------
def sync_topics(session: Session, rows: Sequence[TopicRow]) -> set[str]:
    """Make the stored topics those of the roadmap; returns the ids that are new or whose query changed."""
    ids = [row.id for row in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate topic ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    before = {
        topic_id: digest for topic_id, digest in session.execute(select(TOPICS.c.id, TOPICS.c.query_hash))
    }
    delete_topics(session, sorted(set(before) - set(ids)))
    if rows:
        statement = upsert_statement(session, TOPICS, ["id"], TOPIC_UPDATE_COLUMNS)
        session.execute(statement, [topic_values(row) for row in rows])
    replace_children(session, rows)
    return {row.id for row in rows if row.id not in before or before[row.id] != query_hash(row.query)}


def query_hash(query: str | None) -> str | None:
    return None if query is None else hashlib.sha256(query.encode()).hexdigest()


def topic_values(row: TopicRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "level": row.level,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "group_name": row.group,
        "aliases": list(row.aliases),
        "query": row.query,
        "query_hash": query_hash(row.query),
        "position": row.position,
    }


def delete_topics(session: Session, topic_ids: Sequence[str]) -> None:
    """Topics gone from the roadmap, with their matches, seminal papers and resources."""
    for table in (MATCHES, SEMINAL, RESOURCES, TOPICS):
        column = table.c.id if table is TOPICS else table.c.topic_id
        for chunk in chunks(topic_ids):
            session.execute(delete(table).where(column.in_(chunk)))


def replace_children(session: Session, rows: Sequence[TopicRow]) -> None:
    """Each synced topic's seminal papers and resources become exactly those of the roadmap."""
    ids = [row.id for row in rows]
    for table in (SEMINAL, RESOURCES):
        for chunk in chunks(ids):
            session.execute(delete(table).where(table.c.topic_id.in_(chunk)))
    seminal = [{"topic_id": row.id, **asdict(s)} for row in rows for s in row.seminal]
    resources = [{"topic_id": row.id, **asdict(r)} for row in rows for r in row.resources]
    insert_rows(session, SEMINAL, seminal)
    insert_rows(session, RESOURCES, resources)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table), rows)


def set_topic_backfill(session: Session, topic_ids: Collection[str], until: datetime) -> None:
    """Record that these topics are backfilled up to `until` (the end of a successful window)."""
    for chunk in chunks(list(topic_ids)):
        session.execute(update(TOPICS).where(TOPICS.c.id.in_(chunk)).values(backfilled_until=until))


# -- matches ---------------------------------------------------------------------------------------------
def replace_matches(
    session: Session, arxiv_ids: Collection[str], matches: Sequence[MatchRow], now: datetime
) -> None:
    """These papers' matches become exactly `matches` (every match must belong to one of them)."""
    ids = list(dict.fromkeys(arxiv_ids))
    require_within("arxiv_id", {m.arxiv_id for m in matches}, set(ids))
    for chunk in chunks(ids):
        session.execute(delete(MATCHES).where(MATCHES.c.arxiv_id.in_(chunk)))
    insert_matches(session, matches, now)


def replace_topic_matches(
    session: Session, topic_ids: Collection[str], matches: Sequence[MatchRow], now: datetime
) -> None:
    """These topics' matches become exactly `matches` (every match must belong to one of them)."""
    ids = list(dict.fromkeys(topic_ids))
    require_within("topic_id", {m.topic_id for m in matches}, set(ids))
    for chunk in chunks(ids):
        session.execute(delete(MATCHES).where(MATCHES.c.topic_id.in_(chunk)))
    insert_matches(session, matches, now)


def require_within(field: str, given: set[str], allowed: set[str]) -> None:
    if not given <= allowed:
        raise ValueError(f"matches with {field} outside the replaced set: {sorted(given - allowed)[:5]}")


def insert_matches(session: Session, matches: Sequence[MatchRow], now: datetime) -> None:
    # A paper listed twice in a page yields its matches twice; the last one of each pair wins.
    unique = {(m.arxiv_id, m.topic_id): m for m in matches}
    rows = [
        {
            "arxiv_id": m.arxiv_id,
            "topic_id": m.topic_id,
            "score": m.score,
            "reasons": list(m.reasons),
            "matched_at": now,
        }
        for m in unique.values()
    ]
    insert_rows(session, MATCHES, rows)


# -- runs ------------------------------------------------------------------------------------------------
def record_run(session: Session, run: RunRow) -> None:
    session.execute(insert(RUNS), [run_values(run)])
