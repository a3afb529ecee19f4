"""Papers: reading them by id or all of them, and the idempotent upsert of arXiv metadata (keyed on the
arXiv id without version; the version is a column)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.columns import utc_param
from db.convert import RecordMap, chunks
from db.dialect import insert_driver_rows, upsert_statement
from db.merge import diff_papers, merge_duplicates
from db.records import PaperRecord, UpsertResult
from db.schema import PAPERS

PAPER = RecordMap(PaperRecord, PAPERS)
# The columns a PaperRecord is read from, in its field order (Core columns: no ORM overhead per query).
PAPER_COLUMNS = PAPER.columns
# The papers columns an arXiv upsert may overwrite: what a PaperRecord holds (but the key) and last_seen.
# The Hugging Face columns belong to db.hf_signals alone.
PAPER_UPDATE_COLUMNS = (*(name for name in PAPER.names if name != "arxiv_id"), "last_seen")
# The columns of a new paper's row, in the order of new_paper_row's values.
NEW_PAPER_COLUMNS = (*PAPER.names, "first_seen", "last_seen")


def paper_record(row: Sequence[Any]) -> PaperRecord:
    """A PaperRecord from a row selected with PAPER_COLUMNS first."""
    return PAPER.record(row)


# -- reads ----------------------------------------------------------------------------------------------
def iter_papers(session: Session, batch_size: int = 2000) -> Iterator[list[PaperRecord]]:
    """Every stored paper in arxiv_id order, `batch_size` at a time (keyset pages, so memory stays flat)."""
    last: str | None = None
    while True:
        query = select(*PAPER_COLUMNS).order_by(PAPERS.c.arxiv_id).limit(batch_size)
        if last is not None:
            query = query.where(PAPERS.c.arxiv_id > last)
        batch = [paper_record(row) for row in session.execute(query).all()]
        if not batch:
            return
        yield batch
        last = batch[-1].arxiv_id


def papers_by_id(session: Session, arxiv_ids: Collection[str]) -> dict[str, PaperRecord]:
    """The stored papers among `arxiv_ids`, by id."""
    found: dict[str, PaperRecord] = {}
    for chunk in chunks(list(dict.fromkeys(arxiv_ids))):
        rows = session.execute(select(*PAPER_COLUMNS).where(PAPERS.c.arxiv_id.in_(chunk))).all()
        found.update((row[0], paper_record(row)) for row in rows)
    return found


def get_paper(session: Session, arxiv_id: str) -> PaperRecord | None:
    row = session.execute(select(*PAPER_COLUMNS).where(PAPERS.c.arxiv_id == arxiv_id)).first()
    return None if row is None else paper_record(row)


def stored_ids(session: Session, ids: Collection[str]) -> set[str]:
    """Which of `ids` are stored."""
    found: set[str] = set()
    for chunk in chunks(list(dict.fromkeys(ids))):
        found.update(session.execute(select(PAPERS.c.arxiv_id).where(PAPERS.c.arxiv_id.in_(chunk))).scalars())
    return found


# -- writes ---------------------------------------------------------------------------------------------
def upsert_papers(session: Session, records: Sequence[PaperRecord], now: datetime) -> UpsertResult:
    """Insert unknown papers, merge known ones (see db.merge.merge_paper), and mark every one as seen at
    `now`.

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
    """Insert or overwrite these papers' arXiv columns (first_seen only counts on insert)."""
    if records:
        statement = upsert_statement(session, PAPERS, ["arxiv_id"], PAPER_UPDATE_COLUMNS)
        session.execute(statement, [PAPER.values(r) | {"first_seen": now, "last_seen": now} for r in records])


def insert_papers(session: Session, records: Sequence[PaperRecord], now: datetime) -> None:
    """Papers not stored yet: a plain INSERT of pre-converted values (the bulk of every backfill)."""
    dialect_name = session.get_bind().dialect.name
    seen = utc_param(now, dialect_name)
    rows = [new_paper_row(record, seen, dialect_name) for record in records]
    insert_driver_rows(session, PAPERS, NEW_PAPER_COLUMNS, rows)


def new_paper_row(record: PaperRecord, seen: datetime | str, dialect_name: str) -> tuple[Any, ...]:
    """The driver values of a new paper's row, in NEW_PAPER_COLUMNS order; `seen` already converted."""
    return (*PAPER.driver_values(record, dialect_name), seen, seen)


def touch_papers(session: Session, arxiv_ids: Sequence[str], now: datetime) -> None:
    for chunk in chunks(arxiv_ids):
        session.execute(update(PAPERS).where(PAPERS.c.arxiv_id.in_(chunk)).values(last_seen=now))
