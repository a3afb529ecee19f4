"""Papers per week (dashboard/charts.py): every week of the period is a bar, weeks without papers at zero;
and the Roadmap's layout helpers (dashboard/roadmap_view.py), both pure."""

from __future__ import annotations

import json
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from collector.config import PROJECT_ROOT
from collector.roadmap import load_roadmap
from dashboard import i18n
from dashboard.charts import WeekBar, bar_spec, monday, weekly, weeks_back
from dashboard.roadmap_view import column_cards, level_groups, split_columns, topics_said

MON = date(2026, 2, 2)  # a Monday


def test_weeks_without_papers_are_bars_of_zero_not_left_out() -> None:
    # three papers: one in the first week, two in the last; nothing for three weeks between
    rows = [(MON + timedelta(days=2), "lora", 1), (MON + timedelta(weeks=4, days=1), "lora", 2)]
    bars = weekly(rows, {"lora": "LoRA"}, MON, MON + timedelta(weeks=4, days=6))
    assert bars == [
        WeekBar(MON, "LoRA", 1),
        WeekBar(MON + timedelta(weeks=1), "LoRA", 0),
        WeekBar(MON + timedelta(weeks=2), "LoRA", 0),
        WeekBar(MON + timedelta(weeks=3), "LoRA", 0),
        WeekBar(MON + timedelta(weeks=4), "LoRA", 2),
    ]


def test_days_sum_into_monday_weeks_per_series_in_the_labels_order() -> None:
    sunday = MON + timedelta(days=6)
    rows = [
        (MON, "L3", 2), (sunday, "L3", 3), (sunday + timedelta(days=1), "L3", 1),
        (MON, "L1", 4), (MON, "L9", 7),  # L9 is not labelled: left out
        (MON - timedelta(days=1), "L1", 5),  # before the period: left out
    ]  # fmt: skip
    bars = weekly(rows, {"L1": "Basics", "L2": "Intro", "L3": "Advanced"}, MON, sunday + timedelta(days=1))
    assert bars == [  # L2 has no paper in the period: no series of zeros for it
        WeekBar(MON, "Basics", 4),
        WeekBar(MON, "Advanced", 5),
        WeekBar(MON + timedelta(weeks=1), "Basics", 0),
        WeekBar(MON + timedelta(weeks=1), "Advanced", 1),
    ]


def test_a_period_without_papers_has_no_bars() -> None:
    assert weekly([], {"lora": "LoRA"}, MON, MON + timedelta(weeks=3)) == []


def test_weeks_back_starts_on_the_monday_of_the_oldest_week() -> None:
    today = date(2026, 11, 30)  # a Monday
    assert weeks_back(today, 1) == today
    assert weeks_back(today + timedelta(days=3), 26) == today - timedelta(weeks=25)
    assert weeks_back(today, 26).weekday() == 0


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


@given(
    rows=st.lists(st.tuples(days, st.sampled_from(["a", "b", "c"]), st.integers(1, 50)), max_size=40),
    since=days,
    span=st.integers(0, 400),
)
def test_every_week_once_per_series_and_no_paper_lost(
    rows: list[tuple[date, str, int]], since: date, span: int
) -> None:
    until = since + timedelta(days=span)
    bars = weekly(rows, {"a": "A", "b": "B"}, since, until)
    kept = [count for day, key, count in rows if key in ("a", "b") and since <= day <= until]
    assert sum(bar.papers for bar in bars) == sum(kept)
    series = {bar.series for bar in bars}
    weeks = sorted({bar.week for bar in bars})
    assert len(bars) == len(series) * len(weeks)
    if bars:
        assert weeks[0] == monday(since) and weeks[-1] == monday(until)
        assert all(
            later - earlier == timedelta(weeks=1) for earlier, later in zip(weeks, weeks[1:], strict=False)
        )


def test_the_chart_is_bars_with_every_week_in_its_data() -> None:
    rows = [(MON, "lora", 1), (MON + timedelta(weeks=3), "lora", 2)]
    spec = bar_spec(weekly(rows, {"lora": "LoRA"}, MON, MON + timedelta(weeks=3)), "Papers per week")
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["x"]["field"] == "week"
    assert [(v["week"], v["papers"]) for v in spec["data"]["values"]] == [
        ("2026-02-02", 1), ("2026-02-09", 0), ("2026-02-16", 0), ("2026-02-23", 2),
    ]  # fmt: skip
    assert spec["encoding"]["color"]["legend"] is None  # one series: no legend


def test_the_page_draws_the_chart_and_says_so_when_a_period_is_empty() -> None:
    def page() -> None:
        from datetime import date, timedelta

        from dashboard import charts

        monday = date(2026, 2, 2)
        rows = [(monday, "lora", 1)]
        charts.draw(charts.weekly(rows, {"lora": "LoRA"}, monday, monday + timedelta(weeks=3)), "Papers")
        charts.draw(charts.weekly([], {"lora": "LoRA"}, monday, monday + timedelta(weeks=3)), "Nothing")

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert json.loads(at.get("vega_lite_chart")[0].proto.spec)["mark"]["type"] == "bar"
    assert [c.value for c in at.caption] == [i18n.text("en", "charts.empty")]


# -- the Roadmap's columns --------------------------------------------------------------------------------
def test_groups_go_into_columns_in_order_the_longest_column_as_short_as_it_can_be() -> None:
    # L3's groups, by size (+1 for each group's header): contiguous runs, roadmap order kept
    sizes = [4, 8, 6, 4, 6, 8, 5, 2, 2, 11, 6]
    columns = split_columns(sizes, 3)
    assert [i for column in columns for i in column] == list(range(len(sizes)))
    assert max(sum(sizes[i] for i in column) for column in columns) == 22
    assert split_columns([3], 3) == [[0]]
    assert split_columns([1, 1], 3) == [[0], [1]]
    assert split_columns([], 3) == []
    assert (topics_said(1), topics_said(51)) == ("1 topic", "51 topics")


def test_a_long_group_goes_on_in_the_next_column_and_every_topic_is_shown_once_in_order() -> None:
    roadmap = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
    for level in ("L1", "L2", "L3", "L4"):
        rows = [t for t in roadmap.rows() if t.level == level]
        groups = level_groups(rows)
        columns = column_cards(groups, 3)
        shown = [t.id for column in columns for card in column for t in card.topics]
        assert shown == [t.id for _, members in groups for t in members]
        firsts = [card.group for column in columns for card in column if not card.continued]
        assert firsts == [name for name, _ in groups]  # each group's header once, then "(continued)"
        heights = [sum(len(c.topics) + 1 for c in column) for column in columns]
        even = -(-sum(heights) // len(heights))  # an even share of the lines, rounded up
        assert max(heights) <= even + 3, (level, heights)  # the groups' sizes allow no better
        assert min(heights) >= even - 4 or len(rows) < 3, (level, heights)  # no near-empty column
    l1 = column_cards(level_groups([t for t in roadmap.rows() if t.level == "L1"]), 3)
    assert len(l1) == 3 and l1[1][0].continued  # L1's eleven ungrouped topics fill more than one column
