"""Comparison: whether a claim figure and a passage figure are about the same subject, and if so whether they agree."""

from __future__ import annotations

from collections.abc import Sequence

from claims.quantities.display import describe
from claims.quantities.hedges import BOUND_FACTOR
from claims.quantities.models import Comparison, Outcome, Quantity
from claims.quantities.places import _same_places
from claims.quantities.subjects import _canonical_noun, _nouns_align

_BOUNDS = frozenset(["at least", "more than", "at most", "less than"])


def _subject(claim: Quantity, source: Quantity, *, strict: bool) -> bool:
    """True when the two talk about the same thing; strict asks for positive evidence, not just no contradiction."""
    if claim.dimension != source.dimension or claim.currency != source.currency:
        return False
    if not _same_places(claim, source):
        return False
    if claim.event and source.event and claim.event != source.event:
        return False
    a, b = _canonical_noun(claim.noun), _canonical_noun(source.noun)
    if a and b and not _nouns_align(a, b):
        return False
    # "people" says little by itself: "40 people were killed" and "9,000 people fled" are different counts, so
    # with the generic noun an event on one side only is not the same subject.
    if "people" in (a, b) and bool(claim.event) != bool(source.event):
        return False
    if not strict or claim.dimension not in {"count", "count / [time]"}:
        return True
    return bool((a and b) or (claim.event and claim.event == source.event))


def _overlap(a: Quantity, b: Quantity) -> bool:
    return a.low - a.precision <= b.high + b.precision and b.low - b.precision <= a.high + a.precision


def compare(claim: Quantity, source: Quantity) -> Comparison:
    """Compare a claim quantity with a passage quantity; incomparable when they cannot be about the same thing."""
    if not _subject(claim, source, strict=False):
        apart = not (claim.extent or source.extent) and not _same_places(claim, source)
        what = "are distances between different places" if apart else "measure different things"
        explanation = f"claim {describe(claim)} and source {describe(source)} {what}"
        return Comparison(claim, source, "incomparable", explanation)
    outcome: Outcome = "match" if _overlap(claim, source) else "conflict"
    explanation = f"claim {describe(claim)} vs source {describe(source)}"
    if {claim.hedge, source.hedge} & _BOUNDS and claim.dimension != "[temperature]":
        explanation += f" (a bound reads as within {BOUND_FACTOR:g}x its figure)"
    return Comparison(claim, source, outcome, explanation)


def figures_elsewhere(claim: Sequence[Quantity], passage: Sequence[Quantity]) -> list[Comparison]:
    """The passage's figures of the claim's kind that are about something else: "Samarra is about 60 miles from
    Baghdad" against "Jalawla is 37 miles from Baghdad". Empty when any of them is about the claim's subject."""
    kind = [
        (q, o)
        for q in claim
        for o in passage
        if q.dimension == o.dimension and q.currency == o.currency and not (q.frame or o.frame)
    ]
    if not kind or any(_subject(q, o, strict=True) for q, o in kind):
        return []
    return [compare(q, o) for q, o in kind]


def distances_elsewhere(claim: Sequence[Quantity], passage: Sequence[Quantity]) -> list[Comparison]:
    """figures_elsewhere when every one of them is a distance between other places than the claim's: "ISIS fighters
    are 30 miles from Baghdad" against "Saadiyah is 30 miles from Baghdad". Empty otherwise."""
    found = figures_elsewhere(claim, passage)
    return found if found and not any(_same_places(c.claim, c.source) for c in found) else []


def compare_quantities(claim: Sequence[Quantity], passage: Sequence[Quantity]) -> list[Comparison]:
    """Return the comparisons that matter: each claim quantity against the passage quantities on the same subject.

    A passage figure that agrees wins over the others on the same subject for that claim quantity: a passage that
    names the claimed figure supports it, and its other figures are usually parts, earlier tallies or context. A
    time frame ("over the last 30 years") on either side is context, never compared.
    """
    found: list[Comparison] = []
    for quantity in claim:
        if quantity.frame:
            continue
        pairs = [
            compare(quantity, other) for other in passage if not other.frame and _subject(quantity, other, strict=True)
        ]
        matches = [pair for pair in pairs if pair.outcome == "match"]
        found.extend(matches or pairs)
    return found
