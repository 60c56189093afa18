"""Benchmarks: ingest vs raw model throughput, search and check latency, memory, disk, retrieval quality.

Usage: python -m bench.run [--sizes 10000 100000] [--quick]   (`make bench` runs the default tiers)
Prints tables and writes bench/results.json under stable keys. Each size tier runs in a subprocess so its
peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results.json"
QUERIES = [
    "How far is Tessar from Orlan?", "money missing from the central bank branch",
    "troops sent to guard the water works",
    "how many people were killed near Pallin", "residents fled for camps", "bread and fuel prices rose",
    "half a billion dollars missing", "Red Ridge Front captured the town", "talks resumed next month",
    "Marovia sent 2,000 troops",
]  # fmt: skip
CLAIMS = [
    "The Red Ridge Front is 30 miles from Orlan",
    "Marovia sent 2000 troops to guard the Tessar water works",
    "Half a billion dollars was missing from the Dunlow bank branch",
]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def run_tier(size: int, work: Path) -> dict:
    """Ingest `size` synthetic passages, then time search and check; runs inside its own process."""
    from bench.corpus import iter_articles, write_corpus
    from claims.stance import load_stance_model
    from index.embedders import SentenceTransformerEmbedder
    from workbench import claimbook
    from workbench.config import Settings
    from workbench.db import open_db
    from workbench.indexing import load_vector_index
    from workbench.ingest import import_files
    from workbench.pipeline import check_claim
    from workbench.retrieval import search

    corpus = write_corpus(work / f"corpus-{size}.jsonl", size)
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up"])
    settings = Settings(db_path=work / f"bench-{size}.duckdb")

    texts = [p for a in iter_articles(min(size, 5000)) for p in a["text"].split("\n\n")]
    started = time.perf_counter()
    embedder.embed(texts)
    raw_per_s = len(texts) / (time.perf_counter() - started)

    started = time.perf_counter()
    [result] = import_files([corpus], settings, embedder)
    ingest_s = time.perf_counter() - started
    assert result.status == "imported", result.message

    with open_db(settings.db_path) as con:
        vindex = load_vector_index(con, settings, embedder)
        search_ms = []
        for query in QUERIES * 3:
            started = time.perf_counter()
            search(con, vindex, embedder, query, k=10)
            search_ms.append((time.perf_counter() - started) * 1000)
        model = load_stance_model(None)
        ids = [claimbook.add_claim(con, text).claim_id for text in CLAIMS]
        check_ms = []
        for claim_id in ids * 5:
            started = time.perf_counter()
            check_claim(con, vindex, embedder, model, claim_id, k=20, save=False)
            check_ms.append((time.perf_counter() - started) * 1000)
    disk = sum(p.stat().st_size for p in work.glob(f"bench-{size}.duckdb*"))
    search_p50, search_p95 = _percentiles(search_ms)
    check_p50, check_p95 = _percentiles(check_ms)
    return {
        "passages": result.passages,
        "ingest_s": round(ingest_s, 1),
        "ingest_passages_per_s": round(result.passages / ingest_s, 1),
        "raw_encode_per_s": round(raw_per_s, 1),
        "ingest_ratio": round(result.passages / ingest_s / raw_per_s, 3),
        "search_p50_ms": round(search_p50, 1),
        "search_p95_ms": round(search_p95, 1),
        "check_p50_ms": round(check_p50, 1),
        "check_p95_ms": round(check_p95, 1),
        "check_k": 20,
        "peak_rss_mb": round(_peak_mb()),
        "disk_mb_per_100k": round(disk / 2**20 * 100_000 / result.passages, 1),
    }


def climate_fever_recall(work: Path) -> dict:
    """Recall@5 of gold evidence on Climate-FEVER test claims: BM25 alone, dense alone, hybrid."""
    from index.embedders import SentenceTransformerEmbedder
    from workbench import store
    from workbench.config import Settings
    from workbench.db import open_db
    from workbench.evaluation import build_corpus, load_climate_fever
    from workbench.fulltext import to_search_text
    from workbench.indexing import load_vector_index
    from workbench.retrieval import search

    data = REPO.parent / "shared" / "data" / "climate-fever.jsonl"
    embedder = SentenceTransformerEmbedder()
    settings = Settings(db_path=work / "climate-fever.duckdb")
    build_corpus(settings, embedder, data, work)
    rows = [r for r in load_climate_fever(data) if r["split"] == "test"]
    totals = {"bm25": [], "dense": [], "hybrid": []}
    with open_db(settings.db_path, read_only=True) as con:
        vindex = load_vector_index(con, settings, embedder)
        no_ranks = {"bm25": {}, "dense": {}}
        for row in rows:
            gold = {e["evidence"] for e in row["evidences"] if e["evidence_label"] in ("SUPPORTS", "REFUTES")}
            if not gold:
                continue
            ranked = {
                "bm25": store.bm25(con, to_search_text(row["claim"]), 5),
                "dense": vindex.search(embedder.embed([row["claim"]])[0], 5),
            }
            texts = {
                mode: {h.text for h in store.hits_by_ids(con, scored, no_ranks)} for mode, scored in ranked.items()
            }
            texts["hybrid"] = {h.text for h in search(con, vindex, embedder, row["claim"], k=5)}
            for mode, found in texts.items():
                totals[mode].append(len(found & gold) / min(len(gold), 5))
    return {f"climate_fever_recall_at_5_{mode}": round(sum(v) / len(v), 3) for mode, v in totals.items()}


def cold_start_cli(work: Path) -> float:
    """Seconds from invoking `workbench search` on a tiny database to its output."""
    db = work / "cold.duckdb"
    env = {**os.environ, "WORKBENCH_DB": str(db)}
    subprocess.run(
        [sys.executable, "-m", "workbench", "demo", "--folder", str(REPO / "examples")],
        env=env,
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "workbench", "search", "troops", "-k", "3"],
        env=env,
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--tier", type=int, help=argparse.SUPPRESS)  # internal: run one tier, print JSON
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="wb-bench-"))
    if args.tier:
        print(json.dumps(run_tier(args.tier, work)))
        return
    tiers = {}
    for size in args.sizes:
        done = subprocess.run(
            [sys.executable, "-m", "bench.run", "--tier", str(size), "--work", str(work)],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
        )
        tiers[size] = json.loads(done.stdout.strip().splitlines()[-1])
    quality = climate_fever_recall(work)
    cold = cold_start_cli(work)
    print(
        f"{'passages':>10} {'ingest/s':>9} {'raw/s':>7} {'ratio':>6} {'search p50':>11} {'check p50':>10} "
        f"{'check p95':>10} {'peak MB':>8} {'MB/100k':>8}"
    )
    for size, t in tiers.items():
        print(
            f"{size:>10} {t['ingest_passages_per_s']:>9} {t['raw_encode_per_s']:>7} {t['ingest_ratio']:>6} "
            f"{t['search_p50_ms']:>9}ms {t['check_p50_ms']:>8}ms {t['check_p95_ms']:>8}ms {t['peak_rss_mb']:>8} "
            f"{t['disk_mb_per_100k']:>8}"
        )
    print(
        "Climate-FEVER test recall@5 of gold evidence: "
        + ", ".join(f"{k.rsplit('_', 1)[-1]} {v}" for k, v in quality.items())
    )
    print(f"cold start, `workbench search` to output: {cold} s")
    largest = tiers[max(tiers)]
    results = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "tiers": {str(k): v for k, v in tiers.items()},
        "ingest_ratio": largest["ingest_ratio"],
        "ingest_passages_per_s": largest["ingest_passages_per_s"],
        "raw_encode_per_s": largest["raw_encode_per_s"],
        "climate_fever_recall_at_5": quality["climate_fever_recall_at_5_hybrid"],
        **quality,
        "cold_start_cli_s": cold,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
