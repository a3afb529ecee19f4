"""The store step of the pipeline: what arrives is upserted and matched against every topic in one
transaction per page, and the roadmap is brought into the database before a run.

    prepare       levels and topics synced from the roadmap (the schema is current: db.ensure_schema); topics
                  whose query changed are
                  re-matched over the whole store — all in one transaction, so the new query's hash is
                  never committed without its matches
    store_papers  arXiv records: upsert, match the new or changed papers, code links of their text
    store_hf      Hugging Face items: their fields merged into the papers' rows, their resources, and
                  papers new to us (seeded from HF) matched
    runs          the live rows of collector.runs (started, updated, closed), and the leftovers of a
                  collector that died marked interrupted
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import db
from collector import aboutness
from collector.aboutness import paper_text, topic_terms, with_aboutness
from collector.links import text_resources
from collector.matching import Matcher, build_matcher
from collector.roadmap import Roadmap
from collector.sources.huggingface import HFItem
from db import MatchRow, PaperRecord, RunRow, UpsertResult


class Store:
    """One database as the pipeline writes to it, with the matcher of the roadmap it was prepared for."""

    def __init__(self, engine: Engine, roadmap: Roadmap, now: datetime) -> None:
        self.engine, self.now = engine, now
        self.matcher: Matcher = build_matcher(roadmap.queries())
        self.topics = {
            t.id: topic_terms(t.id, t.name_en, t.level, t.parsed_query)
            for t in roadmap.topics
            if t.parsed_query
        }

    def match(self, paper: PaperRecord) -> list[MatchRow]:
        """The paper's matches, each with its aboutness for that topic."""
        matches = self.matcher.match(paper)
        text = paper_text(paper) if matches else None
        return [with_aboutness(m, paper, self.topics.get(m.topic_id), matches, text) for m in matches]

    def prepare(self, roadmap: Roadmap) -> set[str]:
        """Sync the roadmap; returns the topics re-matched (new, or their query changed)."""
        with db.session_scope(self.engine) as session:
            db.sync_levels(session, roadmap.level_rows())
            changed = db.sync_topics(session, roadmap.rows(), self.now, version=aboutness.VERSION)
            if changed:
                self.rematch(session, changed)
        return changed

    def rematch(self, session: Session, topic_ids: Collection[str]) -> None:
        """Matches for these topics are recomputed over the whole store (their query is new or changed)."""
        wanted = set(topic_ids)
        matches = [
            m
            for batch in db.iter_papers(session)
            for p in batch
            for m in self.match(p)
            if m.topic_id in wanted
        ]
        db.replace_topic_matches(session, wanted, matches, self.now)

    def store_papers(self, records: Sequence[PaperRecord]) -> UpsertResult:
        """Upsert one page and match its new or changed papers against every topic, in one transaction."""
        with db.session_scope(self.engine) as session:
            result = db.upsert_papers(session, records, self.now)
            changed = set(result.changed_ids)
            # Match the merged stored rows: a listing record lacks the comment the API gave earlier.
            stored = db.papers_by_id(session, changed).values() if result.updated_ids else ()
            merged = {r.arxiv_id: r for r in records if r.arxiv_id in changed} | {
                p.arxiv_id: p for p in stored
            }
            new = set(result.new_ids)
            matches = [m for paper in merged.values() for m in self.match(paper)]
            # Papers just inserted have no matches to replace: their rows are only added.
            db.add_matches(session, new, [m for m in matches if m.arxiv_id in new], self.now)
            db.replace_matches(
                session, result.updated_ids, [m for m in matches if m.arxiv_id not in new], self.now
            )
            db.upsert_resources(session, text_resources(merged.values()), self.now)
        return result

    def store_hf(self, items: Sequence[HFItem]) -> UpsertResult:
        """HF's papers merged into their rows and their resources stored; papers new to us are matched."""
        with db.session_scope(self.engine) as session:
            result = db.upsert_hf_papers(session, [item.paper for item in items], self.now)
            db.upsert_resources(session, [r for item in items for r in item.resources], self.now)
            seeds = db.papers_by_id(session, result.new_ids).values()
            matches = [m for paper in seeds for m in self.match(paper)]
            db.replace_matches(session, result.new_ids, matches, self.now)
        return result

    # -- the runs table (collector.runs.RunLog) --------------------------------------------------------------
    def start_run(self, run: RunRow) -> int:
        with db.session_scope(self.engine) as session:
            return db.record_run(session, run)

    def update_run(self, row_id: int, run: RunRow) -> None:
        with db.session_scope(self.engine) as session:
            db.update_run(session, row_id, run)

    def interrupt_running(self) -> int:
        """Live rows left by a collector that died (call under the collection lock) become interrupted."""
        with db.session_scope(self.engine) as session:
            return db.interrupt_running(session, self.now, "interrupted: its process stopped before the end")
