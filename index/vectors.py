"""A FAISS inner-product index whose ids are passage ids, saved with a JSON sidecar that guards its use."""

from __future__ import annotations

import ctypes
import json
import mmap
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from index.files import replace_atomically
from index.kmeans import nearest_centroids, spherical_kmeans
from index.rerank import RerankRows, rerank_path


class IndexMismatchError(RuntimeError):
    """The saved index was built differently from what is configured now."""


class IndexDamagedError(IndexMismatchError):
    """The saved index or its sidecar is missing, truncated, corrupt or disagrees with itself: rebuild it."""

    def __init__(self, problem: str, rebuild_hint: str = "") -> None:
        super().__init__(f"{problem}; rebuild with: {rebuild_hint}" if rebuild_hint else problem)
        self.problem = problem


# Exact search is fast and perfect up to a few hundred thousand vectors; past that an inverted-file index searches
# a fraction of its lists, its vectors in compact codes (IVF_CODES).
ANN_MIN_VECTORS = 200_000
DEFAULT_NPROBE = 48
# An import adds each file's vectors while the next file is embedded: the lists of an IVF index are then found on
# one BLAS thread, which leaves the embedder its cores. ONNX embedding beside a thread adding 2,000 vectors every
# 0.2 s to an IVF-PQ index (2,048 lists), three alternating rounds (2026-12-07): 448 / 390 / 445 texts/s with one
# thread, 329 / 302 / 430 with two, 306 / 306 / 324 with FAISS's own add, 459 / 443 / 499 with nothing beside it.
ADD_THREADS = 1
TRAIN_POINTS_PER_LIST = 64
# How an IVF index codes its vectors: "sq8", one byte per dimension (384 bytes for MiniLM), or "pq", product
# quantisation with one byte per PQ_DIMS_PER_CODE dimensions (48 bytes; the workbench's default,
# workbench.config.Settings.vector_codes). PQ's scores are coarser, so searches rank again by the vectors themselves,
# which an IVF-PQ index keeps as float16 rows in a file beside it (index.rerank; 768 more bytes a vector, on disk).
IVF_CODES = ("sq8", "pq")
PQ_DIMS_PER_CODE = 8
# Each PQ code book has 256 centroids, and FAISS's k-means wants 39 training points per centroid: with fewer
# vectors an index asked for product codes gets scalar codes.
PQ_MIN_VECTORS = 39 * 256


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """What the sidecar records about a saved index."""

    model: str
    dimension: int
    count: int
    kind: str = "flat-ip"  # or "ivf-sq8" / "ivf-pq": inverted lists over scalar- or product-quantised vectors
    nlist: int = 0
    nprobe: int = 0

    def mismatch(self, model: str, dimension: int) -> str | None:
        """Why the index this describes cannot serve the configured model; None when it can."""
        if self.model == model and self.dimension == dimension:
            return None
        return (
            f"built with model {self.model!r} (dimension {self.dimension}) but the configured model is {model!r} "
            f"(dimension {dimension})"
        )


@dataclass(frozen=True, slots=True)
class IdFingerprint:
    """A set of passage ids in three numbers: how many, their sum and the sum of their squares, both modulo 2**64.

    Two sets that differ give different fingerprints unless the difference is contrived; equal sets always give
    the same one. It lets the index be checked against DuckDB without holding both id lists in memory (at 1M
    passages the two lists and their set differences held 90 MB of a serving process, measured).
    """

    count: int
    total: int
    squares: int


def fingerprint_of(ids: np.ndarray) -> IdFingerprint:
    """The fingerprint of these ids (uint64 arithmetic wraps, which is the modulo)."""
    values = np.asarray(ids).astype(np.uint64)
    return IdFingerprint(len(values), int(values.sum(dtype=np.uint64)), int((values * values).sum(dtype=np.uint64)))


def lists_for(count: int) -> int:
    """Number of inverted lists for count vectors: about 4 * sqrt(count), a power of two."""
    return int(2 ** round(np.log2(max(4 * np.sqrt(count), 64))))


def training_positions(count: int) -> np.ndarray:
    """Which of count vectors (in id order) train an IVF index over them: a fixed random sample, sorted, so a
    build that streams its vectors from the store trains on the very ones an in-memory build would."""
    sample = min(count, lists_for(count) * TRAIN_POINTS_PER_LIST)
    return np.sort(np.random.default_rng(0).choice(count, sample, False))


