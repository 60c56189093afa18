"""Test doubles, named by what they do: stance models with a fixed answer and an embedder that records its input.

The fast fake embedder for plumbing tests is index.embedders' "hashing" spec (the `hashing` fixture); the real
models are the session fixtures of tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from claims.stance import StancePrediction
from index.embedders import Embedder


class UnsureStanceModel:
    """Says "unrelated, but on topic" for every pair, so only the number check can take a side."""

    model_id = "unsure-fixed"

    def predict(self, pairs):
        probabilities = {"agrees": 0.3, "conflicts": 0.2, "unrelated": 0.5}
        return [StancePrediction("unrelated", 0.5, probabilities) for _ in pairs]


class SureConflictModel:
    """Says "conflicts" with confidence 0.9 for every pair: only the on-topic gate can say otherwise."""

    model_id = "conflicts-fixed"

    def predict(self, pairs):
        probabilities = {"agrees": 0.05, "conflicts": 0.9, "unrelated": 0.05}
        return [StancePrediction("conflicts", 0.9, probabilities) for _ in pairs]


class RecordingStanceModel:
    """Another stance model, recording every pair it is asked about."""

    def __init__(self, inner) -> None:
        self.inner, self.model_id, self.asked = inner, inner.model_id, []

    def predict(self, pairs):
        self.asked.extend(pairs)
        return self.inner.predict(pairs)


class CountingEmbedder:
    """Another embedder, recording every text it is asked to embed."""

    def __init__(self, inner: Embedder):
        self.inner, self.model_id, self.dimension, self.texts = inner, inner.model_id, inner.dimension, []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts)


class FiguresSideModel:
    """Says "agrees" (0.8) for a passage with a figure in it and "discusses" (0.9) for one without: the article
    rules of the verdict then have passages to outvote."""

    model_id = "figures-side"

    def predict(self, pairs):
        from claims.quantities import find_quantities

        side = {"agrees": 0.8, "conflicts": 0.05, "discusses": 0.1, "unrelated": 0.05}
        none = {"agrees": 0.05, "conflicts": 0.02, "discusses": 0.9, "unrelated": 0.03}
        return [
            StancePrediction("agrees", 0.8, side)
            if find_quantities(passage)
            else StancePrediction("discusses", 0.9, none)
            for passage, _ in pairs
        ]
