"""The application's own set-up: how many handler threads a web process runs."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.web.app import create_app


async def _handler_threads() -> float:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


@pytest.mark.parametrize("threads", [1, 3])
def test_the_app_runs_as_many_handler_threads_as_configured(tmp_path: Path, threads: int) -> None:
    settings = Settings(data_dir=tmp_path, web_threads=threads)
    catalog = Catalog.open(settings.catalog_url())
    try:
        app = create_app(settings, catalog=catalog, semantic=False, cache=False)
        with TestClient(app) as client:  # runs the lifespan, as uvicorn does
            assert client.portal is not None
            assert client.portal.call(_handler_threads) == threads
            # Plain-def handlers still answer through the smaller pool.
            assert client.get("/").status_code == 200
    finally:
        catalog.close()


def test_the_default_is_eight_and_nonsense_is_refused(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).web_threads == 8
    for bad in (0, 1000):
        with pytest.raises(ValidationError, match="web_threads"):
            Settings(data_dir=tmp_path, web_threads=bad)
