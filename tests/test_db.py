import shutil
import threading
import time

import pytest

from tests.conftest import copy_database, lock_held
from workbench.errors import StorageError
from workbench.fulltext import to_search_text
from workbench.models import FulltextHealth
from workbench.storage import open_store
from workbench.storage.duckdb.migrations import MIGRATIONS


def test_migrations_apply_once_and_are_recorded(settings):
    with open_store(settings.db_path) as con:
        versions = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert versions == [(v, name) for v, name, _ in MIGRATIONS]
    with open_store(settings.db_path) as con:  # reopening applies nothing again
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_full_text_extension_loads_on_a_reopened_file(settings):
    # DuckDB tries to download FTS on a reopened file unless it is loaded by path; this machine is offline.
    with open_store(settings.db_path) as con:
        con.rebuild_fulltext()
    with open_store(settings.db_path, read_only=True) as con:
        assert con.has_fulltext()
        assert con.bm25("anything", 5) == []


def test_bm25_without_a_full_text_index_finds_nothing_and_leaves_the_connection_usable(settings):
    with open_store(settings.db_path) as con:
        assert not con.has_fulltext()
        assert con.bm25("Iran troops", 5) == []
        con.upsert_credibility("Reuters", "credible")  # a write after the refused statement still commits
        assert con.credibility_by_outlet() == {"Reuters": "credible"}
        con.rebuild_fulltext()
        assert con.bm25("Iran troops", 5) == []  # an index over no passages holds no terms


def test_read_only_open_of_a_missing_database_says_what_to_do(tmp_path):
    with (
        pytest.raises(StorageError, match="no database here yet; import articles first"),
        open_store(tmp_path / "missing.duckdb", read_only=True),
    ):
        pass


def test_duckdb_errors_become_storage_errors_with_cause(settings):
    with pytest.raises(StorageError) as caught, open_store(settings.db_path) as con:
        con.execute("SELECT * FROM no_such_table")
    assert "no_such_table" in str(caught.value)
    assert caught.value.__cause__ is not None


