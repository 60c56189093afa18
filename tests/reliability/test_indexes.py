"""Indexes that cannot silently go stale: an import killed with kill -9, a truncated or corrupt FAISS file or sidecar,
and `workbench doctor`, which says what disagrees with DuckDB and rebuilds it."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embedders import load_embedder
from index.vectors import VectorIndex, sidecar_path
from tests.conftest import REPO, SEED_COMMENTS, SEED_PLAIN
from workbench import doctor
from workbench.config import Settings
from workbench.fulltext import to_search_text
from workbench.indexing import catch_up_fulltext, load_vector_index
from workbench.ingest import import_files
from workbench.retrieval import search
from workbench.storage import open_store

FILES = 30

# A real import in its own process, slowed so that the test can kill it between two committed files.
IMPORTER = """
import sys, time
from pathlib import Path
from index.embedders import load_embedder
from workbench.config import Settings
from workbench.ingest import import_files

slow = load_embedder("hashing")
fast_embed = slow.embed

def slow_embed(texts):
    time.sleep(0.3)
    return fast_embed(texts)

slow.embed = slow_embed

def progress(done, total, *_):
    print(f"committed {done} of {total}", file=sys.stderr, flush=True)

import_files([Path(sys.argv[2])], Settings(db_path=Path(sys.argv[1])), slow, progress=progress)
"""


def word(number: int) -> str:
    """A word only file `number` contains (letters only: numbers would be folded into number tokens)."""
    return "quux" + "".join(chr(ord("a") + int(digit)) for digit in f"{number:02d}")


def write_articles(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    paths = []
    for number in range(count):
        path = folder / f"article_{number:02d}.txt"
        body = f"The council of {word(number)} met on Monday about the water works and the bridge across the river."
        path.write_text(f"Report from {word(number)}\n\n" + "\n\n".join([body] * 3) + "\n")
        paths.append(path)
    return paths


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    """The real CLI (one-line errors, exit codes) with the fast fake embedder instead of the real model."""
    env = {**os.environ, "WORKBENCH_EMBEDDING_MODEL": "hashing"}
    return subprocess.run(
        [sys.executable, "-m", "workbench", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def keyword_hits(settings: Settings, text: str) -> list[int]:
    with open_store(settings.db_path, read_only=True) as store:
        return [pid for pid, _ in store.bm25(to_search_text(text), 10)]


@pytest.fixture
def killed_import(tmp_path, hashing) -> tuple[Settings, list[Path]]:
    """A database with one finished import, then an import of FILES files killed with SIGKILL mid-way.

    Returns the settings and the files whose articles were committed before the kill.
    """
    settings = Settings(db_path=tmp_path / "killed.duckdb")
    assert [r.status for r in import_files([SEED_PLAIN], settings, hashing)] == ["imported"]
    folder = tmp_path / "many"
    write_articles(folder, FILES)
    child = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(settings.db_path), str(folder)],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    try:
        for line in child.stderr:  # "committed 1 of ..." comes after the first file's transaction committed
            seen.append(line)
            if line.startswith("committed "):
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
    assert seen and seen[-1].startswith(f"committed 1 of {FILES}"), seen
    assert child.returncode == -signal.SIGKILL
    with open_store(settings.db_path, read_only=True) as store:
        origins = [row[0] for row in store.execute("SELECT origin FROM articles ORDER BY article_id").fetchall()]
    committed = [Path(o) for o in origins if Path(o).parent == folder]
    assert 1 <= len(committed) < FILES  # killed after one file was stored, before the last
    return settings, committed


def test_a_killed_import_is_reported_by_doctor_and_repaired(killed_import, hashing, caplog):
    settings, committed = killed_import
    number = int(committed[0].stem.split("_")[1])
    assert keyword_hits(settings, word(number)) == []  # committed, but BM25 does not know it yet

    # A read-only reader cannot rebuild: dense search heals in memory, keyword search says once what fixes it.
    with caplog.at_level(logging.WARNING), open_store(settings.db_path, read_only=True) as store:
        vindex = load_vector_index(store, settings, hashing)
        load_vector_index(store, settings, hashing)
        assert np.array_equal(np.sort(vindex.ids()), store.embedding_ids(hashing.model_id))
        hits = search(store, vindex, hashing, f"council of {word(number)}", k=5)
    assert any(word(number) in hit.text for hit in hits)
    warnings = [r.getMessage() for r in caplog.records if "keyword search covers" in r.getMessage()]
    assert len(warnings) == 1
    assert f"workbench --db {settings.db_path} doctor --repair" in warnings[0]

    before = run_cli(settings.db_path, "doctor")
    assert before.returncode == 1, before.stdout + before.stderr
    lines = before.stdout.splitlines()
    assert any(line.startswith("FAIL  full-text index: lacks") for line in lines), lines
    assert any(line.startswith("FAIL  faiss ids:") and "lacks" in line for line in lines), lines
    assert any(line.startswith("ok    embeddings:") for line in lines), lines
    assert "doctor --repair" in lines[-1]

    repaired = run_cli(settings.db_path, "doctor", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "repair: rebuilt the full-text index" in repaired.stdout
    assert repaired.stdout.splitlines()[-1] == "all indexes agree with DuckDB"
    assert "Traceback" not in repaired.stderr

    after = run_cli(settings.db_path, "doctor")
    assert after.returncode == 0, after.stdout
    assert all(line.startswith("ok  ") for line in after.stdout.splitlines()[:-1])
    for path in committed:
        assert keyword_hits(settings, word(int(path.stem.split("_")[1])))


def test_after_a_killed_import_the_next_writer_catches_up_by_itself(killed_import, hashing):
    settings, committed = killed_import
    # Re-importing a file already stored imports nothing, so only the catch-up on opening can rebuild the index.
    results = import_files([committed[0]], settings, hashing)
    assert [r.status for r in results] == ["skipped"]
    for path in committed:
        assert keyword_hits(settings, word(int(path.stem.split("_")[1])))
    assert all(f.ok for f in doctor.diagnose(settings, hashing)), doctor.diagnose(settings, hashing)


def test_search_on_a_stale_full_text_index_warns_on_stderr_with_the_fix(killed_import):
    settings, committed = killed_import
    done = run_cli(settings.db_path, "search", word(int(committed[0].stem.split("_")[1])), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)  # dense search still finds it
    assert done.stderr.strip().splitlines() == [
        f"warning: keyword search covers {fulltext_stats(settings)} passages in {settings.db_path} (an import still "
        f"running adds the rest when it ends; otherwise run: workbench --db {settings.db_path} doctor --repair)"
    ]


def fulltext_stats(settings: Settings) -> str:
    with open_store(settings.db_path, read_only=True) as store:
        coverage = store.fulltext_coverage()
    return f"{coverage.indexed} of {coverage.passages}"


def test_catch_up_rebuilds_only_when_passages_are_missing(settings, hashing):
    import_files([SEED_PLAIN], settings, hashing)
    with open_store(settings.db_path) as store:
        assert not store.fulltext_coverage().behind
        assert catch_up_fulltext(store, settings) is False
        store.execute("DELETE FROM fts_main_passages.docs WHERE name = (SELECT max(name) FROM fts_main_passages.docs)")
        assert store.fulltext_coverage().behind
        assert catch_up_fulltext(store, settings) is True
        assert not store.fulltext_coverage().behind


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


DAMAGE = {
    "truncated file": lambda path: truncate(path),
    "empty file": lambda path: path.write_bytes(b""),
    "garbage file": lambda path: path.write_bytes(b"\x13\x37" * 500),
    "corrupt sidecar": lambda path: sidecar_path(path).write_text("{not json"),
    "missing sidecar": lambda path: sidecar_path(path).unlink(),
    "sidecar with another count": lambda path: sidecar_path(path).write_text(
        json.dumps({**json.loads(sidecar_path(path).read_text()), "count": 3})
    ),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_faiss_file_is_rebuilt_from_duckdb_with_one_warning(settings, hashing, caplog, damage):
    import_files([SEED_PLAIN, SEED_COMMENTS], settings, hashing)
    DAMAGE[damage](settings.vector_index_path)
    assert not all(f.ok for f in doctor.diagnose(settings, hashing))
    with caplog.at_level(logging.WARNING), open_store(settings.db_path, read_only=True) as store:
        vindex = load_vector_index(store, settings, hashing)
        assert np.array_equal(np.sort(vindex.ids()), store.embedding_ids(hashing.model_id))
        assert search(store, vindex, hashing, "Samarra distance from Baghdad", k=5)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "rebuilt it from the embeddings in DuckDB and saved it" in warnings[0], warnings
    # saved: the next reader loads it as is, and doctor finds nothing wrong
    saved = VectorIndex.load(settings.vector_index_path, model=hashing.model_id, dimension=64, rebuild_hint="")
    assert len(saved) == len(vindex)
    assert all(f.ok for f in doctor.diagnose(settings, hashing))


def test_search_with_a_truncated_faiss_file_prints_one_warning_not_a_traceback(settings, hashing):
    import_files([SEED_PLAIN], settings, hashing)
    truncate(settings.vector_index_path)
    done = run_cli(settings.db_path, "search", "Missing Peace", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"warning: {settings.vector_index_path}: truncated or corrupt FAISS file (read error")
    assert "; rebuilt it from the embeddings in DuckDB and saved it (" in lines[0]
    assert run_cli(settings.db_path, "doctor").returncode == 0


def test_doctor_on_a_healthy_database_exits_zero(settings, hashing):
    import_files([SEED_PLAIN, SEED_COMMENTS], settings, hashing)
    done = run_cli(settings.db_path, "doctor")
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "ok    embeddings",
        "ok    faiss sidecar",
        "ok    faiss file",
        "ok    faiss ids",
        "ok    faiss vectors",
        "ok    full-text index",
    ]
    assert lines[-1] == "all indexes agree with DuckDB"
    assert done.stderr == ""


def test_doctor_checks_an_ivf_index_too(tmp_path, hashing):
    settings = Settings(db_path=tmp_path / "ivf.duckdb", ann_min_vectors=50)
    import_files([SEED_PLAIN, SEED_COMMENTS], settings, hashing)
    findings = doctor.diagnose(settings, hashing)
    assert all(f.ok for f in findings), findings
    assert "ivf-sq8" in next(f for f in findings if f.check == "faiss file").detail


@pytest.mark.slow  # imports 10,500 passages (with the fast fake embedder): enough to train product codes
def test_doctor_checks_the_rerank_rows_of_a_product_code_index_and_repair_writes_them(tmp_path, hashing):
    from bench.corpus import write_corpus
    from index.rerank import rerank_path

    settings = Settings(db_path=tmp_path / "pq.duckdb", ann_min_vectors=2000, vector_codes="pq")
    import_files(write_corpus(tmp_path / "corpus", 10_500), settings, hashing)
    found = {f.check: f for f in doctor.diagnose(settings, hashing)}
    assert all(f.ok for f in found.values()), found
    assert found["faiss re-rank rows"].detail.startswith("64 sampled rows match DuckDB's vectors")
    rows = rerank_path(settings.vector_index_path)
    rows.unlink()  # as an index saved before the rows existed
    found = {f.check: f for f in doctor.diagnose(settings, hashing)}
    assert found["faiss re-rank rows"].problem.startswith(f"{rows} lacks the rows of 64 of 64 sampled passages")
    doctor.repair(settings, hashing, list(found.values()))
    assert rows.is_file() and all(f.ok for f in doctor.diagnose(settings, hashing))


def test_doctor_names_each_disagreement_and_repair_fixes_it(settings, hashing):
    import_files([SEED_PLAIN, SEED_COMMENTS], settings, hashing)
    path = settings.vector_index_path
    with open_store(settings.db_path) as store:
        ids, vectors = store.load_embeddings(hashing.model_id)
        store.execute("DELETE FROM embeddings WHERE passage_id = ?", [int(ids[-1])])
    # right ids, wrong vectors, and one id DuckDB never had
    scrambled = VectorIndex.build(hashing.model_id, ids[:-1], np.roll(vectors[:-1], 1, axis=0))
    scrambled.add(np.array([10**6]), vectors[:1])
    scrambled.save(path)
    found = {f.check: f for f in doctor.diagnose(settings, hashing)}
    assert found["embeddings"].problem == f"1 of {len(ids)} passages have no embedding from 'hashing-64'"
    assert found["faiss ids"].problem.endswith(f"holds 1 ids DuckDB has no vector for ({10**6})")
    assert found["faiss vectors"].problem.startswith("sampled vectors differ from DuckDB's")
    assert found["faiss sidecar"].ok and found["full-text index"].ok

    other = load_embedder("hashing:32")
    wrong_model = {f.check: f for f in doctor.diagnose(settings, other)}
    assert "built with model 'hashing-64' (dimension 64)" in wrong_model["faiss sidecar"].problem

    done = doctor.repair(settings, hashing, list(found.values()))
    assert done[0] == "embedded 1 passages with hashing-64"
    assert done[1].startswith(f"rebuilt the FAISS index ({len(ids)} vectors")
    assert all(f.ok for f in doctor.diagnose(settings, hashing))


def test_a_missing_full_text_index_and_faiss_file_are_reported(settings, hashing):
    import_files([SEED_PLAIN], settings, hashing)
    settings.vector_index_path.unlink()
    sidecar_path(settings.vector_index_path).unlink()
    with open_store(settings.db_path) as store:
        store.execute("DROP SCHEMA fts_main_passages CASCADE")
    with open_store(settings.db_path, read_only=True) as store:
        vectors = store.count_rows()["embeddings"]
    found = {f.check: f for f in doctor.diagnose(settings, hashing)}
    assert found["faiss file"].problem.endswith(
        f"is missing; every search rebuilds it in memory from {vectors} stored vectors"
    )
    assert found["full-text index"].problem.startswith("missing: keyword search finds none of the")
    doctor.repair(settings, hashing, list(found.values()))
    assert all(f.ok for f in doctor.diagnose(settings, hashing))
