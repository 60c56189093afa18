"""Hybrid retrieval: BM25 and dense neighbours fused by reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context

import numpy as np

from claims.quantities import find_quantities, spellings
from index.embedders import Embedder
from index.fusion import reciprocal_rank_fusion
from index.vectors import VectorIndex
from workbench.errors import ClaimError
from workbench.fulltext import to_search_text
from workbench.models import Claim, Hit
from workbench.stages import stage
from workbench.storage import Store

DEFAULT_CANDIDATES = 50
# An IVF-PQ index proposes this many times the neighbours asked for, and the stored vectors rank them. Measured on
# the 21,927 FNC-1 body passages (MiniLM vectors; 300 queries, each a passage's vector with a little noise): of the
# exact top 10, PQ alone finds 0.78, 4x re-ranked 0.97, 10x 0.98, as many as the SQ8 index (0.98, its probes the
# limit). On clustered random vectors (30,000) 0.41 / 0.80 / 0.99: 10x holds where PQ is worst.
PQ_RERANK = 10


def exact_vectors(store: Store, model: str, ids: Sequence[int]) -> dict[int, np.ndarray]:
    """The stored (exact) vectors of these passages from this model, by passage id."""
    found, vectors = store.load_embeddings(model, ids)
    return {int(pid): row for pid, row in zip(found, vectors, strict=True)}


def index_or_stored_vectors(store: Store | None, vindex: VectorIndex, ids: Sequence[int]) -> dict[int, np.ndarray]:
    """The vectors an IVF-PQ index keeps to re-rank by, and the stored ones of the passages it keeps none for (none
    read without a store)."""
    vectors = vindex.rerank_vectors(ids)
    missing = [pid for pid in ids if pid not in vectors]
    if missing and store is not None:
        vectors.update(exact_vectors(store, vindex.model, missing))
    return vectors


def faiss_depth(vindex: VectorIndex, k: int) -> int:
    """How many neighbours to ask FAISS for when k are wanted: more for an IVF-PQ index, whose codes are re-ranked."""
    return k * PQ_RERANK if vindex.codes == "pq" else k


def exact_ranked(
    store: Store, vindex: VectorIndex, query_vector: np.ndarray, found: list[tuple[int, float]], k: int
) -> list[tuple[int, float]]:
    """FAISS's neighbours as they are, or for an IVF-PQ index ranked again by their vectors (the index's float16
    rows, the store's for any it lacks): the best k."""
    if vindex.codes != "pq":
        return found[:k]
    vectors = index_or_stored_vectors(store, vindex, [pid for pid, _ in found])
    scored = sorted(((pid, float(np.dot(vectors[pid], query_vector))) for pid in vectors), key=lambda x: -x[1])
    return scored[:k]


def _faiss_candidates(
    vindex: VectorIndex, embedder: Embedder, query: str, query_vector: np.ndarray | None, k: int
) -> tuple[np.ndarray, list[tuple[int, float]]]:
    """The query's vector (embedded here unless given) and FAISS's candidates for k neighbours. It reads no store,
    so search runs it beside BM25."""
    if query_vector is None:
        with stage("embed"):
            query_vector = embedder.embed([query])[0]
    with stage("faiss"):
        return query_vector, vindex.search(query_vector, faiss_depth(vindex, k))


def lexical_query(query: str) -> str:
    """The BM25 query: the text with every number as one token, plus its measures in the other units news copy
    uses ("48 km" also asks for "30 miles"), so a passage in miles is found for a claim in kilometres."""
    extra = [spelling for quantity in find_quantities(query) for spelling in spellings(quantity)]
    return to_search_text(" ".join([query, *extra]))


def search(
    store: Store,
    vindex: VectorIndex,
    embedder: Embedder,
    query: str,
    *,
    k: int = 10,
    exclude_article_ids: Sequence[int] = (),
    candidates: int = DEFAULT_CANDIDATES,
    query_vector: np.ndarray | None = None,
) -> list[Hit]:
    """Return the k best passages for a query; comments included, marked by their kind.

    Each retriever proposes `candidates` passages from outside the excluded articles; their ranks are
    fused, so a passage both retrievers like beats one that only one of them found. query_vector is the
    query's embedding when the caller already has it.
    """
    if not query.strip() or k <= 0:
        return []
    depth = max(candidates, k)
    with stage("fetch"):
        excluded = set(store.passage_ids_of_articles(exclude_article_ids))
    wanted = depth + len(excluded)  # enough extra neighbours that removing the excluded article still leaves `depth`
    # Embedding and FAISS read no store, so they run on a worker thread while this one asks the store for BM25's
    # passages (DuckDB and PostgreSQL release the GIL while they search): a search takes the longer of the two
    # rather than their sum. A pool per search, so a process forked later never inherits a pool without threads.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-dense") as pool:
        nearest = pool.submit(copy_context().run, _faiss_candidates, vindex, embedder, query, query_vector, wanted)
        with stage("bm25"):
            lexical = store.bm25(lexical_query(query), depth, exclude_article_ids)
        query_vector, found = nearest.result()
    with stage("faiss"):
        neighbours = exact_ranked(store, vindex, query_vector, found, wanted)
    dense = [(pid, score) for pid, score in neighbours if pid not in excluded][:depth]
    fused = reciprocal_rank_fusion([[pid for pid, _ in lexical], [pid for pid, _ in dense]])[:k]
    ranks = {
        "bm25": {pid: rank for rank, (pid, _) in enumerate(lexical, start=1)},
        "dense": {pid: rank for rank, (pid, _) in enumerate(dense, start=1)},
    }
    with stage("fetch"):
        return store.hits_by_ids(fused, ranks)


def stored_claim(store: Store, claim_id: int) -> Claim:
    """The stored claim with this id; ClaimError when there is none."""
    claim = store.get_claim(claim_id)
    if claim is None:
        raise ClaimError(f"no claim with id {claim_id}")
    return claim


def evidence_for_claim(
    store: Store, vindex: VectorIndex, embedder: Embedder, claim_id: int, *, k: int = 10
) -> list[Hit]:
    """Rank evidence passages for a stored claim; a claim taken from an article never cites that article."""
    claim = stored_claim(store, claim_id)
    return search(store, vindex, embedder, claim.text, k=k, exclude_article_ids=claim.own_article_ids)
