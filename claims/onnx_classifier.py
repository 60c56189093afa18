"""An int8 ONNX text classifier folder (a fine-tuned MiniLM exported by training/), run with onnxruntime and
tokenizers alone: the stance cross-encoder and the check-worthiness model are both one.

A folder holds model.onnx, tokenizer.json and config.json (model_id, labels in logit order, max_length, an optional
logit bias, the sha256 of model.onnx, checked at load, and whatever else the model's user reads from it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class ModelIntegrityError(RuntimeError):
    """The model file on disk is not the one its config.json describes."""


class ModelNotBuiltError(RuntimeError):
    """A model folder ships as a delta from a base encoder and its ONNX file has not been built (or is stale)."""


# A folder holding a low-rank delta from an installed base model (training/stance_delta.py) has this instead of
# config.json until it is built; the built config.json records the delta_sha256 it was built from.
DELTA_CONFIG = "delta.json"
BUILD_COMMAND = "python training/stance_delta.py build"


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """The parameters stored beside an ONNX classifier."""

    model_id: str
    labels: tuple[str, ...]
    max_length: int
    bias: tuple[float, ...]  # added to the logits before softmax; fitted on held-out training data
    onnx_sha256: str
    extra: dict = field(default_factory=dict)  # the rest of config.json, for the model's own user


def load_config(folder: Path) -> ClassifierConfig:
    """Read config.json of an ONNX classifier folder."""
    raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    labels = tuple(raw["labels"])
    known = {"model_id", "labels", "max_length", "bias", "onnx_sha256"}
    return ClassifierConfig(
        model_id=raw["model_id"],
        labels=labels,
        max_length=int(raw["max_length"]),
        bias=tuple(float(b) for b in raw.get("bias", [0.0] * len(labels))),
        onnx_sha256=raw["onnx_sha256"],
        extra={k: v for k, v in raw.items() if k not in known},
    )


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model_file(path: Path, expected_sha256: str) -> None:
    """Refuse a model file whose sha256 differs from the one recorded in its config."""
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelIntegrityError(
            f"{path} has sha256 {actual}, but its config.json expects {expected_sha256}: the model file is damaged "
            f"or was replaced. Restore {path.parent.name} from the repository or rebuild it with the training "
            "script its MODEL_CARD.md names."
        )


def length_buckets(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Group indices into batches of similar length, so padding stays short."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


class OnnxClassifier:
    """Logits of an ONNX classifier folder for texts or (text, text) pairs.

    Dynamic int8 quantisation scales activations per batch tensor, so batch_size=1 (the default) keeps a text's
    logits independent of the texts scored with it.
    """

    def __init__(self, folder: Path | str, *, threads: int = 2, batch_size: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.folder = folder
        if (folder / DELTA_CONFIG).is_file():
            check_built(folder)
        self.config = load_config(folder)
        verify_model_file(folder / "model.onnx", self.config.onnx_sha256)
        self.model_id = self.config.model_id
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.config.max_length, strategy="longest_first")
        # BERT pads with "[PAD]" (0), MPNet with "<pad>" (1); masked either way, but padded like training.
        pads = (self._tokenizer.token_to_id(token) for token in ("[PAD]", "<pad>"))
        self._pad_id = next((i for i in pads if i is not None), 0)
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

    def logits(self, inputs: Sequence[str] | Sequence[tuple[str, str]]) -> np.ndarray:
        """Raw logits with the config's bias added, one row per text or pair, in input order."""
        out = np.zeros((len(inputs), len(self.config.labels)), dtype=np.float32)
        if not inputs:
            return out
        encodings = self._tokenizer.encode_batch(list(inputs))
        for batch in length_buckets([len(e.ids) for e in encodings], self.batch_size):
            (result,) = self._session.run(["logits"], self._batch_arrays([encodings[i] for i in batch]))
            out[batch] = result
        return out + self._bias


def is_onnx_folder(folder: Path) -> bool:
    """True for a folder whose config.json records an onnx_sha256 (an exported classifier), or that ships as a delta
    (loading it names the build command when it has not been built from the delta it holds now)."""
    config = folder / "config.json"
    if (folder / DELTA_CONFIG).is_file():
        return True
    return config.is_file() and "onnx_sha256" in json.loads(config.read_text(encoding="utf-8"))


def check_built(folder: Path) -> None:
    """Refuse a delta folder whose ONNX model is missing or was built from another delta."""
    wanted = json.loads((folder / DELTA_CONFIG).read_text(encoding="utf-8"))["delta_sha256"]
    config = folder / "config.json"
    built = json.loads(config.read_text(encoding="utf-8")).get("delta_sha256") if config.is_file() else None
    if built != wanted:
        state = "has not been built" if built is None else "was built from another version of its delta"
        raise ModelNotBuiltError(
            f"{folder} ships as a delta from its base model and {state}: run `{BUILD_COMMAND} {folder}` "
            "(make run and make test do it)"
        )
