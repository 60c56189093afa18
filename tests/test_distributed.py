"""Import and check on a real local Ray cluster (2 CPUs) against the local path: the same passages, embeddings
within cosine 0.9999, the same verdicts."""

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
    refused = run("import", str(SEED_PLAIN), "--ray", "127.0.0.1:1")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "error: --ray 127.0.0.1:1: cannot reach the Ray cluster (Connection refused)"
    ]
