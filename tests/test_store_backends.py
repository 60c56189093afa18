"""The Store on both backends: a DuckDB file and a real PostgreSQL server (Debian's postgresql-15, started here).

Every test runs against each backend through open_store(url) and holds the two to the same answers; the parity
tests put the same seeds into both and compare what they give back (BM25 scores, fingerprints, queue rows).
"""

from __future__ import annotations

import inspect
import json
import multiprocessing
import os
import subprocess
import sys
from datetime import datetime

import numpy as np
import pytest

from tests.conftest import SEED_COMMENTS, SEED_PLAIN
from tests.pgserver import new_database
from workbench.documents import read_file
from workbench.fulltext import to_search_text
from workbench.models import CheckResult, FetchRecord, QueueFilter, Review, StoredVectors
from workbench.storage import Store, is_server_url, open_store
from workbench.storage.postgres import PostgresStore

# The server is the session's (tests/conftest.py: pg_server), skipped outside CI on a machine without one;
# store_url is a fresh store of each backend.


def _seed(store: Store) -> None:
    docs = [
        d for path in (SEED_COMMENTS, SEED_PLAIN) for d in read_file(path, max_bytes=10**8, max_words=120).documents
    ]
    with store.transaction():
        store.insert_documents(docs, store.next_passage_id())
    store.rebuild_fulltext()  # a transaction of its own


def test_the_postgres_store_has_every_method_of_the_protocol_with_its_parameters():
    for name, member in vars(Store).items():
        if inspect.isfunction(member) and not name.startswith("_"):
            assert hasattr(PostgresStore, name), name
            wanted = list(inspect.signature(member).parameters)
            assert list(inspect.signature(getattr(PostgresStore, name)).parameters) == wanted, name


def test_server_urls_are_told_from_files():
    assert is_server_url("postgresql://wb@/desk?host=/tmp") and is_server_url("postgres://db.example/desk")
    assert not is_server_url("/data/desk.duckdb") and not is_server_url("duckdb:///data/desk.duckdb")


def test_import_backend_imports_the_urls_backend_and_opens_nothing(tmp_path):
    # in a fresh interpreter each: which backend modules an import_backend call leaves loaded
    def loaded_after(url: str) -> list[str]:
        script = (
            "import sys\nfrom workbench.storage import import_backend\n"
            f"import_backend({url!r})\n"
            "print(*sorted(m for m in ('duckdb', 'workbench.storage.duckdb', 'workbench.storage.postgres') "
            "if m in sys.modules))\n"
        )
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.split()

    path = tmp_path / "desk.duckdb"
    assert loaded_after(str(path)) == ["duckdb", "workbench.storage.duckdb"]
    assert loaded_after(f"duckdb://{path}") == ["duckdb", "workbench.storage.duckdb"]
    assert loaded_after("postgresql://wb@/desk?host=/tmp") == ["workbench.storage.postgres"]
    assert loaded_after("sqlite:///desk.db") == []  # open_store refuses it, with the line saying why
    assert not path.exists()


def test_articles_passages_and_embeddings_round_trip(store_url, monkeypatch):
    with open_store(store_url) as store:
        _seed(store)
        counts = store.count_rows()
        ids = np.array([pid for pid, _ in store.passage_texts()], dtype=np.int64)
        vectors = np.random.default_rng(0).standard_normal((len(ids), 8)).astype(np.float32)
        with store.transaction():
            store.insert_embeddings(ids, "m", vectors)
        got_ids, got = store.load_embeddings("m", ids[:3])
        monkeypatch.setattr("workbench.storage.duckdb.corpus.FEW_IDS", 2)  # DuckDB: three ids by the semi-join
        many_ids, many = store.load_embeddings("m", ids[2::-1])
        some_hashes = store.stored_hashes(["nope"])
    assert counts["articles"] == 2 and counts["passages"] > 100 and counts["comments"] > 0
    assert list(got_ids) == list(ids[:3]) and np.array_equal(got, vectors[:3])
    assert list(many_ids) == list(ids[:3]) and np.array_equal(many, vectors[:3])  # in id order, as asked or not
    assert some_hashes == set()
    with open_store(store_url, read_only=True) as store:
        assert store.count_missing_embeddings("m") == 0 and store.embedding_models()["m"] == StoredVectors(
            len(ids), 8, 8
        )
        assert store.is_read_only()


