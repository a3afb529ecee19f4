"""A digest end to end in a real browser: the mail aiosmtpd received, rendered by Debian's chromium; its
"manage" link followed into the served dashboard; the RFC 8058 one-click POST to the served endpoint.

The digest's screenshot is README's: `UPDATE_SCREENSHOTS=1` writes it to docs/digest-email.png.
"""

from __future__ import annotations

import os
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import db
from collector.config import PROJECT_ROOT, Settings
from collector.delivery import send_digests
from collector.serve import streamlit_command
from tests.digest_seed import seed_digests
from tests.smtp_server import Inbox, free_port
from tests.test_dashboard_e2e import CHROMIUM, FLAGS, wait_healthy
from tests.test_digests import add, bodies

SCREENSHOT = PROJECT_ROOT / "docs" / "digest-email.png"


@dataclass
class Served:
    url: str
    engine: Engine


@pytest.fixture
def served(tmp_path: Path, inbox: Inbox) -> Iterator[Served]:
    """A seeded database with two subscribers, and the dashboard (`streamlit run dashboard/server.py`)."""
    database = f"sqlite:///{tmp_path / 'radar.sqlite'}"
    engine = db.make_engine(database)
    seed_digests(engine)
    add(engine, "alice@example.org", ("lora", "rag", "agent", "diffusion"))
    add(engine, "bob@example.org", ("lora",))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, **inbox.env(), "RADAR_DATABASE_URL": database, "RADAR_PUBLIC_URL": url}
    command = [*streamlit_command(port, "127.0.0.1"), "--server.fileWatcherType", "none"]
    with (tmp_path / "streamlit.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, process)
        yield Served(url, engine)
    finally:
        process.terminate()
        process.wait(timeout=15)
        engine.dispose()


def deliver(served: Served, inbox: Inbox) -> None:
    values = {key.removeprefix("RADAR_").lower(): v for key, v in inbox.env().items()} | {
        "public_url": served.url
    }
    send_digests(Settings(_env_file=None, **values), served.engine)  # type: ignore[arg-type]


def post(url: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        with error:  # it holds the answer's socket
            return error.code, error.read().decode()


def test_a_digest_renders_in_a_browser_and_its_manage_link_opens_its_own_subscriptions(
    served: Served, inbox: Inbox, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    deliver(served, inbox)
    [alice] = inbox.to("alice@example.org")
    html = tmp_path / "digest.html"
    html.write_text(bodies(alice)[1], encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 760, "height": 1180})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(html.as_uri())
        expect(page.get_by_text(re.compile(r"new papers on the topics you follow"))).to_be_visible()
        expect(page.get_by_text("<script>alert(1)</script> LoRA", exact=False)).to_be_visible()
        shot = tmp_path / "digest.png"
        page.screenshot(path=str(shot))
        if os.environ.get("UPDATE_SCREENSHOTS"):
            SCREENSHOT.write_bytes(shot.read_bytes())
        assert shot.stat().st_size > 40_000 and dialogs == []  # a real rendering; no script ran

        page.get_by_role("link", name="Manage your subscriptions").click()
        expect(page.get_by_text("Subscriptions of alice@example.org")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(re.compile(r"^Daily: LoRA .*Diffusion models"))).to_be_visible()
        assert "bob@example.org" not in page.content()
        browser.close()


def test_one_click_unsubscribe_is_a_post_and_a_get_only_asks(served: Served, inbox: Inbox) -> None:
    deliver(served, inbox)
    links = {r.recipients[0]: r.message["List-Unsubscribe"].strip("<>") for r in inbox.received}
    status, text = post(links["alice@example.org"], b"List-Unsubscribe=One-Click")
    assert (status, text) == (200, "You are unsubscribed from this digest.")
    assert post(links["alice@example.org"], b"List-Unsubscribe=One-Click")[0] == 404  # spent
    assert post(links["bob@example.org"], b"something=else")[0] == 400
    opener = urllib.request.build_opener(NoRedirect())
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(links["bob@example.org"], timeout=10)
    with redirect.value as answer:
        assert answer.code == 303 and answer.headers["Location"].startswith("subscriptions?unsubscribe=")
    with db.session_scope(served.engine) as session:
        assert db.list_subscriptions(session, "alice@example.org") == []
        assert len(db.list_subscriptions(session, "bob@example.org")) == 1  # a GET changes nothing


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
