"""Storage: the one facade through which the collector, the dashboard and the tools reach the database.

`db` imports nothing else of Roadmap Radar. Its modules, each named for what it holds:

    engine.py        engines, sessions, migrations (db/migrations)      errors.py   StorageError and
                     and who may run them (ensure_schema)                            SchemaOutOfDate
    schema.py        the tables (typed models and Core handles)          records.py  the plain record types
    convert.py       rows ↔ records, derived from the record fields      columns.py  UTC and JSON column types
    dialect.py       where SQLite and PostgreSQL differ (ON CONFLICT, bulk INSERT)
    papers.py        papers: reads and the arXiv upsert                  merge.py    how two versions combine
    hf_signals.py    Hugging Face's fields on paper rows
    topics.py        levels, topics, their classics and roadmap resources, backfill progress
    resources.py     resources of papers and topics
    matches.py       matches, reading-list candidates, trending candidates, counts
    runs.py          runs, the scheduler's next runs, named locks
    reader_state.py  reader profiles and marks
    search.py        full text: the search box's syntax (search_syntax.py), SQLite FTS5, PostgreSQL's
                     tsvector (search_postgres.py)
    ranges.py        index-friendly range conditions
    transfer.py      a whole database copied to another URL, resumably, and verified
"""

from db.engine import (
    alembic_config,
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    migrate,
    require_current_schema,
    session_scope,
)
from db.errors import SchemaOutOfDate, StorageError, mask_url
from db.hf_signals import (
    hf_lookup_candidates,
    hf_only_ids,
    hf_signals_by_id,
    mark_hf_checked,
    upsert_hf_papers,
)
from db.matches import (
    add_matches,
    daily_counts,
    match_summaries,
    matched_papers,
    replace_matches,
    replace_topic_matches,
    topic_candidates,
    topic_latest,
    topic_matches,
    topic_paper_counts,
    trending_candidates,
)
from db.papers import get_paper, iter_papers, paper_count, papers_by_id, stored_ids, upsert_papers
from db.reader_state import get_reader, list_readers, mark_all_seen, reader_marks, set_marks, visit
from db.records import (
    RESOURCE_KINDS,
    HFPaper,
    HFSignals,
    LevelRow,
    LockRow,
    MatchRow,
    MatchSummary,
    PaperMarks,
    PaperRecord,
    ReaderRow,
    Resource,
    ResourceRow,
    RunRow,
    ScoredPaper,
    SearchHit,
    SeminalPaper,
    SeminalRow,
    TopicMatch,
    TopicRow,
    TrendingCandidate,
    UpsertResult,
)
from db.resources import paper_resources, roadmap_feeds, topic_resources, upsert_resources
from db.runs import (
    COLLECTION_LOCK,
    acquire_lock,
    last_runs,
    lock_holder,
    record_run,
    release_lock,
    renew_lock,
    scheduled_jobs,
    topic_last_collected,
)
from db.search import (
    SEARCH_CAP,
    index_for_search,
    plain_query,
    rebuild_search_index,
    search_papers,
    sync_search_index,
    unindexed_count,
)
from db.search_syntax import SearchQueryError
from db.topics import (
    list_levels,
    list_topics,
    missing_seminal_ids,
    set_topic_backfill,
    sync_levels,
    sync_topics,
    topic_backfills,
    topic_seminal,
)
from db.transfer import Digest, analyze, copied_tables, copy_table, empty_tables, row_count, table_digest

__all__ = [
    "COLLECTION_LOCK",
    "Digest",
    "RESOURCE_KINDS",
    "SEARCH_CAP",
    "HFPaper",
    "HFSignals",
    "LevelRow",
    "LockRow",
    "MatchRow",
    "MatchSummary",
    "PaperMarks",
    "PaperRecord",
    "ReaderRow",
    "Resource",
    "ResourceRow",
    "RunRow",
    "ScoredPaper",
    "SearchHit",
    "SchemaOutOfDate",
    "SearchQueryError",
    "SeminalPaper",
    "SeminalRow",
    "StorageError",
    "TopicMatch",
    "TopicRow",
    "TrendingCandidate",
    "UpsertResult",
    "acquire_lock",
    "add_matches",
    "alembic_config",
    "analyze",
    "copied_tables",
    "copy_table",
    "current_revision",
    "daily_counts",
    "empty_tables",
    "ensure_schema",
    "get_paper",
    "get_reader",
    "head_revision",
    "hf_lookup_candidates",
    "hf_only_ids",
    "hf_signals_by_id",
    "index_for_search",
    "iter_papers",
    "last_runs",
    "list_levels",
    "list_readers",
    "list_topics",
    "lock_holder",
    "make_engine",
    "mark_all_seen",
    "mark_hf_checked",
    "mask_url",
    "match_summaries",
    "matched_papers",
    "migrate",
    "missing_seminal_ids",
    "paper_count",
    "paper_resources",
    "papers_by_id",
    "plain_query",
    "reader_marks",
    "rebuild_search_index",
    "record_run",
    "release_lock",
    "renew_lock",
    "replace_matches",
    "replace_topic_matches",
    "require_current_schema",
    "roadmap_feeds",
    "row_count",
    "scheduled_jobs",
    "search_papers",
    "session_scope",
    "set_marks",
    "set_topic_backfill",
    "stored_ids",
    "sync_levels",
    "sync_search_index",
    "sync_topics",
    "table_digest",
    "topic_backfills",
    "topic_candidates",
    "topic_last_collected",
    "topic_latest",
    "topic_matches",
    "topic_paper_counts",
    "topic_resources",
    "topic_seminal",
    "trending_candidates",
    "unindexed_count",
    "upsert_hf_papers",
    "upsert_papers",
    "upsert_resources",
    "visit",
]
