"""The FastAPI application: pages, the HF-compatible API, paperwire's own API and feeds.

One `WebContext` (settings, catalog, searcher) for every route; the middleware (security
headers, the response cache, the body limit with the access checks made before a body is
read) and the CSRF check around them; one place for errors
(errors.py); and the routes, all of them, from the table in routes.py.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from paperwire import __version__, logs
from paperwire.catalog.changes import ChangeWatcher
from paperwire.catalog.store import Catalog
from paperwire.community.trending import TrendingParams, trending_scorer
from paperwire.config import Settings, load_settings
from paperwire.web import errors
from paperwire.web.context import SearcherHandle, WebContext
from paperwire.web.health import Readiness
from paperwire.web.metrics import Metrics
from paperwire.web.middleware.body_limit import BodyLimitMiddleware
from paperwire.web.middleware.cache import CacheMiddleware
from paperwire.web.middleware.csrf import csrf_protect
from paperwire.web.middleware.request_context import RequestContextMiddleware
from paperwire.web.middleware.security import SecurityHeadersMiddleware
from paperwire.web.routes import ROUTES
from paperwire.web.routing import add_routes

STATIC_DIR = Path(__file__).with_name("static")

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
        lifespan=_thread_limit(settings.web_threads),
        title="paperwire",
        version=__version__,
        description="A self-hostable research-paper radar. `/api/v1/` is paperwire's own API; "
        "`/api/daily_papers`, `/api/papers/...` answer like huggingface.co's.",
        # /docs is a page of ours, from local files (FastAPI's default loads a CDN).
        docs_url=None,
        redoc_url=None,
        # Every POST/PUT/PATCH/DELETE is checked for cross-site forgery.
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
    # Added last is outermost: the cache replays responses with their security headers.
    # Innermost, before anything reads a body: its size limit, CSRF and the route's access.
    app.add_middleware(
        BodyLimitMiddleware,
        routes=app.router.routes,
        form_bytes=settings.max_form_bytes,
        json_bytes=settings.max_json_bytes,
    )
    if cache:
        watcher = ChangeWatcher(store.engine)
        app.add_middleware(CacheMiddleware, version=watcher.version, prefixes=CACHED_PREFIXES)
    app.add_middleware(SecurityHeadersMiddleware, base_url=settings.base_url)
    # Outermost of ours: the request id is set for everything below, and the time counts it.
    app.state.metrics = Metrics(store.engine, settings.data_dir)
    app.state.readiness = Readiness(store.engine, settings.data_dir, settings.ready_requires_index)
    app.add_middleware(
        RequestContextMiddleware,
        routes=app.router.routes,
        observe=app.state.metrics.observe_request,
        log_access=settings.access_log,
    )
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    add_routes(app, ROUTES)
    return app


def _thread_limit(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that runs at most `threads` plain-def handlers at once in this process
    (anyio's default is 40: under load they wait on the interpreter lock and switch
    between each other, which cost a fifth to a third of the CPU per request)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def app_from_environment() -> FastAPI:
    """The app as `paperwire serve` runs it in each worker process (settings from PAPERWIRE_*)."""
    settings = load_settings()
    logs.configure(settings.log_format, settings.log_level)
    app = create_app(settings, semantic=settings.semantic_search, cache=settings.web_cache)
    # What start-up made (modules, routes, schemas: ~160k objects) lives as long as the
    # process: out of the collector's sight, full collections walk only what requests
    # made instead of all of it every few dozen requests.
    gc.freeze()
    return app