def test_a_lock_held_by_another_process_is_waited_out(settings):
    with open_store(settings.db_path):
        pass
    with lock_held(settings.db_path, 1.5):
        started = time.monotonic()
        with open_store(settings.db_path, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM claims").fetchone() == (0,)
        assert time.monotonic() - started > 0.5  # it waited for the holder rather than failing


def test_a_lock_held_too_long_is_one_clear_error(settings, monkeypatch):
    with open_store(settings.db_path):
        pass
    monkeypatch.setenv("WORKBENCH_LOCK_WAIT_S", "0.2")
    with (
        lock_held(settings.db_path, 3),
        pytest.raises(StorageError, match="the database is busy in another process"),
        open_store(settings.db_path),
    ):
        pass


def _hold_writable(path, seconds: float, opened: threading.Event) -> None:
    with open_store(path):
        opened.set()
        time.sleep(seconds)


def test_a_read_only_open_waits_for_a_writer_in_the_same_process(settings):
    # the app: one session's page reads (read-only) while another session's import writes, in one process
    with open_store(settings.db_path):
        pass
    opened = threading.Event()
    writer = threading.Thread(target=_hold_writable, args=(settings.db_path, 0.8, opened))
    writer.start()
    try:
        assert opened.wait(10)
        started = time.monotonic()
        with open_store(settings.db_path, read_only=True) as store:
            assert store.count_rows()["claims"] == 0
        assert time.monotonic() - started > 0.3  # it waited for the writer's connection to close
    finally:
        writer.join()


def test_a_writer_in_the_same_process_held_too_long_is_one_clear_error(settings, monkeypatch):
    with open_store(settings.db_path):
        pass
    monkeypatch.setenv("WORKBENCH_LOCK_WAIT_S", "0.2")
    opened = threading.Event()
    writer = threading.Thread(target=_hold_writable, args=(settings.db_path, 2, opened))
    writer.start()
    try:
        assert opened.wait(10)
        with (
            pytest.raises(StorageError, match="busy in another task of this process"),
            open_store(settings.db_path, read_only=True),
        ):
            pass
    finally:
        writer.join()


def test_files_are_written_in_the_workbench_row_groups_and_closed_with_a_checkpoint(settings):
    # DuckDB rewrites a table's last row group at each checkpoint: the workbench keeps them small (ROW_GROUP_ROWS)
    from workbench.storage.duckdb.connection import ROW_GROUP_ROWS, open_db

    with open_db(settings.db_path) as con:
        con.execute("CREATE TABLE scratch AS SELECT range AS i FROM range(?)", [ROW_GROUP_ROWS + 100])
    assert not settings.db_path.with_name(settings.db_path.name + ".wal").exists()
    with open_db(settings.db_path, read_only=True) as con:
        groups = con.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('scratch')").fetchone()[0]
        rows = con.execute("SELECT count(*) FROM scratch").fetchone()[0]
    assert (groups, rows) == (2, ROW_GROUP_ROWS + 100)


def test_writable_connections_of_one_process_share_the_file(settings):
    # an import checks the next file's hashes while its writer thread holds the file
    with open_store(settings.db_path) as outer:
        outer.con.execute("CREATE TABLE shared_rows (i INTEGER)")
        with open_store(settings.db_path) as inner:
            inner.con.execute("INSERT INTO shared_rows VALUES (1)")
        assert outer.con.execute("SELECT count(*) FROM shared_rows").fetchone()[0] == 1
        assert not outer.is_read_only()


MATCH_BM25 = """SELECT passage_id, score FROM (
    SELECT passage_id, fts_main_passages.match_bm25(passage_id, ?) AS score FROM passages) WHERE score IS NOT NULL"""


@pytest.mark.parametrize(
    "query", ["ISIS 30 miles from Baghdad", "half a billion dollars seized in Mosul", "Iran troops", "the of and"]
)
def test_bm25_postings_score_like_duckdb_match_bm25(seeded, query):
    search_text = to_search_text(query)
    with open_store(seeded.db_path, read_only=True) as con:
        reference = dict(con.execute(MATCH_BM25, [search_text]).fetchall())
        top = con.bm25(search_text, 10)
    assert [pid for pid, _ in top] == [pid for pid, _ in sorted(reference.items(), key=lambda r: (-r[1], r[0]))][:10]
    assert all(score == pytest.approx(reference[pid], abs=1e-9) for pid, score in top)


def test_migration_adds_postings_to_a_database_indexed_before_them(seeded, tmp_path):
    db = tmp_path / "old.duckdb"
    shutil.copy(seeded.db_path, db)
    with open_store(db) as con:  # make it look like a file from before migration 4
        con.execute("DROP TABLE fts_main_passages.bm25_postings")
        con.execute("DELETE FROM schema_migrations WHERE version = 4")
    with open_store(db, read_only=True) as con:
        assert not con.has_fulltext()
    with open_store(db) as con:
        assert con.has_fulltext()
        assert con.bm25(to_search_text("Iran troops"), 3)


def test_bm25_leaves_out_the_excluded_articles_only(seeded):
    search_text = to_search_text("Iran troops Baghdad")
    with open_store(seeded.db_path, read_only=True) as con:
        everything = con.bm25(search_text, 1000)
        own = set(con.passage_ids_of_articles([1]))
        assert own & {pid for pid, _ in everything}
        assert con.bm25(search_text, 1000, [1]) == [(pid, s) for pid, s in everything if pid not in own]


def test_hits_come_back_in_the_given_order_with_their_article(seeded):
    with open_store(seeded.db_path, read_only=True) as con:
        rows = con.execute(
            "SELECT p.passage_id, a.title, a.outlet, p.text FROM passages p JOIN articles a USING (article_id) "
            "ORDER BY p.passage_id"
        ).fetchall()
        first, last = rows[0], rows[-1]
        missing = last[0] + 1000
        hits = con.hits_by_ids(
            [(last[0], 0.9), (missing, 0.8), (first[0], 0.7)], {"bm25": {first[0]: 2}, "dense": {last[0]: 1}}
        )
        assert con.passage_ids_of_articles([]) == []
    assert [(h.passage_id, h.title, h.outlet, h.text, h.score) for h in hits] == [
        (*last, 0.9),
        (*first, 0.7),
    ]
    assert (hits[0].bm25_rank, hits[0].dense_rank, hits[1].bm25_rank, hits[1].dense_rank) == (None, 1, 2, None)


def test_migration_6_keeps_evidence_and_corrections_and_allows_discusses(tmp_path):
    import duckdb

    from workbench.storage.duckdb.connection import fts_extension_path
    from workbench.storage.duckdb.migrations import migrate

    db = tmp_path / "v5.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"LOAD '{fts_extension_path()}'")
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")  # fmt: skip
    for version, name, step in MIGRATIONS[:5]:  # a file written before 'discusses' existed
        step(con)
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
    con.execute("INSERT INTO articles (content_hash, text, origin) VALUES ('h', 'Some text.', 'f.txt')")
    con.execute("INSERT INTO passages VALUES (1, 1, 0, 'body', NULL, 'Some text.', 0, 10, 'some text')")
    con.execute("INSERT INTO claims (text, normalized, origin) VALUES ('A claim', 'a claim', 'manual')")
    con.execute("INSERT INTO checks (claim_id, verdict, confidence, reason, agreeing, conflicting, stance_model, "
                "embedding_model) VALUES (1, 'supported', 0.9, 'r', 1, 0, 'm', 'e')")  # fmt: skip
    con.execute("INSERT INTO evidence VALUES (1, 1, 1, 0.5, 'agrees', 1.0, 'corrected by Ann', NULL, 'm', false, "
                "'conflicts', 0.7, 'model: conflicts 0.70')")  # fmt: skip
    con.execute("INSERT INTO evidence_corrections VALUES (1, 1, 'agrees', 'A', now())")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("UPDATE evidence_corrections SET stance = 'discusses'")
    assert migrate(con) == [v for v, _, _ in MIGRATIONS[5:]]  # 6 and any added since
    assert con.execute("SELECT stance, machine_stance, machine_reason FROM evidence").fetchall() == [
        ("agrees", "conflicts", "model: conflicts 0.70")
    ]
    assert con.execute("SELECT stance, reviewer FROM evidence_corrections").fetchall() == [("agrees", "A")]
    con.execute("UPDATE evidence_corrections SET stance = 'discusses'")
    con.execute("UPDATE evidence SET stance = 'discusses', machine_stance = 'unrelated'")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("UPDATE evidence SET stance = 'maybe'")
    # the rebuilt tables' foreign keys still hold, and rows they point at can be deleted once they are gone
    with pytest.raises(duckdb.ConstraintException):
        con.execute("DELETE FROM claims WHERE claim_id = 1")
    con.execute("DELETE FROM evidence_corrections")
    con.execute("DELETE FROM evidence")
    con.execute("DELETE FROM checks")
    con.execute("DELETE FROM claims WHERE claim_id = 1")
    con.close()


def test_fulltext_health_names_what_the_index_lacks_and_holds_that_is_gone(seeded, tmp_path):
    db = copy_database(seeded, tmp_path).db_path  # with its postings file
    with open_store(db, read_only=True) as con:
        assert con.fulltext_health(3) == FulltextHealth(exists=True)
        postings = con.execute("SELECT count(*) FROM fts_main_passages.bm25_postings").fetchone()[0]
        terms = con.execute("SELECT count(*) FROM fts_main_passages.dict").fetchone()[0]
        first, second = (row[0] for row in con.execute("SELECT passage_id FROM passages ORDER BY 1 LIMIT 2").fetchall())
    # The index loses the first passage (its postings stay), holds an id that is no passage (without postings),
    # loses the second passage's postings and miscounts its documents.
    with open_store(db) as con:
        con.execute("DELETE FROM fts_main_passages.docs WHERE name = ?", [first])
        con.execute(
            "INSERT INTO fts_main_passages.docs SELECT docid + 1000000, 999999, len FROM fts_main_passages.docs LIMIT 1"
        )
        second_postings = con.execute(
            "SELECT count(*) FROM fts_main_passages.bm25_postings WHERE passage_id = ?", [second]
        ).fetchone()[0]
        con.execute("DELETE FROM fts_main_passages.bm25_postings WHERE passage_id = ?", [second])
        con.execute("UPDATE fts_main_passages.stats SET num_docs = num_docs + 1")
    with open_store(db, read_only=True) as con:
        health = con.fulltext_health(3)
    assert (health.unindexed, health.unindexed_sample) == (1, (first,))
    assert (health.stray, health.stray_sample) == (1, (999999,))
    assert health.problems == (
        "its BM25 postings miss 2 indexed passages and hold 1 others",
        "its statistics count another number of documents",
        f"its postings file {db}.bm25 holds {postings} postings of {terms} terms, "
        f"the database {postings - second_postings} of {terms}",
    )


def test_the_fts_extension_is_checked_once_against_its_wheel_and_a_changed_one_is_refused(tmp_path, monkeypatch):
    import importlib.metadata

    from workbench.storage.duckdb import connection

    connection.extension_verified_here.cache_clear()
    assert connection.extension_verified_here()  # the installed binary matches its RECORD: DuckDB's check is skipped
    with open_store(tmp_path / "ok.duckdb") as store:
        assert store.execute("SELECT stem('checking', 'porter')").fetchone()[0] == "check"

    real_files = importlib.metadata.files

    def tampered_record(name):
        listed = real_files(name)
        for entry in listed:
            if entry.hash:
                entry.hash = importlib.metadata.FileHash("sha256=" + "A" * 43)
        return listed

    monkeypatch.setattr(importlib.metadata, "files", tampered_record)
    connection.extension_verified_here.cache_clear()
    try:
        with pytest.raises(StorageError, match="not the file its package installed"), open_store(tmp_path / "x.duckdb"):
            pass
        assert not (tmp_path / "x.duckdb").exists()
    finally:
        monkeypatch.undo()
        connection.extension_verified_here.cache_clear()


def test_migration_9_keeps_reviews_and_allows_awaiting_approval(tmp_path):
    import duckdb

    from workbench.storage.duckdb.connection import fts_extension_path
    from workbench.storage.duckdb.migrations import migrate

    con = duckdb.connect(str(tmp_path / "v8.duckdb"))
    con.execute(f"LOAD '{fts_extension_path()}'")
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")  # fmt: skip
    for version, name, step in MIGRATIONS[:8]:  # a file written before the second reviewer
        step(con)
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
    con.execute("INSERT INTO claims (text, normalized, origin) VALUES ('A claim', 'a claim', 'manual')")
    con.execute("INSERT INTO reviews VALUES (1, 'verdict_given', 'refuted', 'why', 'ann', 3, now())")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("UPDATE reviews SET status = 'awaiting_approval'")
    assert migrate(con) == [v for v, _, _ in MIGRATIONS[8:]]
    assert con.execute(
        "SELECT status, human_verdict, rationale, reviewer, version, approved_by FROM reviews"
    ).fetchall() == [("verdict_given", "refuted", "why", "ann", 3, None)]
    con.execute("UPDATE reviews SET status = 'awaiting_approval'")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("UPDATE reviews SET status = 'approved'")
    with pytest.raises(duckdb.ConstraintException):  # the foreign key to claims still holds
        con.execute("INSERT INTO reviews VALUES (99, 'new', NULL, '', NULL, 1, now(), NULL)")
