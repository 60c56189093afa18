"""The BM25 postings file beside a DuckDB database (workbench.storage.duckdb.postings): searches read it when it was
copied from the index they see, get the same answers as from the database's table, and fall back to the table
whenever the file is missing, stale or damaged; `doctor` names each case and `--repair` writes the file again."""

from __future__ import annotations

import logging
import os
import shutil
import stat

import numpy as np
import pytest

from tests.conftest import SEED_COMMENTS, SEED_PLAIN, copy_database
from workbench import doctor
from workbench.fulltext import to_search_text
from workbench.ingest import import_files
from workbench.storage import open_store
from workbench.storage.duckdb import postings
from workbench.storage.duckdb.postings import PostingsFileError, postings_path, read_postings

QUERIES = [
    "ISIS 30 miles from Baghdad",
    "half a billion dollars seized in Mosul",
    "Iran sent 2000 troops",
    "Samarra",
    "the of and",
    "zzzz qqqq",
]


def table_answers(db, queries, limit=10, exclude=()):
    """What store.bm25 answers from the postings table: the file moved out of the way while asking."""
    path = postings_path(db)
    aside = path.with_name(path.name + ".aside")
    path.rename(aside)
    try:
        with open_store(db, read_only=True) as store:
            return [store.bm25(to_search_text(q), limit, exclude) for q in queries]
    finally:
        aside.rename(path)


def answers(db, queries, limit=10, exclude=()):
    with open_store(db, read_only=True) as store:
        return [store.bm25(to_search_text(q), limit, exclude) for q in queries]


def stamp(path):
    with read_postings(path) as found:
        return found.stamp


@pytest.fixture
def seeds(seeded, tmp_path):
    return copy_database(seeded, tmp_path)


def test_an_import_writes_the_file_and_searches_read_it_with_the_tables_answers(seeds):
    path = postings_path(seeds.db_path)
    with read_postings(path) as found:
        pass
    with open_store(seeds.db_path, read_only=True) as store:
        total, terms = store.execute(
            "SELECT count(*), (SELECT count(*) FROM fts_main_passages.dict) FROM fts_main_passages.bm25_postings"
        ).fetchone()
    assert (found.postings, found.terms, found.id_dtype) == (total, terms, np.dtype("<i4"))
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # readable as the database is, not 0600
    got = answers(seeds.db_path, QUERIES)
    assert got == table_answers(seeds.db_path, QUERIES)
    assert got[0] and got[-1] == []
    for limit, exclude in ((1, ()), (500, ()), (500, (1,))):
        assert answers(seeds.db_path, QUERIES, limit, exclude) == table_answers(seeds.db_path, QUERIES, limit, exclude)
    # The searches read the file: every weight doubled in it (stamp kept) doubles every score.
    with read_postings(path) as found:
        weights_at, count = found.weights_at, found.postings
    data = bytearray(path.read_bytes())
    doubled = np.frombuffer(bytes(data[weights_at:]), "<f8") * 2
    assert len(doubled) == count
    data[weights_at:] = doubled.tobytes()
    path.write_bytes(bytes(data))
    for twice, once in zip(answers(seeds.db_path, QUERIES), got, strict=True):
        assert [pid for pid, _ in twice] == [pid for pid, _ in once]
        assert [score / 2 for _, score in twice] == pytest.approx([score for _, score in once], abs=1e-9)


WITH_NEW = [*QUERIES, "Quillamore bridge evacuated"]
NEW_ARTICLE = "Flooding closed the Quillamore bridge on Tuesday, and 4,000 residents were evacuated by boat."


