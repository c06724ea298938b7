"""Live harvesting of an OAI-PMH endpoint (arXiv's by default), a page at a time.

Each page's records and the checkpoint that says how to fetch the next page are committed in
one transaction, so a harvest killed at any point resumes from the last committed page and
ends with exactly the catalog an uninterrupted run gives. When a harvest completes, its page
checkpoint is dropped and the latest datestamp seen is remembered under another key: the next
harvest without an explicit `from_date` starts from that day (OAI `from` is inclusive, and
re-reading a day is harmless because upserts are idempotent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict

import httpx

from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.config import Settings
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.oai import FORMAT, OaiError, parse_oai_bytes
from paperwire.ingest.pipeline import IngestReport, ProgressCallback, RejectCallback, run_source

METADATA_PREFIX = "arXiv"
# arXiv pages hold about 1,000 records (2-3 MB); anything far larger is not an arXiv page.
MAX_PAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class HarvestParams:
    """What is being harvested: the endpoint, and the selective-harvesting arguments."""

    base_url: str
    set_spec: str | None = None
    from_date: dt.date | None = None
    until_date: dt.date | None = None

    def first_request(self) -> dict[str, str]:
        params = {"verb": "ListRecords", "metadataPrefix": METADATA_PREFIX}
        if self.set_spec:
            params["set"] = self.set_spec
        if self.from_date:
            params["from"] = self.from_date.isoformat()
        if self.until_date:
            params["until"] = self.until_date.isoformat()
        return params

    def as_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "set": self.set_spec,
            "from": self.from_date.isoformat() if self.from_date else None,
            "until": self.until_date.isoformat() if self.until_date else None,
        }

    def matches(self, saved: dict[str, Any]) -> bool:
        return all(saved.get(key) == value for key, value in self.as_dict().items())


def page_checkpoint_key(base_url: str, set_spec: str | None) -> str:
    return f"arxiv-oai:harvest:{base_url}:{set_spec or '*'}"


def watermark_key(base_url: str, set_spec: str | None) -> str:
    return f"arxiv-oai:last-datestamp:{base_url}:{set_spec or '*'}"


@dataclass
class HarvestPage:
    """One fetched page as a Source: its checkpoint is the request that fetches this page
    until every item has been handed on, then the request for the next page."""

    checkpoint_key: str | None
    records: list[Item]
    current: dict[str, Any]
    after: dict[str, Any]
    format_name: str = FORMAT
    _done: bool = field(default=False, repr=False)

    def items(self) -> Iterator[Item]:
        yield from self.records
        self._done = True

    def checkpoint(self) -> dict[str, Any]:
        return self.after if self._done else self.current


class OaiHarvestSource:
    """A ListRecords harvest over every page, resumable from a checkpoint value."""

    format_name = FORMAT

    def __init__(
        self,
        client: PoliteClient,
        params: HarvestParams,
        resume_from: dict[str, Any] | None = None,
    ) -> None:
        self.client = client
        self.params = params
        self.checkpoint_key: str | None = page_checkpoint_key(params.base_url, params.set_spec)
        usable = resume_from is not None and params.matches(resume_from)
        saved = resume_from if usable and resume_from is not None else {}
        self.token: str | None = saved.get("resumption_token")
        self.complete = bool(saved.get("complete", False))
        self.max_datestamp: str | None = saved.get("max_datestamp")
        self.pages_done = int(saved.get("pages", 0))
        self._resumed_token = self.token is not None
        self._page: HarvestPage | None = None

    def _state(self, token: str | None, complete: bool) -> dict[str, Any]:
        return self.params.as_dict() | {
            "resumption_token": token,
            "complete": complete,
            "max_datestamp": self.max_datestamp,
            "pages": self.pages_done,
        }

    def checkpoint(self) -> dict[str, Any]:
        if self._page is not None:
            return self._page.checkpoint()
        return self._state(self.token, self.complete)

    def pages(self) -> Iterator[HarvestPage]:
        while not self.complete:
            current = self._state(self.token, False)
            records, next_token = self._fetch()
            self.pages_done += 1
            self.complete = not next_token
            self.token = next_token or None
            self._page = HarvestPage(
                self.checkpoint_key, records, current, self._state(self.token, self.complete)
            )
            yield self._page

    def items(self) -> Iterator[Item]:
        for page in self.pages():
            yield from page.items()

    def _fetch(self) -> tuple[list[Item], str | None]:
        """The items of the next page and the token for the one after (None at the end)."""
        if self.token is None:
            request = self.params.first_request()
        else:
            request = {"verb": "ListRecords", "resumptionToken": self.token}
        location = f"{self.params.base_url} page {self.pages_done + 1}"
        body = self.client.get(self.params.base_url, params=request).content
        if len(body) > MAX_PAGE_BYTES:
            raise InputUnreadable(f"{location}: response of {len(body)} bytes is too large")
        try:
            records, response = parse_oai_bytes(body, location)
        except OaiError as error:
            if error.code == "badResumptionToken" and self._resumed_token:
                # A saved token outlived the repository's memory of it: the harvest
                # starts over with the same arguments (storing again is idempotent).
                self._resumed_token = False
                self.token = None
                return self._fetch()
            raise
        self._resumed_token = False
        if response.max_datestamp and (
            self.max_datestamp is None or response.max_datestamp > self.max_datestamp
        ):
            self.max_datestamp = response.max_datestamp
        token = response.resumption_token
        return records, token.token if token is not None and token.token else None


class ArxivHarvestOptions(TypedDict, total=False):
    """harvest_arxiv's keyword options, for callers that pass them on (worker/tasks.py)."""

    set_spec: str | None
    from_date: dt.date | None
    until_date: dt.date | None
    clock: Clock | None
    transport: httpx.BaseTransport | None
    on_progress: ProgressCallback | None
    on_reject: RejectCallback | None


