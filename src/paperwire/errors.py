"""What the community layer refuses, with the HTTP status a web route answers it with.

Web routes and the CLI stay thin: they call the library and map a CommunityError to a
response (`error.status`, `str(error)`) or an exit code, without knowing the rules.
Messages are safe to show to the person who asked (they never reveal other accounts).
"""

from __future__ import annotations


class CommunityError(ValueError):
    """A request the rules refuse; the message says why."""

    status = 400


class NotFound(CommunityError):
    """No such thing, or nothing this viewer may see (a private collection looks absent)."""

    status = 404


class Forbidden(CommunityError):
    """Not signed in, not allowed to do this, or not yet allowed (an unverified email)."""

    status = 403


class Conflict(CommunityError):
    """Taken already (a username, a collection name)."""

    status = 409


class TooMany(CommunityError):
    """A limit was reached; `retry_after` is in seconds when waiting helps."""

    status = 429

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
