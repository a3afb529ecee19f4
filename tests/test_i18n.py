"""The interface's two languages: the catalogues agree key for key and placeholder for placeholder, every
`t()` key the dashboard uses exists, and the language follows `?lang=` → the session's pick → the
browser's language → English, with the sidebar switch round-tripping through the URL (AppTest)."""

from __future__ import annotations

import re
import string

import pytest
from babel import Locale
from streamlit.testing.v1 import AppTest

from collector.aboutness import PHRASES
from collector.config import PROJECT_ROOT
from dashboard import i18n
from db import FREQUENCIES
from tests.test_subscriptions_page import page as open_subscriptions

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
OTHERS = [lang for lang in i18n.languages() if lang != i18n.DEFAULT]
T_CALL = re.compile(r"""\bt\(\s*f?["']([^"']+)["']""")


def forms(entry: i18n.Entry) -> list[str]:
    return [entry] if isinstance(entry, str) else list(entry.values())


def placeholders(entry: i18n.Entry) -> set[str]:
    return {field for form in forms(entry) for _, field, _, _ in string.Formatter().parse(form) if field}


def test_there_are_two_languages_english_first() -> None:
    assert list(i18n.languages()) == ["en", "zh"]
    assert i18n.languages() == {"en": "English", "zh": "中文"}


@pytest.mark.parametrize("lang", OTHERS)
def test_every_key_exists_in_both_catalogues(lang: str) -> None:
    english, other = i18n.catalogue("en"), i18n.catalogue(lang)
    assert sorted(set(english) - set(other)) == [], f"missing from {lang}.toml"
    assert sorted(set(other) - set(english)) == [], "missing from en.toml"


@pytest.mark.parametrize("lang", OTHERS)
def test_each_key_has_the_same_placeholders_and_plurality_in_both(lang: str) -> None:
    english, other = i18n.catalogue("en"), i18n.catalogue(lang)
    for key in english:
        assert placeholders(other[key]) == placeholders(english[key]), key
        assert isinstance(other[key], str) == isinstance(english[key], str), f"{key}: plural in one only"


@pytest.mark.parametrize("lang", list(i18n.languages()))
def test_no_value_is_empty_and_plurals_have_the_forms_the_language_needs(lang: str) -> None:
    needed = Locale.parse(lang).plural_form.tags | {"other"}
    for key, entry in i18n.catalogue(lang).items():
        assert all(form.strip() for form in forms(entry)), f"{lang}.toml: {key} is empty"
        if not isinstance(entry, str):
            assert needed <= set(entry), f"{lang}.toml: {key} lacks {needed - set(entry)}"


def test_every_key_the_dashboard_looks_up_exists() -> None:
    used = {
        key for path in (PROJECT_ROOT / "dashboard").rglob("*.py") for key in T_CALL.findall(path.read_text())
    }
    used = {key for key in used if "{" not in key} | {f"subs.{f}" for f in FREQUENCIES}  # t(f"subs.{f}")
    assert used and sorted(used - set(i18n.catalogue("en"))) == []


def test_plural_forms_follow_the_count() -> None:
    assert "(1 real paper)" in i18n.text("en", "demo.offer", count=1)
    assert "(714 real papers)" in i18n.text("en", "demo.offer", count=714)
    assert "（714 篇真实论文）" in i18n.text("zh", "demo.offer", count=714)


@pytest.mark.parametrize(
    ("param", "chosen", "locale", "expected"),
    [
        ("zh", None, "en-US", "zh"),  # the URL wins
        ("en", "zh", "zh-CN", "en"),
        (None, "en", "zh-CN", "en"),  # a URL that lost ?lang= keeps the session's pick
        (None, None, "zh-CN", "zh"),  # else the browser's language
        (None, None, "zh-Hant-TW", "zh"),
        (None, None, "en_GB", "en"),
        (None, None, "fr-FR", "en"),  # no catalogue: English
        ("xx", None, None, "en"),  # nonsense anywhere: English
        (None, None, "", "en"),
        (None, None, "not a locale!", "en"),
    ],
)
def test_the_language_is_the_urls_then_the_sessions_then_the_browsers(
    param: str | None, chosen: str | None, locale: str | None, expected: str
) -> None:
    assert i18n.pick(param, chosen, locale) == expected


def language_switch(at: AppTest) -> object:
    return at.sidebar.radio(key="url:lang")


