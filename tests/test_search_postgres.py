"""Search on PostgreSQL against search on SQLite, on the seeded database in both (tests/seed.py).

PostgreSQL searches a stored tsvector in the `simple` configuration: FTS5's tokens (unicode61, diacritics
removed), no stemming. SQLite's FTS5 table stems (porter). So:

- PostgreSQL tokenises every corpus text exactly as FTS5's unicode61 tokeniser does;
- PostgreSQL returns exactly the papers FTS5 returns without stemming, for every query tried;
- both databases return the same papers for every query whose answer stemming cannot change, checked on
  the seeded database itself: a plain unicode61 FTS5 index built here agrees with the porter one;
- stemming is the one difference left (`networks` finds `network` on SQLite only).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import db
from db.schema import PAPERS
from db.search import fts_query
from db.search_postgres import VECTOR, counted, likely_beyond, newest_hits, published_since, tsquery
from db.search_syntax import parse
from tests.factories import corpus

PLAIN_FTS = (
    "CREATE VIRTUAL TABLE plain_fts USING fts5(title, abstract, content='papers', content_rowid='rowid',"
    " tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO plain_fts(plain_fts) VALUES ('rebuild')",
)
# Every feature of the syntax; each answer is the same with and without stemming on the seeded database.
SAME_EITHER_WAY = [
    "quantiz*", "GPT-4o", "federated", "github", "e.g", "robot* AND (humanoid OR manipulation)",
    '"federated learning"', "kv NOT quantiz*", "federated NOT privacy", "title:quantiz*", "abstract:github",
    "benchmark* NOT title:benchmark*", "a100 OR h100", "low-rank", "zero-shot", "(kv OR quantiz*) AND github",
]  # fmt: skip
# Inflected words, where porter stemming finds more on SQLite.
STEMMED = [
    "networks", "transformer", '"large language model"', "models learning", "generation", "naïve",
    '"mixture-of-experts"',
]  # fmt: skip


@pytest.fixture(scope="module")
def sqlite_seeded(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A copy of the seeded SQLite file, its FTS5 index synced, plus `plain_fts`: unicode61 without porter."""
    path = tmp_path_factory.mktemp("search") / "radar.sqlite"
    shutil.copyfile(seeded_template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    with db.session_scope(engine) as session:
        db.sync_search_index(session)
        for statement in PLAIN_FTS:
            session.execute(text(statement))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def postgres_seeded(seeded_postgres: str) -> Iterator[Engine]:
    engine = db.make_engine(seeded_postgres)
    db.index_for_search(engine)
    yield engine
    engine.dispose()


def found(engine: Engine, query: str, **filters: object) -> set[str]:
    with db.session_scope(engine) as session:
        hits = db.search_papers(session, query, limit=db.SEARCH_CAP, **filters)  # type: ignore[arg-type]
    assert len(hits) < db.SEARCH_CAP  # every hit is in, not only the newest
    return {hit.paper.arxiv_id for hit in hits}


def fts5_found(engine: Engine, index: str, query: str) -> set[str]:
    sql = f"SELECT p.arxiv_id FROM papers p JOIN {index} f ON f.rowid = p.rowid WHERE {index} MATCH :q"
    with engine.connect() as connection:
        return set(connection.execute(text(sql), {"q": fts_query(query)}).scalars())


def test_postgres_tokenises_like_fts5_unicode61(postgres_seeded: Engine) -> None:
    """Every title and abstract of the corpus, and text made to trip a tokeniser, gives the same words."""
    tricky = [
        "encoder/decoder https://github.com/x/y 3.5 e.g. foo_bar x@y.com it's O'Neil's 10^-3 (a,b) a|b",
        "Schrödinger ÖSTERREICH “quoted” — dash cafe\u0301s naïve ǖ Ȁ ſ İstanbul ı ǅ Æsir ŁÓDŹ",
        "GPT-4o low-rank αβγ Δx 中文字 x² ﬁnd",
    ]
    texts = tricky + [raw[field] for raw in corpus() for field in ("title", "abstract")]
    fts = sqlite3.connect(":memory:")
    fts.execute("CREATE VIRTUAL TABLE f USING fts5(t, tokenize='unicode61 remove_diacritics 2')")
    fts.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')")
    fts.executemany("INSERT INTO f(rowid, t) VALUES (?, ?)", list(enumerate(texts)))
    expected: dict[int, set[str]] = {i: set() for i in range(len(texts))}
    for doc, term in fts.execute("SELECT doc, term FROM v"):
        expected[doc].add(term)
    sql = (
        "SELECT i - 1, tsvector_to_array(to_tsvector('simple', radar_search_text(t)))"
        " FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS x(t, i)"
    )
    with postgres_seeded.connect() as connection:
        got = {i: set(words) for i, words in connection.execute(text(sql), {"texts": texts})}
    differing = [(texts[i][:60], expected[i] ^ got[i]) for i in expected if expected[i] != got[i]]
    assert not differing and len(texts) > 24_000


@pytest.mark.parametrize("query", SAME_EITHER_WAY + STEMMED)
def test_postgres_finds_what_fts5_finds_without_stemming(
    sqlite_seeded: Engine, postgres_seeded: Engine, query: str
) -> None:
    expected = fts5_found(sqlite_seeded, "plain_fts", query)
    assert expected and found(postgres_seeded, query) == expected


@pytest.mark.parametrize("query", SAME_EITHER_WAY)
def test_both_databases_return_the_same_papers(
    sqlite_seeded: Engine, postgres_seeded: Engine, query: str
) -> None:
    # By construction: stemming does not change this query's answer on this database.
    assert fts5_found(sqlite_seeded, "papers_fts", query) == fts5_found(sqlite_seeded, "plain_fts", query)
    assert found(sqlite_seeded, query) == found(postgres_seeded, query)


def test_words_stemming_cannot_change_return_the_same_papers(
    sqlite_seeded: Engine, postgres_seeded: Engine
) -> None:
    """Words of the seeded papers that no other of their words stems alike: each alone, in phrases of
    two, OR-ed and NOT-ed, return the same papers on both databases."""
    words = lonely_stems(sqlite_seeded)[:24]
    queries = [*words, *(f'"{a} {b}"' for a, b in zip(words, words[1:], strict=False))]
    queries += [f"{a} OR {b} NOT {c}" for a, b, c in zip(words, words[3:], words[7:], strict=False)]
    assert len(words) == 24
    for query in queries:
        assert found(sqlite_seeded, query) == found(postgres_seeded, query), query


def lonely_stems(engine: Engine) -> list[str]:
    """Frequent words (in 20 to 400 papers) that porter stems to a stem no other word of the database has."""
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, plain_fts, 'row')")
        rows = connection.exec_driver_sql("SELECT term, doc FROM temp.vocab").all()
    words = [term for term, _ in rows]
    stems = porter_stems(words)
    sharing: dict[str, int] = {}
    for word in words:
        sharing[stems[word]] = sharing.get(stems[word], 0) + 1
    frequent = [term for term, docs in rows if 20 <= docs <= 400 and term.isalpha()]
    return sorted(word for word in frequent if sharing[stems[word]] == 1)


