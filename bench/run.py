"""Benchmarks: import vs the plain sentence-transformers encode, where the time goes, search and check latency,
memory, disk, cold starts, retrieval quality.

Usage: python -m bench.run [--sizes 10000 100000 1000000] [--skip-quality] [--skip-cold-start] [--stance-only]
(`make bench` runs 10k and 100k; `make bench-1m` the million-passage tier.)
Prints tables and merges its figures into bench/results.json under stable keys (a tier not run keeps its
last figures). Each size tier runs in a subprocess so its peak memory is its own. The import uses the shipped
default embedder (the int8 ONNX export); "plain" is what a user would otherwise run: sentence-transformers'
PyTorch encode of the same model on the same passages, timed in the same run, alternating with the ONNX encode.
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


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_mb(index_file: Path | None = None) -> dict[str, int]:
    """This process's resident memory now, in MB, split as Linux counts it: private (anonymous) memory, and pages
    of files it maps, among them those of the mapped FAISS index file: clean pages the kernel can drop and other
    processes mapping the file share. Empty where /proc is not there to read."""
    status = Path("/proc/self/status")
    if not status.exists():
        return {}
    fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
    out = {
        key: int(fields[name].split()[0]) // 1024
        for key, name in (("rss_anon_mb", "RssAnon"), ("rss_file_mb", "RssFile"))
        if name in fields
    }
    if index_file is not None:
        out["rss_index_file_mb"] = _mapped_mb(Path("/proc/self/smaps"), str(index_file.resolve()))
    return out


def _mapped_mb(smaps: Path, path: str) -> int:
    """Resident MB of the mappings of one file, from /proc/self/smaps."""
    kb, inside = 0, False
    for line in smaps.read_text().splitlines():
        fields = line.split()
        if fields and "-" in fields[0] and not fields[0].endswith(":"):  # a mapping's header: range perms ... [path]
            inside = len(fields) > 5 and fields[5] == path
        elif inside and fields[0] == "Rss:":
            kb += int(fields[1])
    return kb // 1024


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def tier_name(size: int) -> str:
    """10000 -> '10k', 1000000 -> '1m': the suffix of the stable result keys."""
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k" if size % 1000 == 0 else str(size)


def ann_recall_at_10(store, vindex, model: str, queries: int = 200, nprobes: tuple[int, ...] = ()) -> dict[str, float]:
    """Recall@10 of the index, as retrieval ranks its neighbours, against exact search on the stored embeddings,
    stored passages as queries.

    Keyed "configured" for the index as loaded, and by nprobe for each of nprobes (IVF only). A neighbour
    counts when it scores at least the exact 10th score (ties are not misses); the query's own passage is
    left out of both lists.
    """
    import faiss
    import numpy as np

    from workbench.retrieval import exact_ranked, faiss_depth

    ids, vectors = store.load_embeddings(model)
    picks = np.random.default_rng(1).choice(len(ids), min(queries, len(ids)), replace=False)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    scores, rows = exact.search(vectors[picks], 11)
    tenth = [
        [s for r, s in zip(row, score_row, strict=True) if r != query][:10][-1]
        for query, row, score_row in zip(picks, rows, scores, strict=True)
    ]

    def recall() -> float:
        found = 0.0
        for query, bar in zip(picks, tenth, strict=True):
            # as retrieval ranks: an IVF-PQ index's candidates ranked again by their vectors
            ranked = exact_ranked(
                store, vindex, vectors[query], vindex.search(vectors[query], faiss_depth(vindex, 11)), 11
            )
            approx = [s for pid, s in ranked if pid != ids[query]][:10]
            found += sum(1 for s in approx if s >= bar - 1e-3) / 10
        return round(found / len(picks), 3)

    out = {"configured": recall()}
    if vindex.kind != "flat-ip":
        configured = vindex.nprobe
        for nprobe in nprobes:
            vindex.nprobe = nprobe
            out[str(nprobe)] = recall()
        vindex.nprobe = configured
    return out


ENCODE_TEXTS = 5000
IMPORT_STAGES = ("parse", "segment", "embed", "insert", "faiss", "fts")
CHECK_STAGES = ("embed", "bm25", "faiss", "fetch", "stance", "numbers", "verdict")


def _median_and_range(key: str, values: list[float], digits: int) -> dict:
    """{key: the median, key_range: [least, most]}, rounded: how a figure of several runs is reported."""
    rounded = [round(v, digits) for v in (statistics.median(values), min(values), max(values))]
    return {key: rounded[0], f"{key}_range": rounded[1:]}


def encode_speeds(rounds: int = 3) -> dict:
    """Passages per second of the plain PyTorch encode and of the default (ONNX) embedder on the same 5,000
    benchmark passages, alternating, median of rounds (and the range); its own process."""
    from bench.corpus import passage_texts
    from index.embedders import DEFAULT_MODEL, load_embedder

    texts = passage_texts(ENCODE_TEXTS)
    embedders = {"raw": load_embedder(DEFAULT_MODEL), "onnx": load_embedder(None)}
    speeds: dict[str, list[float]] = {name: [] for name in embedders}
    for embedder in embedders.values():
        embedder.embed(texts[:64])  # warm up
    for _ in range(rounds):
        for name, embedder in embedders.items():
            started = time.perf_counter()
            embedder.embed(texts)
            speeds[name].append(len(texts) / (time.perf_counter() - started))
    out = {}
    for name, values in speeds.items():
        out.update(_median_and_range(f"{name}_encode_per_s", values, 1))
    out["onnx_model"] = embedders["onnx"].model_id
    return out


def ingest_tier(size: int, work: Path) -> dict:
    """Import `size` synthetic passages with the default embedder, stage by stage; its own process."""
    from bench.corpus import write_corpus
    from index.embedders import load_embedder
    from workbench.config import Settings
    from workbench.ingest import import_files
    from workbench.stages import collect

    corpus = write_corpus(work / f"corpus-{size}", size)
    embedder = load_embedder(None)
    embedder.embed(["warm up"])
    settings = Settings(db_path=work / f"bench-{size}.duckdb")
    started = time.perf_counter()
    with collect() as stages:
        results = import_files(corpus, settings, embedder)
    ingest_s = time.perf_counter() - started
    failed = [r.message for r in results if r.status != "imported"]
    assert not failed, failed
    passages = sum(r.passages for r in results)
    disk = sum(p.stat().st_size for p in work.glob(f"bench-{size}.duckdb*"))
    return {
        "passages": passages,
        "ingest_s": round(ingest_s, 1),
        "ingest_passages_per_s": round(passages / ingest_s, 1),
        "ingest_stages_s": {name: round(stages.get(name, 0.0), 1) for name in IMPORT_STAGES},
        "ingest_peak_rss_mb": round(peak_mb()),
        "disk_mb_per_100k": round(disk / 2**20 * 100_000 / passages, 1),
    }


def configured_stance_model() -> str | None:
    """WORKBENCH_STANCE_MODEL as the product reads it (unset: the shipped default), so a run can time another."""
    from workbench.config import load_settings

    return load_settings().stance_model


def serve_tier(size: int, work: Path) -> dict:
    """Open the tier's database as the app does, then time search and full checks; its own process."""
    from claims.stance import load_stance_model
    from index.embedders import load_embedder
    from workbench import claimbook
    from workbench.config import Settings
    from workbench.indexing import load_vector_index
    from workbench.pipeline import check_claim
    from workbench.retrieval import search
    from workbench.stages import collect
    from workbench.storage import open_store

    settings = Settings(db_path=work / f"bench-{size}.duckdb")
    embedder = load_embedder(None)
    model = load_stance_model(configured_stance_model())
    with open_store(settings.db_path) as store:
        started = time.perf_counter()
        vindex = load_vector_index(store, settings, embedder)
        load_s = time.perf_counter() - started
        search_ms = []
        for query in QUERIES * 3:
            started = time.perf_counter()
            search(store, vindex, embedder, query, k=10)
            search_ms.append((time.perf_counter() - started) * 1000)
        ids = [claimbook.add_claim(store, text).claim_id for text in CLAIMS]
        check_ms = []
        with collect() as stages:
            for claim_id in ids * 5:
                started = time.perf_counter()
                check_claim(store, vindex, embedder, model, claim_id, k=20, save=False)
                check_ms.append((time.perf_counter() - started) * 1000)
        peak = peak_mb()  # before the recall measurement loads every vector for exact search
        resident = resident_mb(settings.vector_index_path if vindex.kind != "flat-ip" else None)
        recall = ann_recall_at_10(store, vindex, embedder.model_id, nprobes=(8, 16, 32, 64, 128))
    search_p50, search_p95 = percentiles(search_ms)
    check_p50, check_p95 = percentiles(check_ms)
    return {
        "index": vindex.kind,
        "index_load_s": round(load_s, 2),
        "search_p50_ms": round(search_p50, 1),
        "search_p95_ms": round(search_p95, 1),
        "check_p50_ms": round(check_p50, 1),
        "check_p95_ms": round(check_p95, 1),
        "check_k": 20,
        "check_stages_ms": {name: round(stages.get(name, 0.0) * 1000 / len(check_ms), 1) for name in CHECK_STAGES},
        "peak_rss_mb": round(peak),
        **resident,
        "ann_recall_at_10": recall.pop("configured"),
        "nprobe": vindex.nprobe if vindex.kind != "flat-ip" else None,
        "ann_recall_at_10_by_nprobe": recall,
    }


