"""Papers, settings and subscribers for the digest tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from paperwire.catalog.model import Authority, Link, PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.digest.subscriptions import Subscriptions
from paperwire.ingest.records import build_record
from paperwire.signing import secret_key

BASE_URL = "https://papers.example.org"


def paper(
    number: int,
    listed_on: dt.date,
    *,
    title: str | None = None,
    abstract: str | None = None,
    upvotes: int = 0,
    code: str | None = None,
) -> PaperRecord:
    return build_record(
        source="hf-daily",
        source_record_id=f"item-{number}",
        authority=Authority.HF_DAILY,
        raw_id=f"2603.{number:05d}",
        title=title or f"A study of topic {number}",
        abstract=abstract or f"We present result number {number}. " * 8,
        authors=["Ada Lovelace", "Alan Turing"],
        categories=["cs.LG"],
        listed_on=listed_on,
        extras={"upvotes": upvotes},
        extra_links=[Link("code", code)] if code else (),
    )


def settings_for(data_dir: Path, smtp_port: int | None = None, **values: Any) -> Settings:
    smtp: dict[str, Any] = {}
    if smtp_port is not None:
        smtp = {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_security": "none",
            "smtp_rate": 1000.0,
        }
    return Settings(data_dir=data_dir, base_url=BASE_URL, secret_key="k" * 40, **(smtp | values))


def subscriptions(catalog: Catalog, settings: Settings) -> Subscriptions:
    return Subscriptions(catalog, secret_key(settings))
