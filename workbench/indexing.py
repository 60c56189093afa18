"""Keep the FAISS index and the full-text index (caches) in step with DuckDB, and rebuild them from it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.embedders import Embedder, shipped_model_id, spec_for_model_id
from index.rerank import RerankRows
from index.vectors import (
    IndexDamagedError,
    IndexMismatchError,
    VectorIndex,
    encode_shard,
    index_bytes,
    merge_shards,
    train_ivf,
    training_positions,
)
from workbench.config import Settings
from workbench.storage import Store, open_store

EMBED_BATCH = 512
# A save replaces the FAISS file, then its sidecar, a few milliseconds apart: a reader caught between the two
# sees them disagree once, and reads them again after this pause before calling the index damaged.
RELOAD_PAUSE_S = 0.2

log = logging.getLogger(__name__)
_warned: set[tuple[str, int, int]] = set()


def embedder_spec(settings: Settings) -> str | None:
    """The embedding model to load for settings (a load_embedder spec): the configured one; else the one whose
    vectors the database holds, so a database embedded before the ONNX default (PyTorch vectors) keeps working as it
    is; else None, the shipped default. `reindex --re-embed` moves a database to the configured or default model.
    """
    if settings.embedding_model or not (settings.is_server or Path(settings.db_path).exists()):
        return settings.embedding_model
    # A server's database may be new (no tables yet): a writable open creates them; a file is only read.
    with open_store(settings.db_path, read_only=not settings.is_server) as store:
        return spec_of_stored_vectors(store.embedding_counts())


def spec_of_stored_vectors(counts: Mapping[str, int]) -> str | None:
    """The spec of the model that made most of the stored vectors ({model: vectors}); None for the shipped default.

    With vectors from two models (a re-embedding cut short) the shipped default wins when it is one of them, so the
    rebuild hint (`reindex`) finishes the move instead of undoing it.
    """
    if not counts or shipped_model_id() in counts:
        return None
    return spec_for_model_id(max(counts, key=lambda model: counts[model]))


def load_vector_index(store: Store, settings: Settings, embedder: Embedder) -> VectorIndex:
    """Load the saved FAISS index, or start an empty one, and bring both indexes in step with DuckDB.

    DuckDB is the truth: ids it has but the file lacks (an import cut short) are added from the stored
    embeddings, ids it lacks are dropped, and on a writable connection the healed index is saved. A truncated or
    corrupt file (or sidecar) is rebuilt from the stored embeddings with one warning. A different model, or
    passages never embedded with the configured model, are refused with the command that rebuilds. The
    full-text index catches up too (see catch_up_fulltext).
    """
    vindex = _read_saved_index(store, settings, embedder)
    stored, missing = store.embedding_fingerprint(embedder.model_id)
    if missing:
        raise IndexMismatchError(
            f"{missing} passages have no embedding from {embedder.model_id!r}; embed them with: {settings.rebuild_hint}"
        )
    if vindex.fingerprint() != stored:  # the usual case is equal: the file holds what DuckDB holds
        _heal_ids(store, settings, embedder.model_id, vindex)
    catch_up_fulltext(store, settings)
    return vindex


def _heal_ids(store: Store, settings: Settings, model: str, vindex: VectorIndex) -> None:
    """Add the ids DuckDB has and the index lacks, drop the ones it lacks; a writer saves the healed index."""
    db_ids = store.embedding_ids(model)
    have = vindex.ids()
    extra, absent = np.setdiff1d(have, db_ids), np.setdiff1d(db_ids, have)
    vindex.remove(extra)
    if len(absent):
        vindex.add(*store.load_embeddings(model, absent))
    # Beside a DuckDB file only a writer saves: while an import runs, readers see the file behind DuckDB by design,
    # and heal in memory. A server store's index is this machine's own cache, so any process keeps what it healed.
    if (len(extra) or len(absent)) and (settings.is_server or not store.is_read_only()):
        vindex.save(settings.vector_index_path)


def _read_saved_index(store: Store, settings: Settings, embedder: Embedder) -> VectorIndex:
    """The saved index; an empty one when there is none; rebuilt from DuckDB (and saved) when it is damaged."""
    path = settings.vector_index_path
    if not path.exists():
        return VectorIndex(embedder.model_id, embedder.dimension)
    for attempt in range(2):
        try:
            return VectorIndex.load(
                path, model=embedder.model_id, dimension=embedder.dimension, rebuild_hint=settings.rebuild_hint
            )
        except IndexDamagedError as exc:
            if attempt == 0:
                time.sleep(RELOAD_PAUSE_S)
                continue
            damage = exc.problem
    vindex = build_vector_index(store, settings, embedder)
    try:
        vindex.save(path)
        done = "rebuilt it from the embeddings in DuckDB and saved it"
    except OSError as exc:
        done = f"rebuilt it from the embeddings in DuckDB for this run (cannot save it: {exc.strerror or exc})"
    log.warning("warning: %s; %s (%d vectors)", damage, done, len(vindex))
    return vindex


# A large index is built shard by shard, this many vectors at a time: the float vectors of a whole corpus need not
# fit in memory (1M of MiniLM's are 1.5 GB), only one shard's and the codes (48 or 384 bytes a vector).
SHARD_VECTORS = 50_000
Chunks = Iterator[tuple[np.ndarray, np.ndarray]]
# Codes shards of vectors into copies of a trained empty IVF index (index.vectors.encode_shard): here, one after
# another, or on Ray workers (workbench.distributed.ray_shard_encoder); the shards come back in chunk order.
ShardEncoder = Callable[[bytes, Chunks], Iterator[bytes]]


def encode_here(trained: bytes, chunks: Chunks) -> Iterator[bytes]:
    """Code each chunk's vectors in this process."""
    return (encode_shard(trained, ids, vectors) for ids, vectors in chunks)


