"""Property tests (hypothesis): fed generated input, the roadmap loader, the settings, the CLI's date and
number arguments, the HF and arXiv item parsers and the CLI renderers raise nothing but Roadmap Radar's own
errors; and normalised values go through the store and come back unchanged (SQLite and PostgreSQL).

`pytest tests/test_properties.py --hypothesis-show-statistics` prints how many inputs each one ran.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import arxiv
import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from rich.console import Console
from sqlalchemy.engine import Engine

import db
from collector import cli, commands
from collector.config import Settings
from collector.errors import ConfigError, MalformedItemError, MalformedResponseError, RoadmapError
from collector.normalise import record_from_result, strip_controls
from collector.output import frontier_table, plain, reading_table, roadmap_tree, runs_table
from collector.ranking import FrontierWeek, ReadingItem
from collector.reading_lists import ReadingList, Window
from collector.roadmap import load_roadmap
from collector.sources.arxiv_api import MalformedFeedError, parse_api_page, parse_timestamp
from collector.sources.arxiv_listing import parse_listing
from collector.sources.huggingface import MAX_COUNT, parse_item, parse_items, parse_json
from db import RunRow, TopicRow

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 7, 1, 6, tzinfo=UTC)
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
CONTROLS = {chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}

# Text as upstreams send it: anything, with markup, escapes and control characters made likely.
HOSTILE_BITS = st.sampled_from(
    ["[/]", "[link=https://evil.example/]", "[/link]", ":smile:", ":red[x]", "\x1b[31m", "\x1b]8;;x\x07",
     "\x1b[8m", "\x07", "\x00", "\r\n", "\t", "\x85", "\x9b", "=HYPERLINK(", "{", "}", "\\", "%", "'",
     '"', "<b>"]
)  # fmt: skip
TEXT = st.one_of(st.text(), st.lists(st.one_of(HOSTILE_BITS, st.text(max_size=5)), max_size=8).map("".join))
EDGES = st.sampled_from([10**30, -1, 2**31, "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", ""])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT | EDGES,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


def clean(text: str) -> bool:
    return not (CONTROLS & set(text))


# -- the roadmap loader ----------------------------------------------------------------------------------
def load_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with suppress(RoadmapError):
        load_roadmap(path)


@PROPERTY
@given(text=TEXT)
def test_the_roadmap_loader_meets_any_text_with_a_roadmap_error(text: str, tmp_path: Path) -> None:
    load_text(tmp_path / "roadmap.yaml", text)


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
MINI = {
    "version": 1,
    "levels": {"L1": {"name_zh": "基础", "name_en": "Basics"}},
    "topics": [
        {"id": "mlp", "level": "L1", "name_zh": "多层感知机", "name_en": "MLP", "group": "g",
         "aliases": ["MLP"], "query": 'ti:"multilayer perceptron"',
         "seminal": [{"title": "A", "year": 1986, "arxiv_id": "1706.03762"}],
         "resources": [{"title": "d2l", "url": "https://d2l.ai/", "kind": "book"}]},
    ],
}  # fmt: skip


@PROPERTY
@given(document=YAML_VALUES)
def test_the_roadmap_loader_meets_any_yaml_document_with_a_roadmap_error(
    document: Any, tmp_path: Path
) -> None:
    load_text(tmp_path / "roadmap.yaml", yaml.safe_dump(document, allow_unicode=True))


@PROPERTY
@given(field=st.sampled_from(["id", "level", "name_en", "aliases", "query", "seminal", "resources", "group"]),
       value=YAML_VALUES)  # fmt: skip
def test_a_roadmap_with_any_one_field_wrong_is_a_roadmap_error(
    field: str, value: Any, tmp_path: Path
) -> None:
    topic = dict(MINI["topics"][0]) | {field: value}  # type: ignore[index]
    load_text(tmp_path / "roadmap.yaml", yaml.safe_dump(MINI | {"topics": [topic]}, allow_unicode=True))


# -- the settings -----------------------------------------------------------------------------------------
@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


ENV_TEXT = st.one_of(
    TEXT,
    st.floats().map(str),
    st.integers().map(str),
    st.sampled_from(["inf", "-inf", "nan", "1e999", "0 0 31 2 *"]),
).filter(lambda v: "\x00" not in v)


@PROPERTY
@given(
    values=st.dictionaries(st.sampled_from(sorted(Settings.model_fields)), ENV_TEXT, min_size=1, max_size=4)
)
def test_settings_from_any_environment_are_settings_or_a_config_error(
    values: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with environment(
        {f"RADAR_{name.upper()}": value.encode("utf-8", "replace").decode() for name, value in values.items()}
    ):
        try:
            found = cli.settings_from_env()
        except ConfigError as exc:
            assert "RADAR_" in str(exc)
            return
    for name in ("arxiv_delay_seconds", "http_timeout_seconds", "http_backoff_seconds"):
        assert 0 <= getattr(found, name) < float("inf")


@PROPERTY
@given(content=st.binary(max_size=200))
def test_a_settings_file_of_any_bytes_is_settings_or_a_config_error(
    content: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_bytes(content)
    with suppress(ConfigError):
        cli.settings_from_env()


# -- the CLI's date and number arguments -------------------------------------------------------------------
DATES = st.one_of(
    TEXT,
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.dates().map(date.isoformat),
    st.sampled_from(["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2030-01-01", "1990-12-31"]),
)


@PROPERTY
@given(since=DATES, until=DATES)
def test_dates_are_read_or_refused_with_a_usage_error(since: str, until: str) -> None:
    read = []
    for text in (since, until):
        try:
            moment = cli.parse_date(text)
        except argparse.ArgumentTypeError:
            continue
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
        assert moment.year >= 1991
        read.append(moment)
    if len(read) == 2:
        try:
            commands.check_window(read[0], read[1], NOW)
        except ConfigError:
            return
        assert read[0] <= read[1] <= NOW + timedelta(days=1)


NUMBERS = st.one_of(
    st.integers(), st.integers(-10, 10), st.sampled_from([0, 1, 3650, 3651, 99999999, 10**30])
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["trending", "status", "list"]), flag=st.sampled_from(["--days", "--limit"]),
       number=NUMBERS)  # fmt: skip
def test_number_arguments_give_exit_0_or_2(
    command: str, flag: str, number: int, migrated_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, "--json", flag, str(number)]
    if command == "status" and flag == "--days":
        argv = ["status", "--limit", str(number)]
    if command == "list":
        argv[1:1] = ["--topic", "lora"]
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse: not a number at all
        code = int(exc.code or 0)
    capsys.readouterr()
    assert code in (0, 2)


@pytest.fixture
def migrated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'radar.sqlite'}")
    assert cli.main(["status", "--limit", "0"]) in (0, 2)


# -- the HF and arXiv item parsers ---------------------------------------------------------------------------
HF_FIELDS = ("title", "summary", "authors", "publishedAt", "upvotes", "githubRepo", "githubStars",
             "projectPage", "ai_summary", "ai_keywords", "submittedOnDailyAt", "linkedModels")  # fmt: skip
HF_PAPER = st.fixed_dictionaries(
    {"id": st.one_of(st.sampled_from(["2106.09685", "2508.13426v2", "math/9501234"]), TEXT)},
    optional={key: JSON for key in HF_FIELDS},
)
HF_ITEMS = st.one_of(
    JSON, st.fixed_dictionaries({"paper": HF_PAPER}, optional={"numComments": JSON}), HF_PAPER
)


@PROPERTY
@given(item=HF_ITEMS, featured=st.none() | st.dates())
def test_an_hf_item_is_a_paper_or_a_malformed_item(item: Any, featured: date | None) -> None:
    try:
        parsed = parse_item(item, featured, "https://huggingface.co")
    except MalformedItemError:
        return
    paper = parsed.paper
    for count in (paper.upvotes, paper.comments, paper.github_stars):
        assert count is None or 0 <= count <= MAX_COUNT
    texts = [paper.title, paper.abstract, *paper.authors, *(paper.ai_keywords or ()), paper.ai_summary or ""]
    assert all(clean(text) for text in texts)
    assert paper.published is None or paper.published.tzinfo is not None


@PROPERTY
@given(items=st.lists(HF_ITEMS, max_size=5), body=st.binary(max_size=100))
def test_hf_pages_and_bodies_never_raise_but_malformed_response(items: list[Any], body: bytes) -> None:
    page = parse_items(items, None, "https://huggingface.co")
    assert len(page.items) + page.skipped == len(items)
    for content in (body, json.dumps(items).encode(), b"[" * 100_000):
        with suppress(MalformedResponseError):
            parse_json(content, "http://hf/x", 1)


ATOM_STAMPS = st.one_of(
    TEXT, st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2025-01-01T10:00:00Z"]),
)  # fmt: skip


def api_entry(fields: dict[str, str]) -> str:
    text = "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in fields.items() if tag != "category")
    category = quoteattr(fields.get("category", "cs.LG"))
    author = f"<author><name>{escape(fields.get('title', ''))}</name></author>"
    return f"<entry>{text}{author}<category term={category}/></entry>"


API_ENTRY = st.fixed_dictionaries(
    {"id": st.one_of(st.just("http://arxiv.org/abs/2106.09685v2"), TEXT), "updated": ATOM_STAMPS,
     "published": ATOM_STAMPS},
    optional={"title": TEXT, "summary": TEXT, "category": TEXT},
)  # fmt: skip


@PROPERTY
@given(entries=st.lists(API_ENTRY, max_size=3))
def test_an_arxiv_api_page_is_records_or_a_malformed_feed(entries: list[dict[str, str]]) -> None:
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        f"<opensearch:totalResults>{len(entries)}</opensearch:totalResults>"
        + "".join(map(api_entry, entries)) + "</feed>"
    )  # fmt: skip
    try:
        page = parse_api_page(body.encode("utf-8", "surrogatepass"))
    except MalformedFeedError:
        return
    for result in page.results:
        try:
            record = record_from_result(result)
        except MalformedItemError:
            continue
        assert all(clean(t) for t in (record.title, record.abstract, *record.authors, *record.categories))
        assert record.published.tzinfo is not None and record.updated.tzinfo is not None


@PROPERTY
@given(text=TEXT)
def test_timestamps_are_utc_or_none(text: str) -> None:
    found = parse_timestamp(text)
    assert found is None or found.utcoffset() == timedelta(0)


LISTING_ENTRY = st.fixed_dictionaries(
    {"id": TEXT, "title": TEXT, "summary": TEXT, "published": ATOM_STAMPS, "creator": TEXT}
)


@PROPERTY
@given(entries=st.lists(LISTING_ENTRY, max_size=3))
def test_a_listing_feed_is_entries_or_a_malformed_response(entries: list[dict[str, str]]) -> None:
    items = "".join(
        f"<entry><id>{escape(e['id'])}</id><title>{escape(e['title'])}</title><summary>{escape(e['summary'])}"
        f'</summary><published>{escape(e["published"])}</published><category term="cs.LG"/>'
        f"<dc:creator>{escape(e['creator'])}</dc:creator></entry>"
        for e in entries
    )
    body = f'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">{items}</feed>'
    try:
        listing = parse_listing(body.encode("utf-8", "surrogatepass"), "http://listing/cs.LG")
    except MalformedResponseError:
        return
    for entry in listing.entries:
        record = entry.record
        assert all(clean(t) for t in (record.title, record.abstract, *record.authors))


# -- the CLI renderers -----------------------------------------------------------------------------------
def rendered(*renderables: Any) -> str:
    console = Console(
        file=io.StringIO(), width=400, markup=False, emoji=False, highlight=False, color_system=None
    )
    for renderable in renderables:
        console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def item(title: str, section: str = "recent") -> ReadingItem:
    return ReadingItem(
        section, title, "2106.09685", date(2025, 1, 1), 2025, 1.0, 1.0, (title,), None, (title,)
    )


@PROPERTY
@given(title=TEXT, source=TEXT, error=TEXT)
def test_renderers_print_any_text_as_text(title: str, source: str, error: str) -> None:
    topic = TopicRow(title[:20] or "t", "L1", title, title, title, (title,), title, 0)
    window = Window(NOW - timedelta(days=365), 365, widened=True, asked=90)
    reading = ReadingList(
        topic, (item(title, "classic"),), (item(title, "trending"),), (item(title),), 1,
        (item(title, "applications"),), 1, window,
    )  # fmt: skip
    run = RunRow("r", source, title, NOW, NOW, error=error, errors=1)
    week = FrontierWeek(date(2026, 6, 29), (item(title),))
    shown = rendered(
        reading_table(reading, reading.items), frontier_table(week), runs_table([run], title), plain(error)
    )
    assert not (CONTROLS & set(shown)), "a control character reached the terminal"
    visible = "".join(strip_controls(title).split())
    if visible and len(visible) < 30:  # short enough never to be wrapped inside a cell
        assert visible in "".join(shown.split())


def test_the_roadmap_tree_prints_text_with_markup_as_text() -> None:
    roadmap = load_roadmap(ROOT / "roadmap.yaml")
    assert "[bold]" not in rendered(roadmap_tree(roadmap, "/tmp/[red]x[/red]/roadmap.yaml"))
    assert "/tmp/[red]x[/red]/roadmap.yaml" in rendered(
        roadmap_tree(roadmap, "/tmp/[red]x[/red]/roadmap.yaml")
    )


# -- normalised values through the store ---------------------------------------------------------------------
_ids = itertools.count(1)


def raw_result(title: str, abstract: str, authors: list[str], category: str, comment: str) -> arxiv.Result:
    arxiv_id = f"2501.{next(_ids):05d}"
    return arxiv.Result(
        entry_id=f"http://arxiv.org/abs/{arxiv_id}v1", updated=NOW, published=NOW - timedelta(days=1),
        title=title, authors=[arxiv.Result.Author(a) for a in authors], summary=abstract, comment=comment,
        primary_category=category, categories=[category, "cs.LG"],
    )  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, abstract=TEXT, authors=st.lists(TEXT, max_size=4), category=TEXT, comment=TEXT)
# Found by this test on PostgreSQL (SQLite does not check lengths): a 33-character "category" overflowed
# papers.primary_category; what is not an arXiv category is now dropped by the normaliser.
@example(title="", abstract="", authors=[], category="0" * 33, comment="")
def test_normalised_papers_come_back_from_the_store_unchanged(
    engine: Engine, title: str, abstract: str, authors: list[str], category: str, comment: str
) -> None:
    try:
        record = record_from_result(raw_result(title, abstract, authors, category, comment))
    except MalformedItemError:
        assume(False)
        return
    with db.session_scope(engine) as session:
        db.upsert_papers(session, [record], NOW)
    with db.session_scope(engine) as session:
        assert db.papers_by_id(session, [record.arxiv_id])[record.arxiv_id] == record


HF_STORED = st.fixed_dictionaries(
    {"title": TEXT.map(lambda t: "Title " + t)}, optional={key: JSON for key in HF_FIELDS[1:]}
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=HF_STORED)
def test_hf_values_come_back_from_the_store_unchanged(engine: Engine, fields: dict[str, Any]) -> None:
    item = {"paper": fields | {"id": f"2502.{next(_ids):05d}"}}
    try:
        paper = parse_item(item, date(2026, 6, 30), "https://huggingface.co").paper
    except MalformedItemError:
        assume(False)
        return
    with db.session_scope(engine) as session:
        db.upsert_hf_papers(session, [paper], NOW)
    with db.session_scope(engine) as session:
        stored = db.hf_signals_by_id(session, [paper.arxiv_id])[paper.arxiv_id]
        seed = db.papers_by_id(session, [paper.arxiv_id])[paper.arxiv_id]
    for name in ("upvotes", "github_repo", "github_stars", "project_page", "ai_summary"):
        assert getattr(stored, name) == getattr(paper, name), name
    assert stored.ai_keywords == (paper.ai_keywords or ())  # HFSignals reads "none given" as no keywords
    assert (seed.title, seed.abstract, seed.authors) == (paper.title, paper.abstract, paper.authors)
