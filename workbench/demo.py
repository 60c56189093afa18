"""Load the demo corpus shipped in examples/ into a fresh database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.embedders import Embedder
from workbench import claimbook, store
from workbench.config import Settings
from workbench.db import open_db
from workbench.ingest import import_files


def load_demo(settings: Settings, make_embedder: Callable[[Settings], Embedder], folder: Path) -> str:
    """Import examples/articles and examples/claims.csv unless the database already holds articles."""
    with open_db(settings.db_path) as con:
        if store.count_rows(con)["articles"]:
            return f"{settings.db_path} already holds articles; demo not loaded again"
    results = import_files([folder / "articles"], settings, make_embedder(settings))
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise RuntimeError("demo corpus failed to import: " + "; ".join(f"{r.path}: {r.message}" for r in failed))
    with open_db(settings.db_path) as con:
        claims = claimbook.import_claims_csv(con, folder / "claims.csv")
        counts = store.count_rows(con)
    return (
        f"demo loaded into {settings.db_path}: {counts['articles']} articles, {counts['passages']} passages "
        f"({counts['comments']} comments), {len(claims)} claims"
    )
