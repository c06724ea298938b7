"""Community and account test helpers: a real SMTP server (aiosmtpd), settings pointing at
it, quick password hashing, and helpers that store a user or a paper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import argon2
import pytest

from paperwire.accounts import passwords
from paperwire.accounts import users as accounts
from paperwire.accounts.model import User
from paperwire.catalog.model import Authority, Link
from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from tests.support.factories import make_record
from tests.support.smtp import SmtpSink, smtp_sink

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> argon2.PasswordHasher:
    """argon2id with tiny parameters: the same code paths, a thousandth of the time."""
    hasher = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", hasher)
    return hasher


@pytest.fixture
def mailbox() -> Iterator[SmtpSink]:
    with smtp_sink() as box:
        yield box


@pytest.fixture
def settings(tmp_path: Path, mailbox: SmtpSink) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        base_url="https://papers.example.org",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_security="none",
        smtp_from="paperwire <noreply@papers.example.org>",
        harvest_delay_seconds=0,
    )


def make_user(
    catalog: Catalog,
    username: str = "alice",
    *,
    role: str = "user",
    verified: bool = True,
    password: str | None = PASSWORD,
) -> User:
    return accounts.create_user(
        catalog,
        username=username,
        email=f"{username}@example.org",
        password=password,
        role=role,
        verified=verified,
    )


def add_paper(
    catalog: Catalog,
    paper_id: str,
    *,
    title: str | None = None,
    listed_on: dt.date | None = None,
    submitted: dt.date | None = None,
    source: str = "hf-daily",
    extras: dict[str, Any] | None = None,
    authors: list[str] | None = None,
    categories: list[str] | None = None,
    links: list[Link] | None = None,
) -> str:
    """Store one paper the way a feed would (listed_on set: a listing feed)."""
    record = make_record(
        source=source,
        source_record_id=paper_id,
        authority=Authority.HF_DAILY if source == "hf-daily" else Authority.ARXIV,
        raw_id=paper_id if "." in paper_id or "/" in paper_id else None,
        title=title or f"Paper {paper_id}",
        authors=authors or ["Ada Lovelace"],
        categories=categories or ["cs.LG"],
        version=None,
        submitted=submitted,
        listed_on=listed_on,
        extras=extras or {},
        extra_links=links or [],
    )
    catalog.upsert([record])
    return record.paper_id
