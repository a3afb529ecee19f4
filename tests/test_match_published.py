"""A match carries its paper's publication date (migration 0010), so that a topic's window is read from
one index: existing matches get it on upgrade, new ones are written with it, and an update of the paper's
date (an API record's earlier v1 time after a listing's announcement day) reaches every match of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

import db
from db.columns import utc_param
from db.schema import MATCHES, PAPERS
from tests.factories import BACKENDS, NOW, blank_engine, match, papers, topic

BEFORE = "0009_search_tsvector"
ROADMAP = (topic("lora", 0, "ti:LoRA"), topic("gan", 1, "ti:GAN"))


def stored_dates(engine: Engine) -> dict[tuple[str, str], tuple[Any, Any]]:
    """(arxiv_id, topic_id) → (the match's published, its paper's published)."""
    query = select(MATCHES.c.arxiv_id, MATCHES.c.topic_id, MATCHES.c.published, PAPERS.c.published).join(
        PAPERS, PAPERS.c.arxiv_id == MATCHES.c.arxiv_id
    )
    with db.session_scope(engine) as session:
        return {(a, t): (mine, theirs) for a, t, mine, theirs in session.execute(query)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_upgrade_gives_existing_matches_their_papers_dates(backend: str, tmp_path: Path) -> None:
    engine = blank_engine(backend, tmp_path)
    with engine.begin() as connection:
        command.upgrade(db.alembic_config(connection), BEFORE)
    stored = papers(3)
    with db.session_scope(engine) as session:
        db.sync_topics(session, ROADMAP, NOW)
        db.upsert_papers(session, stored, NOW)
        for record, topic_id in zip(stored, ("lora", "lora", "gan"), strict=True):
            session.execute(  # the columns of 0009: no date
                text(
                    "INSERT INTO paper_topics (arxiv_id, topic_id, score, reasons, matched_at)"
                    " VALUES (:a, :t, 1.0, '[]', :at)"
                ),
                {"a": record.arxiv_id, "t": topic_id, "at": utc_param(NOW, engine.dialect.name)},
            )
    db.migrate(engine)
    dates = stored_dates(engine)
    assert len(dates) == 3
    assert all(mine == theirs for mine, theirs in dates.values())
    assert {mine for mine, _ in dates.values()} == {r.published for r in stored}
    engine.dispose()


def test_a_match_is_written_with_its_papers_date_and_follows_a_change_of_it(engine: Engine) -> None:
    # Stored from a listing feed first: published is the announcement day.
    listed = [replace(p, published=p.published + timedelta(days=2)) for p in papers(2)]
    with db.session_scope(engine) as session:
        db.sync_topics(session, ROADMAP, NOW)
        db.upsert_papers(session, listed, NOW)
        matches = [match(p, t, 1.0) for p in listed for t in ("lora", "gan")]
        db.replace_matches(session, [p.arxiv_id for p in listed], matches, NOW)
    assert {mine for mine, _ in stored_dates(engine).values()} == {p.published for p in listed}
    # The API's record of the first paper knows v1's submission time, two days earlier: merged, it wins.
    with db.session_scope(engine) as session:
        db.upsert_papers(session, [papers(1)[0]], NOW + timedelta(hours=1))
    dates = stored_dates(engine)
    assert all(mine == theirs for mine, theirs in dates.values())
    first, second = listed
    assert dates[(first.arxiv_id, "lora")][0] == dates[(first.arxiv_id, "gan")][0] == papers(1)[0].published
    assert dates[(second.arxiv_id, "gan")][0] == second.published  # the other paper's matches untouched
    # And the topic's window reads the new date: the paper is in a window that starts a day before it.
    with db.session_scope(engine) as session:
        since = papers(1)[0].published - timedelta(days=1)
        found, _ = db.use_matches(session, "lora", since, None, ())
    assert {s.arxiv_id: s.published for s in found}[first.arxiv_id] == papers(1)[0].published
