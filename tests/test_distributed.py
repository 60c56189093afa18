"""Import, check and index builds on a real local Ray cluster (2 CPUs) against the local path: the same passages,
embeddings within cosine 0.9999, the same verdicts, the same FAISS index."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import EXAMPLES, SEED_COMMENTS, SEED_PLAIN
from workbench.claimbook import import_claims_csv
from workbench.config import Settings
from workbench.distributed import RayPlan, ray_check, ray_import
from workbench.indexing import load_vector_index
from workbench.ingest import import_files
from workbench.pipeline import check_many
from workbench.storage import open_store

pytestmark = pytest.mark.slow  # a Ray cluster and the real models

PLAN = RayPlan("local:2", workers=2)


@pytest.fixture(scope="module")
def ray_cluster():
    import ray

    from workbench.distributed import connect

    connect(PLAN.address)
    yield
    ray.shutdown()


def _stored(settings: Settings, model: str):
    with open_store(settings.db_path, read_only=True) as store:
        passages = [(t, p) for p, t in store.passage_texts()]
        ids, vectors = store.load_embeddings(model)
        counts = store.count_rows()
    return passages, ids, vectors, counts


def test_a_ray_import_and_check_store_what_the_local_path_stores(ray_cluster, tmp_path, embedder, stance_model):
    local, distributed = Settings(db_path=tmp_path / "local.duckdb"), Settings(db_path=tmp_path / "ray.duckdb")
    sources = [SEED_COMMENTS, SEED_PLAIN, EXAMPLES / "articles"]
    local_results = import_files(sources, local, embedder)
    ray_results = ray_import(sources, distributed, embedder, None, PLAN)
    assert [(r.path, r.status, r.passages) for r in ray_results] == [
        (r.path, r.status, r.passages) for r in local_results
    ]
    a, b = _stored(local, embedder.model_id), _stored(distributed, embedder.model_id)
    assert a[0] == b[0] and np.array_equal(a[1], b[1]) and a[3] == b[3]  # the same passages under the same ids
    assert float(np.min(np.sum(a[2] * b[2], axis=1))) >= 0.9999
    again = ray_import(sources, distributed, embedder, None, PLAN)
    assert {r.status for r in again} == {"skipped"}  # the store drops what it has, as locally

    for settings in (local, distributed):
        with open_store(settings.db_path) as store:
            import_claims_csv(store, EXAMPLES / "claims.csv")
    with open_store(local.db_path) as store:
        ids = [c.claim_id for c in store.list_claims()]
        vindex = load_vector_index(store, local, embedder)
    here = check_many(local.db_path, vindex, embedder, stance_model, ids)
    there = ray_check(distributed, embedder, None, stance_model.model_id, ids, PLAN, k=10)
    assert [(r.claim.text, r.verdict, round(r.confidence, 6)) for r in there] == [
        (r.claim.text, r.verdict, round(r.confidence, 6)) for r in here
    ]
    assert {r.verdict for r in here} >= {"supported", "refuted"}
    with open_store(distributed.db_path, read_only=True) as store:
        assert all(store.latest_check(i) is not None for i in ids)


def test_the_commands_take_a_ray_cluster_and_an_unreachable_one_is_one_line(tmp_path):
    db = str(tmp_path / "desk.duckdb")

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "workbench", "--db", db, *argv], capture_output=True, text=True, cwd=tmp_path
        )

    imported = run("import", str(SEED_COMMENTS), str(SEED_PLAIN), "--ray", "local:2")
    assert imported.returncode == 0, imported.stderr
    assert "2 article(s)" in imported.stdout
    assert run("claims", "add", "Iran sent 2000 troops to Iraq").returncode == 0
    checked = run("check", "--all", "--json", "--ray", "local:2", "--ray-workers", "1")
    assert checked.returncode == 0, checked.stderr
    assert [c["claim"] for c in json.loads(checked.stdout)] == ["Iran sent 2000 troops to Iraq"]
    rebuilt = run("reindex", "--ray", "local:2")
    assert rebuilt.returncode == 0 and "full-text index rebuilt" in rebuilt.stdout, rebuilt.stderr
    refused = run("import", str(SEED_PLAIN), "--ray", "127.0.0.1:1")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "error: --ray 127.0.0.1:1: cannot reach the Ray cluster (Connection refused)"
    ]
    for cpus in ("0", "abc", "-1"):  # a Ray instance with no CPU waited for one forever
        refused = run("check", "--all", "--ray", f"local:{cpus}")
        assert refused.returncode == 1
        assert refused.stderr.strip().splitlines() == [
            f"error: --ray local:{cpus}: 'local:N' takes a number of CPUs, at least 1"
        ]


def test_a_large_index_coded_shard_by_shard_on_ray_is_the_one_built_here(ray_cluster, tmp_path, monkeypatch):
    from index.vectors import VectorIndex
    from workbench import indexing
    from workbench.distributed import ray_shard_encoder
    from workbench.models import Document, PassageDraft

    n, model = 12_000, "hashing-384"
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((100, 384)).astype(np.float32)
    vectors = centres[rng.integers(0, 100, n)] + 0.6 * rng.standard_normal((n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    settings = Settings(db_path=tmp_path / "large.duckdb", ann_min_vectors=2000, vector_codes="pq")
    drafts = tuple(PassageDraft(i, "body", None, f"passage {i}", 0, 1, f"passage {i}") for i in range(n))
    with open_store(settings.db_path) as store, store.transaction():
        first = store.next_passage_id()
        store.insert_documents([Document("x", None, None, None, None, "test", drafts, "h")], first)
        store.insert_embeddings(np.arange(first, first + n), model, vectors)
    monkeypatch.setattr(indexing, "SHARD_VECTORS", 2_500)  # five shards, two workers
    embedder = type("Fake", (), {"model_id": model, "dimension": 384})()
    with open_store(settings.db_path, read_only=True) as store:
        here = indexing.build_vector_index(store, settings, embedder)
        there = indexing.build_vector_index(store, settings, embedder, encode=ray_shard_encoder(PLAN))
    at_once = VectorIndex.build(model, np.arange(first, first + n), vectors, ann_min=2000, codes="pq")
    assert here.kind == there.kind == at_once.kind == "ivf-pq" and len(there) == n
    assert np.array_equal(here.ids(), there.ids()) and np.array_equal(at_once.ids(), there.ids())
    for query in vectors[:: n // 40]:
        assert here.search(query, 10) == there.search(query, 10) == at_once.search(query, 10)
    # the rows product codes re-rank by, spooled as the shards streamed past, are every vector's
    for built in (here, there):
        rows = built.rerank_vectors(np.arange(first, first + n))
        assert len(rows) == n and np.abs(rows[first + 7] - vectors[7]).max() < 1e-3
