"""The digest commands as a user types them: `radar subscribe`, `subscriptions`, `unsubscribe`, `digest
send` — exit codes, messages naming bad values, the --json shape, the opt-in mail on a real SMTP server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import db
from collector.cli import main
from tests.smtp_server import Inbox, free_port

JSON_FIELDS = {
    "id", "email", "topics", "levels", "every", "language", "reader", "origin", "confirmed", "created_at",
    "confirmed_at", "checked_at", "sent_at", "error", "error_at", "frequency",
}  # fmt: skip


@pytest.fixture
def env(inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'radar.sqlite'}"
    for name, value in {**inbox.env(), "RADAR_DATABASE_URL": url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return url


def listed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["subscriptions", "--json"]) == 0
    found: list[dict[str, object]] = json.loads(capsys.readouterr().out)["subscriptions"]
    return found


def test_subscribe_list_and_unsubscribe(env: str, inbox: Inbox, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["subscribe", "Alice@Example.ORG", "--topic", "lora", "rag", "--level", "L3", "--every", "weekly"]
    assert main([*args, "--language", "zh", "--confirmed"]) == 0
    assert "confirmed" in capsys.readouterr().out
    [alice] = listed(capsys)
    assert set(alice) == JSON_FIELDS
    assert (alice["email"], alice["topics"], alice["levels"], alice["every"]) == (
        "Alice@example.org", ["lora", "rag"], ["L3"], "weekly",
    )  # fmt: skip
    assert (alice["language"], alice["confirmed"], alice["origin"]) == ("zh", True, "cli")
    assert inbox.received == []  # the operator vouched: no opt-in mail

    assert main(["unsubscribe", "Alice@example.org", "--topic", "lora"]) == 0
    assert "1 narrowed" in capsys.readouterr().out
    assert listed(capsys)[0]["topics"] == ["rag"]
    assert main(["unsubscribe", "Alice@example.org"]) == 0
    assert "forgotten" in capsys.readouterr().out and listed(capsys) == []
    assert main(["unsubscribe", "Alice@example.org"]) == 2
    assert "has no subscription" in capsys.readouterr().err


def test_subscribe_without_confirmed_mails_an_opt_in_once_an_hour(
    env: str, inbox: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscribe", "bob@example.org", "--topic", "lora"]) == 0
    assert main(["subscribe", "bob@example.org", "--topic", "rag"]) == 0
    out = capsys.readouterr().out
    assert "pending" in out and "mailed less than an hour ago" in out
    assert [r.recipients for r in inbox.received] == [["bob@example.org"]]
    assert [s["confirmed"] for s in listed(capsys)] == [False, False]
    assert main(["digest", "send"]) == 0  # nothing confirmed, nothing due
    assert "nothing due" in capsys.readouterr().out and len(inbox.received) == 1


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("alice@example.org\r\nBcc: everyone@example.org", "line break"),
        ("alice@example.org, mallory@example.org", "more than one address"),
        ("Alice <alice@example.org>", "display name"),
        ('"alice@example.org"@evil.example', "display name, quotes"),
        ("alice@", "not a usable e-mail address"),
    ],
)
def test_a_bad_address_exits_2_naming_it(
    env: str, inbox: Inbox, address: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscribe", address, "--topic", "lora", "--confirmed"]) == 2
    err = capsys.readouterr().err
    assert why in err and repr(address)[:20] in err
    assert main(["digest", "send", "--to", address]) == 2
    engine = db.make_engine(env)
    db.migrate(engine)  # the refused commands never opened the database
    with db.session_scope(engine) as session:
        assert db.list_subscriptions(session) == []
    engine.dispose()
    assert inbox.received == []


def test_unknown_topics_levels_and_missing_choices_exit_2(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscribe", "a@example.org", "--topic", "lroa", "--confirmed"]) == 2
    assert "unknown topic 'lroa' (did you mean lora" in capsys.readouterr().err
    assert main(["subscribe", "a@example.org", "--level", "L9", "--confirmed"]) == 2
    assert "unknown level 'L9'" in capsys.readouterr().err
    assert main(["subscribe", "a@example.org", "--confirmed"]) == 2
    assert "at least one --topic or --level" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        main(["subscribe", "a@example.org", "--topic", "lora", "--every", "hourly"])
    assert bad.value.code == 2


def test_an_unreachable_mail_server_exits_1_naming_it(
    env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RADAR_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("RADAR_SMTP_MAX_RETRIES", "0")
    assert main(["subscribe", "carol@example.org", "--topic", "lora"]) == 1
    assert "mail to carol@example.org not sent" in capsys.readouterr().err