def seed_passages(count: int = 20) -> list[str]:
    """The first `count` body passages of the two seed articles, read and cut as an import cuts them."""
    from bench.corpus import seed_passages as every_seed_passage

    return every_seed_passage(body_only=True)[:count]


def stance_timing(rounds: int = 30) -> dict:
    """Milliseconds for the shipped stance model to judge one claim against 20 seed passages (one pair at a time,
    the shipped default), after a warm-up round."""
    from claims.stance import load_stance_model

    model = load_stance_model(configured_stance_model())
    pairs = [(passage, CLAIMS[0]) for passage in seed_passages(20)]
    model.predict(pairs)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        model.predict(pairs)
        timings.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(timings)
    return {
        "stance_20_pairs_p50_ms": round(p50, 1),
        "stance_20_pairs_p95_ms": round(p95, 1),
        "stance_model": model.model_id,
    }


def _in_subprocess(flag: str, size: int, work: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", flag, str(size), "--work", str(work)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def climate_fever_recall(work: Path) -> dict:
    """Recall@5 of gold evidence on Climate-FEVER test claims: BM25 alone, dense alone, hybrid."""
    from index.embedders import load_embedder
    from workbench.config import Settings
    from workbench.evaluation import build_corpus, load_climate_fever
    from workbench.fulltext import to_search_text
    from workbench.indexing import load_vector_index
    from workbench.retrieval import search
    from workbench.storage import open_store

    data = REPO.parent / "shared" / "data" / "climate-fever.jsonl"
    embedder = load_embedder(None)
    settings = Settings(db_path=work / "climate-fever.duckdb")
    build_corpus(settings, embedder, data, work)
    rows = [r for r in load_climate_fever(data) if r["split"] == "test"]
    totals = {"bm25": [], "dense": [], "hybrid": []}
    with open_store(settings.db_path, read_only=True) as store:
        vindex = load_vector_index(store, settings, embedder)
        no_ranks = {"bm25": {}, "dense": {}}
        for row in rows:
            gold = {e["evidence"] for e in row["evidences"] if e["evidence_label"] in ("SUPPORTS", "REFUTES")}
            if not gold:
                continue
            ranked = {
                "bm25": store.bm25(to_search_text(row["claim"]), 5),
                "dense": vindex.search(embedder.embed([row["claim"]])[0], 5),
            }
            texts = {mode: {h.text for h in store.hits_by_ids(scored, no_ranks)} for mode, scored in ranked.items()}
            texts["hybrid"] = {h.text for h in search(store, vindex, embedder, row["claim"], k=5)}
            for mode, found in texts.items():
                totals[mode].append(len(found & gold) / min(len(gold), 5))
    return {f"climate_fever_recall_at_5_{mode}": round(sum(v) / len(v), 3) for mode, v in totals.items()}


def _demo_db(work: Path) -> Path:
    db = work / "cold.duckdb"
    if not db.exists():
        env = {**os.environ, "WORKBENCH_DB": str(db)}
        subprocess.run([sys.executable, "-m", "workbench", "demo"], env=env, check=True, capture_output=True, cwd=REPO)
    return db


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


TIER_KEYS = ("search_p50_ms", "search_p95_ms", "check_p50_ms", "check_p95_ms", "peak_rss_mb", "ann_recall_at_10")


def print_tables(results: dict) -> None:
    """Print the tier table and the single figures, as README's Performance section shows them."""
    columns = [
        ("passages", "passages"), ("index", "index"), ("import/s", "ingest_passages_per_s"),
        ("plain encode/s", "raw_encode_per_s"), ("ONNX encode/s", "onnx_encode_per_s"), ("ratio", "ingest_ratio"),
        ("search p50 ms", "search_p50_ms"),
        ("check p50 ms", "check_p50_ms"), ("check p95 ms", "check_p95_ms"), ("serve peak MB", "peak_rss_mb"),
        ("of it now: private MB", "rss_anon_mb"), ("mapped index MB", "rss_index_file_mb"),
        ("ingest peak MB", "ingest_peak_rss_mb"),
        ("MB/100k", "disk_mb_per_100k"), ("ANN recall@10", "ann_recall_at_10"), ("run", "date"),
    ]  # fmt: skip
    print("| " + " | ".join(title for title, _ in columns) + " |")
    print("|" + "---|" * len(columns))
    for tier in results.get("tiers", {}).values():
        print("| " + " | ".join(str(tier.get(key, "")).split("T")[0] for _, key in columns) + " |")
    print()
    print_stages(results.get("tiers", {}))
    for key in (
        "climate_fever_recall_at_5_bm25", "climate_fever_recall_at_5_dense", "climate_fever_recall_at_5_hybrid",
        "cold_start_search_s", "cold_start_search_s_range", "cold_start_check_s", "cold_start_check_s_range",
        "cold_start_streamlit_s", "cold_start_streamlit_s_range", "cold_start_streamlit_table_s",
        "cold_start_streamlit_table_s_range", "stance_20_pairs_p50_ms",
        "stance_20_pairs_p95_ms", "stance_model", "onnx_model",
    ):  # fmt: skip
        print(f"{key}: {results.get(key)}")


def print_stages(tiers: dict) -> None:
    """Where the time goes: seconds per import stage, milliseconds per check stage (k=20), per tier."""
    rows = [(tier.get("passages"), tier) for tier in tiers.values() if "ingest_stages_s" in tier]
    if not rows:
        return
    print("| passages | " + " | ".join(f"import {n} s" for n in IMPORT_STAGES) + " | "
          + " | ".join(f"check {n} ms" for n in CHECK_STAGES) + " |")  # fmt: skip
    print("|" + "---|" * (1 + len(IMPORT_STAGES) + len(CHECK_STAGES)))
    for passages, tier in rows:
        imported = [str(tier["ingest_stages_s"].get(n, "")) for n in IMPORT_STAGES]
        checked = [str(tier.get("check_stages_ms", {}).get(n, "")) for n in CHECK_STAGES]
        print(f"| {passages} | " + " | ".join(imported + checked) + " |")
    print()


COLD_RUNS = 5


def cold_start_cli(work: Path, runs: int = COLD_RUNS) -> dict:
    """Seconds from invoking `workbench search` and `workbench check` on the demo database to their first output:
    median of runs, and the range."""
    env = {**os.environ, "WORKBENCH_DB": str(_demo_db(work))}
    timings = {}
    for name, args in {"search": ["search", "troops", "-k", "3"], "check": ["check", "--claim", "1"]}.items():
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            with subprocess.Popen(
                [sys.executable, "-m", "workbench", *args], env=env, cwd=REPO, stdout=subprocess.PIPE, text=True
            ) as proc:
                first = proc.stdout.readline()
                seconds.append(time.perf_counter() - started)
                proc.stdout.read()
            if proc.returncode or not first:
                raise RuntimeError(f"workbench {' '.join(args)} failed (exit {proc.returncode})")
        timings.update(_median_and_range(f"cold_start_{name}_s", seconds, 2))
    return timings


def cold_start_streamlit(work: Path, runs: int = COLD_RUNS) -> dict:
    """Seconds from the start of `make run`'s app server (app_pages.serve) to the review queue's heading drawn in
    headless Chromium, and to its table drawn, median of runs and the range; empty without Chromium."""
    starts = [s for s in (_cold_start_streamlit_once(work) for _ in range(runs)) if s is not None]
    if not starts:
        return {}
    timings = _median_and_range("cold_start_streamlit_s", [heading for heading, _ in starts], 2)
    return timings | _median_and_range("cold_start_streamlit_table_s", [table for _, table in starts], 2)


def _cold_start_streamlit_once(work: Path) -> tuple[float, float] | None:
    """Seconds from the app server's start to the review queue's heading and to its table drawn in headless
    Chromium (a new browser, so nothing cached); None without Chromium."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return None
    import socket

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "WORKBENCH_DB": str(_demo_db(work))}
    command = [sys.executable, "-m", "app_pages.serve", "--server.headless", "true"]  # as `make run` serves it
    command += ["--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    command += ["--server.fileWatcherType", "none"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # The port is polled every 10 ms, and the browser asked once it answers: a navigation refused and
            # retried after a pause would add up to the pause and a failed load to what is measured.
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:  # not listening yet
                    if proc.poll() is not None or time.perf_counter() - started > 180:
                        raise RuntimeError("streamlit did not start") from None
                    time.sleep(0.01)
            page.goto(f"http://127.0.0.1:{port}", timeout=60_000)
            page.get_by_role("heading", name="Review queue").wait_for(timeout=180_000)
            heading = time.perf_counter() - started
            # The table's grid is drawn by a script the browser fetches only when the page first shows a table.
            page.get_by_test_id("stDataFrame").first.wait_for(timeout=180_000)
            return round(heading, 2), round(time.perf_counter() - started, 2)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--skip-quality", action="store_true", help="skip the Climate-FEVER recall@5 measurement")
    parser.add_argument("--skip-cold-start", action="store_true", help="skip the cold-start measurements")
    parser.add_argument("--ingest-tier", type=int, help=argparse.SUPPRESS)  # internal: one step, prints JSON
    parser.add_argument("--serve-tier", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--encode", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-only", action="store_true", help="reuse the databases already in --work")
    parser.add_argument("--stance-only", action="store_true", help="only time the stance model on 20 pairs")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--results", type=Path, default=RESULTS, help="the JSON file to merge the figures into")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="wb-bench-"))
    if args.ingest_tier or args.serve_tier or args.encode:
        if args.encode:
            step = encode_speeds()
        else:
            step = ingest_tier(args.ingest_tier, work) if args.ingest_tier else serve_tier(args.serve_tier, work)
        print(json.dumps(step))
        return
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    results.update(stance_timing())
    if args.stance_only:
        print_tables(results)
        args.results.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.results}")
        return
    tiers = {int(k): v for k, v in results.get("tiers", {}).items()}
    for size in args.sizes:
        if args.serve_only:
            ingest = tiers.get(size, {})
        else:  # the two encodes just before the import, so all three see the same machine
            encode = _in_subprocess("--encode", ENCODE_TEXTS, work)
            ingest = {**encode, **_in_subprocess("--ingest-tier", size, work)}
            ingest["ingest_ratio"] = round(ingest["ingest_passages_per_s"] / ingest["raw_encode_per_s"], 3)
            ingest["ingest_ratio_onnx"] = round(ingest["ingest_passages_per_s"] / ingest["onnx_encode_per_s"], 3)
        tiers[size] = {**ingest, **_in_subprocess("--serve-tier", size, work), "date": _now()}
    if not args.skip_quality:
        results.update(climate_fever_recall(work))
        results["climate_fever_recall_at_5"] = results["climate_fever_recall_at_5_hybrid"]
    if not args.skip_cold_start:
        results.update(cold_start_cli(work))
        results.update(cold_start_streamlit(work))
    results.pop("cold_start_cli_s", None)  # renamed cold_start_search_s
    results["machine"] = (
        f"{platform.machine()} {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}"
    )
    results["date"] = _now()
    results["tiers"] = {str(k): tiers[k] for k in sorted(tiers)}
    largest = tiers[max(tiers)] if tiers else {}  # none with --sizes and a new results file
    for key in ("ingest_ratio", "ingest_passages_per_s", "raw_encode_per_s", "onnx_encode_per_s", "onnx_model"):
        if key in largest:
            results[key] = largest[key]
    for size, tier in tiers.items():
        for key in TIER_KEYS:
            results[f"{key}_{tier_name(size)}"] = tier[key]
    print_tables(results)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
