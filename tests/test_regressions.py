"""The faults a tester found on 36788d9 (issue 9, D1–D7), each through the interface a user meets: the
`radar` command (often a real process), the database file, the CSV export. Every test here failed there.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import db
from collector.cli import main
from dashboard.export import ExportItem, to_csv
from tests.conftest import radar_env
from tests.factories import all_papers
from tests.replay import Reply
from tests.replay_hf import HF, HFReplay

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 7, 1, 6, tzinfo=UTC)
ESCAPES = ("\x1b[31m", "\x1b]8;;https://evil.example/\x07", "\x1b[8m")


def radar(argv: Sequence[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "collector.cli", *argv], env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- D1: a query change killed during its re-match loses no match -------------------------------------------
def matches(path: Path, topic_id: str) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT arxiv_id FROM paper_topics WHERE topic_id = ?", (topic_id,))
        return {arxiv_id for (arxiv_id,) in rows}


def query_hash(path: Path, topic_id: str) -> str | None:
    try:
        with sqlite3.connect(path, timeout=0.05) as connection:
            row = connection.execute("SELECT query_hash FROM topics WHERE id = ?", (topic_id,)).fetchone()
    except sqlite3.OperationalError:  # the writer is committing: look again
        return "busy"
    return row[0] if row else None


def killed_at(
    command: list[str], env: dict[str, str], path: Path, old_hash: str | None, after: float
) -> bool:
    """Run `command`; kill -9 it `after` seconds in, or at once when the new query hash becomes visible
    in the database. True when the hash had changed by then."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + after
    changed = False
    while process.poll() is None and time.monotonic() < deadline:
        found = query_hash(path, "diffusion")
        if found not in (old_hash, "busy"):
            changed = True
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return changed or query_hash(path, "diffusion") not in (old_hash, "busy")


def test_d1_a_query_change_killed_mid_rematch_loses_no_match(tmp_path: Path) -> None:
    path = tmp_path / "radar.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    with db.session_scope(engine) as session:
        db.upsert_papers(session, all_papers(), NOW)  # 12k real papers: a re-match takes seconds
    engine.dispose()
    env = {**os.environ, "RADAR_DATABASE_URL": f"sqlite:///{path}", "RADAR_FEED_MAX_POSTS": "0"}
    assert radar(["list", "--topic", "diffusion"], env).returncode == 0  # every topic matched once
    before, old_hash = matches(path, "diffusion"), query_hash(path, "diffusion")
    changed = tmp_path / "changed.yaml"
    text = (ROOT / "roadmap.yaml").read_text(encoding="utf-8")
    changed.write_text(text.replace('OR ti:"flow matching" ', 'OR abs:"diffusion" ', 1), encoding="utf-8")
    env["RADAR_ROADMAP_PATH"] = str(changed)
    command = [sys.executable, "-m", "collector.cli", "list", "--topic", "diffusion"]

    control = tmp_path / "control.sqlite"  # what the changed query gives when nobody is killed
    shutil.copyfile(path, control)
    started = time.monotonic()
    assert (
        radar(
            ["list", "--topic", "diffusion"], {**env, "RADAR_DATABASE_URL": f"sqlite:///{control}"}
        ).returncode
        == 0
    )
    took = time.monotonic() - started
    expected = matches(control, "diffusion")
    assert expected != before  # the change matters

    # kill -9 at points through the re-match, and the moment the new hash shows, until it has been seen
    outcomes = []
    for fraction in (0.3, 0.5, 0.7, 0.9, 1.5):
        outcomes.append(killed_at(command, env, path, old_hash, took * fraction))
        if outcomes[-1]:
            break
    assert radar(["list", "--topic", "diffusion"], env).returncode == 0
    assert matches(path, "diffusion") == expected, "matches of the changed query were lost"
    assert not outcomes[0], "the first kill came while the change was still pending (uncommitted)"


# -- D2: malformed Hugging Face data is dropped and counted, and the run is recorded -----------------------
def hf_item(arxiv_id: str, title: str, **paper: object) -> dict[str, object]:
    return {"paper": {"id": arxiv_id, "title": title, "summary": "An abstract.", **paper}, "numComments": 1}


DAY = date(2026, 8, 18)