def build_vector_index(
    store: Store, settings: Settings, embedder: Embedder, *, encode: ShardEncoder = encode_here
) -> VectorIndex:
    """Build the FAISS index over the embeddings DuckDB holds for the embedder's model: exact, or IVF when large.

    An IVF index is trained on a sample of the stored vectors, then its shards are coded by encode, SHARD_VECTORS
    vectors at a time read from the store, and joined: the same index the vectors added at once would give.
    """
    model = embedder.model_id
    ids = store.embedding_ids(model)
    if len(ids) < settings.ann_min_vectors:
        ids, vectors = store.load_embeddings(model)
        if not len(ids):
            return VectorIndex(model, embedder.dimension)
        return VectorIndex.build(model, ids, vectors, ann_min=settings.ann_min_vectors)
    _, sample = store.load_embeddings(model, ids[training_positions(len(ids))])
    empty = train_ivf(sample, len(ids), settings.vector_codes)
    trained = index_bytes(empty)
    # Product codes keep float16 rows to re-rank by (index.rerank), written as the shards stream past.
    rows = _spool(settings, empty.d) if isinstance(empty, faiss.IndexIVFPQ) else None
    vindex = merge_shards(model, trained, encode(trained, _spooling(store, model, ids, rows)))
    if rows is not None:
        vindex.attach_rerank(rows)
    return vindex


def _spool(settings: Settings, dimension: int) -> RerankRows | None:
    """Rows for the index a build will save beside the database; None where no file can be written there (a
    rebuild for this run only re-ranks from the store)."""
    try:
        return RerankRows.spooled(settings.vector_index_path, dimension)
    except OSError as exc:
        log.warning("warning: cannot write the index's re-rank rows beside it (%s); re-ranking from the database", exc)
        return None


def _spooling(store: Store, model: str, ids: np.ndarray, rows: RerankRows | None) -> Chunks:
    """The stored vectors of ids, SHARD_VECTORS at a time, each chunk's rows written to rows first when given."""
    for start in range(0, len(ids), SHARD_VECTORS):
        chunk = store.load_embeddings(model, ids[start : start + SHARD_VECTORS])
        if rows is not None:
            rows.write(*chunk)
        yield chunk


def catch_up_fulltext(store: Store, settings: Settings) -> bool:
    """Rebuild the BM25 index when it does not cover the stored passages; True when it was rebuilt.

    An import rebuilds it once, after its last file, so one killed or failed before then leaves committed
    passages that keyword search cannot find. On a writable connection the rebuild happens here; a read-only one
    (search, the app) cannot write, so it warns once, naming the command that fixes it: an import still running
    will also rebuild the index when it ends.
    """
    coverage = store.fulltext_coverage()
    if not coverage.behind:
        return False
    if not store.is_read_only():
        store.rebuild_fulltext()
        return True
    key = (str(settings.db_path), coverage.indexed, coverage.passages)
    if key not in _warned:
        _warned.add(key)
        log.warning(
            "warning: keyword search covers %d of %d passages in %s (an import still running adds the rest when "
            "it ends; otherwise run: workbench --db %s doctor --repair)",
            coverage.indexed,
            coverage.passages,
            settings.db_path,
            settings.db_path,
        )
    return False


@dataclass(frozen=True, slots=True)
class ReindexReport:
    """What a rebuild did."""

    embedded: int
    vectors: int
    model: str


def embed_missing(
    settings: Settings,
    embedder: Embedder,
    *,
    re_embed: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed the passages that lack a vector from the embedder's model (all of them with re_embed); return how many.

    The model runs with no connection open; each batch is written in its own short transaction, replacing the
    batch's old vectors, so every passage keeps a vector and searches beside a re-embedding keep working.
    """
    with open_store(settings.db_path) as store:
        todo = store.passage_texts() if re_embed else store.passages_missing_embedding(embedder.model_id)
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        vectors = embedder.embed([text for _, text in batch])
        with open_store(settings.db_path) as store, store.transaction():
            store.insert_embeddings(np.array([pid for pid, _ in batch]), embedder.model_id, vectors)
        if progress:
            progress(min(start + EMBED_BATCH, len(todo)), len(todo))
    return len(todo)


def rebuild_vector_index(settings: Settings, embedder: Embedder, *, encode: ShardEncoder = encode_here) -> VectorIndex:
    """Build the FAISS index from the embeddings in DuckDB (a large one's shards coded by encode) and save it with
    its sidecar."""
    with open_store(settings.db_path, read_only=True) as store:
        vindex = build_vector_index(store, settings, embedder, encode=encode)
    vindex.save(settings.vector_index_path)
    return vindex


def rebuild_fulltext(settings: Settings) -> None:
    """Rebuild the BM25 index over every stored passage (one transaction)."""
    with open_store(settings.db_path) as store:
        store.rebuild_fulltext()


def reindex(
    settings: Settings,
    embedder: Embedder,
    *,
    re_embed: bool = False,
    progress: Callable[[int, int], None] | None = None,
    encode: ShardEncoder = encode_here,
) -> ReindexReport:
    """Rebuild the FAISS index and the BM25 index from DuckDB, embedding passages that lack a vector.

    With re_embed, every passage is embedded again (after a model upgrade with the same name); encode codes a large
    index's shards (on Ray workers with workbench.distributed.ray_shard_encoder).
    """
    embedded = embed_missing(settings, embedder, re_embed=re_embed, progress=progress)
    vindex = rebuild_vector_index(settings, embedder, encode=encode)
    rebuild_fulltext(settings)
    return ReindexReport(embedded=embedded, vectors=len(vindex), model=embedder.model_id)
