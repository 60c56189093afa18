"""The FAISS cache and the BM25 index: incremental equals rebuilt, mismatches refused, crashes healed."""

import json

import numpy as np
import pytest

from index.embedders import load_embedder
from index.vectors import IdFingerprint, IndexMismatchError, VectorIndex, fingerprint_of, sidecar_path
from tests.conftest import EXAMPLES, SEED_COMMENTS, SEED_PLAIN
from workbench.config import Settings, load_settings
from workbench.errors import WorkbenchError
from workbench.indexing import load_vector_index, reindex
from workbench.ingest import import_files
from workbench.retrieval import exact_ranked, faiss_depth, search
from workbench.storage import open_store

QUERIES = ["Samarra distance from Baghdad", "half a billion dollars", "Marovia troops water works", "curfew"]


def snapshot(settings, embedder):
    with open_store(settings.db_path, read_only=True) as store:
        vindex = load_vector_index(store, settings, embedder)
        ids = np.sort(vindex.ids())
        results = [
            [(h.passage_id, round(h.score, 6)) for h in search(store, vindex, embedder, q, k=8)] for q in QUERIES
        ]
    return ids, results


@pytest.mark.slow
def test_rebuild_equals_incremental_build(tmp_path, embedder):
    incremental = Settings(db_path=tmp_path / "inc.duckdb")
    for path in [SEED_PLAIN, EXAMPLES / "articles", SEED_COMMENTS]:  # three separate imports
        import_files([path], incremental, embedder)
    before = snapshot(incremental, embedder)
    saved = VectorIndex.load(incremental.vector_index_path, model=embedder.model_id, dimension=384, rebuild_hint="")

    report = reindex(incremental, embedder)  # FAISS and BM25 rebuilt from the stored vectors
    after = snapshot(incremental, embedder)
    rebuilt = VectorIndex.load(incremental.vector_index_path, model=embedder.model_id, dimension=384, rebuild_hint="")

    assert report.embedded == 0 and report.vectors == len(before[0])
    assert np.array_equal(before[0], after[0])
    assert before[1] == after[1]
    probe = embedder.embed(["Iran sent troops"])[0]
    old, new = saved.search(probe, 20), rebuilt.search(probe, 20)
    assert [pid for pid, _ in old] == [pid for pid, _ in new]
    assert [score for _, score in old] == pytest.approx([score for _, score in new], abs=1e-5)


@pytest.mark.slow
def test_re_embedding_gives_nearly_the_same_vectors_and_results(tmp_path, embedder):
    """The int8 embedder quantises each batch's activations with one scale, so a passage embedded in other
    company (reindex --re-embed batches by id, an import by file) moves a little (mean cosine 0.995 here, the
    least 0.966, a short reader comment): the best passages stay, not every score to the sixth decimal."""
    settings = Settings(db_path=tmp_path / "inc.duckdb")
    for path in [SEED_PLAIN, EXAMPLES / "articles", SEED_COMMENTS]:
        import_files([path], settings, embedder)
    with open_store(settings.db_path, read_only=True) as store:
        ids, vectors = store.load_embeddings(embedder.model_id)
    before = snapshot(settings, embedder)
    report = reindex(settings, embedder, re_embed=True)
    with open_store(settings.db_path, read_only=True) as store:
        again_ids, again = store.load_embeddings(embedder.model_id)
    after = snapshot(settings, embedder)
    assert report.embedded == report.vectors == len(ids) and np.array_equal(ids, again_ids)
    cosines = np.sum(vectors * again, axis=1)
    assert cosines.min() >= 0.95 and cosines.mean() >= 0.99
    for old, new in zip(before[1], after[1], strict=True):
        assert old[0][0] == new[0][0]  # the best passage for each query is the same
        assert len({pid for pid, _ in old} & {pid for pid, _ in new}) >= 6  # of 8


