"""Where the reader is in a list, kept in the URL so that a shared link, a reload or the rerun after ticking
Hide opens at the same place: the section of a topic's list (`?tab=`), what What's new shows (`?mode=`),
how much of a long list is shown (`?shown=`, `?ashown=` for applications) and whether the applications are
open (`?apps=open`)."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard import i18n
from dashboard.i18n import t
from dashboard.lists import shown_count


def set_param(param: str, value: str, default: str) -> None:
    """`?param=value` in the URL, or no parameter for the default (links stay short)."""
    if value == default:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = value


def pick_section(sections: Mapping[str, str], param: str = "tab") -> str:
    """A segmented control over `sections` (id → label with its count), the choice kept in `?param=` by id;
    the first is the default.

    Not st.tabs: bound to the URL, tabs are named there by their label, and the labels hold counts that
    change as the reader hides papers; unbound, a rerun (ticking Hide) reopened the first tab.
    """
    ids = list(sections)
    wanted = st.query_params.get(param)
    chosen = st.segmented_control(
        t("paging.section"),
        ids,
        default=wanted if wanted in ids else ids[0],
        format_func=sections.__getitem__,
        key=i18n.key(f"url:{param}"),
        required=True,
        label_visibility="collapsed",
    )
    choice = str(chosen) if chosen in ids else ids[0]
    set_param(param, choice, ids[0])
    return choice


def url_radio(
    where: DeltaGenerator,
    label: str,
    options: Mapping[str, str],
    param: str,
    key: str = "",
    horizontal: bool = False,
    help: str | None = None,  # noqa: A002  # Streamlit's name
) -> str:
    """A radio over `options` (id → label), its choice kept in `?param=` by id; the first is the default.
    (`bind="query-params"` would put the label in the URL, or lose the choice when a language switch
    changes the labels.) `key` names the widget (default `url:<param>`), per language."""
    ids = list(options)
    wanted = st.query_params.get(param)
    chosen = where.radio(
        label, ids, index=ids.index(wanted) if wanted in ids else 0, format_func=options.__getitem__,
        key=i18n.key(key or f"url:{param}"), horizontal=horizontal, help=help,
    )  # fmt: skip
    choice = str(chosen) if chosen in ids else ids[0]
    set_param(param, choice, ids[0])
    return choice


def shown(param: str, step: int) -> int:
    """How many papers of the list to show, from `?param=` (one step when absent or not a number)."""
    try:
        wanted = int(st.query_params.get(param, step))
    except ValueError:
        wanted = step
    return shown_count(wanted, step)


def show_more(total: int, count: int, step: int, param: str) -> None:
    """Under a list showing `count` of `total`: a button adding the next `step` below (so reading goes on
    downwards), or a note that all are shown."""
    if total <= step:
        return
    if count >= total:
        st.caption(t("paging.all_shown", total=total))
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        more = min(step, total - count)
        st.button(
            t("paging.show_more", more=more),
            key=f"more-{param}",
            on_click=more_shown,
            args=(param, count + step),
        )
        st.caption(t("paging.showing", shown=count, total=total))


def more_shown(param: str, count: int) -> None:
    st.query_params[param] = str(count)


def open_in_url(param: str, key: str) -> None:
    """An expander's on_change: keep whether it is open in `?param=open`, so a rerun that relabels it
    (a count changed) opens it again."""
    set_param(param, "open" if st.session_state.get(key) else "", "")


def opened(param: str) -> bool:
    return st.query_params.get(param) == "open"
