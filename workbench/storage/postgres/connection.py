"""Connections to a PostgreSQL server: one short-lived connection per unit of work, migrated on open, errors
turned into the workbench's own (StorageError one line, WriteConflictError for a lost race)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from workbench.errors import StorageError, WriteConflictError

Connection = psycopg.Connection
# SQLSTATEs of a write that lost a race to another session: a key inserted first, a serialisation failure, a
# deadlock victim. Callers retry or report these; anything else is a storage error.
_COLLISIONS = (pg_errors.UniqueViolation, pg_errors.SerializationFailure, pg_errors.DeadlockDetected)


@cache
def to_pyformat(sql: str) -> str:
    """qmark SQL (`?` parameters, as the storage layer writes it) in psycopg's format: `%s`, a literal `%` doubled.
    The workbench's SQL has no `?` inside string literals."""
    return sql.replace("%", "%%").replace("?", "%s")


class QmarkConnection:
    """A psycopg connection that takes the storage layer's qmark SQL, with DuckDB's execute / executemany, so the
    statements of workbench.storage.common run on both backends as written."""

    def __init__(self, con: psycopg.Connection) -> None:
        self.raw = con

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> psycopg.Cursor:
        return self.raw.execute(to_pyformat(sql), parameters)

    def executemany(self, sql: str, parameters: Sequence[Sequence[Any]]) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(to_pyformat(sql), parameters)

    def transaction(self) -> AbstractContextManager[object]:
        return self.raw.transaction()


def redact(url: str) -> str:
    """The URL without a password, for messages."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    return " ".join(f"{k}={v}" for k, v in info.items())


@contextmanager
def open_pg(url: str, *, read_only: bool = False) -> Iterator[QmarkConnection]:
    """Connect for one unit of work, migrated (unless read_only); the connection is in autocommit mode, and
    transaction() groups statements."""
    from workbench.storage.postgres.migrations import migrate

    try:
        con = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise StorageError(f"{redact(url)}: cannot connect to the database ({_first_line(exc)})") from exc
    try:
        wrapped = QmarkConnection(con)
        con.execute("SET TIME ZONE 'UTC'")  # current_timestamp into a TIMESTAMP column is UTC, as the schema's defaults
        if read_only:
            if con.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None:
                raise StorageError(f"{redact(url)}: no workbench tables in this database yet; import articles first")
            con.execute("SET default_transaction_read_only = on")
        else:
            migrate(wrapped)
        yield wrapped
    except _COLLISIONS as exc:
        raise _collision(exc) from exc
    except psycopg.Error as exc:
        raise StorageError(f"{redact(url)}: database error ({_first_line(exc)})") from exc
    finally:
        con.close()


@contextmanager
def transaction(con: QmarkConnection) -> Iterator[QmarkConnection]:
    """Run a block atomically: everything it wrote is kept, or nothing is; a lost race is WriteConflictError."""
    try:
        with con.transaction():
            yield con
    except _COLLISIONS as exc:
        raise _collision(exc) from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _collision(exc: psycopg.Error) -> WriteConflictError:
    return WriteConflictError(f"the write collided with another one ({_first_line(exc)})")
