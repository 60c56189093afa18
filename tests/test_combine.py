"""The combiner: model stance and number check merged into one stance with a readable reason."""

from dataclasses import replace

import pytest

from claims.combine import (
    GROUNDED_MIN_CONFIDENCE,
    MIN_ON_TOPIC_SIMILARITY,
    POLARITY_CONFIDENCE,
    agree_on_restatement,
    combine,
    gate_off_topic,
    hold_figures_elsewhere,
    hold_place_elsewhere,
    hold_unasserted,
    is_question,
    number_check,
    turn_on_polarity,
)

AGREE = {"agrees": 0.8, "conflicts": 0.1, "unrelated": 0.1}
CONFLICT = {"agrees": 0.1, "conflicts": 0.8, "unrelated": 0.1}
UNSURE = {"agrees": 0.3, "conflicts": 0.1, "unrelated": 0.6}
OFF_TOPIC = {"agrees": 0.04, "conflicts": 0.04, "unrelated": 0.92}


def judged(claim, passage, probabilities):
    check, comparisons = number_check(claim, passage)
    label = max(probabilities, key=probabilities.get)
    return combine(label, probabilities, check, comparisons)


@pytest.mark.parametrize(
    ("claim", "passage", "probabilities", "stance", "check"),
    [
        # a clear number conflict overrides a model "agrees"
        (
            "ISIS is 30 miles from Baghdad",
            "ISIS fighters are now about 60 miles north-west of Baghdad.",
            AGREE,
            "conflicts",
            "conflict",
        ),
        # the distance of another place from Baghdad is no figure about the claim's: the model decides
        # (a 3-label model's unsure 'unrelated' is on topic, taking no side: discusses)
        ("ISIS is 30 miles from Baghdad", "Baquba is 37 miles NE of Baghdad.", UNSURE, "discusses", None),
        (
            "ISIS is 30 miles from Baghdad",
            "Samarra is located about 60 miles north-west of Baghdad.",
            AGREE,
            "agrees",
            None,
        ),
        (
            "The front is 80 km from Orlan",
            "Its columns are said to be 50 km (30 miles) from Orlan.",
            AGREE,
            "conflicts",
            "conflict",
        ),
        # matching figures across units and scales raise confidence
        (
            "ISIS seized half a billion dollars in Mosul",
            "ISIS seized $500 million from banks in Mosul.",
            AGREE,
            "agrees",
            "match",
        ),
        ("The front is 60 km from Orlan", "The front is 37 miles from Orlan.", AGREE, "agrees", "match"),
        # an on-topic passage whose figure matches agrees even when the model hesitates
        ("Marovia sent 2000 troops", "Around 2,000 Marovian soldiers crossed the border.", UNSURE, "agrees", "match"),
        # an off-topic passage stays unrelated whatever its figures
        (
            "Marovia sent 2000 troops",
            "Some 3,000 troops paraded in the capital of a distant country.",
            OFF_TOPIC,
            "unrelated",
            "conflict",
        ),
        # matching figures override a hesitant model "conflicts", not a sure one
        (
            "The rebels are 30 miles from Orlan",
            "The rebels are now just 30 miles from the capital Orlan.",
            CONFLICT,
            "agrees",
            "match",
        ),
        (
            "The rebels are 30 miles from Orlan",
            "The rebels are not 30 miles from Orlan.",
            {"agrees": 0.02, "conflicts": 0.95, "unrelated": 0.03},
            "conflicts",
            "match",
        ),
        # no comparable figures: the model decides
        (
            "Iran sent 2000 troops to Iraq",
            "Iran will send advisers, but probably not troops.",
            CONFLICT,
            "conflicts",
            None,
        ),
    ],
)
def test_combined_stance(claim, passage, probabilities, stance, check):
    result = judged(claim, passage, probabilities)
    assert (result.stance, result.number_check) == (stance, check)


def test_a_death_toll_is_not_compared_with_a_count_of_people_who_fled():
    check, comparisons = number_check(
        "At least 40 people were killed in the fighting in Tessar", "Aid agencies said nearly 9,000 people had fled."
    )
    assert (check, comparisons) == (None, ())


