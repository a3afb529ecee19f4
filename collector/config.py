"""The one settings object: every knob of Roadmap Radar, read from the environment (and `.env`).

Each setting has a default and a help line; README.md's configuration table lists them all and
`tests/test_settings_docs.py` fails when the two drift apart. Secrets come only from the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_database_url() -> str:
    """SQLite under the XDG data directory, so every working directory sees the same database."""
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{data_home / 'roadmap-radar' / 'radar.sqlite'}"


class Settings(BaseSettings):
    """Roadmap Radar settings. Environment variable = `RADAR_` + the upper-case field name."""

    model_config = SettingsConfigDict(env_prefix="RADAR_", env_file=".env", extra="ignore")

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
        description="Smallest spacing between two arXiv requests, for every arXiv request in the process.",
    )
    http_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Timeout of every HTTP request (connect and read)."
    )
    http_max_retries: int = Field(
        default=4,
        ge=0,
        description="Retries of a failed request (429, 5xx, timeout, connection error, empty page) "
        "before the source is recorded as failed.",
    )
    http_backoff_seconds: float = Field(
        default=5.0,
        ge=0,
        description="First backoff after a failure; it doubles on each retry unless Retry-After says more.",
    )
    http_max_backoff_seconds: float = Field(
        default=300.0,
        ge=0,
        description="Longest single wait between retries, Retry-After included.",
    )
    arxiv_page_size: int = Field(
        default=2000, ge=1, le=2000, description="Results per arXiv API page (arXiv allows up to 2000)."
    )
    arxiv_max_results: int = Field(
        default=10000,
        ge=1,
        description="Most results fetched for one grouped backfill query in one run.",
    )
    arxiv_query_max_chars: int = Field(
        default=2000,
        ge=100,
        description="Longest grouped search_query sent to the arXiv API; topic queries are OR-ed into "
        "groups up to this length.",
    )
    arxiv_id_batch: int = Field(
        default=100, ge=1, le=2000, description="arXiv ids per id_list request when fetching seminal papers."
    )
    backfill_days: int = Field(
        default=365, ge=1, description="Backfill window for a topic never backfilled before, in days."
    )
    seminal_retry_days: int = Field(
        default=7,
        ge=0,
        description="The daily cycle asks arXiv again for classics it lacked only after this many days.",
    )
    recent_half_life_days: float = Field(
        default=30.0,
        gt=0,
        description="Half-life of recency in reading-list ranking: a paper this old counts half as much.",
    )

    @field_validator("arxiv_api_url", "arxiv_listing_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def user_agent(self) -> str:
        contact = f"; mailto:{self.contact}" if self.contact else ""
        return f"RoadmapRadar/0.1 (+https://github.com/roadmap-radar/roadmap-radar{contact})"


def load_settings() -> Settings:
    return Settings()
