"""A FAISS inner-product index whose ids are passage ids, saved with a JSON sidecar that guards its use."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np


class IndexMismatchError(RuntimeError):
    """The saved index was built differently from what is configured now."""


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """What the sidecar records about a saved index."""

    model: str
    dimension: int
    count: int
    kind: str = "flat-ip"


def sidecar_path(path: Path) -> Path:
    """Return the JSON file that describes the index at path."""
    return path.with_name(path.name + ".json")


class VectorIndex:
    """Exact cosine search over unit vectors (inner product), keyed by passage id."""

    def __init__(self, model: str, dimension: int, index: faiss.Index | None = None) -> None:
        self.model = model
        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def info(self) -> IndexInfo:
        """The sidecar content for the index as it is now."""
        return IndexInfo(model=self.model, dimension=self.dimension, count=len(self))

    def ids(self) -> np.ndarray:
        """Return the stored passage ids (in insertion order)."""
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add unit vectors under the given passage ids."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise ValueError(f"expected vectors of dimension {self.dimension}, got shape {vectors.shape}")
        if len(ids):
            self._index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> int:
        """Remove passage ids; return how many were present."""
        if not len(ids):
            return 0
        return int(self._index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64)))

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Return up to k (passage_id, cosine) pairs, best first."""
        if k <= 0 or len(self) == 0:
            return []
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        scores, ids = self._index.search(query, min(k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def save(self, path: Path) -> None:
        """Write the index and its sidecar atomically (a reader never sees half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self._index, str(tmp))
        os.replace(tmp, path)
        side = sidecar_path(path)
        side_tmp = side.with_name(side.name + ".tmp")
        side_tmp.write_text(json.dumps(asdict(self.info), indent=2) + "\n")
        os.replace(side_tmp, side)

    @classmethod
    def load(cls, path: Path, *, model: str, dimension: int, rebuild_hint: str) -> VectorIndex:
        """Read a saved index, refusing one built with another model or dimension.

        rebuild_hint is the command that rebuilds it, quoted in the error message.
        """
        side = sidecar_path(path)
        try:
            info = IndexInfo(**json.loads(side.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise IndexMismatchError(
                f"{side}: missing or unreadable index description ({exc}); rebuild with: {rebuild_hint}"
            ) from exc
        if info.model != model or info.dimension != dimension:
            raise IndexMismatchError(
                f"{path} was built with model {info.model!r} (dimension {info.dimension}) but the configured "
                f"model is {model!r} (dimension {dimension}); rebuild with: {rebuild_hint}"
            )
        index = faiss.read_index(str(path))
        if index.d != dimension or index.ntotal != info.count:
            raise IndexMismatchError(
                f"{path} holds {index.ntotal} vectors of dimension {index.d}, its sidecar says {info.count} "
                f"of dimension {info.dimension}; rebuild with: {rebuild_hint}"
            )
        return cls(model, dimension, index)
