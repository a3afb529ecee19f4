"""A reading list as BibTeX, Markdown (a reading list to read and paste) or CSV (pure functions)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dashboard.text import arxiv_url, md_line, md_text, safe_url


@dataclass(frozen=True, slots=True)
class ExportItem:
    """One paper of an exported list; `section` names the part of the list it is in (Classics, New…) and
    `note` says why it is there, in words for the reader."""

    title: str
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    published: date | None = None
    categories: tuple[str, ...] = ()
    url: str | None = None
    doi: str | None = None
    note: str = ""
    section: str = ""

    @property
    def link(self) -> str | None:
        return (
            arxiv_url(self.arxiv_id)
            or safe_url(self.url)
            or (f"https://doi.org/{self.doi}" if self.doi else None)
        )


# -- BibTeX ------------------------------------------------------------------------------------------------
# BibTeX counts every brace, escaped or not, so braces become commands with balanced (empty) arguments.
LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
SPACES = re.compile(r"\s+")


def bibtex_escape(text: str) -> str:
    """Text safe inside a braced BibTeX value: LaTeX specials escaped, whitespace collapsed."""
    return "".join(LATEX_SPECIALS.get(ch, ch) for ch in SPACES.sub(" ", text).strip())


def ascii_word(text: str) -> str:
    """Letters and digits of `text`, accents dropped (for citation keys)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded)


def cite_key(item: ExportItem) -> str:
    """`lastnameYEARfirstword`, e.g. hu2021lora; `paper` when nothing usable is left."""
    last = ascii_word(item.authors[0].split()[-1]).lower() if item.authors and item.authors[0].split() else ""
    words = [ascii_word(w).lower() for w in item.title.split()]
    first = next((w for w in words if len(w) > 3), next((w for w in words if w), ""))
    return f"{last}{item.year or ''}{first}" or "paper"


def unique_keys(items: Sequence[ExportItem]) -> list[str]:
    """Citation keys, with a, b, c… appended to repeats."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for item in items:
        key = cite_key(item)
        count = seen.get(key, 0)
        seen[key] = count + 1
        keys.append(
            key if count == 0 else f"{key}{chr(ord('a') + (count - 1) % 26)}{(count - 1) // 26 or ''}"
        )
    return keys


def bibtex_fields(item: ExportItem) -> list[tuple[str, str]]:
    fields = [("title", "{" + bibtex_escape(item.title) + "}")]  # inner braces keep the capitals
    if item.authors:
        fields.append(("author", " and ".join(bibtex_escape(a) for a in item.authors)))
    if item.year:
        fields.append(("year", str(item.year)))
    if item.arxiv_id:
        fields += [("eprint", item.arxiv_id), ("archivePrefix", "arXiv")]
        if item.categories:
            fields.append(("primaryClass", bibtex_escape(item.categories[0])))
    if item.doi:
        fields.append(("doi", bibtex_escape(item.doi)))
    if item.link:
        fields.append(("url", bibtex_escape(item.link)))
    return fields


def to_bibtex(items: Sequence[ExportItem]) -> str:
    """One @misc entry per paper (arXiv eprint fields when there is an id)."""
    entries = []
    for key, item in zip(unique_keys(items), items, strict=True):
        body = "".join(f"  {name} = {{{value}}},\n" for name, value in bibtex_fields(item))
        entries.append(f"@misc{{{key},\n{body}}}\n")
    return "\n".join(entries)


# -- Markdown and CSV --------------------------------------------------------------------------------------
def authors_short(authors: Sequence[str], most: int = 3) -> str:
    if len(authors) <= most:
        return ", ".join(authors)
    return ", ".join(authors[:most]) + " et al."


def to_markdown(items: Sequence[ExportItem], heading: str = "Reading list") -> str:
    """A reading list to read as it is or rendered: a numbered list per section, each paper's title linked
    (only to a checked arXiv id or http(s) URL), its authors and date, and why it is there on the next line.
    Paper text is escaped only where Markdown would read it as markup (see md_text)."""
    lines = [f"# {md_text(heading)}"]
    section: str | None = None
    number = 0
    for item in items:
        if item.section != section:
            section, number = item.section, 0
            lines += ["", f"## {md_text(section)}", ""] if section else [""]
        number += 1
        lines += markdown_entry(number, item)
    return "\n".join(lines) + "\n"


def markdown_entry(number: int, item: ExportItem) -> list[str]:
    title = f"[{md_text(item.title)}]({item.link})" if item.link else md_text(item.title)
    when = item.published.isoformat() if item.published else str(item.year or "")
    details = " · ".join(part for part in (md_text(authors_short(item.authors)), when) if part)
    first = f"{number}. {title}" + (f" — {details}" if details else "")
    if not item.note:
        return [first]
    return [first + "  ", " " * (len(str(number)) + 2) + md_line(item.note)]  # two spaces: a line break


CSV_COLUMNS = ("arxiv_id", "title", "authors", "published", "year", "categories", "url", "note", "section")


def to_csv(items: Sequence[ExportItem]) -> str:
    """One row per paper; authors and categories joined with '; '. Every cell goes through csv_safe: any
    column can carry text from upstream (HF seeds categories too), so none may start a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        cells = (
            item.arxiv_id or "",
            item.title,
            "; ".join(item.authors),
            item.published.isoformat() if item.published else "",
            str(item.year or ""),
            "; ".join(item.categories),
            item.link or "",
            item.note,
            item.section,
        )
        writer.writerow([csv_safe(cell) for cell in cells])
    return buffer.getvalue()


# What spreadsheets read as the start of a formula (fullwidth forms too: some suites fold them), and the
# control characters that hide one behind an invisible first character.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_safe(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; a leading apostrophe keeps them text."""
    return "'" + text if text.lstrip(" ")[:1] in FORMULA_STARTS else text