def test_sidecar_records_model_dimension_and_count(settings, hashing):
    import_files([SEED_PLAIN], settings, hashing)
    info = json.loads(sidecar_path(settings.vector_index_path).read_text())
    with open_store(settings.db_path, read_only=True) as store:
        passages = store.count_rows()["passages"]
    expected = {"model": "hashing-64", "dimension": 64, "count": passages, "kind": "flat-ip", "nlist": 0, "nprobe": 0}
    assert info == expected


def test_index_built_with_another_model_is_refused_with_rebuild_command(settings, hashing):
    import_files([SEED_PLAIN], settings, hashing)
    other = load_embedder("hashing:32")
    with open_store(settings.db_path, read_only=True) as store, pytest.raises(IndexMismatchError) as caught:
        load_vector_index(store, settings, other)
    assert "built with model 'hashing-64' (dimension 64)" in str(caught.value)
    assert f"workbench --db {settings.db_path} reindex" in str(caught.value)
    reindex(settings, other)  # the advertised fix works
    with open_store(settings.db_path, read_only=True) as store:
        assert len(load_vector_index(store, settings, other)) > 0


def test_lost_or_stale_faiss_file_is_healed_from_duckdb(settings, hashing, tmp_path):
    import_files([SEED_PLAIN], settings, hashing)
    with open_store(settings.db_path, read_only=True) as store:
        full = np.sort(load_vector_index(store, settings, hashing).ids())
    # an import that died after its DuckDB commit but before saving FAISS leaves the file behind
    stale = VectorIndex.load(settings.vector_index_path, model="hashing-64", dimension=64, rebuild_hint="")
    stale.remove(full[:5])
    stale.save(settings.vector_index_path)
    with open_store(settings.db_path, read_only=True) as store:
        assert np.array_equal(np.sort(load_vector_index(store, settings, hashing).ids()), full)
    settings.vector_index_path.unlink()
    with open_store(settings.db_path, read_only=True) as store:
        assert np.array_equal(np.sort(load_vector_index(store, settings, hashing).ids()), full)


@pytest.mark.parametrize("ann_min", [10**6, 50])  # exact and IVF
def test_an_index_that_swapped_one_id_for_another_is_healed_though_its_count_is_right(tmp_path, hashing, ann_min):
    # load_vector_index compares fingerprints (count, sum, sum of squares of the ids) before any id list
    settings = Settings(db_path=tmp_path / "swap.duckdb", ann_min_vectors=ann_min)
    import_files([SEED_PLAIN, SEED_COMMENTS], settings, hashing)
    saved = VectorIndex.load(settings.vector_index_path, model=hashing.model_id, dimension=64, rebuild_hint="")
    with open_store(settings.db_path, read_only=True) as store:
        stored, missing = store.embedding_fingerprint(hashing.model_id)
        db_ids = store.embedding_ids(hashing.model_id)
    assert missing == 0 and saved.fingerprint() == stored == fingerprint_of(db_ids)
    assert stored.count == len(db_ids) and stored.total == int(db_ids.sum())
    saved.remove(db_ids[3:4])
    saved.add(np.array([10**9]), hashing.embed(["a passage DuckDB never had"]))
    saved.save(settings.vector_index_path)
    assert saved.fingerprint().count == stored.count and saved.fingerprint() != stored
    with open_store(settings.db_path, read_only=True) as store:
        assert np.array_equal(np.sort(load_vector_index(store, settings, hashing).ids()), db_ids)


def test_id_fingerprints_tell_sets_apart_and_wrap_past_64_bits():
    assert fingerprint_of(np.array([3, 1, 2])) == fingerprint_of(np.array([1, 2, 3]))
    assert fingerprint_of(np.array([1, 4])) != fingerprint_of(np.array([2, 3]))  # same count and sum
    big = np.array([2**62, 2**62, 2**62, 2**62, 5])  # the sum passes 2**64 and wraps
    assert fingerprint_of(big) == IdFingerprint(5, 5, 25)
    assert fingerprint_of(np.array([], dtype=np.int64)) == IdFingerprint(0, 0, 0)


