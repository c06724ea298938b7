"""/healthz and /readyz over a real uvicorn: ready only with the database answering, the
schema at head and the keyword index built; each failing check is named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.db.engine import create_engine, dispose
from paperwire.search.indexes import index_root, update_keyword_index
from paperwire.web import health
from paperwire.web.app import create_app
from tests.support.servers import running
from tests.web.conftest import Site, site_over


@pytest.fixture
def fresh_site(tmp_path: Path) -> Iterator[Site]:
    """A served catalog with no keyword index yet."""
    settings = Settings(data_dir=tmp_path / "data")
    catalog = Catalog.open(settings.catalog_url())
    try:
        with running(create_app(settings, catalog=catalog, semantic=False)) as url:
            yield Site(url, catalog, settings)
    finally:
        catalog.close()


def test_healthz_says_ok(tmp_path: Path) -> None:
    with site_over(tmp_path / "data", demo=False) as site:
        answer = httpx.get(f"{site.url}/healthz")
    assert (answer.status_code, answer.text) == (200, "ok")


def test_a_migrated_indexed_site_is_ready(tmp_path: Path) -> None:
    with site_over(tmp_path / "data", demo=False) as site:
        answer = httpx.get(f"{site.url}/readyz")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "migrations", "search_index"}
    assert all(check["ok"] for check in body["checks"].values())
    assert answer.headers["Cache-Control"] == "no-store"


def test_without_the_keyword_index_it_is_not_ready_until_one_is_built(fresh_site: Site) -> None:
    answer = httpx.get(f"{fresh_site.url}/readyz")
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["search_index"]["ok"] is False
    assert "paperwire index rebuild" in checks["search_index"]["detail"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"]
    update_keyword_index(fresh_site.catalog, index_root(fresh_site.settings.data_dir))
    assert httpx.get(f"{fresh_site.url}/readyz").status_code == 200


def test_the_index_check_can_be_turned_off(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", ready_requires_index=False)
    catalog = Catalog.open(settings.catalog_url())
    try:
        with running(create_app(settings, catalog=catalog, semantic=False)) as url:
            answer = httpx.get(f"{url}/readyz")
    finally:
        catalog.close()
    assert answer.status_code == 200
    assert "search_index" not in answer.json()["checks"]


def test_a_schema_behind_head_is_not_ready(
    fresh_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "MIGRATION_CHECK_SECONDS", 0.0)
    update_keyword_index(fresh_site.catalog, index_root(fresh_site.settings.data_dir))
    assert httpx.get(f"{fresh_site.url}/readyz").status_code == 200
    with fresh_site.catalog.engine.begin() as connection:
        head = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0005'"))
    try:
        answer = httpx.get(f"{fresh_site.url}/readyz")
        assert answer.status_code == 503
        migrations = answer.json()["checks"]["migrations"]
        assert migrations["ok"] is False
        assert "at 0005" in migrations["detail"] and head in migrations["detail"]
    finally:
        with fresh_site.catalog.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head}
            )


def test_the_migration_check_is_cached_briefly(tmp_path: Path) -> None:
    """A probe every second must not re-read the scripts: heads are read once, and the
    result is kept MIGRATION_CHECK_SECONDS (here: a change inside that window is unseen)."""
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        readiness = health.Readiness(catalog.engine, tmp_path, requires_index=False)
        assert readiness.checks()["migrations"].ok
        with catalog.engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
        assert readiness.checks()["migrations"].ok  # still the cached answer
        readiness._migrations = None  # the window passed
        assert not readiness.checks()["migrations"].ok
    finally:
        catalog.close()


def test_a_database_that_does_not_answer_is_named(tmp_path: Path, postgres_server: str) -> None:
    """A real PostgreSQL URL whose database does not exist: the connection is refused."""
    engine = create_engine(f"{postgres_server}/paperwire_no_such_database")
    try:
        checks = health.Readiness(engine, tmp_path, requires_index=False).checks()
    finally:
        dispose(engine)
    assert checks["database"].ok is False and "does not answer" in checks["database"].detail
    assert checks["migrations"].ok is False
