"""Who submitted a paper, as a list filter: the catalog's list queries take it as their
`submitter_filter` (catalog/listing.py), so "papers submitted by X" counts both Hugging
Face's submitter and submissions made here, as engagement.py does."""

from __future__ import annotations

import sqlalchemy as sa

from paperwire.accounts.schema import users
from paperwire.catalog import schema as catalog_schema
from paperwire.catalog.listing import submitted_on_hf
from paperwire.community.schema import submissions


def submitted_by(name: str) -> sa.ColumnElement[bool]:
    """Papers submitted by `name` on Hugging Face or on this site (a rejected submission is
    none)."""
    papers = catalog_schema.papers
    # Local usernames are unique whatever their case (accounts/users.py).
    here = sa.select(submissions.c.paper_id).join(users, users.c.id == submissions.c.user_id)
    here = here.where(users.c.username_key == name.lower(), submissions.c.status != "rejected")
    return sa.or_(submitted_on_hf(name), papers.c.id.in_(here.scalar_subquery()))
