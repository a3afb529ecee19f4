"""Roadmap: the four levels at a glance (the reader's classics read, what is new since the last visit), then
one level's topics in the roadmap's groups with what each holds; papers per week by level."""

from __future__ import annotations

import streamlit as st

from collector.clock import utc_now
from dashboard import charts, data, roadmap_view, state
from dashboard import counts as said
from dashboard.i18n import names, t

WEEKS = 26

url = data.database_url()
me = state.reader()
now = utc_now()
topics = data.topics(url)

st.title(t("roadmap.title"))
if not topics:
    st.info(t("empty.no_topics"))
    st.stop()

marks = data.marks(url, me.name)
counts = data.counts(url, me, marks, now.replace(second=0, microsecond=0))
summary = t(
    "roadmap.summary", stored=f"{counts.stored:,}", stored_label=t("counts.stored"),
    matched=f"{counts.matched:,}", matched_label=t("counts.matched"), new=f"{counts.new_papers():,}",
    new_label=t("counts.new"),
)  # fmt: skip
since = f"{me.new_since:%Y-%m-%d %H:%M}"
helps = [t("counts.stored_help"), t("counts.matched_help"), t("counts.new_help", since=since)]
st.caption(summary, help="\n\n".join(helps))

levels = state.levels()
roadmap_view.level_strip(levels, topics, counts)
definitions = [
    t("counts.about_help", days=counts.days, widen=counts.widen),
    t("counts.classics_help", offline=said.offline_classics(topics)),
]
legend = t(
    "roadmap.legend",
    about=t("counts.about"),
    days=counts.days,
    widen=counts.widen,
    classics=t("counts.classics"),
)
st.caption(legend, help="\n\n".join(definitions))
tabs = st.tabs([level.id for level in levels], key="level", bind="query-params")
for tab, level in zip(tabs, levels, strict=True):
    if tab.open:
        with tab:
            mine = [topic for topic in topics if topic.level == level.id]
            roadmap_view.level_topics(mine, counts, data.last_collected(url), now)

start = charts.weeks_back(now.date(), WEEKS)
rows = data.daily_level_counts(url, tuple(topic.id for topic in topics), start)
series = {level.id: f"{level.id} · {names(level.name_en, level.name_zh)}" for level in levels}
bars = charts.weekly(rows, series, start, now.date())
st.caption(t("roadmap.chart_note", weeks=WEEKS))
charts.draw(bars, t("roadmap.chart"))  # short: a chart's title is cut off, not wrapped, on a phone
