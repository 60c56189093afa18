"""Settings from arguments and the environment, with the defaults a newcomer gets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from index.embedders import DEFAULT_MODEL
from index.vectors import ANN_MIN_VECTORS

DEFAULT_DB = Path("data/workbench.duckdb")
DEFAULT_MAX_FILE_MB = 100.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the database lives and how text is embedded and cut."""

    db_path: Path = DEFAULT_DB
    embedding_model: str = DEFAULT_MODEL
    max_file_bytes: int = int(DEFAULT_MAX_FILE_MB * 1024 * 1024)
    passage_max_words: int = 60
    stance_model: str | None = None  # None: the model shipped in models/; else a path or hub NLI model name
    ann_min_vectors: int = ANN_MIN_VECTORS  # from this many passages on, dense search uses an IVF index

    @property
    def vector_index_path(self) -> Path:
        """The FAISS file beside the database (a cache, rebuilt from DuckDB by `reindex`)."""
        return self.db_path.with_name(self.db_path.name + ".faiss")

    @property
    def rebuild_hint(self) -> str:
        """The command that rebuilds the derived indexes, quoted in error messages."""
        return f"workbench --db {self.db_path} reindex"


def load_settings(db: Path | str | None = None, model: str | None = None) -> Settings:
    """Build settings: explicit arguments, then WORKBENCH_* environment variables, then defaults."""
    max_mb = float(os.environ.get("WORKBENCH_MAX_FILE_MB", DEFAULT_MAX_FILE_MB))
    return Settings(
        db_path=Path(db or os.environ.get("WORKBENCH_DB") or DEFAULT_DB),
        embedding_model=model or os.environ.get("WORKBENCH_EMBEDDING_MODEL") or DEFAULT_MODEL,
        max_file_bytes=int(max_mb * 1024 * 1024),
        stance_model=os.environ.get("WORKBENCH_STANCE_MODEL") or None,
    )
