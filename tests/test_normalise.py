"""Normalising arXiv API results and listing entries into PaperRecords (pure functions, recorded data)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import arxiv
import feedparser
import pytest

from collector.normalise import (
    announcement_day,
    clean_author,
    collapse,
    listing_abstract,
    listing_announce_type,
    record_from_listing_entry,
    record_from_result,
    split_arxiv_id,
    split_authors,
)
from collector.sources.arxiv_api import parse_api_page
from tests.replay import (
    RECORDED_LISTING,
    CorpusPaper,
    fixture_bytes,
    load_corpus,
    render_api_feed,
    render_listing,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2508.13426v1", ("2508.13426", 1)),
        ("http://arxiv.org/abs/2104.12255v1", ("2104.12255", 1)),
        ("https://arxiv.org/pdf/2104.12255v3", ("2104.12255", 3)),
        ("oai:arXiv.org:2508.13426v1", ("2508.13426", 1)),
        ("arXiv:0704.0001", ("0704.0001", 1)),
        ("math/9501234v2", ("math/9501234", 2)),
        ("astro-ph/9812133", ("astro-ph/9812133", 1)),
        ("http://arxiv.org/abs/quant-ph/0201082v1", ("quant-ph/0201082", 1)),
        ("math.GT/0309136", ("math/0309136", 1)),
        (" 2106.09685 ", ("2106.09685", 1)),
    ],
)
def test_split_arxiv_id(text: str, expected: tuple[str, int]) -> None:
    assert split_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text", ["abc", "", "2508.134", "math/95", "https://arxiv.org/api/errors#x", "2508.13426vx"]
)
def test_split_arxiv_id_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        split_arxiv_id(text)


def test_record_from_result_collapses_whitespace_and_orders_categories() -> None:
    result = arxiv.Result(
        entry_id="http://arxiv.org/abs/math/9501234v1",
        updated=datetime(1995, 1, 23),  # naive: read as UTC
        published=datetime(1995, 1, 23, 1, 0, tzinfo=timezone(timedelta(hours=1))),
        title="  Aztec diamonds,\n checkerboard graphs ",
        summary="  This note derives\nthe characteristic polynomial.\n",
        authors=[arxiv.Result.Author("Donald E.\n Knuth")],
        primary_category="math.CO",
        categories=["math.AG", "math.CO", "math.AG"],
        journal_ref="J. Algebraic\n Combin. 6",
        comment="",
    )
    record = record_from_result(result)
    assert (record.arxiv_id, record.version) == ("math/9501234", 1)
    assert record.title == "Aztec diamonds, checkerboard graphs"
    assert record.abstract == "This note derives the characteristic polynomial."
    assert record.authors == ("Donald E. Knuth",)
    assert record.categories == ("math.CO", "math.AG") and record.primary_category == "math.CO"
    assert record.published == record.updated == datetime(1995, 1, 23, tzinfo=UTC)
    assert record.published.tzinfo is UTC
    assert (record.journal_ref, record.comment, record.doi) == ("J. Algebraic Combin. 6", None, None)


def test_record_from_result_of_a_legacy_recording_keeps_comment_doi_journal() -> None:
    results = parse_api_page(fixture_bytes("arxivpy2016_au_del_maestro.xml")).results
    record = record_from_result(results[0])
    assert record.arxiv_id == "1201.4869" and record.version == 1
    assert record.doi == "10.1142/S021797921244002X"
    assert record.comment == "26 pages, 10 figures"
    assert record.categories == ("cond-mat.mes-hall", "cond-mat.other")
    assert "\n" not in record.abstract and record.abstract.startswith("As helium-4 is cooled")


@pytest.mark.parametrize(
    ("tex", "name"),
    [
        ("Paulo Andr\\'e Lima de Castro", "Paulo André Lima de Castro"),
        ('M\\"{u}ller', "Müller"),
        ("Fran\\c{c}ois", "François"),
        ("{\\O}rsted", "Ørsted"),
        ("Ji\\v{r}\\'{\\i}", "Jiří"),
        ("Plain  Name", "Plain Name"),
    ],
)
def test_clean_author_decodes_tex_accents(tex: str, name: str) -> None:
    assert clean_author(tex) == name


@pytest.mark.parametrize(
    ("creator", "authors"),
    [
        (
            "Chunhua Liu, Kabir Manandhar Shrestha, Sukai Huang",
            ("Chunhua Liu", "Kabir Manandhar Shrestha", "Sukai Huang"),
        ),
        ("A. One, B. Two and C. Three", ("A. One", "B. Two", "C. Three")),
        ("A. One, B. Two, and C. Three", ("A. One", "B. Two", "C. Three")),
        ("Alexander Anderson, Ferdinand Sandoval", ("Alexander Anderson", "Ferdinand Sandoval")),
        ("Martin Luther King, Jr., Ada Lovelace", ("Martin Luther King, Jr.", "Ada Lovelace")),
        ("Some Author", ("Some Author",)),
    ],
)
def test_split_authors(creator: str, authors: tuple[str, ...]) -> None:
    assert split_authors(creator) == authors


def test_listing_summary_pieces() -> None:
    summary = "arXiv:2508.13426v1 Announce Type: replace-cross \nAbstract: As large\n language models"
    assert listing_abstract(summary) == "As large language models"
    assert listing_announce_type({"summary": summary}) == "replace-cross"
    assert listing_announce_type({"arxiv_announce_type": "new", "summary": summary}) == "new"
    assert announcement_day("2025-08-20T00:00:00-04:00") == datetime(2025, 8, 20, tzinfo=UTC)


def test_record_from_listing_entry_of_the_recorded_feed() -> None:
    entries = feedparser.parse(io.BytesIO(RECORDED_LISTING.read_bytes())).entries
    record = record_from_listing_entry(entries[2])
    assert (record.arxiv_id, record.version) == ("2508.13429", 1)
    assert record.authors == ("Paulo André Lima de Castro",)
    assert record.categories == ("q-fin.CP", "cs.AI") and record.primary_category == "q-fin.CP"
    assert record.abstract.startswith("Autonomous trading strategies have been")
    assert record.published == record.updated == datetime(2025, 8, 20, tzinfo=UTC)


def test_a_listing_entry_without_an_id_does_not_normalise() -> None:
    with pytest.raises(ValueError):
        record_from_listing_entry({"id": "oai:arXiv.org:nonsense", "tags": [{"term": "cs.AI"}]})


def _tricky(paper: CorpusPaper) -> bool:
    """Markup characters in the text, non-ASCII or odd author names, old-style ids."""
    authors = "|".join(paper.authors)
    return (
        "/" in paper.arxiv_id
        or any(mark in paper.title + paper.abstract for mark in ("&", "<", ">"))
        or any(mark in authors for mark in ("\\", "|and ", ","))
        or not (paper.title + authors).isascii()
    )


def test_api_and_listing_layouts_normalise_to_the_same_text() -> None:
    """Corpus papers rendered in both of arXiv's layouts give equal title, abstract, authors, categories."""
    corpus = load_corpus()
    papers = list(dict.fromkeys([*corpus.papers[:500], *filter(_tricky, corpus.papers)]))
    api_page = render_api_feed(
        [corpus.api_entry(p) for p in papers], total=len(papers), start=0, max_results=2000
    )
    from_api = [record_from_result(r) for r in parse_api_page(api_page).results]
    listing = render_listing(["cs"], "2025-08-20", [(p, "new") for p in papers], {})
    from_listing = [record_from_listing_entry(e) for e in feedparser.parse(io.BytesIO(listing)).entries]
    assert len(from_api) == len(from_listing) == len(papers)
    for api, feed in zip(from_api, from_listing, strict=True):
        assert (api.arxiv_id, api.version) == (feed.arxiv_id, feed.version)
        assert (api.title, api.abstract, api.authors) == (feed.title, feed.abstract, feed.authors)
        assert api.categories == feed.categories


@pytest.mark.parametrize(
    "text",
    [
        "  A hard-wrapped\nabstract\nof two lines.\n",
        "single spaces only",
        "a\n\nblank line",
        "a \nspace before a break",
        "tab\there",
        "carriage\r\nreturn",
        "unit\x1fseparator",
        "no-break\u00a0space and ideographic\u3000space",
        "Andr\u00e9\nand\u2003em space",
        "",
        "\n",
    ],
)
def test_collapse_equals_splitting_on_any_whitespace(text: str) -> None:
    assert collapse(text) == " ".join(text.split())