def test_corrupt_sidecar_is_rebuilt_from_duckdb_with_a_warning(settings, hashing, caplog):
    import_files([SEED_PLAIN], settings, hashing)
    sidecar_path(settings.vector_index_path).write_text("{not json")
    with open_store(settings.db_path, read_only=True) as store:
        healed = load_vector_index(store, settings, hashing)
        assert np.array_equal(np.sort(healed.ids()), store.embedding_ids(hashing.model_id))
    assert [r.getMessage() for r in caplog.records if "missing or unreadable index description" in r.getMessage()]
    assert json.loads(sidecar_path(settings.vector_index_path).read_text())["count"] == len(healed)


@pytest.mark.slow
def test_large_imports_switch_to_an_ivf_index_that_finds_what_exact_search_finds(tmp_path, embedder):
    exact = Settings(db_path=tmp_path / "exact.duckdb")
    approx = Settings(db_path=tmp_path / "approx.duckdb", ann_min_vectors=100)
    for settings in (exact, approx):
        for path in [SEED_PLAIN, EXAMPLES / "articles", SEED_COMMENTS]:
            import_files([path], settings, embedder)
    saved = VectorIndex.load(approx.vector_index_path, model=embedder.model_id, dimension=384, rebuild_hint="")
    info = json.loads(sidecar_path(approx.vector_index_path).read_text())
    assert saved.kind == info["kind"] == "ivf-sq8"
    assert info["nlist"] == 64 and info["nprobe"] == saved.nprobe
    with open_store(exact.db_path, read_only=True) as store:
        flat = load_vector_index(store, exact, embedder)
    assert flat.kind == "flat-ip"
    assert np.array_equal(np.sort(saved.ids()), np.sort(flat.ids()))
    found = []
    for query in [*QUERIES, "Iran sent troops", "ISIS is 30 miles from Baghdad", "the central bank in Mosul"]:
        vector = embedder.embed([query])[0]
        truth = {pid for pid, _ in flat.search(vector, 10)}
        found.append(len(truth & {pid for pid, _ in saved.search(vector, 10)}) / 10)
    assert sum(found) / len(found) >= 0.9
    some = np.sort(flat.ids())[:25]
    exact, decoded = flat.vectors_for(some), saved.vectors_for([*some, 10**9])
    assert sorted(decoded) == sorted(exact) == some.tolist()  # an id the index lacks is left out
    assert max(float(np.abs(decoded[pid] - exact[pid]).max()) for pid in exact) < 0.02  # 8-bit codes, near enough


def test_an_ivf_index_is_healed_from_duckdb_like_an_exact_one(tmp_path, hashing):
    settings = Settings(db_path=tmp_path / "ivf.duckdb", ann_min_vectors=50)
    import_files([SEED_PLAIN, SEED_COMMENTS], settings, hashing)
    saved = VectorIndex.load(settings.vector_index_path, model=hashing.model_id, dimension=64, rebuild_hint="")
    assert saved.kind == "ivf-sq8"
    dropped = np.sort(saved.ids())[:5]
    assert saved.remove(dropped) == 5
    saved.add(np.array([10**9]), hashing.embed(["a passage DuckDB never had"]))
    saved.save(settings.vector_index_path)
    with open_store(settings.db_path, read_only=True) as store:
        healed = load_vector_index(store, settings, hashing)
        assert np.array_equal(np.sort(healed.ids()), store.embedding_ids(hashing.model_id))
    assert healed.kind == "ivf-sq8"


