"""Storage: engine and sessions, typed models, idempotent upserts, read queries, migrations.

`db` imports nothing else of Roadmap Radar; the collector and the dashboard import it.
"""

from db.engine import alembic_config, current_revision, make_engine, migrate, session_scope
from db.errors import StorageError, mask_url
from db.reads import (
    get_paper,
    iter_papers,
    last_runs,
    list_topics,
    missing_seminal_ids,
    paper_count,
    papers_by_id,
    stored_ids,
    topic_backfills,
    topic_candidates,
    topic_seminal,
)
from db.writes import (
    record_run,
    replace_matches,
    replace_topic_matches,
    set_topic_backfill,
    sync_topics,
    upsert_papers,
)

__all__ = [
    "StorageError",
    "alembic_config",
    "current_revision",
    "get_paper",
    "iter_papers",
    "last_runs",
    "list_topics",
    "mask_url",
    "make_engine",
    "migrate",
    "missing_seminal_ids",
    "paper_count",
    "papers_by_id",
    "record_run",
    "replace_matches",
    "replace_topic_matches",
    "session_scope",
    "set_topic_backfill",
    "stored_ids",
    "sync_topics",
    "topic_backfills",
    "topic_candidates",
    "topic_seminal",
    "upsert_papers",
]
