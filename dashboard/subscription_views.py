"""What the Subscriptions page draws: the subscribe form, and the views behind a mail's links (confirm,
unsubscribe, manage). A view shows the link's own address and subscriptions only; with no link, no
address is ever shown. Text from people or mail servers goes through md_escape or st.text."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from collector.clock import utc_now as now
from collector.errors import ConfigError, MailError
from collector.subscribing import SubscriptionRequest, checked
from dashboard import data, i18n, state
from dashboard.i18n import t
from dashboard.text import md_escape
from db import FREQUENCIES, LANGUAGES, LevelRow, SubscriptionRow, TokenRow, TopicRow

LANGUAGE = {"en": "English", "zh": "中文"}  # a mail's language, named in itself whatever the page's


def every(frequency: str) -> str:
    """`Daily` / `每日` (FREQUENCIES are the catalogue's keys)."""
    return t(f"subs.{frequency}")


def labels(options: Sequence[str], label: Callable[[str], str]) -> Callable[[str], str]:
    """A format_func whose texts are fixed now, in this run's language (AppTest calls it after the run)."""
    return {option: label(option) for option in options}.__getitem__


def describe(sub: SubscriptionRow, names: Mapping[str, str]) -> str:
    """`Daily: LoRA, RAG; every topic of L3` (plain text)."""
    parts = [t("subs.list_sep").join(names.get(i, i) for i in sub.topic_ids)] if sub.topic_ids else []
    parts += [t("subs.every_topic_of", level=level) for level in sub.levels]
    return t("subs.describe", every=every(sub.frequency), what=t("subs.part_sep").join(parts))


def topic_names(topics: Sequence[TopicRow]) -> dict[str, str]:
    return {topic.id: i18n.names(topic.name_en, topic.name_zh) for topic in topics}


# -- no link: subscribe -------------------------------------------------------------------------------------
def subscribe_form(url: str, topics: Sequence[TopicRow], levels: Sequence[LevelRow], reader: str) -> None:
    """Double opt-in: the form stores a pending subscription and sends one confirmation mail, nothing else."""
    names = topic_names(topics)
    with st.form("subscribe", clear_on_submit=False):
        email = st.text_input(t("subs.email"), key="email", max_chars=320)
        chosen = st.multiselect(t("subs.topics"), list(names), format_func=lambda i: names[i],
                                key=i18n.key("topics"), placeholder=t("pick.choose"))  # fmt: skip
        whole = st.multiselect(
            t("subs.levels"),
            [lv.id for lv in levels],
            format_func=labels([lv.id for lv in levels], state.level_label),
            key=i18n.key("levels"),
            placeholder=t("pick.choose"),
        )
        often = st.radio(
            t("subs.how_often"),
            FREQUENCIES,
            format_func=labels(FREQUENCIES, every),
            horizontal=True,
            key=i18n.key("every"),
        )
        page_language = LANGUAGES.index(i18n.current()) if i18n.current() in LANGUAGES else 0
        language = st.radio(t("subs.mail_language"), LANGUAGES, page_language,  # the page's by default
                            format_func=LANGUAGE.__getitem__, horizontal=True)  # fmt: skip
        sent = st.form_submit_button(t("subs.subscribe"), type="primary")
    if sent:
        request = SubscriptionRequest(email, tuple(chosen), tuple(whole), often, language, reader)
        request_subscription(url, request, topics, levels)


def request_subscription(
    url: str, request: SubscriptionRequest, topics: Sequence[TopicRow], levels: Sequence[LevelRow]
) -> None:
    try:
        request = checked(request, [t.id for t in topics], [lv.id for lv in levels])
    except ConfigError as exc:
        st.error(md_escape(str(exc)))
        return
    row = data.subscribe(url, request, now())
    try:
        data.request_confirmation(url, row, request.language or "en", now())
    except MailError as exc:
        st.error(md_escape(t("subs.send_failed", error=exc)))
        return
    # The same answer whatever the address: the page never tells whether it is already subscribed.
    st.success(md_escape(t("subs.on_its_way", email=request.email)))


# -- links from a mail ------------------------------------------------------------------------------------
def confirm_view(url: str, token: str, topics: Sequence[TopicRow]) -> None:
    key = f"confirmed:{token[:12]}"
    if key not in st.session_state:  # reruns must not spend the token twice
        st.session_state[key] = data.confirm(url, token, now())
    confirmed: list[SubscriptionRow] = st.session_state[key]
    if not confirmed:
        st.warning(t("subs.confirm_unknown"))
        return
    st.success(md_escape(t("subs.confirmed", email=confirmed[0].email)))
    for sub in confirmed:
        st.text(describe(sub, topic_names(topics)))
    st.caption(t("subs.links_note"))


def unsubscribe_view(url: str, token: str, topics: Sequence[TopicRow]) -> None:
    key = f"unsubscribed:{token[:12]}"
    if st.session_state.get(key):
        st.success(t("subs.unsubscribed"))
        return
    grant = data.grant(url, token, "unsubscribe", now())
    if grant is None:
        st.warning(t("subs.unsubscribe_unknown"))
        return
    _, subs = data.own_subscriptions(url, grant)
    st.markdown(md_escape(t("subs.unsubscribe_ask", email=grant.email)))
    for sub in (s for s in subs if s.id in grant.subscription_ids):
        st.text(describe(sub, topic_names(topics)))
    if st.button(t("subs.unsubscribe"), type="primary", key="unsubscribe"):
        st.session_state[key] = data.unsubscribe_link(url, token, now()) is not None
        st.rerun()


def manage_view(url: str, token: str, topics: Sequence[TopicRow], levels: Sequence[LevelRow]) -> None:
    grant = data.grant(url, token, "manage", now())
    if grant is None:
        st.warning(t("subs.manage_unknown"))
        return
    subscriber, subs = data.own_subscriptions(url, grant)
    st.markdown(md_escape(t("subs.manage_title", email=grant.email, count=len(subs))))
    if subscriber is None or not subs:
        st.info(t("subs.none_left"))
        return
    language_choice(url, grant, subscriber.language)
    for sub in subs:
        subscription_card(url, grant, sub, topics, levels)
    if st.button(t("subs.forget"), key="forget"):
        data.delete_own(url, grant, [s.id for s in subs])
        st.rerun()


def language_choice(url: str, grant: TokenRow, current: str) -> None:
    chosen = st.radio(t("subs.mail_language"), LANGUAGES, index=LANGUAGES.index(current),
                      format_func=LANGUAGE.__getitem__, horizontal=True, key="language")  # fmt: skip
    if chosen != current:
        data.set_language(url, grant, chosen, now())
        st.rerun()


def subscription_card(
    url: str, grant: TokenRow, sub: SubscriptionRow, topics: Sequence[TopicRow], levels: Sequence[LevelRow]
) -> None:
    names, level_names = topic_names(topics), labels([lv.id for lv in levels], state.level_label)
    with st.container(border=True):
        st.text(describe(sub, names) + ("" if sub.confirmed else t("subs.waiting")))
        if sub.error:
            when = f"{sub.error_at:%Y-%m-%d %H:%M} UTC" if sub.error_at else t("subs.recently")
            st.warning(md_escape(t("subs.delivery_failed", when=when, error=sub.error)))
        with st.form(f"edit:{sub.id}"):
            chosen = st.multiselect(t("subs.topics"), list(names), [i for i in sub.topic_ids if i in names],
                                    format_func=lambda i: names[i], placeholder=t("pick.choose"))  # fmt: skip
            whole = st.multiselect(t("subs.levels"), [lv.id for lv in levels], list(sub.levels),
                                   format_func=level_names, placeholder=t("pick.choose"))  # fmt: skip
            often = st.radio(t("subs.how_often"), FREQUENCIES, FREQUENCIES.index(sub.frequency),
                             format_func=labels(FREQUENCIES, every), horizontal=True)  # fmt: skip
            save, delete = st.columns(2)
            if save.form_submit_button(t("subs.save")):
                save_edit(url, grant, sub.id, chosen, whole, often)
            if delete.form_submit_button(t("subs.delete")):
                data.delete_own(url, grant, [sub.id])
                st.rerun()


def save_edit(
    url: str, grant: TokenRow, subscription_id: int, topics: list[str], levels: list[str], every: str
) -> None:
    if not topics and not levels:
        st.error(t("subs.keep_one"))
        return
    data.edit_subscription(url, grant, subscription_id, topic_ids=topics, levels=levels, frequency=every)
    st.rerun()