def porter_stems(words: list[str]) -> dict[str, str]:
    """Each word as FTS5's porter tokeniser stems it (one word per row of an in-memory index)."""
    fts = sqlite3.connect(":memory:")
    fts.execute("CREATE VIRTUAL TABLE p USING fts5(t, tokenize='porter unicode61 remove_diacritics 2')")
    fts.execute("CREATE VIRTUAL TABLE v USING fts5vocab(p, 'instance')")
    fts.executemany("INSERT INTO p(rowid, t) VALUES (?, ?)", list(enumerate(words)))
    return {words[doc]: term for doc, term in fts.execute("SELECT doc, term FROM v")}


@pytest.mark.parametrize("query", STEMMED)
def test_stemming_is_the_difference_left(sqlite_seeded: Engine, postgres_seeded: Engine, query: str) -> None:
    on_sqlite, on_postgres = found(sqlite_seeded, query), found(postgres_seeded, query)
    assert on_postgres < on_sqlite  # e.g. `networks` also finds "network" on SQLite


def test_filters_agree(sqlite_seeded: Engine, postgres_seeded: Engine) -> None:
    for query in ("low-rank", "adapt* OR fine-tun*", "quantiz*"):
        topics = {"topic_ids": ["lora", "quantization"]}
        assert found(sqlite_seeded, query, **topics) == found(postgres_seeded, query, **topics) != set()
        # Bounded by a date, PostgreSQL hands the topics' ids over as one array (db.search_postgres).
        for since in (datetime(2000, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)):
            bounded = {**topics, "since": since}
            assert found(sqlite_seeded, query, **bounded) == found(postgres_seeded, query, **bounded)
        assert found(postgres_seeded, query, **topics, since=datetime(2000, 1, 1, tzinfo=UTC)) != set()
        # Published before a date, with or without topics: the windows end at that date on PostgreSQL.
        for until in (datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)):
            for bounded in ({"until": until}, {**topics, "until": until}):
                assert found(sqlite_seeded, query, **bounded) == found(postgres_seeded, query, **bounded)


