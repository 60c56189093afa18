"""Hybrid retrieval: BM25 and dense neighbours fused by reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence

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
    with stage("bm25"):
        lexical = store.bm25(lexical_query(query), depth, exclude_article_ids)
    with stage("fetch"):
        excluded = set(store.passage_ids_of_articles(exclude_article_ids))
    if query_vector is None:
        with stage("embed"):
            query_vector = embedder.embed([query])[0]
    with stage("faiss"):  # enough extra neighbours that removing the excluded article still leaves `depth`
        neighbours = vindex.search(query_vector, depth + len(excluded))
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
