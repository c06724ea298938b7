"""Hostile XML fed to the OAI-PMH and Atom readers: refused fast, clearly, touching nothing.

File and network access are watched with an audit hook (sys.addaudithook), so "the parser
never opened the secret file nor connected anywhere" is checked, not assumed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.ingest.arxiv_atom import AtomSource, fetch_arxiv_papers, parse_atom_bytes
from paperwire.ingest.base import InputUnreadable, Source
from paperwire.ingest.oai import OaiXmlSource, parse_oai_bytes
from paperwire.ingest.oai_harvest import harvest_arxiv
from paperwire.ingest.pipeline import run_source
from tests.support.replay import ReplayServer, Reply, replay_server

_watching = False
_events: list[tuple[str, str]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watching and (event == "open" or event.startswith("socket.")):
        _events.append((event, repr(args)))


sys.addaudithook(_audit)  # hooks cannot be removed; this one only records while watching


@contextmanager
def watched() -> Iterator[list[tuple[str, str]]]:
    global _watching
    _events.clear()
    _watching = True
    try:
        yield _events
    finally:
        _watching = False


LAUGHS = "\n".join(
    f'  <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
)  # 10^9 "lol"s once expanded


def attacks(root: str, secret: Path) -> dict[str, str]:
    return {
        "billion laughs": (
            f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n  <!ENTITY lol0 "lol">\n{LAUGHS}\n]>\n'
            f"<{root}>&lol9;</{root}>"
        ),
        "quadratic blowup": (
            f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY a "{"x" * 100_000}">]>\n'
            f"<{root}>{'&a;' * 20_000}</{root}>"  # 2 GB of text once expanded
        ),
        "external entity file://": (
            f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY secret SYSTEM '
            f'"file://{secret}">]>\n<{root}>&secret;</{root}>'
        ),
        "external DTD": (
            f'<?xml version="1.0"?>\n<!DOCTYPE {root} SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
            f"<{root}/>"
        ),
        "external DTD file://": (
            f'<?xml version="1.0"?>\n<!DOCTYPE {root} SYSTEM "file://{secret}">\n<{root}/>'
        ),
        "external parameter entity": (
            f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY % remote SYSTEM '
            f'"http://127.0.0.1:9/evil.dtd"> %remote;]>\n<{root}/>'
        ),
    }


ATTACK_NAMES = list(attacks("x", Path("/x")))
READERS: dict[str, tuple[str, Callable[[Path], Source]]] = {
    "oai": ("OAI-PMH", OaiXmlSource),
    "atom": ("feed", AtomSource),
}


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT")
    return path


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_file_attack_is_refused_fast_and_writes_nothing(
    sqlite_catalog: Catalog, tmp_path: Path, secret: Path, reader: str, attack: str
) -> None:
    root, make_source = READERS[reader]
    path = tmp_path / "hostile.xml"
    path.write_text(attacks(root, secret)[attack])
    source = make_source(path)
    started = time.monotonic()
    with watched() as events, pytest.raises(InputUnreadable) as caught:
        run_source(sqlite_catalog, source)
    assert time.monotonic() - started < 1.0
    message = str(caught.value)
    assert message.startswith(str(path)) and "refused" in message
    assert "TOP-SECRET" not in message
    assert not [event for event in events if str(secret) in event[1]]
    assert not [event for event in events if event[0] == "socket.connect"]
    assert sqlite_catalog.count() == 0


@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_in_memory_parsers_refuse_too(secret: Path, attack: str) -> None:
    for root, parse in (("OAI-PMH", parse_oai_bytes), ("feed", parse_atom_bytes)):
        started = time.monotonic()
        with watched() as events, pytest.raises(InputUnreadable, match="refused"):
            parse(attacks(root, secret)[attack].encode(), "response")
        assert time.monotonic() - started < 1.0
        assert events == []  # not a single file opened nor socket used


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    with replay_server() as replay:
        yield replay


def test_harvested_page_with_an_attack_stops_the_harvest(
    sqlite_catalog: Catalog, server: ReplayServer, secret: Path
) -> None:
    query = {"verb": "ListRecords", "metadataPrefix": "arXiv"}
    server.add("/oai2", query, Reply(body=attacks("OAI-PMH", secret)["billion laughs"].encode()))
    settings = Settings(arxiv_oai_url=f"{server.base_url}/oai2")
    started = time.monotonic()
    with pytest.raises(InputUnreadable, match="document type declaration"):
        harvest_arxiv(sqlite_catalog, settings, clock=FakeClock())
    assert time.monotonic() - started < 1.0
    assert sqlite_catalog.count() == 0


def test_fetched_feed_with_an_attack_is_refused(server: ReplayServer, secret: Path) -> None:
    query = {"id_list": "2403.01234", "start": "0", "max_results": "1"}
    body = attacks("feed", secret)["quadratic blowup"].encode()
    server.add("/api/query", query, Reply(body=body))
    settings = Settings(arxiv_api_url=f"{server.base_url}/api/query")
    started = time.monotonic()
    with pytest.raises(InputUnreadable, match="refused"):
        fetch_arxiv_papers(["2403.01234"], settings, clock=FakeClock())
    assert time.monotonic() - started < 1.0
