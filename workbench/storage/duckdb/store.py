"""DuckDBStore: the Store protocol (workbench.storage.protocol) over one DuckDB connection."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from workbench.storage.common.checks import CheckStatements
from workbench.storage.duckdb.connection import Connection, transaction
from workbench.storage.duckdb.corpus import CorpusStatements
from workbench.storage.duckdb.factchecks import FactCheckStatements
from workbench.storage.duckdb.fulltext import FulltextStatements
from workbench.storage.duckdb.postings import postings_path
from workbench.storage.duckdb.reviews import ReviewStatements


class DuckDBStore(CorpusStatements, FulltextStatements, CheckStatements, ReviewStatements, FactCheckStatements):
    """The Store over one DuckDB connection: every statement DuckDB runs for the workbench, one module per part
    of the schema.

    `execute` and `con` are DuckDB's own, for migrations and tests; the rest of the workbench uses the methods.
    """

    def __init__(self, con: Connection, path: Path) -> None:
        self.con = con
        self.postings_file_path = postings_path(path)  # the BM25 postings file beside the database (postings.py)

    def transaction(self) -> AbstractContextManager[Connection]:
        """Run a block atomically (see connection.transaction)."""
        return transaction(self.con)

    def execute(self, sql: str, parameters: object = None) -> Connection:
        """Run raw SQL on the DuckDB connection (migrations and tests only; the Store protocol has no such method)."""
        return self.con.execute(sql, parameters) if parameters is not None else self.con.execute(sql)

    def is_read_only(self) -> bool:
        """True for a connection opened read-only."""
        # The file is attached (connection.ALIAS): the connection's own access_mode is its in-memory instance's.
        return self.con.execute(
            "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()[0]
