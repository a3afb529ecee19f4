"""The Search page's pure helpers: snippets as safe Markdown, topics a query names, pages and counts."""

from __future__ import annotations

import re
import string
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from dashboard.search_view import (
    named_topics,
    page_count,
    page_from,
    snippet_markdown,
    total_words,
)
from dashboard.text import WHITESPACE
from db import MARK_END, MARK_START, SearchResults
from tests.factories import topic

WRAPPED = re.compile(r":orange\[\*\*(.*?)\*\*\]")
ESCAPE = re.compile(r"\\(.)")
HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1)) **b** $x$ :red[r] `c` \\"


def unescaped(markdown: str) -> str:
    return ESCAPE.sub(r"\1", markdown)


def bare_punctuation(markdown: str) -> list[str]:
    """ASCII punctuation not escaped by a backslash: what Markdown would read as syntax."""
    left = WRAPPED.sub(lambda m: m[1], markdown)
    return [ch for ch in ESCAPE.sub("", left) if ch in string.punctuation]


@given(st.text())
def test_any_text_renders_as_itself(text: str) -> None:
    plain = text.replace(MARK_START, "").replace(MARK_END, "")
    markdown = snippet_markdown(plain)
    assert not bare_punctuation(markdown)
    kept = "".join(ch for ch in plain if unicodedata.category(ch) != "Cc" or ch.isspace())
    expected = WHITESPACE.sub(" ", kept).strip()
    assert unescaped(markdown) == expected


@given(st.lists(st.tuples(st.text(), st.text(min_size=1)), max_size=4), st.text())
def test_only_the_marked_words_are_highlighted(pieces: list[tuple[str, str]], tail: str) -> None:
    snippet = "".join(f"{before}{MARK_START}{word}{MARK_END}" for before, word in pieces) + tail
    markdown = snippet_markdown(snippet)
    assert not bare_punctuation(markdown)
    assert len(WRAPPED.findall(markdown)) <= len(pieces)


def test_a_hostile_snippet_is_text_with_our_highlight_only() -> None:
    markdown = snippet_markdown(f"{HOSTILE} {MARK_START}<b>LoRA</b>{MARK_END} end{MARK_END}")
    assert WRAPPED.findall(markdown) == [r"\<b\>LoRA\<\/b\>"]
    assert unescaped(WRAPPED.sub(lambda m: m[1], markdown)) == f"{HOSTILE.strip()} <b>LoRA</b> end"
    assert "<script>" not in markdown and "](javascript" not in markdown


TOPICS = [
    topic("attention", 0, None, name_zh="Attention 注意力", name_en="Attention mechanisms"),
    topic("self-attention", 1, None, name_zh="自注意力机制与多头注意力", name_en="Self-attention"),
    topic("diffusion", 2, None, name_zh="扩散模型 Diffusion", name_en="Diffusion models"),
    topic(
        "lora",
        3,
        None,
        name_zh="LoRA",
        name_en="LoRA (low-rank adaptation)",
        aliases=("low-rank adaptation",),
    ),
    topic("quantization", 4, None, name_zh="量化", name_en="Model quantization"),
    topic("generative", 5, None, name_zh="生成模型", name_en="Generative models (concept)"),
]


def test_names_aliases_and_chinese_lead_to_topics() -> None:
    def named(query: str) -> list[str]:
        return [t.id for t in named_topics(query, TOPICS)]

    assert named("注意力") == ["attention", "self-attention"]
    assert named("扩散模型") == ["diffusion"]
    assert named("LOW-RANK adaptation") == ["lora"]  # an alias, case and punctuation aside
    assert named("lora") == ["lora"]
    assert named("diffusion") == ["diffusion"]  # half the name's words
    assert named("attention") == ["attention"]  # not "Self-attention": not its first word
    assert named("models") == [] and named("模型x") == [] and named("  ") == []


def test_pages_and_counts_in_words() -> None:
    assert page_count(SearchResults((), 0, True, 0), 25) == 1
    assert page_count(SearchResults((), 9000, False, 2000), 25) == 80
    assert [page_from(raw, 80) for raw in (None, "", "abc", "0", "-3", "2", "80", "81")] == [
        1,
        1,
        1,
        1,
        1,
        2,
        80,
        80,
    ]
    assert total_words(SearchResults((), 1, True, 1)) == "1 result"
    assert total_words(SearchResults((), 2345, True, 2000)) == "2,345 results"
    assert total_words(SearchResults((), 10_000, False, 2000)) == "10,000+ results"
