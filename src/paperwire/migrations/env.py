"""Alembic environment: paperwire always hands in an open connection (see db.engine.migrate)."""

from __future__ import annotations

from alembic import context

from paperwire.migrations.tables import all_tables

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("paperwire migrations run through paperwire.db.engine.migrate()")

context.configure(
    connection=connection,
    target_metadata=all_tables(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
