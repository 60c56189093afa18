"""Load the demo corpus shipped in examples/ into a fresh database, its claims checked when a stance model is given."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from index.embedders import Embedder
from workbench import claimbook
from workbench.config import Settings
from workbench.indexing import load_vector_index
from workbench.ingest import import_files
from workbench.pipeline import StanceJudge, check_claim
from workbench.storage import open_store


def load_demo(
    settings: Settings,
    make_embedder: Callable[[Settings], Embedder],
    folder: Path,
    make_stance: Callable[[Settings], StanceJudge] | None = None,
) -> str:
    """Import examples/articles and examples/claims.csv unless the database already holds articles.

    With make_stance, every demo claim is checked once, so the app opens on machine verdicts to review.
    """
    with open_store(settings.db_path) as store:
        if store.count_rows()["articles"]:
            return f"{settings.db_path} already holds articles; demo not loaded again"
    embedder = make_embedder(settings)
    results = import_files([folder / "articles"], settings, embedder)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise RuntimeError("demo corpus failed to import: " + "; ".join(f"{r.path}: {r.message}" for r in failed))
    with open_store(settings.db_path) as store:
        claims = claimbook.import_claims_csv(store, folder / "claims.csv")
        counts = store.count_rows()
        verdicts = Counter()
        if make_stance is not None and claims:
            model = make_stance(settings)
            vindex = load_vector_index(store, settings, embedder)
            verdicts.update(
                check_claim(store, vindex, embedder, model, c.claim_id).verdict for c in claims if c.created
            )
    message = (
        f"demo loaded into {settings.db_path}: {counts['articles']} articles, {counts['passages']} passages "
        f"({counts['comments']} comments), {len(claims)} claims"
    )
    if verdicts:
        message += " checked: " + ", ".join(f"{n} {verdict}" for verdict, n in sorted(verdicts.items()))
    return message
