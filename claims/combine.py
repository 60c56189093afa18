"""Combine the stance model's reading of a (passage, claim) pair with the unit-aware number check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from claims.quantities import Comparison, compare_quantities, find_quantities
from claims.verdicts import AGREES, CONFLICTS, UNRELATED

# Above this P(unrelated) the passage is off topic and its figures say nothing about the claim's.
ON_TOPIC_MAX_UNRELATED = 0.8
# Below this, a model "conflicts" yields to figures that match: the model learnt number changes as contradictions
# and misreads "48 km" against "30 miles"; a surer conflict (an explicit negation) stands.
MATCH_OVERRIDES_CONFLICT_BELOW = 0.9


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
