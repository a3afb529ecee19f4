"""The schema: typed SQLAlchemy models of every table, and Core handles of them (history: db/migrations)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import false

from db.columns import JSONList, UTCDateTime

# Long enough for any address RFC 5321 lets through (64 + 1 + 255).
EMAIL_LENGTH = 320

# Named constraints let Alembic's SQLite batch mode find and alter them in later migrations.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), list[str]: JSONList}


class Paper(Base):
    """One arXiv paper, keyed by its id without version; the version is a column."""

    __tablename__ = "papers"
    # Covering index of the dashboard's lookups: a match's paper dates without reading the paper's row
    # (reading-list windows, what's new), a search hit's rowid.
    __table_args__ = (Index("ix_papers_arxiv_id_dates", "arxiv_id", "published", "first_seen"),)

    arxiv_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]]
    categories: Mapped[list[str]]  # primary first
    primary_category: Mapped[str] = mapped_column(String(32))
    published: Mapped[datetime] = mapped_column(index=True)
    updated: Mapped[datetime]
    comment: Mapped[str | None] = mapped_column(Text)
    journal_ref: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(index=True)  # "new since your last visit"
    last_seen: Mapped[datetime]
    # What Hugging Face says (db.writes.upsert_hf_papers); arXiv upserts never touch these columns.
    hf_upvotes: Mapped[int | None] = mapped_column(Integer)
    hf_comments: Mapped[int | None] = mapped_column(Integer)
    hf_featured_on: Mapped[date | None] = mapped_column(Date, index=True)
    github_repo: Mapped[str | None] = mapped_column(Text)
    github_stars: Mapped[int | None] = mapped_column(Integer)
    project_page: Mapped[str | None] = mapped_column(Text)
    ai_summary: Mapped[str | None] = mapped_column(Text)
    ai_keywords: Mapped[list[str] | None]
    hf_seen_at: Mapped[datetime | None]
    hf_checked_at: Mapped[datetime | None]


class Level(Base):
    """A level of the roadmap as last synced from roadmap.yaml: its names and place in the order."""

    __tablename__ = "levels"

    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class Topic(Base):
    """A roadmap topic as last synced from roadmap.yaml, plus its backfill progress."""

    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[str] = mapped_column(String(8))
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    group: Mapped[str | None] = mapped_column("group_name", Text)
    aliases: Mapped[list[str]]
    query: Mapped[str | None] = mapped_column(Text)
    query_hash: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    # Written only by set_topic_backfill; sync_topics leaves it alone.
    backfilled_until: Mapped[datetime | None]


class TopicSeminal(Base):
    """A classic paper of a topic; `arxiv_id` is not a foreign key because it may not be fetched yet."""

    __tablename__ = "topic_seminal"

    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    arxiv_id: Mapped[str | None] = mapped_column(String(64), index=True)
    doi: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)


class Resource(Base):
    """A resource linked to a paper, a topic or both: roadmap links, HF repos, code, feed posts.

    `owner` ("paper:ID", "topic:ID" or "paper:ID topic:ID") is never NULL, so UNIQUE(owner, url) keys
    the upsert on SQLite and PostgreSQL alike (NULLs are distinct in a UNIQUE constraint).
    """

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("owner", "url"),
        CheckConstraint("arxiv_id IS NOT NULL OR topic_id IS NOT NULL", name="linked"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(160))
    url: Mapped[str] = mapped_column(Text)
    arxiv_id: Mapped[str | None] = mapped_column(
        ForeignKey("papers.arxiv_id", ondelete="CASCADE"), index=True
    )
    topic_id: Mapped[str | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    position: Mapped[int | None] = mapped_column(Integer)
    stars: Mapped[int | None] = mapped_column(Integer)
    likes: Mapped[int | None] = mapped_column(Integer)
    downloads: Mapped[int | None] = mapped_column(Integer)
    published: Mapped[datetime | None]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]


class PaperTopic(Base):
    """A paper matched to a topic: the score and the readable reasons."""

    __tablename__ = "paper_topics"
    __table_args__ = (
        Index("ix_paper_topics_topic_id_score", "topic_id", "score"),
        # A topic's recent papers as a range scan: new-style arXiv ids start with the YYMM of submission.
        Index("ix_paper_topics_topic_id_arxiv_id", "topic_id", "arxiv_id"),
        # A reading list's window from the index alone: about it or not, published since, what ranking
        # reads (migration 0010: the paper's date here, not a join per match, before a list is thinned).
        Index(
            "ix_paper_topics_window",
            *("topic_id", "about", "published", "arxiv_id", "aboutness", "kind", "score"),
        ),
    )

    arxiv_id: Mapped[str] = mapped_column(ForeignKey("papers.arxiv_id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]]
    matched_at: Mapped[datetime]
    # Is the paper about the topic, or does it only use it (collector/aboutness.py): probability, decision,
    # and why.
    aboutness: Mapped[float] = mapped_column(Float, server_default="0")
    about: Mapped[bool] = mapped_column(Boolean, server_default=false())
    about_reasons: Mapped[list[str]] = mapped_column(server_default="[]")
    kind: Mapped[str] = mapped_column(String(16), server_default="")  # survey | analysis | ""
    # The paper's `published`, copied so that a topic's window and its order come from one index; written
    # with the match (db.matches.insert_matches) and kept in step by a trigger on papers (migration 0010).
    published: Mapped[datetime]


class Run(Base):
    """One source/query of one collection run, written when it starts and updated as its pages arrive.

    `status`: running (while it runs: `finished_at` is then its latest progress), ok, failed, skipped (not
    asked: its upstream was found unreachable earlier in the run) or interrupted (its process stopped).
    """

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(32))
    query: Mapped[str] = mapped_column(Text)
    topic_ids: Mapped[list[str]]
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime]
    fetched: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    requests: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), server_default="ok")
    pages: Mapped[int] = mapped_column(Integer, server_default="0")


class Lock(Base):
    """A named lock (the collection lock): held until released or until `expires_at` passes unrenewed."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SchedulerJob(Base):
    """APScheduler 3's job store table (SQLAlchemyJobStore's own layout), created by our migrations."""

    __tablename__ = "scheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


