"""Start-up settings, from PAPERWIRE_* environment variables (documented in docs/config.md)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAPERWIRE_", extra="ignore")

    data_dir: Path = Field(
        default=Path("paperwire-data"),
        description="Where the SQLite catalog and the index files live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the catalog; default: SQLite file catalog.db in data_dir.",
    )
    host: str = Field(default="127.0.0.1", description="Address `paperwire serve` binds.")
    port: int = Field(default=8000, description="Port `paperwire serve` listens on.")
    arxiv_oai_url: str = Field(
        default="https://export.arxiv.org/oai2", description="arXiv OAI-PMH endpoint."
    )
    arxiv_api_url: str = Field(
        default="https://export.arxiv.org/api/query", description="arXiv Atom API endpoint."
    )
    hf_api_url: str = Field(
        default="https://huggingface.co/api", description="Hugging Face API base URL."
    )
    harvest_delay_seconds: float = Field(
        default=3.0,
        ge=0,
        description="Least time between two requests to arXiv (its terms ask for 3 s).",
    )
    http_timeout_seconds: float = Field(default=60.0, gt=0, description="HTTP timeout.")
    user_agent: str = Field(
        default="paperwire/0.1 (self-hosted paper radar)",
        description="User-Agent sent to arXiv and Hugging Face.",
    )

    semantic_search: bool = Field(
        default=True,
        description="Search by meaning too (loads the embedding model in each web process).",
    )
    embed_provider: Literal["auto", "cpu", "cuda"] = Field(
        default="auto",
        description="Where `paperwire embed` runs the model: auto (CUDA when onnxruntime-gpu "
        "sees a GPU, else CPU), cpu, or cuda (fail without a GPU).",
    )
    embed_claim_minutes: float = Field(
        default=10.0,
        gt=0,
        description="How long a batch claimed by `paperwire embed` stays its run's; a run "
        "killed mid-batch leaves it to the others after this.",
    )
    web_cache: bool = Field(
        default=True,
        description="Keep rendered public pages for anonymous visitors until the database "
        "changes (turn off to measure rendering).",
    )
    web_threads: int = Field(
        default=8,
        ge=1,
        le=256,
        description="Threads per web process that run page handlers. More would wait on the "
        "one interpreter lock and switch between each other (measured: a third slower at 40).",
    )
    base_url: str | None = Field(
        default=None,
        description="Public URL of this instance (https://papers.example.org), used for links "
        "in feeds and mails; default: the URL each request came in on.",
    )
    security_contact: str | None = Field(
        default=None,
        description="Where to report a security problem, for /.well-known/security.txt: a "
        "mailto: or https: URI, or a bare address; default: the PAPERWIRE_SMTP_FROM address.",
    )
    max_form_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body a page's form post may send (bytes); a bigger one "
        "is refused with 413 before it is read.",
    )
    max_json_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body the JSON API accepts (bytes, under /api/); a "
        "bigger one is refused with 413 before it is read.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs links in mails and form tokens; default: a random key made "
        "once and kept in the data dir (set it when several processes share a database).",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for mails; unset: no mail is sent."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port.")
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="starttls", description="none, starttls (port 587) or tls (port 465)."
    )
    smtp_user: str | None = Field(default=None, description="SMTP login, when it needs one.")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA certificates the SMTP server's certificate is checked "
        "against (a private CA); unset: the system's trusted CAs.",
    )
    smtp_from: str = Field(
        default="paperwire <paperwire@localhost>", description="From address of every mail."
    )
    smtp_rate: float = Field(
        default=20.0, gt=0, description="Most messages sent per second (all workers together)."
    )
    # Mails a request can cause (sign-up, verification, reset, digest subscription):
    # accounts/mail_limits.py, docs/community.md "Mail limits".
    mail_limit_per_address: int = Field(
        default=3, ge=1, description="Most mails of one kind to one address per window."
    )
    mail_limit_address_hours: float = Field(
        default=24.0, gt=0, description="The per-address window, in hours."
    )
    mail_limit_per_client: int = Field(
        default=5, ge=1, description="Most mails one client IP may cause per window."
    )
    mail_limit_client_minutes: float = Field(
        default=60.0, gt=0, description="The per-client window, in minutes."
    )

    # Community submissions (docs/community.md) and the trending score (docs/trending.md).
    submission_max_age_days: int = Field(
        default=14, ge=0, description="Oldest paper (by its arXiv submission date) one may submit."
    )
    submission_daily_cap: int = Field(
        default=5, ge=0, description="Most papers one account may submit per UTC day."
    )
    trending_window_days: int = Field(
        default=7, ge=1, le=366, description="Trending ranks the papers listed in these days."
    )
    trending_gravity: float = Field(
        default=1.8, ge=0, le=10, description="How fast a trending score decays with age."
    )
    trending_comment_weight: float = Field(
        default=0.5, ge=0, description="What one comment counts for, in upvotes."
    )
    trending_submission_boost: float = Field(
        default=1.0, ge=0, description="Upvotes added to a paper submitted here."
    )
    trending_star_weight: float = Field(
        default=0.05, ge=0, description="Upvotes per GitHub star gained within the window."
    )

    # Operations (docs/operations.md): logs, /metrics, /readyz, backups.
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="How `paperwire serve` logs: text lines, or one JSON object a line.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Least level of the records `paperwire serve` logs."
    )
    access_log: bool = Field(
        default=False, description="Log one line per request (`paperwire serve --access-log`)."
    )
    metrics_allow: str = Field(
        default="127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
        description="Client networks (comma-separated CIDRs) that may read /metrics; '*': all.",
    )
    ready_requires_index: bool = Field(
        default=True, description="/readyz fails until the keyword search index is built."
    )
    pg_bin_dir: Path | None = Field(
        default=None,
        description="Folder of pg_dump and pg_restore for `paperwire backup`/`restore`; "
        "default: the newest under /usr/lib/postgresql, else the PATH.",
    )

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip() and part.strip() != "*":
                ipaddress.ip_network(part.strip(), strict=False)  # ValueError names it
        return value

    def catalog_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'catalog.db').resolve()}"


def load_settings() -> Settings:
    return Settings()
