"""`radar db copy --to URL`: a user's SQLite database moved to PostgreSQL (and back), resumed after a kill -9,
verified table by table; and the copy generic over the schema's tables (those other issues add included)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, Date, ForeignKey, Integer, MetaData, String, Table, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

import db
from collector.cli import main
from collector.locking import CollectionLock
from db.columns import JSONList, UTCDateTime
from db.schema import Base
from tests.factories import scratch_database

ROOT = Path(__file__).resolve().parent.parent
MARKED = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


@pytest.fixture
def source(seeded_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A user's SQLite database: the seeded one, with two readers' marks, a failed run, a stored job, and a
    JSON null beside the SQL NULLs of ai_keywords; set as RADAR_DATABASE_URL."""
    path = tmp_path / "radar.sqlite"
    shutil.copyfile(seeded_template, path)
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    with db.session_scope(engine) as session:
        ids = list(session.execute(text("SELECT arxiv_id FROM papers ORDER BY arxiv_id LIMIT 3")).scalars())
        for name in ("ann", "bob"):
            db.visit(session, name, MARKED)
            db.set_marks(session, name, ids[0], db.PaperMarks(read=True, bookmarked=name == "ann"), MARKED)
        db.set_marks(session, "ann", ids[1], db.PaperMarks(hidden=True), MARKED + timedelta(seconds=1))
        db.record_run(session, db.RunRow("r2", "api", "q", MARKED, MARKED, errors=1, error="HTTP 503"))
        session.execute(text("INSERT INTO scheduler_jobs VALUES ('daily', 1790000000.5, x'80049500')"))
        session.execute(text("UPDATE papers SET ai_keywords = 'null' WHERE arxiv_id = :id"), {"id": ids[2]})
    engine.dispose()
    monkeypatch.setenv("RADAR_DATABASE_URL", url)
    yield url


@pytest.fixture
def target() -> Iterator[str]:
    with scratch_database("copy") as url:
        yield url


def counts(url: str, sql: str) -> int:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_a_sqlite_database_moves_to_postgresql_whole(
    source: str, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "copy", "--to", target, "--batch-size", "500"]) == 0
    said = capsys.readouterr().out
    assert "Copied and verified" in said and "NO" not in said
    moved = db.make_engine(target)
    try:
        with db.session_scope(moved) as session:
            marks = db.reader_marks(session, "ann")
            ann = db.get_reader(session, "ann")
            hits = db.search_papers(session, "low-rank adaptation")  # the generated vector is there
            db.record_run(
                session, db.RunRow("r3", "listing", "q", MARKED, MARKED)
            )  # the id sequence moved on
            runs = db.last_runs(session)
        assert db.current_revision(moved) == db.head_revision()
    finally:
        moved.dispose()
    assert ann is not None and ann.last_seen_at == MARKED  # timestamps as they were
    assert sorted(m.hidden for m in marks.values()) == [False, True] and len(marks) == 2
    assert hits and {r.run_id for r in runs} == {"seed", "r2", "r3"}
    for sql in (
        "SELECT count(*) FROM papers WHERE ai_keywords IS NULL",
        "SELECT count(*) FROM papers WHERE ai_keywords IS NOT NULL AND ai_keywords = 'null'",
        "SELECT count(*) FROM scheduler_jobs WHERE next_run_time = 1790000000.5",
    ):
        assert counts(source, sql) == counts(target, sql) > 0, sql
    first_seen = "SELECT count(DISTINCT first_seen) FROM papers"
    assert counts(source, first_seen) == counts(target, first_seen) == 2  # the seed's two batches


def test_a_copy_killed_half_way_goes_on_where_it_stopped(source: str, target: str) -> None:
    command = [sys.executable, "-m", "collector.cli", "db", "copy", "--to", target, "--batch-size", "20"]
    env = {**os.environ, "COLUMNS": "120", "RADAR_LOCK_TTL_SECONDS": "10"}  # the killed copy's lock expires
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not 0 < copied_papers(target) < 2000:
            assert first.poll() is None and time.monotonic() < deadline, "the copy ended before it was killed"
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        first.kill()
    there = copied_papers(target)
    second = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"papers: {3001 - there:,} rows copied" in second.stderr
    assert f"(resumed after {there:,} already there)" in second.stderr
    assert "An earlier copy holds the source's lock" in second.stderr
    assert "Copied and verified" in second.stdout
    assert counts(target, "SELECT count(*) FROM papers") == 3001  # no row twice, none lost


