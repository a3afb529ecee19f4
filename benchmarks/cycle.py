"""Request budget of a cold backfill and of a daily cycle, against the local replay server.

    python benchmarks/cycle.py [--delay 0.5]

A fresh SQLite file; the whole roadmap; the replay server of the tests (recorded arXiv responses and
the 12k-paper real corpus rendered in arXiv's layouts) standing in for arXiv. First the cold backfill
(`radar collect --source all` on an empty database: listing, every topic over one year, the classics),
then the next day's daily cycle (`radar collect`: listing + classics not yet stored). For each it prints
the arXiv requests made and the smallest spacing between two of them, seen by the server.

Hugging Face is replayed too (tests/replay_hf.py): each phase also prints its HF requests, and a third
phase is an HF refresh (`radar collect --source hf`, the scheduler's few-hourly job) on a day whose
featured list was recorded (2026-08-18, 29 papers). Blog feeds are off (roadmap.yaml's feeds are real).

Targets: arXiv (issue 2): daily cycle ≤ 5 requests, cold backfill ≤ 40, spacing never below the delay.
Hugging Face (issue 3): daily cycle ≤ 20 requests, spacing never below the HF delay, and every phase
within the quota HF announces (RateLimit-Policy: 1000 requests per 300 s).
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
from collector.http import RateLimiter  # noqa: E402
from collector.pipeline import DAILY, Collection, Request, Source  # noqa: E402
from collector.roadmap import load_roadmap  # noqa: E402
from collector.store import Store  # noqa: E402
from collector.upstreams import Limiters  # noqa: E402
from tests.replay import API, LISTING, ReplayServer, spacings  # noqa: E402
from tests.replay_hf import HF, QUOTA, WINDOW, install_hf  # noqa: E402

NOW = datetime(2026, 6, 30, 21, tzinfo=UTC)  # the corpus runs to mid-2026
HF_DAY = datetime(2026, 8, 19, 6, tzinfo=UTC)  # the day after a recorded HF featured day


def run_phase(name: str, server: ReplayServer, collection: Collection, sources: tuple[Source, ...]) -> bool:
    server.clear()
    started = time.perf_counter()
    report = collection.run(Request(sources, daily=sources == DAILY))
    seconds = time.perf_counter() - started
    seen = [r for r in server.requests if r.route in (API, LISTING)]
    gaps = spacings(seen)
    smallest = min(gaps) if gaps else float("nan")
    by_source = ", ".join(f"{r.source} {r.requests}" for r in report.runs if r.requests)
    print(f"{name:<14} {len(seen):>4} arXiv + {len(hf_requests(server))} HF requests  ({by_source})")
    new, errors = sum(r.new for r in report.runs), sum(r.errors for r in report.runs)
    print(
        f"{'':<14} {new:>4} new papers, {errors} errors, {seconds:.1f} s; smallest spacing {smallest:.3f} s"
    )
    return not report.failed


def hf_requests(server: ReplayServer) -> list[object]:
    return [r for r in server.requests if r.route == HF]


def hf_figures(server: ReplayServer, seconds: float, delay: float) -> tuple[int, float, bool]:
    """HF requests, smallest spacing between two, and whether the pace stayed within HF's quota."""
    seen = server.requests_to(HF)
    gaps = spacings(seen)
    smallest = min(gaps) if gaps else float("inf")
    # The busiest WINDOW seconds of the phase can hold at most len(seen) requests.
    within_quota = len(seen) <= QUOTA or seconds >= WINDOW * len(seen) / QUOTA
    return len(seen), smallest, within_quota and smallest >= delay * 0.95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.5, help="RADAR_ARXIV_DELAY_SECONDS for the run")
    parser.add_argument("--hf-delay", type=float, default=0.05, help="RADAR_HF_DELAY_SECONDS for the run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, ReplayServer() as server:
        hf = install_hf(server)
        settings = hf.settings(
            database_url=f"sqlite:///{tmp}/cycle.sqlite",
            arxiv_delay_seconds=args.delay,
            hf_delay_seconds=args.hf_delay,
            feed_max_posts=0,
        )
        roadmap = load_roadmap(settings.roadmap_path)
        engine = db.make_engine(settings.database_url)
        db.migrate(engine)
        Store(engine, roadmap, NOW).prepare(roadmap)
        limiter, hf_limiter = RateLimiter(args.delay), RateLimiter(args.hf_delay)
        seminal = len(roadmap.seminal_arxiv_ids())
        print(
            f"{len(roadmap.queries())} topics with a query, {seminal} seminal arXiv ids, delay {args.delay} s"
        )
        limiters = Limiters(limiter, hf_limiter)
        with Collection.open(settings, roadmap, engine, NOW, limiters=limiters) as cold:
            started = time.perf_counter()
            ok = run_phase("cold backfill", server, cold, tuple(Source))
            cold_requests = len(server.requests) - len(hf_requests(server))
            cold_hf, _, cold_hf_ok = hf_figures(server, time.perf_counter() - started, args.hf_delay)
        server.serve_corpus_listing("2026-06-30")
        with Collection.open(settings, roadmap, engine, NOW + timedelta(days=1), limiters=limiters) as daily:
            started = time.perf_counter()
            ok = run_phase("daily cycle", server, daily, DAILY) and ok
            daily_requests = len(server.requests) - len(hf_requests(server))
            daily_hf, daily_hf_spacing, daily_hf_ok = hf_figures(
                server, time.perf_counter() - started, args.hf_delay
            )
        with Collection.open(settings, roadmap, engine, HF_DAY, limiters=limiters) as refresh:
            started = time.perf_counter()
            ok = run_phase("hf refresh", server, refresh, (Source.HF,)) and ok
            refresh_hf, _, refresh_hf_ok = hf_figures(server, time.perf_counter() - started, args.hf_delay)
        smallest = limiter.min_spacing() or float("inf")
        with db.session_scope(engine) as session:
            papers = db.paper_count(session)
    print(f"{'':<14} {papers} papers stored")
    print(
        f"targets: daily {daily_requests} <= 5, cold {cold_requests} <= 40, "
        f"smallest spacing {smallest:.3f} s >= {args.delay} s (ratio {smallest / args.delay:.2f})"
    )
    print(
        f"hf targets: daily {daily_hf} <= 20 (hf refresh {refresh_hf}, cold {cold_hf}), smallest HF spacing "
        f"{daily_hf_spacing:.3f} s >= {args.hf_delay} s, within {QUOTA} per {WINDOW} s: "
        f"{daily_hf_ok and refresh_hf_ok and cold_hf_ok}"
    )
    met = ok and daily_requests <= 5 and cold_requests <= 40 and smallest >= args.delay
    met = met and daily_hf <= 20 and daily_hf_ok and refresh_hf_ok and cold_hf_ok
    print("targets " + ("met" if met else "MISSED"))


if __name__ == "__main__":
    main()
