import pytest

from claims.verdicts import EvidenceStance, decide
from claims.vocabulary import (
    AGREES,
    CONFLICTING,
    CONFLICTS,
    DISCUSSES,
    NOT_ENOUGH_EVIDENCE,
    REFUTED,
    SUPPORTED,
    UNRELATED,
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
    assert verdict.reason == "evidence on both sides: 1 source agrees (credible), 1 source conflicts (credible)"


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
    # one clear source of unknown credibility decides (0.9 x 0.75 >= 0.5) and says it is one; a hesitant one
    # (0.6 x 0.75) does not, nor does a source tagged not credible on its own (1.0 x 0.25)
    one = decide([ev("a", AGREES, 0.9)])
    assert (one.label, one.reason) == (SUPPORTED, "1 source agrees (unknown credibility), none conflicts")
    assert decide([ev("a", AGREES, 0.6)]).label == NOT_ENOUGH_EVIDENCE
    assert decide([ev("a", CONFLICTS, 1.0, credibility="not_credible")]).label == NOT_ENOUGH_EVIDENCE
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


@pytest.mark.parametrize(
    ("passages", "side"),
    [
        # the article states the claim's figure; the model reads another of its passages the other way, more surely
        ([ev("a", AGREES, 0.64, grounded=True), ev("a", CONFLICTS, 0.69)], AGREES),
        ([ev("a", CONFLICTS, 0.6, grounded=True), ev("a", AGREES, 0.95)], CONFLICTS),
        # the model alone on both sides: the stronger side, as before
        ([ev("a", AGREES, 0.64), ev("a", CONFLICTS, 0.69)], CONFLICTS),
        # figures on both sides of one article: it states the claim's figure, its others are parts or other subjects
        ([ev("a", AGREES, 0.64, grounded=True), ev("a", CONFLICTS, 0.9, grounded=True)], AGREES),
        ([ev("a", CONFLICTS, 0.9, grounded=True), ev("a", AGREES, 0.64, grounded=True)], AGREES),
        # ... but a reviewer's "conflicts" is never outvoted
        ([ev("a", AGREES, 0.64, grounded=True), ev("a", CONFLICTS, 0.9, grounded=True, reviewed=True)], CONFLICTS),
        # a sure model passage on the figures' side still lends its confidence
        ([ev("a", AGREES, 0.6, grounded=True), ev("a", AGREES, 0.95), ev("a", CONFLICTS, 0.9)], AGREES),
    ],
)
def test_an_articles_own_figures_decide_its_side(passages, side):
    verdict = decide(passages)
    assert (verdict.agreeing_sources, verdict.conflicting_sources) == ((1, 0) if side == AGREES else (0, 1))


def test_grounded_figures_win_the_source_and_the_verdict():
    # Demo claim 1 before the fix: one article's "30 miles" match lost to the model's "conflicts" on its Marovia passage
    stances = [
        ev("valley", AGREES, 0.81, grounded=True),
        ev("coastal", AGREES, 0.68, grounded=True),
        ev("ledger", AGREES, 0.64, grounded=True),
        ev("ledger", CONFLICTS, 0.69),
        ev("riverside", CONFLICTS, 0.98, grounded=True),
    ]
    verdict = decide(stances)
    assert (verdict.label, verdict.agreeing_sources, verdict.conflicting_sources) == (SUPPORTED, 3, 1)
    ungrounded = decide([EvidenceStance(s.passage_id, s.source, s.stance, s.confidence) for s in stances])
    # without the figures the model's readings split the sources two against two
    assert (ungrounded.label, ungrounded.agreeing_sources, ungrounded.conflicting_sources) == (CONFLICTING, 2, 2)


def test_an_article_whose_passage_most_about_the_claim_only_reports_it_takes_no_side_on_the_models_word():
    # retrieval order: the article's first on-topic passage is a sure 'discusses' (an off-topic one before it aside)
    reporting = [ev("a", UNRELATED, 0.9), ev("a", DISCUSSES, 0.85), ev("a", AGREES, 0.8), ev("b", DISCUSSES, 0.6)]
    verdict = decide(reporting)
    assert (verdict.label, verdict.agreeing_sources) == (NOT_ENOUGH_EVIDENCE, 0)
    assert verdict.reason.endswith("2 sources discuss it without a side")
    # its own figures still take the side; so does a lead passage less sure it only reports
    grounded = [ev("a", DISCUSSES, 0.85), ev("a", AGREES, 0.8, grounded=True)]
    assert decide(grounded).label == SUPPORTED
    assert decide([ev("a", DISCUSSES, 0.6), ev("a", AGREES, 0.8)]).label == SUPPORTED
    # the side is the article's own when the passage most about the claim takes it
    assert decide([ev("a", AGREES, 0.8), ev("a", DISCUSSES, 0.95)]).label == SUPPORTED


def test_outvoted_passages_are_named_with_the_reason_the_claim_page_shows():
    from claims.verdicts import OUTVOTED_BY_FIGURES, OUTVOTED_BY_MATCH, OUTVOTED_BY_REPORTING, outvoted

    stances = [
        EvidenceStance(1, "a", DISCUSSES, 0.9),  # a's passage most about the claim only reports it
        EvidenceStance(2, "a", AGREES, 0.8),
        EvidenceStance(3, "b", CONFLICTS, 0.9, grounded=True),  # b's own figures conflict
        EvidenceStance(4, "b", AGREES, 0.85),
        EvidenceStance(5, "c", AGREES, 0.4),  # too weak to count at all: nothing to outvote
        EvidenceStance(6, "a", AGREES, 0.9, grounded=True),  # figures still take a side
    ]
    assert outvoted(stances) == {2: OUTVOTED_BY_REPORTING, 4: OUTVOTED_BY_FIGURES}
    verdict = decide(stances)
    assert (verdict.agreeing_sources, verdict.conflicting_sources) == (1, 1)
    # d states the claim's figure in one passage and another figure in the next
    stated = [
        EvidenceStance(7, "d", CONFLICTS, 0.95, grounded=True),
        EvidenceStance(8, "d", AGREES, 0.8, grounded=True),
    ]
    assert outvoted(stated) == {7: OUTVOTED_BY_MATCH}
