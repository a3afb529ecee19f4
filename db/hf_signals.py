"""Hugging Face's fields on paper rows (upvotes, code link, AI summary…): merged in whichever source stored
the paper first, read back as HFSignals, and the papers whose HF page is worth asking for."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, or_, select, update
from sqlalchemy.orm import Session

from db.convert import RecordMap, chunks
from db.papers import write_papers
from db.records import HFPaper, HFSignals, PaperRecord, UpsertResult
from db.schema import MATCHES, PAPERS, SEMINAL

# The papers columns HF owns, as field names of HFPaper/HFSignals → column names.
HF_COLUMNS = {
    "upvotes": "hf_upvotes",
    "comments": "hf_comments",
    "featured_on": "hf_featured_on",
    "seen_at": "hf_seen_at",
    "checked_at": "hf_checked_at",
}
SIGNALS = RecordMap(HFSignals, PAPERS, HF_COLUMNS)
HF_SIGNAL_COLUMNS = SIGNALS.columns
# HF's own fields of an answer (the seed fields title, abstract… only start a row nobody stored yet).
HF_OWN = RecordMap(HFPaper, PAPERS, HF_COLUMNS)
HF_OWN_FIELDS = tuple(
    f for f in HF_OWN.fields if f not in ("arxiv_id", "title", "abstract", "authors", "published")
)
HF_MERGED_COLUMNS = (*(HF_COLUMNS.get(f, f) for f in HF_OWN_FIELDS), "published")


def hf_signals(row: Sequence[Any]) -> HFSignals:
    """HFSignals from a row selected with HF_SIGNAL_COLUMNS first."""
    return SIGNALS.record(row)


# -- reads ----------------------------------------------------------------------------------------------
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


# -- writes ---------------------------------------------------------------------------------------------
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


def hf_seed_record(paper: HFPaper, now: datetime) -> PaperRecord:
    """A paper row seeded from HF before arXiv has told us about it: version 0 and no categories.

    Version 0 marks "metadata from Hugging Face only": any arXiv record (version >= 1) replaces it whole
    (see db.merge.merge_paper), and hf_only_ids finds the rows still waiting for arXiv. Without a usable
    publication date (the parser counted it as dropped) the day HF featured it stands in, and only
    without that either the time it was seen.
    """
    featured = datetime.combine(paper.featured_on, time.min, tzinfo=UTC) if paper.featured_on else None
    published = paper.published or featured or now
    return PaperRecord(
        arxiv_id=paper.arxiv_id,
        version=0,
        title=paper.title,
        abstract=paper.abstract,
        authors=paper.authors,
        categories=(),
        primary_category="",
        published=published,
        updated=published,
    )


def merge_hf_duplicates(papers: Sequence[HFPaper]) -> dict[str, HFPaper]:
    """One HFPaper per id; a later mention fills or refreshes the fields an earlier one gave."""
    merged: dict[str, HFPaper] = {}
    for paper in papers:
        earlier = merged.get(paper.arxiv_id)
        if earlier is None:
            merged[paper.arxiv_id] = paper
            continue
        fields = {name: getattr(paper, name) for name in HF_OWN_FIELDS if getattr(paper, name) is not None}
        if earlier.featured_on and paper.featured_on:
            fields["featured_on"] = min(earlier.featured_on, paper.featured_on)
        merged[paper.arxiv_id] = replace(earlier, **fields)
    return merged


def hf_values(paper: HFPaper) -> dict[str, Any]:
    """The HF columns this answer sets (fields it does not give are left out, so they are kept)."""
    values = HF_OWN.values(paper)
    return {column: values[column] for column in HF_MERGED_COLUMNS[:-1] if values[column] is not None}


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