def test_reindex_builds_the_index_kind_the_corpus_size_calls_for(tmp_path, hashing):
    settings = Settings(db_path=tmp_path / "re.duckdb")
    import_files([SEED_PLAIN, SEED_COMMENTS], settings, hashing)
    assert reindex(settings, hashing).vectors > 50
    with open_store(settings.db_path, read_only=True) as store:
        assert load_vector_index(store, settings, hashing).kind == "flat-ip"
    smaller = Settings(db_path=settings.db_path, ann_min_vectors=50)
    reindex(smaller, hashing)
    with open_store(settings.db_path, read_only=True) as store:
        assert load_vector_index(store, smaller, hashing).kind == "ivf-sq8"


def _clustered(n: int, dimension: int = 384, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((200, dimension)).astype(np.float32)
    x = centres[rng.integers(0, 200, n)] + 0.6 * rng.standard_normal((n, dimension)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


class _VectorStore:
    """The one Store method exact_ranked reads: stored vectors by id (a fast stand-in for the unit test)."""

    def __init__(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.rows = dict(zip(ids.tolist(), vectors, strict=True))

    def load_embeddings(self, model: str, ids):
        found = np.array([i for i in sorted(set(map(int, ids))) if i in self.rows], dtype=np.int64)
        return found, np.array([self.rows[i] for i in found], dtype=np.float32)


@pytest.mark.slow  # trains three indexes over 10,000 vectors
def test_product_codes_take_less_room_and_their_reranked_neighbours_are_the_exact_ones(tmp_path):
    ids, x = np.arange(1, 10_001), _clustered(10_000)
    flat = VectorIndex.build("m", ids, x, ann_min=10**9)
    sq8 = VectorIndex.build("m", ids, x, ann_min=1000)
    pq = VectorIndex.build("m", ids, x, ann_min=1000, codes="pq")
    assert (flat.kind, sq8.kind, pq.kind, pq.codes) == ("flat-ip", "ivf-sq8", "ivf-pq", "pq")
    for index in (sq8, pq):
        index.save(tmp_path / f"{index.kind}.faiss")
    sizes = {k: (tmp_path / f"{k}.faiss").stat().st_size for k in ("ivf-sq8", "ivf-pq")}
    # 56 bytes a vector against 392 (codes and id) beside fixed centroids and code books: 2.7x less here, 6x at 1M
    assert sizes["ivf-pq"] < sizes["ivf-sq8"] / 2
    loaded = VectorIndex.load(tmp_path / "ivf-pq.faiss", model="m", dimension=384, rebuild_hint="")
    assert loaded.kind == "ivf-pq"
    store = _VectorStore(ids, x)
    plain, reranked = [], []
    for query in x[:100]:
        truth = {pid for pid, _ in flat.search(query, 10)}
        plain.append(len(truth & {pid for pid, _ in loaded.search(query, 10)}) / 10)
        found = exact_ranked(store, loaded, query, loaded.search(query, faiss_depth(loaded, 10)), 10)
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
        reranked.append(len(truth & {pid for pid, _ in found}) / 10)
    assert np.mean(plain) < 0.8 and np.mean(reranked) >= 0.95
    # too few vectors to train product codes: scalar codes instead
    assert VectorIndex.build("m", ids[:5000], x[:5000], ann_min=1000, codes="pq").kind == "ivf-sq8"


def test_a_vector_code_setting_that_is_not_one_is_one_line(monkeypatch):
    monkeypatch.setenv("WORKBENCH_VECTOR_CODES", "opq")
    with pytest.raises(WorkbenchError, match=r"^WORKBENCH_VECTOR_CODES='opq' is not one of sq8, pq$"):
        load_settings()
    monkeypatch.setenv("WORKBENCH_VECTOR_CODES", "SQ8")
    assert load_settings().vector_codes == "sq8"
    monkeypatch.delenv("WORKBENCH_VECTOR_CODES")
    assert load_settings().vector_codes == Settings().vector_codes == "pq"  # product codes, re-ranked by their rows


@pytest.mark.slow  # imports 10,500 passages (with the fast fake embedder)
def test_an_import_asked_for_product_codes_builds_them_and_search_reranks_by_their_rows(tmp_path, hashing, monkeypatch):
    from bench.corpus import write_corpus
    from index.rerank import rerank_path

    settings = Settings(db_path=tmp_path / "pq.duckdb", ann_min_vectors=2000, vector_codes="pq")
    import_files(write_corpus(tmp_path / "corpus", 10_500), settings, hashing)
    assert rerank_path(settings.vector_index_path).is_file()
    assert not list(tmp_path.glob("*.tmp"))  # the rows spooled while the import grew the index were renamed in
    with open_store(settings.db_path, read_only=True) as store:
        vindex = load_vector_index(store, settings, hashing)
        assert vindex.kind == "ivf-pq" and len(vindex) >= 10_500
        (pid, text), *_ = store.passage_texts()[1234:1235]
        monkeypatch.setattr(type(store), "load_embeddings", None)  # the index's own rows rank, not the store's
        hits = search(store, vindex, hashing, text, k=5)
    assert hits[0].passage_id == pid and hits[0].dense_rank == 1  # its own vector ranks it first


def test_a_loaded_ivf_index_reads_its_lists_from_the_file_and_copies_them_in_before_it_changes(tmp_path):
    ids, x = np.arange(1, 6_001), _clustered(6_000, dimension=64)
    built = VectorIndex.build("m", ids[:5_000], x[:5_000], ann_min=1000)
    path = tmp_path / "ivf.faiss"
    built.save(path)
    loaded = VectorIndex.load(path, model="m", dimension=64, rebuild_hint="")
    assert (built.mapped, loaded.mapped, loaded.kind) == (False, True, "ivf-sq8")
    for query in x[::500]:
        assert loaded.search(query, 10) == built.search(query, 10)
    other = VectorIndex.build("m", ids[:100], x[:100], ann_min=10)
    other.save(path)  # renamed over the mapped file: the loaded index keeps answering from the file it mapped
    assert loaded.search(x[0], 10) == built.search(x[0], 10)
    for index in (built, loaded):
        index.add(ids[5_000:], x[5_000:])
        assert index.remove(ids[:10]) == 10
    assert not loaded.mapped
    loaded.save(path)
    again = VectorIndex.load(path, model="m", dimension=64, rebuild_hint="")
    assert again.mapped and len(again) == len(built) == 5_990
    for query in x[::500]:
        assert again.search(query, 10) == built.search(query, 10)


def test_rerank_rows_are_kept_by_passage_id_added_in_place_and_replaced_by_a_rebuild(tmp_path):
    from index.rerank import RerankRows, rerank_path

    x = _clustered(40, dimension=16)
    index_path = tmp_path / "pq.faiss"
    rows = RerankRows(16)
    rows.add(np.array([3, 7]), x[:2])
    assert set(rows.vectors([3, 7, 9])) == {3, 7}  # before any save, from memory
    rows.save(index_path)
    saved = rerank_path(index_path)
    assert saved.stat().st_size == 8 * 16 * 2  # rows 0-7, float16
    again = RerankRows(16, saved)
    found = again.vectors([7, 3, 5, 100])
    assert set(found) == {3, 7}  # 5 was never written (zeros), 100 is past the end
    assert np.abs(found[7] - x[1]).max() < 1e-3 and found[7].dtype == np.float32
    again.add(np.array([12]), x[2:3])
    again.save(index_path)  # in place: the file it was read from grows
    assert saved.stat().st_size == 13 * 16 * 2 and set(RerankRows(16, saved).vectors(range(20))) == {3, 7, 12}
    spool = RerankRows.spooled(index_path, 16)  # a rebuild's rows, on disk as they come, renamed over on save
    spool.write(np.array([1, 2]), x[3:5])
    assert set(spool.vectors([1, 2, 3])) == {1, 2} and spool.file != saved
    spool.save(index_path)
    assert set(RerankRows(16, saved).vectors(range(20))) == {1, 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pq.faiss.rerank"]  # no temporary file left
    abandoned = RerankRows.spooled(index_path, 16)
    leftover = abandoned.file
    del abandoned  # a build that never saves leaves no file behind
    assert not leftover.exists()
    with pytest.raises(ValueError, match="dimension 16"):
        RerankRows(16).add(np.array([1]), x[:1, :8])
    VectorIndex("m", 16).save(index_path)  # an index of another kind in its place takes the rows away with it
    assert not saved.exists()


def test_rerank_rows_go_to_their_file_once_enough_are_held(tmp_path, monkeypatch):
    from index import rerank

    monkeypatch.setattr(rerank, "SPILL_ROWS", 10)
    x = _clustered(40, dimension=16)
    spool = rerank.RerankRows.spooled(tmp_path / "pq.faiss", 16)
    spool.add(np.arange(1, 10), x[:9])
    assert spool.file.stat().st_size == 0  # nine held in memory
    spool.add(np.arange(10, 12), x[9:11])
    assert spool.file.stat().st_size == 12 * 16 * 2  # eleven written: an import does not hold them all
    assert set(spool.vectors(range(20))) == set(range(1, 12))
    spool.save(tmp_path / "pq.faiss")
    loaded = rerank.RerankRows(16, rerank.rerank_path(tmp_path / "pq.faiss"))
    loaded.add(np.arange(20, 32), x[20:32])  # into the saved file, in place
    assert rerank.rerank_path(tmp_path / "pq.faiss").stat().st_size == 32 * 16 * 2
    assert set(rerank.RerankRows(16, loaded.file).vectors(range(40))) == set(range(1, 12)) | set(range(20, 32))


@pytest.mark.slow  # trains an index over 12,000 vectors
def test_an_ivf_pq_index_reranks_from_its_own_rows_and_from_the_store_where_it_has_none(tmp_path):
    from index.rerank import rerank_path

    ids, x = np.arange(1, 12_001), _clustered(12_000)
    path = tmp_path / "pq.faiss"
    VectorIndex.build("m", ids[:10_000], x[:10_000], ann_min=1000, codes="pq").save(path)
    loaded = VectorIndex.load(path, model="m", dimension=384, rebuild_hint="")
    loaded.add(ids[10_000:], x[10_000:])  # an import's rows, in memory until it saves
    loaded.remove(ids[:5])
    loaded.save(path)
    loaded = VectorIndex.load(path, model="m", dimension=384, rebuild_hint="")
    assert set(loaded.rerank_vectors(ids)) == set(ids.tolist())  # the removed ones' rows stay, unread
    exact = VectorIndex.build("m", ids[5:], x[5:], ann_min=10**9)
    store = _VectorStore(ids, x)

    class NoStore:
        def load_embeddings(self, model, ids):
            raise AssertionError(f"read {len(ids)} stored vectors")

    for query in x[5::400]:
        own = exact_ranked(NoStore(), loaded, query, loaded.search(query, faiss_depth(loaded, 10)), 10)
        stored = exact_ranked(store, loaded, query, loaded.search(query, faiss_depth(loaded, 10)), 10)
        assert [pid for pid, _ in own] == [pid for pid, _ in stored]
        assert np.allclose([s for _, s in own], [s for _, s in stored], atol=2e-3)
        assert len({pid for pid, _ in own} & {pid for pid, _ in exact.search(query, 10)}) >= 9
    rerank_path(path).unlink()  # a file saved before the rows existed: re-ranked from the store, as it was then
    old = VectorIndex.load(path, model="m", dimension=384, rebuild_hint="")
    assert old.rerank_vectors(ids[:10]) == {}
    with pytest.raises(AssertionError, match="read 100 stored vectors"):
        exact_ranked(NoStore(), old, x[5], old.search(x[5], faiss_depth(old, 10)), 10)
