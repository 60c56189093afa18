"""The labelled news claims over the two seed articles, checked with the shipped stance models and the real embedder.

tests/data/news_claims.csv holds each claim with the verdict a fact-checker gives it from the seeds and one line of
why; its classes are the failure classes of the news-verdicts issue. `workbench eval news-claims` prints the same
report with every miss.
"""

import re

import pytest

from tests.conftest import REPO
from workbench.errors import IngestError
from workbench.news_evaluation import ClaimOutcome, check_labelled_claims, load_labelled_claims

CLAIMS = REPO / "tests" / "data" / "news_claims.csv"
# The target is 90%. The shipped cascade (MiniLM v4, then mpnet on the passages v4 gives a side) gets 259 of
# 310 (0.835, 2026-12-07); 146 of the first 176 before that day's rules (a negation over other words of a sentence
# no longer keeps it from restating the claim, a hesitant agreement that restates it becomes a clear one, places:
# claims.locations.find_place_swap and claims.combine.hold_place_elsewhere, and more opposite words), 149 after.
# Of the first 115 it gets 99 (98 before a plain sentence that restates the claim agreed; 94 before an agreement
# with a distance between other places took no side and a site of a person's ("Maliki's office") became an unnamed
# place; 91 before a passage that only reports a call for the claim's event took no side, and before "a decade" and
# "a single" were read as figures); v4 alone 88 before those (0.765; 64 of the first 85, 0.706 before distances
# named their parties and BM25 asked for the other unit; v3 with v4's first rules 0.47, with its own 0.41).
# Claims written after the rules they test were chosen measure how far the rules carry: 23 of the 30 written as
# N86-N115 were right when written, 30 of the 40 written as N116-N155 (0.750), 13 of the 21 written as N156-N176
# (0.619; several paraphrase earlier claims the cascade gets right), 27 of the 34 written as N177-N210 (0.794), 21
# of the 29 written as N211-N239 after most rules of 2026-12-07 (0.724), 20 of the 26 written as N240-N265 (0.769),
# 17 of the 25 written as N266-N290 (0.680) and 12 of the 20 written last, as N291-N310, after every rule of that day
# (0.600; 13 once N310's gold, "not enough evidence" as first written, became "supported": the article says oil
# prices "have jumped"): 163 of 225 in all (0.724), the figure to expect on claims nobody has tuned for. The rules of
# 2026-12-07 came from the misses of N177-N290 (95 of those 114 right now).
# This floor makes a regression fail while the rest of the gap is worked on.
MIN_ACCURACY = 0.822  # 255 of 310: four claims below the cascade


@pytest.fixture(scope="module")
def outcomes(seeded, embedder, stance_model) -> dict[str, ClaimOutcome]:
    report = check_labelled_claims(seeded, embedder, stance_model, load_labelled_claims(CLAIMS))
    return {o.claim.claim_id: o for o in report.outcomes}


def _misses(outcomes, kind=None):
    return [
        (o.claim.claim_id, o.claim.text, o.claim.verdict, o.result.verdict, o.result.reason)
        for o in outcomes.values()
        if not o.right and (kind is None or o.claim.kind == kind)
    ]


def test_the_set_covers_every_failure_class_and_verdict():
    claims = load_labelled_claims(CLAIMS)
    assert len(claims) >= 60
    kinds = {c.kind for c in claims}
    assert {"one_source", "hedged_bound", "subject", "discusses", "negation_contrast", "title_question"} <= kinds
    assert {c.verdict for c in claims} == {"supported", "refuted", "conflicting", "not_enough_evidence"}
    assert all(c.why.strip() for c in claims)


@pytest.mark.slow  # the outcomes fixture checks every labelled claim with the real models
def test_most_news_claims_get_the_fact_checkers_verdict(outcomes):
    right = sum(o.right for o in outcomes.values())
    assert right / len(outcomes) >= MIN_ACCURACY, _misses(outcomes)