def test_number_conflict_reason_explains_in_units():
    result = judged("The front is 80 km from Orlan", "It lies just 50 km (30 miles) from Orlan.", AGREE)
    assert result.reason == "number conflict: claim 80 km vs source 50 km (30 miles) (overrides model: agrees 0.80)"


def test_matching_number_raises_confidence():
    plain = combine("agrees", AGREE, None, ())
    matched = judged("ISIS seized half a billion dollars", "ISIS seized $500 million.", AGREE)
    assert matched.confidence > plain.confidence == 0.8


@pytest.mark.parametrize(
    ("similarity", "stance", "reason"),
    [
        (None, "conflicts", "model: conflicts 0.80"),  # no similarity known: no gate
        (MIN_ON_TOPIC_SIMILARITY, "conflicts", "model: conflicts 0.80"),
        (0.9, "conflicts", "model: conflicts 0.80"),
        (0.21, "unrelated", f"off topic: similarity 0.21 < {MIN_ON_TOPIC_SIMILARITY:.2f}; model: conflicts 0.80"),
        (-0.05, "unrelated", f"off topic: similarity -0.05 < {MIN_ON_TOPIC_SIMILARITY:.2f}; model: conflicts 0.80"),
    ],
)
def test_off_topic_passages_count_for_neither_side(similarity, stance, reason):
    gated = gate_off_topic(combine("conflicts", CONFLICT, None, ()), similarity)
    assert (gated.stance, gated.reason) == (stance, reason)


def test_the_gate_overrides_figures_too_and_keeps_what_they_said():
    far = judged("Marovia sent 2000 troops", "Some 3,000 troops paraded in the capital.", CONFLICT)
    gated = gate_off_topic(far, 0.1, 0.35)
    assert (far.stance, gated.stance, gated.number_check) == ("conflicts", "unrelated", "conflict")
    assert gated.reason.startswith("off topic: similarity 0.10 < 0.35; number conflict: claim 2000 troops")
    assert gated.confidence == 0.9


def test_the_gate_can_be_turned_off():
    stance = combine("agrees", AGREE, None, ())
    assert gate_off_topic(stance, 0.01, None) is stance


@pytest.mark.parametrize(
    ("passage", "question"),
    [
        ("Is Orlan next? What we know about the Red Ridge Front", True),
        ("Foreign intervention ?", True),
        ("If Iran attacked Turkey from the rear, would Greece help?", True),
        ("So will Baghdad fall as rapidly as all other cities in the north? For now that appears unlikely:", False),
        ("ISIS finances and weapons", False),
        ("The rebels are now just 30 miles from the capital Orlan.", False),
    ],
)
def test_questions_are_told_from_assertions(passage, question):
    assert is_question(passage) is question


def test_a_question_takes_no_side_whatever_the_model_said():
    judged = combine("agrees", AGREE, None, ())
    held = hold_unasserted(judged, "Is Orlan next? What we know about the Red Ridge Front")
    assert (held.stance, held.reason) == ("discusses", f"a question asserts nothing; {judged.reason}")
    assert hold_unasserted(judged, "The rebels are 30 miles from Orlan.") == judged


def test_a_call_for_the_claims_event_takes_no_side_unless_its_figures_do():
    claim = "Western powers will intervene militarily in Iraq."
    passage = "Former British PM Tony Blair has urged Western governments to intervene in Iraq."
    for label in ("agrees", "conflicts"):
        judged = combine(label, {label: 0.88, "discusses": 0.1, "unrelated": 0.02}, None, ())
        held = hold_unasserted(judged, passage, claim)
        assert held.stance == "discusses" and held.confidence == judged.confidence
        assert held.reason == f"it only reports a call for it ('urged'), not that it happened; {judged.reason}"
        assert hold_unasserted(judged, passage) == judged  # without the claim there is nothing to compare
    claim, passage = "Rebels demanded $5 million", "The rebels demanded $5 million for the hostages."
    assert hold_unasserted(combine("agrees", AGREE, None, ()), passage, claim).stance == "agrees"
    claim, passage = "The army sent 2,000 troops", "Generals urged the army to send 2,000 troops."
    check, comparisons = number_check(claim, passage)
    assert check == "match"
    figures = combine("agrees", AGREE, check, comparisons)
    assert hold_unasserted(figures, passage, claim) == figures


