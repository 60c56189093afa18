"""Scale-out benchmarks (issue 15): vector codes on real-ish text, and imports and index builds on Ray.

Usage:
    python -m bench.scale vectors --passages 1000000   # IVF-SQ8 / IVF-PQ: recall@10, memory, query and build time
    python -m bench.scale ray --passages 20000         # import here and on 1 and 2 Ray workers
    python -m bench.scale bm25 --passages 1000000      # BM25 search time over real-ish text (no embedding)

`vectors` embeds a real-ish corpus with the shipped embedder (the vectors are cached in --work, so a rerun only
indexes): passages are windows of one to three consecutive sentences of real documents (FNC-1 and ARC bodies,
Climate-FEVER evidence, CheckThat! debate sentences), every distinct window once, then pairs of windows from two
documents until the count is reached. The template corpus of bench.corpus is too tightly clustered to say anything
about an approximate index (at 100k a passage's tenth neighbour has a median cosine of 0.96). Queries are claims
and headlines (Climate-FEVER claims, FNC-1 headlines) that are not in the corpus; the truth is exact search.
It prints a table, a projection to 100M passages from the measured bytes per vector, and merges its figures into
bench/results.json under "scale".

`bm25` stores the same real-ish passages (no vectors), builds the full-text index and times `store.bm25` for the
same queries as retrieval asks them (`lexical_query`, top 50). bench.run's template corpus has a small vocabulary,
so every query term there is common (idf 0.6-2.5 at 1M); this says what BM25 costs over real sentences.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bench.run import REPO, RESULTS, peak_mb, percentiles  # bench.run also keeps model loading offline

DATA = REPO.parent / "shared" / "data"
QUERY_COUNT = 500
RERANK = 10  # an IVF-PQ search re-ranks this many times k candidates by the stored vectors, as retrieval does
_SENTENCE = re.compile(r"[^.!?]+[.!?]+[\"'”’)]*|[^.!?]+$")


def _documents() -> Iterator[list[str]]:
    """Real documents as lists of sentences."""
    csv.field_size_limit(10**8)
    for path in (DATA / "news" / "fnc1" / "train_bodies.csv", DATA / "news" / "arc" / "arc_bodies.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                yield [s.strip() for s in _SENTENCE.findall(row["articleBody"].replace("\n", " ")) if s.strip()]
    with (DATA / "climate-fever.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            yield [e["evidence"] for e in json.loads(line)["evidences"]]
    with (DATA / "checkworthy" / "CT24_checkworthy_english_train.tsv").open(encoding="utf-8") as fh:
        sentences = [row["Text"] for row in csv.DictReader(fh, delimiter="\t")]
    for start in range(0, len(sentences), 20):  # a debate's turns, twenty at a time
        yield sentences[start : start + 20]


def realish_passages(count: int, *, seed: int = 11) -> list[str]:
    """count distinct passages of real sentences: every window of one to three consecutive sentences of a document
    (shuffled), then two windows of different documents joined, until there are count."""
    rng = random.Random(seed)
    docs = [d for d in _documents() if d]
    windows = list(
        dict.fromkeys(
            " ".join(doc[i : i + size])
            for doc in docs
            for size in (1, 2, 3)
            for i in range(0, max(1, len(doc) - size + 1))
            if len(" ".join(doc[i : i + size]).split()) >= 5
        )
    )
    rng.shuffle(windows)
    out = windows[:count]
    seen = set(out)
    while len(out) < count:
        a, b = rng.choice(docs), rng.choice(docs)
        if a is b:
            continue
        i, j = rng.randrange(len(a)), rng.randrange(len(b))
        text = f"{' '.join(a[i : i + 2])} {' '.join(b[j : j + 2])}"
        if text not in seen and len(text.split()) <= 90:
            seen.add(text)
            out.append(text)
    return out


def query_texts(count: int = QUERY_COUNT, *, seed: int = 5) -> list[str]:
    """Claims and headlines that are not passages of the corpus."""
    with (DATA / "climate-fever.jsonl").open(encoding="utf-8") as fh:
        claims = [json.loads(line)["claim"] for line in fh]
    with (DATA / "news" / "fnc1" / "train_stances.csv").open(encoding="utf-8", newline="") as fh:
        headlines = sorted({row["Headline"] for row in csv.DictReader(fh)})
    rng = random.Random(seed)
    return rng.sample(claims, count // 2) + rng.sample(headlines, count - count // 2)


def _embedded(texts: list[str], path: Path, *, part_size: int = 65_536) -> np.ndarray:
    """The shipped embedder's vectors of texts, cached at path (.npy) for reruns. Embedding 1M passages takes an hour
    or more here, so each part_size texts are saved as they are done (in path's ".parts" folder) and a run that was
    stopped resumes from the parts it finished."""
    if path.exists():
        vectors = np.load(path, mmap_mode="r")
        if len(vectors) == len(texts):
            return vectors
    from index.embedders import load_embedder

    parts_dir = path.with_suffix(".parts")
    parts_dir.mkdir(exist_ok=True)
    embedder, started, done_here = load_embedder(None), time.perf_counter(), 0
    parts = []
    for start in range(0, len(texts), part_size):
        part = parts_dir / f"{start:012d}-{len(texts)}.npy"
        if not part.exists():
            chunk = texts[start : start + part_size]
            vectors = np.concatenate([embedder.embed(chunk[i : i + 4096]) for i in range(0, len(chunk), 4096)])
            np.save(part.with_suffix(".tmp.npy"), vectors.astype(np.float32))
            part.with_suffix(".tmp.npy").rename(part)  # a part is there whole or not at all
            done_here += len(chunk)
            rate = done_here / (time.perf_counter() - started)
            print(f"embedded {start + len(chunk):,} of {len(texts):,} ({rate:.0f}/s)", file=sys.stderr)
        parts.append(part)
    vectors = np.concatenate([np.load(part) for part in parts])
    np.save(path, vectors)
    for part in parts:
        part.unlink()
    parts_dir.rmdir()
    return vectors


def _recall(truth: np.ndarray, found: list[list[int]]) -> float:
    return float(np.mean([len(set(t) & set(f)) / len(t) for t, f in zip(truth.tolist(), found, strict=True)]))


def _timed_search(search, queries: np.ndarray) -> tuple[list[list[int]], float]:
    found, ms = [], []
    for query in queries:
        started = time.perf_counter()
        found.append(search(query))
        ms.append((time.perf_counter() - started) * 1000)
    return found, statistics.median(ms)


def _resident_mb(index_path: Path, queries_path: Path) -> dict:
    """Resident memory a fresh process gains by loading the index file into memory (as an import holds it), and by
    opening it mapped, as serving does (index.vectors.VectorIndex.read), then searching every query."""
    code = (
        "import re, sys, faiss, numpy as np; from pathlib import Path; from index.vectors import VectorIndex\n"
        "rss = lambda: int(re.search(r'VmRSS:\\s+(\\d+)', Path('/proc/self/status').read_text())[1])\n"
        f"path = Path({str(index_path)!r})\n"
        f"queries = np.load({str(queries_path)!r}) if sys.argv[1] == 'mapped' else None\n"
        "before = rss()  # after the queries are read: only the index counts\n"
        "if queries is None:\n"
        "    index = faiss.read_index(str(path))\n"
        "else:\n"
        "    index = VectorIndex.read(path, 'm')\n"
        "    for query in queries: index.search(query, 10)\n"
        "print((rss() - before) / 1024)"
    )
    figures = {}
    for how, key in (("memory", "resident_mb"), ("mapped", "mapped_after_queries_mb")):
        done = subprocess.run([sys.executable, "-c", code, how], capture_output=True, text=True, cwd=REPO, check=True)
        figures[key] = round(float(done.stdout.strip()), 1)
    return figures


def vectors_tier(count: int, work: Path) -> dict:
    """Flat, IVF-SQ8 and IVF-PQ over count real-ish passages: build time, file size, resident memory, recall@10
    against exact search, query time; IVF-PQ also re-ranked by the stored vectors."""
    import faiss

    from index.rerank import rerank_path
    from index.vectors import DEFAULT_NPROBE, VectorIndex, lists_for

    faiss.omp_set_num_threads(1)  # one query at a time, as a reviewer's search runs
    texts = realish_passages(count)
    vectors = np.asarray(_embedded(texts, work / f"realish-{count}.npy"))
    queries = np.asarray(_embedded(query_texts(), work / "realish-queries.npy"))
    ids = np.arange(1, count + 1, dtype=np.int64)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth_rows = exact.search(queries, 10)
    truth = ids[truth_rows]
    tenth = float(np.median(exact.search(vectors[:: max(1, count // 1000)], 11)[0][:, 10]))
    del exact
    rows = {}
    for codes in ("sq8", "pq"):
        faiss.omp_set_num_threads(2)
        started = time.perf_counter()
        index = VectorIndex.build("m", ids, vectors, ann_min=0, codes=codes)
        build_s = time.perf_counter() - started
        faiss.omp_set_num_threads(1)
        path = work / f"realish-{count}-{codes}.faiss"
        index.save(path)
        found, ms = _timed_search(lambda q, index=index: [pid for pid, _ in index.search(q, 10)], queries)
        row = {
            "build_s": round(build_s, 1),
            "file_mb": round(path.stat().st_size / 2**20, 1),
            **_resident_mb(path, work / "realish-queries.npy"),
            "recall_at_10": round(_recall(truth, found), 3),
            "query_ms": round(ms, 2),
            "nlist": lists_for(count),
            "nprobe": DEFAULT_NPROBE,
        }
        row |= sharded_build_s(ids, vectors, codes)
        if codes == "pq":

            def reranked(query: np.ndarray, index=index) -> list[int]:
                # by the index's own float16 rows, read from the file beside it, as retrieval re-ranks
                candidates = [pid for pid, _ in index.search(query, 10 * RERANK)]
                rows = index.rerank_vectors(candidates)
                return sorted(candidates, key=lambda pid: -float(rows[pid] @ query))[:10]

            found, ms = _timed_search(reranked, queries)
            row |= {
                "reranked_recall_at_10": round(_recall(truth, found), 3),
                "reranked_query_ms": round(ms, 2),
                "rerank_file_mb": round(rerank_path(path).stat().st_size / 2**20, 1),
            }
        rows[codes] = row
        del index
    flat_mb = count * vectors.shape[1] * 4 / 2**20
    return {
        "passages": count,
        "queries": len(queries),
        "median_tenth_neighbour_cosine": round(tenth, 3),
        "flat_mb": round(flat_mb, 1),
        **{f"ivf_{codes}": row for codes, row in rows.items()},
    }


def projection(tier: dict, target: int = 100_000_000) -> dict:
    """Memory, disk and query time at target passages, scaled from the measured tier: codes and ids grow with the
    count; a query visits nprobe lists of count / nlist codes each, and nlist grows with the square root, so the
    codes scanned grow with the square root of the count too (the quantiser's scan of the centroids as well)."""
    n = tier["passages"]
    scale, root = target / n, (target / n) ** 0.5
    pq, sq8 = tier["ivf_pq"], tier["ivf_sq8"]
    return {
        "passages": target,
        "float_vectors_gb": round(tier["flat_mb"] * scale / 1024, 1),
        "ivf_sq8_resident_gb": round(sq8["resident_mb"] * scale / 1024, 1),
        "ivf_pq_resident_gb": round(pq["resident_mb"] * scale / 1024, 1),
        "ivf_pq_query_ms": round(pq["query_ms"] * root, 1),
        "ivf_pq_reranked_query_ms": round(pq["reranked_query_ms"] * root, 1),
    }


def print_vectors(tier: dict, projected: dict) -> None:
    print(
        f"{tier['passages']:,} real-ish passages, {tier['queries']} queries; a passage's 10th neighbour at median "
        f"cosine {tier['median_tenth_neighbour_cosine']}; float vectors {tier['flat_mb']:,.0f} MB"
    )
    print(
        "| index | build s | shards here / on 2 Ray workers s | file MB | resident MB in memory / mapped after the "
        "queries | recall@10 | query ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for codes in ("sq8", "pq"):
        row = tier[f"ivf_{codes}"]
        name = f"IVF-{codes.upper()}, {row['nlist']:,} lists, nprobe {row['nprobe']}"
        print(
            f"| {name} | {row['build_s']} | {row['shards_here_s']} / {row['shards_ray_2_workers_s']} "
            f"| {row['file_mb']:,} | {row['resident_mb']:,} / {row['mapped_after_queries_mb']:,} "
            f"| {row['recall_at_10']} | {row['query_ms']} |"
        )
        if codes == "pq":
            print(
                f"| IVF-PQ re-ranked by the stored vectors ({RERANK}x candidates) | | | | | "
                f"{row['reranked_recall_at_10']} | {row['reranked_query_ms']} |"
            )
    print(
        f"projected to {projected['passages']:,}: float vectors {projected['float_vectors_gb']} GB, IVF-SQ8 "
        f"{projected['ivf_sq8_resident_gb']} GB, IVF-PQ {projected['ivf_pq_resident_gb']} GB resident; IVF-PQ query "
        f"{projected['ivf_pq_query_ms']} ms ({projected['ivf_pq_reranked_query_ms']} ms re-ranked)"
    )


def _import_seconds(corpus: list[Path], db: Path, ray: str | None, workers: int) -> float:
    """Seconds of `workbench import` of the corpus into a new database, here or on Ray (its own process, as a user
    runs it, Ray's start included)."""
    argv = [sys.executable, "-m", "workbench", "--db", str(db), "import", *map(str, corpus)]
    if ray:
        argv += ["--ray", ray, "--ray-workers", str(workers)]
    started = time.perf_counter()
    subprocess.run(argv, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - started


def ray_tier(count: int, work: Path) -> dict:
    """Passages per second of `workbench import` of count template passages here, on one Ray worker and on two (a
    local cluster of this machine's 2 CPUs)."""
    from bench.corpus import write_corpus

    corpus = write_corpus(work / f"ray-corpus-{count}", count, per_file=max(1, count // 8))
    runs = {"here": (None, 1), "ray_1_worker": ("local:2", 1), "ray_2_workers": ("local:2", 2)}
    out = {"passages": count}
    for name, (ray, workers) in runs.items():
        for stale in work.glob(f"ray-{name}.duckdb*"):
            stale.unlink()
        seconds = _import_seconds(corpus, work / f"ray-{name}.duckdb", ray, workers)
        out[f"import_{name}_per_s"] = round(count / seconds, 1)
    return out


def sharded_build_s(ids: np.ndarray, vectors: np.ndarray, codes: str) -> dict:
    """Seconds to code an IVF index's shards (workbench.indexing.SHARD_VECTORS vectors each) here and on two Ray
    workers (a local cluster of this machine's 2 CPUs), training excluded; both give the same index."""
    from index.vectors import index_bytes, merge_shards, train_ivf, training_positions
    from workbench.distributed import RayPlan, connect, ray_shard_encoder
    from workbench.indexing import SHARD_VECTORS, encode_here

    plan = RayPlan("local:2", 2)
    connect(plan.address)  # Ray's own start is not the build's time
    trained = index_bytes(train_ivf(vectors[training_positions(len(ids))], len(ids), codes))

    def chunks():
        return ((ids[i : i + SHARD_VECTORS], vectors[i : i + SHARD_VECTORS]) for i in range(0, len(ids), SHARD_VECTORS))

    out = {}
    for name, encode in {"here": encode_here, "ray_2_workers": ray_shard_encoder(plan)}.items():
        started = time.perf_counter()
        merge_shards("m", trained, encode(trained, chunks()))
        out[f"shards_{name}_s"] = round(time.perf_counter() - started, 1)
    return out


BM25_DOC_PASSAGES = 100  # passages stored as one article: the FTS index and the postings do not depend on it


def bm25_tier(count: int, work: Path, queries: int = QUERY_COUNT, rounds: int = 3) -> dict:
    """BM25 over count real-ish passages: build the database once (kept in work), then time the queries, `rounds`
    times each; p50 and p95 in milliseconds."""
    from workbench.retrieval import lexical_query
    from workbench.storage import open_store

    db = work / f"bm25-{count}.duckdb"
    build_s = None
    if not db.exists():
        started = time.perf_counter()
        _store_passages(realish_passages(count), work / f"bm25-{count}.building.duckdb", db)
        build_s = round(time.perf_counter() - started, 1)
    asked = [lexical_query(q) for q in query_texts(queries)]
    with open_store(db, read_only=True) as store:
        store.bm25(asked[0], 50)  # the first query opens the FTS tables
        ms = []
        for _ in range(rounds):
            for text in asked:
                started = time.perf_counter()
                store.bm25(text, 50)
                ms.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(ms)
    return {
        "passages": count,
        "queries": len(asked),
        "build_s": build_s,
        "bm25_p50_ms": round(p50, 1),
        "bm25_p95_ms": round(p95, 1),
    }


def _store_passages(texts: list[str], building: Path, db: Path) -> None:
    """Store the texts as articles of BM25_DOC_PASSAGES passages each and build the full-text index; the database
    appears under db only once complete."""
    from workbench.fulltext import to_search_text
    from workbench.models import Document, PassageDraft
    from workbench.storage import open_store
    from workbench.storage.duckdb.postings import postings_path

    building.unlink(missing_ok=True)
    with open_store(building) as store:
        for start in range(0, len(texts), BM25_DOC_PASSAGES * 1000):
            docs = []
            for first in range(start, min(len(texts), start + BM25_DOC_PASSAGES * 1000), BM25_DOC_PASSAGES):
                chunk = texts[first : first + BM25_DOC_PASSAGES]
                drafts, offset = [], 0
                for position, text in enumerate(chunk):
                    drafts.append(
                        PassageDraft(position, "body", None, text, offset, offset + len(text), to_search_text(text))
                    )
                    offset += len(text) + 2
                body = "\n\n".join(chunk)
                docs.append(Document(body, None, "bench", None, None, f"realish-{first}", tuple(drafts), f"{first}"))
            store.insert_documents(docs, store.next_passage_id())
        store.rebuild_fulltext()
    postings_path(building).rename(postings_path(db))  # the postings file goes with it (its stamp is in the file)
    building.rename(db)


def _merge_results(path: Path, key: str, figures: dict) -> None:
    results = json.loads(path.read_text()) if path.exists() else {}
    results.setdefault("scale", {})[key] = figures | {"peak_rss_mb": round(peak_mb())}
    path.write_text(json.dumps(results, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("vectors", "ray", "bm25"))
    parser.add_argument(
        "--passages", type=int, default=None, help="corpus size (vectors and bm25: 1,000,000; ray: 20,000)"
    )
    parser.add_argument("--work", type=Path, default=None, help="keep the corpus, vectors and databases here")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the JSON file to merge the figures into")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="wb-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.what == "vectors":
        tier = vectors_tier(args.passages or 1_000_000, work)
        projected = projection(tier)
        print_vectors(tier, projected)
        _merge_results(args.results, f"vectors_{tier['passages']}", tier | {"projection": projected})
    elif args.what == "bm25":
        tier = bm25_tier(args.passages or 1_000_000, work)
        print(json.dumps(tier, indent=2))
        _merge_results(args.results, f"bm25_{tier['passages']}", tier)
    else:
        tier = ray_tier(args.passages or 20_000, work)
        print(json.dumps(tier, indent=2))
        _merge_results(args.results, f"ray_{tier['passages']}", tier)


if __name__ == "__main__":
    main()
