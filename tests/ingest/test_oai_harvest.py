"""Live OAI-PMH harvesting against a local server replaying recorded responses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.ingest.oai import OaiError
from paperwire.ingest.oai_harvest import (
    harvest_arxiv,
    last_harvested_date,
    page_checkpoint_key,
    watermark_key,
)
from tests.support.replay import ReplayServer, Reply, replay_server

PAGES = Path(__file__).parent.parent / "fixtures" / "arxiv-oai" / "paging"
FIRST = {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2017-12-14"}
TOKEN_2 = {"verb": "ListRecords", "resumptionToken": "2148711|4"}
TOKEN_3 = {"verb": "ListRecords", "resumptionToken": "2148711|7"}
FROM = dt.date(2017, 12, 14)
ALL_IDS = [
    "1401.2122",
    "1412.8323",
    "1507.07790",
    "1607.01710",
    "1706.05371",
    "1706.09418",
    "1707.00874",
]


def page(n: int) -> Reply:
    return Reply(body=(PAGES / f"listrecords-page-{n}.xml").read_bytes())


def fixture_reply(name: str) -> Reply:
    return Reply(body=(PAGES / name).read_bytes())


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ReplayServer]:
    # One server per module: stopping one costs half a second (serve_forever's poll).
    with replay_server() as replay:
        yield replay


@pytest.fixture
def server(shared_server: ReplayServer) -> ReplayServer:
    shared_server.routes.clear()
    shared_server.requests.clear()
    shared_server.add("/oai2", FIRST, page(1))
    shared_server.add("/oai2", TOKEN_2, page(2))
    shared_server.add("/oai2", TOKEN_3, page(3))
    return shared_server


def settings_for(server: ReplayServer, delay: float = 3.0) -> Settings:
    return Settings(arxiv_oai_url=f"{server.base_url}/oai2", harvest_delay_seconds=delay)


def test_harvest_follows_resumption_tokens(
    catalog: Catalog, server: ReplayServer, clock: FakeClock
) -> None:
    settings = settings_for(server)
    report = harvest_arxiv(catalog, settings, from_date=FROM, clock=clock)
    # Following requests carry only the verb and the token, as OAI-PMH requires.
    assert server.requests == [("/oai2", FIRST), ("/oai2", TOKEN_2), ("/oai2", TOKEN_3)]
    assert report.counts.rejected == 0
    assert [paper.id for paper in catalog.iter_papers() if not paper.withdrawn] == ALL_IDS
    paper = catalog.get("1412.8323")
    assert paper is not None and paper.authors == ["Philipp A Hoehn"]
    assert paper.extras["oai_sets"] == ["physics:hep-th"]
    deleted = catalog.get("hep-th/9901007")
    assert deleted is None or deleted.withdrawn
    # Three requests, two waits of the politeness delay between them; no real sleeping.
    assert clock.sleeps == [3.0, 3.0]
    base = settings.arxiv_oai_url
    assert catalog.checkpoint(page_checkpoint_key(base, None)) is None
    assert catalog.checkpoint(watermark_key(base, None)) == {"datestamp": "2018-01-25"}


def test_each_page_commits_with_its_checkpoint(
    sqlite_catalog: Catalog, server: ReplayServer, clock: FakeClock
) -> None:
    settings = settings_for(server)
    key = page_checkpoint_key(settings.arxiv_oai_url, None)
    seen: list[tuple[int, str | None, bool]] = []

    def after_page(_: int) -> None:
        saved = sqlite_catalog.checkpoint(key)
        assert saved is not None
        live = sum(1 for paper in sqlite_catalog.iter_papers() if not paper.withdrawn)
        seen.append((live, saved["resumption_token"], saved["complete"]))

    harvest_arxiv(sqlite_catalog, settings, from_date=FROM, clock=clock, on_progress=after_page)
    # After each page: its papers are there, and so is the token for the next page.
    assert seen == [(3, "2148711|4", False), (6, "2148711|7", False), (7, None, True)]


def test_a_later_harvest_continues_from_the_last_datestamp(
    sqlite_catalog: Catalog, server: ReplayServer, clock: FakeClock
) -> None:
    settings = settings_for(server)
    harvest_arxiv(sqlite_catalog, settings, from_date=FROM, clock=clock)
    assert last_harvested_date(sqlite_catalog, settings.arxiv_oai_url, None) == dt.date(2018, 1, 25)
    later = {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2018-01-25"}
    server.add("/oai2", later, fixture_reply("error-no-records-match.xml"))
    report = harvest_arxiv(sqlite_catalog, settings, clock=clock)
    assert server.requests[-1] == ("/oai2", later)
    assert report.counts.as_dict() == {"added": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    assert last_harvested_date(sqlite_catalog, settings.arxiv_oai_url, None) == dt.date(2018, 1, 25)


def test_set_and_until_are_sent(
    sqlite_catalog: Catalog, server: ReplayServer, clock: FakeClock
) -> None:
    query = FIRST | {"set": "physics:hep-ex", "until": "2017-12-31"}
    server.add("/oai2", query, fixture_reply("error-no-records-match.xml"))
    harvest_arxiv(
        sqlite_catalog,
        settings_for(server),
        set_spec="physics:hep-ex",
        from_date=FROM,
        until_date=dt.date(2017, 12, 31),
        clock=clock,
    )
    assert server.requests == [("/oai2", query)]


def test_503_with_retry_after_is_honoured(
    catalog: Catalog, server: ReplayServer, clock: FakeClock
) -> None:
    busy = Reply(503, b"Retry after 7 seconds", {"Retry-After": "7"}, "text/plain")
    server.add("/oai2", TOKEN_2, busy, page(2))
    harvest_arxiv(catalog, settings_for(server), from_date=FROM, clock=clock)
    assert server.requests == [
        ("/oai2", FIRST),
        ("/oai2", TOKEN_2),
        ("/oai2", TOKEN_2),
        ("/oai2", TOKEN_3),
    ]
    # 3 s politeness, then the 7 s arXiv asked for (which covers the politeness delay).
    assert clock.sleeps == [3.0, 7.0, 3.0]
    assert len([paper for paper in catalog.iter_papers() if not paper.withdrawn]) == 7


def test_protocol_error_stops_the_harvest(
    sqlite_catalog: Catalog, server: ReplayServer, clock: FakeClock
) -> None:
    server.add("/oai2", TOKEN_2, fixture_reply("error-bad-resumption-token.xml"))
    with pytest.raises(OaiError, match="badResumptionToken"):
        harvest_arxiv(sqlite_catalog, settings_for(server), from_date=FROM, clock=clock)
    assert sqlite_catalog.count() == 3  # the first page stays, with its checkpoint
    saved = sqlite_catalog.checkpoint(page_checkpoint_key(settings_for(server).arxiv_oai_url, None))
    assert saved is not None and saved["resumption_token"] == "2148711|4"


def test_an_expired_saved_token_restarts_the_same_harvest(
    sqlite_catalog: Catalog, server: ReplayServer, clock: FakeClock
) -> None:
    settings = settings_for(server)
    key = page_checkpoint_key(settings.arxiv_oai_url, None)
    stale = {"verb": "ListRecords", "resumptionToken": "1|1"}
    server.add("/oai2", stale, fixture_reply("error-bad-resumption-token.xml"))
    sqlite_catalog.save_checkpoint(
        key,
        {
            "base_url": settings.arxiv_oai_url,
            "set": None,
            "from": "2017-12-14",
            "until": None,
            "resumption_token": "1|1",
            "complete": False,
        },
    )
    harvest_arxiv(sqlite_catalog, settings, from_date=FROM, clock=clock)
    assert server.requests == [
        ("/oai2", stale),
        ("/oai2", FIRST),
        ("/oai2", TOKEN_2),
        ("/oai2", TOKEN_3),
    ]
    assert sqlite_catalog.checkpoint(key) is None


def exported(catalog: Catalog) -> list[dict[str, Any]]:
    """Every paper as plain data, without what depends on when or in how many steps it was
    written (timestamps, change sequence)."""
    rows = []
    for paper in catalog.iter_papers():
        row = dataclasses.asdict(paper)
        row.pop("change_seq")
        row["sources"] = [(ref.source, ref.source_record_id) for ref in paper.sources]
        rows.append(row)
    return rows


HARVEST_SCRIPT = """
import sys
from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.ingest.oai_harvest import harvest_arxiv
import datetime as dt