def test_the_gin_index_serves_a_search_and_its_window_in_one_scan(postgres_seeded: Engine) -> None:
    """The tsquery expression is one the index can answer, and with a window's start the same index reads
    the date and the words together, not a bitmap of every paper with the words (migration 0011). The
    planner may still prefer a scan on a small table, so scans are turned off for the look."""
    since = datetime(2026, 3, 1, tzinfo=UTC)
    with db.session_scope(postgres_seeded) as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_indexscan = off"))  # not the published index either
        plan = explained(session, 'title:quantiz* "low rank" NOT diffusion')
        windowed = explained(session, '"large language model"', published_since(since, indexed=True))
    assert "Bitmap Index Scan on ix_papers_search_dated" in plan, plan
    # The dated index reads the window's date entries and the words together (the plain date bound may
    # add the date index's bitmap beside it, or a walk of it, which is what lets a common word stop early).
    dated = windowed[windowed.index("Bitmap Index Scan on ix_papers_search_dated") :].split("->")[0]
    assert "timezone('UTC'::text, published) >=" in dated and "search_vector @@" in dated, windowed


def explained(session: Session, query: str, *conditions: ColumnElement[bool]) -> str:
    node = parse(query)
    assert node is not None
    statement = select(PAPERS.c.arxiv_id).where(VECTOR.op("@@")(tsquery(node)), *conditions)
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    return "\n".join(session.execute(text(f"EXPLAIN {compiled}")).scalars())


@pytest.mark.parametrize(
    "query", ["model", "federated", '"large language model"', "quantiz*", "kv NOT quantiz*"]
)
@pytest.mark.parametrize("cap", [1, 7, 40, 10_000])
def test_the_windows_give_the_newest_hits_each_once(postgres_seeded: Engine, query: str, cap: int) -> None:
    """However the windows widen (dense words fill the first one, sparse ones skip to the widest and are
    read through the GIN index), the ids are the `cap` newest hits, newest first, none twice."""
    node = parse(query)
    assert node is not None
    matches = [VECTOR.op("@@")(tsquery(node))]
    days = [timedelta(days=n) for n in (7, 30, 120, 400)]
    with db.session_scope(postgres_seeded) as session:
        every = session.execute(
            select(PAPERS.c.arxiv_id, PAPERS.c.published).where(*matches).order_by(PAPERS.c.published.desc())
        ).all()
        published = dict(every)
        newest = max(published.values())
        for windows in ([*days, None], [days[0], None], [None]):
            hits = newest_hits(session, matches, cap, windows, newest)
            ids = [arxiv_id for arxiv_id, _ in hits]
            assert [date for _, date in hits] == [published[i] for i in ids]
            assert len(ids) == len(set(ids)) == min(cap, len(every))
            dates = [published[i] for i in ids]
            assert dates == sorted(dates, reverse=True)
            assert dates == [date for _, date in every[: len(ids)]]  # the newest (ties: any of them)
        # Published before a reader's date: the windows end there and read the date index alone.
        until = every[len(every) // 3][1]
        before = [(i, date) for i, date in every if date < until]
        for windows in ([*days, None], [None]):
            hits = newest_hits(
                session, [*matches, PAPERS.c.published < until], cap, windows, until, dated=False
            )
            assert [date for _, date in hits] == [date for _, date in before[: min(cap, len(before))]]
            assert len({i for i, _ in hits}) == len(hits)


@pytest.mark.parametrize("query", ["model", "federated", '"large language model"', "kv NOT quantiz*"])
def test_counting_the_recent_hits_first_gives_the_same_count(postgres_seeded: Engine, query: str) -> None:
    """A common word's count is looked for among the recent papers first (db.search_postgres.counted): the
    answer is the full count's, whatever the cap and however recent the start."""
    node = parse(query)
    assert node is not None
    matches = [VECTOR.op("@@")(tsquery(node))]
    with db.session_scope(postgres_seeded) as session:
        every = session.execute(select(func.count()).where(*matches).select_from(PAPERS)).scalar_one()
        newest = session.execute(select(func.max(PAPERS.c.published))).scalar_one()
        for cap in (1, 5, 40, every - 1, every, 10_000):
            whole = counted(session, matches, cap)
            assert whole == (min(every, cap), every <= cap)
            for days in (1, 30, 400, 100_000):
                assert counted(session, matches, cap, newest - timedelta(days=days)) == whole, (cap, days)


def test_the_recent_count_starts_where_the_rate_of_the_newest_hits_says() -> None:
    newest = datetime(2026, 11, 29, tzinfo=UTC)
    daily = [(f"2611.{n:05d}", newest - timedelta(days=n / 100)) for n in range(200)]  # 100 hits a day
    # 200 hits in two days: 1,000 in ten, with half as much again to spare.
    assert likely_beyond(newest, daily, cap=200, count_cap=1000) == newest - timedelta(days=1.99 * 5 * 1.5)
    assert likely_beyond(newest, daily[:150], cap=200, count_cap=1000) is None  # all the hits: counted whole
    assert likely_beyond(newest, daily, cap=200, count_cap=10**6) is None  # too far back for the dated index
