"""Compare DuckDB with the indexes derived from it (the FAISS file and its sidecar, the full-text index), and
rebuild from DuckDB whatever disagrees."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedders import Embedder, shipped_model_id
from index.rerank import rerank_path
from index.vectors import IndexDamagedError, VectorIndex, read_sidecar, sidecar_path
from workbench.config import Settings
from workbench.indexing import embed_missing, rebuild_fulltext, rebuild_vector_index
from workbench.models import StoredVectors
from workbench.storage import Store, open_store

QUOTED_IDS = 5  # ids quoted in a line that reports missing ones: enough to look one up, short enough to read
VECTOR_SAMPLE = 64  # stored vectors compared with DuckDB's: catches a file of the right shape but wrong content
# Largest difference allowed between a FAISS vector and the stored one: float32 copies are equal; 8-bit scalar codes
# measure under 0.02 per coordinate (tests/test_indexing.py), product codes at most 0.133 (the 21,927 FNC-1 body
# passages' MiniLM vectors; scalar codes 0.001 there).
TOLERANCE = {"flat-ip": 1e-5, "ivf-sq8": 0.05, "ivf-pq": 0.25}
# An IVF-PQ index's re-rank rows are float16 copies: a unit vector's coordinates round by at most 2**-12 (0.00024).
RERANK_TOLERANCE = 1e-3

# What --repair rebuilds for a finding.
EMBEDDINGS, VECTORS, FULLTEXT = "embeddings", "vectors", "fulltext"


@dataclass(frozen=True, slots=True)
class Finding:
    """One check: what was compared and what was found; problem is None when everything agreed."""

    check: str
    detail: str
    problem: str | None = None
    repair: str | None = None  # EMBEDDINGS, VECTORS or FULLTEXT: what --repair rebuilds; None: not by doctor

    @property
    def ok(self) -> bool:
        """True when the check found nothing wrong."""
        return self.problem is None

    def line(self) -> str:
        """The finding as one line: 'ok' or 'FAIL', the check, what was found."""
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.check}: {self.problem or self.detail}"


def diagnose(settings: Settings, embedder: Embedder) -> list[Finding]:
    """Check the database against its indexes without changing anything; one finding per check."""
    with open_store(settings.db_path, read_only=True) as store:
        return [_embeddings(store, settings, embedder), *_vector_index(store, settings, embedder), *_fulltext(store)]


def repair(
    settings: Settings, embedder: Embedder, findings: list[Finding], *, progress: Callable[[str], None] | None = None
) -> list[str]:
    """Rebuild from DuckDB what the findings say is wrong (the steps of `reindex`, only those needed).

    Returns what was rebuilt, in words. Passages embedded now are added to the FAISS index, so it is rebuilt too.
    """
    needed = {f.repair for f in findings if not f.ok and f.repair}
    say = progress or (lambda _: None)
    done = []
    if EMBEDDINGS in needed:
        say("embedding passages that lack a vector")
        embedded = embed_missing(settings, embedder)
        done.append(f"embedded {embedded} passages with {embedder.model_id}")
        needed.add(VECTORS)
    if VECTORS in needed:
        say("rebuilding the FAISS index from DuckDB")
        vindex = rebuild_vector_index(settings, embedder)
        done.append(f"rebuilt the FAISS index ({len(vindex)} vectors, {vindex.kind})")
    if FULLTEXT in needed:
        say("rebuilding the full-text index")
        rebuild_fulltext(settings)
        done.append("rebuilt the full-text index")
    return done


def _ids(values: np.ndarray | Sequence[int]) -> str:
    """A few ids for a line: '4, 5, 6, ...'."""
    shown = [str(int(v)) for v in values[:QUOTED_IDS]]
    return ", ".join(shown) + (", ..." if len(values) > QUOTED_IDS else "")


def _embeddings(store: Store, settings: Settings, embedder: Embedder) -> Finding:
    counts = store.count_rows()
    models = store.embedding_models()
    model = embedder.model_id
    stored = models.get(model, StoredVectors(0, embedder.dimension, embedder.dimension))
    low, high = stored.min_dimension, stored.max_dimension
    others = "".join(f"; also {v.vectors} vectors from {m!r} (not used)" for m, v in models.items() if m != model)
    detail = (
        f"{counts['passages']} passages in {counts['articles']} articles, all embedded with {model!r} "
        f"(dimension {embedder.dimension}){others}"
    )
    shipped = shipped_model_id()
    if shipped and model != shipped and not model.startswith("hashing"):
        detail += (
            f"; the shipped default is {shipped!r} (no torch, twice the import speed): "
            f"`{settings.rebuild_hint} --re-embed` with WORKBENCH_EMBEDDING_MODEL unset moves the database to it"
        )
    missing = store.count_missing_embeddings(model)
    if missing:
        problem = f"{missing} of {counts['passages']} passages have no embedding from {model!r}{others}"
        return Finding("embeddings", detail, problem, EMBEDDINGS)
    if (low, high) != (embedder.dimension, embedder.dimension):
        problem = (
            f"vectors from {model!r} have dimension {low}..{high}, the model gives {embedder.dimension}; "
            f"embed them again with: {settings.rebuild_hint} --re-embed"
        )
        return Finding("embeddings", detail, problem)
    return Finding("embeddings", detail)


def _vector_index(store: Store, settings: Settings, embedder: Embedder) -> list[Finding]:
    """The FAISS file and its sidecar against each other, the configured model and DuckDB's embeddings."""
    path = settings.vector_index_path
    db_ids = store.embedding_ids(embedder.model_id)
    if not path.exists():
        if not len(db_ids):
            return [Finding("faiss file", f"none yet at {path} (no passages embedded)")]
        problem = f"{path} is missing; every search rebuilds it in memory from {len(db_ids)} stored vectors"
        return [Finding("faiss file", "", problem, VECTORS)]
    findings = []
    try:
        info = read_sidecar(path)
        wrong = info.mismatch(embedder.model_id, embedder.dimension)
        findings.append(
            Finding(
                "faiss sidecar",
                f"model {info.model!r}, dimension {info.dimension}, {info.count} vectors, {info.kind}",
                f"{sidecar_path(path)} says the index was {wrong}" if wrong else None,
                VECTORS,
            )
        )
    except IndexDamagedError as exc:
        info = None
        findings.append(Finding("faiss sidecar", "", exc.problem, VECTORS))
    try:
        vindex = VectorIndex.read(path, embedder.model_id, nprobe=info.nprobe if info else 0)
    except IndexDamagedError as exc:
        return [*findings, Finding("faiss file", "", exc.problem, VECTORS)]
    damage = vindex.disagreement(info) if info else None
    shape = f"{len(vindex)} vectors of dimension {vindex.dimension}, {vindex.kind}"
    findings.append(
        Finding(
            "faiss file",
            f"{shape}, as its sidecar says" if info else f"{shape} (no sidecar to compare with)",
            f"{path} {damage}" if damage else None,
            VECTORS,
        )
    )
    if vindex.dimension != embedder.dimension:
        return findings  # its vectors cannot be compared with the model's; the sidecar line says why
    have = vindex.ids()
    absent, extra = np.setdiff1d(db_ids, have), np.setdiff1d(have, db_ids)
    problems = []
    if len(absent):
        problems.append(f"lacks {len(absent)} of DuckDB's {len(db_ids)} embedded passages ({_ids(absent)})")
    if len(extra):
        problems.append(f"holds {len(extra)} ids DuckDB has no vector for ({_ids(extra)})")
    if len(have) != len(np.unique(have)):
        problems.append(f"holds {len(have) - len(np.unique(have))} ids twice")
    findings.append(
        Finding(
            "faiss ids",
            f"the same {len(db_ids)} passage ids as DuckDB",
            f"{path} " + "; ".join(problems) if problems else None,
            VECTORS,
        )
    )
    shared = np.intersect1d(db_ids, have)
    findings.append(_vector_sample(store, vindex, embedder, shared))
    if vindex.kind == "ivf-pq":
        findings.append(_rerank_rows(store, vindex, embedder, shared, path))
    return findings


