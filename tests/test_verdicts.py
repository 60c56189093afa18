import pytest

from claims.verdicts import (
    AGREES,
    CONFLICTING,
    CONFLICTS,
    NOT_ENOUGH_EVIDENCE,
    REFUTED,
    SUPPORTED,
    UNRELATED,
    EvidenceStance,
    decide,
)


def ev(source, stance, confidence=0.9, **kw):
    return EvidenceStance(
        passage_id=hash((source, stance, confidence)) % 10_000,
        source=source,
        stance=stance,
        confidence=confidence,
        **kw,
    )


def test_agreeing_sources_support():
    verdict = decide([ev("a", AGREES), ev("b", AGREES, 0.8), ev("c", UNRELATED)])
    assert (verdict.label, verdict.agreeing_sources, verdict.conflicting_sources) == (SUPPORTED, 2, 0)
    assert verdict.confidence > 0.8


def test_conflicting_sources_refute():
    assert decide([ev("a", CONFLICTS), ev("b", CONFLICTS)]).label == REFUTED


def test_strong_sources_on_both_sides_conflict():
    verdict = decide([ev("a", AGREES, credibility="credible"), ev("b", CONFLICTS, 0.85, credibility="credible")])
    assert verdict.label == CONFLICTING
    assert verdict.reason == "credible evidence on both sides (1 source(s) agree, 1 conflict)"


def test_one_article_counts_once_however_many_passages():
    # three agreeing passages from one article against two conflicting sources
    stances = [
        ev("a", AGREES, 0.95),
        ev("a", AGREES, 0.94),
        ev("a", AGREES, 0.93),
        ev("b", CONFLICTS),
        ev("c", CONFLICTS),
    ]
    verdict = decide(stances)
    assert verdict.agreeing_sources == 1 and verdict.conflicting_sources == 2
    assert verdict.label == REFUTED  # two sources outweigh three passages of one


def test_comments_never_count():
    verdict = decide([ev("a", AGREES, kind="comment"), ev("b", AGREES, kind="comment")])
    assert verdict.label == NOT_ENOUGH_EVIDENCE
    assert decide([ev("a", CONFLICTS, credibility="credible"), ev("b", AGREES, kind="comment")]).label == REFUTED


def test_weak_or_unrelated_evidence_is_not_enough():
    assert decide([]).label == NOT_ENOUGH_EVIDENCE
    # one fairly sure source of unknown credibility is not yet enough (0.9 x 0.75 < 0.75); a sure one is
    assert decide([ev("a", AGREES, 0.9)]).label == NOT_ENOUGH_EVIDENCE
    assert decide([ev("a", AGREES, 1.0)]).label == SUPPORTED
    assert decide([ev("a", AGREES, 0.4), ev("b", UNRELATED, 0.99)]).label == NOT_ENOUGH_EVIDENCE


def test_credibility_weighs_sources():
    strong = decide([ev("a", AGREES, credibility="credible"), ev("b", CONFLICTS, credibility="not_credible")])
    assert strong.label == SUPPORTED
    flipped = decide([ev("a", AGREES, credibility="not_credible"), ev("b", CONFLICTS, credibility="credible")])
    assert flipped.label == REFUTED


def test_a_source_saying_both_counts_on_its_stronger_side():
    verdict = decide([ev("a", AGREES, 0.6, credibility="credible"), ev("a", CONFLICTS, 0.9, credibility="credible")])
    assert (verdict.label, verdict.agreeing_sources, verdict.conflicting_sources) == (REFUTED, 0, 1)


@pytest.mark.parametrize("confidence", [0.0, 0.5, 1.0])
def test_confidence_is_a_probability(confidence):
    for stances in ([ev("a", AGREES, confidence)], [ev("a", AGREES), ev("b", CONFLICTS, confidence)]):
        assert 0.0 <= decide(stances).confidence <= 1.0
