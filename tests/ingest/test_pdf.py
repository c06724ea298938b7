"""Thumbnails of first pages (ingest/pdf.py): a real PDF (tests/fixtures/pdf) replayed from
a local server, fetched once politely, rendered with PDFium, stored as WebP; a broken PDF
reported, marked and not fetched again; too large a PDF refused without reading it all."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from PIL import Image

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.ingest import pdf
from paperwire.ingest.pdf import ThumbnailStore, make_thumbnails, render_first_page
from tests.conftest import FIXTURES
from tests.support.factories import make_record
from tests.support.replay import Reply, replay_server

TODAY = dt.date(2026, 3, 20)
PDF = (FIXTURES / "pdf" / "one-page.pdf").read_bytes()


def _papers(catalog: Catalog, *numbers: int, listed_on: dt.date = TODAY) -> None:
    catalog.upsert(
        [
            make_record(raw_id=f"2603.{n:05d}", title=f"Paper {n}", listed_on=listed_on)
            for n in numbers
        ]
    )


def test_render_first_page_gives_a_small_webp() -> None:
    image = Image.open(io.BytesIO(render_first_page(PDF)))
    assert image.format == "WEBP"
    assert image.width == pdf.THUMBNAIL_WIDTH
    # Letter paper, 612 x 792 pt: the aspect ratio survives.
    assert abs(image.height - round(pdf.THUMBNAIL_WIDTH * 792 / 612)) <= 1


def test_job_fetches_once_renders_stores_and_skips_broken_pdfs(
    sqlite_catalog: Catalog, tmp_path: Path, clock: FakeClock
) -> None:
    settings = Settings(data_dir=tmp_path, harvest_delay_seconds=3.0)
    _papers(sqlite_catalog, 1, 2)
    _papers(sqlite_catalog, 3, listed_on=TODAY - dt.timedelta(days=pdf.RECENT_DAYS + 1))
    with replay_server() as server:
        server.add("/pdf/2603.00001", {}, Reply(body=PDF, content_type="application/pdf"))
        server.add(
            "/pdf/2603.00002", {}, Reply(body=b"%PDF-1.4 broken", content_type="application/pdf")
        )
        pattern = server.base_url + "/pdf/{id}"
        report = make_thumbnails(
            sqlite_catalog, settings, today=TODAY, arxiv_pdf_url=pattern, clock=clock
        )
        again = make_thumbnails(
            sqlite_catalog, settings, today=TODAY, arxiv_pdf_url=pattern, clock=clock
        )
        asked = [path for path, _ in server.requests]
    assert report.rendered == 1
    assert list(report.failed) == ["2603.00002"]
    assert "not a readable PDF" in report.failed["2603.00002"]
    store = ThumbnailStore(tmp_path)
    assert Image.open(store.path("2603.00001")).format == "WEBP"
    assert not store.has("2603.00002") and store.failed("2603.00002")
    # Each PDF once (the second run has nothing to do); the old paper never.
    assert sorted(asked) == ["/pdf/2603.00001", "/pdf/2603.00002"]
    assert again.rendered == 0 and again.failed == {}
    # Politely: the second request waited out the least interval on the injected clock.
    assert clock.sleeps and clock.sleeps[0] >= 3.0


def test_too_large_pdf_is_refused_and_marked(
    sqlite_catalog: Catalog, tmp_path: Path, clock: FakeClock
) -> None:
    settings = Settings(data_dir=tmp_path)
    _papers(sqlite_catalog, 1)
    with replay_server() as server:
        server.add("/pdf/2603.00001", {}, Reply(body=PDF, content_type="application/pdf"))
        report = make_thumbnails(
            sqlite_catalog,
            settings,
            today=TODAY,
            arxiv_pdf_url=server.base_url + "/pdf/{id}",
            clock=clock,
            max_bytes=1000,
        )
    assert "more than 1000" in report.failed["2603.00001"]
    assert not ThumbnailStore(tmp_path).has("2603.00001")


def test_unreachable_host_defers_the_run_and_marks_nothing(
    sqlite_catalog: Catalog, tmp_path: Path, clock: FakeClock
) -> None:
    settings = Settings(data_dir=tmp_path)
    _papers(sqlite_catalog, 1, 2)
    with replay_server() as server:
        server.add("/pdf/2603.00001", {}, Reply(status=503, body=b"busy"))
        server.add("/pdf/2603.00002", {}, Reply(status=503, body=b"busy"))
        report = make_thumbnails(
            sqlite_catalog,
            settings,
            today=TODAY,
            arxiv_pdf_url=server.base_url + "/pdf/{id}",
            clock=clock,
        )
        asked = {path for path, _ in server.requests}
    # One paper's retries, then the run stops: the host is down for the rest too.
    assert report.deferred == 2 and report.failed == {}
    assert len(asked) == 1
    assert not ThumbnailStore(tmp_path).failed("2603.00001")
    assert not ThumbnailStore(tmp_path).failed("2603.00002")


def test_missing_pdf_is_marked_failed(
    sqlite_catalog: Catalog, tmp_path: Path, clock: FakeClock
) -> None:
    _papers(sqlite_catalog, 1)
    with replay_server() as server:  # nothing recorded: 404
        report = make_thumbnails(
            sqlite_catalog,
            Settings(data_dir=tmp_path),
            today=TODAY,
            arxiv_pdf_url=server.base_url + "/pdf/{id}",
            clock=clock,
        )
    assert "HTTP 404" in report.failed["2603.00001"]
    assert ThumbnailStore(tmp_path).failed("2603.00001")
