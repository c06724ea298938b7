"""Papers submitted by the community: by arXiv id or URL, listed on today's page.

Rules (settings; docs/community.md): a verified account may submit SUBMISSION_DAILY_CAP
papers per UTC day, each at most SUBMISSION_MAX_AGE_DAYS old by its arXiv submission date;
a paper already submitted, or already listed by a feed, is a duplicate and becomes an
upvote by the submitter instead.

Listing: the paper's arXiv metadata (from the catalog when it has it, else fetched from
the arXiv API) is stored together with a record from the "community" source whose
listed_on is today, so the paper shows on today's daily page like a feed-listed one.
When arXiv cannot be reached the submission stays `pending`; `retry_pending_submissions`
(run by the worker) completes or rejects it later, and its submitter sees the state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import sqlalchemy as sa

from paperwire.accounts.model import User
from paperwire.accounts.schema import users
from paperwire.accounts.security import require_verified
from paperwire.catalog import schema as catalog_schema
from paperwire.catalog.ids import could_be_id, parse_arxiv_id
from paperwire.catalog.model import Authority, PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.community.schema import submissions, votes
from paperwire.config import Settings
from paperwire.db.connections import insert_ignoring_duplicates, now, reading, writing
from paperwire.db.values import as_utc, maybe_utc
from paperwire.errors import CommunityError, NotFound, TooMany
from paperwire.ingest.arxiv_atom import fetch_arxiv_papers
from paperwire.ingest.base import InputUnreadable
from paperwire.ingest.http import RemoteError
from paperwire.ingest.records import build_record

SOURCE = "community"
Status = Literal["pending", "listed", "rejected"]
Outcome = Literal["listed", "pending", "duplicate"]
# A person waits for the first answer only; the worker's retries are the patient ones.
INTERACTIVE_TIMEOUT_SECONDS = 10.0
GIVE_UP_AFTER = dt.timedelta(days=3)
_papers = catalog_schema.papers


@dataclass(frozen=True, slots=True)
class Submission:
    id: int
    paper_id: str
    username: str
    status: Status
    reason: str | None
    attempts: int
    created_at: dt.datetime
    listed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    """listed: on today's page now; pending: arXiv could not be reached, retried later;
    duplicate: submitted or listed before, so it counted as the submitter's upvote."""

    outcome: Outcome
    paper_id: str
    submission: Submission | None


@dataclass(slots=True)
class RetryReport:
    listed: int = 0
    rejected: int = 0
    pending: int = 0


class _WouldWait(Exception):
    """Raised instead of sleeping between retries while a person waits."""


class _NoWaitClock:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> dt.datetime:
        return self._clock.now()

    def monotonic(self) -> float:
        return self._clock.monotonic()

    def sleep(self, seconds: float) -> None:
        raise _WouldWait(f"arXiv asked us to wait {seconds:.0f} s")


_UNREACHABLE = (RemoteError, httpx.HTTPError, InputUnreadable, OSError, _WouldWait)


def parse_submission(text: str) -> str:
    """The arXiv id (without version) in an id, an arXiv abs/pdf URL or an HF papers URL.
    Nothing is fetched from the text: anything else is refused."""
    text = text.strip()
    parsed = parse_arxiv_id(text) if 0 < len(text) <= 300 else None
    if parsed is None:
        raise CommunityError(
            "give an arXiv id (2403.01234) or an arxiv.org or huggingface.co/papers URL"
        )
    return parsed[0]


def submit_paper(
    catalog: Catalog,
    settings: Settings,
    user: User | None,
    text: str,
    *,
    transport: httpx.BaseTransport | None = None,
) -> SubmissionResult:
    """Submit a paper. Raises CommunityError (not an arXiv id; too old), NotFound (arXiv has
    no such paper), TooMany (daily cap) or Forbidden (not signed in or not verified)."""
    author = require_verified(user)
    paper_id = parse_submission(text)
    reserved = _reserve(catalog, settings, author, paper_id)
    if isinstance(reserved, SubmissionResult):
        return reserved
    record: PaperRecord | None = None
    stored_date, title = _known_metadata(catalog, paper_id)
    if stored_date is None:
        quick = settings.model_copy(update={"http_timeout_seconds": INTERACTIVE_TIMEOUT_SECONDS})
        try:
            found = fetch_arxiv_papers(
                [paper_id], quick, clock=_NoWaitClock(catalog.clock), transport=transport
            )
        except _UNREACHABLE as error:
            _set_status(catalog, reserved, "pending", _reason(error), attempted=True)
            return SubmissionResult("pending", paper_id, get_submission(catalog, paper_id))
        if not found:
            _withdraw(catalog, reserved)
            raise NotFound(f"arXiv has no paper {paper_id}")
        record, stored_date, title = found[0], found[0].submitted, found[0].title
    problem = _age_problem(settings, stored_date, now(catalog).date())
    if problem:
        _withdraw(catalog, reserved)
        raise CommunityError(problem)
    _list(catalog, reserved, paper_id, title, record)
    return SubmissionResult("listed", paper_id, get_submission(catalog, paper_id))


