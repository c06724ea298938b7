"""`paperwire subscribers ...` and `paperwire digest ...` through Typer's runner, sending to
a real SMTP server."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from paperwire.catalog.store import Catalog
from tests.cli.kit import invoke
from tests.support.factories import paper
from tests.support.smtp import smtp_sink


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("PAPERWIRE_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("PAPERWIRE_BASE_URL", "https://papers.example.org")
    data = tmp_path / "data"
    catalog = Catalog.open(f"sqlite:///{data / 'catalog.db'}")
    today = dt.datetime.now(dt.UTC).date()
    catalog.upsert([paper(1, today, upvotes=5), paper(2, today)])
    catalog.close()
    return ["--data-dir", str(data)]


def test_subscribers_add_list_remove(base: list[str]) -> None:
    code, stdout, _ = invoke(
        [*base, "subscribers", "add", "Ada@Example.org", "--confirmed", "--frequency", "weekly",
         "--weekday", "2", "--topic", "medical image segmentation", "--topic", "cat:cs.CL",
         "--timezone", "Europe/Berlin"]
    )  # fmt: skip
    assert code == 0 and "Ada@example.org: confirmed" in stdout
    assert invoke([*base, "subscribers", "add", "bob@example.org"])[1].strip().endswith("pending")
    code, stdout, _ = invoke([*base, "subscribers", "list", "--json"])
    listed = {entry["email"]: entry for entry in json.loads(stdout)}
    assert listed["Ada@example.org"]["topics"] == ["medical image segmentation", "cat:cs.CL"]
    assert listed["Ada@example.org"]["frequency"] == "weekly"
    assert listed["bob@example.org"]["status"] == "pending"
    code, stdout, _ = invoke([*base, "subscribers", "list"])
    assert code == 0 and "2 subscribers" in stdout
    assert invoke([*base, "subscribers", "remove", "BOB@example.org"])[0] == 0
    code, _, stderr = invoke([*base, "subscribers", "remove", "bob@example.org"])
    assert code == 1 and "no subscriber" in stderr
    code, _, stderr = invoke([*base, "subscribers", "add", "not-an-address"])
    assert code == 1 and "valid email" in stderr
    assert invoke([*base, "subscribers", "add", "c@example.org", "--frequency", "hourly"])[0] == 2


def test_digest_run_sends_once_and_reports(
    base: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, stderr = invoke([*base, "digest", "run", "--now"])
    assert code == 1 and "PAPERWIRE_SMTP_HOST" in stderr
    invoke([*base, "subscribers", "add", "ada@example.org", "--confirmed"])
    with smtp_sink() as sink:
        monkeypatch.setenv("PAPERWIRE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PAPERWIRE_SMTP_PORT", str(sink.port))
        monkeypatch.setenv("PAPERWIRE_SMTP_SECURITY", "none")
        code, stdout, _ = invoke([*base, "digest", "run", "--now", "--force", "--json"])
        assert code == 0
        report = json.loads(stdout)
        assert report["compose"]["composed"] == 1 and report["send"]["sent"] == 1
        code, stdout, _ = invoke([*base, "digest", "run", "--now", "--force"])
        assert code == 0 and "composed 0" in stdout  # today's digest went out already
    assert [message.recipients for message in sink.received] == [["ada@example.org"]]
    code, stdout, _ = invoke([*base, "digest", "status", "--json"])
    assert json.loads(stdout) == {"sent": 1}


def test_digest_preview_writes_the_message(base: list[str], tmp_path: Path) -> None:
    invoke([*base, "subscribers", "add", "ada@example.org", "--confirmed"])
    html = tmp_path / "preview.html"
    code, stdout, stderr = invoke(
        [*base, "digest", "preview", "--to", "ada@example.org", "--html", str(html)]
    )
    assert code == 0
    assert (
        "A study of topic 1" in stdout
        and "Unsubscribe: https://papers.example.org/unsubscribe/" in stdout
    )
    assert 'style="' in html.read_text() and "A study of topic 1" in html.read_text()
    eml = Path(stderr.split("message written to ")[1].strip())
    assert (
        eml.suffix == ".eml"
        and b"List-Unsubscribe: <https://papers.example.org" in eml.read_bytes()
    )
    code, stdout, _ = invoke([*base, "digest", "status", "--json"])
    assert json.loads(stdout) == {}  # a preview records nothing
