"""The FastAPI application: pages, the HF-compatible API, paperwire's own API and feeds.

Each part is a router in its own module; this one wires them over one `WebContext`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from paperwire import __version__
from paperwire.catalog.changes import ChangeWatcher
from paperwire.catalog.store import Catalog
from paperwire.community.trending import TrendingParams, trending_scorer
from paperwire.config import Settings, load_settings
from paperwire.web import errors, feeds
from paperwire.web.api import account as api_account
from paperwire.web.api import community as api_community
from paperwire.web.api import papers as api_v1
from paperwire.web.auth import csrf_protect
from paperwire.web.context import SearcherHandle, WebContext
from paperwire.web.hf import routes as hf_api
from paperwire.web.middleware.cache import CacheMiddleware
from paperwire.web.pages import account as account_routes
from paperwire.web.pages import admin as admin_routes
from paperwire.web.pages import community as community_routes
from paperwire.web.pages import digest as digest_routes
from paperwire.web.pages import papers as pages

STATIC_DIR = Path(__file__).with_name("static")
# Pages load nothing from elsewhere and run no inline script. Inline *styles* stay allowed:
# KaTeX sizes its glyphs with style attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# Public, read-only GETs whose responses are the same for every anonymous visitor.
# "/" itself is cached too (exact match).
CACHED_PREFIXES = (
    "/api/daily_papers",
    "/api/papers/",
    "/api/v1/papers",
    "/api/v1/search",
    "/api/v1/trending",
    "/feeds/",
    "/papers/",
    "/search",
    "/trending",
)


def create_app(
    settings: Settings | None = None,
    catalog: Catalog | None = None,
    *,
    semantic: bool = True,
    cache: bool = True,
) -> FastAPI:
    """The application over `catalog` (opened from settings when not given).

    `semantic=False` never loads the embedding model (search by words only); `cache=False`
    renders every response afresh (benchmarks compare the two).
    """
    settings = settings or load_settings()
    store = catalog or Catalog.open(settings.catalog_url())
    app = FastAPI(
        title="paperwire",
        version=__version__,
        description="A self-hostable research-paper radar. `/api/v1/` is paperwire's own API; "
        "`/api/daily_papers`, `/api/papers/...` answer like huggingface.co's.",
        # /docs is served by api_v1 from local files (FastAPI's default loads a CDN).
        docs_url=None,
        redoc_url=None,
        # Every POST/PUT/PATCH/DELETE is checked for cross-site forgery (web/auth.py).
        dependencies=[Depends(csrf_protect)],
    )
    app.state.web = WebContext(
        settings=settings,
        catalog=store,
        searcher=SearcherHandle(
            store,
            settings,
            semantic=semantic,
            trending_scorer=trending_scorer(store, TrendingParams.from_settings(settings)),
        ),
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.get("/healthz", response_class=PlainTextResponse, include_in_schema=False)
    def healthz() -> str:
        return "ok"

    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Order matters: /papers/{id}.md (hf_api) and /papers/date/... (pages) come before the
    # catch-all paper page /papers/{id}.
    app.include_router(hf_api.router)
    app.include_router(api_account.router)
    app.include_router(api_community.router)
    app.include_router(api_v1.router)
    app.include_router(account_routes.router)
    app.include_router(community_routes.router)
    app.include_router(digest_routes.router)
    app.include_router(admin_routes.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    if cache:
        watcher = ChangeWatcher(store.engine)
        app.add_middleware(CacheMiddleware, version=watcher.version, prefixes=CACHED_PREFIXES)
    return app


def app_from_environment() -> FastAPI:
    """The app as `paperwire serve` runs it in each worker process (settings from PAPERWIRE_*)."""
    settings = load_settings()
    return create_app(settings, semantic=settings.semantic_search, cache=settings.web_cache)
