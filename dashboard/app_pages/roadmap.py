"""Roadmap: the four levels at a glance (the reader's classics read, what is new since the last visit), then
one level's topics in the roadmap's groups with what each holds; papers per week by level."""

from __future__ import annotations

import streamlit as st

from collector.clock import utc_now
from dashboard import charts, data, roadmap_view, state
from dashboard import counts as said

TITLE = "Roadmap Radar"
EMPTY = "The database has no topics yet: run `radar up` to collect papers, or `radar demo` to load a sample."
SUMMARY = "**{stored:,}** {stored_label} · **{matched:,}** {matched_label} · **{new:,}** {new_label}"
LEGEND = (
    "Under each topic: papers **{about}** from the last {days} days (wider when fewer than {widen} are) · "
    "**new** since your last visit · {classics}."
)
CHART = "Papers per week, by level"  # short: a chart's title is cut off, not wrapped, on a phone
CHART_NOTE = "The last {weeks} weeks, a bar each (zero when no paper came); a paper counts once per level."
WEEKS = 26

url = data.database_url()
me = state.reader()
now = utc_now()
topics = data.topics(url)

st.title(TITLE)
if not topics:
    st.info(EMPTY)
    st.stop()

marks = data.marks(url, me.name)
counts = data.counts(url, me, marks, now.replace(second=0, microsecond=0))
summary = SUMMARY.format(
    stored=counts.stored, stored_label=said.STORED, matched=counts.matched, matched_label=said.MATCHED,
    new=counts.new_papers(), new_label=said.NEW,
)  # fmt: skip
helps = [said.STORED_HELP, said.MATCHED_HELP, said.NEW_HELP.format(since=f"{me.new_since:%Y-%m-%d %H:%M}")]
st.caption(summary, help="\n\n".join(helps))

levels = state.levels()
roadmap_view.level_strip(levels, topics, counts)
definitions = [
    said.ABOUT_HELP.format(days=counts.days, widen=counts.widen),
    said.CLASSICS_HELP.format(offline=said.offline_classics(topics)),
]
legend = LEGEND.format(about=said.ABOUT, days=counts.days, widen=counts.widen, classics=said.CLASSICS)
st.caption(legend, help="\n\n".join(definitions))
tabs = st.tabs([level.id for level in levels], key="level", bind="query-params")
for tab, level in zip(tabs, levels, strict=True):
    if tab.open:
        with tab:
            mine = [t for t in topics if t.level == level.id]
            roadmap_view.level_topics(mine, counts, data.last_collected(url), now)

since = charts.weeks_back(now.date(), WEEKS)
rows = data.daily_level_counts(url, tuple(t.id for t in topics), since)
bars = charts.weekly(rows, {level.id: f"{level.id} · {level.name_en}" for level in levels}, since, now.date())
st.caption(CHART_NOTE.format(weeks=WEEKS))
charts.draw(bars, CHART)
