"""What the shared statements need of a connection, and the columns they share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Cursor(Protocol):
    def fetchone(self) -> tuple | None: ...

    def fetchall(self) -> list[tuple]: ...


class Connection(Protocol):
    """DuckDB's connection as it is, PostgreSQL's through workbench.storage.postgres.connection.QmarkConnection."""

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor: ...

    def executemany(self, sql: str, parameters: Sequence[Sequence[Any]]) -> object: ...


# A passage with its article, in workbench.models.Hit's field order (the score comes after).
HIT_COLUMNS = """p.passage_id, p.article_id, a.title, a.outlet, a.url, a.published_at, p.text, p.kind,
                  p.author, p.char_start, p.char_end"""
