"""Idempotent writes: papers (arXiv and Hugging Face fields), topics from the roadmap, resources, matches,
runs, backfill progress and the collection lock."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from db.columns import utc_param
from db.dialect import insert_driver_rows, insert_for, upsert_statement
from db.merge import diff_papers, merge_duplicates
from db.reads import lock_holder, papers_by_id
from db.records import (
    RESOURCE_KINDS,
    HFPaper,
    MatchRow,
    PaperRecord,
    Resource,
    RunRow,
    TopicRow,
    UpsertResult,
)
from db.rows import (
    HF_FIELDS,
    LOCKS,
    MATCH_COLUMNS,
    MATCHES,
    NEW_PAPER_COLUMNS,
    PAPERS,
    RESOURCES,
    RUNS,
    SEMINAL,
    TOPICS,
    chunks,
    hf_seed_record,
    hf_values,
    match_row,
    new_paper_row,
    paper_values,
    resource_values,
    run_values,
)

# The papers columns an arXiv upsert may overwrite: what a PaperRecord holds (but the key) and last_seen.
# The Hugging Face columns belong to upsert_hf_papers alone.
PAPER_UPDATE_COLUMNS = (
    *(name for name in PaperRecord.__dataclass_fields__ if name != "arxiv_id"),
    "last_seen",
)
# sync_topics overwrites everything the roadmap says, never the backfill progress.
TOPIC_UPDATE_COLUMNS = tuple(c.name for c in TOPICS.columns if c.name not in ("id", "backfilled_until"))


# -- papers ----------------------------------------------------------------------------------------------
def upsert_papers(session: Session, records: Sequence[PaperRecord], now: datetime) -> UpsertResult:
    """Insert unknown papers, merge known ones (see merge_paper), and mark every one as seen at `now`.

    One SELECT per id chunk, the diff in Python, then executemany writes; no ORM objects. Papers the
    SELECT did not find take a plain INSERT (one collector writes at a time: see collector/locking.py).
    """
    incoming = merge_duplicates(records)
    new, changed, unchanged = diff_papers(papers_by_id(session, list(incoming)), incoming)
    insert_papers(session, new, now)
    write_papers(session, changed, now)
    touch_papers(session, unchanged, now)
    return UpsertResult(tuple(r.arxiv_id for r in new), tuple(r.arxiv_id for r in changed), len(unchanged))


def write_papers(session: Session, records: Sequence[PaperRecord], now: datetime) -> None:
    if records:
        statement = upsert_statement(session, PAPERS, ["arxiv_id"], PAPER_UPDATE_COLUMNS)
        session.execute(statement, [paper_values(r, now) for r in records])


def insert_papers(session: Session, records: Sequence[PaperRecord], now: datetime) -> None:
    """Papers not stored yet: a plain INSERT of pre-converted values (the bulk of every backfill)."""
    dialect_name = session.get_bind().dialect.name
    seen = utc_param(now, dialect_name)
    rows = [new_paper_row(record, seen, dialect_name) for record in records]
    insert_driver_rows(session, PAPERS, NEW_PAPER_COLUMNS, rows)


def touch_papers(session: Session, arxiv_ids: Sequence[str], now: datetime) -> None:
    for chunk in chunks(arxiv_ids):
        session.execute(update(PAPERS).where(PAPERS.c.arxiv_id.in_(chunk)).values(last_seen=now))


# -- topics ----------------------------------------------------------------------------------------------
def sync_topics(session: Session, rows: Sequence[TopicRow], now: datetime | None = None) -> set[str]:
    """Make the stored topics those of the roadmap; returns the ids that are new or whose query changed.

    `now` stamps the roadmap resources (default: the current time).
    """
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
    replace_children(session, rows, now or datetime.now(UTC))
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


def replace_children(session: Session, rows: Sequence[TopicRow], now: datetime) -> None:
    """Each synced topic's seminal papers and roadmap resources become exactly those of the roadmap.

    Resources found for a topic elsewhere (feed posts) stay.
    """
    ids = [row.id for row in rows]
    for chunk in chunks(ids):
        session.execute(delete(SEMINAL).where(SEMINAL.c.topic_id.in_(chunk)))
        session.execute(
            delete(RESOURCES).where(RESOURCES.c.topic_id.in_(chunk), RESOURCES.c.source == "roadmap")
        )
    seminal = [{"topic_id": row.id, **asdict(s)} for row in rows for s in row.seminal]
    insert_rows(session, SEMINAL, seminal)
    roadmap = [
        Resource(r.kind, r.url, r.title, topic_id=row.id, source="roadmap", position=r.position)
        for row in rows
        for r in row.resources
    ]
    upsert_resources(session, roadmap, now)


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
    replace_matches_by(session, "arxiv_id", arxiv_ids, matches, now)


def replace_topic_matches(
    session: Session, topic_ids: Collection[str], matches: Sequence[MatchRow], now: datetime
) -> None:
    """These topics' matches become exactly `matches` (every match must belong to one of them)."""
    replace_matches_by(session, "topic_id", topic_ids, matches, now)


