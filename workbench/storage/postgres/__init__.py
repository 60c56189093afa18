"""The PostgreSQL backend: a shared store that several app servers and importers use at once. Same module shape
as workbench.storage.duckdb; the statements both run as written are in workbench.storage.common."""

from workbench.storage.postgres.connection import open_pg
from workbench.storage.postgres.store import PostgresStore

__all__ = ["PostgresStore", "open_pg"]
