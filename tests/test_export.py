"""Exports and the text-safety helpers: pure functions, real corpus papers and hostile text."""

from __future__ import annotations

import csv
import io
from datetime import date

from pybtex.database import parse_string

from dashboard.export import ExportItem, bibtex_escape, to_bibtex, to_csv, to_markdown, unique_keys
from dashboard.lists import paper_export
from dashboard.text import arxiv_url, md_escape, md_link, safe_url
from tests.factories import papers

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
    assert "\\<img src\\=x onerror\\=alert\\(1\\)\\>" in text
    assert "](https://arxiv.org/abs/2501.00001)" in text
    assert "javascript:alert" not in text.replace("javascript\\:alert", "")


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
