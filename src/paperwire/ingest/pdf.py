"""Thumbnails of papers' first pages: fetch the PDF politely, render page one, keep a WebP.

Storage is plain files, data_dir/thumbnails/<quoted id>.webp (the id %-quoted, so an
old-style id's slash never becomes a folder). A PDF that cannot be fetched for good (4xx,
too large) or rendered leaves a <quoted id>.failed marker holding the reason, so the job
reports it once and does not fetch it again every run; deleting the marker retries it.

Fetching: the ingest room's PoliteClient (User-Agent, least interval between requests,
Retry-After, retries), at most MAX_PDF_BYTES per PDF, only for papers listed in the last
RECENT_DAYS days and at most PER_RUN a run. arXiv papers are fetched from export.arxiv.org,
the host arXiv asks programs to use; other papers only from their own "pdf" link.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pypdfium2

from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.links import safe_http_url
from paperwire.catalog.listing import ListQuery
from paperwire.catalog.model import Paper
from paperwire.catalog.periods import Period
from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.config import Settings
from paperwire.ingest.http import PoliteClient, RemoteError, TooLarge

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 320
MAX_PDF_BYTES = 30 * 1024 * 1024
RECENT_DAYS = 7
PER_RUN = 60
# Pages are drawn at most this large, whatever the PDF claims its page size is.
_MAX_RENDER_SCALE = 4.0
ARXIV_PDF_URL = "https://export.arxiv.org/pdf/{id}"
# PoliteClient's message for a 4xx it does not retry (404, 403...): that PDF, for good.
# A 429 is retried and, when it lasts, ends "HTTP 429 after N attempts": deferred.
_REFUSED = re.compile(r": HTTP 4\d\d$")


class RenderError(Exception):
    """The bytes are not a PDF pdfium can draw a first page of."""


def render_first_page(data: bytes, width: int = THUMBNAIL_WIDTH) -> bytes:
    """Page one of a PDF as a WebP `width` pixels wide."""
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise RenderError(f"not a readable PDF: {error}") from None
    try:
        if len(document) == 0:
            raise RenderError("the PDF has no pages")
        page = document[0]
        page_width = page.get_width()
        if page_width <= 0:
            raise RenderError("the first page has no width")
        scale = min(width / page_width, _MAX_RENDER_SCALE)
        image = page.render(scale=scale, may_draw_forms=False).to_pil().convert("RGB")
    except pypdfium2.PdfiumError as error:
        raise RenderError(f"could not draw the first page: {error}") from None
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, "WEBP", quality=70, method=4)
    return out.getvalue()


class ThumbnailStore:
    """data_dir/thumbnails: one WebP per paper, or a .failed marker."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "thumbnails"

    def _stem(self, paper_id: str) -> str:
        return quote(paper_id, safe="")

    def path(self, paper_id: str) -> Path:
        return self.root / f"{self._stem(paper_id)}.webp"

    def has(self, paper_id: str) -> bool:
        return self.path(paper_id).is_file()

    def failed(self, paper_id: str) -> bool:
        return (self.root / f"{self._stem(paper_id)}.failed").is_file()

    def save(self, paper_id: str, image: bytes) -> None:
        self._write(self.path(paper_id), image)

    def mark_failed(self, paper_id: str, reason: str) -> None:
        self._write(self.root / f"{self._stem(paper_id)}.failed", reason.encode())

    def _write(self, target: Path, data: bytes) -> None:
        # Written aside and renamed: a page never serves half a file.
        self.root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.root, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def pdf_url(paper: Paper, arxiv_pdf_url: str = ARXIV_PDF_URL) -> str | None:
    """Where the paper's PDF is: arXiv's export host for arXiv ids, else its own pdf link."""
    if parse_arxiv_id(paper.id):
        return arxiv_pdf_url.format(id=paper.id)
    for url in paper.links_of("pdf"):
        safe = safe_http_url(url)
        if safe is not None:
            return safe
    return None


@dataclass
class ThumbnailReport:
    rendered: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    # Could not be fetched this time (arXiv unreachable): tried again next run.
    deferred: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"rendered": self.rendered, "failed": self.failed, "deferred": self.deferred}


def make_thumbnails(
    catalog: Catalog,
    settings: Settings,
    *,
    today: dt.date,
    arxiv_pdf_url: str = ARXIV_PDF_URL,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
    per_run: int = PER_RUN,
    max_bytes: int = MAX_PDF_BYTES,
) -> ThumbnailReport:
    """Thumbnails for the recently listed papers that have none yet (newest first).
    `arxiv_pdf_url` is a pattern with {id} (tests point it at a local server)."""
    store = ThumbnailStore(settings.data_dir)
    recent = catalog.list_page(
        ListQuery(period=Period("day", today - dt.timedelta(days=RECENT_DAYS), today)),
        limit=5000,
        order="listed",
        with_total=False,
    ).papers
    todo = [
        (paper.id, url)
        for paper in recent
        if (url := pdf_url(paper, arxiv_pdf_url))
        and not store.has(paper.id)
        and not store.failed(paper.id)
    ][:per_run]
    report = ThumbnailReport()
    if not todo:
        return report
    with PoliteClient(
        user_agent=settings.user_agent,
        min_interval=settings.harvest_delay_seconds,
        timeout=settings.http_timeout_seconds,
        retries=2,
        clock=clock,
        transport=transport,
    ) as client:
        for done, (paper_id, url) in enumerate(todo):
            try:
                image = render_first_page(client.get_capped(url, max_bytes))
            except (TooLarge, RenderError) as error:
                reason = str(error)
            except RemoteError as error:
                if not _REFUSED.search(str(error)):
                    # The host is down or unreachable: the rest would only wait out the
                    # same retries, holding up the worker's other jobs. Next run, then.
                    log.warning("thumbnails deferred: %s", error)
                    report.deferred = len(todo) - done
                    break
                reason = str(error)
            else:
                store.save(paper_id, image)
                report.rendered += 1
                continue
            log.warning("no thumbnail for %s: %s", paper_id, reason)
            store.mark_failed(paper_id, reason)
            report.failed[paper_id] = reason
    return report
