"""Hybrid retrieval on the real seeds with the real model and real FAISS and DuckDB FTS."""

import pytest

from tests.conftest import SEED_PLAIN
from workbench import claimbook
from workbench.fulltext import to_search_text
from workbench.indexing import load_vector_index
from workbench.retrieval import evidence_for_claim, lexical_query, search
from workbench.storage import open_store


@pytest.fixture(scope="module")
def ready(seeded, embedder):
    with open_store(seeded.db_path, read_only=True) as store:
        return load_vector_index(store, seeded, embedder)


def run(seeded, vindex, embedder, query, **kwargs):
    with open_store(seeded.db_path, read_only=True) as store:
        return search(store, vindex, embedder, query, **kwargs)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("How far is Samarra from Baghdad?", "Samarra is located about 60 miles north-west of Baghdad"),
        ("Militants are within thirty miles of the Iraqi capital", "now just 30 miles away from Baghdad"),
        ("Tehran deployed two thousand soldiers to Iraq", "2000 Iranian troops were sent to Iraq"),
        ("How much money did the jihadists take from banks in Mosul?", "half a billion dollar was seized by ISIS"),
        ("Top Shia cleric tells Iraqis to pick up weapons", "urged people in a sermon at Friday prayers"),
        ("Shelling near Mosul left seven dead and dozens hurt", "killed at least seven and wounded 33 people"),
        ("Washington sends a carrier to the Gulf", "sent an aircraft carrier and guided missile destroyers"),
    ],
)
def test_paraphrased_queries_find_the_known_passage_in_top_5(seeded, ready, embedder, query, expected):
    hits = run(seeded, ready, embedder, query, k=5)
    assert any(expected in hit.text for hit in hits), [hit.text[:80] for hit in hits]


def test_numeric_forms_meet_in_full_text_search(seeded):
    # "$500 million" in a query must reach "half a billion dollar" through BM25 alone
    with open_store(seeded.db_path, read_only=True) as store:
        lexical = store.bm25("dollars 500000000 seized", 5)
        texts = [
            t
            for (t,) in [
                store.execute("SELECT text FROM passages WHERE passage_id = ?", [pid]).fetchone() for pid, _ in lexical
            ]
        ]
    assert any("half a billion dollar was seized" in t for t in texts)


def test_a_measure_is_also_asked_for_in_the_other_unit(seeded):
    query = "ISIS fighters are within about 48 km of Baghdad"
    assert lexical_query(query) == f"{query} 30 miles"
    with open_store(seeded.db_path, read_only=True) as store:
        (target,) = store.execute(
            "SELECT passage_id FROM passages WHERE text LIKE '%30 miles away from Baghdad%'"
        ).fetchone()

        def rank(text: str) -> int:
            found = [pid for pid, _ in store.bm25(text, 50)]
            return found.index(target) if target in found else len(found)

        assert rank(lexical_query(query)) < 5 < rank(to_search_text(query))


def test_hits_carry_article_fields_and_fused_ranks(seeded, ready, embedder):
    [hit] = run(seeded, ready, embedder, "Samarra 60 miles north-west of Baghdad", k=1)
    assert hit.outlet == "Missing Peace" and hit.kind == "body"
    assert hit.bm25_rank == 1 and hit.dense_rank is not None
    assert set(hit.to_json()) >= {"passage_id", "article_id", "title", "outlet", "text", "kind", "score"}


def test_comments_are_returned_and_marked_as_comments(seeded, ready, embedder):
    hits = run(seeded, ready, embedder, "Is Qatar involved too, is ISIS a purely Saudi operation?", k=5)
    comment = next(hit for hit in hits if "purely Saudi operation" in hit.text)
    assert comment.kind == "comment" and comment.author


def test_a_claim_from_an_article_never_cites_that_article(tmp_path, seeded, ready, embedder):
    with open_store(seeded.db_path, read_only=True) as store:
        plain_id = store.execute("SELECT article_id FROM articles WHERE origin = ?", [str(SEED_PLAIN)]).fetchone()[0]
        sentence_passage = store.execute(
            "SELECT passage_id, text FROM passages WHERE article_id = ? AND text LIKE '%60 miles north-west%'",
            [plain_id],
        ).fetchone()
    # Same question with and without the claim's provenance: only the provenance excludes its own article.
    open_search = run(seeded, ready, embedder, "Samarra is located about 60 miles north-west of Baghdad", k=10)
    assert any(hit.article_id == plain_id for hit in open_search)
    with open_store(seeded.db_path) as store:
        added = claimbook.add_claim(
            store,
            "Samarra is located about 60 miles north-west of Baghdad.",
            origin="extracted",
            source_article_id=plain_id,
            source_passage_id=sentence_passage[0],
        )
        hits = evidence_for_claim(store, ready, embedder, added.claim_id, k=10)
        store.execute("DELETE FROM claims WHERE claim_id = ?", [added.claim_id])  # leave the shared db as found
    assert len(hits) == 10
    assert all(hit.article_id != plain_id for hit in hits)


def test_empty_query_returns_nothing(seeded, ready, embedder):
    assert run(seeded, ready, embedder, "   ") == []


def test_a_search_times_every_stage_including_those_of_its_dense_thread(seeded, ready, embedder):
    # Embedding and FAISS run on a worker thread beside BM25; their time must still reach the caller's figures.
    from workbench.stages import collect

    with collect() as seconds:
        hits = run(seeded, ready, embedder, "How far is Samarra from Baghdad?", k=5)
    assert hits
    assert {"bm25", "embed", "faiss", "fetch"} <= set(seconds), seconds
    assert all(value > 0 for value in seconds.values()), seconds
