"""Check a claim: retrieve evidence, judge each passage (model + numbers), decide a verdict, store it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from claims.combine import combine, number_check
from claims.verdicts import DEFAULT_RULES, EvidenceStance, VerdictRules, decide
from index.embedders import Embedder
from index.vectors import VectorIndex
from workbench import store
from workbench.db import Connection, transaction
from workbench.errors import ClaimError
from workbench.models import CheckResult, Claim, EvidenceItem, Hit
from workbench.retrieval import search

DEFAULT_K = 10


class Prediction(Protocol):
    label: str
    confidence: float
    probabilities: dict[str, float]


class StanceJudge(Protocol):
    """What the pipeline needs of a stance model (claims.stance.StanceModel fits)."""

    model_id: str

    def predict(self, pairs: Sequence[tuple[str, str]]) -> Sequence[Prediction]: ...


def judge(claim: Claim, hits: Sequence[Hit], model: StanceJudge) -> list[EvidenceItem]:
    """Judge every retrieved passage against the claim in one batched model call."""
    predictions = model.predict([(hit.text, claim.text) for hit in hits]) if hits else []
    items = []
    for hit, prediction in zip(hits, predictions, strict=True):
        check, comparisons = number_check(claim.text, hit.text)
        combined = combine(prediction.label, prediction.probabilities, check, comparisons)
        after = bool(claim.claim_date and hit.published_at and hit.published_at.date() > claim.claim_date)
        items.append(
            EvidenceItem(
                hit, combined.stance, combined.confidence, combined.reason, combined.number_check, model.model_id, after
            )
        )
    return items


def verdict_for(claim: Claim, items: Sequence[EvidenceItem], rules: VerdictRules = DEFAULT_RULES) -> CheckResult:
    """Decide the verdict from judged evidence (comments shown, never counted)."""
    verdict = decide(
        [EvidenceStance(i.hit.passage_id, str(i.hit.article_id), i.stance, i.confidence, i.hit.kind) for i in items],
        rules,
    )
    return CheckResult(
        claim,
        verdict.label,
        verdict.confidence,
        verdict.reason,
        verdict.agreeing_sources,
        verdict.conflicting_sources,
        tuple(items),
    )


def check_claim(
    con: Connection,
    vindex: VectorIndex,
    embedder: Embedder,
    model: StanceJudge,
    claim_id: int,
    *,
    k: int = DEFAULT_K,
    save: bool = True,
) -> CheckResult:
    """Retrieve, judge and decide one stored claim; with save, append the check to its history."""
    claim = store.get_claim(con, claim_id)
    if claim is None:
        raise ClaimError(f"no claim with id {claim_id}")
    exclude = [claim.source_article_id] if claim.source_article_id is not None else []
    hits = search(con, vindex, embedder, claim.text, k=k, exclude_article_ids=exclude)
    result = verdict_for(claim, judge(claim, hits, model))
    if not save:
        return result
    with transaction(con):
        check_id = store.insert_check(con, result, stance_model=model.model_id, embedding_model=embedder.model_id)
    return replace(result, check_id=check_id)
