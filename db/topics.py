"""Topics and levels as synced from roadmap.yaml, with their classics, roadmap resources and backfill
progress. Syncing writes only what changed: every command opens the store, and a row the roadmap did not
change keeps its id, its first_seen and its last_seen."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.orm import Session

from db.convert import RecordMap, chunks
from db.dialect import upsert_statement
from db.papers import papers_by_id
from db.records import LevelRow, Resource, ResourceRow, SeminalPaper, SeminalRow, TopicRow
from db.resources import owner_key, upsert_resources
from db.schema import LEVELS, MATCHES, PAPERS, RESOURCES, SEMINAL, TOPICS

T = TypeVar("T")
TOPIC = RecordMap(TopicRow, TOPICS, {"group": "group_name"})
LEVEL = RecordMap(LevelRow, LEVELS)
CLASSIC = RecordMap(SeminalRow, SEMINAL)
ROADMAP_RESOURCE = RecordMap(ResourceRow, RESOURCES)
# sync_topics overwrites everything the roadmap says, never the backfill progress.
TOPIC_UPDATE_COLUMNS = tuple(c.name for c in TOPICS.columns if c.name not in ("id", "backfilled_until"))


# -- reads ----------------------------------------------------------------------------------------------
def list_topics(session: Session) -> list[TopicRow]:
    """Every topic in roadmap order, with its seminal papers and roadmap resources."""
    seminal = children(session, CLASSIC)
    resources = children(session, ROADMAP_RESOURCE, RESOURCES.c.source == "roadmap")
    rows = session.execute(select(*TOPIC.columns).order_by(TOPICS.c.position, TOPICS.c.id))
    topics = [TOPIC.record(row) for row in rows]
    return [
        replace(t, seminal=tuple(seminal.get(t.id, ())), resources=tuple(resources.get(t.id, ())))
        for t in topics
    ]


def children(session: Session, mapping: RecordMap[T], *where: ColumnElement[bool]) -> dict[str, list[T]]:
    """Rows of a per-topic table (classics, resources) grouped by topic, each group in position order."""
    table = mapping.columns[0].table
    topic_id, position = table.c.topic_id, table.c.position
    query = select(*mapping.columns, topic_id).where(*where).order_by(topic_id, position)
    grouped: dict[str, list[T]] = defaultdict(list)
    for row in session.execute(query):
        grouped[row[-1]].append(mapping.record(row))
    return grouped


def list_levels(session: Session) -> list[LevelRow]:
    """The roadmap's levels in order, with their names."""
    return [LEVEL.record(row) for row in session.execute(select(*LEVEL.columns).order_by(LEVELS.c.position))]


def topic_backfills(session: Session) -> dict[str, datetime | None]:
    """Topic id → the end of its last successful backfill window (None if never backfilled)."""
    return {key: value for key, value in session.execute(select(TOPICS.c.id, TOPICS.c.backfilled_until))}


def topic_seminal(session: Session, topic_id: str) -> list[SeminalPaper]:
    """A topic's classics in position order, each with its stored paper when fetched."""
    query = select(*CLASSIC.columns).where(SEMINAL.c.topic_id == topic_id).order_by(SEMINAL.c.position)
    seminal = [CLASSIC.record(row) for row in session.execute(query)]
    papers = papers_by_id(session, [s.arxiv_id for s in seminal if s.arxiv_id])
    return [SeminalPaper(seminal=s, paper=papers.get(s.arxiv_id or "")) for s in seminal]


def topics_seminal(session: Session, topic_ids: Collection[str]) -> dict[str, list[SeminalPaper]]:
    """Several topics' classics at once (two queries), each topic's in position order."""
    rows = children(session, CLASSIC, SEMINAL.c.topic_id.in_(sorted(topic_ids)))
    papers = papers_by_id(session, [s.arxiv_id for group in rows.values() for s in group if s.arxiv_id])
    return {
        topic_id: [
            SeminalPaper(seminal=s, paper=papers.get(s.arxiv_id or "")) for s in rows.get(topic_id, [])
        ]
        for topic_id in topic_ids
    }


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


# -- writes ---------------------------------------------------------------------------------------------
def sync_levels(session: Session, levels: Sequence[LevelRow]) -> None:
    """The stored levels become exactly the roadmap's (their names are the roadmap's to change)."""
    session.execute(delete(LEVELS).where(LEVELS.c.id.not_in([level.id for level in levels])))
    stored = {row.id: row for row in list_levels(session)}
    changed = [level for level in levels if stored.get(level.id) != level]
    if changed:
        statement = upsert_statement(session, LEVELS, ["id"], [n for n in LEVEL.names if n != "id"])
        session.execute(statement, [LEVEL.values(level) for level in changed])


