"""Resources (code, HF models/datasets/Spaces, project pages, roadmap links, blog posts) linked to a paper,
a topic or both: the idempotent upsert keyed on (owner, url), and the reads of a paper's or topic's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from db.convert import RecordMap, chunks
from db.dialect import insert_for
from db.records import RESOURCE_KINDS, Resource
from db.schema import RESOURCES, TOPICS

RESOURCE = RecordMap(Resource, RESOURCES)
RESOURCE_ORDER = (
    RESOURCES.c.kind,
    func.coalesce(RESOURCES.c.stars, RESOURCES.c.likes, RESOURCES.c.downloads, -1).desc(),
    RESOURCES.c.url,
)


# -- reads ----------------------------------------------------------------------------------------------
def paper_resources(session: Session, arxiv_ids: Collection[str]) -> dict[str, list[Resource]]:
    """Each paper's resources (code, HF models/datasets/Spaces, project page), by kind, most popular first."""
    found: dict[str, list[Resource]] = defaultdict(list)
    for chunk in chunks(list(dict.fromkeys(arxiv_ids))):
        query = select(*RESOURCE.columns).where(RESOURCES.c.arxiv_id.in_(chunk)).order_by(*RESOURCE_ORDER)
        for row in session.execute(query):
            resource = RESOURCE.record(row)
            found[resource.arxiv_id or ""].append(resource)
    return dict(found)


def topic_resources(session: Session, topic_id: str, source: str | None = None) -> list[Resource]:
    """A topic's resources: the roadmap's in roadmap order, then found ones (feed posts) newest first."""
    query = (
        select(*RESOURCE.columns)
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
    return [RESOURCE.record(row) for row in session.execute(query)]


def roadmap_feeds(session: Session) -> list[Resource]:
    """The roadmap's feed resources (RSS/Atom of a blog), in roadmap order."""
    query = (
        select(*RESOURCE.columns)
        .join(TOPICS, TOPICS.c.id == RESOURCES.c.topic_id)
        .where(RESOURCES.c.kind == "feed", RESOURCES.c.source == "roadmap")
        .order_by(TOPICS.c.position, RESOURCES.c.position)
    )
    return [RESOURCE.record(row) for row in session.execute(query)]


# -- writes ---------------------------------------------------------------------------------------------
def upsert_resources(session: Session, resources: Sequence[Resource], now: datetime) -> int:
    """Insert new resources and refresh known ones (title, kind, popularity); returns how many are new.

    Keyed on (owner, url): the same URL may belong to several papers or topics. Popularity a source
    does not know this time (None) keeps its stored value; the first source to name it stays its source.
    """
    rows = list({(r["owner"], r["url"]): r for r in (resource_values(x, now) for x in resources)}.values())
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


def owner_key(arxiv_id: str | None, topic_id: str | None) -> str:
    """The never-NULL key of what a resource belongs to: "paper:ID", "topic:ID" or both."""
    if arxiv_id is None and topic_id is None:
        raise ValueError("a resource belongs to a paper, a topic, or both")
    parts = ([f"paper:{arxiv_id}"] if arxiv_id else []) + ([f"topic:{topic_id}"] if topic_id else [])
    return " ".join(parts)


def resource_values(resource: Resource, now: datetime) -> dict[str, Any]:
    """The row of a resource seen at `now`; ValueError for a kind outside RESOURCE_KINDS."""
    if resource.kind not in RESOURCE_KINDS:
        raise ValueError(f"unknown resource kind {resource.kind!r}; use one of {', '.join(RESOURCE_KINDS)}")
    owner = owner_key(resource.arxiv_id, resource.topic_id)
    return RESOURCE.values(resource) | {"owner": owner, "first_seen": now, "last_seen": now}


def known_resource_keys(session: Session, owners: Collection[str]) -> set[tuple[str, str]]:
    known: set[tuple[str, str]] = set()
    for chunk in chunks(sorted(owners)):
        query = select(RESOURCES.c.owner, RESOURCES.c.url).where(RESOURCES.c.owner.in_(chunk))
        known.update((owner, url) for owner, url in session.execute(query))
    return known
