from bench.corpus import iter_articles


def test_synthetic_corpus_is_deterministic_and_sized():
    first, again = list(iter_articles(95, seed=3)), list(iter_articles(95, seed=3))
    assert first == again
    assert sum(len(a["text"].split("\n\n")) for a in first) == 95
    assert list(iter_articles(95, seed=4)) != first
