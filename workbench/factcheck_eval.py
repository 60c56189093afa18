"""How well earlier fact-checks are matched: precision and recall on labelled claim pairs, per split.

tests/data/factcheck_matches.csv holds 60 pairs (a claim, an earlier fact-check's claim, whether they are the same
claim, and why), over the seed stories, the demo and common fact-check topics. Pairs are split by their claim
(workbench.news_data.stable_bucket), so no claim is on both sides: claims.matching was tuned on "train" only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from claims.matching import MATCH_THRESHOLD, score_match
from index.embedders import Embedder
from workbench.checkworthy_eval import precision_recall_f1
from workbench.news_data import stable_bucket
from workbench.tables import read_table

MATCH_PAIRS = Path(__file__).resolve().parents[1] / "tests" / "data" / "factcheck_matches.csv"
SPLITS = ("train", "test")


@dataclass(frozen=True, slots=True)
class MatchPair:
    claim: str
    factcheck: str
    same: bool
    why: str

    @property
    def split(self) -> str:
        return SPLITS[stable_bucket(self.claim, 2)]


@dataclass(frozen=True, slots=True)
class MatchReport:
    split: str
    pairs: int
    same: int
    precision: float
    recall: float
    f1: float
    misses: tuple[str, ...]  # one line per wrong decision


def load_match_pairs(path: Path = MATCH_PAIRS) -> list[MatchPair]:
    rows = read_table(path, ("claim", "factcheck", "match", "why"), what="the matching pairs")
    return [MatchPair(r["claim"], r["factcheck"], r["match"] == "1", r["why"]) for r in rows]


def evaluate_matching(
    pairs: list[MatchPair], embedder: Embedder, *, threshold: float = MATCH_THRESHOLD
) -> list[MatchReport]:
    """Score every pair as the workbench does (cosine of the embedder's vectors, then claims.matching)."""
    left = embedder.embed([p.claim for p in pairs])
    right = embedder.embed([p.factcheck for p in pairs])
    decided = [
        score_match(p.claim, p.factcheck, float(a @ b), threshold=threshold)
        for p, a, b in zip(pairs, left, right, strict=True)
    ]
    reports = []
    for split in SPLITS:
        rows = [(p, d) for p, d in zip(pairs, decided, strict=True) if p.split == split]
        precision, recall, f1 = precision_recall_f1([d.matched for _, d in rows], [p.same for p, _ in rows])
        misses = tuple(
            f"{'missed' if p.same else 'wrong'}: {p.claim} | {p.factcheck} ({d.reason}; {p.why})"
            for p, d in rows
            if p.same != d.matched
        )
        reports.append(MatchReport(split, len(rows), sum(p.same for p, _ in rows), precision, recall, f1, misses))
    return reports
