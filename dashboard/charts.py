"""Papers per week, drawn as bars: daily counts summed into weeks (Monday to Sunday) with every week of the
period present — a week without papers is a bar of zero, never a line drawn across it — and the one
function every page draws them with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import streamlit as st

from dashboard.i18n import t

HEIGHT = 400  # the whole chart: title, legend and axes take about 190 px of it
# Axis labels "May 04" from the ISO day (UTC, so no browser's time zone moves it to the day before).
SHORT_DATE = "utcFormat(toDate(datum.value), '%b %d')"


@dataclass(frozen=True, slots=True)
class WeekBar:
    """One bar: the papers of one series (a topic or a level) published in the week starting `week`."""

    week: date
    series: str
    papers: int


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_back(today: date, weeks: int) -> date:
    """The Monday starting the oldest of the last `weeks` weeks, this one included."""
    return monday(today) - timedelta(weeks=weeks - 1)


def weekly(
    rows: Iterable[tuple[date, str, int]], label: Mapping[str, str], since: date, until: date
) -> list[WeekBar]:
    """Daily (day, key, count) rows as one bar per week from `since`'s to `until`'s and per series (keys
    renamed by `label`, those absent from it dropped), weeks without papers at zero; series without any
    paper in the period are left out. Bars come week by week, series in `label`'s order."""
    papers: Counter[tuple[date, str]] = Counter()
    for day, key, count in rows:
        if key in label and since <= day <= until:
            papers[(monday(day), label[key])] += count
    shown = [name for name in dict.fromkeys(label.values()) if any(s == name for _, s in papers)]
    weeks = range(0, (monday(until) - monday(since)).days + 1, 7)
    return [
        WeekBar(
            monday(since) + timedelta(days=offset),
            name,
            papers[(monday(since) + timedelta(days=offset), name)],
        )
        for offset in weeks
        for name in shown
    ]


def bar_spec(bars: Sequence[WeekBar], title: str) -> dict[str, Any]:
    """A Vega-Lite spec of stacked bars, one colour per series (in their order), a tooltip per bar; the data
    inline, so nothing is converted or validated on every page view."""
    order = list(dict.fromkeys(bar.series for bar in bars))
    color: dict[str, Any] = {"field": "series", "type": "nominal", "title": None, "scale": {"domain": order}}
    # Two to a row: a legend does not wrap, and four in one row are cut off on a phone.
    color["legend"] = {"orient": "top", "columns": 2} if len(order) > 1 else None
    week = {"field": "week", "type": "ordinal", "title": t("charts.week")}
    papers = {"field": "papers", "type": "quantitative", "title": t("charts.papers")}
    return {
        "title": title,
        "data": {
            "values": [{"week": b.week.isoformat(), "series": b.series, "papers": b.papers} for b in bars]
        },
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": week | {"axis": {"labelExpr": SHORT_DATE, "labelAngle": 0, "labelOverlap": True}},
            "y": papers | {"stack": "zero"},
            "color": color,
            "tooltip": [
                week,
                {"field": "series", "type": "nominal", "title": t("charts.series")},
                papers,
            ],
        },
    }


def draw(bars: Sequence[WeekBar], title: str) -> None:
    """The bars, or a caption when the period holds no paper."""
    if not any(bar.papers for bar in bars):
        st.caption(t("charts.empty"))
        return
    # The height goes to Streamlit: in the spec, Streamlit fits title, legend and axes into it and the bars
    # are left a sliver.
    st.vega_lite_chart(bar_spec(bars, title), width="stretch", height=HEIGHT)
