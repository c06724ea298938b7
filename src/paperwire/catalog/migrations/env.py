"""Alembic environment: paperwire always hands in an open connection (see database.migrate)."""

from __future__ import annotations

from alembic import context

from paperwire.catalog.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("paperwire migrations run through paperwire.catalog.database.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
