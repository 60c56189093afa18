"""The ONNX export of the embedding model: the same vectors as PyTorch, and no torch when it serves."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from index.embedders import EmbedderError, load_embedder
from tests.conftest import REPO, SEED_COMMENTS, SEED_PLAIN
from workbench.documents import read_documents

pytestmark = [pytest.mark.real_model, pytest.mark.slow]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """training/export_embedder.py run for real (fp32, the default), into a temporary folder."""
    out = tmp_path_factory.mktemp("onnx") / "embedder"
    done = subprocess.run(
        [sys.executable, "training/export_embedder.py", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "cosine to the PyTorch fp32 embedding" in done.stdout
    return out


def seed_passages() -> list[str]:
    return [
        p.text
        for path in (SEED_COMMENTS, SEED_PLAIN)
        for doc in read_documents(path, max_bytes=2**26, max_words=60)
        for p in doc.passages
    ]


def test_the_export_embeds_as_pytorch_does(exported, embedder):
    onnx = load_embedder(f"onnx:{exported}")
    assert onnx.model_id == f"onnx:{embedder.model_id}" and onnx.dimension == embedder.dimension
    texts = seed_passages()
    cosines = np.sum(onnx.embed(texts) * embedder.embed(texts), axis=1)
    assert len(texts) > 100 and cosines.min() >= 0.999
    assert np.allclose(np.linalg.norm(onnx.embed(texts[:5]), axis=1), 1.0, atol=1e-5)
    assert onnx.embed([]).shape == (0, embedder.dimension)


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
