"""Request budget of a cold backfill and of a daily cycle, against the local replay server.

    python benchmarks/cycle.py [--delay 0.5]

A fresh SQLite file; the whole roadmap; the replay server of the tests (recorded arXiv responses and
the 12k-paper real corpus rendered in arXiv's layouts) standing in for arXiv. First the cold backfill
(`radar collect --source all` on an empty database: listing, every topic over one year, the classics),
then the next day's daily cycle (`radar collect`: listing + classics not yet stored). For each it prints
the arXiv requests made and the smallest spacing between two of them, seen by the server.

Targets (issue 2): daily cycle ≤ 5 requests, cold backfill ≤ 40, spacing never below the delay.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import db  # noqa: E402
from collector import pipeline  # noqa: E402
from collector.http import RateLimiter  # noqa: E402
from collector.matching import build_matcher  # noqa: E402
from collector.roadmap import load_roadmap  # noqa: E402
from tests.replay import ReplayServer, spacings  # noqa: E402

NOW = datetime(2026, 6, 30, 21, tzinfo=UTC)  # the corpus runs to mid-2026


def run_phase(
    name: str, server: ReplayServer, collector: pipeline.Collector, sources: tuple[str, ...]
) -> bool:
    server.clear()
    started = time.perf_counter()
    report = pipeline.run_collect(collector, sources, daily=sources == pipeline.DAILY)
    seconds = time.perf_counter() - started
    seen = server.requests
    gaps = spacings(seen)
    smallest = min(gaps) if gaps else float("nan")
    by_source = ", ".join(f"{r.source} {r.requests}" for r in report.runs)
    print(f"{name:<14} {len(seen):>4} requests  ({by_source})")
    new, errors = sum(r.new for r in report.runs), sum(r.errors for r in report.runs)
    print(
        f"{'':<14} {new:>4} new papers, {errors} errors, {seconds:.1f} s; smallest spacing {smallest:.3f} s"
    )
    return not report.failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.5, help="RADAR_ARXIV_DELAY_SECONDS for the run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, ReplayServer() as server:
        settings = server.settings(
            database_url=f"sqlite:///{tmp}/cycle.sqlite", arxiv_delay_seconds=args.delay
        )
        roadmap = load_roadmap(settings.roadmap_path)
        engine = db.make_engine(settings.database_url)
        pipeline.prepare_store(engine, roadmap, build_matcher(roadmap.queries()), NOW)
        limiter = RateLimiter(args.delay)
        seminal = len(roadmap.seminal_arxiv_ids())
        print(
            f"{len(roadmap.queries())} topics with a query, {seminal} seminal arXiv ids, delay {args.delay} s"
        )
        with pipeline.Collector(settings, roadmap, engine, NOW, limiter=limiter) as cold:
            ok = run_phase("cold backfill", server, cold, pipeline.SOURCES)
            cold_requests = len(server.requests)
        server.serve_corpus_listing("2026-06-30")
        with pipeline.Collector(settings, roadmap, engine, NOW + timedelta(days=1), limiter=limiter) as daily:
            ok = run_phase("daily cycle", server, daily, pipeline.DAILY) and ok
            daily_requests = len(server.requests)
        smallest = limiter.min_spacing() or float("inf")
        with db.session_scope(engine) as session:
            papers = db.paper_count(session)
    print(f"{'':<14} {papers} papers stored")
    print(
        f"targets: daily {daily_requests} <= 5, cold {cold_requests} <= 40, "
        f"smallest spacing {smallest:.3f} s >= {args.delay} s (ratio {smallest / args.delay:.2f})"
    )
    met = ok and daily_requests <= 5 and cold_requests <= 40 and smallest >= args.delay
    print("targets " + ("met" if met else "MISSED"))


if __name__ == "__main__":
    main()
