"""The one SQLAlchemy MetaData every room's tables register on (each room's schema.py).

Alembic's environment (paperwire/migrations/env.py) imports every room's schema module, so
migrations and schema checks see all tables; the rooms themselves never import each other's
schemas to get their tables registered.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
