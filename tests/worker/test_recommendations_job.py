"""The refresh-recommendations job: scheduled after embed, before composing; ranks readers
and leaves out what their digests already sent."""

from __future__ import annotations

import sqlalchemy as sa

from paperwire.digest import schema
from paperwire.recommend import signals
from paperwire.recommend.engine import Recommender
from paperwire.recommend.readers import Reader
from paperwire.recommend.schema import reader_recommendations
from paperwire.worker.runner import default_jobs
from paperwire.worker.tasks import refresh_recommendations
from tests.recommend.corpus import build_corpus
from tests.support.digest import Mail


def test_the_job_runs_after_embedding_and_before_composing(mail: Mail) -> None:
    settings = mail.settings.model_copy(update={"semantic_search": True})
    names = [job.name for job in default_jobs(mail.catalog, settings, mail.clock)]
    assert "refresh-recommendations" in names
    assert names.index("embed") < names.index("refresh-recommendations")
    assert names.index("refresh-recommendations") < names.index("compose-digests")


def test_the_job_ranks_every_reader_without_their_sent_papers(mail: Mail) -> None:
    corpus = build_corpus(mail.catalog, mail.clock)
    subscriber = mail.subs.add("reader@example.org", confirmed=True)
    mail.compose()
    with mail.catalog.engine.connect() as connection:
        sent = set(
            connection.execute(
                sa.select(schema.sent_papers.c.paper_id).where(
                    schema.sent_papers.c.subscriber_id == subscriber.id
                )
            ).scalars()
        )
    assert sent
    reader = Reader("subscriber", subscriber.id)
    for paper_id in corpus.by_topic["cs.CL"][:3]:
        signals.record(mail.catalog.engine, mail.clock, reader, paper_id, "for_you", 1)
    calls: list[tuple[int, int]] = []
    report = refresh_recommendations(mail.catalog, mail.settings, lambda *call: calls.append(call))
    assert report.as_dict() | {"seconds": 0} == {
        "readers": 1,
        "personal": 1,
        "cold_start": 0,
        "empty": 0,
        "candidates": 36,
        "seconds": 0,
    }
    assert calls[-1] == (1, 1)
    with mail.catalog.engine.connect() as connection:
        assert (
            connection.execute(
                sa.select(sa.func.count()).select_from(reader_recommendations)
            ).scalar()
            == 1
        )
    page = Recommender(mail.catalog).recommend(reader, limit=50)
    assert page.items and not {item.paper.id for item in page.items} & sent


def test_the_scheduled_job_reports_its_counts(mail: Mail) -> None:
    jobs = {job.name: job for job in default_jobs(mail.catalog, mail.settings, mail.clock)}
    result = jobs["refresh-recommendations"].run(mail.clock.now())
    assert result["readers"] == 0 and result["candidates"] == 0
