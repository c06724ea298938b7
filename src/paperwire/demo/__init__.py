"""The bundled demo corpus: a real HF Papers listing day, 200 arXiv snapshot records
(arXiv metadata is CC0) and one real HF daily-papers item. See docs/demo.md."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.ingest.files import ingest_paths
from paperwire.worker.tasks import IndexedIngest, ingest_and_index

DEMO_DIR = Path(__file__).parent
# The captured listing page is dated "Mar 14"; pinning the year keeps the demo the same
# whenever it is loaded (and so loading it twice changes nothing).
LISTING_DATE = dt.date(2026, 3, 14)
LISTING = DEMO_DIR / "hf-papers-listing.txt"
SNAPSHOT = DEMO_DIR / "arxiv-snapshot-sample.jsonl"
HF_DAILY = DEMO_DIR / "hf-daily-sample.json"
# Each file with its listed-on date: only the listing page needs one given.
DEMO_INPUTS: tuple[tuple[Path, dt.date | None], ...] = (
    (SNAPSHOT, None),
    (LISTING, LISTING_DATE),
    (HF_DAILY, None),
)


def recent_inputs(today: dt.date) -> tuple[tuple[Path, dt.date | None], ...]:
    """The demo inputs with the HF listing day moved to `today` and the HF daily item to the
    day before: trending (which decays from now), the digest (which looks back from now) and
    "for you" see the demo's papers as new. The arXiv snapshot keeps its own 2007 dates (the
    archive part of the demo)."""
    return (
        (SNAPSHOT, None),
        (LISTING, today),
        (HF_DAILY, today - dt.timedelta(days=1)),
    )


def load_demo(
    catalog: Catalog, settings: Settings | None = None, *, recent: bool = False
) -> IndexedIngest:
    """Load the demo corpus; idempotent (a second load counts everything unchanged).

    With `settings`, the keyword index of its data directory follows, as after any ingest;
    without, only the catalog is written (for callers that build an index of their own).
    `recent` (what `paperwire demo` does): the HF papers are listed today, by the catalog's
    clock, instead of on the captured page's pinned date (tests keep the pinned dates).
    """
    report = IndexedIngest()
    inputs = recent_inputs(catalog.clock.now().date()) if recent else DEMO_INPUTS
    for path, listed_on in inputs:
        if settings is None:
            report.merge(ingest_paths(catalog, [path], listed_on=listed_on))
        else:
            report.add(ingest_and_index(catalog, settings, [path], listed_on=listed_on))
    return report
