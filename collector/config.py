"""The one settings object: every knob of Roadmap Radar, read from the environment (and `.env`).

Each setting has a default and a help line; README.md's configuration table lists them all and
`tests/test_settings_docs.py` fails when the two drift apart. Secrets come only from the environment.
Every value is checked on load: numbers must be finite and inside sane bounds (a delay of `inf` or a
backfill of a million days is refused, not obeyed), base URLs must be http(s), header values must hold no
control characters, and a crontab must parse and fire at least once.
"""

from __future__ import annotations

import os
from datetime import UTC
from email.utils import getaddresses
from pathlib import Path
from typing import Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from collector.clock import utc_now

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """$XDG_DATA_HOME/roadmap-radar (~/.local/share/roadmap-radar)."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "roadmap-radar"


def default_database_url() -> str:
    """SQLite under the XDG data directory, so every working directory sees the same database."""
    return f"sqlite:///{data_dir() / 'radar.sqlite'}"


def default_feeds_dir() -> Path:
    return data_dir() / "feeds"


class Settings(BaseSettings):
    """Roadmap Radar settings. Environment variable = `RADAR_` + the upper-case field name."""

    model_config = SettingsConfigDict(
        env_prefix="RADAR_", env_file=".env", env_file_encoding="utf-8", extra="ignore", allow_inf_nan=False
    )

    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL of the database. Default: SQLite at "
        "`$XDG_DATA_HOME/roadmap-radar/radar.sqlite` (`~/.local/share/...`); "
        "PostgreSQL as `postgresql+psycopg://user@host/db`.",
    )
    roadmap_path: Path = Field(
        default=PROJECT_ROOT / "roadmap.yaml",
        description="Path of the roadmap file (topics, queries, seminal papers, resources).",
    )
    contact: str = Field(
        default="",
        description="Your e-mail or URL, sent in the User-Agent so arXiv and Hugging Face can reach you.",
    )
    arxiv_api_url: str = Field(
        default="https://export.arxiv.org/api/query",
        description="Base URL of the arXiv API (search and id_list queries).",
    )
    arxiv_listing_url: str = Field(
        default="https://rss.arxiv.org/atom",
        description="Base URL of arXiv's daily listing feeds; categories are joined as `/<cat>+<cat>`.",
    )
    arxiv_delay_seconds: float = Field(
        default=3.0,
        ge=0,
        le=600,
        description="Smallest spacing between two arXiv requests, for every arXiv request in the process.",
    )
    http_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="Timeout of every HTTP request while it waits for an answer (read and write).",
    )
    http_connect_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=120,
        description="Timeout for opening a connection; two connect timeouts in a row make the host "
        "skipped for the rest of the run (a firewall that drops packets costs seconds, not minutes).",
    )
    http_max_retries: int = Field(
        default=4,
        ge=0,
        le=20,
        description="Retries of a failed request (429, 5xx, read timeout, reset connection, broken or "
        "empty page) before the source is recorded as failed; an unreachable host is not retried (see the "
        "failure policy).",
    )
    http_backoff_seconds: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description="First backoff after a failure; it doubles on each retry unless Retry-After says more.",
    )
    http_max_backoff_seconds: float = Field(
        default=300.0,
        ge=0,
        le=86400,
        description="Longest single wait between retries, Retry-After included.",
    )
    arxiv_page_size: int = Field(
        default=2000, ge=1, le=2000, description="Results per arXiv API page (arXiv allows up to 2000)."
    )
    arxiv_max_results: int = Field(
        default=10000,
        ge=1,
        le=1_000_000,
        description="Most results fetched for one grouped backfill query in one run.",
    )
    arxiv_query_max_chars: int = Field(
        default=2000,
        ge=100,
        le=100_000,
        description="Longest grouped search_query sent to the arXiv API; topic queries are OR-ed into "
        "groups up to this length.",
    )
    arxiv_id_batch: int = Field(
        default=100, ge=1, le=2000, description="arXiv ids per id_list request when fetching seminal papers."
    )
    backfill_days: int = Field(
        default=365,
        le=36500,
        ge=1,
        description="Backfill window for a topic never backfilled before, in days.",
    )
    seminal_retry_days: int = Field(
        default=7,
        ge=0,
        le=3650,
        description="The daily cycle asks arXiv again for classics it lacked only after this many days.",
    )
    recent_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="A reading list's recent section (`radar list`, the Topic page's default): papers "
        "about the topic published within this many days (widened when few are: `RADAR_WIDEN_BELOW`).",
    )
    widen_below: int = Field(
        default=10,
        ge=0,
        le=1000,
        description="When fewer papers than this in a topic's window are about the topic, the window widens "
        "to a year, then to three years (and says so); 0 never widens.",
    )
    recent_half_life_days: float = Field(
        default=30.0,
        gt=0,
        le=36500,
        description="Half-life of recency in reading-list ranking: a paper this old counts half as much.",
    )

    # -- Hugging Face ----------------------------------------------------------------------------------
    hf_api_url: str = Field(
        default="https://huggingface.co/api",
        description="Base URL of the Hugging Face API (daily papers, paper pages, paper search).",
    )
    hf_token: str = Field(
        default="",
        description="Optional Hugging Face access token, sent as `Authorization: Bearer …` (higher rate "
        "limits). Secret: set it in the environment only.",
    )
    hf_delay_seconds: float = Field(
        default=1.0, le=600, ge=0, description="Smallest spacing between two Hugging Face requests."
    )
    hf_days: int = Field(
        default=7,
        ge=1,
        le=366,
        description="Featured days each HF run polls (today and the days before), updating upvotes, "
        "comments and code links of papers already stored.",
    )
    hf_page_size: int = Field(
        default=100, ge=1, le=100, description="Papers per `/daily_papers` page (the `limit` parameter)."
    )
    hf_paper_lookups: int = Field(
        default=5,
        ge=0,
        le=10_000,
        description="HF paper pages (`/papers/{id}`) asked for per run, for papers in reading lists "
        "(classics, and recent papers without a code link).",
    )
    hf_recheck_days: int = Field(
        default=7, le=3650, ge=1, description="A paper's HF page is asked for again after this many days."
    )
    hf_links_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Papers published within this many days are re-checked for code links that "
        "appeared late.",
    )
    hf_search_limit: int = Field(
        default=10, ge=1, le=100, description="Papers kept per topic from HF paper search (weekly)."
    )
    feed_max_posts: int = Field(
        default=20,
        ge=0,
        le=1000,
        description="Newest posts read per blog feed (a topic resource of kind `feed`) per run; 0 turns "
        "feed reading off.",
    )
    # -- trending and the frontier ----------------------------------------------------------------------
    trending_days: int = Field(
        default=14,
        ge=1,
        le=3650,
        description="A topic's trending section: its papers published or featured on HF within this "
        "many days.",
    )
    trending_limit: int = Field(
        default=10, ge=1, le=10_000, description="Most papers in a topic's trending section."
    )
    trending_half_life_days: float = Field(
        default=7.0,
        gt=0,
        le=3650,
        description="Half-life of recency in trending ranking (upvotes and stars weighted by age).",
    )
    frontier_days: int = Field(
        default=7,
        ge=1,
        le=3650,
        description="Window of `radar trending` (the L4 frontier) when `--days` is not given.",
    )
    # -- the schedule and the lock -------------------------------------------------------------------------
    schedule_listing_cron: str = Field(
        default="30 5 * * mon-fri",
        description="When `radar schedule` runs the daily cycle (crontab, UTC). arXiv announces Sun–Thu "
        "20:00 US Eastern and its listing feeds refresh at midnight Eastern (04:00/05:00 UTC Mon–Fri).",
    )
    schedule_hf_hours: int = Field(
        default=4, le=8760, ge=1, description="Hours between two Hugging Face refreshes of `radar schedule`."
    )
    schedule_backfill_cron: str = Field(
        default="0 3 * * sun",
        description="When `radar schedule` runs the topic backfill and HF paper search (crontab, UTC).",
    )
    schedule_misfire_grace_seconds: int = Field(
        default=3600,
        ge=1,
        le=604_800,
        description="A job missed by up to this long (scheduler down, machine asleep) still runs, once.",
    )
    lock_ttl_seconds: int = Field(
        default=300,
        ge=10,
        le=86_400,
        description="The collection lock expires this long after its holder's last heartbeat (sent every "
        "third of it), so a crashed collector's lock is taken over.",
    )

    stale_after_hours: int = Field(
        default=24,
        ge=1,
        le=8760,
        description="Collection is stale when no collection has succeeded for this long: the dashboard "
        "warns and `radar status --check` exits 1 (a container healthcheck).",
    )

    # -- digests: subscriptions, mail, Atom feeds --------------------------------------------------------
    smtp_host: str = Field(
        default="localhost", description="SMTP server that delivers digests and opt-in mail."
    )
    smtp_port: int = Field(
        default=25,
        ge=1,
        le=65535,
        description="Port of the SMTP server (587 is usual with starttls, 465 with tls; docker-compose's "
        "mailpit listens on 1025).",
    )
    smtp_user: str = Field(default="", description="SMTP login name; empty: no login.")
    smtp_password: SecretStr = Field(
        default=SecretStr(""),
        description="SMTP password. Secret: set it in the environment only; it is never logged or printed.",
    )
    smtp_from: str = Field(
        default="Roadmap Radar <radar@localhost>",
        description="The From of every mail: an address, optionally with a display name.",
    )
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none",
        description="`none` (plain; a login is then refused unless the server is on this machine), "
        "`starttls` (upgrade after connecting) or `tls` (TLS from the start). Certificates are verified.",
    )
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, description="Timeout of every SMTP command.")
    smtp_max_retries: int = Field(
        default=3,
        ge=0,
        description="Retries of a message the server answered with 4xx (or a dropped connection) before it "
        "is recorded as deferred for the next run.",
    )
    smtp_backoff_seconds: float = Field(
        default=5.0,
        ge=0,
        description="First wait before an SMTP retry; it doubles on each retry (at most 5 min).",
    )
    digest_max_per_topic: int = Field(
        default=10,
        ge=1,
        description="Most papers listed per topic in a digest; the rest are counted, with a link to the "
        "topic.",
    )
    digest_days: int = Field(
        default=30,
        ge=1,
        description="A paper is news for digests and feeds only if it was published at most this many days "
        "before its match was first recorded, so a backfill never floods a mailbox.",
    )
    digest_send_empty: bool = Field(
        default=False,
        description="Send a short “nothing new” note when a period brought nothing (default: send nothing).",
    )
    digest_link_days: int = Field(
        default=60,
        ge=1,
        description="How long the links in a mail (confirm, unsubscribe, manage) work; unconfirmed "
        "subscriptions are deleted after this long.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8501",
        description="Where readers reach the dashboard: links in digests (topic pages, unsubscribe, manage) "
        "and feeds start with it.",
    )
    feeds_dir: Path = Field(
        default_factory=default_feeds_dir,
        description="Where the Atom feeds are written after each collection (`topics/<id>.atom`, "
        "`levels/<L>.atom`), for any static server to publish. Default: "
        "`~/.local/share/roadmap-radar/feeds`.",
    )
    feeds_base_url: str = Field(
        default="",
        description="The URL at which RADAR_FEEDS_DIR is published (the Topic page shows each topic's feed "
        "URL under it); empty: not published.",
    )
    feeds_max_entries: int = Field(default=50, ge=1, le=1000, description="Most entries in one Atom feed.")
    schedule_digest_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field(
        default="mon",
        description="The day weekly digests go out, after that day's daily cycle (daily ones go after every "
        "successful daily cycle).",
    )

    @field_validator("arxiv_api_url", "arxiv_listing_url", "hf_api_url", "public_url", "feeds_base_url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        if info.field_name == "feeds_base_url" and not value:
            return value  # feeds not published
        if not value.startswith(("http://", "https://")) or any(c.isspace() or ord(c) < 32 for c in value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("contact", "hf_token")
    @classmethod
    def _header_safe(cls, value: str) -> str:
        # Both go into request headers, where anything but printable ASCII would break every request.
        if not all(" " <= c <= "~" for c in value):
            raise ValueError(
                "must be printable ASCII (it is sent in an HTTP header): no accents, tabs or line breaks"
            )
        return value

    @field_validator("schedule_listing_cron", "schedule_backfill_cron")
    @classmethod
    def _fires(cls, value: str) -> str:
        try:
            trigger = CronTrigger.from_crontab(value, timezone=UTC)
        except ValueError as exc:
            raise ValueError(f"not a crontab expression (minute hour day month weekday): {exc}") from None
        if trigger.get_next_fire_time(None, utc_now()) is None:
            raise ValueError("never fires (a day that does not exist, such as 31 February)")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _one_sender(cls, value: str) -> str:
        """One address (with an optional display name): no line breaks, no second address."""
        found = getaddresses([value])
        if any(ch in value for ch in "\r\n") or len(found) != 1 or "@" not in found[0][1]:
            raise ValueError("expected one address such as `Roadmap Radar <radar@example.org>`")
        return value

    def user_agent(self) -> str:
        contact = f"; mailto:{self.contact}" if self.contact else ""
        return f"RoadmapRadar/0.1 (+https://github.com/roadmap-radar/roadmap-radar{contact})"


def load_settings() -> Settings:
    return Settings()
