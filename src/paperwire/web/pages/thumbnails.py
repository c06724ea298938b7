"""A paper's first-page thumbnail (ingest/pdf.py makes them): a file, or 404 when none."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.responses import FileResponse

from paperwire.ingest.pdf import ThumbnailStore
from paperwire.web.context import WebContext, web_context

Context = Annotated[WebContext, Depends(web_context)]
# A page's first page does not change; a day lets a new version's render show up.
CACHE_CONTROL = "public, max-age=86400"


def thumbnail(web: Context, paper_id: str) -> FileResponse:
    path = ThumbnailStore(web.settings.data_dir).path(paper_id)
    if not path.is_file():
        # Not kept by caches: the worker may make it any minute.
        raise HTTPException(
            status_code=404,
            detail="No thumbnail for this paper (yet).",
            headers={"Cache-Control": "no-store"},
        )
    return FileResponse(path, media_type="image/webp", headers={"Cache-Control": CACHE_CONTROL})


def thumbnailed(web: WebContext, paper_ids: Iterable[str]) -> frozenset[str]:
    """Which of these papers have a thumbnail (a stat per paper: a page shows fifty)."""
    store = ThumbnailStore(web.settings.data_dir)
    if not store.root.is_dir():  # thumbnails off, or none made yet: one stat, not fifty
        return frozenset()
    return frozenset(paper_id for paper_id in paper_ids if store.has(paper_id))
