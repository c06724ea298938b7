"""The bundled demo corpus: a real HF Papers listing day, 200 arXiv snapshot records
(arXiv metadata is CC0) and one real HF daily-papers item. See docs/demo.md."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from paperwire.catalog.store import Catalog
from paperwire.ingest.files import ingest_paths
from paperwire.ingest.pipeline import IngestReport

DEMO_DIR = Path(__file__).parent
# The captured listing page is dated "Mar 14"; pinning the year keeps the demo the same
# whenever it is loaded (and so loading it twice changes nothing).
LISTING_DATE = dt.date(2026, 3, 14)
LISTING = DEMO_DIR / "hf-papers-listing.txt"
SNAPSHOT = DEMO_DIR / "arxiv-snapshot-sample.jsonl"
HF_DAILY = DEMO_DIR / "hf-daily-sample.json"


def load_demo(catalog: Catalog) -> IngestReport:
    """Load the demo corpus; idempotent (a second load counts everything unchanged)."""
    report = IngestReport()
    report.merge(ingest_paths(catalog, [SNAPSHOT]))
    report.merge(ingest_paths(catalog, [LISTING], listed_on=LISTING_DATE))
    report.merge(ingest_paths(catalog, [HF_DAILY]))
    return report
