"""Every room's tables, registered on the one metadata (db/metadata.py).

The migrations are the one place that needs the whole schema at once (Alembic's
environment, schema checks in the tests); each room's schema.py registers its own tables, and
this module only imports them. A new table: its room's schema.py, this list, a migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from paperwire.accounts import schema as accounts_schema
from paperwire.catalog import schema as catalog_schema
from paperwire.community import schema as community_schema
from paperwire.db.metadata import metadata
from paperwire.digest import schema as digest_schema
from paperwire.recommend import schema as recommend_schema
from paperwire.search import claims as search_claims
from paperwire.search import vector_store
from paperwire.worker import schema as worker_schema

ROOM_SCHEMAS = (
    catalog_schema,
    vector_store,
    search_claims,
    accounts_schema,
    community_schema,
    digest_schema,
    recommend_schema,
    worker_schema,
)


def all_tables() -> sa.MetaData:
    """The metadata with every room's tables on it."""
    return metadata
