"""The check-worthiness ranker: fragment rules, the shipped model on fixed sentences, the seed ranking, and the
dev-split F1 the issue asks for, all with the real model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from claims.checkworthy import DEFAULT_MODEL_DIR, CheckWorthinessModel, load_checkworthy_model
from claims.extraction import HandRules, fragment_reason, merge_abbreviations, rank_check_worthy
from claims.onnx_classifier import ModelIntegrityError
from tests.conftest import SEEDS, SHARED
from workbench import claimbook
from workbench.checkworthy_eval import evaluate_checkworthy, load_checkworthy
from workbench.ingest import import_files
from workbench.storage import open_store

pytestmark = pytest.mark.real_model


@pytest.fixture(scope="module")
def model() -> CheckWorthinessModel:
    return load_checkworthy_model()


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Iraq Update: Jihadists Seize 2 More Iraqi Towns; Close To 30 Miles Of Baghdad", "no sentence end"),
        ("Is Orlan the next town the rebels will take?", "a question"),
        ("the Sunni Muslim insurgents after government troops fled their positions.", "starts mid-sentence"),
        ("Thank you very much.", "too short"),
        ("Rebels seized 40 trucks in Tessar on Friday, officials said.", None),
        ("“We sent 2,000 troops to the dam,” the minister said.", None),
    ],
)
def test_fragments_questions_and_headlines_are_never_proposed(sentence, reason):
    found = fragment_reason(sentence)
    assert (found is None) if reason is None else found.startswith(reason)


def test_a_split_after_an_abbreviation_is_joined_back():
    text = "ISIS captured Mosul last week. Approx. half a billion dollar was seized by ISIS in Mosul."
    spans = [(0, 30), (31, 38), (39, len(text))]
    assert [text[a:b] for a, b in merge_abbreviations(text, spans)] == [
        "ISIS captured Mosul last week.",
        "Approx. half a billion dollar was seized by ISIS in Mosul.",
    ]


def test_the_model_ranks_checkable_statements_above_talk(model):
    sentences = [
        "Thank you, it is great to be here with all of you tonight.",
        "We have lost 700,000 manufacturing jobs since this administration took office.",
        "I think we need to come together as a country and move forward.",
        "The senator voted against the defence budget four times.",
        "What are you going to do about it?",
    ]
    ranked = rank_check_worthy(sentences, model)
    assert sorted(c.index for c in ranked) == [1, 3]
    assert all(0.0 <= c.score <= 1.0 and c.reasons[0].startswith("model ") for c in ranked)
    assert ranked[0].index == 1  # a figure the number check can compare goes first
    assert "figure: 700,000 manufacturing jobs" in ranked[0].reasons


def test_the_shipped_ranker_reaches_the_issue_target_on_the_dev_split(model):
    dev = load_checkworthy(SHARED / "data" / "checkworthy", "dev")
    shipped = evaluate_checkworthy(dev, model, model.model_id)
    rules = evaluate_checkworthy(dev, HandRules(), "hand-written rules")
    assert shipped.f1 >= 0.85, shipped
    assert shipped.f1 > rules.f1 + 0.2  # the hand-written rules alone score about 0.6 here


def test_on_the_seed_articles_the_figures_a_fact_checker_picks_come_first(model, settings, hashing):
    import_files(sorted(SEEDS.glob("*.txt")), settings, hashing)
    with open_store(settings.db_path, read_only=True) as store:
        sentences = claimbook.body_sentences(store)
        comments = [row[0] for row in store.execute("SELECT text FROM passages WHERE kind = 'comment'").fetchall()]
    top = claimbook.propose_claims(sentences, model, limit=10)
    texts = [p.text for p in top]
    assert all(fragment_reason(t) is None for t in texts)
    assert len(comments) > 30  # the page's reader comments were imported, and none is proposed
    assert not any(t in comment for t in texts for comment in comments)
    wanted = {
        "troops": "2000 Iranian troops",
        "money": "half a billion dollar was seized",
        "distance": "miles",
        "casualties": "killed at least seven",
    }
    for what, phrase in wanted.items():
        assert any(phrase in t for t in texts), f"no {what} sentence in the top 10: {texts}"


def test_a_tampered_model_file_is_refused(tmp_path: Path):
    copy = tmp_path / "checkworthy"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    with (copy / "model.onnx").open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        load_checkworthy_model(str(copy))


def test_the_shipped_folder_is_small_and_carries_its_threshold():
    names = {p.name for p in DEFAULT_MODEL_DIR.iterdir()}
    assert {"model.onnx", "tokenizer.json", "config.json", "MODEL_CARD.md"} <= names
    assert sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir()) < 40 * 2**20
    config = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    assert config["labels"] == ["not_check_worthy", "check_worthy"]
    assert 0 < config["threshold"] < 1 and load_checkworthy_model().threshold == config["threshold"]
