"""The benchmark runs end to end at a tiny size and reports under its stable keys (no timing is asserted)."""

import json
import mmap
import subprocess
import sys

import numpy as np
import pytest

from bench.run import ann_recall_at_10, resident_mb, seed_passages, tier_name
from index.vectors import VectorIndex
from tests.conftest import REPO
from workbench.indexing import load_vector_index
from workbench.storage import open_store


@pytest.mark.parametrize(("size", "name"), [(10_000, "10k"), (100_000, "100k"), (1_000_000, "1m"), (2_500, "2500")])
def test_tier_names_are_the_stable_key_suffixes(size, name):
    assert tier_name(size) == name


def test_the_stance_timing_judges_twenty_real_seed_passages():
    passages = seed_passages(20)
    assert len(passages) == len(set(passages)) == 20
    assert all(p.split() for p in passages)
    assert sum(len(p.split()) <= 60 for p in passages) >= 18  # a sentence over 60 words is cut at 80 words
    assert any("Baghdad" in p for p in passages)


def test_resident_memory_counts_the_touched_pages_of_a_mapped_file_apart(tmp_path):
    # The serving tier reports the mapped FAISS file's resident pages apart from private memory.
    path = tmp_path / "index.bin"
    path.write_bytes(b"\x01" * (16 << 20))
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        untouched = resident_mb(path)
        assert sum(mapped[i] for i in range(0, 8 << 20, mmap.PAGESIZE)) == (8 << 20) // mmap.PAGESIZE
        touched = resident_mb(path)
    assert untouched["rss_index_file_mb"] < touched["rss_index_file_mb"]
    assert 8 <= touched["rss_index_file_mb"] <= 16
    assert touched["rss_anon_mb"] > 0 and touched["rss_file_mb"] >= touched["rss_index_file_mb"]
    assert "rss_index_file_mb" not in resident_mb()


def test_ann_recall_is_one_for_exact_search_and_drops_for_a_starved_ivf(seeded, embedder):
    with open_store(seeded.db_path, read_only=True) as store:
        exact = load_vector_index(store, seeded, embedder)
        assert ann_recall_at_10(store, exact, embedder.model_id, queries=50, nprobes=(1, 8)) == {"configured": 1.0}
        ids, vectors = store.load_embeddings(embedder.model_id)
        starved = VectorIndex.build(embedder.model_id, ids, vectors, ann_min=1)
        recall = ann_recall_at_10(store, starved, embedder.model_id, queries=50, nprobes=(1, 64))
    assert recall["1"] < 0.9
    assert recall["64"] >= 0.95  # every list visited: exact but for the 8-bit codes
    assert recall["configured"] >= recall["1"]


@pytest.mark.real_model
@pytest.mark.slow
def test_bench_runs_a_small_tier_and_writes_every_stable_key(tmp_path):
    results = tmp_path / "results.json"
    options = ["--sizes", "300", "--skip-quality", "--skip-cold-start", "--results", str(results)]
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", *options, "--work", str(tmp_path / "work")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| passages | index |" in done.stdout
    figures = json.loads(results.read_text())
    tier = figures["tiers"]["300"]
    assert tier["passages"] == 300 and tier["index"] == "flat-ip" and tier["ann_recall_at_10"] == 1.0
    assert tier["check_k"] == 20 and tier["check_p95_ms"] >= tier["check_p50_ms"] > 0
    assert figures["stance_20_pairs_p95_ms"] >= figures["stance_20_pairs_p50_ms"] > 0
    assert figures["search_p50_ms_300"] == tier["search_p50_ms"]
    assert figures["ingest_ratio"] == tier["ingest_ratio"] > 0
    assert tier["ingest_ratio"] == round(tier["ingest_passages_per_s"] / tier["raw_encode_per_s"], 3)
    assert tier["raw_encode_per_s"] > 0 and tier["onnx_encode_per_s"] > 0
    assert tier["onnx_model"] == "onnx:sentence-transformers/all-MiniLM-L6-v2-int8"
    low, high = tier["raw_encode_per_s_range"]
    assert low <= tier["raw_encode_per_s"] <= high
    assert set(tier["ingest_stages_s"]) == {"parse", "segment", "embed", "insert", "faiss", "fts"}
    assert sum(tier["ingest_stages_s"].values()) <= tier["ingest_s"] and tier["ingest_stages_s"]["embed"] > 0
    stages = tier["check_stages_ms"]
    assert set(stages) == {"embed", "bm25", "faiss", "fetch", "stance", "numbers", "verdict"}
    assert stages["stance"] > 0 and sum(stages.values()) <= tier["check_p95_ms"] * 1.5
    assert "| passages | import parse s |" in done.stdout
    assert 0 < tier["rss_anon_mb"] + tier["rss_file_mb"] <= tier["peak_rss_mb"] + 1  # now, at most the peak
    assert np.isfinite(tier["disk_mb_per_100k"])
