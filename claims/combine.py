"""Combine the stance model's reading of a (passage, claim) pair with the unit-aware number check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from claims.quantities import Comparison, compare_quantities, find_quantities
from claims.verdicts import AGREES, CONFLICTS, UNRELATED

# Above this P(unrelated) the passage is off topic and its figures say nothing about the claim's.
ON_TOPIC_MAX_UNRELATED = 0.8
# Below this, a model "conflicts" yields to figures that match: the model learnt number changes as contradictions
# and misreads "48 km" against "30 miles"; a surer conflict (an explicit negation) stands.
MATCH_OVERRIDES_CONFLICT_BELOW = 0.9
# Below this cosine similarity of claim and passage (all-MiniLM-L6-v2 vectors) the passage is off topic: the stance
# model reads text about something else as "conflicts", so such a passage counts for neither side. Chosen by
# `workbench eval claims --split train --tune` on the 1,231 Climate-FEVER train claims (accuracy 0.586 without the
# gate, 0.587 at 0.30, lower from 0.40 up; with stance model v3, 0.639 without, 0.640 at 0.30, 0.641 at 0.35, 0.639
# at 0.40); higher values also gate more of the support/refute train pairs of
# stance_pairs.jsonl, all on topic (mean of FEVER and COVID-Fact: 2.4% at 0.30, 6.6% at 0.40). Another embedding
# model needs its own threshold.
MIN_ON_TOPIC_SIMILARITY = 0.3


@dataclass(frozen=True, slots=True)
class CombinedStance:
    """The stance of one passage towards a claim, with the reason a fact-checker can read."""

    stance: str
    confidence: float
    reason: str
    number_check: str | None  # "match", "conflict", "mixed" or None when no figures compare
    comparisons: tuple[Comparison, ...] = ()


def number_check(claim: str, passage: str) -> tuple[str | None, tuple[Comparison, ...]]:
    """Compare the figures of a claim and a passage that talk about the same thing."""
    found = tuple(
        c for c in compare_quantities(find_quantities(claim), find_quantities(passage)) if c.outcome != "incomparable"
    )
    outcomes = {c.outcome for c in found}
    if not outcomes:
        return None, found
    return ("mixed" if len(outcomes) > 1 else outcomes.pop()), found


def combine(
    model_label: str, probabilities: Mapping[str, float], check: str | None, comparisons: Sequence[Comparison]
) -> CombinedStance:
    """Merge model and numbers: a clear number conflict overrides "agrees", a clear match overrides a
    hesitant "conflicts", and a match with an agreeing model raises its confidence."""
    p = {label: float(probabilities.get(label, 0.0)) for label in (AGREES, CONFLICTS, UNRELATED)}
    confidence = p[model_label]
    said = f"model: {model_label} {confidence:.2f}"
    figures = "; ".join(c.explanation for c in comparisons)
    on_topic = p[UNRELATED] < ON_TOPIC_MAX_UNRELATED
    if check == "conflict" and (model_label != UNRELATED or on_topic):
        boosted = max(confidence, 1.0 - p[UNRELATED]) if model_label == CONFLICTS else 0.5 + (1.0 - p[UNRELATED]) / 2
        reason = f"number conflict: {figures}" + (f" (overrides {said})" if model_label != CONFLICTS else f"; {said}")
        return CombinedStance(CONFLICTS, round(min(boosted, 0.99), 3), reason, check, tuple(comparisons))
    if check == "match" and model_label == AGREES:
        boosted = confidence + (1.0 - confidence) / 2
        return CombinedStance(AGREES, round(boosted, 3), f"numbers match: {figures}; {said}", check, tuple(comparisons))
    if check == "match" and model_label == CONFLICTS and confidence < MATCH_OVERRIDES_CONFLICT_BELOW:
        reason = f"numbers match: {figures} (overrides {said})"
        return CombinedStance(AGREES, round(0.5 + (1.0 - confidence) / 2, 3), reason, check, tuple(comparisons))
    if check == "match" and model_label == UNRELATED and on_topic:
        reason = f"numbers match: {figures}; {said}"
        return CombinedStance(AGREES, round(0.5 + p[AGREES] / 2, 3), reason, check, tuple(comparisons))
    reason = said + (f"; figures: {figures}" if figures else "")
    return CombinedStance(model_label, round(confidence, 3), reason, check, tuple(comparisons))


def off_topic_reason(similarity: float | None, min_similarity: float | None = MIN_ON_TOPIC_SIMILARITY) -> str | None:
    """Say why a passage is too far in meaning from the claim to count, or None when it may count."""
    if similarity is None or min_similarity is None or similarity >= min_similarity:
        return None
    return f"off topic: similarity {similarity:.2f} < {min_similarity:.2f}"


class Judged(Protocol):
    """A judged passage: CombinedStance here, the application's evidence item elsewhere."""

    @property
    def stance(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def reason(self) -> str: ...


J = TypeVar("J", bound=Judged)


def gate_off_topic(judged: J, similarity: float | None, min_similarity: float | None = MIN_ON_TOPIC_SIMILARITY) -> J:
    """Make an off-topic passage unrelated whatever the model or its figures said; the reason keeps what they said."""
    why = off_topic_reason(similarity, min_similarity)
    if why is None or similarity is None:
        return judged
    confidence = round(min(1.0, 1.0 - similarity), 3)
    return replace(judged, stance=UNRELATED, confidence=confidence, reason=f"{why}; {judged.reason}")
