"""The worker's thumbnails job is scheduled and, with nothing recently listed, asks nobody
for anything (ingest/pdf.py's own tests replay the fetching)."""

from __future__ import annotations

from pathlib import Path

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.worker.runner import THUMBNAILS_EVERY_MINUTES, default_jobs


def test_thumbnails_job_is_scheduled_and_idle_without_recent_papers(
    sqlite_catalog: Catalog, tmp_path: Path, clock: FakeClock
) -> None:
    settings = Settings(data_dir=tmp_path, semantic_search=False)
    jobs = {job.name: job for job in default_jobs(sqlite_catalog, settings, clock)}
    job = jobs["thumbnails"]
    assert job.every_minutes == THUMBNAILS_EVERY_MINUTES
    result = job.run(clock.now())
    assert result == {"rendered": 0, "failed": {}, "deferred": 0}
    assert not (tmp_path / "thumbnails").exists()
