"""`paperwire demo`: the bundled corpus, loaded twice, findable by keyword at once."""

from __future__ import annotations

import datetime as dt
import json

from tests.cli.kit import invoke
from tests.search.test_keyword import MASK2FORMER


def test_demo_is_idempotent(db: list[str]) -> None:
    code, stdout, _ = invoke([*db, "demo"])
    assert code == 0 and "268 added" in stdout
    assert "demo community: 3 demo accounts" in stdout
    code, stdout, _ = invoke([*db, "demo"])
    assert code == 0 and "0 added, 0 updated" in stdout
    assert "demo community: 0 demo accounts, 0 upvotes, 0 comments, 0 collection" in stdout
    code, stdout, _ = invoke([*db, "stats", "--json"])
    figures = json.loads(stdout)
    assert figures["papers"] == 268
    # `paperwire demo` lists the HF papers today (tests' load_demo keeps the pinned day).
    assert figures["last_listed_on"] == dt.datetime.now(dt.UTC).date().isoformat()
    # The keyword index followed both loads: found once, not twice.
    code, stdout, _ = invoke([*db, "search", "Mask2Former encoder", "--mode", "keyword", "--json"])
    hits = [hit["id"] for hit in json.loads(stdout)]
    assert code == 0 and hits[0] == MASK2FORMER and hits.count(MASK2FORMER) == 1
