"""Hugging Face daily papers: JSON files and the live https://huggingface.co/api/daily_papers.

Each item is {"paper": {...}, ...}: the paper object carries the arXiv id, title, summary,
authors, dates, repository and project links and HF figures (upvotes, githubStars,
ai_keywords...); the item around it adds numComments, submittedBy and organization.
Every string goes through the cleaning in records/text; only plain http(s) URLs are kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from paperwire.catalog import text
from paperwire.catalog.links import URL_MAX_CHARS, normalise_code_url, safe_http_url
from paperwire.catalog.model import Authority, Link, PaperRecord, Rejection
from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.config import Settings
from paperwire.ingest.base import InputUnreadable, Item, shown
from paperwire.ingest.http import PoliteClient, RemoteError
from paperwire.ingest.inputs import READ_ERRORS, open_input
from paperwire.ingest.pipeline import (
    IngestReport,
    ProgressCallback,
    RejectCallback,
    run_source,
)
from paperwire.ingest.records import build_record

FORMAT = "hf-daily"
SOURCE = "hf-daily"
# A day's list is ~50-300 items of ~5 kB; 64 MB is far beyond any real file or answer.
MAX_JSON_BYTES = 64 * 1024 * 1024
# The API's largest page (`limit`); pages are numbered from 0 with `p`.
PAGE_SIZE = 100
MAX_PAGES = 50
# Hugging Face publishes no rate limit; a second between pages keeps us a light client.
REQUEST_INTERVAL_SECONDS = 1.0
_COUNT_MAX = 10**12
_KEYWORDS_MAX = 100
_KEYWORD_MAX_CHARS = 200
_MEDIA_URLS_MAX = 20
_NAME_MAX_CHARS = 200
_SUMMARY_MAX_CHARS = 4_000
_NEXT_LINK = re.compile(r'rel="?next"?')


class HfDailySource:
    """A JSON file holding a list of daily-paper items (as the API answers)."""

    format_name = FORMAT
    checkpoint_key: str | None = None  # one day's list: re-reading it is cheap and idempotent

    def __init__(self, path: Path, listed_on: dt.date | None = None) -> None:
        self.path = path
        self.listed_on = listed_on

    def checkpoint(self) -> None:
        return None

    def items(self) -> Iterator[Item]:
        data = _load_json(_read_capped(self.path), str(self.path))
        yield from parse_items(data, str(self.path), self.listed_on)


class HfDailyApiSource:
    """The live API: one day's list, page by page (or the latest list when no day is given)."""

    format_name = FORMAT
    checkpoint_key: str | None = None

    def __init__(
        self,
        client: PoliteClient,
        api_url: str,
        day: dt.date | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.client = client
        self.url = f"{api_url.rstrip('/')}/daily_papers"
        self.day = day
        self.page_size = page_size

    def checkpoint(self) -> None:
        return None

    def items(self) -> Iterator[Item]:
        previous_ids: list[str] | None = None
        for page in range(MAX_PAGES):
            params: dict[str, Any] = {"p": page, "limit": self.page_size}
            if self.day is not None:
                params["date"] = self.day.isoformat()
            response = self.client.get(self.url, params=params)
            if len(response.content) > MAX_JSON_BYTES:
                raise RemoteError(f"{self.url}: answer over {MAX_JSON_BYTES} bytes")
            where = f"{self.url}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
            try:
                data = _load_json(response.content, where)
            except InputUnreadable as error:
                raise RemoteError(str(error)) from error
            yield from parse_items(data, where, self.day)
            ids = [_item_id(item) for item in data]
            more = len(data) >= self.page_size or bool(
                _NEXT_LINK.search(response.headers.get("link", ""))
            )
            # Without a day the API pages back through all history: take the latest list only.
            # A server that ignores `p` would repeat its page: stop rather than loop.
            if self.day is None or not data or not more or ids == previous_ids:
                return
            previous_ids = ids


def harvest_hf_daily(
    catalog: Catalog,
    settings: Settings,
    *,
    date: dt.date | None = None,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
    on_progress: ProgressCallback | None = None,
    on_reject: RejectCallback | None = None,
    page_size: int = PAGE_SIZE,
) -> IngestReport:
    """Fetch one day's daily papers (the latest list without `date`) into the catalog.

    Raises RemoteError when the API cannot be reached or answers nonsense.
    """
    with PoliteClient(
        user_agent=settings.user_agent,
        min_interval=REQUEST_INTERVAL_SECONDS,
        timeout=settings.http_timeout_seconds,
        clock=clock,
        transport=transport,
    ) as client:
        source = HfDailyApiSource(client, settings.hf_api_url, date, page_size)
        return run_source(catalog, source, on_progress=on_progress, on_reject=on_reject)


def _read_capped(path: Path) -> bytes:
    try:
        with open_input(path) as stream:
            # One byte past the cap tells "at the cap" from "over it" (gzip bombs included).
            data = stream.read(MAX_JSON_BYTES + 1)
    except READ_ERRORS as error:
        raise InputUnreadable(f"{path}: cannot read it ({error})") from error
    if len(data) > MAX_JSON_BYTES:
        raise InputUnreadable(
            f"{path}: more than {MAX_JSON_BYTES // (1024 * 1024)} MB of JSON; a daily-papers "
            "list is far smaller (split the file)"
        )
    return data


def _load_json(data: bytes, where: str) -> list[Any]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise InputUnreadable(f"{where}: not valid JSON ({error})") from error
    if not isinstance(value, list):
        raise InputUnreadable(
            f"{where}: expected a JSON list of daily-paper items, found {type(value).__name__}"
        )
    return value


def _item_id(item: Any) -> str:
    paper = item.get("paper") if isinstance(item, dict) else None
    ident = paper.get("id") if isinstance(paper, dict) else None
    return ident if isinstance(ident, str) else ""


def parse_items(data: list[Any], where: str, listed_on: dt.date | None = None) -> Iterator[Item]:
    """A record or a Rejection for each item of a daily-papers list."""
    for index, item in enumerate(data):
        location = f"{where} item {index}"
        if not isinstance(item, dict):
            yield Rejection(location, "an item must be a JSON object")
            continue
        try:
            yield parse_item(item, listed_on)
        except text.RecordRejected as error:
            ident = _item_id(item)
            where_id = f"{location} (id {shown(ident)})" if ident else location
            yield Rejection(where_id, str(error))


def parse_item(item: dict[str, Any], listed_on: dt.date | None = None) -> PaperRecord:
    """One daily-papers item as a record; raises RecordRejected when it cannot be used."""
    paper = item.get("paper")
    if not isinstance(paper, dict):
        raise text.RecordRejected("no paper object")
    raw_id = _string(paper, "id")
    if not raw_id:
        raise text.RecordRejected("no paper id")
    return build_record(
        source=SOURCE,
        source_record_id=raw_id,
        authority=Authority.HF_DAILY,
        raw_id=raw_id,
        title=_string(paper, "title") or _string(item, "title"),
        abstract=_string(paper, "summary") or _string(item, "summary"),
        authors=_authors(paper.get("authors")),
        submitted=_day(paper.get("publishedAt")) or _day(item.get("publishedAt")),
        extra_links=_links(paper),
        listed_on=listed_on or _day(paper.get("submittedOnDailyAt")),
        extras=_extras(item, paper),
    )


def _string(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise text.RecordRejected(f"{key} must be a string")


def _authors(raw: Any) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise text.RecordRejected("authors must be a list")
    if len(raw) > text.AUTHORS_MAX:
        raise text.RecordRejected(f"{len(raw)} authors, the limit is {text.AUTHORS_MAX}")
    # `hidden` only hides the link to an HF account; the person is still an author.
    return [a["name"] for a in raw if isinstance(a, dict) and isinstance(a.get("name"), str)]


def _day(raw: Any) -> dt.date | None:
    """The UTC day of an ISO timestamp such as 2026-02-26T17:08:18.000Z; None if unusable."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()


def _links(paper: dict[str, Any]) -> list[Link]:
    links: list[Link] = []
    repo = _url(paper.get("githubRepo"))
    if repo:
        links.append(Link("code", normalise_code_url(repo) or repo))
    project = _url(paper.get("projectPage"))
    if project:
        links.append(Link("project", project))
    return links


def _url(raw: Any) -> str | None:
    url = safe_http_url(raw) if isinstance(raw, str) else None
    # safe_http_url lets control and bidi characters through (they are not whitespace);
    # a URL that cleaning would change is not one to keep (PostgreSQL refuses NUL too).
    return url if url is not None and _optional_line(url, URL_MAX_CHARS) == url else None


def _extras(item: dict[str, Any], paper: dict[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for key, value in (
        ("upvotes", paper.get("upvotes")),
        ("githubStars", paper.get("githubStars")),
        ("numComments", item.get("numComments")),
    ):
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _COUNT_MAX:
            extras[key] = value
    keywords = _keywords(paper.get("ai_keywords"))
    if keywords:
        extras["ai_keywords"] = keywords
    summary = _optional_text(paper.get("ai_summary"), _SUMMARY_MAX_CHARS)
    if summary:
        extras["ai_summary"] = summary
    submitter = _person(item.get("submittedBy"), "name") or _person(
        paper.get("submittedOnDailyBy"), "user"
    )
    if submitter:
        extras["submitter"] = submitter
    organization = _person(paper.get("organization"), "name") or _person(
        item.get("organization"), "name"
    )
    if organization:
        extras["organization"] = organization
    media = paper.get("mediaUrls", item.get("mediaUrls"))
    if isinstance(media, list):
        urls = [url for url in map(_url, media[:_MEDIA_URLS_MAX]) if url]
        if urls:
            extras["mediaUrls"] = urls
    return extras


def _keywords(raw: Any) -> list[str]:
    if not isinstance(raw, list):
        return []
    kept: list[str] = []
    for value in raw[:_KEYWORDS_MAX]:
        keyword = _optional_line(value, _KEYWORD_MAX_CHARS)
        if keyword and keyword not in kept:
            kept.append(keyword)
    return kept


def _person(raw: Any, name_key: str) -> dict[str, str] | None:
    """{"name", "fullname"} of an HF user or organisation; None when it has no name."""
    if not isinstance(raw, dict):
        return None
    name = _optional_line(raw.get(name_key), _NAME_MAX_CHARS)
    if not name:
        return None
    person = {"name": name}
    fullname = _optional_line(raw.get("fullname"), _NAME_MAX_CHARS)
    if fullname:
        person["fullname"] = fullname
    return person


def _optional_line(raw: Any, max_chars: int) -> str | None:
    # Optional figures are dropped, not the record refused, when they break a limit.
    if not isinstance(raw, str):
        return None
    try:
        return text.clean_optional(raw, "extra", max_chars)
    except text.RecordRejected:
        return None


def _optional_text(raw: Any, max_chars: int) -> str | None:
    if not isinstance(raw, str):
        return None
    try:
        return text.clean_paragraphs(raw, "extra", max_chars) or None
    except text.RecordRejected:
        return None
