"""Import into real DuckDB files: idempotence, atomicity per file, progress, and the seeds end to end."""

import json

import pytest

from index.vectors import VectorIndex
from tests.conftest import SEED_COMMENTS, SEED_PLAIN
from workbench.ingest import import_files
from workbench.models import FileResult, about
from workbench.storage import open_store
from workbench.storage.duckdb import DuckDBStore


def counts(settings):
    with open_store(settings.db_path, read_only=True) as store:
        return store.count_rows()


def test_seeds_import_with_comments_kept_apart(seeded):
    found = counts(seeded)
    assert found["articles"] == 2
    assert found["passages"] == found["embeddings"]
    with open_store(seeded.db_path, read_only=True) as store:
        rows = store.execute(
            "SELECT a.origin, p.kind, count(*), count(DISTINCT p.author) FROM passages p JOIN articles a "
            "USING (article_id) GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    by_origin = {(origin.rsplit("/", 1)[-1], kind): (n, authors) for origin, kind, n, authors in rows}
    assert set(by_origin) == {
        (SEED_COMMENTS.name, "body"),
        (SEED_COMMENTS.name, "comment"),
        (SEED_PLAIN.name, "body"),
    }
    assert by_origin[(SEED_COMMENTS.name, "comment")][1] == 34  # distinct commenters on the page
    assert by_origin[(SEED_COMMENTS.name, "body")][1] == 0  # body passages have no author


def test_reimport_is_a_reported_no_op(settings, hashing):
    first = import_files([SEED_PLAIN], settings, hashing)
    before = counts(settings)
    again = import_files([SEED_PLAIN], settings, hashing)
    assert first[0].status == "imported"
    assert again == [FileResult(str(SEED_PLAIN), "skipped", skipped=1, message="already imported")]
    assert counts(settings) == before


def test_same_text_in_another_file_is_recognised(settings, hashing, tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_text(SEED_PLAIN.read_text().replace("\n", "\n\n") + "\n   \n")  # whitespace does not count
    import_files([SEED_PLAIN], settings, hashing)
    assert import_files([copy], settings, hashing)[0].status == "skipped"


def test_bad_files_fail_alone_and_leave_nothing_half_written(settings, hashing, tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "Marovia sent 2,000 troops to Orlan, officials said."}) + "\n")
    half_bad = tmp_path / "half_bad.jsonl"
    half_bad.write_text(
        json.dumps({"text": "A perfectly fine first article about Tessar."})
        + "\n"
        + json.dumps({"text": "Second one is fine too."})
        + "\n{broken json\n"
    )
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    results = import_files([half_bad, good, empty], settings, hashing)
    assert [(r.status, r.articles) for r in results] == [("failed", 0), ("imported", 1), ("failed", 0)]
    assert results[0].message == "line 3: invalid JSON (Expecting property name enclosed in double quotes at column 2)"
    assert results[2].message == "file is empty"
    found = counts(settings)
    assert (found["articles"], found["passages"]) == (1, 1)


def test_a_failed_write_rolls_back_the_whole_file(settings, hashing, monkeypatch):
    import_files([SEED_PLAIN], settings, hashing)
    before = counts(settings)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(DuckDBStore, "insert_embeddings", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        import_files([SEED_COMMENTS], settings, hashing)
    assert counts(settings) == before


def test_multi_file_import_reports_progress(settings, hashing, tmp_path):
    for i in range(3):
        (tmp_path / f"a{i}.md").write_text(f"# Title {i}\n\nRebels advanced {i + 10} miles on day {i}.\n")
    calls = []
    results = import_files([tmp_path], settings, hashing, progress=lambda n, total, path: calls.append((n, total)))
    assert [r.status for r in results] == ["imported"] * 3
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_a_file_written_while_the_next_is_embedded_keeps_order_and_counts_a_shared_article_once(
    settings, hashing, tmp_path
):
    # The writer thread stores file n while file n + 1 is read and embedded: an article in both is only caught
    # inside file n + 1's transaction when file n was not committed yet. Either way it is stored once.
    shared = {"title": "Shared", "text": "The same wire story ran in every paper."}
    paths = []
    for i in range(12):
        path = tmp_path / f"f{i:02d}.jsonl"
        rows = [{"title": f"T{i}.{j}", "text": f"Story {i}.{j}: {i * 10 + j} troops came."} for j in range(5)]
        path.write_text("".join(json.dumps(row) + "\n" for row in [*rows, shared]))
        paths.append(path)
    calls = []
    results = import_files(paths, settings, hashing, progress=lambda n, total, result: calls.append((n, result.path)))
    assert calls == [(n, str(path)) for n, path in enumerate(paths, start=1)]
    assert [r.path for r in results] == [str(path) for path in paths]
    assert [(r.status, r.articles, r.skipped) for r in results] == [("imported", 6, 0)] + [("imported", 5, 1)] * 11
    found = counts(settings)
    assert (found["articles"], found["passages"], found["embeddings"]) == (61, 61, 61)
    assert len(VectorIndex.read(settings.vector_index_path, hashing.model_id)) == 61


def test_an_import_stopped_while_embedding_keeps_the_file_already_written(settings, hashing, tmp_path):
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text("# First\n\nRebels advanced 10 miles.\n\nThe dam held.\n")
    second.write_text("# Second\n\nRain fell for 3 days.\n")

    class StopsOnSecondFile:
        model_id, dimension = hashing.model_id, hashing.dimension

        def __init__(self):
            self.calls = 0

        def embed(self, texts):
            self.calls += 1
            if self.calls == 2:
                raise KeyboardInterrupt  # Ctrl-C while the first file is being written
            return hashing.embed(texts)

    with pytest.raises(KeyboardInterrupt):
        import_files([first, second], settings, StopsOnSecondFile())
    found = counts(settings)
    assert (found["articles"], found["passages"], found["embeddings"]) == (1, 3, 3)
    # the written file's vectors were saved with the index, and keyword search covers them
    assert len(VectorIndex.read(settings.vector_index_path, hashing.model_id)) == 3
    with open_store(settings.db_path, read_only=True) as store:
        assert store.fulltext_coverage().indexed == 3


def test_an_import_reports_its_pace_by_bytes_and_passages(settings, hashing, tmp_path):
    small = tmp_path / "a.md"
    small.write_text("# Small\n\nRebels advanced 10 miles.\n")
    big = tmp_path / "b.jsonl"
    big.write_text("".join(json.dumps({"title": f"T{i}", "text": f"Rain fell {i} days."}) + "\n" for i in range(700)))
    statuses = []
    import_files([small, big], settings, hashing, embedding_progress=statuses.append)
    fractions = [s.fraction for s in statuses]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert 0 < fractions[0] < 0.05  # the small file is a sliver of the bytes
    assert (statuses[0].file_number, statuses[0].embedded, statuses[0].file_passages) == (1, 2, 2)
    assert statuses[-1].passages == 2 + 700 and statuses[-1].file_passages == 700  # one passage per row
    assert len(statuses) == 1 + 2  # the big file in batches of 512
    middle = statuses[1]
    assert middle.rate > 0 and middle.eta_s > 0
    assert middle.describe().startswith(f"file 2 of 2, {middle.passages:,} passages, ")
    assert "left" not in statuses[-1].describe()  # nothing is left at the end


@pytest.mark.parametrize(("seconds", "words"), [(0.2, "1 s"), (40, "40 s"), (200, "3 min"), (7500, "2 h 5 min")])
def test_a_duration_reads_as_a_person_says_it(seconds, words):
    assert about(seconds) == words
