"""Which database errors are "unavailable for now" (503 on the web), told apart from bugs,
with errors raised by a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from paperwire.db.availability import is_unavailable


def _error_of(engine: sa.Engine, statement: str) -> sa.exc.DBAPIError:
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as connection:
        connection.exec_driver_sql(statement)
    return caught.value


def test_a_locked_database_is_unavailable_a_missing_table_is_a_bug(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    holder = sa.create_engine(url)
    waiter = sa.create_engine(url, connect_args={"timeout": 0.05})
    try:
        with holder.connect() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            connection.commit()
            connection.exec_driver_sql("BEGIN EXCLUSIVE")
            locked = _error_of(waiter, "SELECT * FROM t")
            connection.rollback()
        assert "locked" in str(locked) and is_unavailable(locked)
        assert not is_unavailable(_error_of(waiter, "SELECT * FROM no_such_table"))
        assert not is_unavailable(_error_of(waiter, "INSERT INTO t VALUES ('x', 'y')"))
    finally:
        holder.dispose()
        waiter.dispose()


def test_other_exceptions_are_not_database_errors() -> None:
    assert not is_unavailable(ValueError("database is locked"))
