"""Settings from arguments and the environment, with the defaults a newcomer gets."""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from index.vectors import ANN_MIN_VECTORS, IVF_CODES
from workbench.errors import WorkbenchError

if TYPE_CHECKING:  # fetching imports urllib3 (about 0.05 s), which only imports need
    from workbench.fetching import FetchLimits

DEFAULT_DB = Path("data/workbench.duckdb")
# Where the derived indexes of a server store are cached on this machine (a file store keeps them beside its file).
DEFAULT_CACHE_DIR = Path("data/cache")
SERVER_SCHEMES = ("postgresql", "postgres")


def is_server_url(db: Path | str) -> bool:
    """True when db names a database server rather than a DuckDB file."""
    text = str(db)
    return "://" in text and text.split("://", 1)[0] in SERVER_SCHEMES


def shown(db: Path | str) -> str:
    """The database as messages and commands show it: a path, or a server URL without its password."""
    if not is_server_url(db):
        return str(db)
    parts = urlsplit(str(db))
    host = parts.netloc.rsplit("@", 1)
    if len(host) == 2 and ":" in host[0]:
        host[0] = host[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc="@".join(host)))


DEFAULT_MAX_FILE_MB = 100.0
# Not chosen on data: a person pasting links waits for each; a page not complete in 20 s is reported, not waited for
# (trafilatura's own downloader allows 30 s). WORKBENCH_FETCH_TIMEOUT_S changes it.
DEFAULT_FETCH_TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the database lives and how text is embedded and cut."""

    db_path: Path | str = DEFAULT_DB  # a DuckDB file, or a server URL (str) such as postgresql://desk@db/claims
    # None: the model whose vectors the database holds, else the shipped ONNX export (workbench.indexing.embedder_spec)
    embedding_model: str | None = None
    max_file_bytes: int = int(DEFAULT_MAX_FILE_MB * 1024 * 1024)
    passage_max_words: int = 60
    stance_model: str | None = None  # None: the model shipped in models/; else a path or hub NLI model name
    checkworthy_model: str | None = None  # None: models/checkworthy-minilm; else a folder train_checkworthy.py wrote
    ann_min_vectors: int = ANN_MIN_VECTORS  # from this many passages on, dense search uses an IVF index
    # How that IVF index codes vectors (WORKBENCH_VECTOR_CODES): "pq", 48 bytes each in memory, its candidates
    # re-ranked by float16 rows read from a file beside it (index.rerank), or "sq8", 384 bytes each. The default
    # since 2026-12-07: on the benchmark's 1M corpus, alternating serving runs, peak RSS 567-581 MB against 946-947
    # for sq8 at the same search p50 (37.8-39.5 against 38.8-41.2 ms) and check p50 (156-165 against 157-165 ms);
    # recall@10 against exact search as retrieval ranks, on the 21,927 FNC-1 body passages: 0.981 / 0.996 (noisy
    # passages / headlines as queries) against 0.981 / 0.994 for sq8. It takes more disk: 831 MB against 395 at 1M.
    vector_codes: str = "pq"
    fetch_timeout_s: float = DEFAULT_FETCH_TIMEOUT_S  # one web page or feed, redirects and body included
    # The desk rule of a second reviewer (WORKBENCH_SECOND_REVIEWER=1): a verdict awaits a different reviewer's
    # approval, and only approved verdicts go to the ClaimReview export. Off by default.
    second_reviewer: bool = False
    # Earlier fact-checks are matched only within this many days of a claim's date (both known); None: any date.
    match_window_days: int | None = None
    cache_dir: Path = DEFAULT_CACHE_DIR  # WORKBENCH_CACHE_DIR: a server store's FAISS index on this machine

    @property
    def is_server(self) -> bool:
        """True when the store is a database server, shared with other machines."""
        return is_server_url(self.db_path)

    @property
    def fetch_limits(self) -> FetchLimits:
        """The limits of one fetch: this timeout, the file-size limit of an import, FetchLimits' redirects."""
        from workbench.fetching import FetchLimits

        return FetchLimits(timeout_s=self.fetch_timeout_s, max_bytes=self.max_file_bytes)

    @property
    def vector_index_path(self) -> Path:
        """The FAISS file (a cache, rebuilt from the store by `reindex`): beside a DuckDB file; for a server, in
        cache_dir under a name drawn from its URL (password left out), one per store on each machine."""
        if self.is_server:
            return self.cache_dir / f"{hashlib.sha256(shown(self.db_path).encode()).hexdigest()[:16]}.faiss"
        path = Path(self.db_path)
        return path.with_name(path.name + ".faiss")

    @property
    def rebuild_hint(self) -> str:
        """The command that rebuilds the derived indexes, quoted in error messages."""
        return f"workbench --db {shown(self.db_path)} reindex"


