"""`paperwire recommend refresh` end to end: readers ranked, the summary printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa

from paperwire.catalog.schema import papers
from paperwire.catalog.store import Catalog
from paperwire.recommend import interests, signals
from paperwire.recommend.engine import Recommender
from paperwire.recommend.readers import Reader
from tests.cli.kit import invoke
from tests.search.test_vectors_import import save_npz, unit_vectors


def test_refresh_ranks_every_reader_and_says_how(tmp_path: Path) -> None:
    base = ["--data-dir", str(tmp_path)]
    assert invoke([*base, "demo"])[0] == 0  # the demo's papers are listed in recent days
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'catalog.db'}")
    with catalog.engine.connect() as connection:
        every = connection.execute(sa.select(papers.c.id).order_by(papers.c.id)).scalars()
        ids = [str(i) for i in every if re.fullmatch(r"\d{4}\.\d{4,5}", str(i))]  # arXiv ids
    path = save_npz(tmp_path / "vectors.npz", ids, unit_vectors(len(ids)))
    assert invoke([*base, "vectors", "import", str(path)])[0] == 0
    liker, follower = Reader("subscriber", 1001), Reader("subscriber", 1002)
    for paper_id in ids[:4]:
        signals.record(catalog.engine, catalog.clock, liker, paper_id, "digest", 1)
    interests.set_interests(catalog.engine, follower, ["cs.CL"], [], [])

    code, stdout, stderr = invoke([*base, "recommend", "refresh", "--json"])
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["candidates"] > 0
    assert report["personal"] >= 1 and report["cold_start"] >= 1
    assert report["readers"] == report["personal"] + report["cold_start"] + report["empty"]
    page = Recommender(catalog).recommend(liker, limit=5)
    assert page.basis == "personal" and page.items
    assert not {item.paper.id for item in page.items} & set(ids[:4])  # liked ones aren't offered

    code, stdout, _ = invoke([*base, "recommend", "refresh"])
    assert code == 0 and f"{report['readers']} readers ranked" in stdout
