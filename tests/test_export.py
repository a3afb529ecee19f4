"""Exports and the text-safety helpers: pure functions, real corpus papers and hostile text."""

from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pybtex.database import parse_string

from dashboard.export import ExportItem, bibtex_escape, to_bibtex, to_csv, to_markdown, unique_keys
from dashboard.lists import paper_export
from dashboard.text import arxiv_url, md_escape, md_link, md_text, safe_url
from tests.factories import papers
from tests.seed import HOSTILE_TITLE

HOSTILE = ExportItem(
    title="Braces {unbalanced and \\ back } } slash % & $x^2$ #1 _a ~b <img src=x onerror=alert(1)>",
    arxiv_id="2501.00001",
    authors=("Ann {Evil", "Bob [x](javascript:alert(1))"),
    year=2025,
    published=date(2025, 1, 2),
    categories=("cs.LG",),
    note='=HYPERLINK("http://evil")',
)


def test_bibtex_of_real_papers_parses_with_every_field() -> None:
    items = [paper_export(p) for p in papers(30)]
    entries = parse_string(to_bibtex(items), "bibtex").entries
    assert len(entries) == 30
    first, paper = next(iter(entries.values())), papers(1)[0]
    assert first.fields["eprint"] == paper.arxiv_id and first.fields["archivePrefix"] == "arXiv"
    assert first.fields["url"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
    assert len(first.persons["author"]) == len(paper.authors)


def test_bibtex_escapes_braces_and_latex_specials() -> None:
    entry = next(iter(parse_string(to_bibtex([HOSTILE]), "bibtex").entries.values()))
    title = entry.fields["title"]
    assert "\\textbraceleft{}unbalanced" in title and "\\textbackslash{}" in title
    assert "\\%" in title and "\\&" in title and "\\$x\\^{}2\\$" in title and "\\#1" in title
    assert bibtex_escape("a}b{c") == "a\\textbraceright{}b\\textbraceleft{}c"


def test_citation_keys_are_unique_and_ascii() -> None:
    same = ExportItem(title="Über Attention", authors=("José Núñez",), year=2024)
    assert unique_keys([same, same, same]) == ["nunez2024uber", "nunez2024ubera", "nunez2024uberb"]
    assert unique_keys([ExportItem(title="")]) == ["paper"]


def test_markdown_escapes_paper_text_and_links_only_checked_urls() -> None:
    text = to_markdown([HOSTILE, ExportItem(title="Not on arXiv", url="javascript:alert(1)")], "My [list]")
    assert text.startswith("# My \\[list\\]\n")
    assert "\\<img src=x onerror=alert(1)>" in text  # no tag: its < is escaped, the rest reads as written
    assert "](https://arxiv.org/abs/2501.00001)" in text
    assert "\n2. Not on arXiv\n" in text  # a URL that is not http(s) is no link


def test_markdown_reads_as_a_reading_list_without_needless_escapes() -> None:
    lora = ExportItem(
        title="LoRA: Low-Rank Adaptation of Large Language Models",
        arxiv_id="2106.09685",
        authors=("Edward J. Hu", "Yelong Shen", "Phillip Wallis", "Zeyuan Allen-Zhu"),
        year=2021,
        section="Classics, in reading order",
    )
    new = ExportItem(
        title="Sparse_LoRA & friends (v2)", arxiv_id="2607.00001", authors=("Mallory",),
        published=date(2026, 7, 1), note="About the topic — the title names LoRA", section="New",
    )  # fmt: skip
    assert to_markdown([lora, new], "LoRA reading list") == (
        "# LoRA reading list\n"
        "\n## Classics, in reading order\n\n"
        "1. [LoRA: Low-Rank Adaptation of Large Language Models](https://arxiv.org/abs/2106.09685)"
        " — Edward J. Hu, Yelong Shen, Phillip Wallis et al. · 2021\n"
        "\n## New\n\n"
        "1. [Sparse_LoRA & friends (v2)](https://arxiv.org/abs/2607.00001) — Mallory · 2026-07-01  \n"
        "   About the topic — the title names LoRA\n"
    )


def rendered(markdown: str) -> list[Token]:
    """The inline tokens of a CommonMark parse (strikethrough on, as GitHub and Streamlit render it)."""
    blocks = MarkdownIt("commonmark").enable("strikethrough").parse(markdown)
    return [child for block in blocks if block.type == "inline" for child in block.children or []]


def plain(tokens: list[Token]) -> str:
    return "".join(t.content if t.type == "text" else " " if "break" in t.type else "" for t in tokens)


PAPER_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs"))
    | st.sampled_from(list("\\`*_[]()<>!$~&#;|=+-.:\"' \n\t")),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(title=PAPER_TEXT, author=PAPER_TEXT, note=PAPER_TEXT)
def test_markdown_shows_paper_text_as_itself_whatever_it_holds(title: str, author: str, note: str) -> None:
    """Whatever a title, author or note holds, it renders as exactly that text: no link but the checked
    arXiv one, no HTML, no emphasis, code, strikethrough, heading or list of its own."""
    item = ExportItem(
        title=title, arxiv_id="2501.00001", authors=(author,), year=2025, note=note, section="New"
    )
    markdown = to_markdown([item, item], "Reading list")
    blocks = MarkdownIt("commonmark").enable("strikethrough").parse(markdown)
    kinds = {b.type for b in blocks}
    assert kinds <= {"heading_open", "heading_close", "inline", "ordered_list_open", "ordered_list_close",
                     "list_item_open", "list_item_close", "paragraph_open", "paragraph_close"}  # fmt: skip
    assert sum(b.type == "list_item_open" for b in blocks) == 2
    tokens = rendered(markdown)
    assert {t.type for t in tokens} <= {"text", "link_open", "link_close", "softbreak", "hardbreak"}
    links = [t.attrGet("href") for t in tokens if t.type == "link_open"]
    assert links == ["https://arxiv.org/abs/2501.00001"] * 2
    said = {
        name: " ".join(text.split()) for name, text in (("title", title), ("author", author), ("note", note))
    }
    details = " · ".join(part for part in (said["author"], "2025") if part)
    line = f"{said['title']} — {details}" + (f" {said['note']}" if said["note"] else "")
    items = [b for b in blocks if b.type == "inline"][2:]  # after the two headings
    assert [plain(b.children or []) for b in items] == [line, line]


def test_a_hostile_title_exports_as_text() -> None:
    item = ExportItem(title=HOSTILE_TITLE, arxiv_id="2607.99999", year=2026)
    line = to_markdown([item]).splitlines()[2]
    assert line == (
        "1. [\\<img src=x onerror=alert(1)> \\[x\\](javascript:alert(1)) LoRA for "
        "\\*\\*everyone\\*\\* \\$x\\$](https://arxiv.org/abs/2607.99999) — 2026"
    )
    assert md_text("a_b _c_ &amp; Q&A") == "a_b \\_c\\_ \\&amp; Q&A"


def test_csv_round_trips_and_defuses_formulas() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv([HOSTILE]))))
    assert rows[0]["title"] == HOSTILE.title
    assert rows[0]["note"].startswith("'=HYPERLINK")
    assert rows[0]["authors"] == "Ann {Evil; Bob [x](javascript:alert(1))"


def test_md_escape_and_links() -> None:
    assert md_escape("a *b*\n[c](d) $e$ :red[f]") == "a \\*b\\* \\[c\\]\\(d\\) \\$e\\$ \\:red\\[f\\]"
    assert arxiv_url("2106.09685") == "https://arxiv.org/abs/2106.09685"
    assert arxiv_url("math/9501234") == "https://arxiv.org/abs/math/9501234"
    assert arxiv_url("2106.09685) [x](javascript:alert(1)") is None
    assert safe_url("javascript:alert(1)") is None and safe_url("https://x.org/a b") is None
    assert md_link("t", "https://x.org/p") == "[t](https://x.org/p)"
    assert md_link("t", "data:text/html,x") == "t"