def replace_matches_by(
    session: Session, field: str, ids: Collection[str], matches: Sequence[MatchRow], now: datetime
) -> None:
    """The matches of these papers (field "arxiv_id") or topics ("topic_id") become exactly `matches`."""
    unique_ids = list(dict.fromkeys(ids))
    require_within(field, {getattr(m, field) for m in matches}, set(unique_ids))
    for chunk in chunks(unique_ids):
        session.execute(delete(MATCHES).where(MATCHES.c[field].in_(chunk)))
    insert_matches(session, matches, now)


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
    # A paper listed twice in a page yields its matches twice; the last one of each pair wins.
    unique = {(m.arxiv_id, m.topic_id): m for m in matches}
    matched_at = utc_param(now, session.get_bind().dialect.name)
    rows = [match_row(m, matched_at) for m in unique.values()]
    insert_driver_rows(session, MATCHES, MATCH_COLUMNS, rows)


# -- runs ------------------------------------------------------------------------------------------------
def record_run(session: Session, run: RunRow) -> None:
    session.execute(insert(RUNS), [run_values(run)])


# -- Hugging Face ----------------------------------------------------------------------------------------
def upsert_hf_papers(session: Session, papers: Sequence[HFPaper], now: datetime) -> UpsertResult:
    """Merge what Hugging Face says into the papers' rows, whichever source stored the paper first.

    A paper nobody stored yet gets a row seeded from HF (version 0, no categories: see hf_seed_record)
    for arXiv to complete. A known paper keeps its arXiv metadata; only HF's fields change, and a field
    this answer lacks (older API generations) keeps its stored value. The featured day is the earliest,
    and so is `published` (as merge_paper does: a listing only knew the announcement day), so either
    order of arrival gives the same row. Every paper is marked as seen by HF at `now`.
    """
    incoming = merge_hf_duplicates(papers)
    before = stored_hf_values(session, list(incoming))
    seeds = {a: hf_seed_record(p, now) for a, p in incoming.items() if a not in before}
    write_papers(session, list(seeds.values()), now)
    base = before | {a: {"published": seed.published} for a, seed in seeds.items()}
    merged = {a: merge_hf_values(base[a], p) for a, p in incoming.items()}
    changed = tuple(a for a in before if merged[a] != before[a])
    write_hf_values(session, merged, now)
    return UpsertResult(tuple(seeds), changed, len(incoming) - len(seeds) - len(changed))


def merge_hf_duplicates(papers: Sequence[HFPaper]) -> dict[str, HFPaper]:
    """One HFPaper per id; a later mention fills or refreshes the fields an earlier one gave."""
    merged: dict[str, HFPaper] = {}
    for paper in papers:
        earlier = merged.get(paper.arxiv_id)
        if earlier is None:
            merged[paper.arxiv_id] = paper
            continue
        fields = {name: getattr(paper, name) for name in HF_FIELDS if getattr(paper, name) is not None}
        if earlier.featured_on and paper.featured_on:
            fields["featured_on"] = min(earlier.featured_on, paper.featured_on)
        merged[paper.arxiv_id] = replace(earlier, **fields)
    return merged


HF_MERGED_COLUMNS = (*HF_FIELDS.values(), "published")


