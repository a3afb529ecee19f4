"""The collector's state on every page: in the sidebar, what is being collected right now or when a
collection last succeeded (a warning when that is too long ago); above the page, when the database holds
no paper and nothing is being collected, why (the upstreams this machine could not reach) and the
recorded demo data, one click away."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from collector.freshness import Freshness
from collector.locking import holder_gone
from dashboard import collect_job, data
from dashboard import collector_words as W
from dashboard.collection_state import source_name
from dashboard.i18n import t
from dashboard.run_errors import explain
from dashboard.text import md_escape, one_line
from dashboard.time_words import ago
from db import RunRow

DEMO_PAPERS = 714  # in collector/demo_data: the recorded sample `radar demo` loads


def show(url: str, now: datetime) -> None:
    fresh = data.freshness(url, now)
    running = collecting(url, now)
    papers = data.paper_total(url)
    sidebar(fresh, data.live_runs(url) if running else [], papers)  # a killed collector's rows: no collection
    if not running and papers == 0:
        offer_demo(url)


def collecting(url: str, now: datetime) -> bool:
    """Someone holds the collection lock and, if on this machine, is still alive."""
    holder = data.lock_holder(url, now)
    return holder is not None and not holder_gone(holder)


def sidebar(fresh: Freshness, live: list[RunRow], papers: int) -> None:
    with st.sidebar:
        if live:
            st.caption(md_escape(live_line(live[0])))
        said = md_escape(freshness_sentence(fresh, papers))
        if fresh.stale:
            st.warning(said)
        else:
            st.caption(said)


def freshness_sentence(fresh: Freshness, papers: int = 0) -> str:
    """ "Last successful collection 3 hours ago.", and why that is stale — worded here from the fields
    (collector.freshness.Freshness.sentence says the same in English for the terminal). Papers stored
    while no collection ever succeeded were loaded (the demo data, a copied database): said so, or a
    full Roadmap beside "no collection" reads as a contradiction."""
    if fresh.last_success is None:
        if fresh.collecting:
            return t("status.never_running")
        return t("status.never_loaded") if papers else t("status.never")
    said = t("status.last_success", ago=ago(fresh.last_success, fresh.now))
    if fresh.stale:
        hours = t("status.hours", count=fresh.stale_after.total_seconds() / 3600)
        return t("status.stale", said=said, hours=hours)
    return t("status.fresh", said=said)


def live_line(run: RunRow) -> str:
    source, query = source_name(run.source), one_line(run.query, 60)
    return W.SIDEBAR_LIVE.format(source=source, query=query, pages=run.pages, papers=run.fetched)


def unreachable_now(url: str) -> dict[str, str]:
    """Upstream → why the last collection could not reach it, in plain words."""
    found: dict[str, str] = {}
    for run in data.last_collection(url):
        problem = explain(run)
        if problem is not None and problem.offline:
            found.setdefault(problem.upstream, problem.reason)
    return found


def offer_demo(url: str) -> None:
    """The database is empty and nothing is collecting: say why, and offer the recorded sample."""
    down = unreachable_now(url)
    why = "; ".join(W.NO_PAPER_WHY.format(upstream=name, reason=reason) for name, reason in down.items())
    said = t("demo.unreachable", why=why) if down else t("demo.no_paper")
    st.info(md_escape(said) + "\n\n" + md_escape(t("demo.offer", count=DEMO_PAPERS)))
    job = collect_job.current(url)
    loading = job is not None and job.running
    if st.button(t("demo.load"), key="demo", type="primary", disabled=loading):
        collect_job.start(url, command=collect_job.demo_into(url))
        st.rerun()
    if job is not None and job.command[:1] != collect_job.COLLECT:  # the demo loading, no collection
        demo_progress(url)


@st.fragment(run_every=2)
def demo_progress(url: str) -> None:
    job = collect_job.current(url)
    if job is None:
        return
    if job.running:
        st.caption(t("demo.loading"))
        return
    if job.exit_code != 0:
        st.warning(md_escape(t("demo.failed", code=job.exit_code)))
        st.code(job.tail() or t("demo.no_output"), language=None)
        return
    data.clear_caches()  # the pages read the database again: now it holds the sample
    st.rerun(scope="app")
