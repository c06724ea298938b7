"""Shared fixtures: a real catalog on SQLite and on PostgreSQL, fixture paths, a fake clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_ADMIN_URL = os.environ.get(
    "PAPERWIRE_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres"
)


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own PAPERWIRE_DATA_DIR: nothing lands in ./paperwire-data."""
    data_dir = tmp_path / "paperwire-data"
    monkeypatch.setenv("PAPERWIRE_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'catalog.db'}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The local PostgreSQL server's base URL; each test gets its own database from it."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:  # pragma: no cover - CI starts the server
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}")
    finally:
        admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0]


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    name = f"paperwire_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    _CREATED_DATABASES.append(name)
    return f"{postgres_server}/{name}"


_CREATED_DATABASES: list[str] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _CREATED_DATABASES:
        return
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in _CREATED_DATABASES:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty catalog database: parametrised over SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def catalog(database_url: str, clock: FakeClock) -> Iterator[Catalog]:
    opened = Catalog.open(database_url, clock=clock)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_catalog(sqlite_url: str, clock: FakeClock) -> Iterator[Catalog]:
    opened = Catalog.open(sqlite_url, clock=clock)
    try:
        yield opened
    finally:
        opened.close()
