"""The scale-out benchmark: its real-ish corpus, its projection, and a small run end to end (no timing asserted)."""

import json
import subprocess
import sys

import pytest

from bench.scale import projection, query_texts, realish_passages
from tests.conftest import REPO


def test_the_realish_corpus_is_distinct_real_sentences_and_the_same_every_time():
    passages = realish_passages(3_000)
    assert len(passages) == len(set(passages)) == 3_000 and passages == realish_passages(3_000)
    assert all(len(p.split()) >= 5 for p in passages)
    queries = query_texts(40)
    assert len(queries) == 40 and not set(queries) & set(passages)


def test_the_projection_scales_memory_with_the_count_and_query_time_with_its_square_root():
    tier = {
        "passages": 1_000_000,
        "flat_mb": 1465.0,
        "ivf_sq8": {"resident_mb": 400.0},
        "ivf_pq": {"resident_mb": 70.0, "query_ms": 2.0, "reranked_query_ms": 3.0},
    }
    projected = projection(tier, 100_000_000)
    assert projected["ivf_pq_resident_gb"] == round(7000 / 1024, 1) and projected["float_vectors_gb"] == 143.1
    assert projected["ivf_pq_query_ms"] == 20.0 and projected["ivf_pq_reranked_query_ms"] == 30.0


@pytest.mark.real_model
@pytest.mark.slow  # embeds 12,000 passages and starts a local Ray cluster
def test_the_vectors_benchmark_runs_small_and_writes_its_figures(tmp_path):
    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale", "vectors", "--passages", "12000", "--work", str(tmp_path), "--results",
         str(results)],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| IVF-PQ re-ranked by the stored vectors" in done.stdout
    tier = json.loads(results.read_text())["scale"]["vectors_12000"]
    assert tier["ivf_sq8"]["recall_at_10"] >= 0.9 and tier["ivf_pq"]["reranked_recall_at_10"] >= 0.9
    assert tier["ivf_pq"]["recall_at_10"] < tier["ivf_pq"]["reranked_recall_at_10"]
    assert 0 < tier["ivf_pq"]["resident_mb"] < tier["ivf_sq8"]["resident_mb"]
    assert all(tier[f"ivf_{codes}"]["mapped_after_queries_mb"] > 0 for codes in ("sq8", "pq"))
    assert tier["projection"]["passages"] == 100_000_000


@pytest.mark.slow  # builds a 3,000-passage full-text index and runs 40 queries three times
def test_the_bm25_benchmark_stores_real_ish_text_and_times_its_queries(tmp_path):
    from bench.scale import bm25_tier
    from workbench.storage import open_store

    tier = bm25_tier(3_000, tmp_path, queries=40)
    assert tier["passages"] == 3_000 and tier["queries"] == 40 and tier["build_s"] > 0
    assert 0 < tier["bm25_p50_ms"] <= tier["bm25_p95_ms"]
    with open_store(tmp_path / "bm25-3000.duckdb", read_only=True) as store:
        assert store.count_rows()["passages"] == 3_000
        found = store.bm25("the Amazon rainforest", 5)
    assert found and all(score > 0 for _, score in found)
    assert not list(tmp_path.glob("*.building.duckdb"))  # complete databases only
    assert bm25_tier(3_000, tmp_path, queries=40)["build_s"] is None  # the second run reuses the database