def train_ivf(sample: np.ndarray, count: int, codes: str = "sq8") -> faiss.IndexIVF:
    """An empty IVF index for count vectors, trained on sample: 8-bit scalar codes, or product codes when codes is
    "pq", the dimension splits into PQ_DIMS_PER_CODE and count reaches PQ_MIN_VECTORS."""
    if codes not in IVF_CODES:
        raise ValueError(f"vector codes {codes!r}: expected one of {', '.join(IVF_CODES)}")
    sample = np.ascontiguousarray(sample, dtype=np.float32)
    dimension, nlist = sample.shape[1], lists_for(count)
    quantizer = faiss.IndexFlatIP(dimension)
    # Centroids from index.kmeans, so FAISS's train() skips its own k-means ("does not need training") and only
    # trains the codes. For 1M passages (262,144 sample vectors, 4,096 lists, product codes) training takes 58 s
    # here against 232 s with FAISS's k-means, and `workbench reindex` of the benchmark's 1M database 102-110 s
    # against 272 s (2026-12-07, side by side).
    quantizer.add(spherical_kmeans(sample, nlist))
    if codes == "pq" and dimension % PQ_DIMS_PER_CODE == 0 and count >= PQ_MIN_VECTORS:
        ivf = faiss.IndexIVFPQ(
            quantizer, dimension, nlist, dimension // PQ_DIMS_PER_CODE, 8, faiss.METRIC_INNER_PRODUCT
        )
    else:
        ivf = faiss.IndexIVFScalarQuantizer(
            quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
    ivf.train(sample)
    return ivf


def index_bytes(index: faiss.Index) -> bytes:
    """A FAISS index as bytes, to send to another process or machine."""
    return faiss.serialize_index(index).tobytes()


def index_from_bytes(data: bytes) -> faiss.Index:
    """A FAISS index back from index_bytes."""
    return faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))


def encode_shard(trained: bytes, ids: np.ndarray, vectors: np.ndarray) -> bytes:
    """Code one shard of vectors into a copy of a trained, empty IVF index (index_bytes): where each vector's list
    is and its codes, the costly part of building a large index, which workers can do side by side."""
    shard = index_from_bytes(trained)
    add_to_index(shard, ids, vectors, flat_centroids(shard))
    return index_bytes(shard)


def flat_centroids(index: faiss.Index) -> np.ndarray | None:
    """The centroids of an IVF index whose quantizer is exact (float32, nlist x dimension); None for any other."""
    ivf = faiss.downcast_index(index)
    if not isinstance(ivf, faiss.IndexIVF):  # an exact index, or one wrapped round an IVF index
        return None
    quantizer = faiss.downcast_index(ivf.quantizer)
    return quantizer.reconstruct_n(0, ivf.nlist) if isinstance(quantizer, faiss.IndexFlat) else None


def add_to_index(
    index: faiss.Index,
    ids: np.ndarray,
    vectors: np.ndarray,
    centroids: np.ndarray | None = None,
    *,
    threads: int | None = None,
) -> None:
    """Add unit vectors under these ids. Given the centroids of an IVF index with an exact quantizer
    (flat_centroids), each vector's list is found by index.kmeans, on at most `threads` BLAS threads, and FAISS only
    codes them: the same lists, 4x faster than FAISS's own search finds them here. Without centroids FAISS adds them
    its own way."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if centroids is None:
        index.add_with_ids(vectors, ids)
        return
    lists = nearest_centroids(vectors, centroids, threads=threads)
    faiss.downcast_index(index).add_core(len(ids), faiss.swig_ptr(vectors), faiss.swig_ptr(ids), faiss.swig_ptr(lists))


def merge_shards(model: str, trained: bytes, shards: Iterable[bytes], *, nprobe: int = DEFAULT_NPROBE) -> VectorIndex:
    """One index from the shards encode_shard coded with the same trained index, their lists joined in the order
    given: the same index as one that added every shard's vectors in that order."""
    merged = index_from_bytes(trained)
    for shard in shards:
        merged.merge_from(index_from_bytes(shard), 0)  # neither holds a map of its ids (it cannot merge)
    return VectorIndex(model, merged.d, merged, nprobe=nprobe)


