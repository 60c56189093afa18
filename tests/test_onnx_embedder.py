"""The ONNX exports of the embedding model: the shipped int8 one reproduced byte for byte by its command and within
cosine 0.99 of PyTorch on the benchmark passages, the fp32 one the same vectors; no torch when either serves."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from bench.corpus import passage_texts, seed_passages
from index.embedders import DEFAULT_MODEL, DEFAULT_ONNX_DIR, EmbedderError, load_embedder
from tests.conftest import REPO

pytestmark = [pytest.mark.real_model, pytest.mark.slow]


def export(out, *flags: str) -> str:
    """Run training/export_embedder.py for real into out; its printed report."""
    done = subprocess.run(
        [sys.executable, "training/export_embedder.py", "--out", str(out), *flags],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The fp32 export, into a temporary folder."""
    out = tmp_path_factory.mktemp("onnx") / "embedder"
    assert "cosine to the PyTorch fp32 embedding over 5000 benchmark passages" in export(out, "--fp32")
    return out


@pytest.fixture(scope="module")
def pytorch():
    return load_embedder(DEFAULT_MODEL)


def test_the_shipped_export_is_what_its_command_writes_byte_for_byte(tmp_path):
    report = export(tmp_path / "again")
    for name in ("model.onnx", "tokenizer.json", "config.json"):
        assert (tmp_path / "again" / name).read_bytes() == (DEFAULT_ONNX_DIR / name).read_bytes(), name
    config = json.loads((DEFAULT_ONNX_DIR / "config.json").read_text())
    assert config["onnx_sha256"] in report and config["onnx_sha256"] in (DEFAULT_ONNX_DIR / "MODEL_CARD.md").read_text()


def test_the_shipped_export_is_within_cosine_0_99_of_pytorch_on_every_benchmark_passage(embedder, pytorch):
    texts = passage_texts(5000)
    cosines = np.sum(embedder.embed(texts) * pytorch.embed(texts), axis=1)
    assert len(texts) == 5000 and cosines.min() >= 0.99 and cosines.mean() >= 0.995
    seeds = seed_passages()  # real news and its comments: one-word comments ("Brilliant!") agree least
    cosines = np.sum(embedder.embed(seeds) * pytorch.embed(seeds), axis=1)
    assert cosines.min() >= 0.97 and cosines.mean() >= 0.99


def test_the_fp32_export_embeds_as_pytorch_does(exported, pytorch):
    onnx = load_embedder(f"onnx:{exported}")
    assert onnx.model_id == f"onnx:{pytorch.model_id}" and onnx.dimension == pytorch.dimension
    texts = seed_passages()
    cosines = np.sum(onnx.embed(texts) * pytorch.embed(texts), axis=1)
    assert len(texts) > 100 and cosines.min() >= 0.999
    assert np.allclose(np.linalg.norm(onnx.embed(texts[:5]), axis=1), 1.0, atol=1e-5)
    assert onnx.embed([]).shape == (0, pytorch.dimension)


def test_serving_with_the_export_never_imports_torch(exported):
    probe = (
        "import sys; from index.embedders import load_embedder; "
        f"load_embedder('onnx:{exported}').embed(['Orlan has three bridges']); "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_damaged_or_missing_export_is_one_clear_error(exported, tmp_path):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for name in ("config.json", "tokenizer.json"):
        (damaged / name).write_bytes((exported / name).read_bytes())
    (damaged / "model.onnx").write_bytes((exported / "model.onnx").read_bytes()[:1000])
    with pytest.raises(EmbedderError, match="is damaged or was replaced"):
        load_embedder(f"onnx:{damaged}")
    with pytest.raises(EmbedderError, match=r"no exported model in .*; export one with: python training/export_"):
        load_embedder(f"onnx:{tmp_path / 'nothing'}")
    assert json.loads((exported / "config.json").read_text())["weights"] == "fp32"
