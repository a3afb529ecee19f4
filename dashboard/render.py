"""How the pages draw papers (compact or full cards), marks and their undo, and exports (charts:
dashboard.charts); paper text goes through st.text or md_escape only."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from collector.clock import utc_now
from dashboard import data
from dashboard.export import ExportItem, authors_short, to_bibtex, to_csv, to_markdown
from dashboard.i18n import t
from dashboard.latex import latex_to_text
from dashboard.lists import NO_MARKS
from dashboard.text import arxiv_url, first_sentence, md_escape, md_link, one_line
from db import PaperMarks, PaperRecord

MARKS = ("read", "bookmarked", "hidden")
EXPORT_LABELS = ("BibTeX", "Markdown", "CSV")
SUMMARY_LENGTH = 140  # about one line at 1440 px
CARDS_PARAM = "cards"  # ?cards=full turns compact cards off
UNDO_KEY = "radar:undo-hide"


@dataclass(frozen=True)
class Card:
    """One paper as a page shows it; `links` are (label, url) pairs such as code or model repositories,
    `summary` a one-line summary from Hugging Face when it has one."""

    paper: PaperRecord
    why: str = ""
    upvotes: int | None = None
    links: tuple[tuple[str, str], ...] = field(default=())
    topic: str = ""
    summary: str = ""
    snippet_md: str = ""  # where a search matched, as safe Markdown (dashboard.search_view)


def when(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else t("time.never")


def ago(moment: datetime | None, now: datetime) -> str:
    """ "3 h ago", "2 d ago", or "never"."""
    if moment is None:
        return t("time.never")
    hours = (now - moment).total_seconds() / 3600
    return (
        t("time.short_h", count=max(int(hours), 0))
        if hours < 48
        else t("time.short_d", count=int(hours // 24))
    )


# -- paper cards -------------------------------------------------------------------------------------------
def compact() -> bool:
    """Compact cards (the default) unless the URL says `?cards=full`."""
    return st.query_params.get(CARDS_PARAM) != "full"


def card_mode(where: DeltaGenerator) -> None:
    """The compact-cards switch, kept in the URL so a shared link shows the same cards."""
    on = where.toggle(t("cards.compact"), value=compact(), key="url:cards", help=t("cards.compact_help"))
    if on:
        st.query_params.pop(CARDS_PARAM, None)
    else:
        st.query_params[CARDS_PARAM] = "full"


def paper_card(card: Card, marks: Mapping[str, PaperMarks], section: str, reader: str) -> None:
    """A paper with its title linked to arXiv, what it is, why it is listed, its abstract and the reader's
    read/bookmark/hide boxes: compact (a few lines) or in full."""
    current = marks.get(card.paper.arxiv_id, NO_MARKS)
    title = f"**{md_link(card.paper.title, arxiv_url(card.paper.arxiv_id))}**"
    if not compact():
        with st.container(border=True):
            st.markdown(title)
            full_body(card)
            mark_controls(card.paper, current, section, reader)
        return
    with st.container(border=True, gap="xxsmall"):
        with st.container(horizontal=True, gap="xsmall"):  # the boxes beside the title (below it when narrow)
            st.markdown(title, width="stretch")
            mark_controls(card.paper, current, section, reader)
        compact_body(card)


def compact_body(card: Card) -> None:
    """Authors, date and links; why (its first reason); and one line of summary that opens every reason and
    the whole abstract in place. Two spaces end a line inside the caption."""
    sep = t("why.sep")  # between reasons: the first is shown, all of them when opened
    lines = [byline(card, authors=3)] + ([md_escape(card.why.split(sep)[0])] if card.why else [])
    st.caption("  \n".join(lines))
    if card.snippet_md:  # a search hit: the snippet says where it matched, the expander holds the rest
        st.markdown(card.snippet_md)
    label = t("cards.abstract") if card.snippet_md else md_escape(summary_line(card))
    with st.expander(label, type="compact"):
        if sep in card.why:
            st.caption(md_escape(card.why))
        st.text(abstract_text(card.paper))


def full_body(card: Card) -> None:
    st.caption(byline(card, authors=0))
    if card.snippet_md:
        st.markdown(card.snippet_md)
    st.text(one_line(authors_short(card.paper.authors, most=8), 400))
    if card.why:
        st.caption(md_escape(card.why))
    with st.expander(t("cards.abstract")):
        st.text(abstract_text(card.paper))


def byline(card: Card, authors: int) -> str:
    """One caption line of Markdown: (the first `authors` authors ·) date · categories · upvotes · topic ·
    links; paper text escaped, links only to checked URLs."""
    paper = card.paper
    parts = [authors_short(paper.authors, most=authors)] if authors else []
    parts += [paper.published.date().isoformat()] + ([] if authors else [" ".join(paper.categories[:4])])
    if card.upvotes is not None:
        parts.append(f"▲ {card.upvotes}")
    if card.topic:
        parts.append(card.topic)
    escaped = [md_escape(part) for part in parts if part]
    return " · ".join(escaped + [md_link(label, url) for label, url in card.links])


def summary_line(card: Card) -> str:
    """Hugging Face's one-line summary when it has one, else the abstract's first sentence."""
    if card.summary:
        return one_line(card.summary, SUMMARY_LENGTH)
    return first_sentence(abstract_text(card.paper), SUMMARY_LENGTH) or t("cards.no_abstract")


def abstract_text(paper: PaperRecord) -> str:
    return latex_to_text(paper.abstract)


def mark_controls(paper: PaperRecord, current: PaperMarks, section: str, reader: str) -> None:
    with st.container(horizontal=True, gap="small", width="content"):
        for mark in MARKS:
            key = f"{section}:{mark}:{paper.arxiv_id}"
            st.checkbox(
                t(f"cards.{mark}"),
                value=getattr(current, mark),
                key=key,
                on_change=save_mark,
                args=(paper.arxiv_id, mark, key, reader, paper.title),
            )


def save_mark(arxiv_id: str, mark: str, key: str, reader: str, title: str = "") -> None:
    """A checkbox changed: store the reader's marks on this paper; a paper just hidden can be undone."""
    url = data.database_url()
    current = data.marks(url, reader).get(arxiv_id, NO_MARKS)
    value = bool(st.session_state[key])
    data.set_marks(url, reader, arxiv_id, replace(current, **{mark: value}), utc_now())
    if mark == "hidden" and value:
        st.session_state[UNDO_KEY] = (arxiv_id, title)


