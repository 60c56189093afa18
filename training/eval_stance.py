"""Evaluate a stance model on one split of stance_pairs.jsonl and print a per-source table.

    HF_HUB_OFFLINE=1 .venv/bin/python training/eval_stance.py --split test
    HF_HUB_OFFLINE=1 .venv/bin/python training/eval_stance.py --model hf:cross-encoder/nli-deberta-v3-xsmall

--model takes what claims.stance.load_stance_model takes (default: the shipped models/stance-minilm).
Two-label sources (fever, covidfact) are scored on agrees vs conflicts only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from claims.stance import load_stance_model  # noqa: E402
from claims.stance_eval import evaluate_model, format_table, load_stance_pairs  # noqa: E402


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="model spec for load_stance_model (default: shipped model)")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "stance_pairs.jsonl")
    ap.add_argument("--split", default="test", choices=["train", "test"])
    ap.add_argument("--source", action="append", help="only these sources (repeatable)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pairs (smoke runs)")
    ap.add_argument("--json", type=Path, help="also write the metrics here")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Load model and pairs, score, print the table."""
    args = parse_args(argv)
    pairs = load_stance_pairs(args.data, args.split)
    if args.source:
        pairs = [p for p in pairs if p.source in set(args.source)]
    if args.limit:
        pairs = pairs[: args.limit]
    model = load_stance_model(args.model)
    started = time.time()
    rows = evaluate_model(model, pairs)
    seconds = time.time() - started
    print(f"model {model.model_id}, split {args.split}, {len(pairs)} pairs in {seconds:.1f} s")
    print(format_table(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