def _spread(ids: np.ndarray) -> np.ndarray:
    """Up to VECTOR_SAMPLE of the sorted ids, evenly spread from the first to the last (the newest)."""
    return ids[np.linspace(0, len(ids) - 1, min(VECTOR_SAMPLE, len(ids))).astype(int)]


def _vector_sample(store: Store, vindex: VectorIndex, embedder: Embedder, shared: np.ndarray) -> Finding:
    """A spread of stored vectors against DuckDB's: the right ids with the wrong vectors is damage too."""
    if not len(shared):
        return Finding("faiss vectors", "nothing to compare")
    ids, truth = store.load_embeddings(embedder.model_id, _spread(shared))
    stored = vindex.vectors_for(ids)
    worst = max(float(np.abs(stored[int(pid)] - row).max()) for pid, row in zip(ids, truth, strict=True))
    tolerance = TOLERANCE[vindex.kind]
    detail = f"{len(ids)} sampled vectors match DuckDB's (largest difference {worst:.2g})"
    problem = None
    if worst > tolerance:
        problem = f"sampled vectors differ from DuckDB's by up to {worst:.2g} (allowed {tolerance:g})"
    return Finding("faiss vectors", detail, problem, VECTORS)


def _rerank_rows(store: Store, vindex: VectorIndex, embedder: Embedder, shared: np.ndarray, path: Path) -> Finding:
    """An IVF-PQ index's float16 re-rank rows (index.rerank) against DuckDB's vectors, for a spread of its passages
    and its newest one: missing rows make searches read those vectors from DuckDB, slowly at scale."""
    if not len(shared):
        return Finding("faiss re-rank rows", "nothing to compare")
    ids, truth = store.load_embeddings(embedder.model_id, _spread(shared))  # the spread ends at the newest
    rows = vindex.rerank_vectors(ids)
    lacking = [int(pid) for pid in ids if int(pid) not in rows]
    if lacking:
        problem = (
            f"{rerank_path(path)} lacks the rows of {len(lacking)} of {len(ids)} sampled passages "
            f"({_ids(lacking)}); searches read their vectors from the database instead"
        )
        return Finding("faiss re-rank rows", "", problem, VECTORS)
    worst = max(float(np.abs(rows[int(pid)] - row).max()) for pid, row in zip(ids, truth, strict=True))
    detail = f"{len(ids)} sampled rows match DuckDB's vectors (largest difference {worst:.2g})"
    problem = None
    if worst > RERANK_TOLERANCE:
        problem = (
            f"sampled re-rank rows differ from DuckDB's vectors by up to {worst:.2g} (allowed {RERANK_TOLERANCE:g})"
        )
    return Finding("faiss re-rank rows", detail, problem, VECTORS)


def _fulltext(store: Store) -> list[Finding]:
    """The BM25 index's documents (and the backend's own tables) against the passages table."""
    coverage = store.fulltext_coverage()
    health = store.fulltext_health(QUOTED_IDS + 1)
    if not health.exists:
        if not coverage.passages:
            return [Finding("full-text index", "none yet (no passages)")]
        problem = f"missing: keyword search finds none of the {coverage.passages} passages"
        return [Finding("full-text index", "", problem, FULLTEXT)]
    problems = []
    if health.unindexed:
        problems.append(f"lacks {health.unindexed} of {coverage.passages} passages ({_ids(health.unindexed_sample)})")
    if health.stray:
        problems.append(f"holds {health.stray} ids that are no passage ({_ids(health.stray_sample)})")
    problems += health.problems
    return [
        Finding(
            "full-text index",
            f"covers all {coverage.passages} passages",
            "; ".join(problems) if problems else None,
            FULLTEXT,
        )
    ]
