"""The synthetic edits that training/train_stance.py makes from agreeing pairs (pure string functions)."""

from __future__ import annotations

import random

import pytest

from tests.conftest import REPO, load_training_script


@pytest.fixture(scope="module")
def ts():
    """training/train_stance.py as a module."""
    return load_training_script("train_stance")


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("Sea levels rise every year.", "Sea levels fall every year."),
        ("Masks reduce infections.", "Masks increase infections."),
        ("Vaccination was effective in adults.", "Vaccination was ineffective in adults."),
        ("Higher temperatures follow CO2.", "Lower temperatures follow CO2."),
        ("Smoking decreases lung function.", "Smoking increases lung function."),
    ],
)
def test_swap_opposite_turns_the_claim_around(ts, claim, expected):
    assert ts.swap_opposite(claim, random.Random(0)) == expected


def test_swap_opposite_leaves_claims_without_a_direction_word(ts):
    assert ts.swap_opposite("Paris is the capital of France.", random.Random(0)) is None


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("Paris is not in France.", "Paris is in France."),
        ("It doesn't rain in Spain.", "It does rain in Spain."),
        ("He can't swim.", "He can swim."),
        ("The drug won't help.", "The drug will help."),
        ("Ice has never melted there.", "Ice has melted there."),
        ("Cases are no longer rising.", "Cases are rising."),
    ],
)
def test_drop_negation_removes_the_first_negation(ts, claim, expected):
    assert ts.drop_negation(claim) == expected


def test_drop_negation_needs_a_negation(ts):
    assert ts.drop_negation("Nothing cannot be said.") is None
    assert ts.drop_negation("Paris is in France.") is None


def test_swap_word_puts_in_a_donor_word_the_claim_did_not_have(ts):
    claim = "Remdesivir shortens recovery in hospital patients"
    rng = random.Random(3)
    for _ in range(50):
        edited = ts.swap_word(claim, ["Ivermectin lengthens illness among outpatients"], rng)
        assert edited is not None and edited != claim
        before, after = set(claim.split()), set(edited.split())
        assert len(before - after) == 1 and len(after - before) == 1
        assert (after - before).pop() in {"Ivermectin", "lengthens", "illness", "among", "outpatients"}


def test_synthetic_pairs_keep_each_original_beside_its_conflicting_edits(ts):
    rng = random.Random(5)
    pairs = [
        ts.Pair("fever", "Sea levels rose 20 cm in the 20th century.", "Sea levels rose 20 cm.", "agrees"),
        ts.Pair("fever", "The vaccine was licensed in 1990.", "The vaccine was not licensed in 1990.", "conflicts"),
    ]
    out = ts.build_synthetic(pairs, rng)
    agreeing = {(p.evidence, p.claim) for p in out if p.label == "agrees"}
    assert (pairs[0].evidence, pairs[0].claim) in agreeing
    conflicting = [p.claim for p in out if p.label == "conflicts" and p.evidence == pairs[0].evidence]
    assert conflicting and all(c != pairs[0].claim for c in conflicting)
    assert "Sea levels fell 20 cm." in conflicting
    # A FEVER refutation with its negation taken out says what the evidence says.
    assert (pairs[1].evidence, "The vaccine was licensed in 1990.") in agreeing
    assert all(p.source == ts.SYNTHETIC for p in out)


def test_a_teacher_scores_each_distinct_pair_once_and_a_rerun_reads_the_cache(ts, tmp_path):
    """Distillation targets: the shipped model as teacher, its probabilities cached so a killed run goes on."""
    from claims.stance import OnnxStanceModel

    pairs = [
        ts.Pair("fever", "ISIS seized Mosul last week.", "ISIS took Mosul.", "agrees"),
        ts.Pair("fever", "ISIS seized Mosul last week.", "ISIS took Mosul.", "agrees"),  # a repeat draw
        ts.Pair("fever", "Baghdad has not fallen.", "Baghdad fell to ISIS.", "conflicts"),
    ]
    cache = tmp_path / "teacher_probs.json"
    first = ts.teacher_probabilities(REPO / "models" / "stance-minilm", pairs, cache)
    assert len(first) == 2 and len(cache.read_text().splitlines()) == 2
    distinct = [
        ("ISIS seized Mosul last week.", "ISIS took Mosul."),
        ("Baghdad has not fallen.", "Baghdad fell to ISIS."),
    ]
    teacher = OnnxStanceModel(REPO / "models" / "stance-minilm", batch_size=ts.TEACHER_BATCH)
    for pair, expected in zip(distinct, teacher.predict(distinct), strict=True):
        assert dict(zip(ts.LABELS, first[pair], strict=True)) == pytest.approx(expected.probabilities, abs=1e-6)
    again = ts.teacher_probabilities(tmp_path / "no-such-model", pairs, cache)  # nothing left to score
    assert again == first
    with cache.open("a", encoding="utf-8") as out:
        out.write('{"evidence": "cut sho')  # a run killed while appending
    assert ts.teacher_probabilities(tmp_path / "no-such-model", pairs, cache) == first
