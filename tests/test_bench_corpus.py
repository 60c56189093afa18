import json

from bench.corpus import iter_articles, write_corpus


def test_synthetic_corpus_is_deterministic_and_sized():
    first, again = list(iter_articles(95, seed=3)), list(iter_articles(95, seed=3))
    assert first == again
    assert sum(len(a["text"].split("\n\n")) for a in first) == 95
    assert list(iter_articles(95, seed=4)) != first


def test_corpus_files_hold_every_article_once(tmp_path):
    paths = write_corpus(tmp_path / "corpus", 95, seed=3, per_file=30)
    rows = [json.loads(line) for path in paths for line in path.read_text().splitlines()]
    assert rows == list(iter_articles(95, seed=3))
    assert len(paths) == 4
