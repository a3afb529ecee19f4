"""How the Roadmap page draws the roadmap: a strip of the four levels with the reader's progress, and one
level's topics in the roadmap's own groups, laid out in columns; which group goes to which column is
decided without Streamlit (`level_groups`, `column_cards`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations, groupby, pairwise

import streamlit as st

from dashboard.counts import Counts
from dashboard.i18n import t
from dashboard.text import md_escape
from dashboard.time_words import ago, short_ago
from db import LevelRow, TopicRow

COLUMNS = 3
LONG_GROUP = 7  # a group of this many topics may go on in the next column
# Topic names wrap instead of being cut off, and read as links (underlined) before they are hovered.
STYLE = """<style>
.st-key-roadmap-topics [data-testid="stPageLink-NavLink"] { padding-left: 0; }
.st-key-roadmap-topics [data-testid="stPageLink-NavLink"] span {
  white-space: normal; overflow: visible; text-overflow: clip; line-height: 1.4;
}
.st-key-roadmap-topics [data-testid="stPageLink-NavLink"] p {
  text-decoration: underline; text-underline-offset: 3px; text-decoration-thickness: 1px;
}
</style>"""


# -- layout (pure) -----------------------------------------------------------------------------------------
def level_groups(topics: Sequence[TopicRow]) -> list[tuple[str | None, list[TopicRow]]]:
    """A level's topics by their roadmap group, groups in the order of their first topic."""
    grouped: dict[str | None, list[TopicRow]] = {}
    for topic in sorted(topics, key=lambda t: t.position):
        grouped.setdefault(topic.group, []).append(topic)
    return list(grouped.items())


def split_columns(
    sizes: Sequence[int], columns: int, cuttable: Iterable[int] | None = None, opening: Sequence[int] = ()
) -> list[list[int]]:
    """Indexes of `sizes` cut into at most `columns` runs in order (so a narrow screen, which stacks the
    columns, keeps the roadmap's order), the longest run as short as it can be, then the runs as even as
    they can be (fewer runs on a tie); cut only before the indexes in `cuttable` (None: anywhere). A run
    starting at index i is `opening[i]` lines taller (a "(continued)" header)."""
    if not sizes:
        return []
    cuts = sorted(set(range(1, len(sizes))) & set(range(1, len(sizes)) if cuttable is None else cuttable))
    splits = (chosen for k in range(min(columns, len(sizes))) for chosen in combinations(cuts, k))
    edges = [0, *min(splits, key=lambda chosen: evenness(heights(sizes, chosen, opening))), len(sizes)]
    return [list(range(a, b)) for a, b in pairwise(edges)]


def heights(sizes: Sequence[int], cuts: Sequence[int], opening: Sequence[int]) -> list[int]:
    """Each run's lines: its items' and, when it starts inside a group, the header that says so."""
    edges = pairwise([0, *cuts, len(sizes)])
    return [sum(sizes[a:b]) + (opening[a] if a < len(opening) else 0) for a, b in edges]


def evenness(runs: Sequence[int]) -> tuple[int, int]:
    """(the tallest run, its difference to the shortest): smaller is better."""
    return max(runs), max(runs) - min(runs)


@dataclass(frozen=True, slots=True)
class Card:
    """A group's topics in one column; a group too long for a column goes on in the next one."""

    group: str | None
    topics: tuple[TopicRow, ...]
    size: int  # topics in the whole group
    continued: bool  # the group began in the column before


Groups = Sequence[tuple[str | None, Sequence[TopicRow]]]
Line = tuple[int, int, TopicRow]  # (group index, place in the group, topic)


def column_cards(groups: Groups, columns: int) -> list[list[Card]]:
    """The groups' topics in order, cut into columns as newspapers are (a group's header counts as a line),
    each column's share of a group as one card."""
    lines = [
        (index, place, t) for index, (_, members) in enumerate(groups) for place, t in enumerate(members)
    ]
    cuttable = [i for i, (index, place, _) in enumerate(lines) if breaks_before(place, len(groups[index][1]))]
    sizes = [2 if place == 0 else 1 for _, place, _ in lines]
    runs = split_columns(sizes, columns, cuttable, opening=[0 if place == 0 else 1 for _, place, _ in lines])
    return [cards([lines[i] for i in run], groups) for run in runs]


