"""Measure a stance model on the benchmark pairs: accuracy, balanced accuracy and macro-F1 per source.

Sources published with two labels (support / refute only) are scored on agrees vs conflicts alone: the
prediction is the more probable of those two, so 'unrelated' can never count against them. With the on-topic gate,
a gated pair is predicted 'unrelated': right or wrong on three-label sources, always wrong on two-label ones (their
pairs are all on topic).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claims.stance import StanceModel, StancePrediction
from claims.vocabulary import AGREES, CONFLICTS, NO_SIDE, UNRELATED

LABEL_OF = {"support": AGREES, "refute": CONFLICTS, "neutral": UNRELATED}
TWO_LABELS = ("agrees", "conflicts")
# Benchmark gold labels: neutral is "unrelated" here, meaning no side, and takes a 4-label model's discusses too.
LABELS = ("agrees", "conflicts", "unrelated")


@dataclass(frozen=True, slots=True)
class LabelledPair:
    """One benchmark (evidence, claim) pair with its gold project label."""

    source: str
    evidence: str
    claim: str
    label: str


@dataclass(frozen=True)
class SourceMetrics:
    """Scores of one model on one source (or on all of them, source='all')."""

    source: str
    n: int
    labels: int  # 2 or 3: how many labels this source is scored on
    accuracy: float
    balanced_accuracy: float
    macro_f1: float
    gated: float | None = None  # share of pairs the on-topic gate made unrelated; None when no gate was applied


def load_stance_pairs(path: Path | str, split: str) -> list[LabelledPair]:
    """Read one split of stance_pairs.jsonl, with labels mapped to agrees / conflicts / unrelated."""
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["split"] == split:
                out.append(LabelledPair(row["source"], row["evidence"], row["claim"], LABEL_OF[row["label"]]))
    return out


def two_label_sources(rows: Iterable[tuple[str, str]]) -> set[str]:
    """Return the sources whose (source, label) rows never use 'unrelated'."""
    seen: dict[str, set[str]] = {}
    for source, label in rows:
        seen.setdefault(source, set()).add(label)
    return {source for source, labels in seen.items() if "unrelated" not in labels}


def balanced_accuracy(truth: np.ndarray, pred: np.ndarray, n_labels: int) -> float:
    """Mean recall over the labels that occur in truth."""
    recalls = [float(np.mean(pred[truth == k] == k)) for k in range(n_labels) if np.any(truth == k)]
    return float(np.mean(recalls)) if recalls else float("nan")


def macro_f1(truth: np.ndarray, pred: np.ndarray, n_labels: int) -> float:
    """Unweighted mean F1 over the labels that occur in truth or predictions."""
    scores = []
    for k in range(n_labels):
        tp = float(np.sum((pred == k) & (truth == k)))
        fp = float(np.sum((pred == k) & (truth != k)))
        fn = float(np.sum((pred != k) & (truth == k)))
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else float("nan")


def label_probability(prediction: StancePrediction, label: str, labels: Sequence[str]) -> float:
    """Probability of label among labels; where only one no-side label is scored, it takes both ("neutral" gold is
    discusses or unrelated, so a 4-label model's discusses counts as the 3-label sets' unrelated)."""
    probs = prediction.probabilities
    if label in NO_SIDE and not all(k in labels for k in NO_SIDE):
        return sum(probs.get(k, 0.0) for k in NO_SIDE)
    return probs.get(label, 0.0)


def score_source(
    source: str,
    gold: Sequence[str],
    predictions: Sequence[StancePrediction],
    labels: Sequence[str],
    gated: Sequence[bool] | None = None,
) -> SourceMetrics:
    """Score predictions against gold labels, choosing among the given labels only; gated pairs are 'unrelated'."""
    truth = np.array([labels.index(g) for g in gold])
    pred = np.array([max(labels, key=lambda k, p=p: label_probability(p, k, labels)) for p in predictions])
    pred = np.array([labels.index(k) for k in pred], dtype=int)
    if gated is not None and len(pred):
        # -1 is no label at all: a gated pair of a two-label source is simply wrong.
        pred[np.asarray(gated, dtype=bool)] = labels.index("unrelated") if "unrelated" in labels else -1
    return SourceMetrics(
        source=source,
        n=len(gold),
        labels=len(labels),
        accuracy=float(np.mean(truth == pred)) if len(gold) else float("nan"),
        balanced_accuracy=balanced_accuracy(truth, pred, len(labels)),
        macro_f1=macro_f1(truth, pred, len(labels)),
        gated=None if gated is None else (float(np.mean(gated)) if len(gated) else 0.0),
    )


def evaluate(
    pairs: Sequence[LabelledPair], predictions: Sequence[StancePrediction], gated: Sequence[bool] | None = None
) -> list[SourceMetrics]:
    """Score predictions per source, two-label sources on agrees vs conflicts only; gated pairs are 'unrelated'."""
    if len(pairs) != len(predictions) or (gated is not None and len(gated) != len(pairs)):
        raise ValueError(f"{len(pairs)} pairs but {len(predictions)} predictions")
    two = two_label_sources((p.source, p.label) for p in pairs)
    out = []
    for source in sorted({p.source for p in pairs}):
        idx = [i for i, p in enumerate(pairs) if p.source == source]
        labels = TWO_LABELS if source in two else LABELS
        gates = None if gated is None else [gated[i] for i in idx]
        out.append(score_source(source, [pairs[i].label for i in idx], [predictions[i] for i in idx], labels, gates))
    return out


def evaluate_model(model: StanceModel, pairs: Sequence[LabelledPair]) -> list[SourceMetrics]:
    """Run model on pairs and score it per source."""
    return evaluate(pairs, model.predict([(p.evidence, p.claim) for p in pairs]))


def format_table(rows: Sequence[SourceMetrics]) -> str:
    """Render per-source metrics as a fixed-width text table."""
    with_gate = any(r.gated is not None for r in rows)
    lines = [f"{'source':<15}{'n':>6}{'labels':>8}{'accuracy':>10}{'bal.acc':>10}{'macro-F1':>10}"]
    lines[0] += f"{'gated':>8}" if with_gate else ""
    for r in rows:
        lines.append(
            f"{r.source:<15}{r.n:>6}{r.labels:>8}{r.accuracy:>10.4f}{r.balanced_accuracy:>10.4f}{r.macro_f1:>10.4f}"
            + (f"{r.gated or 0.0:>8.4f}" if with_gate else "")
        )
    return "\n".join(lines)