@pytest.mark.parametrize(
    ("claim_id", "verdict"),
    [
        ("N01", "supported"),  # one source, "about 60 miles" for "roughly 100 km"
        ("N03", "supported"),  # one source, "half a billion dollar" for "$500 million"
        ("N14", "refuted"),  # "at least seven" killed is not 70
        ("N13", "supported"),  # ... but is seven
        ("N19", "refuted"),  # ... nor "several hundred"
        # the villages' 62 miles says nothing of Baquba's distance; 37 miles does
        ("N28", "refuted"),
        # the ISIS fighters' "just 30 miles from Baghdad" is not Samarra's distance, however sure mpnet is that it
        # agrees (0.94); Samarra's own "about 60 miles" refutes it
        ("N22", "refuted"),
        ("N27", "refuted"),  # "50 km (30 miles) west of Maliki's office": a site of his names no other place
        ("N114", "supported"),  # 'Fabius said international powers "must deal with the situation".' says it
        ("N33", "refuted"),  # "about 60 miles" is not about 60 km
        ("N87", "refuted"),  # "for a decade" is not "for eight years"
        ("N11", "refuted"),  # "a single battalion" is not "two battalions"
        ("N29", "supported"),  # "al Qaeda extremists ... 30 miles away" found (in miles) for a claim in km
        ("N30", "refuted"),  # ... and 80 km is not that
        ("N88", "refuted"),  # "It lies just 50 km ... west of Maliki's office": "it" is Falluja, not ISIL
        ("N38", "refuted"),  # "so far unwilling to unleash"
        ("N40", "refuted"),  # Graham "blasted" Obama's response
        ("N42", "refuted"),  # "rather than meet ... requests for air strikes"
        ("N141", "refuted"),  # Graham "blasted" the response the claim says he "defended"
        ("N143", "refuted"),  # "albeit without much success" for "very successful"
        ("N121", "refuted"),  # the facilities are "in the south", not "in the Kurdish north"
        ("N58", "not_enough_evidence"),  # only a reader comment says so
        ("N51", "not_enough_evidence"),  # Blair "has urged Western governments to intervene": a call, not the event
        # the idea "is being discussed internally": no decision reported. Its sibling N74 ("have agreed to work
        # together") is a miss of the cascade: mpnet reads "open to the possibility" as agreeing.
        ("N108", "not_enough_evidence"),
        # "can't tolerate" negates other words of the sentence that says Rouhani "promised unspecified aid"
        ("N163", "supported"),
        ("N181", "refuted"),  # "In Mosul, ISIL staged a parade of American Humvee patrol vehicles": not in Tikrit
        ("N183", "refuted"),  # Imam Hussein is "buried in a shrine in Kerbala", not in Najaf
        # the deaths in Tal Afar are no count of al-Khalis' casualties, which no article gives
        ("N168", "not_enough_evidence"),
        ("N199", "refuted"),  # Blair: intervention "is going to be difficult", not easy
        ("N202", "refuted"),  # the claim is itself about an instruction; the sermon urged people to take up arms
        ("N222", "refuted"),  # oil prices "have jumped", not fallen
        # "two villages in the Adhaim area" says nothing of al-Qaim, though the model is sure it discusses the claim
        ("N237", "not_enough_evidence"),
        ("N242", "refuted"),  # "the world's richest terrorist organization", not one of the poorest
        # "aiding the Assad government in Syria" (the model: conflicts 0.70) says nothing of working together in Iraq
        ("N261", "not_enough_evidence"),
        ("N269", "refuted"),  # Maliki "has done little to heal sectarian rifts"
        ("N289", "not_enough_evidence"),  # Iran "is likely to try to increase support": a possibility, no more
    ],
)
@pytest.mark.slow  # the outcomes fixture checks every labelled claim with the real models
def test_failure_classes_one_claim_each(outcomes, claim_id, verdict):
    o = outcomes[claim_id]
    body = [(i.stance, round(i.confidence, 2), i.hit.outlet, i.hit.text[:60], i.reason) for i in o.result.evidence]
    assert o.result.verdict == verdict, (o.claim.text, o.result.reason, body)


@pytest.mark.slow  # the outcomes fixture checks every labelled claim with the real models
def test_a_single_source_verdict_says_how_thin_the_evidence_is(outcomes):
    reason = outcomes["N01"].result.reason
    assert "1 source agrees (unknown credibility)" in reason, reason


@pytest.mark.slow  # the outcomes fixture checks every labelled claim with the real models
def test_questions_never_take_a_side(outcomes):
    for o in outcomes.values():
        for item in o.result.evidence:
            if item.hit.text.strip() == "Foreign intervention ?":
                assert item.stance in ("discusses", "unrelated"), (o.claim.text, item.reason)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,claim,date,verdict,class\nN1,x,,supported,one_source\n", "no why column; expected id, claim"),
        ("id,claim,date,verdict,class,why\nN1,x,,true,one_source,w\n", "line 2: verdict 'true' is not one of"),
        ("id,claim,date,verdict,class,why\nN1,x,June,supported,one_source,w\n", "date 'June' is not YYYY-MM-DD"),
    ],
)
def test_a_bad_labelled_claims_file_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "claims.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match=r"claims\.csv: .*" + re.escape(message)):
        load_labelled_claims(path)
    with pytest.raises(IngestError, match=r"missing\.csv: cannot read the labelled claims \(No such file"):
        load_labelled_claims(tmp_path / "missing.csv")