def collect_hf(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(
        ["collect", "--source", "hf", "--since", DAY.isoformat(), "--until", DAY.isoformat(), "--json"]
    )
    return code, json.loads(capsys.readouterr().out)


def test_d2_overflowing_hf_values_are_dropped_counted_and_the_run_recorded(
    hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    radar_env(hf, tmp_path, monkeypatch, RADAR_HTTP_MAX_RETRIES="0")
    items = [
        hf_item(
            "2508.00001", "A paper with too many upvotes", upvotes=10**30, publishedAt="2026-08-15T00:00:00Z"
        ),
        hf_item("2508.00002", "A paper from the year 9999", publishedAt="9999-12-31T23:59:59-05:00"),
        hf_item(
            "2508.00003", "A paper from the year 1", publishedAt="0001-01-01T00:00:00+05:00", githubStars=-5
        ),
    ]
    hf.server.script(HF, [hf.json_reply(items)])
    code, data = collect_hf(capsys)
    assert code in (0, 1)
    featured = next(r for r in data["runs"] if r["query"].startswith("featured"))
    assert featured["fetched"] == 3 and "3 item(s) with unusable values (dropped)" in featured["error"]
    engine = db.make_engine(os.environ["RADAR_DATABASE_URL"])
    with db.session_scope(engine) as session:
        stored = db.papers_by_id(session, ["2508.00001", "2508.00002", "2508.00003"])
        signals = db.hf_signals_by_id(session, ["2508.00001"])
    assert signals["2508.00001"].upvotes is None  # dropped, not stored as garbage
    # an unreadable publication date is the featured day, not the time of the fetch
    assert stored["2508.00002"].published == datetime(2026, 8, 18, tzinfo=UTC)


def test_d2_a_body_nested_too_deep_is_a_recorded_failure_not_a_crash(
    hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    radar_env(hf, tmp_path, monkeypatch, RADAR_HTTP_MAX_RETRIES="0")
    hf.server.script(HF, [Reply(body=b"[" * 200_000, content_type="application/json")])
    code, data = collect_hf(capsys)
    assert code == 1
    featured = next(r for r in data["runs"] if r["query"].startswith("featured"))
    assert featured["errors"] == 1 and "malformed JSON" in featured["error"]


# -- D3, D4: titles print as themselves; no escape sequence from upstream reaches the terminal -------------
# AlexNet's query has no category, so HF's papers (which have none until arXiv describes them) match it.
HOSTILE_TITLES = (
    "[/] AlexNet closer",
    "[link=https://evil.example/]AlexNet click me[/link]",
    ":red[AlexNet] :smile: revisited",
    "AlexNet \x1b[31mred\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07 \x1b[8mhidden",
)


def test_d3_d4_hostile_hf_titles_are_stored_clean_and_printed_as_text(
    hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = radar_env(hf, tmp_path, monkeypatch, RADAR_HTTP_MAX_RETRIES="0")
    now = datetime.now(UTC)
    day = now.date()
    items = [
        hf_item(f"{now:%y%m}.9000{n}", title, upvotes=50, publishedAt=f"{day}T00:00:00Z")
        for n, title in enumerate(HOSTILE_TITLES)
    ]
    hf.server.script(HF, [hf.json_reply(items)])
    assert main(["collect", "--source", "hf", "--since", day.isoformat(), "--until", day.isoformat()]) in (
        0,
        1,
    )
    capsys.readouterr()
    with sqlite3.connect(tmp_path / "radar.sqlite") as connection:
        titles = [t for (t,) in connection.execute("SELECT title FROM papers WHERE title LIKE '%AlexNet%'")]
    assert len(titles) == 4 and not any(
        ch in t for t in titles for ch in "\x1b\x07"
    )  # stripped before storing

    # a real terminal-like process: rich would emit links and colours there
    shown = radar(
        ["list", "--topic", "alexnet", "--limit", "0"], {**env, "FORCE_COLOR": "1", "COLUMNS": "400"}
    )
    assert shown.returncode == 0, shown.stderr
    assert "Traceback" not in shown.stderr
    out = shown.stdout
    assert not any(escape in out for escape in ESCAPES)
    assert "\x1b]8;" not in out  # no terminal hyperlink at all
    for text in (
        "[/] AlexNet closer",
        "[link=https://evil.example/]AlexNet click me[/link]",
        ":red[AlexNet] :smile:",
    ):
        assert text in out
    assert "AlexNet [31mred]8;;https://evil.example/link]8;; [8mhidden" in out  # what is left is inert text


# -- D5: bad input is one message and exit code 2, never a traceback ----------------------------------------
def test_d5_a_roadmap_holding_control_characters_is_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / f"{'long-' * 20}roadmap.yaml"  # the problem lines, too, print a long path whole
    broken.write_text("version: 1\nlevels:\n  L1: {name_zh: a\x1b[31m, name_en: b}\n", encoding="utf-8")
    done = radar(["roadmap"], {**os.environ, "RADAR_ROADMAP_PATH": str(broken)})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{broken}:3" in done.stderr and "#x001b" in done.stderr


def test_d5_a_yaml_alias_bomb_is_refused_in_seconds(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    bomb = tmp_path / "roadmap.yaml"
    bomb.write_text("\n".join([*lines, "topics: *a9", ""]), encoding="utf-8")
    started = time.monotonic()
    done = radar(["roadmap"], {**os.environ, "RADAR_ROADMAP_PATH": str(bomb)}, timeout=30)
    assert done.returncode == 2 and "aliases expand" in done.stderr
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RADAR_ARXIV_DELAY_SECONDS", "inf"),
        ("RADAR_HTTP_TIMEOUT_SECONDS", "inf"),
        ("RADAR_BACKFILL_DAYS", "99999999"),
        ("RADAR_SCHEDULE_LISTING_CRON", "0 0 31 2 *"),
        ("RADAR_CONTACT", "me@example.org\r\nX-Evil: 1"),
    ],
)
def test_d5_absurd_settings_are_exit_2_naming_the_variable(
    variable: str,
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'radar.sqlite'}")
    monkeypatch.setenv(variable, value)
    assert main(["status"]) == 2
    assert variable in capsys.readouterr().err


def test_d5_a_settings_file_that_is_not_utf8_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_bytes(b"RADAR_CONTACT=caf\xe9\n")
    assert main(["status"]) == 2
    assert ".env" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["collect", "--since", "9999-12-31T23:59:59-05:00"],
        ["collect", "--since", "0001-01-01T00:00:00+05:00"],
        ["collect", "--since", "2030-01-01"],
        ["collect", "--until", "2999-01-01"],
        ["trending", "--days", "99999999"],
        ["dashboard", "--port", "99999"],
        ["dashboard", "--port", "-1"],
        ["dashboard", "--address", "999.1.1.1"],
    ],
    ids=" ".join,
)
def test_d5_dates_numbers_ports_and_addresses_out_of_range_are_exit_2(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'radar.sqlite'}")
    for upstream in ("RADAR_ARXIV_API_URL", "RADAR_ARXIV_LISTING_URL", "RADAR_HF_API_URL"):  # never called
        monkeypatch.setenv(upstream, f"http://127.0.0.1:{closed_port()}/x")
    monkeypatch.setenv("RADAR_HTTP_MAX_RETRIES", "0")
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own exit for a value it cannot read
        code = exc.code
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_d5_a_busy_port_is_exit_2_not_a_streamlit_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'radar.sqlite'}")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["dashboard", "--port", str(busy.getsockname()[1])]) == 2
    assert "cannot serve on 127.0.0.1" in capsys.readouterr().err


