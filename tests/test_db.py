import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from workbench import store
from workbench.db import MIGRATIONS, open_db
from workbench.errors import StorageError


def test_migrations_apply_once_and_are_recorded(settings):
    with open_db(settings.db_path) as con:
        versions = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert versions == [(v, name) for v, name, _ in MIGRATIONS]
    with open_db(settings.db_path) as con:  # reopening applies nothing again
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_full_text_extension_loads_on_a_reopened_file(settings):
    # DuckDB tries to download FTS on a reopened file unless it is loaded by path; this machine is offline.
    with open_db(settings.db_path) as con:
        store.rebuild_fulltext(con)
    with open_db(settings.db_path, read_only=True) as con:
        assert store.has_fulltext(con)
        assert store.bm25(con, "anything", 5) == []


def test_read_only_open_of_a_missing_database_says_what_to_do(tmp_path):
    with (
        pytest.raises(StorageError, match="no database here yet; import articles first"),
        open_db(tmp_path / "missing.duckdb", read_only=True),
    ):
        pass


def test_duckdb_errors_become_storage_errors_with_cause(settings):
    with pytest.raises(StorageError) as caught, open_db(settings.db_path) as con:
        con.execute("SELECT * FROM no_such_table")
    assert "no_such_table" in str(caught.value)
    assert caught.value.__cause__ is not None


@contextmanager
def lock_held(path, seconds: float):
    """Another process holding the database's write lock for `seconds`."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep({seconds})",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_a_lock_held_by_another_process_is_waited_out(settings):
    with open_db(settings.db_path):
        pass
    with lock_held(settings.db_path, 1.5):
        started = time.monotonic()
        with open_db(settings.db_path, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM claims").fetchone() == (0,)
        assert time.monotonic() - started > 0.5  # it waited for the holder rather than failing


def test_a_lock_held_too_long_is_one_clear_error(settings, monkeypatch):
    from workbench import db

    with open_db(settings.db_path):
        pass
    monkeypatch.setattr(db, "LOCK_WAIT_S", 0.2)
    with (
        lock_held(settings.db_path, 3),
        pytest.raises(StorageError, match="the database is busy in another process"),
        open_db(settings.db_path),
    ):
        pass