def _rerank_rows(home: Path | None, dimension: int) -> RerankRows:
    """Re-rank rows spooled to a file beside home, or held in memory until saved where no file can be written."""
    if home is not None:
        try:
            return RerankRows.spooled(home, dimension)
        except OSError:
            pass
    return RerankRows(dimension)


def _madvise(address: int, length: int, advice: int) -> None:
    """madvise(2) on memory that FAISS mapped (Python's mmap.madvise only reaches maps Python made); advice only,
    so a failure is ignored."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    libc.madvise(address, length, advice)


def sidecar_path(path: Path) -> Path:
    """Return the JSON file that describes the index at path."""
    return path.with_name(path.name + ".json")


class VectorIndex:
    """Cosine search over unit vectors (inner product), keyed by passage id: exact, or IVF above a size."""

    def __init__(
        self,
        model: str,
        dimension: int,
        index: faiss.Index | None = None,
        *,
        nprobe: int = DEFAULT_NPROBE,
        rerank: RerankRows | None = None,
    ) -> None:
        self.model = model
        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        ivf = faiss.try_extract_index_ivf(self._index)
        self._ivf = None if ivf is None else faiss.downcast_index(ivf)
        if self._ivf is not None and self._ivf.direct_map.type != faiss.DirectMap.NoMap:
            self._ivf.set_direct_map_type(faiss.DirectMap.NoMap)  # a file saved with its id map sheds it (vectors_for)
        self.nprobe = nprobe
        self._centroids: np.ndarray | None = None  # an IVF index's, read once its first vectors are added
        # An IVF-PQ index's float16 rows for re-ranking; None for other kinds, and for an IVF-PQ file saved before
        # the rows existed (its searches re-rank from the store, as they did then, until `workbench reindex`).
        self._rerank = rerank if self.codes == "pq" else None

    @property
    def nprobe(self) -> int:
        """How many inverted lists an IVF search visits (more: slower, closer to exact)."""
        return self._nprobe

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        self._nprobe = value
        if self._ivf is not None:
            self._ivf.nprobe = value

    @classmethod
    def build(
        cls,
        model: str,
        ids: np.ndarray,
        vectors: np.ndarray,
        *,
        ann_min: int = ANN_MIN_VECTORS,
        codes: str = "sq8",
        home: Path | None = None,
    ) -> VectorIndex:
        """Index these vectors: exactly below ann_min of them, with a trained IVF index from there on, its vectors
        in 8-bit scalar codes, or in product codes when codes is "pq" and there are PQ_MIN_VECTORS to train them.
        home is where the index will be saved: product codes' re-rank rows go to a file there as they come."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(ids) < ann_min:
            built = cls(model, vectors.shape[1])
        else:
            trained = train_ivf(vectors[training_positions(len(ids))], len(ids), codes)
            rows = _rerank_rows(home, vectors.shape[1]) if isinstance(trained, faiss.IndexIVFPQ) else None
            built = cls(model, vectors.shape[1], trained, rerank=rows)
        built.add(ids, vectors, threads=None)  # a build has the machine to itself
        return built

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def kind(self) -> str:
        """'flat-ip' (exact), 'ivf-sq8' or 'ivf-pq' (approximate)."""
        if self._ivf is None:
            return "flat-ip"
        return "ivf-pq" if isinstance(self._ivf, faiss.IndexIVFPQ) else "ivf-sq8"

    @property
    def codes(self) -> str | None:
        """How an IVF index codes its vectors ('sq8' or 'pq'); None for the exact index."""
        return None if self._ivf is None else self.kind.removeprefix("ivf-")

    @property
    def info(self) -> IndexInfo:
        """The sidecar content for the index as it is now."""
        if self._ivf is None:
            return IndexInfo(model=self.model, dimension=self.dimension, count=len(self))
        return IndexInfo(self.model, self.dimension, len(self), self.kind, int(self._ivf.nlist), self.nprobe)

    def ids(self) -> np.ndarray:
        """Return the stored passage ids (insertion order for the exact index, list order for IVF)."""
        if self._ivf is None:
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        lists = self._ivf.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(self._ivf.nlist)
            if lists.list_size(i)
        ]
        self._drop_mapped_pages()
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    def fingerprint(self) -> IdFingerprint:
        """The fingerprint of the stored ids, list by list, without gathering them into one array."""
        if self._ivf is None:
            return fingerprint_of(faiss.vector_to_array(self._index.id_map))
        lists, count, total, squares = self._ivf.invlists, 0, 0, 0
        for i in range(self._ivf.nlist):
            if lists.list_size(i):
                part = fingerprint_of(faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)))
                count, total, squares = count + part.count, total + part.total, squares + part.squares
        self._drop_mapped_pages()
        return IdFingerprint(count, total % 2**64, squares % 2**64)

    def vectors(self) -> np.ndarray:
        """Return the stored vectors of the exact index, in the order of ids()."""
        if self._ivf is not None:
            raise ValueError("an IVF index keeps compressed codes, not the vectors")
        flat = faiss.downcast_index(self._index.index)
        return faiss.vector_to_array(flat.codes).view(np.float32).reshape(len(self), self.dimension)

    def vectors_for(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vector of each id the index holds (decoded from its codes in an IVF index).

        An IVF index finds a vector by id through a map of every id it holds, built here on first use: serving
        never asks (a check reads the stored vectors instead), and the map costs 39 MB at 1M vectors (measured).
        """
        if self._ivf is not None and self._ivf.direct_map.type == faiss.DirectMap.NoMap:
            self._ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        found = {}
        for pid in ids:
            try:
                found[int(pid)] = self._index.reconstruct(int(pid))
            except RuntimeError:  # not in the index
                continue
        return found

    def grown(self, *, ann_min: int = ANN_MIN_VECTORS, codes: str = "sq8", home: Path | None = None) -> VectorIndex:
        """This index, or an IVF one (codes: IVF_CODES; home: see build) over the same vectors once an exact index
        has reached ann_min."""
        if self._ivf is not None or len(self) < ann_min:
            return self
        return VectorIndex.build(self.model, self.ids(), self.vectors(), ann_min=ann_min, codes=codes, home=home)

    def add(self, ids: np.ndarray, vectors: np.ndarray, *, threads: int | None = ADD_THREADS) -> None:
        """Add unit vectors under the given passage ids (an IVF index's lists found on at most `threads` BLAS
        threads; None: all)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise ValueError(f"expected vectors of dimension {self.dimension}, got shape {vectors.shape}")
        if len(ids):
            self._own_lists()
            if self._ivf is not None and self._centroids is None:
                self._centroids = flat_centroids(self._index)
            add_to_index(self._index, ids, vectors, self._centroids, threads=threads)
            if self._rerank is not None:
                self._rerank.add(ids, vectors)

    def remove(self, ids: np.ndarray) -> int:
        """Remove passage ids; return how many were present."""
        if not len(ids):
            return 0
        self._own_lists()
        return int(self._index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64)))

    def attach_rerank(self, rows: RerankRows) -> None:
        """Take these rows (a build that spooled them as it coded the index's shards) as the IVF-PQ index's own."""
        if self.codes == "pq":
            self._rerank = rows

    def rerank_vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The vectors an IVF-PQ index keeps to re-rank by (float16, as float32), for the ids it has them for;
        empty for other kinds, whose codes rank well enough, and for an IVF-PQ file saved before it kept them."""
        return {} if self._rerank is None else self._rerank.vectors(ids)

    @property
    def mapped(self) -> bool:
        """Whether the IVF lists are read from the saved file as the OS pages them in, not held in memory."""
        return self._ivf is not None and isinstance(
            faiss.downcast_InvertedLists(self._ivf.invlists), faiss.OnDiskInvertedLists
        )

    def _drop_mapped_pages(self) -> None:
        """Hand back the pages of the mapped file that a pass over every list (fingerprint, ids) brought in: they
        stay in the OS page cache, but no longer count in this process's memory until a search touches them. At 1M
        the fingerprint at load maps 139 of the file's 395 MB (the kernel maps 64 KB around each list's ids)."""
        if not self.mapped or not hasattr(mmap, "MADV_DONTNEED"):
            return
        lists = faiss.downcast_InvertedLists(self._ivf.invlists)
        _madvise(int(lists.ptr), int(lists.totsize), mmap.MADV_DONTNEED)

    def _own_lists(self) -> None:
        """Copy mapped lists into memory before the index changes or is written: FAISS's mapped lists are read-only
        (a write aborts the process) and cannot be saved as they are."""
        if not self.mapped:
            return
        mapped = self._ivf.invlists
        owned = faiss.ArrayInvertedLists(mapped.nlist, mapped.code_size)
        for i in range(mapped.nlist):
            size = mapped.list_size(i)
            if size:
                owned.add_entries(i, size, mapped.get_ids(i), mapped.get_codes(i))
        self._ivf.replace_invlists(owned, True)
        owned.this.disown()  # the index frees it now

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Return up to k (passage_id, cosine) pairs, best first."""
        if k <= 0 or len(self) == 0:
            return []
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        scores, ids = self._index.search(query, min(k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def save(self, path: Path) -> None:
        """Write the index and its sidecar atomically (a reader never sees half a file), file first.

        Each save writes its own temporary files, so two processes saving at once cannot mix their bytes, and
        flushes them to disk before the rename, so a crash cannot leave a renamed but truncated file.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        self._own_lists()
        if self._rerank is not None:  # first: an index on disk never names a passage whose row is not
            self._rerank.save(path)
        elif self.codes != "pq":  # rows an IVF-PQ index this one replaces left behind (768 MB at 1M)
            rerank_path(path).unlink(missing_ok=True)
        replace_atomically(path, lambda tmp: faiss.write_index(self._index, str(tmp)))
        sidecar = (json.dumps(asdict(self.info), indent=2) + "\n").encode()
        replace_atomically(sidecar_path(path), lambda tmp: tmp.write_bytes(sidecar))

    def disagreement(self, info: IndexInfo) -> str | None:
        """How this index differs from the sidecar that describes it (count, dimension, kind); None when it agrees."""
        if (len(self), self.dimension, self.kind) == (info.count, info.dimension, info.kind):
            return None
        return (
            f"holds {len(self)} vectors of dimension {self.dimension} ({self.kind}), its sidecar says "
            f"{info.count} of dimension {info.dimension} ({info.kind})"
        )

    @classmethod
    def load(cls, path: Path, *, model: str, dimension: int, rebuild_hint: str) -> VectorIndex:
        """Read a saved index, refusing one built with another model or dimension.

        rebuild_hint is the command that rebuilds it, quoted in the error message. A missing or unreadable
        sidecar, a file FAISS cannot read, or a file that disagrees with its sidecar raises IndexDamagedError.
        """
        info = read_sidecar(path, rebuild_hint)
        wrong = info.mismatch(model, dimension)
        if wrong:
            raise IndexMismatchError(f"{path} was {wrong}; rebuild with: {rebuild_hint}")
        loaded = cls.read(path, model, rebuild_hint, nprobe=info.nprobe)
        damage = loaded.disagreement(info)
        if damage:
            raise IndexDamagedError(f"{path} {damage}", rebuild_hint)
        return loaded

    @classmethod
    def read(cls, path: Path, model: str, rebuild_hint: str = "", *, nprobe: int = 0) -> VectorIndex:
        """Read a FAISS file as it is, without its sidecar's checks; a truncated or corrupt one: IndexDamagedError.

        An IVF index's lists stay in the file, mapped (faiss.IO_FLAG_MMAP): a search pages in only the lists it
        probes, so serving 1M passages does not hold all 384 MB of codes, and the OS can drop those clean pages
        when memory is short. The workbench replaces the file by renaming a new one over it (save), which leaves a
        mapped file intact; copying over it in place while a process has it mapped would not.
        """
        try:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        except RuntimeError as exc:
            # FAISS checks every length it reads and raises "Error in <function> at <source>: Error: '<check>'
            # failed: <reason>"; the reason is the part worth a line.
            reason = str(exc).rsplit("failed: ", 1)[-1].replace(f" in {path}", "").replace(" (Success)", "")
            raise IndexDamagedError(f"{path}: truncated or corrupt FAISS file ({reason[:120]})", rebuild_hint) from exc
        rows = rerank_path(path)
        rerank = RerankRows(index.d, rows) if rows.exists() else None
        return cls(model, index.d, index, nprobe=nprobe or DEFAULT_NPROBE, rerank=rerank)


def read_sidecar(path: Path, rebuild_hint: str = "") -> IndexInfo:
    """Read the sidecar of the index at path; a missing or unreadable one raises IndexDamagedError."""
    side = sidecar_path(path)
    try:
        return IndexInfo(**json.loads(side.read_text()))
    except (OSError, ValueError, TypeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise IndexDamagedError(f"{side}: missing or unreadable index description ({reason})", rebuild_hint) from exc
