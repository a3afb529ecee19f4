"""PostgreSQL full text: the stored `papers.search_vector` (migration 0008, under a GIN index) matched by a
tsquery built from the parsed search (db.search_syntax), ranked by ts_rank; and `sync`, which fills the
vectors new papers lack (NULL), in batches, as SQLite's FTS5 index is synced.

Each term goes through `radar_search_text`, the function the stored vector was built with, so a query
word is tokenised exactly as the documents were (punctuation splits words, diacritics and case folded,
as SQLite's FTS5 unicode61 does; no stemming). Words and phrases become phraseto_tsquery, prefix* and
title:/abstract: terms to_tsquery with `:*` and the weight label (A title, B abstract); the tree's
AND, OR and NOT become tsquery_and, tsquery_or and tsquery_not.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from db.papers import papers_by_id
from db.ranges import id_floor, published_between
from db.records import MARK_END, MARK_START, SearchFilters, SearchHit, SearchPage, SearchResults
from db.schema import MATCHES, PAPERS
from db.search_syntax import All, Any_, Node, Not, Term

VECTOR_COLUMN = "search_vector"
INDEXES = ("ix_papers_search_dated", "ix_papers_unindexed")
# Written by `sync` alone (migration 0008), so not in the models: a copy or an upsert never writes it.
VECTOR: ColumnElement[Any] = literal_column(f"papers.{VECTOR_COLUMN}")
# Papers the next sync indexes (their vector is NULL), a batch at a time in key order from where the last
# batch ended: the partial index keeps the entries of papers indexed since the last VACUUM, and starting
# past them keeps a long sync from wading through them again and again. Replicas syncing at once share the
# work instead of waiting for each other's row locks.
SYNC_SQL = text(
    f"WITH batch AS (SELECT arxiv_id FROM papers WHERE {VECTOR_COLUMN} IS NULL AND arxiv_id > :after"
    f" ORDER BY arxiv_id LIMIT :limit FOR UPDATE SKIP LOCKED)"
    f" UPDATE papers SET {VECTOR_COLUMN} = radar_search_vector(title, abstract) FROM batch"
    f" WHERE papers.arxiv_id = batch.arxiv_id RETURNING papers.arxiv_id"
)
CONFIG: ColumnElement[Any] = literal_column("'simple'::regconfig")
# ts_rank's weights of D, C, B (abstract) and A (title) words: a title hit counts 3x, as bm25 on SQLite.
WEIGHTS: ColumnElement[Any] = literal_column("'{0.1, 0.2, 0.333, 1.0}'::float4[]")
LABELS = {None: "", "title": "A", "abstract": "B"}
# How far back from the newest paper hits are looked for first (None: everywhere): see newest_hits.
WINDOWS = (*(timedelta(days=7 * 2**n) for n in range(8)), None)  # a week, two, ... 896 days, every paper
# Two passages of about 32 words, as FTS5's snippet() gives one of 32 tokens; the marks are db.records'.
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=20, MinWords=10, MaxFragments=2,"
    ' FragmentDelimiter=" … "'
)


def tsquery(node: Node) -> ColumnElement[Any]:
    """The parsed search as a tsquery expression; every text in it is a bound parameter."""
    if isinstance(node, Term):
        return term_query(node)
    if isinstance(node, Not):
        return func.tsquery_and(tsquery(node.keep), func.tsquery_not(tsquery(node.drop)))
    combine = func.tsquery_or if isinstance(node, Any_) else func.tsquery_and
    assert isinstance(node, All | Any_)
    return reduce(lambda left, right: combine(left, right), (tsquery(part) for part in node.parts))


def term_query(term: Term) -> ColumnElement[Any]:
    words = func.radar_search_text(literal(term.text, Text))
    if not (term.prefix or term.column):
        return func.phraseto_tsquery(CONFIG, words)
    # Quoted, so a term of several words stays a phrase; the words hold no quote (it separates words).
    suffix = ":" + ("*" if term.prefix else "") + LABELS[term.column]
    return func.to_tsquery(CONFIG, func.concat("'", words, "'" + suffix))


def search(
    session: Session, query: Node, filters: SearchFilters, page: SearchPage, cap: int, count_cap: int
) -> SearchResults:
    """The `cap` most recently published hits that the filters allow, best ts_rank first: the page's share
    of them with their headlines, how many papers match (up to `count_cap`) and how many were ranked."""
    matches = tsquery(query)
    topic_ids, since, until = filters
    conditions = [VECTOR.op("@@")(matches), *topic_filter(topic_ids, since), *published_between(since, until)]
    newest = session.execute(select(func.max(PAPERS.c.published))).scalar_one()
    if newest is None:
        return SearchResults((), 0, True, 0)
    dated = until is None or until >= newest
    if until is not None and not dated:  # the windows end where the reader's dates do
        newest = until
    # A topic filter bounds the papers to check (its matches, read from an index): no window needed.
    windows = (None,) if topic_ids else WINDOWS
    found = newest_hits(session, conditions, cap, windows, newest, dated)
    if not found:
        return SearchResults((), 0, True, 0)
    ids = [arxiv_id for arxiv_id, _ in found]
    best = ranked(session, matches, ids, page.offset, page.limit)
    papers = papers_by_id(session, [arxiv_id for arxiv_id, _ in best])
    marked = headlines(session, matches, list(papers)) if page.snippets else {}
    recent = likely_beyond(newest, found, cap, count_cap)
    total, exact = counted(session, conditions, count_cap, recent) if page.counted else (len(ids), True)
    hits = tuple(SearchHit(papers[i], r, snippet=marked.get(i, "")) for i, r in best if i in papers)
    return SearchResults(hits, max(total, len(ids)), exact, len(ids))


def ranked(
    session: Session, matches: ColumnElement[Any], ids: list[str], offset: int, limit: int
) -> list[Any]:
    """(arxiv id, ts_rank) of the page's share of `ids`, best first (ties by id, so pages never overlap)."""
    rank = func.ts_rank(WEIGHTS, VECTOR, matches)
    # One array parameter, not thousands of IN parameters to bind and plan (half the time for 4,000 hits).
    chosen = PAPERS.c.arxiv_id == func.any(bindparam("ids", ids, type_=ARRAY(String)))
    top = select(PAPERS.c.arxiv_id, rank).where(chosen).order_by(rank.desc(), PAPERS.c.arxiv_id)
    return [(arxiv_id, float(r)) for arxiv_id, r in session.execute(top.offset(offset).limit(limit))]


