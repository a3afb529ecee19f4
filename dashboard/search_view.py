"""What the Search page shows beside its hits, as pure functions: highlighted snippets as safe Markdown, the
topics a query names, page numbers and counts in words."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

from dashboard.i18n import t
from dashboard.text import PUNCTUATION, WHITESPACE
from db import MARK_END, MARK_START, SearchResults, TopicRow

# Streamlit's colour directive in bold (a background's padding reads as spaces around the word); its text
# is escaped, so it holds no markup of the paper's own.
HIGHLIGHT = ":orange[**{}**]"
MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.DOTALL)
MOST_TOPICS = 5  # topics offered for one query
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def escaped(text: str) -> str:
    """`text` as Markdown that renders as exactly this text (spaces kept at the ends: it is a piece)."""
    flat = WHITESPACE.sub(" ", text)
    return "".join("\\" + ch if ch in PUNCTUATION else ch for ch in flat)


def snippet_markdown(snippet: str) -> str:
    """A snippet from the database (upstream text, its matches between MARK_START and MARK_END) as
    Markdown: every piece escaped first, then only the matches wrapped in the highlight we add."""
    pieces: list[str] = []
    at = 0
    for match in MARKED.finditer(snippet):
        pieces.append(escaped(clean(snippet[at : match.start()])))
        if word := clean(match[1]).strip():
            pieces.append(HIGHLIGHT.format(escaped(word)))
        at = match.end()
    pieces.append(escaped(clean(snippet[at:])))
    return "".join(pieces).strip()


def clean(text: str) -> str:
    """Without stray marks (a mark the paper's own text held) or control characters other than spaces."""
    return "".join(
        ch
        for ch in text
        if ch not in (MARK_START, MARK_END) and (ch.isspace() or unicodedata.category(ch) != "Cc")
    )


def normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def named_topics(query: str, topics: Sequence[TopicRow]) -> list[TopicRow]:
    """The topics the query names, in roadmap order, at most MOST_TOPICS: first those with a name or alias
    (zh or en) equal to it, then those whose name holds it: any run of characters for a Chinese query, the
    name's first words, half of them or more, for another (`diffusion` names "Diffusion models", `models`
    nothing)."""
    wanted = normal(query)
    if not wanted:
        return []
    exact, partial = [], []
    for topic in topics:
        names = [normal(name) for name in (topic.name_zh, topic.name_en)]
        if wanted in names or wanted in (normal(alias) for alias in topic.aliases):
            exact.append(topic)
        elif any(part_of(wanted, name) for name in names):
            partial.append(topic)
    return (exact + partial)[:MOST_TOPICS]


def part_of(wanted: str, name: str) -> bool:
    if CJK.search(wanted):
        return wanted in name
    return f"{name} ".startswith(f"{wanted} ") and 2 * len(wanted.split()) >= len(name.split())


def page_count(results: SearchResults, per_page: int) -> int:
    """How many pages the ranked hits fill (at least one)."""
    return max(1, math.ceil(results.ranked / per_page))


def page_from(raw: str | None, pages: int) -> int:
    """The page a URL asks for, kept within 1..pages (anything unreadable is page 1)."""
    number = int(raw) if raw and raw.isdigit() else 1
    return min(max(number, 1), pages)


def total_words(results: SearchResults) -> str:
    """ "1 result", "2,345 results", "10,000+ results" (counting stops there)."""
    total = f"{results.total:,}" + ("" if results.exact else "+")
    return t("search.results", count=results.total, total=total)
