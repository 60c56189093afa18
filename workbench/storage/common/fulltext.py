"""BM25 scores from postings, the same on every backend: sum each passage's shares, drop excluded passages, keep
the best."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def top_scores(
    passage_ids: np.ndarray, shares: np.ndarray, excluded: Sequence[int], limit: int
) -> list[tuple[int, float]]:
    """Up to limit (passage_id, score) pairs, best first, ties by passage id; each score the sum of the passage's
    shares (idf * weight of each query term it holds). Summed with numpy, several times faster than a SQL GROUP BY
    when common terms bring hundreds of thousands of postings."""
    if not len(passage_ids):
        return []
    scores = np.bincount(passage_ids, weights=shares)
    if len(excluded):
        gone = np.asarray(excluded, dtype=np.int64)
        scores[gone[gone < len(scores)]] = 0.0
    found = np.flatnonzero(scores > 0)  # every BM25 score of a matching passage is positive
    if len(found) > limit:
        cut = np.partition(scores[found], len(found) - limit)[len(found) - limit]
        found = found[scores[found] >= cut]
    order = np.lexsort((found, -scores[found]))[:limit]
    return [(int(pid), float(scores[pid])) for pid in found[order]]
