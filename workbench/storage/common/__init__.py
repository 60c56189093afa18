"""Statements every backend runs as written: qmark SQL (`?` parameters) that DuckDB and PostgreSQL both accept,
over a connection with DuckDB's `execute` / `executemany` (the PostgreSQL backend wraps psycopg's to match)."""
