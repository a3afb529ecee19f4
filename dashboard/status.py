"""The collector's state on every page: in the sidebar, what is being collected right now or when a
collection last succeeded (a warning when that is too long ago); above the page, when the database holds
no paper and nothing is being collected, why (the upstreams this machine could not reach) and the
recorded demo data, one click away."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from collector.freshness import Freshness, unreachable
from dashboard import collect_job, data
from dashboard.i18n import t
from dashboard.text import md_escape
from db import RunRow

DEMO_PAPERS = 714  # in collector/demo_data: the recorded sample `radar demo` loads


def show(url: str, now: datetime) -> None:
    fresh = data.freshness(url, now)
    live = data.live_runs(url)
    sidebar(fresh, live)
    if not live and not fresh.collecting and data.paper_total(url) == 0:
        offer_demo(url)


def sidebar(fresh: Freshness, live: list[RunRow]) -> None:
    with st.sidebar:
        if live:
            st.caption(md_escape(f"Collecting now: {live_line(live[0])}"))
        said = md_escape(fresh.sentence()[:1].upper() + fresh.sentence()[1:] + ".")
        if fresh.stale:
            st.warning(said)
        else:
            st.caption(said)


def live_line(run: RunRow) -> str:
    return f"{run.source} {run.query[:60]}: {run.pages} page(s), {run.fetched} papers so far"


def offer_demo(url: str) -> None:
    """The database is empty and nothing is collecting: say why, and offer the recorded sample."""
    down = unreachable(data.last_collection(url))
    why = "; ".join(f"{name}: {reason}" for name, reason in down.items())
    said = t("demo.unreachable", why=why) if down else t("demo.no_paper")
    st.info(md_escape(said) + "\n\n" + md_escape(t("demo.offer", count=DEMO_PAPERS)))
    job = collect_job.current(url)
    loading = job is not None and job.running
    if st.button(t("demo.load"), key="demo", type="primary", disabled=loading):
        collect_job.start(url, command=collect_job.demo_into(url))
        st.rerun()
    if job is not None and job.command != collect_job.COLLECT:
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
