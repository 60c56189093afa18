"""The news benchmark readers, the split by story, and the training pairs cut from news bodies."""

from __future__ import annotations

import csv
import random

import numpy as np
import pytest

from tests.conftest import SHARED, load_training_script
from workbench.errors import IngestError
from workbench.models import EvidenceItem, Hit
from workbench.news_data import (
    DEV_BUCKET,
    HELD_OUT_BUCKET,
    StancePair,
    fit_pairs,
    load_bodies,
    load_fnc,
    load_stances,
    split_by_story,
    stories,
)
from workbench.news_evaluation import body_stance, fnc_score


@pytest.fixture(scope="module")
def news_pairs():
    """training/news_pairs.py as a module."""
    return load_training_script("news_pairs")


def test_headlines_sharing_a_related_body_are_one_story():
    pairs = [
        StancePair("A", "1", "agree"),
        StancePair("B", "1", "discuss"),
        StancePair("C", "2", "agree"),
        StancePair("C", "1", "unrelated"),  # an unrelated pairing joins nothing
    ]
    of = stories(pairs)
    assert of["A"] == of["B"] != of["C"]


def test_no_fnc1_story_is_on_two_sides_of_the_split():
    _, pairs = load_fnc(SHARED / "data" / "news" / "fnc1")
    held, dev, fit = split_by_story(pairs, HELD_OUT_BUCKET), split_by_story(pairs, DEV_BUCKET), fit_pairs(pairs)
    assert len(held) + len(dev) + len(fit) == len(pairs)
    related_bodies = [{p.body_id for p in part if p.label != "unrelated"} for part in (held, dev, fit)]
    assert not (related_bodies[0] & related_bodies[2]) and not (related_bodies[1] & related_bodies[2])
    assert {p.headline for p in held}.isdisjoint({p.headline for p in fit})
    assert 0.10 < sum(p.label != "unrelated" for p in held) / sum(p.label != "unrelated" for p in pairs) < 0.20


def test_fnc_score_weighs_related_labels_as_the_challenge_does():
    gold = ["agree", "unrelated", "discuss", "disagree"]
    assert fnc_score(gold, gold) == 1.0
    assert fnc_score(gold, ["unrelated"] * 4) == pytest.approx(0.25 / 3.25)
    assert fnc_score(gold, ["discuss", "unrelated", "discuss", "agree"]) == pytest.approx(1.75 / 3.25)


def _item(stance: str, confidence: float, kind: str = "body") -> EvidenceItem:
    hit = Hit(1, 1, None, None, None, None, "text", kind, None, 0, 4, 0.5)
    return EvidenceItem(hit, stance, confidence, "r", None, "m", False)


def test_a_body_takes_the_side_of_its_strongest_counted_passage():
    assert body_stance([]) == "unrelated"
    assert body_stance([_item("unrelated", 0.9)]) == "unrelated"
    assert body_stance([_item("discusses", 0.7), _item("agrees", 0.4)]) == "discusses"  # a weak side is no side
    assert body_stance([_item("agrees", 0.6), _item("conflicts", 0.8), _item("discusses", 0.9)]) == "conflicts"
    assert body_stance([_item("agrees", 0.9, kind="comment")]) == "unrelated"


def test_passages_most_like_the_headline_carry_the_body_label(news_pairs):
    bodies = {"1": "Officials denied the report.\n\nThe weather was fine.\n\nThe report was false, they said."}

    def embed(texts):  # similarity to the headline by shared words: enough to rank passages
        vocab = ["report", "false", "denied", "weather", "claims"]
        rows = np.array([[t.lower().count(w) + 1e-3 for w in vocab] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    out = news_pairs.stance_pair_passages(bodies, [StancePair("Report claims false", "1", "disagree")], embed,
                                          random.Random(0))  # fmt: skip
    assert [stance for _, _, stance in out] == ["conflicts"] * len(out) and 1 <= len(out) <= 2
    assert "weather" not in " ".join(passage for passage, _, _ in out)


def test_templates_deny_hedge_and_confirm_a_claim(news_pairs):
    every = len(news_pairs.TEMPLATES)
    made = news_pairs.templated_examples(["The bridge was closed"], random.Random(3), per_claim=every)
    assert {stance for _, _, stance in made} == {"agrees", "conflicts", "discusses"}
    assert all("the bridge was closed" in sentence.lower() for sentence, _, _ in made)


def _write_csv(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_the_competition_test_split_is_read_under_its_official_names(tmp_path):
    _write_csv(tmp_path / "competition_test_bodies.csv", ["Body ID", "articleBody"], [["7", "A body."]])
    _write_csv(tmp_path / "competition_test_stances.csv", ["Headline", "Body ID", "Stance"], [["H", "7", "Agree "]])
    assert load_fnc(tmp_path, "test") == ({"7": "A body."}, [StancePair("H", "7", "agree")])


def test_unreadable_stance_data_is_one_error_naming_the_file(tmp_path):
    with pytest.raises(IngestError, match=r"competition_test_bodies\.csv: cannot read the stance data"):
        load_fnc(tmp_path, "test")
    bodies = _write_csv(tmp_path / "bodies.csv", ["Body", "articleBody"], [["1", "x"]])
    with pytest.raises(IngestError, match=r"bodies\.csv: no Body ID column; expected Body ID, articleBody"):
        load_bodies(bodies)
    stances = _write_csv(tmp_path / "stances.csv", ["Headline", "Body ID", "Stance"], [["H", "1", "maybe"]])
    with pytest.raises(IngestError, match=r"stances\.csv: unknown stance label\(s\) \['maybe'\]"):
        load_stances(stances)
    (tmp_path / "latin1.csv").write_bytes(b"Body ID,articleBody\n1,caf\xe9\n")
    with pytest.raises(IngestError, match=r"latin1\.csv: cannot read the stance data"):
        load_bodies(tmp_path / "latin1.csv")
