"""Float16 copies of an IVF-PQ index's vectors in a file beside it, row i holding passage id i's vector.

Product codes are too coarse to rank by, so a search asks them for ten times the neighbours wanted and ranks those
again by their real vectors. Read from DuckDB, those few hundred scattered rows cost 0.65-2.6 s a search at 1M
passages whatever the SQL (2026-12-07); read from this file they are a few hundred reads of 768 bytes. The file
takes 2 bytes a dimension (768 MB for 1M MiniLM vectors), on disk: the rows searches read stay in the page cache,
not in the process.

A row is written once for its passage and never changes (a passage's vector from one model is fixed, and ids are
not reused), so rows are added in place, even while other processes read the file. A rebuild (a new model,
`reindex --re-embed`) writes a new file and renames it over the old one. A row never written reads as zeros, which
no unit vector is: it counts as missing, and the caller reads that passage's vector from the store.
"""

from __future__ import annotations

import os
import shutil
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from index.files import replace_atomically, temporary_beside

ROW_TYPE = np.dtype(np.float16)
# Rows held in memory before they go to the file, when there is one (50 MB of MiniLM rows): an import into a 1M
# index would otherwise hold all its rows, 768 MB, until it saves the index at its end.
SPILL_ROWS = 65_536


def rerank_path(index_path: Path) -> Path:
    """The file of re-rank rows beside the index at index_path."""
    return index_path.with_name(index_path.name + ".rerank")


class RerankRows:
    """The float16 rows of an index's vectors, by passage id: those in a file (read row by row) and those added
    since it was written, held in memory until save."""

    def __init__(self, dimension: int, file: Path | None = None, *, fresh: bool = False) -> None:
        self.dimension = dimension
        self._file = file  # the saved file, or with fresh a temporary one of this build's, renamed into place on save
        self._fresh = fresh
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._handle: BinaryIO | None = None  # the file open for reading, and its rows
        self._count = 0
        self._stale = True  # the file is to be (re)opened before the next read
        self._discard = weakref.finalize(self, _unlink, file) if fresh and file is not None else None

    @classmethod
    def spooled(cls, index_path: Path, dimension: int) -> RerankRows:
        """Rows for an index that a build will save at index_path, written to disk as they come (write) so a large
        build does not hold them in memory; the file is renamed into place when the index is saved there."""
        file = temporary_beside(rerank_path(index_path))
        file.parent.mkdir(parents=True, exist_ok=True)
        file.touch()
        return cls(dimension, file, fresh=True)

    @property
    def file(self) -> Path | None:
        """The file that holds the rows written so far."""
        return self._file

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Hold these passages' rows until the next save, or write them to the file once SPILL_ROWS are held (early
        rows are harmless: an index on disk never asks for a passage it does not hold)."""
        if len(ids):
            self._pending.append((np.asarray(ids, dtype=np.int64).copy(), _rows(vectors, self.dimension)))
        if self._file is not None and sum(len(ids) for ids, _ in self._pending) >= SPILL_ROWS:
            _patch(self._file, self._pending, self.dimension)
            self._pending, self._stale = [], True

    def write(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Write these passages' rows to the file now (a spooled build's)."""
        if self._file is None:
            raise ValueError("these rows have no file yet: add them, then save")
        _patch(self._file, [(np.asarray(ids, dtype=np.int64), _rows(vectors, self.dimension))], self.dimension)
        self._stale = True

    def vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The float32 vector of each of these passages that has a row (a later add wins)."""
        wanted = np.unique(np.asarray(ids, dtype=np.int64))
        found: dict[int, np.ndarray] = {}
        handle, count = self._open()
        inside = wanted[(wanted >= 0) & (wanted < count)] if handle is not None else wanted[:0]
        if len(inside):
            size = self.dimension * ROW_TYPE.itemsize
            # One read per row, in file order, through the page cache: a mapped file would count every page the
            # kernel maps around each one as this process's memory (723 MB of the 1M file after 64 searches' 500
            # rows, measured, against the 2 MB they are).
            data = b"".join(os.pread(handle.fileno(), size, int(pid) * size) for pid in inside)
            rows = np.frombuffer(data, dtype=ROW_TYPE).reshape(len(inside), self.dimension).astype(np.float32)
            for pid, row in zip(inside, rows, strict=True):
                if row.any():
                    found[int(pid)] = row
        for pending_ids, pending in self._pending:
            for i in np.flatnonzero(np.isin(pending_ids, wanted)):
                found[int(pending_ids[i])] = pending[i].astype(np.float32)
        return found

    def save(self, index_path: Path) -> None:
        """Write the rows beside the index at index_path: added to its file in place when they were read from
        there, otherwise into a new file renamed over it. Flushed to disk before it returns, so an index saved
        after it never names a passage whose row is not on disk."""
        target = rerank_path(index_path)
        if self._file == target and not self._fresh:
            _patch(target, self._pending, self.dimension)
        elif self._fresh and self._file is not None and self._file.parent == target.parent:
            _patch(self._file, self._pending, self.dimension)  # a spooled build's own file: renamed into place
            os.replace(self._file, target)
        else:
            replace_atomically(target, self._copy_with_pending)
        if self._discard is not None:
            self._discard.detach()
            self._discard = None
        self._file, self._fresh, self._pending, self._stale = target, False, [], True

    def _copy_with_pending(self, path: Path) -> None:
        """Fill path with the rows of the file held so far (if any) and those added since."""
        if self._file is not None and self._file.exists():
            shutil.copyfile(self._file, path)
        _patch(path, self._pending, self.dimension)

    def _open(self) -> tuple[BinaryIO | None, int]:
        """The file, open for reading (again after a write or save), and how many rows it holds."""
        if self._stale:
            self._stale = False
            if self._handle is not None:
                self._handle.close()
            self._handle, self._count = None, 0
            if self._file is not None and self._file.exists():
                self._handle = self._file.open("rb")
                self._count = os.fstat(self._handle.fileno()).st_size // (self.dimension * ROW_TYPE.itemsize)
        return self._handle, self._count


def _rows(vectors: np.ndarray, dimension: int) -> np.ndarray:
    rows = np.asarray(vectors, dtype=ROW_TYPE)
    if rows.ndim != 2 or rows.shape[1] != dimension:
        raise ValueError(f"expected vectors of dimension {dimension}, got shape {rows.shape}")
    return rows


def _patch(path: Path, chunks: Iterable[tuple[np.ndarray, np.ndarray]], dimension: int) -> None:
    """Write each chunk's rows at their ids into the file at path (created or grown as needed), then flush it."""
    chunks = [(ids, rows) for ids, rows in chunks if len(ids)]
    row_bytes = dimension * ROW_TYPE.itemsize
    with path.open("r+b" if path.exists() else "w+b") as fh:
        count = os.fstat(fh.fileno()).st_size // row_bytes
        needed = max([count, *(int(ids.max()) + 1 for ids, _ in chunks)])
        if needed * row_bytes != os.fstat(fh.fileno()).st_size:
            fh.truncate(needed * row_bytes)  # grown rows read as zeros: missing until written
        if chunks:
            rows_in_file = np.memmap(fh, dtype=ROW_TYPE, mode="r+", shape=(needed, dimension))
            for ids, rows in chunks:
                rows_in_file[ids] = rows
            rows_in_file.flush()
            del rows_in_file
        os.fsync(fh.fileno())


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)
