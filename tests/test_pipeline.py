"""The check pipeline on the demo corpus: retrieval + stance + numbers + verdict, stored with history.

A fixed-probability stance model (tests/fakes.py) isolates the plumbing here; the real shipped model is exercised in
test_stance_model.py and test_check_real.py.
"""

import numpy as np
import pytest

from claims.combine import MIN_ON_TOPIC_SIMILARITY, number_check
from claims.stance import CascadeStanceModel
from index.vectors import VectorIndex
from tests.conftest import copy_database
from tests.fakes import CountingEmbedder, RecordingStanceModel, SureConflictModel, UnsureStanceModel
from workbench.indexing import load_vector_index
from workbench.pipeline import check_claim, judge, similarities
from workbench.retrieval import evidence_for_claim, search
from workbench.storage import open_store


@pytest.fixture
def demo(built_demo, tmp_path, embedder):
    """A private copy of the session's demo database and its vector index."""
    cfg = copy_database(built_demo, tmp_path)
    with open_store(cfg.db_path, read_only=True) as store:
        return cfg, load_vector_index(store, cfg, embedder)


def test_numbers_alone_split_the_distance_claim_into_both_sides(demo, embedder):
    cfg, vindex = demo
    with open_store(cfg.db_path) as store:
        result = check_claim(store, vindex, embedder, UnsureStanceModel(), 1)  # "... is 30 miles from Orlan"
    by_stance = {}
    for item in result.evidence:
        by_stance.setdefault(item.stance, []).append(item.hit.text)
    assert any("48 km from Orlan" in t for t in by_stance["agrees"])
    assert any("80 km north of Orlan" in t for t in by_stance["conflicts"])
    # Northern Ledger, Coastal Wire and Valley Forum agree; Riverside Post's 80 km conflicts: 3 sources to 1
    assert (result.agreeing, result.conflicting, result.verdict) == (3, 1, "supported")
    assert all(item.model_id == "unsure-fixed" for item in result.evidence)


def test_checks_are_stored_as_history(demo, embedder):
    cfg, vindex = demo
    with open_store(cfg.db_path) as store:
        first = check_claim(store, vindex, embedder, UnsureStanceModel(), 2)
        second = check_claim(store, vindex, embedder, UnsureStanceModel(), 2)
        history = store.check_history(2)
        rows = store.execute(
            "SELECT count(*), count(DISTINCT passage_id) FROM evidence WHERE check_id = ?", [second.check_id]
        ).fetchone()
    assert [h.check_id for h in history] == [second.check_id, first.check_id]
    assert rows == (len(second.evidence), len(second.evidence))


def test_comments_are_judged_but_never_sources(demo, embedder):
    cfg, vindex = demo
    with open_store(cfg.db_path) as store:
        result = check_claim(store, vindex, embedder, UnsureStanceModel(), 2, k=25, save=False)
    comments = [item for item in result.evidence if item.hit.kind == "comment"]
    assert comments  # "way more than half a billion" is a reader comment
    counted_articles = {item.hit.article_id for item in result.evidence if item.stance != "unrelated"}
    assert result.agreeing + result.conflicting <= len(counted_articles)


def test_evidence_after_the_claim_date_is_marked(demo, embedder):
    cfg, vindex = demo
    with open_store(cfg.db_path) as store:
        result = check_claim(store, vindex, embedder, UnsureStanceModel(), 1, save=False)  # claim dated 2031-03-15
    for item in result.evidence:
        published = item.hit.published_at
        assert item.after_claim == bool(published and published.date().isoformat() > "2031-03-15")
    assert any(item.after_claim is False and item.hit.published_at for item in result.evidence)


def test_check_json_shape(demo, embedder):
    cfg, vindex = demo
    with open_store(cfg.db_path) as store:
        row = check_claim(store, vindex, embedder, UnsureStanceModel(), 3, save=False).to_json()
    assert set(row) >= {"claim_id", "claim", "verdict", "confidence", "evidence"}
    assert set(row["evidence"][0]) >= {
        "passage_id",
        "article_id",
        "title",
        "outlet",
        "text",
        "kind",
        "stance",
        "confidence",
        "reason",
    }


def test_similarities_read_the_indexed_vectors_and_embed_the_missing(demo, embedder):
    cfg, vindex = demo
    with open_store(cfg.db_path, read_only=True) as store:
        claim = store.get_claim(1)
        hits = evidence_for_claim(store, vindex, embedder, 1, k=10)
        stored = similarities(vindex, embedder, claim.text, hits)
        fresh = similarities(VectorIndex(embedder.model_id, embedder.dimension), embedder, claim.text, hits)
    query = embedder.embed([claim.text])[0]
    indexed = vindex.vectors_for([h.passage_id for h in hits])
    np.testing.assert_allclose(stored, [indexed[h.passage_id] @ query for h in hits], atol=1e-5)
    np.testing.assert_allclose(fresh, embedder.embed([h.text for h in hits]) @ query, atol=1e-5)
    # embedded now, in other company than at import: the int8 embedder's per-batch scale moves them a little
    np.testing.assert_allclose(fresh, stored, atol=0.03)
    assert min(stored) < MIN_ON_TOPIC_SIMILARITY < max(stored)  # the demo retrieves passages on both sides of the gate


