"""What the Subscriptions page draws: the subscribe form, and the views behind a mail's links (confirm,
unsubscribe, manage). A view shows the link's own address and subscriptions only; with no link, no
address is ever shown. Text from people or mail servers goes through md_escape or st.text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from collector.clock import utc_now as now
from collector.errors import ConfigError, MailError
from collector.subscribing import SubscriptionRequest, checked
from dashboard import data, state
from dashboard.text import md_escape
from db import FREQUENCIES, LANGUAGES, LevelRow, SubscriptionRow, TokenRow, TopicRow

EVERY = {"daily": "Daily", "weekly": "Weekly"}
LANGUAGE = {"en": "English", "zh": "中文"}


def describe(sub: SubscriptionRow, names: Mapping[str, str]) -> str:
    """`Daily: LoRA, RAG; every topic of L3` (plain text)."""
    parts = [", ".join(names.get(t, t) for t in sub.topic_ids)] if sub.topic_ids else []
    parts += [f"every topic of {level}" for level in sub.levels]
    return f"{EVERY.get(sub.frequency, sub.frequency)}: {'; '.join(parts)}"


def topic_names(topics: Sequence[TopicRow]) -> dict[str, str]:
    return {t.id: f"{t.name_en} · {t.name_zh}" for t in topics}


# -- no link: subscribe -------------------------------------------------------------------------------------
def subscribe_form(url: str, topics: Sequence[TopicRow], levels: Sequence[LevelRow], reader: str) -> None:
    """Double opt-in: the form stores a pending subscription and sends one confirmation mail, nothing else."""
    names = topic_names(topics)
    with st.form("subscribe", clear_on_submit=False):
        email = st.text_input("Your e-mail address", key="email", max_chars=320)
        chosen = st.multiselect("Topics", list(names), format_func=lambda t: names[t], key="topics")
        whole = st.multiselect(
            "Whole levels", [lv.id for lv in levels], format_func=state.level_label, key="levels"
        )
        every = st.radio(
            "How often", FREQUENCIES, format_func=EVERY.__getitem__, horizontal=True, key="every"
        )
        language = st.radio(
            "Language of the mail", LANGUAGES, format_func=LANGUAGE.__getitem__, horizontal=True
        )
        sent = st.form_submit_button("Subscribe", type="primary")
    if sent:
        request = SubscriptionRequest(email, tuple(chosen), tuple(whole), every, language, reader)
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
        st.error(md_escape(f"The confirmation mail could not be sent ({exc}); please try again later."))
        return
    # The same answer whatever the address: the page never tells whether it is already subscribed.
    st.success(
        md_escape(
            f"If {request.email} can receive mail, a confirmation link is on its way. Nothing else is sent "
            "to it until that link is opened."
        )
    )


# -- links from a mail ------------------------------------------------------------------------------------
def confirm_view(url: str, token: str, topics: Sequence[TopicRow]) -> None:
    key = f"confirmed:{token[:12]}"
    if key not in st.session_state:  # reruns must not spend the token twice
        st.session_state[key] = data.confirm(url, token, now())
    confirmed: list[SubscriptionRow] = st.session_state[key]
    if not confirmed:
        st.warning("This confirmation link is unknown, already used or expired.")
        return
    st.success(md_escape(f"Confirmed: digests will come to {confirmed[0].email}."))
    for sub in confirmed:
        st.text(describe(sub, topic_names(topics)))
    st.caption("Every digest carries a link to see and change your subscriptions, and one to unsubscribe.")


def unsubscribe_view(url: str, token: str, topics: Sequence[TopicRow]) -> None:
    key = f"unsubscribed:{token[:12]}"
    if st.session_state.get(key):
        st.success("You are unsubscribed from that digest.")
        return
    grant = data.grant(url, token, "unsubscribe", now())
    if grant is None:
        st.warning("This unsubscribe link is unknown, already used or expired.")
        return
    _, subs = data.own_subscriptions(url, grant)
    st.markdown(md_escape(f"Unsubscribe {grant.email} from this digest:"))
    for sub in (s for s in subs if s.id in grant.subscription_ids):
        st.text(describe(sub, topic_names(topics)))
    if st.button("Unsubscribe", type="primary", key="unsubscribe"):
        st.session_state[key] = data.unsubscribe_link(url, token, now()) is not None
        st.rerun()


def manage_view(url: str, token: str, topics: Sequence[TopicRow], levels: Sequence[LevelRow]) -> None:
    grant = data.grant(url, token, "manage", now())
    if grant is None:
        st.warning("This link is unknown or expired: the newest digest carries a fresh one.")
        return
    subscriber, subs = data.own_subscriptions(url, grant)
    st.markdown(md_escape(f"Subscriptions of {grant.email}"))
    if subscriber is None or not subs:
        st.info("This address has no subscription any more.")
        return
    language_choice(url, grant, subscriber.language)
    for sub in subs:
        subscription_card(url, grant, sub, topics, levels)
    if st.button("Unsubscribe from everything", key="forget"):
        data.delete_own(url, grant, [s.id for s in subs])
        st.rerun()


def language_choice(url: str, grant: TokenRow, current: str) -> None:
    chosen = st.radio("Language of the mail", LANGUAGES, index=LANGUAGES.index(current),
                      format_func=LANGUAGE.__getitem__, horizontal=True, key="language")  # fmt: skip
    if chosen != current:
        data.set_language(url, grant, chosen, now())
        st.rerun()


def subscription_card(
    url: str, grant: TokenRow, sub: SubscriptionRow, topics: Sequence[TopicRow], levels: Sequence[LevelRow]
) -> None:
    names = topic_names(topics)
    with st.container(border=True):
        st.text(describe(sub, names) + ("" if sub.confirmed else " (waiting for its confirmation link)"))
        if sub.error:
            when = f"{sub.error_at:%Y-%m-%d %H:%M} UTC" if sub.error_at else "recently"
            st.warning(md_escape(f"The last digest could not be delivered ({when}): {sub.error}"))
        with st.form(f"edit:{sub.id}"):
            chosen = st.multiselect("Topics", list(names), [t for t in sub.topic_ids if t in names],
                                    format_func=lambda t: names[t])  # fmt: skip
            whole = st.multiselect("Whole levels", [lv.id for lv in levels], list(sub.levels),
                                   format_func=state.level_label)  # fmt: skip
            every = st.radio("How often", FREQUENCIES, FREQUENCIES.index(sub.frequency),
                             format_func=EVERY.__getitem__, horizontal=True)  # fmt: skip
            save, delete = st.columns(2)
            if save.form_submit_button("Save"):
                save_edit(url, grant, sub.id, chosen, whole, every)
            if delete.form_submit_button("Delete this subscription"):
                data.delete_own(url, grant, [sub.id])
                st.rerun()


def save_edit(
    url: str, grant: TokenRow, subscription_id: int, topics: list[str], levels: list[str], every: str
) -> None:
    if not topics and not levels:
        st.error("Keep at least one topic or level, or delete the subscription.")
        return
    data.edit_subscription(url, grant, subscription_id, topic_ids=topics, levels=levels, frequency=every)
    st.rerun()