def test_a_headline_counts_only_when_it_clearly_asserts_the_claim():
    hesitant = combine("agrees", {"agrees": 0.6, "conflicts": 0.2, "unrelated": 0.2}, None, ())
    held = hold_unasserted(hesitant, "Orlan braces as Red Ridge Front nears")
    assert held.stance == "discusses" and held.reason.startswith("a headline that does not clearly assert it")
    sure = combine("agrees", {"agrees": 0.9, "conflicts": 0.05, "unrelated": 0.05}, None, ())
    assert hold_unasserted(sure, "Rebels take Tessar") == sure
    check, comparisons = number_check("ISIS is 30 miles from Baghdad", "Jihadists Close To 30 Miles Of Baghdad")
    figures = combine("agrees", {"agrees": 0.6, "conflicts": 0.2, "unrelated": 0.2}, check, comparisons)
    assert hold_unasserted(figures, "Jihadists Close To 30 Miles Of Baghdad").stance == "agrees"
    # a headline of 16 words is one too; 24 words without a full stop are a line of text, read as the model read it
    long_title = "Iraq Update: Jihadists Seize 2 More Iraqi Towns; Close To 30 Miles Of Baghdad; Iran Rushes To Help"
    assert hold_unasserted(hesitant, long_title).stance == "discusses"
    assert hold_unasserted(hesitant, long_title + " as Tehran weighs options and sends five more").stance == "agrees"


def test_a_sure_no_side_keeps_no_side_whatever_its_figures():
    claim, passage = "Rebels seized half a billion dollars", "Reports that they seized $500 million remain unconfirmed."
    check, comparisons = number_check(claim, passage)
    assert check == "match"
    sure = combine("discusses", {"agrees": 0.01, "conflicts": 0.01, "discusses": 0.97, "unrelated": 0.01}, check,
                   comparisons)  # fmt: skip
    assert sure.stance == "discusses" and "takes no side" in sure.reason
    unsure = combine("discusses", {"agrees": 0.3, "conflicts": 0.05, "discusses": 0.6, "unrelated": 0.05}, check,
                     comparisons)  # fmt: skip
    assert unsure.stance == "agrees"


def _turned(label: str, probabilities: dict, claim: str, passage: str):
    """The model's reading of a passage without figures, then the polarity rule."""
    return turn_on_polarity(combine(label, probabilities, None, ()), claim, passage, probabilities)


def test_a_passage_saying_the_claims_words_the_other_way_round_conflicts():
    claim = "Obama is willing to unleash US forces on ISIS."
    passage = "As Obama stated yesterday, he is so far unwilling to unleash on the ISIS army."
    hesitant = {"agrees": 0.6, "conflicts": 0.3, "discusses": 0.08, "unrelated": 0.02}
    turned = _turned("agrees", hesitant, claim, passage)
    assert (turned.stance, turned.confidence) == ("conflicts", POLARITY_CONFIDENCE)
    assert turned.reason.startswith("the passage says 'far unwilling to unleash' where the claim says")
    sure = {"agrees": 0.97, "conflicts": 0.01, "discusses": 0.01, "unrelated": 0.01}
    assert _turned("agrees", sure, claim, passage).stance == "agrees"
    same = "He is willing to unleash US forces on ISIS, Obama said."
    assert _turned("agrees", hesitant, claim, same).stance == "agrees"


def test_the_words_turned_round_make_a_hesitant_model_conflict_a_clear_one():
    claim = "Senator Graham praised Obama's response to the ISIS insurgency."
    passage = "Senator Graham for example blasted Obama's response to the ISIS insurgency."
    hesitant = {"agrees": 0.2, "conflicts": 0.62, "discusses": 0.16, "unrelated": 0.02}
    turned = _turned("conflicts", hesitant, claim, passage)
    assert (turned.stance, turned.confidence) == ("conflicts", POLARITY_CONFIDENCE)
    assert "'blasted'" in turned.reason and turned.reason.endswith("model: conflicts 0.62")
    sure = {"agrees": 0.02, "conflicts": 0.9, "discusses": 0.06, "unrelated": 0.02}
    kept = _turned("conflicts", sure, claim, passage)
    assert (kept.confidence, kept.reason) == (0.9, "model: conflicts 0.90")  # already clear: nothing to add
    plain = "Senator Graham spoke about Obama's response to the ISIS insurgency."
    assert _turned("conflicts", hesitant, claim, plain).confidence == 0.62