def stored_hf_values(session: Session, arxiv_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored HF columns and `published` of those of `arxiv_ids` that have a row (None included)."""
    columns = [PAPERS.c[name] for name in HF_MERGED_COLUMNS]
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(arxiv_ids):
        rows = session.execute(select(PAPERS.c.arxiv_id, *columns).where(PAPERS.c.arxiv_id.in_(chunk)))
        found.update((row[0], dict(zip(HF_MERGED_COLUMNS, row[1:], strict=True))) for row in rows)
    return found


def merge_hf_values(stored: dict[str, Any], paper: HFPaper) -> dict[str, Any]:
    merged = {column: stored.get(column) for column in HF_MERGED_COLUMNS} | hf_values(paper)
    if stored.get("hf_featured_on") and paper.featured_on:
        merged["hf_featured_on"] = min(stored["hf_featured_on"], paper.featured_on)
    if paper.published is not None:
        merged["published"] = min(stored["published"], paper.published)
    return merged


def write_hf_values(session: Session, values: dict[str, dict[str, Any]], now: datetime) -> None:
    if not values:
        return
    columns = [*HF_MERGED_COLUMNS, "hf_seen_at"]
    # Bind names must differ from the column names SQLAlchemy reserves for SET.
    statement = (
        update(PAPERS)
        .where(PAPERS.c.arxiv_id == bindparam("v_key"))
        .values({c: bindparam(f"v_{c}") for c in columns})
    )
    rows = [
        {"v_key": arxiv_id, "v_hf_seen_at": now, **{f"v_{c}": v for c, v in row.items()}}
        for arxiv_id, row in values.items()
    ]
    session.connection().execute(statement, rows)


def mark_hf_checked(session: Session, arxiv_ids: Collection[str], now: datetime) -> None:
    """Record that these papers' HF pages were asked for at `now` (found or not)."""
    for chunk in chunks(list(arxiv_ids)):
        session.execute(update(PAPERS).where(PAPERS.c.arxiv_id.in_(chunk)).values(hf_checked_at=now))


# -- resources -------------------------------------------------------------------------------------------
def upsert_resources(session: Session, resources: Sequence[Resource], now: datetime) -> int:
    """Insert new resources and refresh known ones (title, kind, popularity); returns how many are new.

    Keyed on (owner, url): the same URL may belong to several papers or topics. Popularity a source
    does not know this time (None) keeps its stored value; the first source to name it stays its source.
    """
    rows = list({(r["owner"], r["url"]): r for r in (checked_values(x, now) for x in resources)}.values())
    if not rows:
        return 0
    known = known_resource_keys(session, {row["owner"] for row in rows})
    statement = insert_for(session, RESOURCES)
    kept = ("stars", "likes", "downloads", "published", "position")
    refreshed: dict[str, ColumnElement[Any]] = {
        c: statement.excluded[c] for c in ("kind", "title", "last_seen")
    }
    refreshed |= {c: func.coalesce(statement.excluded[c], RESOURCES.c[c]) for c in kept}
    # Who told us first stays the source, except the roadmap, which owns its resources (sync_topics).
    roadmap = statement.excluded.source == "roadmap"
    refreshed["source"] = case((roadmap, statement.excluded.source), else_=RESOURCES.c.source)
    session.execute(statement.on_conflict_do_update(index_elements=["owner", "url"], set_=refreshed), rows)
    return sum((row["owner"], row["url"]) not in known for row in rows)


def checked_values(resource: Resource, now: datetime) -> dict[str, Any]:
    if resource.kind not in RESOURCE_KINDS:
        raise ValueError(f"unknown resource kind {resource.kind!r}; use one of {', '.join(RESOURCE_KINDS)}")
    return resource_values(resource, now)


def known_resource_keys(session: Session, owners: Collection[str]) -> set[tuple[str, str]]:
    known: set[tuple[str, str]] = set()
    for chunk in chunks(sorted(owners)):
        query = select(RESOURCES.c.owner, RESOURCES.c.url).where(RESOURCES.c.owner.in_(chunk))
        known.update((owner, url) for owner, url in session.execute(query))
    return known


# -- the collection lock ---------------------------------------------------------------------------------
def acquire_lock(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take lock `name` for `holder` unless someone else holds it and has not let it expire.

    One INSERT … ON CONFLICT DO UPDATE … WHERE, so two processes racing for it cannot both win; the
    holder re-acquiring its own lock just renews it.
    """
    statement = insert_for(session, LOCKS).values(
        name=name, holder=holder, acquired_at=now, heartbeat_at=now, expires_at=now + ttl
    )
    taken = {c: statement.excluded[c] for c in ("holder", "acquired_at", "heartbeat_at", "expires_at")}
    stale_or_mine = or_(LOCKS.c.expires_at < now, LOCKS.c.holder == holder)
    session.execute(statement.on_conflict_do_update(index_elements=["name"], set_=taken, where=stale_or_mine))
    current = lock_holder(session, name)
    return current is not None and current.holder == holder


def renew_lock(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Extend `holder`'s lock from `now` (the heartbeat); False when it is no longer theirs."""
    result = session.execute(
        update(LOCKS)
        .where(LOCKS.c.name == name, LOCKS.c.holder == holder)
        .values(heartbeat_at=now, expires_at=now + ttl)
    )
    return bool(getattr(result, "rowcount", 0))


def release_lock(session: Session, name: str, holder: str) -> bool:
    """Give the lock up; False when `holder` did not hold it (it expired and was taken over)."""
    result = session.execute(delete(LOCKS).where(LOCKS.c.name == name, LOCKS.c.holder == holder))
    return bool(getattr(result, "rowcount", 0))
