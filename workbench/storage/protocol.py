"""The Store protocol: everything the workbench reads and writes, whatever the backend.

A Store returns workbench.models dataclasses and raises the domain errors of workbench.errors (StorageError,
WriteConflictError, ...), never a backend's own; one class per backend implements it
(workbench.storage.duckdb.DuckDBStore today).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Protocol

import numpy as np

from index.vectors import IdFingerprint
from workbench.models import (
    Article,
    ArticleSummary,
    Candidate,
    CheckResult,
    Claim,
    ClaimMatch,
    Correction,
    Document,
    EvidenceItem,
    FactCheck,
    FetchRecord,
    FulltextCoverage,
    FulltextHealth,
    HistoryEvent,
    Hit,
    Outlet,
    QueueCount,
    QueueFilter,
    QueueRow,
    Review,
    StoredCheck,
    StoredPassage,
    StoredVectors,
)

# How the review queue can be sorted: claim id, newest claim date, least confident first, most conflicting
# sources, recently reviewed.
QUEUE_SORTS = ("id", "date", "confidence", "conflicting", "updated")


class Store(Protocol):
    """Everything the workbench reads and writes; one class per backend."""

    def transaction(self) -> AbstractContextManager[object]:
        """Run a block atomically: everything it wrote is kept, or nothing is."""

    def stored_hashes(self, hashes: Sequence[str]) -> set[str]:
        """Return which of these content hashes belong to articles imported before."""

    def fetched_urls(self, urls: Sequence[str]) -> set[str]:
        """Return which of these addresses an article was fetched from before (as requested or after redirects),
        or a page was fetched from whose article was stored already (record_repeat_fetches)."""

    def record_repeat_fetches(self, fetches: Sequence[tuple[FetchRecord, str]]) -> None:
        """Remember addresses whose page held an article imported before, as (fetch, content hash of that article)
        pairs; an address remembered before keeps its first record."""

    def next_passage_id(self) -> int:
        """Return the first free passage id (one writer per file, so this holds inside a transaction)."""

    def insert_documents(self, docs: Sequence[Document], first_passage_id: int) -> None:
        """Bulk-insert articles and their passages, passages numbered first_passage_id, first_passage_id + 1, ..."""

    def insert_embeddings(self, ids: np.ndarray, model: str, vectors: np.ndarray) -> None:
        """Bulk-insert one embedding per passage id, replacing any older one."""

    def embedding_ids(self, model: str) -> np.ndarray:
        """Return the ids of the passages embedded with model, in id order."""

    def load_embeddings(
        self, model: str, ids: Sequence[int] | np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (passage ids, float32 matrix) of the passages embedded with model (all, or ids), in id order."""

    def passages_missing_embedding(self, model: str) -> list[tuple[int, str]]:
        """Return (passage_id, text) of passages with no embedding from model."""

    def count_missing_embeddings(self, model: str) -> int:
        """Return how many passages have no embedding from model."""

    def embedding_fingerprint(self, model: str) -> tuple[IdFingerprint, int]:
        """The fingerprint of the ids of the passages embedded with model, and how many passages have none."""

    def count_rows(self) -> dict[str, int]:
        """Return the number of articles, passages, comment passages, embeddings and claims."""

    def body_passages(self, article_ids: Sequence[int] | None = None) -> list[tuple[int, int, str]]:
        """Return (passage_id, article_id, text) of article-body passages, never comments."""

    def hits_by_ids(self, scored: Sequence[tuple[int, float]], ranks: dict[str, dict[int, int]]) -> list[Hit]:
        """Fetch passages with their article for (passage_id, score) pairs, keeping the given order."""

    def passage_ids_of_articles(self, article_ids: Sequence[int]) -> list[int]:
        """Return the passage ids of these articles."""

    def rebuild_fulltext(self) -> None:
        """Rebuild the BM25 index over passages (DuckDB's FTS index is static: inserts need a rebuild)."""

    def bm25(self, search_text: str, limit: int, exclude_article_ids: Sequence[int] = ()) -> list[tuple[int, float]]:
        """Return up to limit (passage_id, BM25 score) pairs for a query already in search-text form."""

    def is_read_only(self) -> bool:
        """True for a connection opened read-only."""

    def fulltext_coverage(self) -> FulltextCoverage:
        """Return how many passages (and up to which id) the full-text index covers, beside the stored ones."""

    def fulltext_health(self, sample: int) -> FulltextHealth:
        """Check the full-text index against the passages: what it lacks, what it holds that is gone (counts and
        the first `sample` ids of each) and the backend's own inconsistencies in words."""

    def passage_texts(self) -> list[tuple[int, str]]:
        """Return (passage_id, text) of every passage, in id order."""

    def embedding_models(self) -> dict[str, StoredVectors]:
        """Return the stored embeddings per model: how many, and their smallest and largest dimension."""

    def embedding_counts(self) -> dict[str, int]:
        """Return {model: vectors} over the stored embeddings (cheaper than embedding_models)."""

    def insert_claim(
        self,
        text: str,
        normalized: str,
        *,
        claim_date: date | None,
        origin: str,
        external_id: str | None = None,
        source_article_id: int | None = None,
        source_passage_id: int | None = None,
    ) -> int:
        """Insert a claim; return its id."""

    def normalised_claims(self) -> list[tuple[int, str]]:
        """Return (claim_id, normalised text) of every claim, for near-duplicate checks."""

    def claim_with_external_id(self, external_id: str) -> int | None:
        """The id of the first claim stored with this external id, None when there is none."""

    def get_claim(self, claim_id: int) -> Claim | None:
        """Return one claim by id."""

    def list_claims(self, limit: int | None = None, offset: int = 0) -> list[Claim]:
        """Return claims in id order, a page at a time."""

    def insert_check(self, result: CheckResult, *, stance_model: str, embedding_model: str) -> int:
        """Store a machine check and its evidence rows; earlier checks of the claim stay as history."""

    def check_history(self, claim_id: int) -> list[StoredCheck]:
        """Return every check of a claim (without evidence), newest first."""

    def get_review(self, claim_id: int) -> Review | None:
        """Return a claim's review, or None when nobody has saved one."""

    def save_review(self, review: Review, expected_version: int) -> bool:
        """Write a claim's review (status, verdict, rationale, reviewer) if the stored one is still at
        expected_version (0: none yet), bumping its version; False, writing nothing, when another writer was first."""

    def insert_history(self, claim_id: int, rows: Sequence[tuple[str, str | None, str | None]], reviewer: str):
        """Append (field, old_value, new_value) events of one change by reviewer."""

    def review_history(self, claim_id: int) -> list[HistoryEvent]:
        """Return every change to a claim's review and evidence, newest first."""

    def upsert_correction(self, claim_id: int, passage_id: int, stance: str, reviewer: str) -> None:
        """Record a reviewer's stance for one evidence passage of a claim, replacing an earlier correction."""

    def delete_correction(self, claim_id: int, passage_id: int) -> bool:
        """Remove a reviewer's stance for one evidence passage of a claim; say whether there was one."""

    def corrections(self, claim_id: int) -> list[Correction]:
        """Return every reviewer's correction of a claim's evidence, by passage id."""

    def upsert_credibility(self, outlet: str, credibility: str) -> None:
        """Tag an outlet credible, unknown or not_credible."""

    def credibility_by_outlet(self) -> dict[str, str]:
        """Return {outlet: credibility} of every tagged outlet."""

    def outlets(self) -> list[Outlet]:
        """Return every outlet with articles, by name; untagged ones are 'unknown'."""

    def list_articles(self, *, outlet: str | None, search: str, limit: int, offset: int) -> list[ArticleSummary]:
        """Return an outlet's articles (all when None) whose title holds search, newest first, a page at a time."""

    def article_ids_by_url(self) -> dict[str, int]:
        """Map each article URL to its article id."""

    def get_article(self, article_id: int) -> Article | None:
        """Return one article with its text, or None."""

    def article_passages(self, article_id: int, kind: str, limit: int, offset: int = 0) -> list[StoredPassage]:
        """Return one kind ('body' or 'comment') of an article's passages, in order."""

    def latest_check(self, claim_id: int) -> StoredCheck | None:
        """Return the newest check of a claim (without evidence), or None."""

    def check_evidence(self, check_id: int) -> list[EvidenceItem]:
        """Return the evidence of a check in rank order, with the machine's stance beside any reviewer correction."""

    def claim_ids_with_checks(self) -> list[int]:
        """Return the ids of claims that have been checked at least once."""

    def queue(
        self, where: QueueFilter, *, sort: str = "id", limit: int | None = None, offset: int = 0
    ) -> list[QueueRow]:
        """Return the claims a (normalised) filter lets through in a QUEUE_SORTS order, a page at a time."""

    def queue_summary(self, where: QueueFilter) -> list[QueueCount]:
        """Return the claims of the filtered queue per machine verdict (or 'unchecked') and status."""

    def source_article_url(self, claim_id: int) -> str | None:
        """Return the URL of the article a claim was extracted from, if any."""

    def newest_article_ids(self, outlet_names: Sequence[str] | None, limit: int) -> list[int]:
        """Return the ids of the newest imported articles, of these outlets only unless outlet_names is None."""

    def claim_ids_citing_outlet(self, outlet: str) -> list[int]:
        """Return the ids of claims whose newest check has evidence from this outlet."""

    def insert_factchecks(self, checks: Sequence[FactCheck]) -> int:
        """Store the fact-checks not stored before (by fingerprint); return how many were new."""

    def factchecks_without_vectors(self, model: str) -> list[tuple[int, str]]:
        """(factcheck_id, claim text) of the fact-checks with no vector from this embedding model."""

    def set_factcheck_vectors(self, ids: Sequence[int], model: str, vectors: np.ndarray) -> None:
        """Store each fact-check's claim vector from this model."""

    def factcheck_vectors(self, model: str) -> tuple[list[int], np.ndarray]:
        """The ids and vectors (one row each) of the fact-checks embedded with this model."""

    def count_factchecks(self) -> int:
        """How many earlier fact-checks are stored."""

    def candidates(self, kind: str | None = None, ids: Sequence[int] | None = None) -> list[Candidate]:
        """Fact-checks and the desk's reviewed claims a claim may repeat (optionally of one kind and these ids)."""

    def upsert_proposals(self, claim_id: int, proposals: Sequence[tuple[str, int, float, str]]) -> int:
        """Store (kind, match_id, score, reason) proposals for a claim; decided matches keep their decision."""

    def claim_matches(self, claim_id: int) -> list[ClaimMatch]:
        """A claim's proposed, confirmed and rejected matches, best score first."""

    def decide_match(self, claim_id: int, kind: str, match_id: int, decision: str, reviewer: str) -> str | None:
        """Record a reviewer's decision on one match; return the decision it had, None when there is no such match."""
