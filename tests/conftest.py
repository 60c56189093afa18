"""Shared fixtures: temporary databases, the real models and the demo database (each built once per session and
copied per test where a test writes), the seed documents."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from claims.stance import StanceModel, load_stance_model
from index.embedders import Embedder, load_embedder
from tests.fakes import UnsureStanceModel
from workbench.config import Settings
from workbench.demo import load_demo
from workbench.indexing import load_vector_index
from workbench.ingest import import_files
from workbench.pipeline import check_claim
from workbench.storage import open_store

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WORKBENCH_SHARED", REPO.parent / "shared"))
SEEDS = SHARED / "seeds"
SEED_COMMENTS = SEEDS / "000_af2c7846a93bd0c3.txt"  # scraped page with a reader comment section
SEED_PLAIN = SEEDS / "004_d99d271176281467.txt"  # Missing Peace article, no comments
EXAMPLES = REPO / "examples"

# Every fixture that holds a real model depends on one of these (seeded, built_demo, checked_demo, db, server), so a
# test that reaches a real model through fixtures is marked real_model here; a test that loads one itself (the CLI in
# a subprocess) carries the marker in its module.
REAL_MODEL_FIXTURES = {"embedder", "stance_model"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real_model)


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
def embedder() -> Embedder:
    """The default embedder: the shipped int8 ONNX export of all-MiniLM-L6-v2 (models/embedder-minilm)."""
    return load_embedder(None)


@pytest.fixture
def hashing() -> Embedder:
    """A fast fake embedder for tests of plumbing, never of retrieval quality."""
    return load_embedder("hashing")


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


@pytest.fixture(scope="session")
def stance_model() -> StanceModel:
    """The shipped stance models, MiniLM then mpnet on the pairs MiniLM gives a side (what load_stance_model(None)
    loads), loaded once per session."""
    return load_stance_model(None)


def copy_database(source: Settings, folder: Path) -> Settings:
    """A private copy of a database: the .duckdb file, its FAISS index, the index's JSON sidecar and the BM25
    postings file."""
    for path in source.db_path.parent.glob(f"{source.db_path.name}*"):
        shutil.copy(path, folder / path.name)
    return Settings(db_path=folder / source.db_path.name)


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    """The demo corpus of examples/ loaded with the real embedder, unchecked; never changed: copy it to write."""
    cfg = Settings(db_path=tmp_path_factory.mktemp("demo") / "demo.duckdb")
    message = load_demo(cfg, lambda _: embedder, EXAMPLES)
    assert "5 articles" in message and "7 claims" in message, message
    return cfg


@pytest.fixture(scope="session")
def checked_demo(tmp_path_factory: pytest.TempPathFactory, built_demo, embedder) -> Settings:
    """The demo with claims 1 and 2 checked by UnsureStanceModel (numbers alone take sides); copied, never changed."""
    cfg = copy_database(built_demo, tmp_path_factory.mktemp("checked"))
    with open_store(cfg.db_path) as store:
        vindex = load_vector_index(store, cfg, embedder)
        for claim_id in (1, 2):
            check_claim(store, vindex, embedder, UnsureStanceModel(), claim_id, k=25)
    return cfg


@pytest.fixture
def db(checked_demo, tmp_path, monkeypatch) -> Settings:
    """A private copy of the checked demo, which the app under test opens, its stance model UnsureStanceModel."""
    from app_pages import resources  # here, not at the top: streamlit only for the tests that use the app

    cfg = copy_database(checked_demo, tmp_path)
    monkeypatch.setenv("WORKBENCH_DB", str(cfg.db_path))
    monkeypatch.setattr("claims.stance.load_stance_model", lambda spec=None: UnsureStanceModel())
    resources.stance_model.clear()
    return cfg


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A real PostgreSQL server for the session (tests/pgserver.py); its URL names an empty template database.

    `make test` installs the server (its postgres target); outside CI a machine without one skips the tests that
    need it, in CI they fail."""
    from tests import pgserver

    why = pgserver.available()
    if why is not None and not os.environ.get("CI"):
        pytest.skip(why)
    with pgserver.postgres_server("template_desk") as url:
        yield url


@pytest.fixture(params=["duckdb", "postgres"])
def store_url(request, tmp_path) -> str:
    """A fresh, empty store of each backend: a DuckDB file and a database on the session's PostgreSQL server."""
    from tests import pgserver

    if request.param == "duckdb":
        return str(tmp_path / "desk.duckdb")
    return pgserver.new_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def store_settings(store_url, tmp_path) -> Settings:
    """Settings for a fresh, empty store of each backend (a server's FAISS cache in the test's folder)."""
    return Settings(db_path=store_url if "://" in store_url else Path(store_url), cache_dir=tmp_path / "cache")


@pytest.fixture(scope="session")
def checked_demo_pg(pg_server, tmp_path_factory, embedder) -> str:
    """The checked demo (as checked_demo) on the PostgreSQL server, as a database to copy; never changed."""
    from tests import pgserver

    url = pgserver.new_database(pg_server)
    cfg = Settings(db_path=url, cache_dir=tmp_path_factory.mktemp("pg-demo-cache"))
    message = load_demo(cfg, lambda _: embedder, EXAMPLES)
    assert "5 articles" in message and "7 claims" in message, message
    with open_store(url) as store:
        vindex = load_vector_index(store, cfg, embedder)
        for claim_id in (1, 2):
            check_claim(store, vindex, embedder, UnsureStanceModel(), claim_id, k=25)
    return url


@pytest.fixture(params=["duckdb", "postgres"])
def checked_store(request, checked_demo, tmp_path) -> Settings:
    """A private copy of the checked demo on each backend: a DuckDB file, or a database copied on the server."""
    from tests import pgserver

    if request.param == "duckdb":
        return copy_database(checked_demo, tmp_path)
    template = pgserver.database_name(request.getfixturevalue("checked_demo_pg"))
    url = pgserver.new_database(request.getfixturevalue("pg_server"), template=template)
    return Settings(db_path=url, cache_dir=tmp_path / "cache")


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
