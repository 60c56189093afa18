"""DuckDB connections: open a file for one unit of work (migrated, full-text search loaded), transactions, and
DuckDB's errors turned into the workbench's."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from workbench.config import lock_wait_s
from workbench.errors import StorageError, WriteConflictError
from workbench.storage.duckdb.migrations import Connection, migrate

DatabaseError = duckdb.Error
CatalogError = duckdb.CatalogException  # a table, schema or function the statement names does not exist


@lru_cache(maxsize=1)
def fts_extension_path() -> str:
    """Return the FTS extension binary shipped by the duckdb-extension-fts wheel."""
    import duckdb_extension_fts

    found = sorted(Path(duckdb_extension_fts.__file__).parent.rglob("fts.duckdb_extension"))
    if not found:
        raise StorageError("the duckdb-extension-fts package holds no fts.duckdb_extension binary")
    return str(found[-1])


@lru_cache(maxsize=1)
def extension_verified_here() -> bool:
    """True when the FTS binary matches the sha256 its wheel's RECORD lists, checked once per process.

    DuckDB checks an extension's signature on every LOAD: about 30 ms per connection for the 11 MB binary
    (measured, 47 against 15 ms to open and load), and the workbench opens a connection per unit of work. Once this
    process has checked the file itself, connections load it without DuckDB's check. A binary the RECORD does not
    list (another install method) keeps DuckDB's check; one that differs from its RECORD is refused.
    """
    import base64
    import hashlib
    from importlib.metadata import PackageNotFoundError, files

    path = Path(fts_extension_path()).resolve()
    try:
        listed = [f for f in files("duckdb-extension-fts") or () if f.hash and Path(f.locate()).resolve() == path]
    except PackageNotFoundError:
        return False
    if not listed or listed[0].hash.mode != "sha256":
        return False
    with path.open("rb") as fh:
        digest = base64.urlsafe_b64encode(hashlib.file_digest(fh, "sha256").digest()).rstrip(b"=").decode()
    if digest != listed[0].hash.value:
        raise StorageError(
            f"{path}: the full-text search extension is not the file its package installed (sha256 differs from the "
            "package's RECORD); reinstall duckdb-extension-fts"
        )
    return True


def _describe_open_error(path: Path, exc: duckdb.Error) -> str:
    """Say in words why DuckDB could not open the file (never 'busy' unless another process holds it)."""
    message = str(exc)
    if "not a valid DuckDB database file" in message:
        return f"{path}: this file is not a DuckDB database (choose another file or move this one away)"
    # A folder, a missing folder or a file in a folder's place is refused by open_db before DuckDB is asked.
    return f"{path}: cannot open the database ({message})"


# A long job (check --all, reindex) frees the file between short transactions for a few hundred milliseconds at a
# time; polling more slowly than that missed those windows and waited up to 4.7 s in tests/reliability/test_long_jobs
# (at a 1 s cap). A failed attempt costs well under a millisecond.
MAX_POLL_S = 0.05


_ATTACHED_ELSEWHERE = "Unique file handle conflict"


def _busy_holder(exc: duckdb.Error) -> str | None:
    """Who holds the file when exc says it is busy: another process's lock, or a connection of this process opened
    the other way (DuckDB holds a file once per process: the app's page that reads while another session's import
    writes meets this until the writer's short connection closes); None for any other error."""
    if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
        return "another process"
    if isinstance(exc, duckdb.BinderException) and _ATTACHED_ELSEWHERE in str(exc):
        return "another task of this process"
    return None


# Rows per row group in the files the workbench writes (DuckDB's default is 122,880). A checkpoint rewrites a table's
# last, partly filled row group whole, and a writer checkpoints when its short connection closes: once per imported
# file. At DuckDB's default that rewrite grew with the corpus: on the benchmark's 1M-passage database, closing after
# one file of 10,000 passages took 1.5-2.4 s (about 1.1 s of it for the embeddings, whose last row group holds up to
# 47M floats, 1.1 s for the articles' texts, 0.16 s for the passages; 1.9-2.5 s after a file of three articles), and
# 0.28-0.34 s with row groups of 16,384 rows (2026-12-07, three files each). Searches and checks on the two layouts
# timed the same (four alternating serving runs at 1M); serving 1M passages holds about 35 MB more. The size is a
# property of the open file, not stored in it: files written before keep their groups until rewritten.
ROW_GROUP_ROWS = 16_384
ALIAS = "corpus"  # the file's name inside its connection


def _instance_name(path: Path, read_only: bool) -> str:
    """One DuckDB instance per file and mode in this process, as duckdb.connect(path) keeps: connections of one
    process share it (DuckDB attaches a file once per process), and it closes the file, with a checkpoint, when its
    last connection closes."""
    key = hashlib.sha256(f"{path}\0{read_only}".encode()).hexdigest()[:32]
    return f":memory:workbench-{key}"


def _attach(path: Path, *, read_only: bool, config: dict[str, object]) -> Connection:
    """A connection whose default database is the file, attached with the workbench's row group size."""
    path = path.resolve()
    con = duckdb.connect(_instance_name(path, read_only), config=config)
    try:
        # ATTACH takes no prepared parameter: the path is quoted as a SQL string literal. TYPE DUCKDB: without it
        # DuckDB guesses the kind of database from the name, and an existing "notes.json" was attached as an empty
        # database in memory (a claim "added" to it was lost; read-only, "Cannot launch in-memory database").
        literal = "'" + str(path).replace("'", "''") + "'"
        options = f"TYPE DUCKDB, ROW_GROUP_SIZE {ROW_GROUP_ROWS}" + (", READ_ONLY" if read_only else "")
        con.execute(f"ATTACH IF NOT EXISTS {literal} AS {ALIAS} ({options})")
        con.execute(f"USE {ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def _config() -> dict[str, object]:
    return {
        # No auto-install: this machine cannot download extensions, so open_db loads the shipped binary by path,
        # which extension_verified_here checked.
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_unsigned_extensions": extension_verified_here(),
    }


def memory_connection() -> Connection:
    """An in-memory DuckDB with full-text search loaded: the PostgreSQL backend builds and tokenises BM25 in one,
    so both backends score alike."""
    con = duckdb.connect(":memory:", config=_config())
    con.execute(f"LOAD '{fts_extension_path()}'")
    con.execute("SET enable_progress_bar = false")
    return con


def _connect(path: Path, *, read_only: bool, wait_s: float) -> Connection:
    """Connect, waiting out another process's lock on the file, or a connection of this process opened the other way
    (read-only against writable), for up to wait_s seconds."""
    deadline = time.monotonic() + wait_s
    delay = 0.01
    config = _config()
    while True:
        try:
            return _attach(path, read_only=read_only, config=config)
        except duckdb.Error as exc:
            holder = _busy_holder(exc)
            if holder is None:
                raise StorageError(_describe_open_error(path, exc)) from exc
            if time.monotonic() > deadline:
                raise StorageError(
                    f"{path}: the database is busy in {holder} for over {wait_s:.0f} s; try again in a moment ({exc})"
                ) from exc
        time.sleep(delay)
        delay = min(delay * 2, MAX_POLL_S)


@contextmanager
def open_db(path: Path | str, *, read_only: bool = False, create: bool = True) -> Iterator[Connection]:
    """Open the database file for one unit of work, migrated and with full-text search loaded.

    Connections are short-lived on purpose: DuckDB lets one process write a file at a time, and the CLI
    must be able to import while the app is open. With create=False (and always when read_only) a missing
    file is refused instead of created.
    """
    path = Path(path)
    if path.is_dir():
        raise StorageError(f"{path}: this is a folder, not a database file")
    if (read_only or not create) and not path.exists():
        raise StorageError(f"{path}: no database here yet; import articles first (workbench --db {path} import …)")
    if not read_only:
        if path.parent.exists() and not path.parent.is_dir():
            raise StorageError(f"{path}: {path.parent} is a file, not a folder")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"{path}: cannot create the folder {path.parent} ({exc.strerror or exc})") from exc
    con = _connect(path, read_only=read_only, wait_s=lock_wait_s())
    try:
        con.execute(f"LOAD '{fts_extension_path()}'")
        con.execute("SET enable_progress_bar = false")  # the CLI and the app show their own progress
        if not read_only:
            migrate(con)
        yield con
    except duckdb.Error as exc:
        raise StorageError(f"{path}: database error ({exc})") from exc
    finally:
        con.close()


@contextmanager
def registered(con: Connection, **tables: pa.Table) -> Iterator[None]:
    """Make Arrow tables queryable by name for one block (a bulk insert or update), then forget them."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """Run a block atomically: everything it wrote is kept, or nothing is.

    A write that collides with another session's (a key it inserted first, a row it changed first) raises
    WriteConflictError, DuckDB's error kept as the cause, so callers decide without knowing DuckDB's error types.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except (duckdb.ConstraintException, duckdb.TransactionException) as exc:
        con.execute("ROLLBACK")
        raise _collision(exc) from exc
    except BaseException:
        con.execute("ROLLBACK")
        raise
    try:
        con.execute("COMMIT")
    except duckdb.Error as exc:
        # A commit that loses a write conflict leaves the transaction aborted; end it so the connection stays usable.
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise _collision(exc) from exc


def _collision(exc: duckdb.Error) -> WriteConflictError:
    return WriteConflictError(f"the write collided with another one ({str(exc).splitlines()[0]})")
