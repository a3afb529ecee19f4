"""A search's pages, total, snippets and "did you mean", on the seeded database in SQLite and in PostgreSQL
(tests/seed.py: the real roadmap, 3,000 corpus papers): both databases must answer alike."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

import db
from db import search as search_module
from db.records import MARK_END, MARK_START
from db.schema import PAPERS

MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}")
TOKEN = re.compile(r"[^\W_]+")  # a word as both databases tokenise text: letters and digits


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest, seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("results") / "radar.sqlite"
        shutil.copyfile(seeded_template, path)
        engine = db.make_engine(f"sqlite:///{path}")
    else:
        engine = db.make_engine(request.getfixturevalue("seeded_postgres"))
    db.index_for_search(engine)
    yield engine
    engine.dispose()


def every_hit(engine: Engine, query: str, topic_ids: tuple[str, ...] = ()) -> list[str]:
    with db.session_scope(engine) as session:
        hits = db.search_papers(session, query, topic_ids, limit=db.SEARCH_CAP)
    assert len(hits) < db.SEARCH_CAP  # every hit is ranked, not only the newest
    return [hit.paper.arxiv_id for hit in hits]


def paged(engine: Engine, query: str, per: int, topic_ids: tuple[str, ...] = ()) -> list[db.SearchResults]:
    pages = []
    with db.session_scope(engine) as session:
        while not pages or pages[-1].hits:
            offset = len(pages) * per
            pages.append(db.search_results(session, query, topic_ids, offset=offset, limit=per))
    return pages


@pytest.mark.parametrize(
    ("query", "topics"), [("diffusion", ()), ("network", ()), ("model", ("lora", "vit"))]
)
def test_pages_hold_every_hit_once_in_order_and_the_total_counts_them(
    seeded: Engine, query: str, topics: tuple[str, ...]
) -> None:
    pages = paged(seeded, query, 7, topics)
    expected = every_hit(seeded, query, topics)
    assert len(expected) > 14  # three pages or more
    assert [hit.paper.arxiv_id for page in pages for hit in page.hits] == expected
    assert {(page.total, page.exact, page.ranked) for page in pages} == {(len(expected), True, len(expected))}


def test_the_total_counts_past_the_ranked_hits(seeded: Engine) -> None:
    """`the` is in nearly every paper: SEARCH_CAP of them are ranked, all are counted."""
    with db.session_scope(seeded) as session:
        found = db.search_results(session, "the", offset=db.SEARCH_CAP - 5, limit=25)
        every = session.execute(select(PAPERS.c.title, PAPERS.c.abstract)).all()
    holding = sum(1 for title, abstract in every if "the" in TOKEN.findall(f"{title} {abstract}".casefold()))
    assert (found.total, found.exact, found.ranked, len(found.hits)) == (holding, True, db.SEARCH_CAP, 5)
    assert holding > db.SEARCH_CAP


def test_the_total_stops_at_the_count_cap(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = every_hit(seeded, "network")
    monkeypatch.setattr(search_module, "COUNT_CAP", 5)
    with db.session_scope(seeded) as session:
        found = db.search_results(session, "network", limit=3)
    # Counting stopped at 5; the ranked hits, all of them here, are a better lower bound.
    assert (found.total, found.exact, found.ranked, len(found.hits)) == (
        len(expected),
        False,
        len(expected),
        3,
    )


def test_snippets_mark_the_words_matched_in_the_abstract(seeded: Engine) -> None:
    with db.session_scope(seeded) as session:
        found = db.search_results(session, "diffusion video", limit=10)
    assert found.hits and all(MARKED.search(hit.snippet) for hit in found.hits[:3])
    for hit in found.hits:
        marked = {word.casefold() for word in MARKED.findall(hit.snippet)}
        assert all(word.startswith(("diffusion", "video")) for word in marked), hit.snippet
        plain = hit.snippet.replace(MARK_START, "").replace(MARK_END, "")
        assert all(part.strip(" …") in hit.paper.abstract for part in re.split(r"…", plain) if part.strip())


def test_search_papers_reads_no_snippets(seeded: Engine) -> None:
    with db.session_scope(seeded) as session:
        assert {hit.snippet for hit in db.search_papers(session, "diffusion")} == {""}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("trasnformer", "transformer"),
        ("difusion models", "diffusion models"),
        ("reinforcemnet learning", "reinforcement learning"),
        ('"visoin transformer"', '"vision transformer"'),
        ("Quantizaton", "quantization"),
    ],
)
def test_did_you_mean_corrects_words_that_match_nothing(seeded: Engine, typed: str, meant: str) -> None:
    with db.session_scope(seeded) as session:
        assert not db.search_papers(session, typed)
        assert db.did_you_mean(session, typed) == meant
        assert db.search_papers(session, meant)


@pytest.mark.parametrize("typed", ["qzxwvkj", "transformer qzxwvkj", "diffusion NOT diffusion", "- ..."])
def test_no_suggestion_without_a_correction_that_finds_papers(seeded: Engine, typed: str) -> None:
    with db.session_scope(seeded) as session:
        assert db.did_you_mean(session, typed) is None


def test_a_suggestion_keeps_to_the_filters(seeded: Engine) -> None:
    with db.session_scope(seeded) as session:
        assert db.did_you_mean(session, "trasnformer", ("lora",)) == "transformer"
        assert db.search_papers(session, "transformer", ("lora",))
        later = datetime.now(UTC) + timedelta(days=30)
        assert not db.search_papers(session, "transformer", since=later)
        assert db.did_you_mean(session, "trasnformer", since=later) is None