# -- D6: exports neutralise formulas in every column -----------------------------------------------------
def test_d6_csv_neutralises_formulas_in_every_column() -> None:
    formula = '=HYPERLINK("https://evil.example/","x")'
    item = ExportItem(
        title=formula,
        arxiv_id=None,
        authors=(formula,),
        categories=(formula, "cs.LG"),
        url=None,
        note=formula,
    )
    lines = to_csv([item]).splitlines()[1:]
    cells = next(iter(csv.reader(lines)))
    assert all(not cell.lstrip(" ").startswith(("=", "+", "-", "@")) for cell in cells), cells
    assert cells[5] == "'" + formula + "; cs.LG"


# -- D7: re-runs leave unchanged rows alone; HF's missing keywords are SQL NULL ------------------------------
def roadmap_resources(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT id, url, first_seen, last_seen FROM resources WHERE source = 'roadmap' ORDER BY id"
        ).fetchall()


def test_d7_opening_the_store_again_rewrites_no_roadmap_resource(tmp_path: Path) -> None:
    path = tmp_path / "radar.sqlite"
    env = {**os.environ, "RADAR_DATABASE_URL": f"sqlite:///{path}", "RADAR_FEED_MAX_POSTS": "0"}
    assert radar(["list", "--topic", "lora"], env).returncode == 0
    first = roadmap_resources(path)
    assert len(first) > 200
    assert radar(["list", "--topic", "gan"], env).returncode == 0
    assert roadmap_resources(path) == first  # same ids, first_seen and last_seen: untouched


def test_d7_hf_without_keywords_stores_sql_null_not_json_null(
    hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    radar_env(hf, tmp_path, monkeypatch, RADAR_HTTP_MAX_RETRIES="0")
    hf.server.script(HF, [hf.json_reply([hf_item("2508.00004", "No keywords here", upvotes=3)])])
    collect_hf(capsys)
    with sqlite3.connect(tmp_path / "radar.sqlite") as connection:
        found = connection.execute(
            "SELECT ai_keywords IS NULL, ai_keywords FROM papers WHERE arxiv_id = '2508.00004'"
        )
        assert found.fetchone() == (1, None)
        assert connection.execute("SELECT count(*) FROM papers WHERE ai_keywords = 'null'").fetchone() == (0,)
