"""What's new: papers since your last visit (or the last N days, or your bookmarks), and the L4 frontier."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import streamlit as st

from collector.clock import utc_now
from collector.ranking import rank_whats_new
from collector.reading_lists import roadmap_wide
from dashboard import charts, data, render, sections, state
from dashboard.lists import hidden_ids, is_new, match_export, paper_export, unhidden
from dashboard.render import Card

SHOWN = 30
MODES = {
    "visit": "New since my last visit",
    "days": "Published in the last … days",
    "bookmarked": "My bookmarks",
}

url = data.database_url()
me = state.reader()
now = utc_now()
topics = data.topics(url)
names = {t.id: f"{t.name_zh} · {t.name_en}" for t in topics}

side = st.sidebar
mode = side.radio("Show", list(MODES), format_func=MODES.__getitem__, key="mode")
days = side.select_slider("Days", [1, 3, 7, 14, 30, 90], 7, key="days", bind="query-params")
level = state.pick_level(side)
in_level = state.topics_at(topics, level)
topic = state.pick_topic(in_level, allow_all=True, where=side)
SORTS = {"score": "About it first", "date": "Newest first"}
sort = side.radio(
    "Order",
    list(SORTS),
    format_func=SORTS.__getitem__,
    key="sort",
    bind="query-params",
    horizontal=True,
    help="About it first: papers about their topic, most about it first, no topic flooding the top; then "
    "papers that only use a topic.",
)
chosen = (topic,) if topic else tuple(t.id for t in in_level) if level else ()
marks = data.marks(url, me.name)

st.title("What's new")
if mode == "bookmarked":
    ids = [arxiv_id for arxiv_id, m in marks.items() if m.bookmarked]
    found = data.papers(url, ids)
    cards = [Card(found[i]) for i in ids if i in found]
    st.caption(f"{len(cards)} bookmarked papers for {me.name}.")
    sections.cards_with_extras(cards, marks, "bookmark", me.name)
    render.export_buttons([paper_export(c.paper) for c in cards], "Bookmarks", "new")
    st.stop()

if mode == "visit":
    rows = [s for s in data.summaries(url, me.new_since, None, chosen) if is_new(s, me.new_since, marks)]
    heading = f"{{}} papers stored since your last visit ({me.new_since:%Y-%m-%d %H:%M} UTC), not yet read."
else:
    rows = unhidden(data.summaries(url, None, (now - timedelta(days=days)).date(), chosen), marks)
    heading = f"{{}} papers published in the last {days} days."
best = rank_whats_new(rows, str(sort))
st.caption(heading.format(len(best)))
if mode == "visit" and st.button("Mark all as seen", key="seen", help="Nothing stored until now stays new."):
    data.mark_all_seen(url, me.name, now)
    st.rerun()

shown = data.matched(url, tuple((s.arxiv_id, s.topic_id) for s in best[:SHOWN]))
sections.match_cards(shown, names, marks, "new", me.name)
if len(best) > SHOWN:
    st.caption(f"… and {len(best) - SHOWN} more: narrow by level or topic, or export the list.")
everything = data.matched(url, tuple((s.arxiv_id, s.topic_id) for s in best[:500]))
render.export_buttons([match_export(m) for m in everything], "What's new", "new")

st.subheader("The L4 frontier — trending across the roadmap")
minute = now.replace(second=0, microsecond=0)
wide = next((t for t in topics if roadmap_wide(t)), None)
if wide is None:
    sections.trending(data.trending(url, None, minute), marks, me.name, data.settings().trending_days, names)
else:  # the frontier topic's own list: trending, or the newest papers most about a topic when none trends
    frontier = data.reading_list(url, wide.id, data.settings().recent_days, 10, hidden_ids(marks), minute)
    if frontier.trending:
        sections.trending(frontier.trending, marks, me.name, data.settings().trending_days, names)
    else:
        sections.new_papers(replace(frontier, applications=(), applications_total=0), marks, me.name, names)
since = charts.weeks_back(now.date(), 26)
by_topic = 0 < len(chosen) <= 8  # a series per topic, else per level (each paper once per level)
series = {t: names[t] for t in chosen} if by_topic else {level.id: level.id for level in state.levels()}
reads = data.daily_counts if by_topic else data.daily_level_counts
daily = reads(url, chosen or tuple(t.id for t in topics), since)
charts.draw(charts.weekly(daily, series, since, now.date()), "Papers per week (last 26 weeks)")
