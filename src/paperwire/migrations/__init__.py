"""Alembic migrations of the whole schema (env.py, versions/) and the list of every room's
tables (tables.py). Nothing imports this package but Alembic and the schema tests."""
