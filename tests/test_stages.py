"""workbench.stages: stage timers that add up without double counting, cost nothing outside collect(), and mark
every step of an import and a check."""

import time
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context

from tests.conftest import SEED_COMMENTS, SEED_PLAIN
from tests.fakes import UnsureStanceModel
from workbench import claimbook
from workbench.indexing import load_vector_index
from workbench.ingest import import_files
from workbench.pipeline import check_claim
from workbench.stages import collect, stage
from workbench.storage import open_store


def test_an_inner_stage_is_taken_out_of_the_outer_one():
    started = time.perf_counter()
    with collect() as seconds:
        with stage("outer"):
            time.sleep(0.05)
            with stage("inner"):
                time.sleep(0.3)
        with stage("inner"):
            time.sleep(0.02)
    total = time.perf_counter() - started
    assert set(seconds) == {"outer", "inner"}
    assert 0.05 <= seconds["outer"] < 0.3  # its own 0.05 s; counting the 0.3 s inside too would make it 0.35
    assert seconds["inner"] >= 0.32 and seconds["outer"] + seconds["inner"] <= total


def test_a_thread_started_in_the_collecting_context_adds_its_own_stages():
    # An import writes one file on a writer thread while the next is embedded: each thread nests its own stages.
    def writer():
        with stage("insert"):
            time.sleep(0.1)
            with stage("faiss"):
                time.sleep(0.3)

    with collect() as seconds, ThreadPoolExecutor(max_workers=1) as pool:
        with stage("embed"):
            written = pool.submit(copy_context().run, writer)
            time.sleep(0.05)
            with stage("parse"):
                time.sleep(0.45)  # open while the writer's stages open and close
        written.result()
    assert set(seconds) == {"embed", "parse", "insert", "faiss"}
    # each outer stage holds its own time only: with the inner one counted it would be 0.5 s and 0.4 s
    assert 0.05 <= seconds["embed"] < 0.4 and seconds["parse"] >= 0.45
    assert 0.1 <= seconds["insert"] < 0.35 and seconds["faiss"] >= 0.3


def test_outside_collect_a_stage_records_nothing_and_collectors_do_not_leak():
    with stage("alone"):
        pass
    with collect() as first, stage("a"):
        pass
    with collect() as second:
        pass
    assert set(first) == {"a"} and second == {}


def test_an_import_and_a_check_mark_every_stage(settings, hashing):
    with collect() as imported:
        import_files([SEED_COMMENTS, SEED_PLAIN], settings, hashing)
    assert set(imported) == {"parse", "segment", "embed", "insert", "faiss", "fts"}
    assert all(s > 0 for s in imported.values())
    with open_store(settings.db_path) as store:
        claim_id = claimbook.add_claim(store, "Iran sent 2000 troops to Iraq").claim_id
        vindex = load_vector_index(store, settings, hashing)
        with collect() as checked:
            check_claim(store, vindex, hashing, UnsureStanceModel(), claim_id, k=10, save=False)
    assert set(checked) == {"embed", "bm25", "faiss", "fetch", "stance", "numbers", "verdict"}
