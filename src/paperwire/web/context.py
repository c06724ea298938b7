"""What every route needs: settings, the catalog and a searcher that follows the indexes.

Routes take a `WebContext` through FastAPI's dependency injection (`Depends(web_context)`),
so tests can build an app over any catalog and data directory.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.search.handle import SearcherHandle as SearcherHandle
from paperwire.search.handle import SearchUnavailable as SearchUnavailable


@dataclass
class WebContext:
    settings: Settings
    catalog: Catalog
    searcher: SearcherHandle


async def web_context(request: Request) -> WebContext:
    # async: FastAPI runs a plain-def dependency in its thread pool, a round trip through
    # another thread on every request for one attribute read.
    context: WebContext = request.app.state.web
    return context