DEFAULT_LOCK_WAIT_S = 10.0  # another process (an import, the app) holds the file for one short transaction


def env_number(name: str, default: float, *, minimum: float = 0.0) -> float:
    """A number from the environment variable name (default when unset), refused in one line when it is not one."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise WorkbenchError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value) or value < minimum:
        raise WorkbenchError(f"{name}={raw!r} must be a finite number of at least {minimum:g}")
    return value


FLAG_VALUES = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def env_flag(name: str) -> bool:
    """An on/off setting from the environment variable name (off when unset), refused in one line when unclear."""
    raw = (os.environ.get(name) or "").strip().lower()
    if not raw:
        return False
    if raw not in FLAG_VALUES:
        raise WorkbenchError(f"{name}={raw!r} is not one of {', '.join(FLAG_VALUES)}")
    return FLAG_VALUES[raw]


def _window_days() -> int | None:
    """WORKBENCH_MATCH_WINDOW_DAYS: a whole number of days, or unset for no window."""
    if not (os.environ.get("WORKBENCH_MATCH_WINDOW_DAYS") or "").strip():
        return None
    return int(env_number("WORKBENCH_MATCH_WINDOW_DAYS", 0, minimum=0))


def lock_wait_s() -> float:
    """How long to wait for another process's lock on the database: WORKBENCH_LOCK_WAIT_S seconds, default 10."""
    return env_number("WORKBENCH_LOCK_WAIT_S", DEFAULT_LOCK_WAIT_S)


def _database(db: Path | str | None) -> Path | str:
    """The database: a DuckDB file (a path, or duckdb:///path) or a server URL kept as written."""
    value = str(db or os.environ.get("WORKBENCH_DB") or DEFAULT_DB)
    if is_server_url(value):
        return value
    if "://" in value and not value.startswith("duckdb://"):
        raise WorkbenchError(
            f"{value.split('://', 1)[0]}://...: no storage for this kind of address "
            "(a DuckDB file path, duckdb:///path or postgresql://... works)"
        )
    return Path(value.removeprefix("duckdb://"))


def load_settings(db: Path | str | None = None, model: str | None = None) -> Settings:
    """Build settings: explicit arguments, then WORKBENCH_* environment variables, then defaults."""
    max_mb = env_number("WORKBENCH_MAX_FILE_MB", DEFAULT_MAX_FILE_MB, minimum=0.001)
    return Settings(
        db_path=_database(db),
        embedding_model=model or os.environ.get("WORKBENCH_EMBEDDING_MODEL") or None,
        max_file_bytes=int(max_mb * 1024 * 1024),
        stance_model=_stance_model(),
        checkworthy_model=os.environ.get("WORKBENCH_CHECKWORTHY_MODEL") or None,
        fetch_timeout_s=env_number("WORKBENCH_FETCH_TIMEOUT_S", DEFAULT_FETCH_TIMEOUT_S, minimum=0.1),
        second_reviewer=env_flag("WORKBENCH_SECOND_REVIEWER"),
        match_window_days=_window_days(),
        cache_dir=Path(os.environ.get("WORKBENCH_CACHE_DIR") or DEFAULT_CACHE_DIR),
        vector_codes=_vector_codes(),
    )


def load_configured_stance_model(spec: str | None):
    """The stance model a WORKBENCH_STANCE_MODEL spec names, loaded whole (None: the shipped cascade). A spec that
    loads no model (a typo, an empty folder, a hub name this offline machine does not hold) is one WorkbenchError
    naming the variable."""
    from claims.stance import load_now, load_stance_model

    try:
        return load_now(load_stance_model(spec))
    except (OSError, ValueError, ImportError) as exc:
        if spec is None:
            raise
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise WorkbenchError(f"WORKBENCH_STANCE_MODEL={spec!r}: no stance model loads from it ({reason})") from exc


def _stance_model() -> str | None:
    """WORKBENCH_STANCE_MODEL: unset for the shipped model, else a spec of claims.stance.load_stance_model; a
    malformed cascade is one line here, before any model loads."""
    raw = (os.environ.get("WORKBENCH_STANCE_MODEL") or "").strip() or None
    if raw and raw.startswith("cascade:"):
        from claims.stance import cascade_parts  # numpy and onnxruntime: only when a cascade is asked for

        try:
            cascade_parts(raw)
        except ValueError as exc:
            raise WorkbenchError(f"WORKBENCH_STANCE_MODEL={exc}") from None
    return raw


def _vector_codes() -> str:
    """WORKBENCH_VECTOR_CODES: pq (the default) or sq8; anything else is one line."""
    raw = (os.environ.get("WORKBENCH_VECTOR_CODES") or "pq").strip().lower()
    if raw not in IVF_CODES:
        raise WorkbenchError(f"WORKBENCH_VECTOR_CODES={raw!r} is not one of {', '.join(IVF_CODES)}")
    return raw
