"""Imports, checks and index builds spread over a Ray cluster: the workers do the heavy part (parse, segment and embed
a file; judge a claim's passages with the stance model; code a shard of vectors for a large FAISS index), this
process reads and writes the store, in the order the local path would, so both paths store the same passages,
vectors, verdicts and index.

`address` is "local" or "local:N" (start a Ray instance on this machine with N CPUs) or anything ray.init takes
("auto", "ray://head:10001", "head:6379"). Workers must reach the files by the same paths (a shared disk) or take
web addresses. Ray is imported only here, and only when asked for.
"""

from __future__ import annotations

import pickle
import socket
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.embedders import Embedder, load_embedder
from workbench.config import Settings
from workbench.documents import iter_paths
from workbench.errors import IngestError, WorkbenchError, printable_path
from workbench.indexing import Chunks, ShardEncoder, load_vector_index
from workbench.ingest import FileResults, FileWriter, PreparedFile, Progress, drop_seen, embed_texts, read_source
from workbench.models import CheckResult, FileResult
from workbench.pipeline import _evidence_for, judge, store_judged
from workbench.retrieval import stored_claim
from workbench.storage import open_store


def _unreachable(address: str, timeout_s: float = 5.0) -> str | None:
    """Why a host:port (or ray://host:port) address cannot be reached, or None; ray.init itself retries for
    minutes before giving up on an address nobody answers."""
    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return None  # "auto" and the like: ray.init knows what to do
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


def connect(address: str) -> None:
    """Join (or start) the Ray cluster address names; a bad or unreachable address is one line."""
    try:
        import ray
    except ImportError as exc:  # an extra (requirements-scale.txt)
        raise WorkbenchError(f"--ray needs Ray ({exc}); pip install -r requirements-scale.txt") from exc

    if ray.is_initialized():
        return
    kind, _, cpus = address.partition(":")
    if kind != "local" and (why := _unreachable(address)):
        raise WorkbenchError(f"--ray {address}: cannot reach the Ray cluster ({why})")
    if kind == "local" and cpus and (not cpus.isdigit() or int(cpus) < 1):
        raise WorkbenchError(f"--ray {address}: 'local:N' takes a number of CPUs, at least 1")
    try:
        if kind == "local":
            ray.init(
                num_cpus=int(cpus) if cpus else None,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        else:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise WorkbenchError(f"--ray {address}: cannot reach the Ray cluster ({str(exc).splitlines()[0]})") from exc


def prepare_remote(path: Path | str, settings: Settings, embedder: Embedder) -> PreparedFile | FileResult:
    """What a worker does with one file: read, cut and embed it (the local path's _prepare without the store)."""
    try:
        read = read_source(path, settings)
    except IngestError as exc:
        return FileResult(printable_path(path), "failed", message=exc.reason)
    fresh, skipped = drop_seen(read.documents, set())  # the store drops its own copies when they are written
    if not fresh:
        return FileResult(printable_path(path), "skipped", skipped=skipped, message="already imported")
    vectors = embed_texts(embedder, [p.text for doc in fresh for p in doc.passages], None)
    return PreparedFile(path, fresh, skipped, vectors, tuple(read.notes))


class _PrepareFiles:
    """A Ray Data actor: loads the embedder once, then prepares the files of each batch."""

    def __init__(self, settings: Settings, spec: str | None) -> None:
        self.settings, self.embedder = settings, load_embedder(spec)

    def __call__(self, batch: dict) -> dict:
        out = [pickle.dumps(prepare_remote(_path(p), self.settings, self.embedder)) for p in batch["path"]]
        return {"number": batch["number"], "prepared": out}


def _path(item: str) -> Path | str:
    """A file path back as a Path; a web address stays a str (as iter_paths gave it)."""
    return item if "://" in item else Path(item)


@dataclass(frozen=True, slots=True)
class RayPlan:
    """How a job is spread: over how many workers (actors), each holding its own copy of the model."""

    address: str
    workers: int


def _in_order(rows: Iterator[dict], key: str) -> Iterator[tuple[int, object]]:
    """Rows of a Ray dataset back in their input order (Ray Data keeps it with preserve_order; checked here)."""
    expected, waiting = 0, {}
    for row in rows:
        waiting[int(row["number"])] = pickle.loads(row[key])
        while expected in waiting:
            yield expected, waiting.pop(expected)
            expected += 1


def _dataset(items: list[dict], plan: RayPlan):
    import ray

    connect(plan.address)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    return ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 4 * plan.workers)))