class Reader(Base):
    """A reader profile of the dashboard and the cutoff of its "new since your last visit"."""

    __tablename__ = "readers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    new_since: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class ReaderPaper(Base):
    """One reader's marks on one paper: read, bookmarked, hidden."""

    __tablename__ = "reader_papers"

    reader: Mapped[str] = mapped_column(ForeignKey("readers.name", ondelete="CASCADE"), primary_key=True)
    arxiv_id: Mapped[str] = mapped_column(ForeignKey("papers.arxiv_id", ondelete="CASCADE"), primary_key=True)
    read: Mapped[bool] = mapped_column(Boolean)
    bookmarked: Mapped[bool] = mapped_column(Boolean)
    hidden: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]


class MatchFirstSeen(Base):
    """When a match was first recorded, kept for matches since replaced (a re-match rewrites `matched_at`).

    A match's first recording is COALESCE(this row, paper_topics.matched_at): replace_matches copies the
    stored `matched_at` here before deleting (only the first copy is kept), so digests and feeds never
    mistake a re-matched paper for a new one. Rows outlive their match on purpose: a paper that stops and
    starts matching again is not new either.
    """

    __tablename__ = "match_first_seen"

    arxiv_id: Mapped[str] = mapped_column(ForeignKey("papers.arxiv_id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_matched_at: Mapped[datetime]


class Subscriber(Base):
    """An address that receives digests: the language of its mail and the reader profile whose marks the
    digest's classics footer reads. Deleting it deletes everything stored about the address."""

    __tablename__ = "subscribers"

    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    reader: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Subscription(Base):
    """Topics and/or levels an address follows, daily or weekly; pending until confirmed (double opt-in)."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(
        String(EMAIL_LENGTH), ForeignKey("subscribers.email", ondelete="CASCADE"), index=True
    )
    topic_ids: Mapped[list[str]]
    levels: Mapped[list[str]]
    frequency: Mapped[str] = mapped_column(String(8))
    origin: Mapped[str] = mapped_column(String(16))  # cli | dashboard
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]  # the last digest run that sent it a digest or found nothing new
    sent_at: Mapped[datetime | None]  # the last digest sent
    error: Mapped[str | None] = mapped_column(Text)  # the last delivery failure (a 5xx, a 4xx given up on)
    error_at: Mapped[datetime | None]


class SubscriptionToken(Base):
    """A link's token, hashed: one purpose (confirm | unsubscribe | manage), one address, the subscriptions
    it may act on; it stops working at `expires_at`."""

    __tablename__ = "subscription_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(
        String(EMAIL_LENGTH), ForeignKey("subscribers.email", ondelete="CASCADE"), index=True
    )
    subscription_ids: Mapped[list[int]] = mapped_column(JSONList)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Digest(Base):
    """A digest the SMTP server accepted, recorded in the transaction that writes its ledger rows."""

    __tablename__ = "digests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(
        String(EMAIL_LENGTH), ForeignKey("subscribers.email", ondelete="CASCADE"), index=True
    )
    frequency: Mapped[str] = mapped_column(String(8))
    message_id: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]
    listed: Mapped[int] = mapped_column(Integer)  # papers listed in it
    counted: Mapped[int] = mapped_column(Integer)  # papers only counted (beyond the cap, applications)


class DigestLedger(Base):
    """Which papers an address has been sent (listed, or counted with a link): never the same one twice."""

    __tablename__ = "digest_ledger"

    email: Mapped[str] = mapped_column(
        String(EMAIL_LENGTH), ForeignKey("subscribers.email", ondelete="CASCADE"), primary_key=True
    )
    arxiv_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest_id: Mapped[str] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[str] = mapped_column(String(64))
    listed: Mapped[bool] = mapped_column(Boolean)


# Core table handles: the read and write queries use these (no ORM objects per row).
PAPERS: Table = Base.metadata.tables["papers"]
LEVELS: Table = Base.metadata.tables["levels"]
TOPICS: Table = Base.metadata.tables["topics"]
SEMINAL: Table = Base.metadata.tables["topic_seminal"]
RESOURCES: Table = Base.metadata.tables["resources"]
MATCHES: Table = Base.metadata.tables["paper_topics"]
RUNS: Table = Base.metadata.tables["runs"]
LOCKS: Table = Base.metadata.tables["locks"]
JOBS: Table = Base.metadata.tables["scheduler_jobs"]
READERS: Table = Base.metadata.tables["readers"]
READER_PAPERS: Table = Base.metadata.tables["reader_papers"]
MATCH_FIRST_SEEN: Table = Base.metadata.tables["match_first_seen"]
SUBSCRIBERS: Table = Base.metadata.tables["subscribers"]
SUBSCRIPTIONS: Table = Base.metadata.tables["subscriptions"]
TOKENS: Table = Base.metadata.tables["subscription_tokens"]
DIGESTS: Table = Base.metadata.tables["digests"]
LEDGER: Table = Base.metadata.tables["digest_ledger"]
