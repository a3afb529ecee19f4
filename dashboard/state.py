"""Per-session state shared by the pages: the reader profile and the level/topic pickers, kept in the URL."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from collector.clock import utc_now
from dashboard import data, i18n
from dashboard.i18n import t
from db import LevelRow, ReaderRow, TopicRow

DEFAULT_READER = "default"
ALL = ""
MAX_NAME = 64


def reader_name() -> str:
    """The reader profile chosen in the sidebar (type a new name to create one), kept in `?reader=`."""
    wanted = clean_name(st.query_params.get("reader", DEFAULT_READER))
    names = sorted(set(data.reader_names(data.database_url())) | {DEFAULT_READER, wanted})
    chosen = st.sidebar.selectbox(
        t("sidebar.reader"),
        names,
        index=names.index(wanted),
        key="url:reader",
        accept_new_options=True,
        help=t("sidebar.reader_help"),
    )
    name = clean_name(str(chosen or ""))
    if name == DEFAULT_READER:
        st.query_params.pop("reader", None)
    else:
        st.query_params["reader"] = name
    return name


def clean_name(text: str) -> str:
    return " ".join(text.split())[:MAX_NAME] or DEFAULT_READER


def reader() -> ReaderRow:
    """The reader's profile, with this page view recorded (see db.reader_state.visit)."""
    return data.visit(data.database_url(), reader_name(), utc_now())


def levels() -> tuple[LevelRow, ...]:
    """The roadmap's levels, in order, with their names (as roadmap.yaml gives them)."""
    return data.levels(data.database_url())


def level_label(level: str) -> str:
    if level == ALL:
        return t("pick.all_levels")
    found = next((row for row in levels() if row.id == level), None)
    return f"{level} · {i18n.names(found.name_en, found.name_zh)}" if found else level


def url_choice(
    where: DeltaGenerator, label: str, options: Sequence[str], param: str, format_func: Callable[[str], str]
) -> str:
    """A selectbox whose choice lives in `?param=` (the first option is the default and leaves the URL clean).

    Written by hand because `bind="query-params"` does not combine with `format_func` in Streamlit 1.67.
    """
    wanted = st.query_params.get(param)
    index = options.index(wanted) if wanted in options else 0
    shown = {
        option: format_func(option) for option in options
    }  # in this run's language, even when called later
    choice = str(
        where.selectbox(
            label, options, index=index, format_func=shown.__getitem__, key=i18n.key(f"url:{param}")
        )
    )
    if choice == options[0]:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = choice
    return choice


def pick_level(where: DeltaGenerator | None = None) -> str:
    """Level picker kept in `?level=`; ALL ("") means every level."""
    return url_choice(
        where or st.container(), t("pick.level"), [ALL, *(row.id for row in levels())], "level", level_label
    )


def topic_name(topic: TopicRow) -> str:
    """The topic's names, the page's language first, once when they are the same (see i18n.names)."""
    return i18n.names(topic.name_en, topic.name_zh)


def topic_label(topic: TopicRow) -> str:
    """The topic with its level, as pickers and lists name it: "L3 · LoRA (low-rank adaptation) · LoRA"."""
    return f"{topic.level} · {topic_name(topic)}"


def pick_topic(topics: Sequence[TopicRow], allow_all: bool, where: DeltaGenerator | None = None) -> str:
    """Topic picker kept in `?topic=`; with `allow_all`, ALL ("") means every topic shown."""
    by_id = {t.id: t for t in topics}
    options = ([ALL] if allow_all else []) + list(by_id)
    if not options:
        return ALL

    def label(topic_id: str) -> str:
        return t("pick.all_topics") if topic_id == ALL else topic_label(by_id[topic_id])

    return url_choice(where or st.container(), t("pick.topic"), options, "topic", label)


def topics_at(topics: Sequence[TopicRow], level: str) -> list[TopicRow]:
    return [t for t in topics if level == ALL or t.level == level]