def test_figures_back_a_passage_only_when_every_figure_of_the_claim_matches():
    claim = "The two Adhaim villages are about 62 miles north of Baghdad."
    partial = "Two villages in the Adhaim area, north of Baquba, were taken over by gunmen."
    check, comparisons = number_check(claim, partial)
    assert check is None and [c.outcome for c in comparisons] == ["match"]
    assert number_check("Three mortar shells hit al-Khalis.", "Three mortar rounds landed in al-Khalis.")[0] == "match"


def test_matching_figures_are_one_clear_source_however_hesitant_the_model():
    check, comparisons = number_check("Baquba is about 60 km from Baghdad", "Baquba is some 37 miles from Baghdad.")
    hesitant = {"agrees": 0.1, "conflicts": 0.05, "discusses": 0.8, "unrelated": 0.05}
    assert combine("discusses", hesitant, check, comparisons).confidence == GROUNDED_MIN_CONFIDENCE
    # a hesitant conflict yields to the figures, and the passage is then just as clear a source
    conflicting = {"agrees": 0.1, "conflicts": 0.69, "discusses": 0.16, "unrelated": 0.05}
    overridden = combine("conflicts", conflicting, check, comparisons)
    assert (overridden.stance, overridden.confidence) == ("agrees", GROUNDED_MIN_CONFIDENCE)
    assert overridden.reason.endswith("(overrides model: conflicts 0.69)")
    barely = {"agrees": 0.3, "conflicts": 0.45, "discusses": 0.2, "unrelated": 0.05}
    assert combine("conflicts", barely, check, comparisons).confidence == 0.775  # 0.5 + (1 - 0.45) / 2: above the floor


def test_matching_figures_said_only_as_a_possibility_leave_a_hesitant_model_without_a_side():
    claim = "HBO's streaming service will cost $15 per month."
    hesitant = {"agrees": 0.1, "conflicts": 0.05, "discusses": 0.8, "unrelated": 0.05}
    rumour = "HBO is reportedly in talks with Apple, and the service will cost $15 per month."
    check, comparisons = number_check(claim, rumour)
    held = combine("discusses", hesitant, check, comparisons, rumour)
    assert (check, held.stance, held.confidence) == ("match", "discusses", 0.8)
    assert held.reason.startswith("model: discusses 0.80: it gives the figures only as a possibility ('reportedly')")
    # said plainly, or with the hedge about something after the figure, the figures take the side
    for plain in (
        "The service will cost $15 per month.",
        "It will cost $15 per month, and HBO may sell it on Apple TV.",
    ):
        check, comparisons = number_check(claim, plain)
        assert combine("discusses", hesitant, check, comparisons, plain).stance == "agrees"
    # a model that reads agreement itself keeps it
    sure = {"agrees": 0.8, "conflicts": 0.05, "discusses": 0.1, "unrelated": 0.05}
    check, comparisons = number_check(claim, rumour)
    assert combine("agrees", sure, check, comparisons, rumour).stance == "agrees"


def test_agreement_with_a_distance_between_other_places_takes_no_side_however_sure_the_model():
    claim = "Saadiyah is 30 miles from Baghdad."
    passage = "The Al Qaeda extremists are now just 30 miles away from Baghdad and closing fast."
    check, comparisons = number_check(claim, passage)
    sure = {"agrees": 0.94, "conflicts": 0.02, "discusses": 0.03, "unrelated": 0.01}
    held = hold_figures_elsewhere(combine("agrees", sure, check, comparisons), claim, passage)
    assert (check, held.stance) == (None, "discusses")
    assert held.reason.startswith("its figures are about something else (claim 30 miles")
    assert held.reason.endswith("are distances between different places); model: agrees 0.94")
    # the same distance between the same places agrees; another kind of figure elsewhere leaves the model's reading
    same = "Saadiyah, which is just 30 miles from Baghdad, fell on Sunday."
    check, comparisons = number_check(claim, same)
    assert hold_figures_elsewhere(combine("agrees", sure, check, comparisons), claim, same).stance == "agrees"
    counted, other = "ISIS killed 40 people in Tal Afar.", "ISIS seized 12 villages around Tal Afar."
    check, comparisons = number_check(counted, other)
    assert hold_figures_elsewhere(combine("agrees", sure, check, comparisons), counted, other).stance == "agrees"


