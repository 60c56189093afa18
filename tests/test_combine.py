"""The combiner: model stance and number check merged into one stance with a readable reason."""

import pytest

from claims.combine import MIN_ON_TOPIC_SIMILARITY, combine, gate_off_topic, number_check

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
        ("ISIS is 30 miles from Baghdad", "Baquba is 37 miles NE of Baghdad.", UNSURE, "unrelated", None),
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