def breaks_before(place: int, size: int) -> bool:
    """A column may start at a group's first topic, or inside a long group leaving two topics on each side."""
    return place == 0 or (size >= LONG_GROUP and 2 <= place <= size - 2)


def cards(lines: Sequence[Line], groups: Groups) -> list[Card]:
    """One card per run of one group's topics."""
    found: list[Card] = []
    for index, run in groupby(lines, key=lambda line: line[0]):
        name, members = groups[index]
        mine = list(run)
        found.append(Card(name, tuple(t for *_, t in mine), len(members), continued=mine[0][1] > 0))
    return found


def topics_said(count: int) -> str:
    """ "1 topic", "5 topics"."""
    return t("roadmap.topics", count=count)


# -- drawing -----------------------------------------------------------------------------------------------
def level_strip(levels: Sequence[LevelRow], topics: Sequence[TopicRow], counts: Counts) -> None:
    """Every level at a glance: its names, topics, the reader's classics read and what is new (four in a
    row; two by two on a phone)."""
    with st.container(horizontal=True, key="level-strip"):
        for level in levels:
            mine = [topic for topic in topics if topic.level == level.id]
            read, total = counts.classics(mine)
            with st.container(border=True, gap="small"):
                st.markdown(f"**{md_escape(f'{level.id} · {level.name_zh}')}**")
                progress = t("roadmap.progress", read=read, total=total, classics=t("counts.classics"))
                st.progress(read / total if total else 0.0, text=progress)
                new = t("roadmap.new_papers", count=counts.new_papers({topic.id for topic in mine}))
                st.caption(f"{md_escape(level.name_en)} · {topics_said(len(mine))} · {new}")


def level_topics(
    topics: Sequence[TopicRow], counts: Counts, collected: Mapping[str, datetime], now: datetime
) -> None:
    """One level's topics, group by group, the groups in columns."""
    st.html(STYLE)
    with st.container(key="roadmap-topics"):
        for column, cards_here in zip(
            st.columns(COLUMNS), column_cards(level_groups(topics), COLUMNS), strict=False
        ):
            with column:
                for card in cards_here:
                    group_card(card, counts, collected, now)


def group_card(card: Card, counts: Counts, collected: Mapping[str, datetime], now: datetime) -> None:
    with st.container(border=True, gap="small"):
        more = t("roadmap.continued") if card.continued else topics_said(card.size)
        st.markdown(f"**{md_escape(card.group or t('roadmap.core'))}** · {more}")
        for topic in card.topics:
            with st.container(gap=None):
                st.page_link(
                    "app_pages/topic.py",
                    label=f":blue[{md_escape(f'{topic.name_zh} · {topic.name_en}')}]",
                    help=topic_help(topic, counts, collected, now),
                    query_params={"topic": topic.id},
                )
                st.caption(topic_line(topic, counts, now))


def topic_line(topic: TopicRow, counts: Counts, now: datetime) -> str:
    """ "12 about it · **3 new**, 5 h ago · classics 1/4" (when the newest of the new was stored)."""
    if topic.id not in counts.about:  # the roadmap-wide frontier lists every topic's papers
        parts = [t("roadmap.frontier"), t("roadmap.new_papers", count=counts.new_papers())]
    else:
        parts = [counts.about_label(topic.id)]
        if topic.id in counts.newest:
            new, last = counts.new_by_topic[topic.id], counts.newest[topic.id]
            parts.append(t("roadmap.new_since", count=new, ago=short_ago(last, now)))
    read, total = counts.classics([topic])
    if total:
        parts.append(t("roadmap.classics", read=read, total=total))
    return " · ".join(parts)


def topic_help(topic: TopicRow, counts: Counts, collected: Mapping[str, datetime], now: datetime) -> str:
    """The tooltip: the full names, what each figure counts, and when the topic was collected."""
    ways = []
    if topic.id in collected:
        ways.append(t("roadmap.own_search", ago=ago(collected[topic.id], now)))
    if "" in collected:
        ways.append(t("roadmap.listing", ago=ago(collected[""], now)))
    said = t("roadmap.collected", ways=t("roadmap.ways_sep").join(ways)) if ways else t("roadmap.never")
    lines = [
        md_escape(f"{topic.name_zh} · {topic.name_en}"),
        md_escape(t("counts.about_help", days=counts.days, widen=counts.widen)),
        md_escape(said),
    ]
    return "\n\n".join(lines)