def test_a_page_opened_with_lang_zh_is_in_chinese(dashboard_db: str) -> None:
    at = open_subscriptions(lang="zh")
    assert at.title[0].value == "订阅"
    assert at.text_input(key="email").label == "你的邮箱地址"
    assert at.sidebar.selectbox(key="url:reader").label == "读者"
    assert at.button[0].label == "订阅"
    assert language_switch(at).value == "zh"  # type: ignore[attr-defined]
    assert "RAG 知识库检索 · Retrieval-augmented generation (RAG)" in at.multiselect(key="topics@zh").options


def test_without_lang_the_page_is_in_english_with_english_names_first(dashboard_db: str) -> None:
    at = open_subscriptions()
    assert at.title[0].value == "Subscriptions" and language_switch(at).value == "en"  # type: ignore[attr-defined]
    assert "Retrieval-augmented generation (RAG) · RAG 知识库检索" in at.multiselect(key="topics").options
    assert "lang" not in at.query_params  # the default leaves the URL clean


def test_the_switch_writes_lang_to_the_url_and_keeps_every_other_parameter(dashboard_db: str) -> None:
    at = open_subscriptions(reader="alice", feed="x")
    language_switch(at).set_value("zh").run()  # type: ignore[attr-defined]
    assert not at.exception
    assert dict(at.query_params) == {"reader": "alice", "feed": "x", "lang": "zh"}
    assert at.title[0].value == "订阅"
    language_switch(at).set_value("en").run()  # type: ignore[attr-defined]
    assert dict(at.query_params) == {"reader": "alice", "feed": "x", "lang": "en"}
    assert at.title[0].value == "Subscriptions"


def test_a_url_that_lost_lang_gets_the_sessions_language_back(dashboard_db: str) -> None:
    at = open_subscriptions()
    language_switch(at).set_value("zh").run()  # type: ignore[attr-defined]
    at.query_params.pop("lang")  # as a page link that carries only its own parameters
    at.run()
    assert at.query_params.get("lang") == "zh" and at.title[0].value == "订阅"


def test_a_switch_keeps_the_level_and_topic_chosen_in_the_url(dashboard_db: str) -> None:
    """The pickers show their choice by its label, which the switch translates: the choice must survive."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(level="L3", topic="rag", q="retrieval")
    at.switch_page("app_pages/search.py").run()
    language_switch(at).set_value("zh").run()  # type: ignore[attr-defined]
    assert not at.exception, [e.value for e in at.exception]
    assert dict(at.query_params) == {"level": "L3", "topic": "rag", "q": "retrieval", "lang": "zh"}
    level = at.sidebar.selectbox(key="url:level@zh")
    assert (level.label, level.value) == ("级别", "L3")
    assert (
        "L3 · RAG 知识库检索 · Retrieval-augmented generation (RAG)"
        in at.sidebar.selectbox(key="url:topic@zh").options
    )


def test_every_collector_word_the_dashboard_uses_exists() -> None:
    """collector_words looks its words up by attribute name (`W.IDLE` → `collector.idle`) and tables by
    name (`W.table("source_names")`), which the `t()` scan above cannot see."""
    files = (PROJECT_ROOT / "dashboard").rglob("*.py")
    sources = [p.read_text() for p in files if p.name != "collector_words.py"]  # its docstring: W.NAME
    names = {name.lower() for text in sources for name in re.findall(r"\bW\.([A-Z][A-Z_]+)\b", text)}
    names |= {n.lower() for text in sources for n in re.findall(r'"(REASON_[A-Z_]+)"', text)}
    tables = {name for text in sources for name in re.findall(r'\bW\.table\("(\w+)"\)', text)}
    english = i18n.catalogue("en")
    assert names and sorted(n for n in names if f"collector.{n}" not in english) == []
    assert (
        tables
        and sorted(n for n in tables if not any(k.startswith(f"collector.{n}.") for k in english)) == []
    )


def test_the_reason_phrases_in_english_are_the_collectors() -> None:
    """A card's reasons are stored in the collector's English and translated by matching them against the
    catalogue's why.* phrases: the English ones must be those phrases exactly."""
    english = i18n.catalogue("en")
    for name, (about, uses) in PHRASES.items():
        for side, phrase in (("about", about), ("uses", uses)):
            assert english.get(f"why.{name}_{side}", "") == phrase, (name, side)
    assert i18n.text("zh", "why.title_head_about", t="LoRA") == "标题研究的就是 LoRA"
