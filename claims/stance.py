"""Stance of an evidence passage towards a claim: agrees, conflicts, discusses (no side) or unrelated (off topic).

The shipped model is a MiniLM-L6 cross-encoder fine-tuned by training/train_stance.py and stored as int8 ONNX in
models/stance-minilm; it runs on onnxruntime + tokenizers alone. Any Hugging Face NLI cross-encoder can stand
in through HuggingFaceStanceModel, loaded lazily with sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from claims.vocabulary import AGREES, CONFLICTS, DISCUSSES, STANCES

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "stance-minilm"
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


class ModelIntegrityError(RuntimeError):
    """The model file on disk is not the one its config.json describes."""


@dataclass(frozen=True, slots=True)
class StanceConfig:
    """The parameters stored beside an ONNX stance model."""

    model_id: str
    labels: tuple[str, ...]
    max_length: int
    bias: tuple[float, ...]  # added to the logits before softmax; fitted on held-out training claims
    onnx_sha256: str


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


def length_buckets(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Group indices into batches of similar length, so padding stays short."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_stance_config(folder: Path) -> StanceConfig:
    """Read config.json of an ONNX stance model folder."""
    raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    labels = tuple(raw["labels"])
    return StanceConfig(
        model_id=raw["model_id"],
        labels=labels,
        max_length=int(raw["max_length"]),
        bias=tuple(float(b) for b in raw.get("bias", [0.0] * len(labels))),
        onnx_sha256=raw["onnx_sha256"],
    )


def verify_model_file(path: Path, expected_sha256: str) -> None:
    """Refuse a model file whose sha256 differs from the one recorded in its config."""
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelIntegrityError(
            f"{path} has sha256 {actual}, but its config.json expects {expected_sha256}: the model file is damaged "
            "or was replaced. Restore models/stance-minilm from the repository or rebuild it with "
            "training/train_stance.py."
        )


class OnnxStanceModel:
    """The shipped int8 ONNX cross-encoder, run with onnxruntime and a tokenizers tokenizer."""

    def __init__(self, path: Path | str = DEFAULT_MODEL_DIR, *, threads: int = 2, batch_size: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(path)
        self.config = load_stance_config(folder)
        verify_model_file(folder / "model.onnx", self.config.onnx_sha256)
        self.model_id = self.config.model_id
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.config.max_length, strategy="longest_first")
        self._pad_id = self._tokenizer.token_to_id("[PAD]") or 0
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._bias = np.asarray(self.config.bias, dtype=np.float32)

    def _batch_arrays(self, encodings: Sequence) -> dict[str, np.ndarray]:
        """Pad a batch of encodings to its longest member."""
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n], types[row, :n], mask[row, :n] = enc.ids, enc.type_ids, 1
        arrays = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return {name: value for name, value in arrays.items() if name in self._inputs}

    def logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Raw logits with the calibrated bias added, one row per pair, in input order."""
        out = np.zeros((len(pairs), len(self.config.labels)), dtype=np.float32)
        if not pairs:
            return out
        encodings = self._tokenizer.encode_batch([(evidence, claim) for evidence, claim in pairs])
        for batch in length_buckets([len(e.ids) for e in encodings], self.batch_size):
            (result,) = self._session.run(["logits"], self._batch_arrays([encodings[i] for i in batch]))
            out[batch] = result
        return out + self._bias

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


def load_stance_model(spec: str | None = None) -> StanceModel:
    """Load a stance model: None -> the shipped ONNX model; 'hf:NAME' or a Hugging Face id -> an NLI cross-encoder.

    A folder with a config.json that records an onnx_sha256 loads as an ONNX stance model.
    Example: load_stance_model("hf:cross-encoder/nli-deberta-v3-xsmall")
    """
    if spec is None or spec in ("", "default"):
        return OnnxStanceModel(DEFAULT_MODEL_DIR)
    if spec.startswith("hf:"):
        return HuggingFaceStanceModel(spec[3:])
    if spec.startswith("onnx:"):
        return OnnxStanceModel(Path(spec[5:]))
    folder = Path(spec)
    config = folder / "config.json"
    if config.is_file() and "onnx_sha256" in json.loads(config.read_text(encoding="utf-8")):
        return OnnxStanceModel(folder)
    return HuggingFaceStanceModel(spec)
