"""How the pages draw papers, marks, exports and charts; paper text goes through st.text or md_escape only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import altair as alt
import streamlit as st

from collector import freshness
from collector.clock import utc_now
from dashboard import data
from dashboard.export import ExportItem, authors_short, to_bibtex, to_csv, to_markdown
from dashboard.lists import NO_MARKS
from dashboard.text import arxiv_url, md_escape, md_link, one_line
from db import PaperMarks, PaperRecord, RunRow

MARK_LABELS = {"read": "Read", "bookmarked": "Bookmark", "hidden": "Hide"}


@dataclass(frozen=True)
class Card:
    """One paper as a page shows it; `links` are (label, url) pairs such as code or model repositories."""

    paper: PaperRecord
    why: str = ""
    upvotes: int | None = None
    links: tuple[tuple[str, str], ...] = field(default=())
    topic: str = ""
    snippet_md: str = ""  # where a search matched, as safe Markdown (dashboard.search_view)


def when(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else "never"


def ago(moment: datetime | None, now: datetime) -> str:
    """ "3 h ago", "2 d ago", or "never"."""
    if moment is None:
        return "never"
    hours = (now - moment).total_seconds() / 3600
    return f"{max(int(hours), 0)} h ago" if hours < 48 else f"{int(hours // 24)} d ago"


def meta_line(card: Card) -> str:
    paper = card.paper
    parts = [paper.published.date().isoformat(), " ".join(paper.categories[:4])]
    if card.upvotes is not None:
        parts.append(f"▲ {card.upvotes} upvotes")
    if card.topic:
        parts.append(card.topic)
    return md_escape(" · ".join(part for part in parts if part))


def paper_card(card: Card, marks: Mapping[str, PaperMarks], section: str, reader: str) -> None:
    """Title linked to arXiv, authors, date, categories, upvotes, links, why, abstract, read/bookmark/hide."""
    paper = card.paper
    with st.container(border=True):
        st.markdown(f"**{md_link(paper.title, arxiv_url(paper.arxiv_id))}**")
        st.caption(meta_line(card))
        if card.snippet_md:
            st.markdown(card.snippet_md)
        st.text(one_line(authors_short(paper.authors, most=8), 400))
        if card.why:
            st.caption(md_escape("why: " + card.why))
        if card.links:
            st.markdown(" · ".join(md_link(label, url) for label, url in card.links))
        with st.expander("Abstract"):
            st.text(paper.abstract)
        mark_controls(paper.arxiv_id, marks.get(paper.arxiv_id, NO_MARKS), section, reader)


def mark_controls(arxiv_id: str, current: PaperMarks, section: str, reader: str) -> None:
    for column, mark in zip(st.columns(3), MARK_LABELS, strict=True):
        column.checkbox(
            MARK_LABELS[mark],
            value=getattr(current, mark),
            key=f"{section}:{mark}:{arxiv_id}",
            on_change=save_mark,
            args=(arxiv_id, mark, f"{section}:{mark}:{arxiv_id}", reader),
        )


def save_mark(arxiv_id: str, mark: str, key: str, reader: str) -> None:
    """A checkbox changed: store the reader's marks on this paper."""
    url = data.database_url()
    current = data.marks(url, reader).get(arxiv_id, NO_MARKS)
    data.set_marks(url, reader, arxiv_id, replace(current, **{mark: bool(st.session_state[key])}), utc_now())


def export_buttons(items: Sequence[ExportItem], name: str, key: str) -> None:
    """BibTeX, Markdown and CSV downloads of the list on screen."""
    if not items:
        return
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.lower()) or "papers"
    bib, md, csv_ = st.columns(3)
    bib.download_button("BibTeX", to_bibtex(items), f"{stem}.bib", "application/x-bibtex", key=f"{key}-bib")
    md.download_button("Markdown", to_markdown(items, name), f"{stem}.md", "text/markdown", key=f"{key}-md")
    csv_.download_button("CSV", to_csv(items), f"{stem}.csv", "text/csv", key=f"{key}-csv")


def weekly_chart(rows: Sequence[Mapping[str, object]], title: str) -> None:
    """Papers per week, one line per series (a topic or a level)."""
    if not rows:
        st.caption("No papers in this period yet.")
        return
    chart = (
        alt.Chart(alt.Data(values=[{**r, "week": str(r["week"])} for r in rows]), title=title)  # type: ignore[no-untyped-call]
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title="week"),
            y=alt.Y("papers:Q", title="papers"),
            color=alt.Color("series:N", title=None),
            tooltip=["week:T", "series:N", "papers:Q"],
        )
        .properties(height=260)
    )
    st.altair_chart(chart, width="stretch")


def day_range(since: date | None, until: date | None) -> str:
    return f"{since or '…'} – {until or '…'}"


def run_dict(run: RunRow) -> dict[str, object]:
    """A run as a table row (st.dataframe shows cells as text)."""
    return {
        "started (UTC)": run.started_at.replace(microsecond=0, tzinfo=None),
        "source": run.source,
        "query": run.query,
        "status": run.status,
        "fetched": run.fetched,
        "new": run.new,
        "updated": run.updated,
        "errors": run.errors,
        "requests": run.requests,
        "note": run.error or "",
    }


def live_dict(run: RunRow, now: datetime) -> dict[str, object]:
    """A source/query running now as a table row: its progress so far."""
    return {
        "source": run.source,
        "query": run.query,
        "pages": run.pages,
        "papers": run.fetched,
        "new": run.new,
        "updated": run.updated,
        "requests": run.requests,
        "running for": f"{max((now - run.started_at).total_seconds(), 0):.0f} s",
        "last progress": freshness.ago(run.finished_at, now),
    }
