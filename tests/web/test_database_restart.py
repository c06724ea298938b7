"""PostgreSQL restarted under load (a private server of the test's own, killed and started
again while a logged-in client keeps upvoting through uvicorn): the app recovers without a
restart of its own, no acknowledged write is lost, and requests during the gap get 503 with
Retry-After, never 500."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from paperwire.accounts import tokens
from paperwire.catalog.store import Catalog
from paperwire.community import schema as community_schema
from paperwire.config import Settings
from paperwire.web.app import create_app
from paperwire.web.errors import DATABASE_UNAVAILABLE
from tests.support.community import make_user, quick_hashing
from tests.support.factories import make_record
from tests.support.servers import free_port, running

__all__ = ["quick_hashing"]

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PAPERS = 1200  # each request upvotes a paper of its own: its vote can be found
CLIENTS = 4


def _as_postgres(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        check=check,
        capture_output=True,
        text=True,
        timeout=60,
    )


@dataclass
class PrivateServer:
    """A PostgreSQL cluster of this test alone, on a free port (the shared one at 5432 is
    never touched)."""

    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        _as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.directory / "data"),
            "-o",
            options,
            "-l",
            str(self.directory / "log"),
            "-w",
            "start",
        )

    def kill(self) -> None:
        """Stop at once, as a crash would (no checkpoint; recovery replays the WAL)."""
        _as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.directory / "data"),
            "-m",
            "immediate",
            "-w",
            "stop",
        )


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivateServer]:
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.skip(f"no PostgreSQL server binaries at {PG_BIN} (initdb, pg_ctl) or no runuser")
    directory = Path(tempfile.mkdtemp(prefix="paperwire-pg-"))
    shutil.chown(directory, "postgres", "postgres")
    os.chmod(directory, 0o700)
    server = PrivateServer(directory, free_port())
    _as_postgres(
        str(PG_BIN / "initdb"),
        "-D",
        str(directory / "data"),
        "-A",
        "trust",
        "-U",
        "postgres",
        "--no-sync",
        "-E",
        "UTF8",
    )
    server.start()
    try:
        yield server
    finally:
        _as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(directory / "data"),
            "-m",
            "immediate",
            "stop",
            check=False,
        )
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class Load:
    """Clients upvoting one paper after another; what each request answered."""

    url: str
    headers: dict[str, str]
    paper_ids: list[str]
    answers: list[tuple[str, int, str | None, float]] = field(default_factory=list)
    refusal: httpx.Response | None = None  # the first 503, to look at whole
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, index: int) -> None:
        mine = self.paper_ids[index::CLIENTS]
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as http:
            for paper_id in mine:
                if self.stop.is_set():
                    return
                response = http.post(f"/api/v1/papers/{paper_id}/upvote")
                with self._lock:
                    if response.status_code == 503 and self.refusal is None:
                        self.refusal = response
                    self.answers.append(
                        (
                            paper_id,
                            response.status_code,
                            response.headers.get("retry-after"),
                            time.monotonic(),
                        )
                    )
                time.sleep(0.01 if response.status_code == 200 else 0.1)

    def ok_count(self) -> int:
        with self._lock:
            return sum(1 for answer in self.answers if 200 <= answer[1] < 300)

    def wait_for(self, count: int, deadline: float = 30.0) -> None:
        end = time.monotonic() + deadline
        while self.ok_count() < count:
            assert time.monotonic() < end, f"only {self.ok_count()} acknowledged upvotes"
            time.sleep(0.02)


def test_a_restart_of_postgresql_under_load(postgres: PrivateServer, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres.url, secret_key="k" * 40)
    catalog = Catalog.open(postgres.url)
    try:
        records = [
            make_record(
                source="hf-daily", source_record_id=f"n{number}", raw_id=f"2603.{number:05d}"
            )
            for number in range(PAPERS)
        ]
        catalog.upsert(records)
        paper_ids = [record.paper_id for record in records]
        user = make_user(catalog, "loader")
        token, _ = tokens.create_token(catalog, user, "load")
        with running(create_app(settings, catalog=catalog)) as url:
            load = Load(url, {"Authorization": f"Bearer {token}"}, paper_ids)
            clients = [threading.Thread(target=load.client, args=(i,)) for i in range(CLIENTS)]
            for thread in clients:
                thread.start()
            try:
                load.wait_for(20)
                killed_at = time.monotonic()
                postgres.kill()
                page = httpx.get(f"{url}/papers/{paper_ids[-1]}", timeout=30)
                time.sleep(1.0)  # the gap: every request now meets a dead database
                postgres.start()
                started_at = time.monotonic()
                before = load.ok_count()
                load.wait_for(before + 20)  # recovered, with no restart of the app
            finally:
                load.stop.set()
                for thread in clients:
                    thread.join(timeout=60)
            # After the load: the app still answers plainly.
            assert httpx.get(f"{url}/api/v1/papers/{paper_ids[0]}", timeout=30).status_code == 200
    finally:
        catalog.close()

    # A page during the gap: the error page (without the layout, which needs the database).
    assert page.status_code == 503 and page.headers["retry-after"]
    assert page.headers["content-type"].startswith("text/html")
    assert DATABASE_UNAVAILABLE in page.text and "nosniff" in page.headers["x-content-type-options"]

    statuses = {status for _, status, _, _ in load.answers}
    assert statuses <= {200, 503}, f"unexpected statuses: {statuses}"
    gap = [answer for answer in load.answers if answer[1] == 503]
    assert gap, "no request met the restart: the test proves nothing"
    assert all(retry_after is not None and int(retry_after) > 0 for _, _, retry_after, _ in gap)
    assert all(killed_at <= at for _, _, _, at in gap)
    assert load.refusal is not None  # the API's own JSON, with the security headers
    assert load.refusal.json() == {"error": DATABASE_UNAVAILABLE}
    assert load.refusal.headers["x-content-type-options"] == "nosniff"
    assert any(status == 200 and at > started_at for _, status, _, at in load.answers)

    acknowledged = {paper_id for paper_id, status, _, _ in load.answers if status == 200}
    check = sa.create_engine(postgres.url)
    try:
        votes = community_schema.votes
        with check.connect() as connection:
            stored = set(
                connection.execute(
                    sa.select(votes.c.paper_id).where(votes.c.user_id == user.id)
                ).scalars()
            )
    finally:
        check.dispose()
    assert acknowledged <= stored, f"acknowledged but lost: {sorted(acknowledged - stored)}"
