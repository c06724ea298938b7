"""Values for tests, in one place: papers (stored `Paper`s and the `PaperRecord`s sources
build), and the settings and subscriptions the digest tests use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from paperwire.catalog.model import Authority, Link, Paper, PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.digest.subscriptions import Subscriptions
from paperwire.ingest.records import build_record
from paperwire.signing import secret_key

BASE_URL = "https://papers.example.org"

# -- papers ------------------------------------------------------------------------------


def make_paper(**fields: object) -> Paper:
    """A Paper as the catalog would return it; `fields` override the defaults."""
    values: dict[str, object] = {
        "id": "2403.01234",
        "title": "A title",
        "abstract": "An abstract.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": [],
        "version": None,
        "submitted": None,
        "updated": None,
        "doi": None,
        "journal_ref": None,
        "comments": None,
        "license": None,
        "links": [],
        "listed_on": None,
        "extras": {},
        "authority": Authority.ARXIV,
        "withdrawn": False,
    }
    values.update(fields)
    return Paper(**values)  # type: ignore[arg-type]


def make_record(**arguments: Any) -> PaperRecord:
    """A record built the way every source builds one (`build_record`, so every string is
    cleaned); `arguments` are build_record's and override an arXiv record of 2403.01234.
    `raw_id=None` gives a paper without an arXiv id (its id is the title's slug)."""
    values: dict[str, Any] = {
        "source": "arxiv-oai",
        "source_record_id": f"oai:arXiv.org:{arguments.get('raw_id') or '2403.01234'}",
        "authority": Authority.ARXIV,
        "raw_id": "2403.01234",
        "title": "A Paper",
        "abstract": "An abstract.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": ["cs.LG", "stat.ML"],
        "version": 1,
        "submitted": dt.date(2024, 3, 2),
    }
    values.update(arguments)
    return build_record(**values)


def paper(
    number: int,
    listed_on: dt.date,
    *,
    title: str | None = None,
    abstract: str | None = None,
    upvotes: int = 0,
    code: str | None = None,
) -> PaperRecord:
    """Paper `number` of an HF daily list (id 2603.<number>), listed on `listed_on`."""
    return make_record(
        source="hf-daily",
        source_record_id=f"item-{number}",
        authority=Authority.HF_DAILY,
        raw_id=f"2603.{number:05d}",
        title=title or f"A study of topic {number}",
        abstract=abstract or f"We present result number {number}. " * 8,
        categories=["cs.LG"],
        version=None,
        submitted=None,
        listed_on=listed_on,
        extras={"upvotes": upvotes},
        extra_links=[Link("code", code)] if code else (),
    )


# -- digest: settings and subscriptions ---------------------------------------------------


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
