"""Collector: what is being collected right now (live rows, from any process), the upstreams this machine
could not reach in the last collection, the last run per source with their counts and errors, the next
scheduled runs, digest delivery (the last run, subscriptions whose digest the mail server refused), and
"collect now" (`radar collect` in the background, one at a time)."""

from __future__ import annotations

import streamlit as st

from collector.addresses import mask
from collector.clock import utc_now
from collector.freshness import unreachable
from dashboard import collect_job, data, render, state
from dashboard.text import md_escape
from db import RunRow

url = data.database_url()
now = utc_now()
state.reader()

st.title("Collector")
fresh = data.freshness(url, now)
said = md_escape(fresh.sentence()[:1].upper() + fresh.sentence()[1:] + ".")
(st.warning if fresh.stale else st.caption)(said)


@st.fragment(run_every=2)
def live() -> None:
    """The source/queries running now in any process (the first collection of `radar up`, the scheduler,
    `radar collect` in a terminal), refreshed every two seconds."""
    running = data.live_runs(url)
    if not running:
        return
    st.subheader("Collecting now")
    moment = utc_now()
    st.dataframe([render.live_dict(r, moment) for r in running], hide_index=True)


live()

down = unreachable(data.last_collection(url))
if down:
    st.subheader("Offline")
    for name, reason in down.items():
        st.warning(md_escape(f"{name} cannot be reached from this machine: {reason}"))
    st.caption(
        "The last collection skipped them after one try instead of waiting on them; the next scheduled "
        "run, or “Collect now”, tries again."
    )

runs = data.runs(url)
latest: dict[str, RunRow] = {}
for run in runs:
    latest.setdefault(run.source, run)

st.subheader("Last run per source")
if not latest:
    st.info("No collection has run yet: press “Collect now”, or run `radar collect` in a terminal.")
for column, (source, run) in zip(st.columns(max(len(latest), 1)), latest.items(), strict=False):
    column.metric(
        source,
        f"{run.new} new",
        f"{run.errors} errors" if run.errors else run.status,
        delta_color="inverse" if run.errors else "normal",
    )
    column.caption(
        md_escape(f"{render.ago(run.finished_at, now)} · fetched {run.fetched} · updated {run.updated}")
    )
    if run.error:
        column.text(run.error[:300])

st.subheader("Next scheduled runs")
jobs = data.scheduled_jobs(url)
if jobs:
    st.dataframe([{"job": job_id, "next run (UTC)": when} for job_id, when in jobs], hide_index=True)
else:
    st.caption("No schedule stored: `radar up` (or `radar schedule`) runs the collector on a schedule.")

st.subheader("Digests")
digest_runs = [r for r in runs if r.source == "digest"]
if digest_runs:
    last = digest_runs[0]
    st.caption(
        md_escape(f"Last digest run {render.ago(last.finished_at, now)}: {last.error or 'nothing due'}")
    )
else:
    st.caption("No digest run yet: the scheduler sends them after each daily cycle, or `radar digest send`.")
failing = data.delivery_failures(url)
if failing:
    st.warning(
        f"{len(failing)} subscription(s) whose last digest was not delivered (retried at the next run):"
    )
    st.dataframe(
        [
            {"subscription": s.id, "address": mask(s.email), "since (UTC)": s.error_at, "answer": s.error}
            for s in failing
        ],
        hide_index=True,
    )

st.subheader("Collect now")
holder = data.lock_holder(url, now)


@st.fragment(run_every=2)
def progress() -> None:
    job = collect_job.current(url)
    if job is None or job.command != collect_job.COLLECT:
        return
    if job.running:
        st.info(
            f"Collecting… started {render.ago(job.started, utc_now())};"
            " each source appears below as it finishes."
        )
    else:
        (st.success if job.exit_code == 0 else st.warning)(f"The run finished (exit code {job.exit_code}).")
        if st.button("Show the new papers", key="reload"):
            data.clear_caches()
            st.rerun()
    st.code(job.tail() or "(no output yet)", language=None)
    fresh = [r for r in data.runs_since(url, job.started)]
    if fresh:
        st.dataframe([render.run_dict(r) for r in fresh], hide_index=True)


job = collect_job.current(url)
busy = (job is not None and job.running) or holder is not None
if holder is not None:
    st.caption(md_escape(f"A collection is running in another process ({holder}); wait for it to finish."))
if st.button(
    "Collect now",
    key="collect",
    disabled=busy,
    type="primary",
    help="The daily cycle: today's listing and missing classics.",
):
    if collect_job.start(url) is None:
        st.warning("A collection is already running.")
    st.rerun()
progress()

st.subheader("All recent runs")
st.dataframe([render.run_dict(r) for r in runs], hide_index=True)
