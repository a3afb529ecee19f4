"""What's new: papers since your last visit (or the last N days, or your bookmarks), and the L4 frontier."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import streamlit as st

from collector.clock import utc_now
from collector.ranking import rank_whats_new
from collector.reading_lists import roadmap_wide
from dashboard import charts, data, paging, render, sections, state
from dashboard.lists import hidden_ids, is_new, match_export, paper_export, plural, unhidden
from dashboard.render import Card
from db import MatchSummary

MODES = {
    "visit": "New since my last visit",
    "days": "Published in the last … days",
    "bookmarked": "My bookmarks",
}
SORTS = {"score": "About it first", "date": "Newest first"}
SORT_HELP = (
    "About it first: papers about their topic, most about it first, no topic flooding the top; then "
    "papers that only use a topic."
)
TITLE = "What's new"
BOOKMARKED = "{papers} bookmarked by {reader}."
SINCE_VISIT = "{papers} stored since your last visit ({since:%Y-%m-%d %H:%M} UTC), not yet read."
IN_DAYS = "{papers} published in the last {days}."
SEEN = "Mark all as seen"
SEEN_HELP = "Nothing stored until now stays new."
FRONTIER = "The L4 frontier — trending across the roadmap"
STEP = sections.STEP


def pairs(rows: Sequence[MatchSummary]) -> tuple[tuple[str, str], ...]:
    return tuple((s.arxiv_id, s.topic_id) for s in rows)


url = data.database_url()
me = state.reader()
now = utc_now()
topics = data.topics(url)
names = {t.id: state.topic_name(t) for t in topics}

side = st.sidebar
mode = paging.url_radio(side, "Show", MODES, "mode")
render.card_mode(side)
marks = data.marks(url, me.name)
st.title(TITLE)

if mode == "bookmarked":  # the reader's own list: days, level and order do not apply, so they are not shown
    ids = [arxiv_id for arxiv_id, m in marks.items() if m.bookmarked]
    stored = data.papers(url, ids)
    cards = [Card(stored[i]) for i in ids if i in stored]
    st.caption(BOOKMARKED.format(papers=plural(len(cards), "paper"), reader=me.name))
    render.undo_hidden(me.name)
    count = paging.shown("shown", STEP)
    sections.cards_with_extras(cards[:count], marks, "bookmark", me.name)
    paging.show_more(len(cards), min(count, len(cards)), STEP, "shown")
    render.export_buttons([paper_export(c.paper) for c in cards], "Bookmarks", "new", count=len(cards))
    st.stop()

days = 7
if mode == "days":
    days = side.select_slider("Days", [1, 3, 7, 14, 30, 90], 7, key="days", bind="query-params")
level = state.pick_level(side)
in_level = state.topics_at(topics, level)
topic = state.pick_topic(in_level, allow_all=True, where=side)
sort = side.radio(
    "Order", list(SORTS), format_func=SORTS.__getitem__, key="sort", bind="query-params", horizontal=True,
    help=SORT_HELP,
)  # fmt: skip
chosen = (topic,) if topic else tuple(t.id for t in in_level) if level else ()

# Every topic's matches are read once (cached) and filtered here: the database finds a window's papers by
# date fast, but asked for a level's 50 topics it walks their whole history (0.5 s on 1,000,000 papers).
wanted = set(chosen)
if mode == "visit":
    found = data.summaries(url, me.new_since, None, ())
    rows = [s for s in found if (not wanted or s.topic_id in wanted) and is_new(s, me.new_since, marks)]
    heading = SINCE_VISIT.format(papers="{papers}", since=me.new_since)
else:
    found = data.summaries(url, None, (now - timedelta(days=days)).date(), ())
    rows = unhidden([s for s in found if not wanted or s.topic_id in wanted], marks)
    heading = IN_DAYS.format(papers="{papers}", days=plural(days, "day") if days > 1 else "day")
best = rank_whats_new(rows, str(sort))
st.caption(heading.format(papers=plural(len(best), "paper")))
if mode == "visit" and st.button(SEEN, key="seen", help=SEEN_HELP):
    data.mark_all_seen(url, me.name, now)
    st.rerun()

render.undo_hidden(me.name)
count = paging.shown("shown", STEP)
sections.match_cards(data.matched(url, pairs(best[:count])), names, marks, "new", me.name)
paging.show_more(len(best), min(count, len(best)), STEP, "shown")
render.export_buttons(
    lambda: [match_export(m, names.get(m.topic_id, "")) for m in data.matched(url, pairs(best))],
    TITLE,
    "new",
    count=len(best),
)

st.subheader(FRONTIER)
minute = now.replace(second=0, microsecond=0)
wide = next((t for t in topics if roadmap_wide(t)), None)
trending_days = data.settings().trending_days
if wide is None:
    sections.trending(data.trending(url, None, minute), marks, me.name, trending_days, names, "frontier")
else:  # the frontier topic's own list: trending, or the newest papers most about a topic when none trends
    frontier = data.reading_list(url, wide.id, data.settings().recent_days, 10, hidden_ids(marks), minute)
    if frontier.trending:
        sections.trending(frontier.trending, marks, me.name, trending_days, names, "frontier")
    else:
        sections.frontier(frontier, marks, me.name, names)
since = charts.weeks_back(now.date(), 26)
by_topic = 0 < len(chosen) <= 8  # a series per topic, else per level (each paper once per level)
series = {t: names[t] for t in chosen} if by_topic else {level.id: level.id for level in state.levels()}
reads = data.daily_counts if by_topic else data.daily_level_counts
daily = reads(url, chosen or tuple(t.id for t in topics), since)
charts.draw(charts.weekly(daily, series, since, now.date()), "Papers per week (last 26 weeks)")
