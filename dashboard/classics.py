"""The Topic page's classics: the roadmap's seminal papers in its reading order; for those not stored yet,
why (not on arXiv, or not fetched yet) and a button fetching them in the background — `radar collect
--source seminal --topic ID`, run by dashboard/collect_job.py like the Collector page's "Collect now"."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import streamlit as st

from collector.clock import utc_now
from collector.ranking import ReadingItem
from dashboard import collect_job, data, sections
from dashboard.collect_job import Job
from dashboard.i18n import t
from dashboard.render import Card
from dashboard.text import md_escape, md_link
from dashboard.time_words import ago
from db import PaperMarks

UNREACHABLE = re.compile(r"\b(arXiv|Hugging Face) cannot be reached from this machine")


def classics(
    items: Sequence[ReadingItem], marks: Mapping[str, PaperMarks], reader: str, topic_id: str
) -> None:
    """Every classic in reading order, as a card when stored, else with why it is empty."""
    if not items:
        st.caption(t("classics.none"))
        return
    job = our_job(topic_id)
    asked = job is not None and not job.running and job.exit_code == 0
    fetch_offer([c for c in items if c.paper is None and c.arxiv_id], topic_id, job)
    for position, classic in enumerate(items, 1):
        why = t("classics.why", position=position)
        if classic.paper is None:
            unfetched(classic, why, asked)
        else:
            sections.cards_with_extras([Card(classic.paper, why=why)], marks, "classic", reader)


def unfetched(classic: ReadingItem, why: str, asked: bool) -> None:
    """A classic the database does not hold: its title (linked where the roadmap says), year, and why."""
    with st.container(border=True, gap="xsmall"):
        st.markdown(f"**{md_link(classic.title, classic.url)}**")
        st.caption(md_escape(f"{classic.year} · {why}") + "  \n" + md_escape(empty_because(classic, asked)))


def empty_because(classic: ReadingItem, asked: bool) -> str:
    if not classic.arxiv_id:
        return t("classics.not_on_arxiv", host=urlsplit(classic.url or "").netloc or t("classics.publisher"))
    return t("classics.not_returned", arxiv_id=classic.arxiv_id) if asked else t("classics.not_fetched")


def our_job(topic_id: str) -> Job | None:
    """The background fetch of this topic's classics started from this server, if it is the last job."""
    job = collect_job.current(data.database_url())
    return job if job is not None and job.command == collect_job.classics_of(topic_id) else None


def fetch_offer(missing: Sequence[ReadingItem], topic_id: str, job: Job | None) -> None:
    """How many classics on arXiv are not stored, and the button fetching them; while a fetch runs, that it
    runs; once it is over, how it ended."""
    if job is not None and job.running:
        fetch_progress(topic_id)
        return
    if job is not None:
        fetch_result(job)
    if not missing:
        return
    st.info(t("classics.missing", count=t("classics.count", count=len(missing))))
    if st.button(t("classics.fetch"), key="fetch-classics", help=t("classics.fetch_help", topic=topic_id)):
        if collect_job.start(data.database_url(), command=collect_job.classics_of(topic_id)) is None:
            st.warning(t("classics.busy"))
        else:
            st.rerun()


@st.fragment(run_every=1)
def fetch_progress(topic_id: str) -> None:
    """The running fetch, redrawn every second; when it is over, the whole page is drawn again."""
    job = our_job(topic_id)
    if job is not None and job.running:
        st.caption(t("classics.fetching", ago=ago(job.started, utc_now())))
    else:
        st.rerun(scope="app")


def fetch_result(job: Job) -> None:
    """How the last fetch ended; the first time the page is drawn after it, the cached lists are dropped so
    what it stored shows."""
    if st.session_state.get("classics-fetched") != job.started:
        st.session_state["classics-fetched"] = job.started
        data.clear_caches()
        st.rerun()
    if job.exit_code == 0:
        st.success(t("classics.fetched"))
    else:
        st.warning(md_escape(t("classics.failed", why=failure(job.tail(6), job.exit_code))))
        with st.expander(t("classics.details")):
            st.code(job.tail(6) or t("demo.no_output"), language=None)


def failure(output: str, code: int | None) -> str:
    """Why a fetch failed in words: that an upstream cannot be reached, as the collector says it ("arXiv
    cannot be reached from this machine"), else the exit code. The collector's lines are wrapped to the
    terminal's width, so they are read as one text."""
    found = UNREACHABLE.findall(" ".join(output.split()))
    return t("classics.unreachable", source=found[-1]) if found else t("classics.failed_why", code=code)
