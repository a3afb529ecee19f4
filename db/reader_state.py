"""Reader state: profiles, their "new since your last visit" cutoff, and read/bookmarked/hidden marks."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.convert import RecordMap
from db.dialect import upsert_statement
from db.records import PaperMarks, ReaderRow
from db.schema import READER_PAPERS, READERS

READER = RecordMap(ReaderRow, READERS)
MARK = RecordMap(PaperMarks, READER_PAPERS)
# A reader idle this long has left; the next page view starts a new visit.
VISIT_GAP = timedelta(hours=1)
# What counts as new on a reader's very first visit.
FIRST_VISIT_WINDOW = timedelta(days=7)


def list_readers(session: Session) -> list[str]:
    return list(session.execute(select(READERS.c.name).order_by(READERS.c.name)).scalars())


def get_reader(session: Session, name: str) -> ReaderRow | None:
    row = session.execute(select(*READER.columns).where(READERS.c.name == name)).first()
    return None if row is None else READER.record(row)


def visit(session: Session, name: str, now: datetime) -> ReaderRow:
    """Record a page view by `name` (creating the profile) and return its cutoff for "new".

    A view more than VISIT_GAP after the previous one starts a new visit, whose cutoff is the end of the
    previous visit; within a visit the cutoff stays put, so papers do not stop being new as you click.
    """
    known = get_reader(session, name)
    if known is None:
        row = ReaderRow(name=name, new_since=now - FIRST_VISIT_WINDOW, last_seen_at=now)
        session.execute(READERS.insert().values(name=name, new_since=row.new_since, last_seen_at=now))
        return row
    new_since = known.last_seen_at if now - known.last_seen_at > VISIT_GAP else known.new_since
    set_reader(session, name, new_since=new_since, last_seen_at=now)
    return ReaderRow(name=name, new_since=new_since, last_seen_at=now)


def mark_all_seen(session: Session, name: str, now: datetime) -> None:
    """Nothing stored before `now` is new for this reader any more."""
    set_reader(session, name, new_since=now, last_seen_at=now)


def set_reader(session: Session, name: str, **values: datetime) -> None:
    session.execute(update(READERS).where(READERS.c.name == name).values(**values))


def reader_marks(session: Session, name: str) -> dict[str, PaperMarks]:
    """Every paper this reader marked, by arXiv id (papers never marked are absent)."""
    query = select(*MARK.columns, READER_PAPERS.c.arxiv_id).where(READER_PAPERS.c.reader == name)
    return {row[-1]: MARK.record(row) for row in session.execute(query)}


def set_marks(session: Session, name: str, arxiv_id: str, marks: PaperMarks, now: datetime) -> None:
    """This reader's marks on this paper become `marks` (the profile must exist: see `visit`)."""
    values = {"reader": name, "arxiv_id": arxiv_id, "updated_at": now} | MARK.values(marks)
    statement = upsert_statement(session, READER_PAPERS, ["reader", "arxiv_id"], [*MARK.names, "updated_at"])
    session.execute(statement, [values])
