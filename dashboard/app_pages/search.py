"""Search: full text over titles and abstracts, filtered by level, topic and publication date, a page at a
time (the page number in `?page=`); topics the query names lead to their page, a typo gets a correction."""

from __future__ import annotations

import streamlit as st

from dashboard import data, render, sections, state
from dashboard.lists import hit_export
from dashboard.search_view import CJK, named_topics, page_count, page_from, total_words
from dashboard.text import md_escape
from db import SearchQueryError, SearchResults, plain_query

# Every label and message of the page, in one place (for the interface's catalogue to take over).
TEXT = {
    "title": "Search",
    "box": "Titles and abstracts",
    "placeholder": 'e.g. "low-rank adaptation" OR lora, diffusion NOT video, quantiz*',
    "how": 'Words are ANDed; use "quoted phrases", OR, NOT and prefix*. Filters are in the sidebar.',
    "from": "Published from",
    "to": "Published before",
    "as typed": "Showing results for the words as typed instead.",
    "topic": "**Topic:** {name} →",
    "found": "{total}, most relevant first · page {page} of {pages}",
    "ranked": " · the {ranked:,} newest matches are ranked and paged; add words or filters for older ones",
    "none": "No paper matches {query}.",
    "english": "The papers are in English: open a topic above, or search in English words.",
    "suggest": "Did you mean: {suggestion}",
    "suggest help": "Search for the corrected words instead",
    "previous": "‹ Previous",
    "next": "Next ›",
    "first": "« First",
    "export": "Search {query} page {page}",
}
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
    row.button(TEXT["first"], disabled=page == 1, on_click=go_to, args=(1,), key=f"{where}-first")
    row.button(TEXT["previous"], disabled=page == 1, on_click=go_to, args=(page - 1,), key=f"{where}-prev")
    row.caption(f"{page} / {pages}", width="content")
    row.button(TEXT["next"], disabled=page == pages, on_click=go_to, args=(page + 1,), key=f"{where}-next")


url = data.database_url()
me = state.reader()
topics = data.topics(url)
names = {t.id: f"{t.name_zh} · {t.name_en}" for t in topics}

side = st.sidebar
level = state.pick_level(side)
in_level = state.topics_at(topics, level)
topic = state.pick_topic(in_level, allow_all=True, where=side)
since = side.date_input(TEXT["from"], value=None, key="from", bind="query-params")
until = side.date_input(TEXT["to"], value=None, key="to", bind="query-params")
chosen = (topic,) if topic else tuple(t.id for t in in_level) if level else ()

st.title(TEXT["title"])
query = st.text_input(
    TEXT["box"], key="q", bind="query-params", placeholder=TEXT["placeholder"], on_change=go_to, args=(1,)
)
if not query.strip():
    st.caption(TEXT["how"])
    st.stop()

for named in named_topics(query, topics):
    label = TEXT["topic"].format(name=f"{named.name_zh} · {named.name_en}")
    st.page_link(
        "app_pages/topic.py", label=label, query_params={"topic": named.id}, icon=":material/school:"
    )

searched = query
wanted = page_from(st.query_params.get(PAGE), 10**6)
try:
    found = results(searched, wanted)
except SearchQueryError as exc:
    st.warning(str(exc))
    st.caption(TEXT["as typed"])
    searched = plain_query(query)
    found = results(searched, wanted)
pages = page_count(found, PER_PAGE)
page = page_from(str(wanted), pages)
if page != wanted:  # past the last page (the hits changed, or the URL was edited): show the last one
    go_to(page)
    found = results(searched, page)

if not found.total:
    st.info(TEXT["none"].format(query=md_escape(query)))
    if CJK.search(query):
        st.caption(TEXT["english"])
    suggestion = data.did_you_mean(url, searched, chosen, since, until)
    if suggestion:
        st.button(
            TEXT["suggest"].format(suggestion=md_escape(suggestion)),
            help=TEXT["suggest help"],
            on_click=search_instead,
            args=(suggestion,),
            icon=":material/spellcheck:",
        )
    st.stop()

note = TEXT["ranked"].format(ranked=found.ranked) if found.total > found.ranked else ""
st.caption(TEXT["found"].format(total=total_words(found), page=page, pages=pages) + note)
pager(page, pages, "top")
marks = data.marks(url, me.name)
sections.hit_cards(found.hits, names, marks, me.name)
pager(page, pages, "bottom")
render.export_buttons(
    [hit_export(h) for h in found.hits], TEXT["export"].format(query=query, page=page), "search"
)