def test_with_an_8_bit_index_similarities_are_its_decoded_vectors_cosines(seeded, embedder):
    text = "ISIS seized half a billion dollars from banks in Mosul"
    with open_store(seeded.db_path, read_only=True) as store:
        flat = load_vector_index(store, seeded, embedder)
        ids, vectors = store.load_embeddings(embedder.model_id)
        sq8 = VectorIndex.build(embedder.model_id, ids, vectors, ann_min=1)  # 8-bit codes
        hits = search(store, flat, embedder, text, k=10)
        exact = similarities(flat, embedder, text, hits)
        decoded = similarities(sq8, embedder, text, hits, store=store)
    assert sq8.kind == "ivf-sq8" and len(hits) == 10
    np.testing.assert_allclose(decoded, exact, atol=0.02)  # 8-bit codes, decoded: close to exact


def test_off_topic_passages_never_count(demo, embedder):
    cfg, vindex = demo
    with open_store(cfg.db_path) as store:
        result = check_claim(store, vindex, embedder, SureConflictModel(), 1, save=False)
        sims = similarities(vindex, embedder, result.claim.text, [item.hit for item in result.evidence])
    stances = [(item.stance, sim >= MIN_ON_TOPIC_SIMILARITY) for item, sim in zip(result.evidence, sims, strict=True)]
    assert {stance for stance, on_topic in stances if not on_topic} == {"unrelated"}
    # on topic, the model's sure "conflicts" stands, except on a question (the Valley Forum's "Is Orlan next?")
    assert {stance for stance, on_topic in stances if on_topic} <= {"conflicts", "agrees", "discusses"}
    for item in result.evidence:
        assert (item.stance == "discusses") == item.reason.startswith("a question asserts nothing"), item


def test_judge_without_similarities_or_gate_keeps_the_models_stance(demo, embedder):
    cfg, vindex = demo
    with open_store(cfg.db_path, read_only=True) as store:
        claim = store.get_claim(1)
        hits = evidence_for_claim(store, vindex, embedder, 1, k=10)
        sims = similarities(vindex, embedder, claim.text, hits)
    model = SureConflictModel()
    ungated = [item.stance for item in judge(claim, hits, model)]
    off = [item.stance for item in judge(claim, hits, model, sims, min_similarity=None)]
    assert ungated == off
    assert "unrelated" not in ungated
    assert "unrelated" in [item.stance for item in judge(claim, hits, model, sims)]


def test_a_cascade_reads_again_only_the_sided_pairs_that_figures_and_gate_leave_open(demo, embedder):
    cfg, vindex = demo
    with open_store(cfg.db_path, read_only=True) as store:
        claim = store.get_claim(1)  # "The Red Ridge Front is 30 miles from Orlan"
        hits = evidence_for_claim(store, vindex, embedder, 1, k=10)
        sims = similarities(vindex, embedder, claim.text, hits)
    second = RecordingStanceModel(UnsureStanceModel())
    items = judge(claim, hits, CascadeStanceModel(SureConflictModel(), second), sims)  # the first sides with all
    decided = [number_check(claim.text, hit.text)[0] in ("match", "conflict") for hit in hits]
    gated = [sim < MIN_ON_TOPIC_SIMILARITY for sim in sims]
    assert any(decided) and any(gated) and not all(d or g for d, g in zip(decided, gated, strict=True))
    open_pairs = [(h.text, claim.text) for h, d, g in zip(hits, decided, gated, strict=True) if not (d or g)]
    assert second.asked == open_pairs
    # a pair read again takes the second model's reading; a settled one keeps the first model's sure "conflicts"
    for item, d, g in zip(items, decided, gated, strict=True):
        assert ("model: conflicts 0.90" in item.reason) == (d or g), item


def test_a_check_embeds_its_claim_once_for_retrieval_and_the_gate(demo, embedder):
    cfg, vindex = demo
    counting = CountingEmbedder(embedder)
    with open_store(cfg.db_path) as store:
        result = check_claim(store, vindex, counting, SureConflictModel(), 1, save=False)
        plain = check_claim(store, vindex, embedder, SureConflictModel(), 1, save=False)
    assert counting.texts == [result.claim.text]  # every passage vector comes from the index
    assert result == plain