def sync_topics(session: Session, rows: Sequence[TopicRow], now: datetime, version: str = "") -> set[str]:
    """Make the stored topics those of the roadmap; returns the ids that are new or whose query changed.

    `now` stamps the roadmap resources that are new or changed. `version` names how matches are computed
    (the caller's matcher and scorer): it is part of each query's hash, so a new version reports every
    topic as changed.
    """
    ids = [row.id for row in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate topic ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    before = stored_topic_values(session)
    delete_topics(session, sorted(set(before) - set(ids)))
    wanted = {row.id: topic_values(row, version) for row in rows}
    changed = [values for topic_id, values in wanted.items() if before.get(topic_id) != values]
    if changed:
        statement = upsert_statement(session, TOPICS, ["id"], TOPIC_UPDATE_COLUMNS)
        session.execute(statement, [{"id": values["id"], **values} for values in changed])
    sync_seminal(session, rows)
    sync_roadmap_resources(session, rows, now)
    return {
        i
        for i, values in wanted.items()
        if i not in before or before[i]["query_hash"] != values["query_hash"]
    }


def topic_values(row: TopicRow, version: str = "") -> dict[str, Any]:
    """The columns sync_topics owns for `row` (all but the backfill progress), with its query's hash."""
    values = TOPIC.values(row) | {"query_hash": query_hash(row.query, version)}
    return {"id": row.id} | {name: values[name] for name in TOPIC_UPDATE_COLUMNS}


def stored_topic_values(session: Session) -> dict[str, dict[str, Any]]:
    columns = [TOPICS.c.id, *(TOPICS.c[name] for name in TOPIC_UPDATE_COLUMNS)]
    return {
        row[0]: {"id": row[0]} | dict(zip(TOPIC_UPDATE_COLUMNS, row[1:], strict=True))
        for row in session.execute(select(*columns))
    }


def query_hash(query: str | None, version: str = "") -> str | None:
    return None if query is None else hashlib.sha256(f"{query}\0{version}".encode()).hexdigest()


def delete_topics(session: Session, topic_ids: Sequence[str]) -> None:
    """Topics gone from the roadmap, with their matches, seminal papers and resources."""
    for table in (MATCHES, SEMINAL, RESOURCES, TOPICS):
        column = table.c.id if table is TOPICS else table.c.topic_id
        for chunk in chunks(topic_ids):
            session.execute(delete(table).where(column.in_(chunk)))


def sync_seminal(session: Session, rows: Sequence[TopicRow]) -> None:
    """Each topic's classics become exactly the roadmap's; a topic whose list did not change is left alone."""
    stored = children(session, CLASSIC)
    changed = [row for row in rows if tuple(stored.get(row.id, ())) != row.seminal]
    for chunk in chunks([row.id for row in changed]):
        session.execute(delete(SEMINAL).where(SEMINAL.c.topic_id.in_(chunk)))
    seminal: list[dict[str, Any]] = [
        {"topic_id": row.id, **asdict(s)} for row in changed for s in row.seminal
    ]
    if seminal:
        session.execute(insert(SEMINAL), seminal)


def sync_roadmap_resources(session: Session, rows: Sequence[TopicRow], now: datetime) -> None:
    """Each topic's roadmap resources become exactly the roadmap's: gone ones deleted, new or changed ones
    upserted, unchanged ones left alone. Resources found for a topic elsewhere (feed posts) stay."""
    wanted = {
        (owner_key(None, row.id), r.url): Resource(
            r.kind, r.url, r.title, topic_id=row.id, source="roadmap", position=r.position
        )
        for row in rows
        for r in row.resources
    }
    stored = stored_roadmap_resources(session)
    gone = [row_id for key, (row_id, _) in stored.items() if key not in wanted]
    for chunk in chunks(gone):
        session.execute(delete(RESOURCES).where(RESOURCES.c.id.in_(chunk)))
    changed = [
        r for key, r in wanted.items() if key not in stored or stored[key][1] != (r.kind, r.title, r.position)
    ]
    upsert_resources(session, changed, now)


def stored_roadmap_resources(session: Session) -> dict[tuple[str, str], tuple[int, tuple[Any, ...]]]:
    """(owner, url) → (row id, (kind, title, position)) of every stored roadmap resource."""
    query = select(
        RESOURCES.c.owner, RESOURCES.c.url, RESOURCES.c.id, RESOURCES.c.kind, RESOURCES.c.title,
        RESOURCES.c.position,
    ).where(RESOURCES.c.source == "roadmap")  # fmt: skip
    return {
        (owner, url): (row_id, (kind, title, position))
        for owner, url, row_id, kind, title, position in session.execute(query)
    }


def set_topic_backfill(session: Session, topic_ids: Collection[str], until: datetime) -> None:
    """Record that these topics are backfilled up to `until` (the end of a successful window)."""
    for chunk in chunks(list(topic_ids)):
        session.execute(update(TOPICS).where(TOPICS.c.id.in_(chunk)).values(backfilled_until=until))
