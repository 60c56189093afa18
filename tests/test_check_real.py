"""The whole check on the demo corpus with the shipped stance models and the real embedder: the verdicts a user sees."""

import pytest

from claims.combine import MIN_ON_TOPIC_SIMILARITY
from tests.conftest import EXAMPLES
from workbench.config import Settings
from workbench.demo import load_demo
from workbench.indexing import load_vector_index
from workbench.pipeline import load_latest_check, similarities
from workbench.storage import open_store


@pytest.fixture(scope="module")
def checked(tmp_path_factory, embedder, stance_model):
    """Every demo claim checked once by loading the demo with the shipped stance models (MiniLM, then mpnet on the
    passages MiniLM gives a side), as `workbench demo` does."""
    cfg = Settings(db_path=tmp_path_factory.mktemp("real") / "demo.duckdb")
    message = load_demo(cfg, lambda _: embedder, EXAMPLES, lambda _: stance_model)
    assert message.endswith("7 claims checked: 2 conflicting, 1 not_enough_evidence, 1 refuted, 3 supported"), message
    with open_store(cfg.db_path) as store:
        vindex = load_vector_index(store, cfg, embedder)
        results = {claim_id: load_latest_check(store, claim_id) for claim_id in range(1, 8)}
        sims = {
            claim_id: similarities(vindex, embedder, r.claim.text, [item.hit for item in r.evidence])
            for claim_id, r in results.items()
        }
    return results, sims


def test_the_front_distance_claim_is_supported_not_refuted(checked):
    results, _ = checked
    result = results[1]  # "The Red Ridge Front is 30 miles from Orlan": three outlets say so, one says 80 km
    assert result.claim.text == "The Red Ridge Front is 30 miles from Orlan"
    assert result.verdict == "supported", [(i.stance, i.confidence, i.hit.outlet, i.reason) for i in result.evidence]
    assert (result.agreeing, result.conflicting) == (3, 1)


def test_the_demo_shows_every_verdict(checked):
    results, _ = checked
    verdicts = {claim_id: r.verdict for claim_id, r in results.items()}
    # Two outlets say half a billion, two a tenth of it; hospital staff count at least 40 dead, the health ministry
    # 12; every outlet puts the front within 80 km of Orlan; nobody mentions helicopters (the outlets' headlines on
    # the story do not assert it); the rest two or more outlets say.
    assert verdicts == {1: "supported", 2: "conflicting", 3: "supported", 4: "conflicting", 5: "supported",
                        6: "refuted", 7: "not_enough_evidence"}  # fmt: skip


def test_the_death_toll_stands_on_the_two_counts_not_on_passages_about_refugees(checked):
    results, _ = checked
    result = results[4]  # "At least 40 people were killed in the fighting in Tessar": hospital staff 40, ministry 12
    evidence = [(i.stance, i.confidence, i.hit.outlet, i.hit.text[:50]) for i in result.evidence]
    assert (result.verdict, result.agreeing, result.conflicting) == ("conflicting", 1, 1), evidence
    # MiniLM alone reads "nearly 9,000 people had fled Tessar" as agreeing (0.65); mpnet reads it again: no side
    fled = [i for i in result.evidence if "fled Tessar" in i.hit.text]
    assert fled and all(i.stance != "agrees" or i.confidence < 0.5 for i in fled), evidence


def test_off_topic_passages_are_unrelated_and_say_why(checked):
    results, sims = checked
    gated = 0
    for claim_id, result in results.items():
        for item, sim in zip(result.evidence, sims[claim_id], strict=True):
            if sim < MIN_ON_TOPIC_SIMILARITY:
                gated += 1
                assert item.stance == "unrelated"
                assert item.reason.startswith(f"off topic: similarity {sim:.2f} < {MIN_ON_TOPIC_SIMILARITY:.2f}")
            else:
                assert not item.reason.startswith("off topic")
    assert gated  # the demo has off-topic passages ("I live 20 miles from Tessar" against the Orlan distance)