def undo_hidden(reader: str) -> None:
    """Right after a paper was hidden: say so, with an Undo button (shown once; the list stays where it
    was, since the tab and page live in the URL)."""
    pending = st.session_state.pop(UNDO_KEY, None)
    if pending is None:
        return
    arxiv_id, title = pending
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        st.caption(md_escape(t("cards.hidden_note", title=one_line(title, 90))))
        st.button(t("cards.undo"), key="undo-hide", on_click=unhide, args=(arxiv_id, reader))


def unhide(arxiv_id: str, reader: str) -> None:
    url = data.database_url()
    current = data.marks(url, reader).get(arxiv_id, NO_MARKS)
    data.set_marks(url, reader, arxiv_id, replace(current, hidden=False), utc_now())


# -- exports -----------------------------------------------------------------------------------------------
def export_buttons(
    items: Sequence[ExportItem] | Callable[[], Sequence[ExportItem]],
    name: str,
    key: str,
    count: int = 0,
    file_name: str = "",
) -> None:
    """BibTeX, Markdown and CSV downloads of a list: `items`, or a function giving them, called only when
    a button is pressed (a long list's export is not built on every page view). `name` heads the Markdown,
    `count` says how many there are; the files are named after `file_name` (else `name`)."""
    if not callable(items) and not items:
        return
    get = items if callable(items) else lambda: items
    stem = (
        "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in (file_name or name).lower()) or "papers"
    )
    if count:
        st.caption(t("cards.export_note", count=t("common.papers", count=count)))
    files: tuple[tuple[Callable[[Sequence[ExportItem]], str], str, str, str], ...] = (
        (to_bibtex, f"{stem}.bib", "application/x-bibtex", "bib"),
        (partial(to_markdown, heading=name), f"{stem}.md", "text/markdown", "md"),
        (to_csv, f"{stem}.csv", "text/csv", "csv"),
    )
    with st.container(horizontal=True):
        for label, (build, file_name, mime, suffix) in zip(EXPORT_LABELS, files, strict=True):
            data_of = partial(exported, build, get)
            st.download_button(label, data_of, file_name, mime, key=f"{key}-{suffix}", on_click="ignore")


def exported(build: Callable[[Sequence[ExportItem]], str], get: Callable[[], Sequence[ExportItem]]) -> str:
    return build(get())
