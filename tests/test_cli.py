"""The `radar` command end to end: settings from the environment, the replay server, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import db
from collector.cli import main
from tests.conftest import radar_env
from tests.replay import API, ReplayServer, Reply
from tests.replay_hf import HFReplay

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """RADAR_* variables pointing the CLI at the replay server (arXiv and HF) and a fresh SQLite file."""
    return radar_env(
        hf, tmp_path, monkeypatch, RADAR_HTTP_MAX_RETRIES="1", RADAR_CONTACT="radar-tests@example.org"
    )


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_roadmap_json_lists_every_topic_with_the_contract_fields(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = run_json(capsys, "roadmap", "--json")
    assert code == 0
    topics = data["topics"]
    assert len(topics) >= 90
    keys = {"id", "level", "name_zh", "name_en", "group", "aliases", "query", "seminal", "resources"}
    assert all(set(t) == keys for t in topics)
    assert {t["level"] for t in topics} == {"L1", "L2", "L3", "L4"}
    lora = next(t for t in topics if t["id"] == "lora")
    assert any(s["arxiv_id"] == "2106.09685" for s in lora["seminal"])


def test_roadmap_tree_prints_levels_and_groups(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["roadmap"]) == 0
    out = capsys.readouterr().out
    assert "L1" in out and "L4" in out and "训练相关" in out and "lora" in out


def test_collect_daily_cycle_then_list_and_status(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = run_json(capsys, "collect", "--json")
    assert code == 0
    # the daily cycle: listing, classics, Hugging Face (featured days of the last week: none recorded)
    assert [r["source"] for r in data["runs"]] == ["listing", "seminal", "hf"]
    listing = data["runs"][0]
    assert listing["fetched"] == 7 and listing["errors"] == 0  # the recorded cs.AI feed of 2025-08-20

    code, data = run_json(
        capsys,
        "collect",
        "--source",
        "api",
        "--topic",
        "lora",
        "--since",
        "2025-06-01",
        "--until",
        "2026-06-30",
        "--json",
    )
    assert code == 0 and sum(r["new"] for r in data["runs"]) > 10

    code, data = run_json(capsys, "list", "--topic", "lora", "--limit", "5", "--json")
    assert code == 0 and data["topic"] == "lora" and len(data["papers"]) == 5
    first = data["papers"][0]
    assert set(first) >= {"arxiv_id", "title", "published", "section", "score", "reasons"}
    assert first["section"] == "classic" and first["score"] is None
    assert "2106.09685" in {p["arxiv_id"] for p in data["papers"] if p["section"] == "classic"}
    code, data = run_json(capsys, "list", "--topic", "lora", "--limit", "0", "--json")
    recent = [p for p in data["papers"] if p["section"] == "recent"]
    assert len(recent) > 10 and all(p["reasons"] and p["score"] > 0 for p in recent)

    code, data = run_json(capsys, "status", "--json")
    assert code == 0 and data["papers"] > 10 and data["topics"] >= 90
    assert {r["source"] for r in data["runs"]} >= {"listing", "seminal", "api"}


def test_a_failing_source_exits_1_and_keeps_the_rest(
    env: dict[str, str], replay: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    replay.script(API, [Reply(status=503)] * 2)  # the first API request and its one retry
    code, data = run_json(capsys, "collect", "--source", "all", "--since", "2026-01-01", "--json")
    assert code == 1
    failed = [r for r in data["runs"] if r["errors"]]
    assert len(failed) == 1 and "503" in failed[0]["error"]
    assert any(r["new"] for r in data["runs"] if not r["errors"])


def test_broken_roadmap_exits_2_naming_file_topic_and_field(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "roadmap.yaml").read_text(encoding="utf-8").replace('"2106.09685"', '"2106.09685v2"', 1)
    broken = tmp_path / f"broken-{'roadmap-' * 12}.yaml"  # a path longer than a line: printed whole
    broken.write_text(text, encoding="utf-8")
    monkeypatch.setenv("RADAR_ROADMAP_PATH", str(broken))
    assert main(["collect"]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "lora" in err and "arxiv_id" in err and "Traceback" not in err
    assert not (tmp_path / "radar.sqlite").exists(), "nothing is stored from a broken roadmap"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["list", "--topic", "lroa"], "lora"),  # unknown topic: suggests the close match
        (["list", "--topic", "lora", "--limit", "-1"], "--limit"),
        (["list", "--topic", "lora", "--days", "99999999"], "--days"),
        (["status", "--limit", "-5"], "--limit"),
        (["collect", "--topic", "nope"], "nope"),
        (["collect", "--since", "2026-02-01", "--until", "2026-01-01"], "--since"),
    ],
)
def test_usage_errors_exit_2_with_a_message(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    assert main(argv) == 2
    assert needle in capsys.readouterr().err


def test_bad_flag_values_exit_2(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["collect", "--since", "last tuesday"])
    assert exc.value.code == 2 and "last tuesday" in capsys.readouterr().err


def test_bad_setting_exits_2_naming_the_variable(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RADAR_ARXIV_DELAY_SECONDS", "soon")
    assert main(["status"]) == 2
    assert "RADAR_ARXIV_DELAY_SECONDS" in capsys.readouterr().err


def test_unreachable_database_exits_2(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RADAR_DATABASE_URL", "postgresql+psycopg://radar:secret@127.0.0.1:9/radar")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "127.0.0.1:9" in err and "secret" not in err


def test_installed_console_script_runs(env: dict[str, str]) -> None:
    """The `radar` entry point itself (not just main()) starts and answers."""
    radar = Path(sys.executable).with_name("radar")
    if not radar.exists():
        pytest.skip("console script not installed (pip install -e .)")
    done = subprocess.run(
        [str(radar), "roadmap", "--json"],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["topics"]) >= 90


def test_collect_prints_one_line_per_source_query_where_no_terminal_is(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["collect"]) == 0
    err = capsys.readouterr().err  # a pipe, as in a container's log: no bars, plain lines
    listing = next(line for line in err.splitlines() if line.startswith("listing "))
    assert ": ok, 1 page(s), 7 fetched, 7 new, 0 updated, 1 request(s)" in listing
    assert "\x1b" not in err


def test_status_check_says_stale_until_a_collection_succeeds(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--check"]) == 1  # a healthcheck fails: nothing was ever collected
    assert "Collection is stale: no collection has succeeded yet" in capsys.readouterr().err
    assert main(["collect", "--source", "listing"]) == 0
    capsys.readouterr()
    code, data = run_json(capsys, "status", "--check", "--json")
    assert code == 0 and data["freshness"] == "fresh" and data["last_success"].startswith("20")
    assert {"database", "papers", "topics", "runs"} <= set(data)  # the documented shape, extended
    monkeypatch.setenv("RADAR_STALE_AFTER_HOURS", "1")
    engine = db.make_engine(env["RADAR_DATABASE_URL"])
    with engine.begin() as connection:  # the last success was two hours ago
        connection.exec_driver_sql("UPDATE runs SET finished_at = datetime('now', '-2 hours')")
    engine.dispose()
    assert main(["status", "--check", "--limit", "0"]) == 1
    assert "last successful collection 2 hours ago (more than 1 hour:" in capsys.readouterr().err


def test_collect_records_its_rows_under_the_run_id_asked_for_and_only_once(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--run-id is how the dashboard's "Collect now" follows the run it started."""
    code, data = run_json(capsys, "collect", "--source", "listing", "--run-id", "dash-0001", "--json")
    assert code == 0 and data["run_id"] == "dash-0001"
    engine = db.make_engine(env["RADAR_DATABASE_URL"])
    with db.session_scope(engine) as session:
        rows = db.run_rows(session, "dash-0001")
    engine.dispose()
    assert [r.source for r in rows] == [r["source"] for r in data["runs"]] == ["listing"]
    assert main(["collect", "--source", "listing", "--run-id", "dash-0001"]) == 2
    assert "--run-id dash-0001 is already recorded" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["collect", "--run-id", "two words"])
    assert exc.value.code == 2 and "'two words' is no run id" in capsys.readouterr().err
