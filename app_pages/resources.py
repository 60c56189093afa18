"""Every cached resource of the app, in one place: the embedding model, the stance model, the check-worthiness
model and the FAISS index.

DuckDB connections are never cached: each page action opens a short-lived one, so the CLI can import
while the app is open.
"""

from __future__ import annotations

import streamlit as st

from claims import stance
from claims.checkworthy import CheckWorthinessModel, load_checkworthy_model
from index.embedders import Embedder, load_embedder
from index.vectors import VectorIndex
from workbench.config import Settings, load_configured_stance_model, load_settings
from workbench.indexing import embedder_spec, load_vector_index
from workbench.storage import open_store


def settings() -> Settings:
    """Settings from the environment (WORKBENCH_DB, WORKBENCH_EMBEDDING_MODEL)."""
    return load_settings()


@st.cache_resource(show_spinner="Loading the embedding model…")
def _embedder(spec: str | None) -> Embedder:
    return load_embedder(spec)


def embedder(cfg: Settings) -> Embedder:
    """The embedding model for the database (workbench.indexing.embedder_spec), loaded once per process and spec."""
    return _embedder(embedder_spec(cfg))


@st.cache_resource(show_spinner="Loading the stance model…")
def stance_model(spec: str | None) -> stance.StanceModel:
    """The stance model (agrees / conflicts / discusses / unrelated), loaded once per process; None: the shipped one."""
    return load_configured_stance_model(spec)


@st.cache_resource(show_spinner="Loading the check-worthiness model…")
def checkworthy_model(spec: str | None) -> CheckWorthinessModel:
    """The check-worthiness model for proposing claims, loaded once per process; None: the shipped one."""
    return load_checkworthy_model(spec)


@st.cache_resource(show_spinner="Loading the vector index…", max_entries=2)
def _vector_index(db_path: str, model_id: str, version: object, _embedder: Embedder) -> VectorIndex:
    cfg = load_settings(db_path)
    with open_store(cfg.db_path, read_only=True) as store:
        return load_vector_index(store, cfg, _embedder)


def vector_index(cfg: Settings, embedder: Embedder) -> VectorIndex:
    """The FAISS index for the database and this embedder (from embedder(cfg)), reloaded when an import has
    changed it: beside a file, when the import rewrote the FAISS file; on a server, whose importers may run on other
    machines, when the stored embeddings' fingerprint changed (one short query). Keyed by the embedder's model id;
    the embedder itself is not hashed."""
    if cfg.is_server:
        with open_store(cfg.db_path, read_only=True) as store:
            ids, missing = store.embedding_fingerprint(embedder.model_id)
        version: object = (ids.count, ids.total, ids.squares, missing)
    else:
        path = cfg.vector_index_path
        version = path.stat().st_mtime_ns if path.exists() else 0
    return _vector_index(str(cfg.db_path), embedder.model_id, version, embedder)
