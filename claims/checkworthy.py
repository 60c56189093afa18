"""The learned check-worthiness ranker: a MiniLM-L6 sentence classifier fine-tuned on the CheckThat! / ClaimBuster
English sentences (training/train_checkworthy.py), stored as int8 ONNX in models/checkworthy-minilm.

The model alone decides what is proposed, at the threshold in its config.json (chosen for F1 on held-out training
sentences). The hand-written features of claims.extraction do not enter that decision: a logistic regression over
the model's logit and the features scored F1 0.744 on the held-out sentences against 0.750 for the model alone
(the card has the weights). They order the proposals instead (claims.extraction.rank_check_worthy) and say why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claims.extraction import SentenceFeatures
from claims.onnx_classifier import OnnxClassifier

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "checkworthy-minilm"
POSITIVE = "check_worthy"


class CheckWorthinessModel(OnnxClassifier):
    """The shipped check-worthiness classifier, as a claims.extraction.SentenceScorer."""

    def __init__(self, folder: Path | str = DEFAULT_MODEL_DIR, *, threads: int = 2) -> None:
        super().__init__(folder, threads=threads, batch_size=1)
        self._positive = self.config.labels.index(POSITIVE)
        self.threshold = float(self.config.extra["threshold"])

    def model_logits(self, sentences: Sequence[str]) -> np.ndarray:
        """The model's log-odds that each sentence is check-worthy."""
        logits = self.logits(list(sentences))
        return logits[:, self._positive] - np.delete(logits, self._positive, axis=1).max(axis=1)

    def score(self, sentences: Sequence[str], features: Sequence[SentenceFeatures]) -> list[tuple[float, str]]:
        """The model's probability that each sentence is check-worthy, with it in words as the first reason."""
        out = []
        for logit in self.model_logits(sentences):
            probability = 1.0 / (1.0 + math.exp(-float(logit)))
            out.append((probability, f"model {probability:.2f}"))
        return out


def load_checkworthy_model(spec: str | None = None) -> CheckWorthinessModel:
    """The check-worthiness model: None -> the shipped one; otherwise a folder written by train_checkworthy.py."""
    return CheckWorthinessModel(DEFAULT_MODEL_DIR if spec in (None, "", "default") else Path(spec))
