"""Storage: real SQLite files, and the same tests on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

import db
from db import PaperRecord, RunRow, SeminalRow, UpsertResult
from db.schema import Paper
from tests.factories import (
    NOW,
    bethe_lattice_v2,
    listing_like,
    match,
    old_style_papers,
    paper,
    papers,
    resource,
    seminal,
    topic,
)

LATER = NOW + timedelta(days=1)


def upsert(engine: Engine, records: list[PaperRecord], now: datetime = NOW) -> UpsertResult:
    with db.session_scope(engine) as session:
        return db.upsert_papers(session, records, now)


def stored(engine: Engine, arxiv_id: str) -> PaperRecord | None:
    with db.session_scope(engine) as session:
        return db.get_paper(session, arxiv_id)


def paper_rows(engine: Engine) -> list[dict[str, Any]]:
    with db.session_scope(engine) as session:
        rows = session.execute(select(Paper.__table__).order_by(Paper.arxiv_id)).mappings()
        return [dict(row) for row in rows]


# -- engine and migrations -------------------------------------------------------------------------------
def test_migrate_twice_is_a_no_op(engine: Engine) -> None:
    head = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
    assert db.current_revision(engine) == head
    db.migrate(engine)
    assert db.current_revision(engine) == head
    with db.session_scope(engine) as session:
        assert db.paper_count(session) == 0


def test_sqlite_file_gets_its_directory_and_pragmas(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'deep' / 'er' / 'radar.sqlite'}")
    db.migrate(engine)
    with engine.connect() as connection:
        pragmas = {
            p: connection.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("journal_mode", "foreign_keys")
        }
        pragmas |= {
            p: connection.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("busy_timeout", "synchronous")
        }
    engine.dispose()
    assert (tmp_path / "deep" / "er" / "radar.sqlite").is_file()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000, "synchronous": 1}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("not a database url", "not a database url"),
        ("nosuchdialect://radar:s3cret@localhost/radar", "nosuchdialect://radar:***@localhost/radar"),
    ],
)
def test_make_engine_rejects_an_invalid_url(url: str, shown: str) -> None:
    with pytest.raises(db.StorageError, match="cannot use database") as raised:
        db.make_engine(url)
    assert shown in str(raised.value)
    assert "s3cret" not in str(raised.value)


def test_migrate_names_an_unreachable_server_without_its_password() -> None:
    engine = db.make_engine("postgresql+psycopg://radar:s3cret@127.0.0.1:1/radar?connect_timeout=5")
    with pytest.raises(db.StorageError, match="cannot migrate database") as raised:
        db.migrate(engine)
    assert "postgresql+psycopg://radar:***@127.0.0.1:1/radar" in str(raised.value)
    assert "s3cret" not in str(raised.value)


def test_migrate_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    (tmp_path / "radar.sqlite").write_text("these are notes, not a database\n" * 100)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'radar.sqlite'}")
    with pytest.raises(db.StorageError, match="radar.sqlite"):
        db.migrate(engine)
    engine.dispose()


def test_session_scope_rolls_back_when_the_block_raises(engine: Engine) -> None:
    with pytest.raises(RuntimeError), db.session_scope(engine) as session:
        db.upsert_papers(session, papers(3), NOW)
        raise RuntimeError("the caller failed after writing")
    with db.session_scope(engine) as session:
        assert db.paper_count(session) == 0


# -- upsert_papers ---------------------------------------------------------------------------------------
def test_reingesting_the_same_records_changes_nothing_but_last_seen(engine: Engine) -> None:
    records = papers(40)
    first = upsert(engine, records)
    before = paper_rows(engine)
    second = upsert(engine, records, LATER)
    after = paper_rows(engine)

    assert first == UpsertResult(new_ids=tuple(r.arxiv_id for r in records))
    assert second == UpsertResult(unchanged=40)
    assert [{**row, "last_seen": None} for row in after] == [{**row, "last_seen": None} for row in before]
    assert {row["last_seen"] for row in after} == {LATER}
    assert {row["first_seen"] for row in after} == {NOW}


def test_stored_record_equals_the_ingested_one(engine: Engine) -> None:
    records = papers(5, start=100)
    upsert(engine, records)
    assert [stored(engine, r.arxiv_id) for r in records] == records
    assert stored(engine, "2501.99999") is None


def test_a_new_version_updates_the_row(engine: Engine) -> None:
    v1, v2 = paper("1111.2011"), bethe_lattice_v2()
    upsert(engine, [v1])
    result = upsert(engine, [v2], LATER)
    assert result == UpsertResult(updated_ids=("1111.2011",))
    # The corpus knows only v1's day (midnight), earlier than the API's v1 timestamp, so it stays.
    assert stored(engine, "1111.2011") == replace(v2, published=v1.published)


def test_a_lower_version_is_ignored(engine: Engine) -> None:
    upsert(engine, [bethe_lattice_v2()])
    result = upsert(engine, [paper("1111.2011")], LATER)
    assert result == UpsertResult(unchanged=1)
    assert stored(engine, "1111.2011") == bethe_lattice_v2()
    assert paper_rows(engine)[0]["last_seen"] == LATER


def test_listing_then_api_record_merge(engine: Engine) -> None:
    api = bethe_lattice_v2()
    announced = datetime(2012, 4, 3, 0, 0, tzinfo=timezone(timedelta(hours=-4)))
    assert upsert(engine, [listing_like(api, announced)]).new_ids == ("1111.2011",)

    assert upsert(engine, [api], LATER).updated_ids == ("1111.2011",)
    merged = stored(engine, "1111.2011")
    assert merged is not None
    assert merged.published == api.published  # the API's v1 date is earlier than the announcement
    assert merged.updated == announced  # the later of the two
    assert (merged.doi, merged.journal_ref, merged.comment) == (api.doi, api.journal_ref, api.comment)


def test_a_listing_record_does_not_erase_what_the_api_gave(engine: Engine) -> None:
    api = bethe_lattice_v2()
    upsert(engine, [api])
    announced = datetime(2012, 4, 3, 4, 0, tzinfo=UTC)
    upsert(engine, [listing_like(api, announced)], LATER)
    assert stored(engine, "1111.2011") == replace(api, updated=announced)


def test_same_version_replaces_changed_metadata(engine: Engine) -> None:
    record = papers(1)[0]
    upsert(engine, [record])
    corrected = replace(
        record, title=record.title + " (corrected)", categories=(*record.categories, "stat.ML")
    )
    assert upsert(engine, [corrected], LATER).updated_ids == (record.arxiv_id,)
    assert stored(engine, record.arxiv_id) == corrected


def test_cross_listed_duplicates_in_one_batch_count_once(engine: Engine) -> None:
    records = papers(4)
    cross_listed = replace(records[1], version=2)
    result = upsert(engine, [*records, records[1], cross_listed, records[1]])
    assert result.new_ids == tuple(r.arxiv_id for r in records)
    assert stored(engine, records[1].arxiv_id) == cross_listed
    with db.session_scope(engine) as session:
        assert db.paper_count(session) == 4


def test_old_style_ids(engine: Engine) -> None:
    records = old_style_papers()
    assert "math/9501234" in {r.arxiv_id for r in records}
    assert len(upsert(engine, records).new_ids) == len(records)
    assert stored(engine, "math/9501234") == next(r for r in records if r.arxiv_id == "math/9501234")
    with db.session_scope(engine) as session:
        assert db.stored_ids(session, ["math/9501234", "math/0000000", "astro-ph/9812133"]) == {
            "math/9501234",
            "astro-ph/9812133",
        }


def test_datetimes_come_back_timezone_aware_utc(engine: Engine) -> None:
    eastern = timezone(timedelta(hours=-4))
    record = replace(papers(1)[0], published=datetime(2025, 8, 20, 0, 0, tzinfo=eastern))
    record = replace(record, updated=datetime(2025, 8, 20, 4, 0, 19, 899254, tzinfo=UTC))
    upsert(engine, [record])
    back = stored(engine, record.arxiv_id)
    assert back is not None
    assert back.published == datetime(2025, 8, 20, 4, 0, tzinfo=UTC)
    assert back.published.tzinfo is UTC and back.updated.tzinfo is UTC
    assert back.updated == record.updated  # microseconds kept


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    record = replace(papers(1)[0], published=datetime(2025, 8, 20), updated=datetime(2025, 8, 20))
    with pytest.raises(Exception, match="naive datetime"):
        upsert(engine, [record])


def test_iter_papers_pages_through_everything_in_id_order(engine: Engine) -> None:
    records = papers(25) + old_style_papers()
    upsert(engine, records)
    with db.session_scope(engine) as session:
        batches = list(db.iter_papers(session, batch_size=10))
        assert db.paper_count(session) == len(records)
    ids = [p.arxiv_id for batch in batches for p in batch]
    assert [len(b) for b in batches[:-1]] == [10] * (len(batches) - 1)
    assert sorted(ids) == sorted(r.arxiv_id for r in records)
    assert len(set(ids)) == len(ids)


# -- topics and matches ----------------------------------------------------------------------------------
ROADMAP = (
    topic("transformers", 0, 'ti:transformer OR abs:"self-attention"', aliases=("attention",)),
    topic("lora", 1, 'ti:LoRA OR abs:"low-rank adaptation"', group="fine-tuning", level="L3"),
    topic("gan", 2, "ti:GAN AND cat:cs.CV"),
)


def sync(engine: Engine, rows: tuple[Any, ...] | list[Any]) -> set[str]:
    with db.session_scope(engine) as session:
        return db.sync_topics(session, rows, NOW)


def topics(engine: Engine) -> list[Any]:
    with db.session_scope(engine) as session:
        return db.list_topics(session)


def test_sync_topics_reports_new_and_requeried_topics(engine: Engine) -> None:
    assert sync(engine, ROADMAP) == {"transformers", "lora", "gan"}
    assert sync(engine, ROADMAP) == set()
    renamed = replace(ROADMAP[0], name_en="Transformers (attention)")
    requeried = replace(ROADMAP[2], query='ti:GAN OR ti:"generative adversarial"')
    assert sync(engine, [renamed, ROADMAP[1], requeried]) == {"gan"}
    assert topics(engine) == [renamed, ROADMAP[1], requeried]


def test_list_topics_in_position_order_with_seminal_and_resources(engine: Engine) -> None:
    classic = papers(1)[0]
    rows = [
        replace(
            ROADMAP[1],
            position=0,
            seminal=(seminal(0, title="LoRA", year=2021, arxiv_id="2106.09685"),),
            resources=(resource(0, "PEFT docs", "https://huggingface.co/docs/peft"),),
        ),
        replace(
            ROADMAP[0],
            position=1,
            seminal=(
                seminal(0, classic),
                seminal(1, title="LSTM", year=1997, doi="10.1162/neco.1997.9.8.1735"),
            ),
        ),
    ]
    sync(engine, rows)
    assert topics(engine) == rows


def test_sync_topics_deletes_removed_topics_with_their_rows(engine: Engine) -> None:
    records = papers(3)
    upsert(engine, records)
    gan = replace(ROADMAP[2], seminal=(seminal(0, records[0]),))
    sync(engine, [*ROADMAP[:2], gan])
    with db.session_scope(engine) as session:
        db.replace_matches(
            session,
            [records[0].arxiv_id],
            [match(records[0], "gan", 1.0), match(records[0], "lora", 0.5)],
            NOW,
        )

    assert sync(engine, ROADMAP[:2]) == set()
    assert [t.id for t in topics(engine)] == ["transformers", "lora"]
    with db.session_scope(engine) as session:
        assert db.topic_candidates(session, "gan") == []
        assert db.topic_seminal(session, "gan") == []
        assert [c.paper.arxiv_id for c in db.topic_candidates(session, "lora")] == [records[0].arxiv_id]
        remaining = session.execute(text("SELECT count(*) FROM topic_seminal")).scalar_one()
    assert remaining == 0


def test_sync_topics_replaces_seminal_rows(engine: Engine) -> None:
    first = replace(ROADMAP[0], seminal=(seminal(0, title="Attention", year=2017, arxiv_id="1706.03762"),))
    sync(engine, [first])
    second = replace(ROADMAP[0], seminal=(seminal(0, title="BERT", year=2018, arxiv_id="1810.04805"),))
    sync(engine, [second])
    with db.session_scope(engine) as session:
        assert [s.seminal for s in db.topic_seminal(session, "transformers")] == list(second.seminal)


def test_backfill_state_survives_sync_topics(engine: Engine) -> None:
    sync(engine, ROADMAP)
    with db.session_scope(engine) as session:
        db.set_topic_backfill(session, ["lora", "gan"], NOW)
    sync(engine, [replace(t, name_zh=t.name_zh + "!") for t in ROADMAP])
    with db.session_scope(engine) as session:
        assert db.topic_backfills(session) == {"transformers": None, "lora": NOW, "gan": NOW}
        db.set_topic_backfill(session, ["gan"], LATER)
        assert db.topic_backfills(session)["gan"] == LATER


def test_replace_matches_touches_only_the_given_papers(engine: Engine) -> None:
    a, b = papers(2)
    upsert(engine, [a, b])
    sync(engine, ROADMAP)
    with db.session_scope(engine) as session:
        db.replace_matches(
            session, [a.arxiv_id, b.arxiv_id], [match(a, "lora", 0.9), match(b, "lora", 0.4)], NOW
        )
        # A page listing `a` twice yields its match twice; the last one wins.
        db.replace_matches(
            session, {a.arxiv_id}, [match(a, "gan", 0.2), match(a, "gan", 0.3, "title: 'GAN'")], LATER
        )
        assert [(c.paper.arxiv_id, c.score) for c in db.topic_candidates(session, "lora")] == [
            (b.arxiv_id, 0.4)
        ]
        assert [(c.paper, c.score, c.reasons) for c in db.topic_candidates(session, "gan")] == [
            (a, 0.3, ("title: 'GAN'",))
        ]
        with pytest.raises(ValueError, match="outside the replaced set"):
            db.replace_matches(session, [a.arxiv_id], [match(b, "gan", 1.0)], NOW)


def test_add_matches_stores_the_matches_of_new_papers(engine: Engine) -> None:
    a, b = papers(2)
    sync(engine, ROADMAP)
    with db.session_scope(engine) as session:
        assert db.upsert_papers(session, [a, b], NOW).new_ids == (a.arxiv_id, b.arxiv_id)
        # A page listing `a` twice yields its match twice; the last one wins, as for replace_matches.
        db.add_matches(
            session,
            [a.arxiv_id, b.arxiv_id],
            [match(a, "gan", 0.2), match(b, "lora", 0.4), match(a, "gan", 0.3, "title: 'GAN'")],
            NOW,
        )
        assert [(c.paper, c.score, c.reasons) for c in db.topic_candidates(session, "gan")] == [
            (a, 0.3, ("title: 'GAN'",))
        ]
        assert [c.paper.arxiv_id for c in db.topic_candidates(session, "lora")] == [b.arxiv_id]
        with pytest.raises(ValueError, match="outside the replaced set"):
            db.add_matches(session, [a.arxiv_id], [match(b, "gan", 1.0)], NOW)


def test_replace_topic_matches_touches_only_the_given_topics(engine: Engine) -> None:
    a, b = papers(2)
    upsert(engine, [a, b])
    sync(engine, ROADMAP)
    with db.session_scope(engine) as session:
        db.replace_matches(
            session, [a.arxiv_id, b.arxiv_id], [match(a, "lora", 0.9), match(a, "gan", 0.5)], NOW
        )
        db.replace_topic_matches(session, ["lora", "transformers"], [match(b, "lora", 0.7)], LATER)
        assert [c.paper.arxiv_id for c in db.topic_candidates(session, "lora")] == [b.arxiv_id]
        assert [c.paper.arxiv_id for c in db.topic_candidates(session, "gan")] == [a.arxiv_id]
        with pytest.raises(ValueError, match="outside the replaced set"):
            db.replace_topic_matches(session, ["lora"], [match(b, "gan", 1.0)], NOW)


def test_a_match_to_an_unknown_paper_is_a_storage_error(engine: Engine) -> None:
    never_stored = papers(1)[0]
    sync(engine, ROADMAP)
    with pytest.raises(db.StorageError, match="cannot query database"), db.session_scope(engine) as session:
        # The foreign key holds on SQLite too (PRAGMA foreign_keys=ON on every connection).
        db.replace_matches(session, [never_stored.arxiv_id], [match(never_stored, "lora", 1.0)], NOW)


def test_sync_topics_refuses_duplicate_ids(engine: Engine) -> None:
    with pytest.raises(ValueError, match="duplicate topic ids: \\['lora'\\]"):
        sync(engine, [*ROADMAP, ROADMAP[1]])


def test_topic_candidates_best_score_then_newest(engine: Engine) -> None:
    day = datetime(2025, 6, 1, tzinfo=UTC)
    records = [
        replace(r, published=day + timedelta(days=i), updated=day + timedelta(days=i))
        for i, r in enumerate(papers(5))
    ]
    upsert(engine, records)
    sync(engine, ROADMAP)
    scores = [0.5, 0.9, 0.5, 0.1, 0.9]
    with db.session_scope(engine) as session:
        ids = [r.arxiv_id for r in records]
        db.replace_matches(
            session, ids, [match(r, "lora", s) for r, s in zip(records, scores, strict=True)], NOW
        )
        ranked = [c.paper.arxiv_id for c in db.topic_candidates(session, "lora")]
        recent = [
            c.paper.arxiv_id for c in db.topic_candidates(session, "lora", since=day + timedelta(days=2))
        ]
        top = [c.score for c in db.topic_candidates(session, "lora", limit=3)]
    assert ranked == [ids[4], ids[1], ids[2], ids[0], ids[3]]
    assert recent == [ids[4], ids[2], ids[3]]
    assert top == [0.9, 0.9, 0.5]


# -- seminal papers --------------------------------------------------------------------------------------
def test_missing_seminal_ids_once_each_in_roadmap_order(engine: Engine) -> None:
    fetched, *_ = papers(1)
    rows = [
        replace(
            ROADMAP[0],
            seminal=(seminal(0, title="Attention", year=2017, arxiv_id="1706.03762"), seminal(1, fetched)),
        ),
        replace(ROADMAP[1], seminal=(seminal(0, title="LoRA", year=2021, arxiv_id="2106.09685"),)),
        replace(
            ROADMAP[2],
            seminal=(
                seminal(0, title="GAN", year=2014, arxiv_id="1406.2661"),
                seminal(1, title="Attention", year=2017, arxiv_id="1706.03762"),
                seminal(2, title="LeNet", year=1998, doi="10.1109/5.726791"),
            ),
        ),
    ]
    sync(engine, rows)
    upsert(engine, [fetched])
    with db.session_scope(engine) as session:
        assert db.missing_seminal_ids(session) == ["1706.03762", "2106.09685", "1406.2661"]


def test_topic_seminal_attaches_stored_papers(engine: Engine) -> None:
    fetched = paper("1111.2011")
    classics = (
        seminal(0, title="LeNet", year=1998, doi="10.1109/5.726791"),
        seminal(1, fetched),
        SeminalRow(2, "Later", 2030, arxiv_id="2999.00001"),
    )
    sync(engine, [replace(ROADMAP[0], seminal=classics)])
    upsert(engine, [fetched])
    with db.session_scope(engine) as session:
        got = db.topic_seminal(session, "transformers")
    assert [(s.seminal, s.paper) for s in got] == [
        (classics[0], None),
        (classics[1], fetched),
        (classics[2], None),
    ]


# -- runs ------------------------------------------------------------------------------------------------
def run(source: str, minutes: int, **fields: Any) -> RunRow:
    started = NOW + timedelta(minutes=minutes)
    return RunRow(
        run_id="a1b2c3",
        source=source,
        query="cs.LG+cs.CV",
        started_at=started,
        finished_at=started + timedelta(seconds=42),
        **fields,
    )


def test_runs_round_trip_newest_first(engine: Engine) -> None:
    rows = [
        run("listing", 0, fetched=250, new=200, updated=3, requests=1),
        run(
            "api",
            1,
            fetched=0,
            errors=1,
            error="api: HTTP 503 (http://127.0.0.1:8008/api/query, attempt 5)",
            topic_ids=("lora", "gan"),
        ),
        run("seminal", 2, fetched=12, new=12, requests=1, topic_ids=("transformers",)),
    ]
    with db.session_scope(engine) as session:
        for row in rows:
            db.record_run(session, row)
    with db.session_scope(engine) as session:
        assert db.last_runs(session) == rows[::-1]
        assert db.last_runs(session, limit=2) == rows[:0:-1]
        assert db.last_runs(session, source="api") == [rows[1]]
        assert not db.last_runs(session, source="api")[0].ok
