"""The DuckDB backend of the Store: one file, numbered migrations, every DuckDB-specific statement."""

from workbench.storage.duckdb.connection import open_db
from workbench.storage.duckdb.store import DuckDBStore

__all__ = ["DuckDBStore", "open_db"]
