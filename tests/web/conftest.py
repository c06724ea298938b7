"""A real site for the web tests: a SQLite catalog with the demo corpus, its keyword index,
and uvicorn serving the app on a free loopback port.

`demo_site` is shared by a test module's read-only tests; tests that write build their own
with `site_over`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from paperwire.catalog.model import PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.config import Settings
from paperwire.demo import load_demo
from paperwire.search.indexes import index_root, update_keyword_index
from paperwire.web.app import create_app
from tests.support.servers import running


@dataclass
class Site:
    url: str
    catalog: Catalog
    settings: Settings


@contextmanager
def site_over(
    data_dir: Path,
    extra: Sequence[PaperRecord] = (),
    *,
    demo: bool = True,
    semantic: bool = False,
    clock: Clock | None = None,
    **settings_values: Any,
) -> Iterator[Site]:
    """Serve a fresh catalog in `data_dir`: the demo corpus (unless demo=False) plus `extra`,
    with any other settings given and the catalog on `clock`."""
    settings = Settings(data_dir=data_dir, **settings_values)
    catalog = Catalog.open(settings.catalog_url(), clock=clock)
    try:
        if demo:
            load_demo(catalog)
        if extra:
            catalog.upsert(list(extra))
        update_keyword_index(catalog, index_root(data_dir))
        with running(create_app(settings, catalog=catalog, semantic=semantic)) as url:
            yield Site(url, catalog, settings)
    finally:
        catalog.close()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with site_over(tmp_path_factory.mktemp("site") / "paperwire-data") as site:
        yield site
