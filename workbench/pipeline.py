"""Check a claim: retrieve evidence, judge each passage (model + numbers; questions take no side, off-topic passages
are unrelated), decide, store."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from claims.combine import (
    MIN_ON_TOPIC_SIMILARITY,
    agree_on_restatement,
    combine,
    gate_off_topic,
    hold_figures_elsewhere,
    hold_place_elsewhere,
    hold_unasserted,
    number_check,
    off_topic_reason,
    turn_on_polarity,
)
from claims.stance import CascadeStanceModel
from claims.verdicts import DEFAULT_RULES, EvidenceStance, VerdictRules, decide
from claims.vocabulary import AGREES, CONFLICTS, UNKNOWN
from index.embedders import Embedder
from index.vectors import VectorIndex
from workbench.errors import ClaimError
from workbench.models import CheckResult, Claim, Correction, EvidenceItem, Hit, MachineStance, StoredCheck
from workbench.retrieval import index_or_stored_vectors, search, stored_claim
from workbench.stages import stage
from workbench.storage import Store, open_store

DEFAULT_K = 10
# The stance a passage's figures take on their own; "mixed" figures take none.
FIGURES_SAY = {"match": AGREES, "conflict": CONFLICTS}


class Prediction(Protocol):
    label: str
    confidence: float
    probabilities: dict[str, float]


class StanceJudge(Protocol):
    """What the pipeline needs of a stance model (claims.stance.StanceModel fits)."""

    model_id: str

    def predict(self, pairs: Sequence[tuple[str, str]]) -> Sequence[Prediction]: ...


def similarities(
    vindex: VectorIndex,
    embedder: Embedder,
    text: str,
    hits: Sequence[Hit],
    *,
    query_vector: np.ndarray | None = None,
    store: Store | None = None,
) -> list[float]:
    """Cosine similarity of a text to each hit's passage, from the passage vectors (missing ones embedded).

    query_vector is the text's embedding when the caller already has it. An exact or 8-bit index gives its
    vectors; product codes are too coarse for the on-topic gate, so with them the float16 rows the index re-ranks by
    are used (the store's vectors for passages it has none for; embedded afresh without a store). Reading the store
    for 8-bit codes too scanned the embeddings at 1M passages (check p50 104 -> 642 ms, serving peak 828 -> 2,940 MB
    in make bench-1m, 2026-12-06).
    """
    if not hits:
        return []
    ids = [hit.passage_id for hit in hits]
    with stage("faiss"):
        if vindex.model != embedder.model_id:
            vectors = {}
        elif vindex.codes == "pq":
            vectors = index_or_stored_vectors(store, vindex, ids)
        else:
            vectors = vindex.vectors_for(ids)
    missing = [hit for hit in hits if hit.passage_id not in vectors]
    with stage("embed"):
        if missing:
            found = embedder.embed([h.text for h in missing])
            vectors.update(zip((h.passage_id for h in missing), found, strict=True))
        query = embedder.embed([text])[0] if query_vector is None else query_vector
    return [float(np.dot(vectors[hit.passage_id], query)) for hit in hits]


def retrieve(
    store: Store,
    vindex: VectorIndex,
    embedder: Embedder,
    text: str,
    *,
    k: int = DEFAULT_K,
    exclude_article_ids: Sequence[int] = (),
) -> tuple[list[Hit], list[float]]:
    """The k best passages for a claim and each one's cosine similarity to it, the claim embedded once for both."""
    with stage("embed"):
        vector = embedder.embed([text])[0]
    hits = search(store, vindex, embedder, text, k=k, exclude_article_ids=exclude_article_ids, query_vector=vector)
    return hits, similarities(vindex, embedder, text, hits, query_vector=vector, store=store)


# On the benchmark's synthetic corpus MiniLM gives a side to all 20 passages of a check, and a second reading of each
# took the 1M check p50 to 489-506 ms; skipping the pairs settled this way, 142 ms (bench.run --serve-only,
# 2026-12-06). On the FNC-1 calibration stories the cascade scores 0.877 / 0.609 with the skip and 0.878 / 0.614
# without (MiniLM alone 0.858 / 0.586); the labelled news claims 91 of 115 either way.
def settled_without_reading(check: str | None, similarity: float | None, min_similarity: float | None) -> bool:
    """Whether a pair's stance is settled before a second model reads it: its figures match or conflict on the
    claim's subject (combine lets them decide), or the on-topic gate makes it unrelated."""
    return check in ("match", "conflict") or off_topic_reason(similarity, min_similarity) is not None


def judge(
    claim: Claim,
    hits: Sequence[Hit],
    model: StanceJudge,
    similarity: Sequence[float] | None = None,
    *,
    min_similarity: float | None = MIN_ON_TOPIC_SIMILARITY,
) -> list[EvidenceItem]:
    """Judge every retrieved passage against the claim in one batched model call.

    With the claim-passage similarities, a passage below min_similarity is off topic and comes out unrelated. A
    cascade's second model reads only the pairs whose stance its first model, the figures and the gate leave open.
    """
    gates = similarity if similarity is not None else [None] * len(hits)
    with stage("numbers"):
        checks = [number_check(claim.text, hit.text) for hit in hits]
    pairs = [(hit.text, claim.text) for hit in hits]
    with stage("stance"):
        if isinstance(model, CascadeStanceModel):
            settled = [
                settled_without_reading(c, sim, min_similarity) for (c, _), sim in zip(checks, gates, strict=True)
            ]
            predictions = model.predict(pairs, skip=settled)
        else:
            predictions = model.predict(pairs) if hits else []
    items = []
    for hit, prediction, sim, (check, comparisons) in zip(hits, predictions, gates, checks, strict=True):
        with stage("numbers"):  # the number check and the rules that read the text (polarity, questions)
            combined = combine(prediction.label, prediction.probabilities, check, comparisons, hit.text)
            combined = hold_figures_elsewhere(combined, claim.text, hit.text)
            combined = hold_place_elsewhere(combined, claim.text, hit.text)
            combined = turn_on_polarity(combined, claim.text, hit.text, prediction.probabilities)
            combined = agree_on_restatement(combined, claim.text, hit.text, prediction.probabilities)
            combined = gate_off_topic(hold_unasserted(combined, hit.text, claim.text), sim, min_similarity)
        after = bool(claim.claim_date and hit.published_at and hit.published_at.date() > claim.claim_date)
        items.append(
            EvidenceItem(
                hit, combined.stance, combined.confidence, combined.reason, combined.number_check, model.model_id, after
            )
        )
    return items


def apply_corrections(items: Sequence[EvidenceItem], corrections: Mapping[int, Correction]) -> list[EvidenceItem]:
    """Give each corrected passage the reviewer's stance with confidence 1.0, keeping the machine's beside it.

    Items are first put back to the machine's stance, so a correction taken back since shows the machine's again.
    """
    out = []
    for item in items:
        item = item.as_judged()
        fix = corrections.get(item.hit.passage_id)
        if fix is not None:
            machine = MachineStance(item.stance, item.confidence, item.reason)
            item = replace(
                item, stance=fix.stance, confidence=1.0, reason=f"corrected by {fix.reviewer}", machine=machine
            )
        out.append(item)
    return out


def evidence_stances(
    items: Sequence[EvidenceItem], credibility: Mapping[str, str] | None = None
) -> list[EvidenceStance]:
    """What the verdict weighs of each judged passage (corrections applied), in retrieval order: its article as
    the source, the outlet's credibility tag, and whether its own figures or a reviewer's correction ground it."""
    credibility = credibility or {}
    return [
        EvidenceStance(
            i.hit.passage_id,
            str(i.hit.article_id),
            i.stance,
            i.confidence,
            i.hit.kind,
            credibility.get(i.hit.outlet or "", UNKNOWN),
            grounded=i.machine is not None or FIGURES_SAY.get(i.number_check) == i.stance,
            reviewed=i.machine is not None,
        )
        for i in items
    ]


def verdict_for(
    claim: Claim,
    items: Sequence[EvidenceItem],
    rules: VerdictRules = DEFAULT_RULES,
    *,
    corrections: Mapping[int, Correction] | None = None,
    credibility: Mapping[str, str] | None = None,
) -> CheckResult:
    """Decide the verdict from judged evidence (comments shown, never counted).

    A reviewer's correction replaces the model's stance of that passage; an outlet's credibility tag
    weighs its articles (untagged outlets are 'unknown'). A stance its own figures back (or a reviewer gave) is
    grounded: within one article, the model's opposite reading of another passage does not outvote it.
    """
    items = apply_corrections(items, corrections or {})
    verdict = decide(evidence_stances(items, credibility), rules)
    return CheckResult(
        claim,
        verdict.label,
        verdict.confidence,
        verdict.reason,
        verdict.agreeing_sources,
        verdict.conflicting_sources,
        tuple(items),
    )


def load_corrections(store: Store, claim_id: int) -> dict[int, Correction]:
    """Return the reviewers' corrections of a claim's evidence, by passage id."""
    return {c.passage_id: c for c in store.corrections(claim_id)}


def _decide_stored(store: Store, claim: Claim, items: Sequence[EvidenceItem]) -> CheckResult:
    with stage("fetch"):
        corrections, credibility = load_corrections(store, claim.claim_id), store.credibility_by_outlet()
    with stage("verdict"):
        return verdict_for(claim, items, corrections=corrections, credibility=credibility)


def check_text(
    store: Store, vindex: VectorIndex, embedder: Embedder, model: StanceJudge, claim: Claim, *, k: int = DEFAULT_K
) -> CheckResult:
    """Retrieve, judge and decide a claim, stored or not, with the stored corrections and credibility tags."""
    hits, sims = _evidence_for(store, vindex, embedder, claim, k)
    return _decide_stored(store, claim, judge(claim, hits, model, sims))


def _evidence_for(
    store: Store, vindex: VectorIndex, embedder: Embedder, claim: Claim, k: int
) -> tuple[list[Hit], list[float]]:
    """The claim's k best passages and their similarities, never from the article the claim came from."""
    return retrieve(store, vindex, embedder, claim.text, k=k, exclude_article_ids=claim.own_article_ids)


def check_claim(
    store: Store,
    vindex: VectorIndex,
    embedder: Embedder,
    model: StanceJudge,
    claim_id: int,
    *,
    k: int = DEFAULT_K,
    save: bool = True,
) -> CheckResult:
    """Retrieve, judge and decide one stored claim; with save, append the check to its history."""
    with stage("fetch"):
        claim = stored_claim(store, claim_id)
    result = check_text(store, vindex, embedder, model, claim, k=k)
    if not save:
        return result
    with store.transaction():
        check_id = store.insert_check(result, stance_model=model.model_id, embedding_model=embedder.model_id)
    return replace(result, check_id=check_id)


def check_stored(
    db_path: Path | str,
    vindex: VectorIndex,
    embedder: Embedder,
    model: StanceJudge,
    claim_id: int,
    *,
    k: int = DEFAULT_K,
) -> CheckResult:
    """Check one stored claim and append the check to its history, holding the database only briefly.

    The file is open to read the claim and its evidence, closed while the stance model judges (the slow part), and
    open again for one short transaction that decides with the corrections and credibility tags stored by then and
    writes the check. Other processes (the app, an import) read and write in between.
    """
    with open_store(db_path) as store:
        claim = stored_claim(store, claim_id)
        hits, sims = _evidence_for(store, vindex, embedder, claim, k)
    return store_judged(db_path, claim, judge(claim, hits, model, sims), model.model_id, embedder.model_id)


def store_judged(
    db_path: Path | str, claim: Claim, items: Sequence[EvidenceItem], stance_model: str, embedding_model: str
) -> CheckResult:
    """In one short transaction, decide a judged claim with the corrections and credibility tags stored by now and
    append the check (a claim deleted meanwhile: ClaimError, nothing stored)."""
    with open_store(db_path) as store, store.transaction():
        if store.get_claim(claim.claim_id) is None:
            raise ClaimError(f"claim {claim.claim_id} was deleted while it was being checked; nothing was stored")
        result = _decide_stored(store, claim, items)
        check_id = store.insert_check(result, stance_model=stance_model, embedding_model=embedding_model)
    return replace(result, check_id=check_id)


def check_many(
    db_path: Path | str,
    vindex: VectorIndex,
    embedder: Embedder,
    model: StanceJudge,
    claim_ids: Sequence[int],
    *,
    k: int = DEFAULT_K,
    progress: Callable[[int, int, CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check stored claims one after another, each stored as soon as it is decided (see check_stored).

    A run cut short keeps the checks made so far.
    """
    results = []
    for number, claim_id in enumerate(claim_ids, start=1):
        results.append(check_stored(db_path, vindex, embedder, model, claim_id, k=k))
        if progress:
            progress(number, len(claim_ids), results[-1])
    return results


def _with_evidence(store: Store, claim: Claim, stored: StoredCheck) -> CheckResult:
    evidence = tuple(store.check_evidence(stored.check_id))
    return CheckResult(
        claim,
        stored.verdict,
        stored.confidence,
        stored.reason,
        stored.agreeing,
        stored.conflicting,
        evidence,
        check_id=stored.check_id,
    )


def load_latest_check(store: Store, claim_id: int) -> CheckResult | None:
    """Return the newest stored check of a claim with its evidence, or None if it was never checked."""
    claim = store.get_claim(claim_id)
    stored = store.latest_check(claim_id) if claim is not None else None
    return _with_evidence(store, claim, stored) if stored is not None else None


def _redecide(store: Store, claim_id: int) -> tuple[CheckResult | None, bool]:
    """Redecide one claim; return the current check and whether a new one was stored."""
    claim = store.get_claim(claim_id)
    stored = store.latest_check(claim_id) if claim is not None else None
    if stored is None:
        return None, False
    latest = _with_evidence(store, claim, stored)
    result = _decide_stored(store, claim, latest.evidence)
    unchanged = (result.verdict, result.confidence, result.agreeing, result.conflicting, result.evidence) == (
        latest.verdict,
        latest.confidence,
        latest.agreeing,
        latest.conflicting,
        latest.evidence,
    )
    if unchanged:
        return latest, False
    with store.transaction():
        check_id = store.insert_check(result, stance_model=stored.stance_model, embedding_model=stored.embedding_model)
    return replace(result, check_id=check_id), True


def redecide(store: Store, claim_id: int) -> CheckResult | None:
    """Decide a checked claim again from its stored evidence with today's corrections and credibility tags.

    No retrieval and no model run: a reviewer's correction or a credibility change shows at once. The new
    verdict is stored as a check of its own when it differs, so the history says when it changed.
    """
    return _redecide(store, claim_id)[0]


def redecide_all(store: Store, *, outlet: str | None = None) -> int:
    """Redecide checked claims (all, or those citing one outlet after its credibility changed).

    Returns how many verdicts were stored anew.
    """
    ids = store.claim_ids_with_checks() if outlet is None else store.claim_ids_citing_outlet(outlet)
    return sum(_redecide(store, claim_id)[1] for claim_id in ids)
