"""Keep the FAISS index (a cache) in step with the embeddings stored in DuckDB, and rebuild both indexes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from index.embedders import Embedder
from index.vectors import IndexMismatchError, VectorIndex
from workbench import store
from workbench.config import Settings
from workbench.db import Connection, open_db, transaction

EMBED_BATCH = 512


def load_vector_index(con: Connection, settings: Settings, embedder: Embedder) -> VectorIndex:
    """Load the saved FAISS index, or start an empty one, and bring it in step with DuckDB.

    DuckDB is the truth: ids it has but the file lacks (an import cut short) are added from the stored
    embeddings, ids it lacks are dropped. A different model, or passages never embedded with the
    configured model, are refused with the command that rebuilds.
    """
    path = settings.vector_index_path
    if path.exists():
        vindex = VectorIndex.load(
            path, model=embedder.model_id, dimension=embedder.dimension, rebuild_hint=settings.rebuild_hint
        )
    else:
        vindex = VectorIndex(embedder.model_id, embedder.dimension)
    missing = store.count_missing_embeddings(con, embedder.model_id)
    if missing:
        raise IndexMismatchError(
            f"{missing} passages have no embedding from {embedder.model_id!r}; embed them with: {settings.rebuild_hint}"
        )
    db_ids = store.embedding_ids(con, embedder.model_id)
    have = vindex.ids()
    vindex.remove(np.setdiff1d(have, db_ids))
    absent = np.setdiff1d(db_ids, have)
    if len(absent):
        vindex.add(*store.load_embeddings(con, embedder.model_id, absent))
    return vindex


@dataclass(frozen=True, slots=True)
class ReindexReport:
    """What a rebuild did."""

    embedded: int
    vectors: int
    model: str


def reindex(
    settings: Settings,
    embedder: Embedder,
    *,
    re_embed: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ReindexReport:
    """Rebuild the FAISS index and the BM25 index from DuckDB, embedding passages that lack a vector.

    With re_embed, every passage is embedded again (after a model upgrade with the same name).
    """
    with open_db(settings.db_path) as con:
        if re_embed:
            store.delete_embeddings(con, embedder.model_id)
        todo = store.passages_missing_embedding(con, embedder.model_id)
        for start in range(0, len(todo), EMBED_BATCH):
            batch = todo[start : start + EMBED_BATCH]
            vectors = embedder.embed([text for _, text in batch])
            with transaction(con):
                store.insert_embeddings(con, np.array([pid for pid, _ in batch]), embedder.model_id, vectors)
            if progress:
                progress(min(start + EMBED_BATCH, len(todo)), len(todo))
        ids, vectors = store.load_embeddings(con, embedder.model_id)
        vindex = (
            VectorIndex.build(embedder.model_id, ids, vectors, ann_min=settings.ann_min_vectors)
            if len(ids)
            else VectorIndex(embedder.model_id, embedder.dimension)
        )
        vindex.save(settings.vector_index_path)
        store.rebuild_fulltext(con)
    return ReindexReport(embedded=len(todo), vectors=len(vindex), model=embedder.model_id)