def test_a_hesitant_conflict_on_figures_about_something_else_takes_no_side():
    claim, passage = "Jalawla is 37 miles from Baghdad", "Samarra is located about 60 miles north-west of Baghdad."
    check, comparisons = number_check(claim, passage)
    hesitant = {"agrees": 0.2, "conflicts": 0.63, "discusses": 0.15, "unrelated": 0.02}
    held = hold_figures_elsewhere(combine("conflicts", hesitant, check, comparisons), claim, passage)
    assert held.stance == "discusses"
    assert held.reason.startswith("its figures are about something else (claim 37 miles")
    sure = {"agrees": 0.02, "conflicts": 0.95, "discusses": 0.02, "unrelated": 0.01}
    assert hold_figures_elsewhere(combine("conflicts", sure, check, comparisons), claim, passage).stance == "conflicts"
    same = "Jalawla lies 60 miles from Baghdad."
    check, comparisons = number_check(claim, same)
    assert hold_figures_elsewhere(combine("conflicts", hesitant, check, comparisons), claim, same).stance == "conflicts"


def test_a_discussing_passage_that_restates_the_claim_agrees_unless_its_figures_differ():
    claim = "French Foreign Minister Laurent Fabius said international powers must deal with the situation."
    passage = 'French Foreign Minister Laurent Fabius said international powers "must deal with the situation".'
    discussing = {"agrees": 0.2, "conflicts": 0.05, "discusses": 0.6, "unrelated": 0.15}
    judged = combine("discusses", discussing, None, ())
    agreed = agree_on_restatement(judged, claim, passage, discussing)
    assert (agreed.stance, agreed.confidence) == ("agrees", POLARITY_CONFIDENCE)
    assert agreed.reason == f"it says the claim ('{passage}'); {judged.reason}"
    conflicting = combine("conflicts", CONFLICT, None, ())
    assert agree_on_restatement(conflicting, claim, passage, CONFLICT) == conflicting  # a side the model took stays
    claim, passage = (
        "Marovia sent 2,000 troops to guard the Tessar water works.",
        "Marovia sent 3,000 troops to guard the Tessar water works.",
    )
    check, comparisons = number_check(claim, passage)
    assert check == "conflict"
    silenced = replace(combine("discusses", discussing, check, comparisons), stance="discusses")
    assert agree_on_restatement(silenced, claim, passage, discussing) == silenced
    # figures the number check could not compare are no match: the words alone do not decide
    claim, passage = (
        "Marovia sent two thousand troops to guard the Tessar water works.",
        "Marovia sent troops to guard the Tessar water works.",
    )
    assert agree_on_restatement(judged, claim, passage, discussing) == judged


def test_a_hesitant_agreement_that_restates_the_claim_becomes_a_clear_one():
    claim = "Rouhani promised aid to the Maliki government."
    passage = "Earlier today, Rouhani said his country can't tolerate terror, and promised unspecified aid to the "
    passage += "Maliki government."
    hesitant = {"agrees": 0.51, "conflicts": 0.09, "discusses": 0.35, "unrelated": 0.05}
    agreed = agree_on_restatement(combine("agrees", hesitant, None, ()), claim, passage, hesitant)
    assert (agreed.stance, agreed.confidence) == ("agrees", POLARITY_CONFIDENCE)
    assert agreed.reason.startswith("it says the claim ('Earlier today, Rouhani said")
    clear = {"agrees": 0.8, "conflicts": 0.05, "discusses": 0.1, "unrelated": 0.05}
    kept = combine("agrees", clear, None, ())
    assert agree_on_restatement(kept, claim, passage, clear) == kept  # already clear: nothing to add