def copied_papers(url: str) -> int:
    try:
        return counts(url, "SELECT count(*) FROM papers")
    except DBAPIError:  # the schema is not there yet
        return 0


def test_verification_names_a_table_that_differs_and_restart_starts_over(
    source: str, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "copy", "--to", target]) == 0
    engine = db.make_engine(target)
    with engine.begin() as connection:
        connection.execute(text("UPDATE reader_papers SET read = NOT read WHERE reader = 'bob'"))
    engine.dispose()
    capsys.readouterr()
    assert main(["db", "copy", "--to", target]) == 1
    said = capsys.readouterr().out
    assert "1 table(s) differ: reader_papers" in said and "--restart" in said
    assert main(["db", "copy", "--to", target, "--restart"]) == 0


def test_and_back_again_from_postgresql_to_sqlite(
    source: str, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["db", "copy", "--to", target]) == 0
    monkeypatch.setenv("RADAR_DATABASE_URL", target)
    back = f"sqlite:///{tmp_path / 'back.sqlite'}"
    assert main(["db", "copy", "--to", back]) == 0
    assert counts(back, "SELECT count(*) FROM reader_papers") == 3


def test_refusals(source: str, target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "copy", "--to", source]) == 2
    assert "is the database being copied" in capsys.readouterr().err
    engine = db.make_engine(source)
    try:
        with CollectionLock(engine, ttl_seconds=60):
            assert main(["db", "copy", "--to", target]) == 1  # a collection is writing to the source
        assert "another collection is running" in capsys.readouterr().err
    finally:
        engine.dispose()


# -- generic over the schema's tables ------------------------------------------------------------------
def test_every_table_of_the_models_is_copied_but_the_locks() -> None:
    assert {t.name for t in db.copied_tables()} == set(Base.metadata.tables) - {"locks"}


def later_issues_tables() -> tuple[MetaData, list[Table]]:
    """The models plus tables shaped like those other issues add: subscriptions of readers (an id of
    their own, JSON topics), a digest ledger keyed on (subscription, period) with its sent time."""
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    added = [
        Table("subscriptions", metadata,
              Column("id", Integer, primary_key=True, autoincrement=True),
              Column("reader", String(64), ForeignKey("readers.name", ondelete="CASCADE"), nullable=False),
              Column("topic_ids", JSONList, nullable=False)),
        Table("digest_ledger", metadata,
              Column("subscription_id", ForeignKey("subscriptions.id"), primary_key=True),
              Column("period", Date, primary_key=True),
              Column("sent_at", UTCDateTime(), nullable=False)),
    ]  # fmt: skip
    return metadata, added


def test_tables_other_issues_add_come_along_in_dependency_order(source: str, target: str) -> None:
    metadata, added = later_issues_tables()
    engines: list[Engine] = [db.make_engine(source), db.make_engine(target)]
    try:
        db.ensure_schema(engines[1], upgrade=True)
        for engine in engines:
            metadata.create_all(engine, tables=added)
        with engines[0].begin() as connection:
            connection.execute(
                added[0].insert(), [{"reader": r, "topic_ids": ["lora"]} for r in ("ann", "bob")]
            )
            connection.execute(
                added[1].insert(),
                [
                    {"subscription_id": s, "period": date(2026, 8, d), "sent_at": MARKED}
                    for s in (1, 2)
                    for d in (3, 10)
                ],
            )
        tables = db.copied_tables(metadata)
        assert [t.name for t in tables].index("digest_ledger") > [t.name for t in tables].index(
            "subscriptions"
        )
        for table in tables:
            db.copy_table(engines[0], engines[1], table, 2, lambda n: None)
        digests = [[db.table_digest(e, t, 100, lambda n: None) for t in tables] for e in engines]
        assert digests[0] == digests[1]
        with engines[1].begin() as connection:  # the target's id sequence moved past the copied ids
            assert connection.execute(
                added[0].insert().values(reader="ann", topic_ids=[])
            ).inserted_primary_key == (3,)
    finally:
        for engine in engines:
            engine.dispose()