def test_an_address_whose_page_was_stored_before_is_remembered(store_url):
    with open_store(store_url) as store:
        _seed(store)
        [doc] = read_file(SEED_PLAIN, max_bytes=10**8, max_words=120).documents
        asked = "https://example.org/a?utm=1"
        first = FetchRecord(asked, "https://example.org/a", datetime(2026, 12, 7, 9), "text/html")
        again = FetchRecord(asked, "https://example.org/b", datetime(2026, 12, 8, 9), "text/html")
        with store.transaction():
            store.record_repeat_fetches([(first, doc.content_hash)])
            store.record_repeat_fetches([(again, doc.content_hash), (again, "no such article")])
        known = store.fetched_urls([asked, "https://example.org/a", "https://example.org/b"])
    assert known == {asked, "https://example.org/a"}  # the first record kept


def test_both_backends_give_the_same_bm25_scores_and_fingerprints(tmp_path, pg_server):
    answers = []
    for url in (str(tmp_path / "desk.duckdb"), new_database(pg_server)):
        with open_store(url) as store:
            _seed(store)
            ids = np.array([pid for pid, _ in store.passage_texts()], dtype=np.int64)
            with store.transaction():
                store.insert_embeddings(ids, "m", np.ones((len(ids), 4), dtype=np.float32))
            answers.append(
                (
                    store.bm25(to_search_text("ISIS seized $500 million from Mosul banks"), 10),
                    store.bm25(to_search_text("Iran troops Baghdad"), 5, exclude_article_ids=[1]),
                    store.embedding_fingerprint("m"),
                    store.fulltext_coverage(),
                    store.fulltext_health(3),
                )
            )
    (duck, pg) = answers
    assert len(duck[0]) == 10 and len(duck[1]) == 5
    for a, b in zip(duck[:2], pg[:2], strict=True):
        assert [pid for pid, _ in a] == [pid for pid, _ in b]
        assert np.allclose([s for _, s in a], [s for _, s in b], rtol=1e-9)
    assert duck[2:] == pg[2:]


def test_claims_checks_reviews_and_the_queue(store_url):
    with open_store(store_url) as store:
        _seed(store)
        claim_id = store.insert_claim(
            "Iran sent 2000 troops", "iran sent 2000 troops", claim_date=None, origin="manual"
        )
        assert store.save_review(Review(claim_id, "in_review", None, "", "ann", 0, None, None), 0)
        assert not store.save_review(Review(claim_id, "in_review", None, "", "bob", 0, None, None), 0)  # ann was first
        assert store.save_review(Review(claim_id, "verdict_given", "refuted", "no troops", "ann", 1, None, None), 1)
        assert not store.save_review(Review(claim_id, "new", None, "", "bob", 1, None, None), 1)  # stale version
        store.insert_history(claim_id, [("status", "in_review", "verdict_given")], "ann")
        store.upsert_correction(claim_id, 3, "conflicts", "ann")
        store.upsert_correction(claim_id, 3, "agrees", "bob")
        store.upsert_credibility("Missing Peace", "credible")
        rows = store.queue(QueueFilter(statuses=("verdict_given",)))
        review = store.get_review(claim_id)
        assert [c.stance for c in store.corrections(claim_id)] == ["agrees"]
        assert store.delete_correction(claim_id, 3) and not store.delete_correction(claim_id, 3)
        summary = store.queue_summary(QueueFilter())
        outlets = {o.name: o.credibility for o in store.outlets()}
    assert (review.status, review.human_verdict, review.version) == ("verdict_given", "refuted", 2)
    assert [r.claim_id for r in rows] == [claim_id] and rows[0].status == "verdict_given"
    assert [(c.verdict, c.status, c.claims) for c in summary] == [("unchecked", "verdict_given", 1)]
    assert outlets["Missing Peace"] == "credible"


def test_a_check_without_evidence_and_no_vectors_to_store(store_url):
    """What a claim nothing was found for stores: the check alone; and storing no fact-check vectors stores none.
    Both once sent an empty list to executemany, which DuckDB refuses."""
    with open_store(store_url) as store:
        claim_id = store.insert_claim("Rebels are 30 miles from Orlan", "rebels", claim_date=None, origin="manual")
        claim = store.get_claim(claim_id)
        result = CheckResult(claim, "not_enough_evidence", 1.0, "nothing found", 0, 0, ())
        check_id = store.insert_check(result, stance_model="m", embedding_model="e")
        store.set_factcheck_vectors([], "e", np.zeros((0, 384), dtype=np.float32))
        latest, evidence = store.latest_check(claim.claim_id), store.check_evidence(check_id)
        vectors = store.factcheck_vectors("e")
    assert (latest.check_id, latest.verdict, latest.reason) == (check_id, "not_enough_evidence", "nothing found")
    assert evidence == [] and vectors[0] == [] and len(vectors[1]) == 0