def ray_import(
    paths: Sequence[Path | str],
    settings: Settings,
    embedder: Embedder,
    spec: str | None,
    plan: RayPlan,
    *,
    progress: Progress | None = None,
) -> list[FileResult]:
    """Import files as import_files does, with each file read, cut and embedded on a Ray worker; this process writes
    each file in one transaction, in file order, then rebuilds the BM25 index once. spec is the embedder's
    load_embedder spec, loaded again on every worker."""
    files = list(iter_paths(paths))
    if not files:
        return []
    with open_store(settings.db_path) as store:
        writer = FileWriter(settings, embedder.model_id, load_vector_index(store, settings, embedder))
    done = FileResults(len(files), progress)
    ds = _dataset([{"number": i, "path": str(p)} for i, p in enumerate(files)], plan).map_batches(
        _PrepareFiles,
        fn_constructor_kwargs={"settings": settings, "spec": spec},  # workers never open the store
        batch_size=1,
        concurrency=plan.workers,
        num_cpus=1,
    )
    try:
        for _, prepared in _in_order(ds.iter_rows(), "prepared"):
            done.add(prepared if isinstance(prepared, FileResult) else writer.write(prepared))
    finally:
        writer.finish(done.results)
    return done.results


class _JudgeClaims:
    """A Ray Data actor: loads the stance model once, then judges each claim's retrieved passages."""

    def __init__(self, stance_spec: str | None) -> None:
        from claims.stance import load_stance_model

        self.model = load_stance_model(stance_spec)

    def __call__(self, batch: dict) -> dict:
        out = []
        for payload in batch["job"]:
            claim, hits, sims = pickle.loads(payload)
            out.append(pickle.dumps(judge(claim, hits, self.model, sims)))
        return {"number": batch["number"], "items": out}


def ray_check(
    settings: Settings,
    embedder: Embedder,
    stance_spec: str | None,
    stance_model_id: str,
    claim_ids: Sequence[int],
    plan: RayPlan,
    *,
    k: int,
    progress: Callable[[int, int, CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check claims as check_many does, with each claim's passages judged on a Ray worker: this process retrieves
    (the store and the vector index are here), the workers run the stance model and the number rules, and this
    process decides each verdict with the corrections and credibility stored by then and appends the check."""
    jobs, claims = [], []
    with open_store(settings.db_path) as store:
        vindex = load_vector_index(store, settings, embedder)
        for number, claim_id in enumerate(claim_ids):
            claim = stored_claim(store, claim_id)
            hits, sims = _evidence_for(store, vindex, embedder, claim, k)
            jobs.append({"number": number, "job": pickle.dumps((claim, hits, sims))})
            claims.append(claim)
    if not jobs:
        return []
    ds = _dataset(jobs, plan).map_batches(
        _JudgeClaims,
        fn_constructor_kwargs={"stance_spec": stance_spec},
        batch_size=1,
        concurrency=plan.workers,
        num_cpus=1,
    )
    results = []
    for number, items in _in_order(ds.iter_rows(), "items"):
        results.append(store_judged(settings.db_path, claims[number], items, stance_model_id, embedder.model_id))
        if progress:
            progress(number + 1, len(jobs), results[-1])
    return results


def _encode_shard_task(trained: bytes, ids, vectors) -> bytes:
    """What a worker does with one shard: code its vectors on the one CPU Ray gave it."""
    import faiss

    from index.vectors import encode_shard

    faiss.omp_set_num_threads(1)
    return encode_shard(trained, ids, vectors)


def ray_shard_encoder(plan: RayPlan) -> ShardEncoder:
    """A ShardEncoder (workbench.indexing) that codes the shards on Ray workers, at most two per worker in flight,
    and gives them back in chunk order; this process reads the vectors from the store and sends them."""

    def encode(trained: bytes, chunks: Chunks) -> Iterator[bytes]:
        import ray

        connect(plan.address)
        task = ray.remote(num_cpus=1)(_encode_shard_task)
        shared = ray.put(trained)
        pending: deque = deque()
        for ids, vectors in chunks:
            pending.append(task.remote(shared, ids, vectors))
            if len(pending) >= 2 * plan.workers:
                yield ray.get(pending.popleft())
        while pending:
            yield ray.get(pending.popleft())

    return encode