def likely_beyond(newest: datetime, found: list[Any], cap: int, count_cap: int) -> datetime | None:
    """Where the recent papers likely hold more than `count_cap` hits, at the rate the `cap` newest hits
    (`found`, newest first, with their dates) came in; None when they are fewer than `cap` or the start
    would be older than the dated index serves well."""
    if len(found) < cap:
        return None
    span = (newest - found[-1][1]) * COUNT_MARGIN * count_cap / cap
    return newest - span if span <= INDEXED_WINDOW else None


def counted(
    session: Session, conditions: list[ColumnElement[bool]], cap: int, recent: datetime | None = None
) -> tuple[int, bool]:
    """How many papers meet `conditions` (at most `cap`), and whether that is all of them.

    With `recent`, the papers published since then are counted first, from the dated search index: more
    than `cap` of them is the answer. Counted over every year, a common word's first 10,000 hits came from
    a bitmap of all its papers ('language', in a third of them: 100-140 ms at 1M papers); over the last
    120 days, 50 ms, most of it the bitmap of their 110,000 date entries: the start is set by the rate of
    the hits (likely_beyond)."""
    for scope in ([published_since(recent, indexed=True)], []) if recent else ([],):
        hits = select(PAPERS.c.arxiv_id).where(*conditions, *scope).limit(cap + 1).subquery()
        found = int(session.execute(select(func.count()).select_from(hits)).scalar_one())
        if found > cap:
            return cap, False
    return found, True


def headlines(session: Session, matches: ColumnElement[Any], arxiv_ids: list[str]) -> dict[str, str]:
    """Each paper's best passages of its abstract, the matched words marked (ts_headline), with "…" where
    the abstract goes on, as FTS5's snippet() has it."""
    if not arxiv_ids:
        return {}
    headline = func.ts_headline(CONFIG, PAPERS.c.abstract, matches, HEADLINE_OPTIONS)
    query = select(PAPERS.c.arxiv_id, headline, PAPERS.c.abstract).where(PAPERS.c.arxiv_id.in_(arxiv_ids))
    return {
        arxiv_id: ellipsized(text_, abstract) for arxiv_id, text_, abstract in session.execute(query).all()
    }


def ellipsized(passage: str, abstract: str) -> str:
    """`passage` with "…" before it unless it starts the abstract, and after it unless it ends it."""
    plain = passage.replace(MARK_START, "").replace(MARK_END, "").strip()
    if not plain:
        return passage
    before = "" if abstract.lstrip().startswith(plain[:40]) else "…"
    after = "" if abstract.rstrip().endswith(plain[-40:]) else "…"
    return f"{before}{passage.strip()}{after}"


