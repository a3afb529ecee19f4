"""One ranking everywhere: `radar list --json` and the Topic page (AppTest) list the same papers in the
same order, section by section, on one database — SQLite, and PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from collector.cli import main
from collector.config import PROJECT_ROOT
from tests.factories import BACKENDS, blank_engine
from tests.seed import seed_engine

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
TOPICS = ("lora", "diffusion", "transformer", "rag", "vit")
ARXIV_LINK = re.compile(r"\(https://arxiv\.org/abs/([^)]+)\)")


@pytest.fixture(params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    engine = blank_engine(request.param, tmp_path)
    seed_engine(engine, count=2000)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    monkeypatch.setenv("RADAR_DATABASE_URL", url)
    yield url


def cli_sections(topic: str, capsys: pytest.CaptureFixture[str]) -> dict[str, list[str]]:
    assert main(["list", "--topic", topic, "--limit", "0", "--json"]) == 0
    papers = json.loads(capsys.readouterr().out)["papers"]
    sections = ("classic", "trending", "recent", "applications")
    return {s: [p["arxiv_id"] for p in papers if p["section"] == s] for s in sections}


def page_sections(topic: str) -> dict[str, list[str]]:
    """The papers of each section of the Topic page, as its URL opens them (New with its applications)."""
    found = {}
    views = (
        ("classic", {"tab": "classics"}),
        ("recent", {"tab": "new", "apps": "open"}),
        ("trending", {"tab": "trending"}),
    )
    for name, params in views:
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params.update({"topic": topic, **params})
        at.switch_page("app_pages/topic.py").run()
        assert not at.exception, [e.value for e in at.exception]
        found[name] = [
            m for e in at.markdown if e.value.startswith("**[") for m in ARXIV_LINK.findall(e.value)
        ]
    st.cache_resource.clear()  # disposes of the page's engine (its pooled connections)
    return found


@pytest.mark.parametrize("topic", TOPICS)
def test_radar_list_and_the_topic_page_agree(
    seeded: str, topic: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cli, page = cli_sections(topic, capsys), page_sections(topic)
    assert page["recent"], f"{topic}: the seeded database has recent papers for it"
    assert page["classic"] == [i for i in cli["classic"] if i]  # classics off arXiv link elsewhere
    assert page["trending"] == cli["trending"]
    # The New section: the papers about the topic (the first 20), then its applications (opened, first 20).
    assert page["recent"] == cli["recent"][:20] + cli["applications"][:20]
    COMPARED[topic] = {name: len(ids) for name, ids in page.items()} | {"about": len(cli["recent"])}


COMPARED: dict[str, dict[str, int]] = {}


def test_the_comparison_was_not_vacuous() -> None:
    """Across the topics compared, every section held papers on the page (runs after the comparisons)."""
    if COMPARED:
        sections = ("classic", "recent", "trending", "about")
        assert all(sum(counts[s] for counts in COMPARED.values()) > 0 for s in sections)