def harvest_arxiv(
    catalog: Catalog,
    settings: Settings,
    *,
    set_spec: str | None = None,
    from_date: dt.date | None = None,
    until_date: dt.date | None = None,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
    on_progress: ProgressCallback | None = None,
    on_reject: RejectCallback | None = None,
) -> IngestReport:
    """Harvest ListRecords (metadataPrefix=arXiv) from settings.arxiv_oai_url into the catalog.

    Without `from_date`, continues from the last datestamp a completed harvest of the same
    endpoint and set recorded. Raises OaiError for protocol errors (other than an empty
    list) and RemoteError when the endpoint keeps failing; a rerun resumes either way.
    """
    base_url = settings.arxiv_oai_url
    if from_date is None:
        from_date = last_harvested_date(catalog, base_url, set_spec)
    params = HarvestParams(base_url, set_spec, from_date, until_date)
    key = page_checkpoint_key(base_url, set_spec)
    report = IngestReport()
    with PoliteClient(
        user_agent=settings.user_agent,
        min_interval=settings.harvest_delay_seconds,
        timeout=settings.http_timeout_seconds,
        clock=clock,
        transport=transport,
    ) as client:
        source = OaiHarvestSource(client, params, resume_from=catalog.checkpoint(key))
        for page in source.pages():
            # One flush per page: the page's records and its checkpoint commit together.
            page_report = run_source(
                catalog,
                page,
                batch_size=len(page.records) + 1,
                on_progress=on_progress,
                on_reject=on_reject,
                finish=False,
            )
            report.merge(page_report)
    _remember_datestamp(catalog, base_url, set_spec, source.max_datestamp)
    catalog.clear_checkpoint(key)
    return report


def last_harvested_date(catalog: Catalog, base_url: str, set_spec: str | None) -> dt.date | None:
    saved = catalog.checkpoint(watermark_key(base_url, set_spec))
    raw = saved.get("datestamp") if saved else None
    try:
        return dt.date.fromisoformat(raw[:10]) if isinstance(raw, str) else None
    except ValueError:
        return None


def _remember_datestamp(
    catalog: Catalog, base_url: str, set_spec: str | None, datestamp: str | None
) -> None:
    if datestamp is None:
        return
    key = watermark_key(base_url, set_spec)
    saved = catalog.checkpoint(key)
    previous = saved.get("datestamp") if saved else None
    if isinstance(previous, str) and previous >= datestamp:
        return  # a backfill with `until` must not move the watermark backwards
    catalog.save_checkpoint(key, {"datestamp": datestamp})
