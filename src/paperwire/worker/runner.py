"""`paperwire worker`: the scheduled jobs (harvest arXiv and Hugging Face, embed new papers,
compose digests) plus a sender that keeps draining the outbox.

Several workers may run at once (on PostgreSQL): each job runs once per slot (jobs.py), and
outbox rows are claimed one by one (outbox.py). The worker is also the search indexes'
writer: harvests update the keyword index, the embed job the vector index, and a follower
thread applies whatever else changed in the catalog (an ingest on another machine) to this
machine's index files every few seconds. SIGTERM stops
it after the job and the messages in flight.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import TYPE_CHECKING, Any

from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.community.trending import TrendingParams, trending_scorer
from paperwire.config import Settings
from paperwire.digest import service
from paperwire.digest.compose import Composer
from paperwire.digest.engine import Engine
from paperwire.process_identity import worker_id
from paperwire.worker.jobs import Job, JobRun, JobTable, run_due

if TYPE_CHECKING:
    from paperwire.search.indexes import IndexReport

log = logging.getLogger(__name__)

# Proposed settings (module constants until config.py has them): when each job runs.
ARXIV_HOUR_UTC = 2  # arXiv announces at 00:00 UTC (20:00 US Eastern)
HF_EVERY_MINUTES = 120  # HF's daily list grows through the day
EMBED_EVERY_MINUTES = 60
RETRY_SUBMISSIONS_MINUTES = 15
PRUNE_HOUR_UTC = 3
THUMBNAILS_EVERY_MINUTES = 30  # ingest/pdf.py: at most PER_RUN PDFs a run, politely spaced
RECOMMEND_EVERY_MINUTES = 60  # embed runs hourly too; a new signal refreshes its reader at once
COMPOSE_EVERY_MINUTES = 1  # digest hours are whole hours: a minute's delay at most
POLL_SECONDS = 15.0
# How often the worker brings its machine's index files up to the catalog's change sequence
# (search/indexes.follow_catalog): a paper ingested anywhere is found here within seconds.
INDEX_FOLLOW_SECONDS = 2.0


class Worker:
    def __init__(
        self,
        catalog: Catalog,
        settings: Settings,
        *,
        clock: Clock | None = None,
        jobs: list[Job] | None = None,
        sender: Engine | None = None,
    ) -> None:
        self.catalog = catalog
        self.settings = settings
        self.clock = clock or catalog.clock
        self.table = JobTable(catalog.engine, worker_id())
        self.jobs = jobs if jobs is not None else default_jobs(catalog, settings, self.clock)
        self.sender = sender
        if sender is None and settings.smtp_host:
            self.sender = service.sender(catalog, settings, clock=self.clock)

    def tick(self) -> list[JobRun]:
        """Run the jobs that are due and unclaimed; then send what the outbox holds."""
        runs = run_due(self.table, self.jobs, self.clock)
        for run in runs:
            log.info("job %s %s: %s %s", run.name, run.slot, run.state, run.result)
        return runs

    def follow_indexes(self) -> IndexReport | None:
        """Apply the catalog's changes to this data directory's index files, when behind.

        Not a job of the job table: every machine keeps its own index files, so every
        worker does this for its own, however many workers share the database.
        """
        from paperwire.search.indexes import follow_catalog, index_root

        report = follow_catalog(self.catalog, index_root(self.settings.data_dir))
        if report is not None and (report.keyword_papers or report.vector_papers):
            log.info("indexes follow the catalog: %s", report.as_dict())
        return report

    def _follow(self, stop: threading.Event, every: float) -> None:
        while not stop.is_set():
            try:
                self.follow_indexes()
            except Exception:  # the database away, a full disk: say so, try again
                log.exception("updating the search indexes failed")
            stop.wait(every)

    def run(
        self,
        stop: threading.Event,
        poll_seconds: float = POLL_SECONDS,
        follow_seconds: float = INDEX_FOLLOW_SECONDS,
    ) -> None:
        """Until `stop`: jobs every `poll_seconds`, the sender all along, and the index
        files following the catalog every `follow_seconds` (also while a long job runs)."""
        threads = [
            threading.Thread(
                target=self._follow, args=(stop, follow_seconds), name="index-follower"
            )
        ]
        if self.sender is not None:
            sender = self.sender
            threads.append(
                threading.Thread(
                    target=lambda: sender.run(stop, until_idle=False), name="digest-sender"
                )
            )
        for thread in threads:
            thread.start()
        try:
            while not stop.is_set():
                self.tick()
                stop.wait(poll_seconds)
        finally:
            stop.set()
            for thread in threads:
                thread.join()


def default_jobs(catalog: Catalog, settings: Settings, clock: Clock) -> list[Job]:
    """The jobs of a worker with these settings: harvests and digests, embedding when
    semantic search is on, composing when mail is configured."""
    from paperwire.search.handle import SearcherHandle, SearchUnavailable
    from paperwire.worker import tasks

    searchers = SearcherHandle(
        catalog,
        settings,
        semantic=settings.semantic_search,
        trending_scorer=trending_scorer(catalog, TrendingParams.from_settings(settings)),
    )

    def harvest_arxiv(due: dt.datetime) -> dict[str, Any]:
        return tasks.harvest_arxiv_and_index(catalog, settings).as_dict()

    def harvest_hf(due: dt.datetime) -> dict[str, Any]:
        from paperwire.catalog.listing import ListQuery
        from paperwire.catalog.periods import Period
        from paperwire.community.stars import record_star_counts

        report = tasks.harvest_hf_daily_and_index(catalog, settings)
        # Star counts over time feed the trending score's "stars gained" term.
        today = clock.now().date()
        recent = catalog.list_page(
            ListQuery(period=Period("day", today - dt.timedelta(days=14), today)),
            limit=5000,
            with_total=False,
        ).papers
        stars = record_star_counts(catalog, recent)
        return report.counts.as_dict() | {"stars": stars, "index": report.index.as_dict()}

    def retry_submissions(due: dt.datetime) -> dict[str, Any]:
        from paperwire.community.submissions import retry_pending_submissions

        report = retry_pending_submissions(catalog, settings)
        return {"listed": report.listed, "rejected": report.rejected, "pending": report.pending}

    def prune(due: dt.datetime) -> dict[str, Any]:
        from paperwire.accounts.maintenance import prune as prune_community

        return prune_community(catalog)

    def thumbnails(due: dt.datetime) -> dict[str, Any]:
        from paperwire.ingest.pdf import make_thumbnails

        return make_thumbnails(catalog, settings, today=clock.now().date()).as_dict()

    def embed(due: dt.datetime) -> dict[str, Any]:
        from paperwire.search.embedder import MiniLmEmbedder

        embedder = MiniLmEmbedder(provider=settings.embed_provider)
        return tasks.embed_and_index(catalog, settings, embedder).as_dict()

    def recommendations(due: dt.datetime) -> dict[str, Any]:
        return tasks.refresh_recommendations(catalog, settings).as_dict()

    def compose(due: dt.datetime) -> dict[str, Any]:
        try:
            searcher = searchers.get()
        except SearchUnavailable:
            searcher = None
        trending = TrendingParams.from_settings(settings)
        return Composer(catalog, searcher, trending).compose_due(clock.now()).as_dict()

    jobs = [
        Job("harvest-arxiv", harvest_arxiv, daily_at=ARXIV_HOUR_UTC),
        Job("harvest-hf", harvest_hf, every_minutes=HF_EVERY_MINUTES),
        # Submissions that arXiv could not answer when they were made (community issue).
        Job("retry-submissions", retry_submissions, every_minutes=RETRY_SUBMISSIONS_MINUTES),
        Job("prune-sessions", prune, daily_at=PRUNE_HOUR_UTC),
        # First pages of recently listed papers, for the cards (ingest/pdf.py).
        Job("thumbnails", thumbnails, every_minutes=THUMBNAILS_EVERY_MINUTES),
    ]
    if settings.semantic_search:
        jobs.append(Job("embed", embed, every_minutes=EMBED_EVERY_MINUTES))
    # After the harvests and the embed job in each tick (jobs run in list order), so new
    # papers and their vectors are candidates; before composing, so digests use it too.
    jobs.append(
        Job("refresh-recommendations", recommendations, every_minutes=RECOMMEND_EVERY_MINUTES)
    )
    if settings.smtp_host:
        jobs.append(Job("compose-digests", compose, every_minutes=COMPOSE_EVERY_MINUTES))
    return jobs