def _reserve(
    catalog: Catalog, settings: Settings, author: User, paper_id: str
) -> int | SubmissionResult:
    """Record a pending submission (its id), or settle a duplicate as an upvote."""
    moment = now(catalog)
    day_start = dt.datetime.combine(moment.date(), dt.time(), dt.UTC)
    with writing(catalog) as connection:
        # Serialise one account's submissions (PostgreSQL), so the cap cannot be raced.
        connection.execute(sa.select(users.c.id).where(users.c.id == author.id).with_for_update())
        existing = connection.execute(
            sa.select(submissions.c.id, submissions.c.status).where(
                submissions.c.paper_id == paper_id
            )
        ).first()
        listed_by_feed = connection.execute(
            sa.select(_papers.c.id).where(
                _papers.c.id == paper_id, _papers.c.listed_from_feed.is_(True)
            )
        ).first()
        if (existing is not None and existing.status != "rejected") or listed_by_feed:
            _vote(connection, author, paper_id, moment)
            duplicate = True
        else:
            duplicate = False
            today = connection.execute(
                sa.select(sa.func.count()).where(
                    submissions.c.user_id == author.id,
                    submissions.c.status != "rejected",
                    submissions.c.created_at >= day_start,
                )
            ).scalar_one()
            if today >= settings.submission_daily_cap:
                raise TooMany(
                    f"you can submit {settings.submission_daily_cap} papers a day; "
                    "try again tomorrow",
                    int((day_start + dt.timedelta(days=1) - moment).total_seconds()) + 1,
                )
            values = {
                "user_id": author.id,
                "status": "pending",
                "reason": None,
                "attempts": 0,
                "created_at": moment,
                "updated_at": moment,
                "listed_at": None,
            }
            if existing is not None:  # rejected before (unknown then, say): try again
                connection.execute(
                    submissions.update().where(submissions.c.id == existing.id).values(**values)
                )
                return int(existing.id)
            try:
                with connection.begin_nested():
                    return int(
                        connection.execute(
                            submissions.insert()
                            .values(paper_id=paper_id, **values)
                            .returning(submissions.c.id)
                        ).scalar_one()
                    )
            except sa.exc.IntegrityError:
                # Somebody submitted it a moment ago (PostgreSQL): an upvote, then.
                _vote(connection, author, paper_id, moment)
                duplicate = True
    assert duplicate
    return SubmissionResult("duplicate", paper_id, get_submission(catalog, paper_id))


def _vote(connection: sa.Connection, user: User, paper_id: str, moment: dt.datetime) -> None:
    connection.execute(
        insert_ignoring_duplicates(connection, votes).values(
            user_id=user.id, paper_id=paper_id, created_at=moment
        )
    )


def _known_metadata(catalog: Catalog, paper_id: str) -> tuple[dt.date | None, str]:
    """(arXiv's submission date, title) from the catalog, when an arXiv source stored them."""
    with reading(catalog) as connection:
        row = connection.execute(
            sa.select(_papers.c.submitted, _papers.c.authority, _papers.c.title).where(
                _papers.c.id == paper_id
            )
        ).first()
    if row is None or row.authority < Authority.ARXIV or row.submitted is None:
        return None, ""
    submitted = row.submitted
    day = submitted if isinstance(submitted, dt.date) else dt.date.fromisoformat(submitted)
    return day, str(row.title)


def _age_problem(settings: Settings, submitted: dt.date | None, asked_on: dt.date) -> str | None:
    if submitted is None:
        return "arXiv gives no submission date for this paper"
    oldest = asked_on - dt.timedelta(days=settings.submission_max_age_days)
    if submitted < oldest:
        return (
            f"only papers from the last {settings.submission_max_age_days} days can be "
            f"submitted (this one is from {submitted.isoformat()})"
        )
    return None


def _list(
    catalog: Catalog, submission_id: int, paper_id: str, title: str, record: PaperRecord | None
) -> None:
    """Store the paper with today's community listing, then mark the submission listed."""
    moment = now(catalog)
    listing = build_record(
        source=SOURCE,
        source_record_id=paper_id,
        authority=Authority.LISTING,
        raw_id=paper_id,
        title=title,
        listed_on=moment.date(),
    )
    catalog.upsert([record, listing] if record is not None else [listing])
    with writing(catalog) as connection:
        connection.execute(
            submissions.update()
            .where(submissions.c.id == submission_id)
            .values(status="listed", reason=None, updated_at=moment, listed_at=moment)
        )
        user_id = connection.execute(
            sa.select(submissions.c.user_id).where(submissions.c.id == submission_id)
        ).scalar_one()
        connection.execute(
            insert_ignoring_duplicates(connection, votes).values(
                user_id=user_id, paper_id=paper_id, created_at=moment
            )
        )


