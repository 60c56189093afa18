"""Load the demo corpus shipped in examples/ into a fresh database, its claims checked when a stance model is given."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from index.embedders import Embedder
from workbench import claimbook
from workbench.config import Settings
from workbench.errors import WorkbenchError
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
    """Import examples/claims.csv and examples/articles unless the database already holds articles.

    With make_stance, every demo claim not checked yet is checked once, so the app opens on machine verdicts to
    review. A folder without articles/ and claims.csv is one WorkbenchError before any database is made; the claims
    go in first (all or nothing), so a bad claims file stores nothing, and a run stopped after them goes on where it
    stopped when run again.
    """
    articles, claims_csv = folder / "articles", folder / "claims.csv"
    if not articles.is_dir() or not claims_csv.is_file():
        raise WorkbenchError(f"{folder}: not a demo folder (it needs an articles/ folder and a claims.csv file)")
    with open_store(settings.db_path) as store:
        if store.count_rows()["articles"]:
            return f"{settings.db_path} already holds articles; demo not loaded again"
        claims = claimbook.import_claims_csv(store, claims_csv)
    embedder = make_embedder(settings)
    results = import_files([articles], settings, embedder)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        problems = "; ".join(f"{r.path}: {r.message}" for r in failed)
        raise WorkbenchError(f"the demo articles failed to import: {problems}")
    with open_store(settings.db_path) as store:
        counts = store.count_rows()
        if not counts["articles"]:
            raise WorkbenchError(f"{articles}: no articles to import")
        verdicts = Counter()
        ids = dict.fromkeys(c.claim_id for c in claims) if make_stance is not None else {}  # a repeated row once
        unchecked = [claim_id for claim_id in ids if store.latest_check(claim_id) is None]
        if unchecked:
            model = make_stance(settings)
            vindex = load_vector_index(store, settings, embedder)
            verdicts.update(check_claim(store, vindex, embedder, model, claim_id).verdict for claim_id in unchecked)
    message = (
        f"demo loaded into {settings.db_path}: {counts['articles']} articles, {counts['passages']} passages "
        f"({counts['comments']} comments), {len(claims)} claims"
    )
    if verdicts:
        message += " checked: " + ", ".join(f"{n} {verdict}" for verdict, n in sorted(verdicts.items()))
    return message
