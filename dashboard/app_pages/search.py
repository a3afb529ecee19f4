"""Search: full text over titles and abstracts, filtered by level, topic and publication date, a page at a
time (the page number in `?page=`); topics the query names lead to their page, a typo gets a correction."""

from __future__ import annotations

import streamlit as st

from dashboard import data, render, sections, state
from dashboard.i18n import t
from dashboard.lists import hit_export
from dashboard.search_view import CJK, named_topics, page_count, page_from, total_words
from dashboard.text import md_escape
from db import SearchQueryError, SearchResults, plain_query

PER_PAGE = 25
PAGE = "page"


def go_to(page: int) -> None:
    """A pager button or a new query: the page number goes into the URL (page 1 leaves it clean)."""
    if page <= 1:
        st.query_params.pop(PAGE, None)
    else:
        st.query_params[PAGE] = str(page)


def search_instead(suggestion: str) -> None:
    st.session_state["q"] = suggestion
    go_to(1)


def results(text: str, page: int) -> SearchResults:
    return data.search_results(url, text, chosen, since, until, page, PER_PAGE)


def pager(page: int, pages: int, where: str) -> None:
    """First, Previous, "page / pages", Next in one row (a row at 390 px too)."""
    if pages == 1:
        return
    row = st.container(horizontal=True, vertical_alignment="center")
    row.button(t("search.first"), disabled=page == 1, on_click=go_to, args=(1,), key=f"{where}-first")
    row.button(
        t("search.previous"), disabled=page == 1, on_click=go_to, args=(page - 1,), key=f"{where}-prev"
    )
    row.caption(f"{page} / {pages}", width="content")
    row.button(
        t("search.next"), disabled=page == pages, on_click=go_to, args=(page + 1,), key=f"{where}-next"
    )


url = data.database_url()
me = state.reader()
topics = data.topics(url)
names = {topic.id: f"{topic.name_zh} · {topic.name_en}" for topic in topics}

side = st.sidebar
level = state.pick_level(side)
in_level = state.topics_at(topics, level)
topic = state.pick_topic(in_level, allow_all=True, where=side)
since = side.date_input(t("search.from"), value=None, key="from", bind="query-params")
until = side.date_input(t("search.to"), value=None, key="to", bind="query-params")
chosen = (topic,) if topic else tuple(row.id for row in in_level) if level else ()

st.title(t("search.title"))
query = st.text_input(
    t("search.box"),
    key="q",
    bind="query-params",
    placeholder=t("search.placeholder"),
    on_change=go_to,
    args=(1,),
)
if not query.strip():
    st.caption(t("search.how"))
    st.stop()

for named in named_topics(query, topics):
    label = t("search.topic", name=f"{named.name_zh} · {named.name_en}")
    st.page_link(
        "app_pages/topic.py", label=label, query_params={"topic": named.id}, icon=":material/school:"
    )

searched = query
wanted = page_from(st.query_params.get(PAGE), 10**6)
try:
    found = results(searched, wanted)
except SearchQueryError as exc:
    st.warning(str(exc))
    st.caption(t("search.as_typed"))
    searched = plain_query(query)
    found = results(searched, wanted)
pages = page_count(found, PER_PAGE)
page = page_from(str(wanted), pages)
if page != wanted:  # past the last page (the hits changed, or the URL was edited): show the last one
    go_to(page)
    found = results(searched, page)

if not found.total:
    st.info(t("search.none", query=md_escape(query)))
    if CJK.search(query):
        st.caption(t("search.english"))
    suggestion = data.did_you_mean(url, searched, chosen, since, until)
    if suggestion:
        st.button(
            t("search.suggest", suggestion=md_escape(suggestion)),
            help=t("search.suggest_help"),
            on_click=search_instead,
            args=(suggestion,),
            icon=":material/spellcheck:",
        )
    st.stop()

note = t("search.ranked", ranked=f"{found.ranked:,}") if found.total > found.ranked else ""
st.caption(t("search.found", total=total_words(found), page=page, pages=pages) + note)
pager(page, pages, "top")
marks = data.marks(url, me.name)
sections.hit_cards(found.hits, names, marks, me.name)
pager(page, pages, "bottom")
render.export_buttons(
    [hit_export(h) for h in found.hits], t("search.export", query=query, page=page), "search"
)
