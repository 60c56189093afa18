"""The one seam to storage: the Store protocol every reader and writer uses, and open_store(url) to get one.

open_store picks the backend by the URL and imports only that one (workbench.storage.duckdb for a file path or
duckdb://, workbench.storage.postgres for postgresql://); callers never import a backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from workbench.config import is_server_url
from workbench.errors import StorageError
from workbench.storage.protocol import QUEUE_SORTS, Store

__all__ = ["QUEUE_SORTS", "Store", "import_backend", "is_server_url", "open_store"]


def _scheme(text: str) -> str:
    """The URL's scheme; "" for a plain file path."""
    return text.split("://", 1)[0] if "://" in text else ""


def _backend(text: str) -> str | None:
    """The backend a URL names: "postgres" for a server URL, "duckdb" for a file path or duckdb://, else None."""
    if is_server_url(text):
        return "postgres"
    return "duckdb" if _scheme(text) in ("", "duckdb") else None


@contextmanager
def open_store(url: Path | str, *, read_only: bool = False, create: bool = True) -> Iterator[Store]:
    """Open the store a URL names for one unit of work: a DuckDB file path (or duckdb:///path), or a PostgreSQL
    server (postgresql://user@host/database, libpq's URL form).

    Short-lived on purpose (see workbench.storage.duckdb.connection.open_db). A scheme with no backend here is one
    StorageError line.
    """
    text = str(url)
    backend = _backend(text)
    if backend == "postgres":
        try:
            from workbench.storage.postgres import PostgresStore, open_pg
        except ImportError as exc:  # the server backend's driver is an extra (requirements-scale.txt)
            raise StorageError(
                f"a PostgreSQL store needs psycopg ({exc}); pip install -r requirements-scale.txt"
            ) from exc

        with open_pg(text, read_only=read_only) as con:
            yield PostgresStore(con)
        return
    if backend is None:
        raise StorageError(
            f"{text}: no storage backend for '{_scheme(text)}://' "
            "(a DuckDB file path, duckdb:// or postgresql:// works)"
        )
    from workbench.storage.duckdb import DuckDBStore, open_db

    path = text.removeprefix("duckdb://")
    with open_db(path, read_only=read_only, create=create) as con:
        yield DuckDBStore(con, Path(path).resolve())  # resolved, as open_db attaches it


def import_backend(url: Path | str) -> None:
    """Import the backend open_store(url) will use, without opening anything: a process about to open the store
    (the app while the browser loads its page) pays the import ahead (0.1-0.15 s for DuckDB's, duckdb included).
    A URL open_store would refuse is left for open_store to report."""
    backend = _backend(str(url))
    if backend == "postgres":
        with suppress(ImportError):  # open_store says how to install the driver
            importlib.import_module("workbench.storage.postgres")
    elif backend == "duckdb":
        importlib.import_module("workbench.storage.duckdb")