def newest_hits(
    session: Session,
    conditions: list[ColumnElement[bool]],
    cap: int,
    windows: Sequence[timedelta | None],
    newest: datetime,
    dated: bool = True,
) -> list[Any]:
    """The `cap` newest papers meeting `conditions` (id, publication date; newest first), looked for in
    the newest papers first; each window ends at `newest`, the newest paper's publication date, or the
    date a reader's search is published before (`dated` False: the windows are bounded on the date
    index alone, for the dated search index would read the date entries of every paper since, too).

    The first window is a week: a common word's `cap` hits are in it, and PostgreSQL may walk the date
    index for them. A window with fewer than `cap` hits is followed by the first wider window that, at
    the rate of hits seen so far, holds them all, read from the newest paper again and sorted. A window
    of up to INDEXED_WINDOW is read from the GIN index that leads with the date (migration 0011): only
    the window's entries of each word are read, each of them checked (a phrase against the stored
    vector). An upper bound in that index would be a second range of date entries, every paper before
    it (`"large language model"` over five months: 224 ms for the bitmap instead of 50 ms), hence the
    re-reading; the windows double, so the last one costs the most. A wider window's start is checked on
    each hit instead, for there a word's entries are fewer than the window's date entries: `GAN` over
    896 days took 128 ms through the dates, a few ms without.

    The wider windows are sorted, not read in date order: PostgreSQL guesses a phrase as common as its
    words together, and walked the date index checking every paper of three years for `"model
    language"` (3.1 s; 0.9 s sorted, still every paper with both words checked: SQLite's FTS5 keeps
    positions in its index, 51 ms). Measured at 1M papers: `"large language model"` 175 ms before
    migration 0011, 50 ms after (a week, then 56 days).
    """
    hits: list[Any] = []
    left = list(windows)
    while left:
        window = left.pop(0)
        if window is None:
            since = []
        elif dated:
            since = [published_since(newest - window, indexed=window <= INDEXED_WINDOW)]
        else:  # before a reader's date: the date index alone
            since = [PAPERS.c.published >= newest - window]
        order = PAPERS.c.published if len(left) == len(windows) - 1 else UNINDEXED_DATE  # the first window
        columns = (PAPERS.c.arxiv_id, PAPERS.c.published)
        query = select(*columns).where(*conditions, *since).order_by(order.desc()).limit(cap)
        hits = [tuple(row) for row in session.execute(query)]
        if len(hits) == cap or window is None:
            return hits
        needed = window * cap / max(len(hits), 1)
        while left and left[0] is not None and left[0] < needed:
            left.pop(0)
    return hits


# The widest window whose start is read from the index: each paper of the window is a date entry to read
# (1M papers: about 130 ms for every one); past it, the words' entries are fewer than the window's.
INDEXED_WINDOW = timedelta(days=120)
# How much wider than the newest hits' rate says the window counted first is (db.search_postgres.counted).
COUNT_MARGIN = 1.5
# The publication date as an expression no index holds: bounded or ordered by it, neither the date index
# is walked nor the dated search index's date entries read.
UNINDEXED_DATE: ColumnElement[Any] = PAPERS.c.published + literal_column("interval '0 s'")
# The publication date as the dated search index holds it (migration 0011: UTC, without a zone).
INDEXED_DATE: ColumnElement[Any] = func.timezone(literal_column("'UTC'"), PAPERS.c.published)


def published_since(moment: datetime, indexed: bool) -> ColumnElement[bool]:
    """Published at or after `moment`: read from the dated search index's date entries (`indexed`; the
    same bound on the date index lets PostgreSQL walk that one instead, a week of a common word's papers
    newest first — bounded on the search index's date alone, it walked every paper for a phrase: 2.1 s),
    or checked on each hit the words' entries give."""
    if not indexed:
        return UNINDEXED_DATE >= moment  # noqa: SIM300 - a SQL expression, not a constant
    start = moment.astimezone(UTC).replace(tzinfo=None)
    return and_(INDEXED_DATE >= start, PAPERS.c.published >= moment)  # noqa: SIM300 - as above


def topic_filter(topic_ids: Collection[str], since: datetime | None) -> list[ColumnElement[bool]]:
    """Papers matched to one of `topic_ids`, as a set of ids read from the matches' index (bounded to the
    months `since` allows), so that the planner starts from them rather than from every hit of a word.

    Bounded by `since`, the ids are handed over as one array (`= ANY`), which PostgreSQL reads paper by
    paper through the primary key: as a semi-join it started from the words' hits in the window instead,
    guessing a phrase as common as its words, and checked them all ('reinforcement learning' in
    diffusion or LoRA over 180 days: 15,500 papers' vectors, 83-134 ms; 6,700 papers by id, 38 ms).
    Unbounded, a topic's matches of every year can outnumber a rare word's hits: the planner chooses.
    """
    if not topic_ids:
        return []
    matched = select(MATCHES.c.arxiv_id).where(MATCHES.c.topic_id.in_(list(topic_ids)))
    if since is None:
        return [PAPERS.c.arxiv_id.in_(matched)]
    recent = matched.where(MATCHES.c.arxiv_id >= id_floor(since))
    ids = recent.with_only_columns(func.array_agg(MATCHES.c.arxiv_id)).scalar_subquery()
    return [PAPERS.c.arxiv_id == func.any(cast(ids, ARRAY(String)))]


def sync(session: Session, limit: int | None, after: str = "") -> tuple[int, str]:
    """Index up to `limit` (None: all) papers whose vector is NULL and whose id is above `after`; how many,
    and the greatest id indexed (where the next batch starts)."""
    ids = session.execute(SYNC_SQL, {"limit": limit, "after": after}).scalars().all()
    return len(ids), max(ids, default=after)


def unindexed_count(session: Session) -> int:
    query = select(func.count()).select_from(PAPERS).where(VECTOR.is_(None))
    return int(session.execute(query).scalar_one())
