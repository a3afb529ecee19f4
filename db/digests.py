"""Digests and feeds: the reads they are built from (matches by when they were first recorded, a topic's
new resources, what an address has been sent) and the exactly-once write of a sent digest.

A match's first recording is COALESCE(match_first_seen, paper_topics.matched_at): db.matches keeps the
first time in match_first_seen whenever it replaces a match, so a re-matched paper is never new again.
`record_sent` writes the digest, its ledger rows and its subscriptions' progress in one transaction,
after the SMTP server accepted the message: a crash in between re-sends that one digest, never loses a
paper.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, select, update
from sqlalchemy.orm import Session

from db.convert import RecordMap, chunks
from db.dialect import insert_for
from db.matches import summary_query
from db.ranges import after, id_floor
from db.records import MatchSummary, NewMatch, NewResource, Resource, SentDigest
from db.schema import DIGESTS, LEDGER, MATCH_FIRST_SEEN, MATCHES, PAPERS, RESOURCES, SUBSCRIPTIONS

RESOURCE = RecordMap(Resource, RESOURCES)


def first_recorded() -> ColumnElement[datetime]:
    """When a match was first recorded: kept across re-matches (see db.matches.keep_first_seen)."""
    return func.coalesce(MATCH_FIRST_SEEN.c.first_matched_at, MATCHES.c.matched_at)


# -- candidates -----------------------------------------------------------------------------------------
def new_matches(
    session: Session, topic_ids: Collection[str], recorded_after: datetime, published_since: datetime
) -> list[NewMatch]:
    """Matches of these topics first recorded after `recorded_after`, of papers published since
    `published_since` (a range scan of each topic's recent ids, then the exact dates)."""
    recorded = first_recorded()
    kept = and_(
        MATCH_FIRST_SEEN.c.arxiv_id == MATCHES.c.arxiv_id, MATCH_FIRST_SEEN.c.topic_id == MATCHES.c.topic_id
    )
    query = (
        summary_query()
        .add_columns(recorded)
        .outerjoin(MATCH_FIRST_SEEN, kept)
        .where(
            MATCHES.c.topic_id.in_(sorted(topic_ids)),
            MATCHES.c.arxiv_id >= id_floor(published_since),
            PAPERS.c.published >= published_since,
            recorded > recorded_after,
        )
    )
    return [NewMatch(MatchSummary(*row[:-1]), row[-1]) for row in session.execute(query)]


def sent_ids(session: Session, email: str, published_since: datetime) -> set[str]:
    """The papers this address has been sent (listed or counted) among those published since then (a
    range of the ledger's primary key: ids carry their month, old-style ids sort after all of them)."""
    query = select(LEDGER.c.arxiv_id).where(
        LEDGER.c.email == email, LEDGER.c.arxiv_id >= id_floor(published_since)
    )
    return set(session.execute(query).scalars())


def new_topic_resources(session: Session, topic_ids: Collection[str], since: datetime) -> list[NewResource]:
    """Resources these topics gained after `since` (blog posts, found links), oldest first. The roadmap's
    own are left out: every roadmap sync re-inserts them, so their first_seen says nothing about news."""
    query = (
        select(*RESOURCE.columns, RESOURCES.c.first_seen)
        .where(
            RESOURCES.c.topic_id.in_(sorted(topic_ids)),
            RESOURCES.c.source != "roadmap",
            after(RESOURCES.c.first_seen, since, False),
        )
        .order_by(RESOURCES.c.first_seen, RESOURCES.c.url)
    )
    return [NewResource(RESOURCE.record(row), row[-1]) for row in session.execute(query)]


# -- the exactly-once write -----------------------------------------------------------------------------
def record_sent(session: Session, sent: SentDigest) -> None:
    """The digest, the papers it told the address about, and its subscriptions' progress (the next
    period starts at `sent_at`; a previous delivery error is cleared), in the caller's one transaction."""
    listed = sum(entry.listed for entry in sent.entries)
    session.execute(
        insert(DIGESTS).values(
            id=sent.id, email=sent.email, frequency=sent.frequency, message_id=sent.message_id,
            sent_at=sent.sent_at, listed=listed, counted=len(sent.entries) - listed,
        )
    )  # fmt: skip
    rows: list[dict[str, Any]] = [
        {"email": sent.email, "arxiv_id": e.arxiv_id, "digest_id": sent.id, "topic_id": e.topic_id,
         "listed": e.listed}
        for e in sent.entries
    ]  # fmt: skip
    if rows:  # a paper sent before (a re-run racing this one) keeps its first ledger row
        session.execute(insert_for(session, LEDGER).on_conflict_do_nothing(), rows)
    for chunk in chunks(list(sent.subscription_ids)):
        session.execute(
            update(SUBSCRIPTIONS)
            .where(SUBSCRIPTIONS.c.id.in_(chunk))
            .values(checked_at=sent.sent_at, sent_at=sent.sent_at, error=None, error_at=None)
        )


def digest_count(session: Session, email: str | None = None) -> int:
    """Digests recorded as sent (to one address when given)."""
    query = select(func.count()).select_from(DIGESTS)
    if email is not None:
        query = query.where(DIGESTS.c.email == email)
    return int(session.execute(query).scalar_one())


def ledger(session: Session, email: str) -> list[tuple[str, str, bool]]:
    """(arxiv_id, topic_id, listed) of every paper the address has been sent, by id."""
    query = (
        select(LEDGER.c.arxiv_id, LEDGER.c.topic_id, LEDGER.c.listed)
        .where(LEDGER.c.email == email)
        .order_by(LEDGER.c.arxiv_id)
    )
    return [(a, t, bool(listed)) for a, t, listed in session.execute(query)]