def test_a_rebuild_replaces_the_file_and_an_old_copy_is_never_read(seeds, embedder, tmp_path):
    path = postings_path(seeds.db_path)
    old = path.with_name("old.bm25")
    shutil.copy(path, old)
    article = tmp_path / "flood.txt"
    article.write_text(NEW_ARTICLE, encoding="utf-8")
    assert import_files([article], seeds, embedder)[0].status == "imported"  # new passages, new terms
    assert stamp(path) != stamp(old)
    new, fresh = stamp(path), answers(seeds.db_path, WITH_NEW)
    shutil.copy(old, path)  # as a file copied back by hand, or a rebuild killed before writing its file
    assert answers(seeds.db_path, WITH_NEW) == fresh
    found = {f.check: f for f in doctor.diagnose(seeds, embedder)}
    assert found["full-text index"].problem == (
        f"its postings file {path} was copied from another build of the index "
        "(searches read the postings from the database instead, slower at scale)"
    )
    assert doctor.repair(seeds, embedder, list(found.values())) == ["rebuilt the full-text index"]
    assert stamp(path) not in (new, stamp(old))
    assert all(f.ok for f in doctor.diagnose(seeds, embedder))
    assert answers(seeds.db_path, WITH_NEW) == fresh


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:-5]), "cannot be read: {p} holds"),
        (lambda p: p.write_bytes(b""), "cannot be read: {p} is empty"),
        (lambda p: p.write_bytes(b"PAR1" + p.read_bytes()[4:]), "cannot be read: {p} is not a BM25 postings file"),
        (lambda p: p.unlink(), "postings file {p} is missing"),
    ],
)
def test_a_damaged_or_missing_file_falls_back_to_the_table_and_doctor_repairs_it(seeds, embedder, damage, problem):
    path = postings_path(seeds.db_path)
    expected = answers(seeds.db_path, QUERIES)
    damage(path)
    assert answers(seeds.db_path, QUERIES) == expected
    found = {f.check: f for f in doctor.diagnose(seeds, embedder)}
    assert problem.format(p=path) in found["full-text index"].problem
    doctor.repair(seeds, embedder, list(found.values()))
    assert stamp(path) and all(f.ok for f in doctor.diagnose(seeds, embedder))


def test_a_file_with_other_postings_under_the_right_stamp_is_named_by_doctor(seeds, embedder):
    path = postings_path(seeds.db_path)
    data = bytearray(path.read_bytes())
    data[-8:] = np.float64(99.0).tobytes()  # the last posting's weight
    path.write_bytes(bytes(data))
    found = {f.check: f for f in doctor.diagnose(seeds, embedder)}
    assert "holds other postings than the database for term" in found["full-text index"].problem


def test_a_database_indexed_before_the_file_reads_its_table_until_a_rebuild(seeds, embedder):
    path = postings_path(seeds.db_path)
    expected = answers(seeds.db_path, QUERIES)
    path.unlink()
    with open_store(seeds.db_path) as store:  # as a file indexed before stamps existed
        store.execute("DROP TABLE fts_main_passages.bm25_stamp")
    assert answers(seeds.db_path, QUERIES) == expected
    found = {f.check: f for f in doctor.diagnose(seeds, embedder)}
    assert found["full-text index"].problem.startswith(f"it predates the postings file {path.name}")
    doctor.repair(seeds, embedder, list(found.values()))
    assert path.is_file() and answers(seeds.db_path, QUERIES) == expected


def test_a_file_that_cannot_be_written_is_one_warning_and_searches_still_answer(settings, hashing, caplog):
    postings_path(settings.db_path).mkdir(parents=True)  # the file's name taken by a folder
    with caplog.at_level(logging.WARNING):
        import_files([SEED_PLAIN, SEED_COMMENTS], settings, hashing)
    warned = [r.getMessage() for r in caplog.records if "postings file" in r.getMessage()]
    assert len(warned) == 1 and "searches read the database" in warned[0]
    assert answers(settings.db_path, QUERIES)[0]
    assert not list(settings.db_path.parent.glob("*.part"))  # no half-written file left behind


def test_an_index_over_no_passages_writes_an_empty_file(settings):
    with open_store(settings.db_path) as store:
        store.rebuild_fulltext()
        assert store.bm25("Iran troops", 5) == []
    with read_postings(postings_path(settings.db_path)) as found:
        assert (found.terms, found.postings) == (0, 0)


def test_reading_refuses_a_file_whose_offsets_run_backwards(seeds):
    path = postings_path(seeds.db_path)
    data = bytearray(path.read_bytes())
    start = len(postings.MAGIC) + 4 + int.from_bytes(data[len(postings.MAGIC) : len(postings.MAGIC) + 4], "little")
    start += -start % 64  # the offsets begin at the next multiple of 64 bytes
    data[start + 8 : start + 16] = np.int64(2**40).tobytes()  # term 0 ends past the last posting
    path.write_bytes(bytes(data))
    with read_postings(path) as found, pytest.raises(PostingsFileError, match="offsets that do not cover"):
        found.term(0)
