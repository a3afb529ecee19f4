"""The pages in Chinese: opened with `?lang=zh`, a page shows its labels, help texts, empty states and
messages from the Chinese catalogue, and none of the English catalogue's fixed labels (roadmap names and
paper text stay as they are) — AppTest on the seeded database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from collector.config import PROJECT_ROOT
from dashboard import i18n

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
# English values that are also names or words a Chinese page keeps (the product's name aside, which is
# translated): file formats and the language's own name.
KEPT = {"BibTeX", "Markdown", "CSV", "English"}


def open_page(page: str, lang: str = "zh", **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(lang=lang, **params)
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ui_texts(at: AppTest) -> list[str]:
    """Every text the page shows: element values, labels, help texts, options."""
    found: list[str] = []
    for element in walk(at._tree):
        widget = isinstance(getattr(element, "label", None), str)  # its value is data (an id), not a text
        for attr in ("label", "help", "body", "placeholder") if widget else ("value", "body"):
            value = getattr(element, attr, None)
            if isinstance(value, str):
                found.append(value)
        options = getattr(element, "options", None)
        if isinstance(options, list):
            found += [o for o in options if isinstance(o, str)]
    return found


def walk(node: object) -> Iterator[object]:
    yield node
    children = getattr(node, "children", None)
    for child in children.values() if isinstance(children, dict) else children or ():
        yield from walk(child)


def fixed_english() -> set[str]:
    """The English catalogue's values without placeholders that the Chinese one words differently."""
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh")
    return {
        value
        for key, value in english.items()
        if isinstance(value, str) and "{" not in value and value != chinese[key] and value not in KEPT
    }


def english_left(at: AppTest) -> list[str]:
    """Fixed English labels shown as a whole text, or inside one (only those of a few words and more)."""
    texts = ui_texts(at)
    return sorted(
        e for e in fixed_english() for text in texts if text == e or (len(e) > 12 and " " in e and e in text)
    )


def test_roadmap_in_chinese(dashboard_db: str) -> None:
    at = open_page("roadmap")
    texts = ui_texts(at)
    assert at.title[0].value == "路线图雷达"
    assert any("篇已存论文" in text and "篇匹配到主题" in text for text in at.caption.values)
    assert any("内**专门研究**该主题的论文数" in text for text in at.caption.values)  # the legend
    assert any("核心主题" in text for text in at.markdown.values)
    assert any("篇专门研究" in text for text in at.caption.values)  # under each topic
    assert not any("stored papers" in text or " about it" in text for text in texts)
    assert english_left(at) == []


def test_the_check_finds_english_labels_on_an_english_page(dashboard_db: str) -> None:
    """Without it, a check that sees nothing would pass every Chinese page."""
    left = english_left(open_page("roadmap", lang="en"))
    assert "Roadmap Radar" in left and "stored papers" in " ".join(left)


@pytest.mark.parametrize("tab", ["classics", "new", "trending", "resources"])
def test_topic_in_chinese(dashboard_db: str, tab: str) -> None:
    at = open_page("topic", topic="lora", tab=tab)
    sections = at.segmented_control(key="url:tab@zh")
    assert sections.options[1].startswith("最新（") and sections.options[3].startswith("资源（")
    assert at.sidebar.toggle(key="url:cards").label == "紧凑卡片"
    assert [b.label for b in at.get("download_button")] == ["BibTeX", "Markdown", "CSV"]
    if tab == "classics":
        assert any("阅读顺序第 1 篇经典论文" in c for c in at.caption.values)
    if tab == "new":
        assert {c.label for c in at.checkbox} == {"已读", "收藏", "隐藏"}
        assert any("专门研究该主题的论文" in c for c in at.caption.values)
        assert any(c.startswith("专门研究该主题——标题") for c in " \n".join(at.caption.values).split("\n"))
    assert english_left(at) == []


@pytest.mark.parametrize("mode", ["visit", "days", "bookmarked"])
def test_whats_new_in_chinese(dashboard_db: str, mode: str) -> None:
    at = open_page("whats_new", mode=mode)
    assert at.title[0].value == "最新论文"
    assert at.sidebar.radio(key="url:mode@zh").options == [
        "上次访问以来的新论文",
        "最近多少天内发表",
        "我的收藏",
    ]
    if mode != "bookmarked":
        assert at.sidebar.radio(key="sort@zh").options == ["相关度优先", "最新优先"]
        assert at.subheader[0].value == "L4 前沿——整个路线图的热门论文"
    assert english_left(at) == []


def test_whats_new_keeps_its_order_across_a_switch(dashboard_db: str) -> None:
    at = open_page("whats_new", lang="en", sort="date")
    at.sidebar.radio(key="url:lang").set_value("zh").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.radio(key="sort@zh").value == "date" and at.query_params["sort"] == "date"


def test_search_in_chinese(dashboard_db: str) -> None:
    empty = open_page("search")
    assert empty.title[0].value == "搜索" and empty.text_input(key="q").label == "标题和摘要"
    assert empty.caption[0].value.startswith("多个词之间是“且”的关系")
    assert english_left(empty) == []
    hits = open_page("search", q="lora")
    assert "条结果，按相关度排序" in hits.caption[0].value
    assert english_left(hits) == []
    typo = open_page("search", q="trasnformer")
    assert typo.info[0].value.startswith("没有论文匹配")
    assert [b.label for b in typo.button] == ["你是不是要找：transformer"]
    assert english_left(typo) == []


def test_collector_in_chinese(dashboard_db: str) -> None:
    at = open_page("collector")
    assert at.title[0].value == "采集器"
    assert at.button(key="collect").label == "立即采集"
    assert [s.value for s in at.subheader][:2] == ["采集", "各数据源的最近一次运行"]
    assert english_left(at) == []
    sidebar = " ".join(at.sidebar.caption.values + [w.value for w in at.sidebar.warning])
    assert "成功采集" in sidebar and "collection" not in sidebar