def _withdraw(catalog: Catalog, submission_id: int) -> None:
    """A submission refused while its submitter waits leaves no trace."""
    with writing(catalog) as connection:
        connection.execute(submissions.delete().where(submissions.c.id == submission_id))


def _reject(catalog: Catalog, submission_id: int, paper_id: str, reason: str) -> None:
    with writing(catalog) as connection:
        connection.execute(
            submissions.update()
            .where(submissions.c.id == submission_id)
            .values(status="rejected", reason=reason, updated_at=now(catalog))
        )
        in_catalog = connection.execute(
            sa.select(_papers.c.id).where(_papers.c.id == paper_id)
        ).first()
        if in_catalog is None:  # upvotes of a paper that will not appear
            connection.execute(votes.delete().where(votes.c.paper_id == paper_id))


def _set_status(
    catalog: Catalog, submission_id: int, status: Status, reason: str, *, attempted: bool
) -> None:
    with writing(catalog) as connection:
        values: dict[str, object] = {"status": status, "reason": reason, "updated_at": now(catalog)}
        if attempted:
            values["attempts"] = submissions.c.attempts + 1
        connection.execute(
            submissions.update().where(submissions.c.id == submission_id).values(**values)
        )


def _reason(error: BaseException) -> str:
    """Words for the submitter (the page shows them), never an exception's class name."""
    if isinstance(error, _WouldWait):
        why = "arXiv could not be reached: it asked us to slow down"
    elif isinstance(error, httpx.TimeoutException):
        why = "arXiv could not be reached: it did not answer in time"
    else:
        why = "arXiv could not be reached"
    # The worker's retry-submissions job (every 15 minutes; `serve --worker` runs it too).
    return f"{why}; it will be tried again in a few minutes"[:500]


def retry_pending_submissions(
    catalog: Catalog,
    settings: Settings,
    *,
    transport: httpx.BaseTransport | None = None,
    limit: int = 100,
) -> RetryReport:
    """Complete pending submissions (for the worker): list, reject, or leave pending while
    arXiv stays unreachable (rejected after GIVE_UP_AFTER). The age rule counts from the day
    each was submitted, not from today."""
    report = RetryReport()
    with reading(catalog) as connection:
        rows = connection.execute(
            sa.select(submissions.c.id, submissions.c.paper_id, submissions.c.created_at)
            .where(submissions.c.status == "pending")
            .order_by(submissions.c.created_at, submissions.c.id)
            .limit(limit)
        ).all()
    if not rows:
        return report
    try:
        found = {
            record.paper_id: record
            for record in fetch_arxiv_papers(
                [row.paper_id for row in rows], settings, clock=catalog.clock, transport=transport
            )
        }
    except _UNREACHABLE as error:
        for row in rows:
            if now(catalog) - as_utc(row.created_at) > GIVE_UP_AFTER:
                _reject(catalog, row.id, row.paper_id, "arXiv could not be reached for 3 days")
                report.rejected += 1
            else:
                _set_status(catalog, row.id, "pending", _reason(error), attempted=True)
                report.pending += 1
        return report
    for row in rows:
        record = found.get(row.paper_id)
        if record is None:
            _reject(catalog, row.id, row.paper_id, f"arXiv has no paper {row.paper_id}")
            report.rejected += 1
            continue
        problem = _age_problem(settings, record.submitted, as_utc(row.created_at).date())
        if problem:
            _reject(catalog, row.id, row.paper_id, problem)
            report.rejected += 1
            continue
        _list(catalog, row.id, row.paper_id, record.title, record)
        report.listed += 1
    return report


def _from_row(row: sa.Row[Any]) -> Submission:
    return Submission(
        id=int(row.id),
        paper_id=row.paper_id,
        username=row.username,
        status=row.status,
        reason=row.reason,
        attempts=int(row.attempts),
        created_at=as_utc(row.created_at),
        listed_at=maybe_utc(row.listed_at),
    )


def _select() -> sa.Select[Any]:
    return sa.select(submissions, users.c.username).join(users, users.c.id == submissions.c.user_id)


def get_submission(catalog: Catalog, paper_id: str) -> Submission | None:
    if not could_be_id(paper_id):
        return None
    with reading(catalog) as connection:
        row = connection.execute(_select().where(submissions.c.paper_id == paper_id)).first()
    return _from_row(row) if row is not None else None


def submissions_of(
    catalog: Catalog, user_id: int, *, viewer: User | None = None, limit: int = 100
) -> list[Submission]:
    """An account's submissions, newest first; pending and rejected ones only for their
    submitter (and moderators), listed ones for everybody."""
    query = _select().where(submissions.c.user_id == user_id)
    sees_all = viewer is not None and (viewer.id == user_id or viewer.is_moderator)
    if not sees_all:
        query = query.where(submissions.c.status == "listed")
    with reading(catalog) as connection:
        rows = connection.execute(
            query.order_by(submissions.c.created_at.desc(), submissions.c.id.desc()).limit(limit)
        ).all()
    return [_from_row(row) for row in rows]
