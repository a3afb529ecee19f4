"""Collector: the collection running now or the last one, as the runs table records it (from any process,
refreshed every two seconds): whose it is ("your collection", started from this dashboard, or elsewhere),
its steps with pages and papers so far, the upstreams this machine cannot reach and every error as one
plain sentence with its detail in an expander; "Collect now" (`radar collect` in the background, one at a
time); the last run per source, the next scheduled runs, digest delivery, and every recent run."""

from __future__ import annotations

import socket
from datetime import datetime

import streamlit as st

from collector.addresses import mask
from collector.clock import utc_now
from collector.locking import holder_gone, holder_process
from dashboard import collect_job, collector_views, data, state, status
from dashboard import collection_state as cs
from dashboard import collector_words as W
from dashboard.text import md_escape
from db import RunRow

url = data.database_url()
now = utc_now()
state.reader()
MINE = "collector:my_runs"  # the run ids this browser session started with "Collect now"
WATCHING = "collector:watching"  # set while a collection runs: its end refreshes the whole page

st.title(W.TITLE)
fresh = data.freshness(url, now)
said = md_escape(status.freshness_sentence(fresh, data.paper_total(url)))
(st.warning if fresh.stale else st.caption)(said)


def job_view() -> cs.JobView | None:
    job = collect_job.current(url)
    if job is None or job.run_id is None:  # none, or the demo loading (the sidebar follows that one)
        return None
    mine = job.run_id in st.session_state.get(MINE, set())
    return cs.JobView(job.run_id, job.started, job.running, job.exit_code, mine, job.tail())


def shown_now(moment: datetime) -> cs.Shown | None:
    lock = data.collection_lock(url, moment)
    if lock is not None and holder_gone(lock.holder):  # killed: its lock has not expired yet, but no one runs
        lock = None
    process = holder_process(lock.holder) if lock is not None else None
    picked = cs.pick(job_view(), lock, process, data.recent_runs(url))
    if picked is None:
        return None
    return cs.Shown(picked, tuple(data.run_rows(url, picked.run_id) if picked.run_id else ()))


@st.fragment(run_every=2)
def collecting() -> None:
    """The collection of the moment, from the database; "Collect now" while none runs."""
    moment = utc_now()
    shown = shown_now(moment)
    st.subheader(W.NOW)
    if shown is None:
        st.info(W.IDLE)
    else:
        collector_views.collection(shown, moment, socket.gethostname())
    busy = shown is not None and shown.pick.running
    if st.button(W.COLLECT, key="collect", disabled=busy, type="primary", help=W.COLLECT_HELP):
        start()
    if busy:
        st.caption(W.BUSY)
    refresh_at_the_end(shown)


def start() -> None:
    job = collect_job.start(url)
    if job is None or job.run_id is None:
        st.warning(W.ALREADY)
        return
    st.session_state.setdefault(MINE, set()).add(job.run_id)
    st.rerun()


def refresh_at_the_end(shown: cs.Shown | None) -> None:
    """Once the collection being watched has ended, the whole page (and every page's cache) reads the
    database again: the last runs, the freshness, the new papers."""
    if shown is not None and shown.pick.running:
        st.session_state[WATCHING] = True
    elif st.session_state.pop(WATCHING, False):
        data.clear_caches()
        st.rerun(scope="app")


collecting()

runs = data.runs(url)
latest: dict[str, RunRow] = {}
for run in runs:
    if not run.running:
        latest.setdefault(run.source, run)

st.subheader(W.LAST_PER_SOURCE)
if not latest:
    st.caption(W.NO_LAST_RUN)
for column, run in zip(st.columns(max(len(latest), 1)), latest.values(), strict=False):
    collector_views.last_run(column, run, now)

st.subheader(W.SCHEDULED)
jobs = data.scheduled_jobs(url)
if jobs:
    table = W.table("scheduled_table")
    st.dataframe([{table["job"]: j, table["next run (UTC)"]: when} for j, when in jobs], hide_index=True)
else:
    st.caption(W.NO_SCHEDULE)

st.subheader(W.DIGESTS)
digest_runs = [r for r in runs if r.source == "digest"]
if digest_runs:
    last = digest_runs[0]
    st.caption(
        md_escape(
            W.DIGEST_LAST.format(ago=cs.ago(last.finished_at, now), said=last.error or W.DIGEST_NOTHING)
        )
    )
else:
    st.caption(W.NO_DIGEST)
failing = data.delivery_failures(url)
if failing:
    st.warning(W.DELIVERY_FAILING.format(count=len(failing)))
    t = W.table("delivery_table")
    st.dataframe(
        [
            {
                t["subscription"]: s.id,
                t["address"]: mask(s.email),
                t["since (UTC)"]: s.error_at,
                t["answer"]: s.error,
            }
            for s in failing
        ],
        hide_index=True,
    )

st.subheader(W.ALL_RUNS)
collector_views.table(collector_views.run_dict(r) for r in runs)
