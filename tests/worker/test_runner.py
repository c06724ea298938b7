"""The worker end to end on a fake clock: digests at the subscriber's local hour across a
daylight-saving change, one digest after downtime, and two workers firing together."""

from __future__ import annotations

import datetime as dt

from paperwire.digest.engine import SendPolicy
from paperwire.digest.model import Preferences
from paperwire.worker.runner import Worker, default_jobs
from tests.support.digest import Mail
from tests.support.factories import paper

UTC = dt.UTC


def workers(mail: Mail, count: int) -> list[Worker]:
    built = []
    for _ in range(count):
        jobs = [
            job
            for job in default_jobs(mail.catalog, mail.settings, mail.clock)
            if job.name == "compose-digests"
        ]
        worker = Worker(mail.catalog, mail.settings, clock=mail.clock, jobs=jobs)
        assert worker.sender is not None
        worker.sender.policy = SendPolicy(rate=1000.0)
        built.append(worker)
    return built


def run_until(mail: Mail, team: list[Worker], end: dt.datetime) -> list[dt.datetime]:
    """Tick every 30 minutes until `end`; the times at which digests arrived."""
    arrivals: list[dt.datetime] = []
    number = 100 + len(mail.sink.received)
    while mail.clock.now() < end:
        if mail.clock.now().hour == 0 and mail.clock.now().minute == 0:
            number += 1
            mail.catalog.upsert([paper(number, mail.clock.now().date())])  # a paper a day
        before = len(mail.sink.received)
        for worker in team:
            worker.tick()
        for worker in team:
            assert worker.sender is not None
            worker.sender.run()
        arrivals += [mail.clock.now()] * (len(mail.sink.received) - before)
        mail.clock.advance(1800)
    return arrivals


def test_digests_follow_the_local_hour_across_dst_and_downtime(mail: Mail) -> None:
    mail.clock.advance(
        (dt.datetime(2026, 3, 25, 23, 0, tzinfo=UTC) - mail.clock.now()).total_seconds()
    )
    berlin = Preferences.build(hour=8, timezone="Europe/Berlin")
    mail.subs.add("reader@example.org", confirmed=True, preferences=berlin)
    team = workers(mail, 2)  # two workers firing at the same instants
    arrivals = run_until(mail, team, dt.datetime(2026, 3, 31, 12, 0, tzinfo=UTC))
    assert arrivals == [
        dt.datetime(2026, 3, 26, 7, 0, tzinfo=UTC),  # Thursday 08:00 CET
        dt.datetime(2026, 3, 27, 7, 0, tzinfo=UTC),  # Friday; none on the weekend
        dt.datetime(2026, 3, 30, 6, 0, tzinfo=UTC),  # Monday 08:00 CEST: clocks went forward
        dt.datetime(2026, 3, 31, 6, 0, tzinfo=UTC),
    ]
    # Down from Tuesday noon to Thursday 11:00: one digest on return, not two.
    mail.catalog.upsert([paper(900, dt.date(2026, 4, 1)), paper(901, dt.date(2026, 4, 2))])
    mail.clock.advance(
        (dt.datetime(2026, 4, 2, 11, 0, tzinfo=UTC) - mail.clock.now()).total_seconds()
    )
    arrivals = run_until(mail, team, dt.datetime(2026, 4, 2, 12, 0, tzinfo=UTC))
    assert arrivals == [dt.datetime(2026, 4, 2, 11, 0, tzinfo=UTC)]
    last = mail.sink.received[-1].data.decode()
    assert "2603.00900" in last and "2603.00901" in last
    ids = [message.message_id for message in mail.sink.received]
    assert len(ids) == len(set(ids)) == 5


def test_the_worker_also_retries_submissions_and_prunes_sessions(mail: Mail) -> None:
    """Community upkeep rides on the same job table (one run per slot, any worker)."""
    jobs = {job.name: job for job in default_jobs(mail.catalog, mail.settings, mail.clock)}
    assert {"harvest-arxiv", "harvest-hf", "retry-submissions", "prune-sessions"} <= set(jobs)
    now = mail.clock.now()
    assert jobs["retry-submissions"].run(now) == {"listed": 0, "rejected": 0, "pending": 0}
    assert set(jobs["prune-sessions"].run(now)) == {"sessions_and_mail_tokens", "login_counters"}