def test_an_agreement_without_the_claims_place_and_a_figure_conflict_about_another_place_take_no_side():
    hesitant = {"agrees": 0.7, "conflicts": 0.1, "discusses": 0.15, "unrelated": 0.05}
    claim = "ISIS has captured the city of Karbala."
    elsewhere = "Islamist militants have captured swathes of territory including the second biggest city Mosul."
    held = hold_place_elsewhere(combine("agrees", hesitant, None, ()), claim, elsewhere)
    assert (held.stance, held.reason) == ("discusses", "it does not name Karbala, where the claim puts it; model: "
                                          "agrees 0.70")  # fmt: skip
    sites = "The Iranians want to protect the Shia holy sites at Karbala and An Najaf."
    held = hold_place_elsewhere(combine("agrees", hesitant, None, ()), claim, sites)
    assert held.stance == "discusses" and held.reason.startswith("it shares only the place (Karbala) with the claim")
    claim_in = "Iran and the United States are already working together in Iraq."
    syria = "Iran has already been aiding the Assad government in Syria against AQI's advances there."
    conflicting = {"agrees": 0.1, "conflicts": 0.7, "discusses": 0.15, "unrelated": 0.05}
    held = hold_place_elsewhere(combine("conflicts", conflicting, None, ()), claim_in, syria)
    assert held.stance == "discusses" and held.reason.startswith("it does not name Iraq, where the claim puts it")
    sure = {"agrees": 0.02, "conflicts": 0.95, "discusses": 0.02, "unrelated": 0.01}
    assert hold_place_elsewhere(combine("conflicts", sure, None, ()), claim_in, syria).stance == "conflicts"
    named = "ISIS fighters have entered Karbala, residents said."
    assert hold_place_elsewhere(combine("agrees", hesitant, None, ()), claim, named).stance == "agrees"
    counted = "Seven mortar rounds landed in Tal Afar."
    for passage, stance in (("Three mortar rounds landed in al-Khalis.", "discusses"),
                            ("Three mortar rounds landed on a busy street.", "conflicts")):  # fmt: skip
        check, comparisons = number_check(counted, passage)
        assert check == "conflict"
        assert hold_place_elsewhere(combine("discusses", hesitant, check, comparisons), counted, passage).stance == (
            stance
        )


def test_a_passage_that_puts_the_claims_event_elsewhere_conflicts_unless_figures_decide():
    claim = "ISIS staged its parade of captured Humvees in Tikrit."
    passage = "In Mosul, ISIL staged a parade of American Humvee patrol vehicles seized from a collapsing Iraqi army."
    hesitant = {"agrees": 0.6, "conflicts": 0.2, "discusses": 0.15, "unrelated": 0.05}
    judged = hold_place_elsewhere(combine("agrees", hesitant, None, ()), claim, passage)
    turned = turn_on_polarity(judged, claim, passage, hesitant)
    assert (turned.stance, turned.confidence) == ("conflicts", POLARITY_CONFIDENCE)
    assert turned.reason.startswith("the passage says 'mosul' where the claim says 'tikrit'; it does not name Tikrit")
    counted = "Seven mortar rounds landed in Tal Afar."
    other = "Three mortar rounds landed in al-Khalis."
    check, comparisons = number_check(counted, other)
    held = hold_place_elsewhere(combine("discusses", hesitant, check, comparisons), counted, other)
    assert turn_on_polarity(held, counted, other, hesitant) == held  # another count at another place, not a swap


def test_an_agreement_with_a_sentence_that_says_the_claim_only_as_a_possibility_takes_no_side():
    claim = "Iran will increase its support for its struggling allies."
    passage = "As the problem grows, Iran is likely to try to increase support for its struggling allies."
    agreeing = {"agrees": 0.8, "conflicts": 0.05, "discusses": 0.1, "unrelated": 0.05}
    held = hold_unasserted(combine("agrees", agreeing, None, ()), passage, claim)
    assert (held.stance, held.reason) == ("discusses", "it says the claim only as a possibility ('likely'); model: "
                                          "agrees 0.80")  # fmt: skip
    plain = "Iran will increase support for its struggling allies, officials said."
    assert hold_unasserted(combine("agrees", agreeing, None, ()), plain, claim).stance == "agrees"