url, base, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
settings = Settings(arxiv_oai_url=base, harvest_delay_seconds=delay)
harvest_arxiv(Catalog.open(url), settings, from_date=dt.date(2017, 12, 14))
"""


@pytest.mark.slow
def test_killed_harvest_resumes_to_the_same_catalog(
    database_url: str, server: ReplayServer, tmp_path: Path
) -> None:
    settings = settings_for(server, delay=0)
    reference = Catalog.open(f"sqlite:///{tmp_path / 'reference.db'}", clock=FakeClock())
    harvest_arxiv(reference, settings, from_date=FROM, clock=FakeClock())
    server.requests.clear()

    # A real process, with real 0.5 s pauses between requests, killed as soon as it has
    # asked for page 2 (so page 1 is committed and page 3 cannot have been reached).
    root = Path(__file__).resolve().parents[2]
    env = os.environ | {"PYTHONPATH": str(root / "src")}
    process = subprocess.Popen(
        [sys.executable, "-c", HARVEST_SCRIPT, database_url, settings.arxiv_oai_url, "0.5"],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while len(server.requests) < 2 and process.poll() is None:
            assert time.monotonic() < deadline, "the harvest never asked for page 2"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert server.requests == [("/oai2", FIRST), ("/oai2", TOKEN_2)]

    catalog = Catalog.open(database_url, clock=FakeClock())
    try:
        saved = catalog.checkpoint(page_checkpoint_key(settings.arxiv_oai_url, None))
        assert saved is not None and saved["resumption_token"] in {"2148711|4", "2148711|7"}
        assert 3 <= catalog.count() < 8
        server.requests.clear()
        harvest_arxiv(catalog, settings, from_date=FROM, clock=FakeClock())
        resumed = {"verb": "ListRecords", "resumptionToken": saved["resumption_token"]}
        assert server.requests[0] == ("/oai2", resumed)
        assert exported(catalog) == exported(reference)
        assert catalog.checkpoint(page_checkpoint_key(settings.arxiv_oai_url, None)) is None
    finally:
        catalog.close()
        reference.close()
