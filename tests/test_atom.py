"""Atom feeds: every topic and level feed validates against RFC 4287's RELAX NG schema (and the schema's
Schematron rules), entry ids stay the same across runs, at most N entries, written after a collection."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy.engine import Engine

import db
from collector import atom
from collector.cli import main
from collector.config import Settings
from tests.conftest import radar_env
from tests.digest_seed import HOSTILE_ID, NOW, Seeded, seed_digests
from tests.replay_hf import HFReplay

SCHEMA = Path(__file__).parent / "fixtures" / "atom" / "rfc4287.rng"
NS = {"atom": "http://www.w3.org/2005/Atom", "s": "http://www.ascc.net/xml/schematron"}


@cache
def relax_ng() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def assert_valid_atom(data: bytes) -> etree._Element:
    """RELAX NG validation, then the appendix's Schematron asserts (RELAX NG skips annotations)."""
    document = etree.fromstring(data)
    schema = relax_ng()
    assert schema.validate(document), schema.error_log
    for rule in etree.parse(str(SCHEMA)).iterfind(".//s:rule", NS):
        for node in document.xpath(f"//{rule.get('context')}", namespaces=NS) + (
            [document] if document.xpath(f"self::{rule.get('context')}", namespaces=NS) else []
        ):
            for check in rule.iterfind("s:assert", NS):
                assert node.xpath(check.get("test"), namespaces=NS), check.text
    return document


def entry_ids(document: etree._Element) -> list[str]:
    return [str(i) for i in document.xpath("atom:entry/atom:id/text()", namespaces=NS)]


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    return seed_digests(engine)


def feed_settings(tmp_path: Path, **values: object) -> Settings:
    base = {"feeds_dir": tmp_path / "feeds", "feeds_base_url": "https://feeds.example/radar"}
    return Settings(_env_file=None, **(base | values))  # type: ignore[arg-type]


def test_every_topic_and_level_feed_is_valid_atom(engine: Engine, seeded: Seeded, tmp_path: Path) -> None:
    settings = feed_settings(tmp_path)
    count, written = atom.write_feeds(engine, settings, NOW)
    files = sorted((tmp_path / "feeds").rglob("*.atom"))
    with db.session_scope(engine) as session:
        expected = len(db.list_topics(session)) + len(db.list_levels(session))
    assert count == written == len(files) == expected
    with_entries = 0
    for path in files:
        document = assert_valid_atom(path.read_bytes())
        relative = path.relative_to(tmp_path / "feeds").as_posix()
        self_link = document.xpath("atom:link[@rel='self']/@href", namespaces=NS)
        assert self_link == [f"https://feeds.example/radar/{relative}"]
        with_entries += bool(entry_ids(document))
    assert with_entries > 10


def test_entries_are_the_news_with_stable_ids_and_the_papers_dates(
    engine: Engine, seeded: Seeded, tmp_path: Path
) -> None:
    settings = feed_settings(tmp_path, feeds_max_entries=5)
    atom.write_feeds(engine, settings, NOW)
    path = tmp_path / "feeds" / "topics" / "agent.atom"
    first = assert_valid_atom(path.read_bytes())
    ids = entry_ids(first)
    assert len(ids) == 5 and all(i.startswith("https://arxiv.org/abs/") for i in ids)
    news = {m.arxiv_id for m in seeded.matches["new"] if m.topic_id == "agent"}
    assert {i.rsplit("/", 1)[1] for i in ids} <= news  # never the backfill's old papers
    with db.session_scope(engine) as session:
        papers = db.papers_by_id(session, [i.rsplit("/", 1)[1] for i in ids])
    for entry in first.iterfind("atom:entry", NS):
        paper = papers[entry.findtext("atom:id", namespaces=NS).rsplit("/", 1)[1]]
        assert entry.findtext("atom:updated", namespaces=NS)[:19] == paper.updated.isoformat()[:19]
    # The next run, later, with nothing new: the same ids, and the file is left as it was.
    mtime = path.stat().st_mtime_ns
    assert atom.write_feeds(engine, settings, NOW + timedelta(hours=5))[1] == 0
    assert path.stat().st_mtime_ns == mtime
    later = atom.feed_for(engine, settings, NOW + timedelta(days=1), topic_id="agent")
    assert entry_ids(assert_valid_atom(later)) == ids


def test_untrusted_text_is_escaped_and_loses_control_characters(
    engine: Engine, seeded: Seeded, tmp_path: Path
) -> None:
    data = atom.feed_for(engine, feed_settings(tmp_path), NOW, topic_id="lora")
    document = assert_valid_atom(data)
    titles = document.xpath("atom:entry/atom:title/text()", namespaces=NS)
    hostile = next(t for t in titles if "LoRA" in t and "script" in t)
    assert "\x1b" not in hostile and b"<script>" not in data and b"&lt;script&gt;" in data
    assert f"https://arxiv.org/abs/{HOSTILE_ID}" in entry_ids(document)


def test_radar_feed_prints_a_topic_or_a_level_feed(
    engine: Engine,
    seeded: Seeded,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    monkeypatch.setenv("RADAR_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv(
        "RADAR_RECENT_DAYS", "3650"
    )  # the command runs at today's date, the data is of 2026-07
    assert main(["feed", "--topic", "rag"]) == 0
    assert entry_ids(assert_valid_atom(capsysbinary.readouterr().out))
    assert main(["feed", "--level", "L3"]) == 0
    assert entry_ids(assert_valid_atom(capsysbinary.readouterr().out))
    assert main(["feed", "--topic", "rga"]) == 2  # unknown, with a suggestion on stderr
    assert b"rag" in capsysbinary.readouterr().err
    assert main(["feed", "--level", "L9"]) == 2
    with pytest.raises(SystemExit) as both:
        main(["feed", "--topic", "rag", "--level", "L3"])
    assert both.value.code == 2


def test_a_collection_writes_the_feeds(hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = radar_env(hf, tmp_path, monkeypatch, RADAR_FEEDS_DIR=str(tmp_path / "published"))
    assert main(["collect", "--source", "listing"]) == 0
    files = sorted((tmp_path / "published").rglob("*.atom"))
    assert len(files) > 90 and all(f.stat().st_mode & 0o044 for f in files)
    for path in files:
        assert_valid_atom(path.read_bytes())
    engine = db.make_engine(env["RADAR_DATABASE_URL"])
    with db.session_scope(engine) as session:
        [run] = db.last_runs(session, source="atom")
    engine.dispose()
    assert run.errors == 0 and run.fetched == len(files)
