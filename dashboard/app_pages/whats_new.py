"""What's new: papers since your last visit (or the last N days, or your bookmarks), and the L4 frontier."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import partial

import streamlit as st

from collector.clock import utc_now
from collector.ranking import rank_whats_new
from collector.reading_lists import roadmap_wide
from dashboard import charts, data, paging, render, sections, state
from dashboard.i18n import t
from dashboard.lists import hidden_ids, is_new, match_export, paper_export, unhidden
from dashboard.render import Card
from db import MatchSummary

MODES = ("visit", "days", "bookmarked")
SORTS = ("score", "date")
STEP = sections.STEP


def pairs(rows: Sequence[MatchSummary]) -> tuple[tuple[str, str], ...]:
    return tuple((s.arxiv_id, s.topic_id) for s in rows)


url = data.database_url()
me = state.reader()
now = utc_now()
topics = data.topics(url)
names = {t.id: state.topic_name(t) for t in topics}

side = st.sidebar
mode = paging.url_radio(side, t("whats_new.show"), {m: t(f"whats_new.mode_{m}") for m in MODES}, "mode")
render.card_mode(side)
marks = data.marks(url, me.name)
st.title(t("whats_new.title"))

if mode == "bookmarked":  # the reader's own list: days, level and order do not apply, so they are not shown
    ids = [arxiv_id for arxiv_id, m in marks.items() if m.bookmarked]
    stored = data.papers(url, ids)
    cards = [Card(stored[i]) for i in ids if i in stored]
    st.caption(t("whats_new.bookmarked", papers=t("common.papers", count=len(cards)), reader=me.name))
    render.undo_hidden(me.name)
    count = paging.shown("shown", STEP)
    sections.cards_with_extras(cards[:count], marks, "bookmark", me.name)
    paging.show_more(len(cards), min(count, len(cards)), STEP, "shown")
    render.export_buttons(
        [paper_export(c.paper) for c in cards], t("whats_new.bookmarks"), "new", count=len(cards)
    )
    st.stop()

days = 7
if mode == "days":
    days = side.select_slider(t("whats_new.days"), [1, 3, 7, 14, 30, 90], 7, key="days", bind="query-params")
level = state.pick_level(side)
in_level = state.topics_at(topics, level)
topic = state.pick_topic(in_level, allow_all=True, where=side)
orders = {o: t(f"whats_new.sort_{o}") for o in SORTS}
sort = paging.url_radio(
    side, t("whats_new.order"), orders, "sort", key="sort", horizontal=True, help=t("whats_new.sort_help")
)
chosen = (topic,) if topic else tuple(t.id for t in in_level) if level else ()

# Every topic's matches are read once (cached) and filtered here: the database finds a window's papers by
# date fast, but asked for a level's 50 topics it walks their whole history (0.5 s on 1,000,000 papers).
wanted = set(chosen)
if mode == "visit":
    found = data.summaries(url, me.new_since, None, ())
    rows = [s for s in found if (not wanted or s.topic_id in wanted) and is_new(s, me.new_since, marks)]
    heading = partial(t, "whats_new.since_visit", since=f"{me.new_since:%Y-%m-%d %H:%M}")
else:
    found = data.summaries(url, None, (now - timedelta(days=days)).date(), ())
    rows = unhidden([s for s in found if not wanted or s.topic_id in wanted], marks)
    heading = partial(t, "whats_new.in_days", days=t("whats_new.day_count", count=days))
best = rank_whats_new(rows, str(sort))
st.caption(heading(papers=t("common.papers", count=len(best))))
if mode == "visit" and st.button(t("whats_new.seen"), key="seen", help=t("whats_new.seen_help")):
    data.mark_all_seen(url, me.name, now)
    st.rerun()

render.undo_hidden(me.name)
count = paging.shown("shown", STEP)
sections.match_cards(data.matched(url, pairs(best[:count])), names, marks, "new", me.name)
paging.show_more(len(best), min(count, len(best)), STEP, "shown")
render.export_buttons(
    lambda: [match_export(m, names.get(m.topic_id, "")) for m in data.matched(url, pairs(best))],
    t("whats_new.title"),
    "new",
    count=len(best),
)

st.subheader(t("whats_new.frontier"))
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
charts.draw(charts.weekly(daily, series, since, now.date()), t("whats_new.chart"))
