"""`paperwire harvest arxiv | hf-daily` against recorded responses on a local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.kit import invoke
from tests.support.replay import Reply, replay_server


def test_harvest_commands_against_recorded_responses(
    db: list[str], fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paging = fixtures / "arxiv-oai" / "paging"
    with replay_server() as server:
        server.add(
            "/oai2",
            {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2017-12-14"},
            Reply(body=(paging / "listrecords-page-1.xml").read_bytes()),
        )
        for token, page in (("2148711|4", 2), ("2148711|7", 3)):
            server.add(
                "/oai2",
                {"verb": "ListRecords", "resumptionToken": token},
                Reply(body=(paging / f"listrecords-page-{page}.xml").read_bytes()),
            )
        server.add(
            "/api/daily_papers",
            {"date": "2026-03-06", "p": "0", "limit": "100"},
            Reply(
                body=(fixtures / "hf-daily-papers-sample.json").read_bytes(),
                content_type="application/json",
            ),
        )
        monkeypatch.setenv("PAPERWIRE_ARXIV_OAI_URL", f"{server.base_url}/oai2")
        monkeypatch.setenv("PAPERWIRE_HF_API_URL", f"{server.base_url}/api")
        monkeypatch.setenv("PAPERWIRE_HARVEST_DELAY_SECONDS", "0")
        code, stdout, _ = invoke([*db, "harvest", "arxiv", "--from", "2017-12-14", "--json"])
        assert code == 0 and json.loads(stdout)["added"] == 7
        code, stdout, _ = invoke([*db, "harvest", "hf-daily", "--date", "2026-03-06"])
        assert code == 0 and "1 added" in stdout
        code, _, stderr = invoke([*db, "harvest", "hf-daily", "--date", "2026-03-07"])
        assert code == 1 and "HTTP 404" in stderr
    code, stdout, _ = invoke([*db, "stats", "--json"])
    assert json.loads(stdout)["by_source"] == {"arxiv-oai": 7, "hf-daily": 1}