def _save_many(url: str, reviewer: str, claim_id: int, rounds: int, out) -> None:
    """Save `rounds` reviews of one claim, each naming the version it read; count the saves that won."""
    won = 0
    for _ in range(rounds):
        with open_store(url) as store:
            current = store.get_review(claim_id)
            version = current.version if current else 0
            review = Review(claim_id, "in_review", None, f"{reviewer} {version}", reviewer, version, None, None)
            with store.transaction():
                if store.save_review(review, version):
                    store.insert_history(claim_id, [("rationale", None, review.rationale)], reviewer)
                    won += 1
    out.put(won)


def test_two_processes_saving_one_review_never_lose_an_update(pg_server):
    # A DuckDB file has one writer process at a time; tests/test_review.py races writers within one process.
    url = new_database(pg_server)
    with open_store(url) as store:
        claim_id = store.insert_claim(
            "Iran sent 2000 troops", "iran sent 2000 troops", claim_date=None, origin="manual"
        )
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_save_many, args=(url, name, claim_id, 25, results)) for name in "ab"]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    won = results.get(timeout=5) + results.get(timeout=5)
    with open_store(url, read_only=True) as store:
        review, history = store.get_review(claim_id), store.review_history(claim_id)
    # Every save that won bumped the version once and wrote its history row; none overwrote another unseen.
    assert review.version == won == len(history)
    assert len({e.new_value for e in history}) == won


@pytest.mark.slow  # the real embedder and stance model, through the CLI
def test_the_commands_run_on_a_server_store(pg_server, tmp_path):
    """Import, add a claim, check it and review it with WORKBENCH_DB a PostgreSQL URL; the FAISS index is cached
    under WORKBENCH_CACHE_DIR, and a second machine (another cache folder) rebuilds its own from the server."""
    url = new_database(pg_server)
    env = {**os.environ, "WORKBENCH_DB": url, "WORKBENCH_CACHE_DIR": str(tmp_path / "cache-a")}

    def run(*argv: str, cache: str = "cache-a") -> str:
        done = subprocess.run(
            [sys.executable, "-m", "workbench", *argv],
            capture_output=True,
            text=True,
            env={**env, "WORKBENCH_CACHE_DIR": str(tmp_path / cache)},
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("import", str(SEED_COMMENTS), str(SEED_PLAIN))
    run("claims", "add", "ISIS fighters are within about 48 km of Baghdad.")
    checked = json.loads(run("check", "--all", "--json"))
    here = run("search", "half a billion dollars seized in Mosul", "-k", "3")
    elsewhere = run("search", "half a billion dollars seized in Mosul", "-k", "3", cache="cache-b")
    assert [c["verdict"] for c in checked] == ["supported"]
    assert "half a billion dollar" in here and here == elsewhere
    assert len(list((tmp_path / "cache-a").glob("*.faiss"))) == 1 and list((tmp_path / "cache-b").glob("*.faiss"))
    assert not list(tmp_path.glob("*.duckdb")) and not (tmp_path / "data").exists()


@pytest.mark.slow  # the real embedder, through the app
def test_the_app_runs_on_a_server_store_and_never_shows_its_password(pg_server, tmp_path, monkeypatch, embedder):
    from dataclasses import replace

    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO
    from workbench.claimbook import add_claim
    from workbench.config import load_settings
    from workbench.ingest import import_files

    url = new_database(pg_server).replace("postgresql://wb@", "postgresql://wb:hunter2@")  # trust auth ignores it
    settings = replace(load_settings(url), cache_dir=tmp_path / "cache")
    import_files([SEED_COMMENTS, SEED_PLAIN], settings, embedder)
    with open_store(url) as store:
        add_claim(store, "Iran sent 2000 troops to Iraq")
    monkeypatch.setenv("WORKBENCH_DB", url)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=120).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Claims"]
    assert list(at.dataframe[0].value["claim"]) == ["Iran sent 2000 troops to Iraq"]
    shown_text = " ".join(str(c.value) for c in at.caption) + " ".join(str(m.value) for m in at.markdown)
    assert "wb@" in shown_text and "hunter2" not in shown_text
