"""Start-up settings, from PAPERWIRE_* environment variables (documented in docs/config.md)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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

    def catalog_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'catalog.db').resolve()}"


def load_settings() -> Settings:
    return Settings()
