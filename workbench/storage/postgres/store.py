"""PostgresStore: the Store protocol (workbench.storage.protocol) over one PostgreSQL connection."""

from __future__ import annotations

from contextlib import AbstractContextManager

from workbench.storage.common.checks import CheckStatements
from workbench.storage.postgres.connection import QmarkConnection, transaction
from workbench.storage.postgres.corpus import CorpusStatements
from workbench.storage.postgres.factchecks import FactCheckStatements
from workbench.storage.postgres.fulltext import FulltextStatements
from workbench.storage.postgres.reviews import ReviewStatements


class PostgresStore(CorpusStatements, FulltextStatements, CheckStatements, ReviewStatements, FactCheckStatements):
    """The Store over one PostgreSQL connection, module for module as the DuckDB backend.

    `execute` takes qmark SQL, for tests; the rest of the workbench uses the methods.
    """

    def __init__(self, con: QmarkConnection) -> None:
        self.con = con

    def transaction(self) -> AbstractContextManager[QmarkConnection]:
        """Run a block atomically (see connection.transaction)."""
        return transaction(self.con)

    def execute(self, sql: str, parameters: object = None):
        """Run raw qmark SQL (tests only; the Store protocol has no such method)."""
        return self.con.execute(sql, parameters)

    def is_read_only(self) -> bool:
        """True for a connection opened read-only."""
        return self.con.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
