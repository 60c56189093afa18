"""All SQL of the workbench, with ? parameters, over a connection from workbench.db."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import astuple
from datetime import date

import numpy as np
import pyarrow as pa

from claims.vocabulary import NEW, UNCHECKED, UNKNOWN
from workbench.db import Connection, build_fulltext, transaction
from workbench.models import (
    Article,
    ArticleSummary,
    CheckResult,
    Claim,
    Correction,
    Document,
    EvidenceItem,
    HistoryEvent,
    Hit,
    MachineStance,
    Outlet,
    PassageDraft,
    Review,
    StoredCheck,
    StoredPassage,
)

# --- articles and passages -------------------------------------------------------------------------


_HIT_COLUMNS = """p.passage_id, p.article_id, a.title, a.outlet, a.url, a.published_at, p.text, p.kind,
                  p.author, p.char_start, p.char_end"""


def _marks(values: Sequence[object]) -> str:
    """One `?` per value, for `IN (...)`: DuckDB prunes row groups by a literal list, not by a list parameter."""
    return ", ".join("?" * len(values))


# --- full-text search ------------------------------------------------------------------------------


# Each posting of the query's terms with its score share, idf * weight (see workbench.db.build_fulltext): the
# tokenizer, stemmer and formula of DuckDB's match_bm25, which would score every passage instead.
_BM25_POSTINGS = """
    WITH tokens AS (SELECT DISTINCT stem(unnest(fts_main_passages.tokenize(?)), 'porter') AS t),
    q AS (SELECT d.termid, log(((s.num_docs - d.df) + 0.5) / (d.df + 0.5) + 1) AS idf
          FROM fts_main_passages.dict d JOIN tokens ON d.term = tokens.t, fts_main_passages.stats s)
    SELECT p.passage_id, p.weight * q.idf AS share FROM fts_main_passages.bm25_postings p JOIN q USING (termid)"""


# --- index health: what the full-text index and the embeddings cover (see workbench.doctor) --------------


# --- claims ----------------------------------------------------------------------------------------

_CLAIM_COLUMNS = """claim_id, text, claim_date, origin, external_id, source_article_id, source_passage_id,
                    created_at"""


# --- checks ------------------------------------------------------------------------------------------


_CHECK_COLUMNS = (
    "check_id, verdict, confidence, reason, agreeing, conflicting, stance_model, embedding_model, checked_at"
)


# --- reviews, corrections, credibility, the queue and the verdict table -------------------------------

_REVIEW_COLUMNS = "claim_id, status, human_verdict, rationale, reviewer, version, updated_at"


# The newest check per claim, its evidence outlets and the review: what the queue and the exports show.
_QUEUE = f"""
    WITH latest AS (
        SELECT * FROM checks QUALIFY row_number() OVER (PARTITION BY claim_id ORDER BY check_id DESC) = 1
    ), cited AS (
        SELECT e.check_id, list(DISTINCT a.outlet) AS outlets FROM evidence e
        JOIN passages p USING (passage_id) JOIN articles a ON a.article_id = p.article_id
        WHERE e.check_id IN (SELECT check_id FROM latest) AND a.outlet IS NOT NULL GROUP BY e.check_id
    )
    SELECT c.claim_id, c.text, c.claim_date, l.verdict, l.confidence, l.agreeing, l.conflicting,
           coalesce(r.status, '{NEW}') AS status, r.human_verdict, r.reviewer, coalesce(r.rationale, '') AS rationale,
           l.checked_at, r.updated_at, l.check_id,
           list_distinct(list_concat(coalesce(cited.outlets, []), CASE WHEN src.outlet IS NULL THEN []
                                                                  ELSE [src.outlet] END)) AS outlets
    FROM claims c
    LEFT JOIN latest l USING (claim_id)
    LEFT JOIN cited ON cited.check_id = l.check_id
    LEFT JOIN reviews r ON r.claim_id = c.claim_id
    LEFT JOIN articles src ON src.article_id = c.source_article_id
"""
_QUEUE_FILTER = f"""
    WHERE (? IS NULL OR list_contains(?, status))
      AND (? IS NULL OR list_contains(?, coalesce(verdict, '{UNCHECKED}')))
      AND (? IS NULL OR list_has_any(?, outlets))
      AND (? = '' OR text ILIKE '%' || ? || '%')
"""
# One ORDER BY per sort of workbench.storage.QUEUE_SORTS (tests/test_review.py holds the two to each other).
QUEUE_ORDER = {
    "id": "claim_id",
    "date": "claim_date DESC NULLS LAST, claim_id",
    "confidence": "confidence NULLS LAST, claim_id",
    "conflicting": "conflicting DESC NULLS LAST, claim_id",
    "updated": "updated_at DESC NULLS LAST, claim_id",
}


def _queue_params(
    statuses: Sequence[str] | None, verdicts: Sequence[str] | None, outlets: Sequence[str] | None, search: str
) -> list:
    lists = [None if v is None else list(v) for v in (statuses, verdicts, outlets)]
    return [lists[0], lists[0], lists[1], lists[1], lists[2], lists[2], search, search]


class DuckDBStore:
    """The Store (workbench.storage) over one DuckDB connection: every statement DuckDB runs for the workbench.

    `execute` and `con` are DuckDB's own, for migrations and tests; the rest of the workbench uses the methods.
    """

    def __init__(self, con: Connection) -> None:
        self.con = con

    def transaction(self) -> AbstractContextManager[Connection]:
        """Run a block atomically (see workbench.db.transaction)."""
        return transaction(self.con)

    def execute(self, sql: str, parameters: object = None) -> Connection:
        """Run raw SQL on the DuckDB connection (migrations and tests only; the Store protocol has no such method)."""
        return self.con.execute(sql, parameters) if parameters is not None else self.con.execute(sql)

    def stored_hashes(self, hashes: Sequence[str]) -> set[str]:
        """Return which of these content hashes belong to articles imported before."""
        if not hashes:
            return set()
        rows = self.con.execute(
            "SELECT content_hash FROM articles WHERE content_hash IN (SELECT unnest(?))", [list(hashes)]
        ).fetchall()
        return {row[0] for row in rows}

    def next_passage_id(self) -> int:
        """Return the first free passage id (one writer per file, so this holds inside a transaction)."""
        return self.con.execute("SELECT coalesce(max(passage_id), 0) + 1 FROM passages").fetchone()[0]

    def insert_documents(self, docs: Sequence[Document], first_passage_id: int) -> None:
        """Bulk-insert articles and their passages, passages numbered first_passage_id, first_passage_id + 1, ..."""
        if not docs:
            return
        article_ids = [
            row[0] for row in self.con.execute("SELECT nextval('article_ids') FROM range(?)", [len(docs)]).fetchall()
        ]
        articles = pa.table(
            {
                "article_id": pa.array(article_ids, pa.int64()),
                "content_hash": [d.content_hash for d in docs],
                "title": pa.array([d.title for d in docs], pa.string()),
                "outlet": pa.array([d.outlet for d in docs], pa.string()),
                "url": pa.array([d.url for d in docs], pa.string()),
                "published_at": pa.array([d.published_at for d in docs], pa.timestamp("us")),
                "text": [d.text for d in docs],
                "origin": [d.origin for d in docs],
            }
        )
        drafts: list[PassageDraft] = [p for d in docs for p in d.passages]
        passages = pa.table(
            {
                "passage_id": pa.array(range(first_passage_id, first_passage_id + len(drafts)), pa.int64()),
                "article_id": pa.array(
                    [a for a, d in zip(article_ids, docs, strict=True) for _ in d.passages], pa.int64()
                ),
                "position": pa.array([p.position for p in drafts], pa.int32()),
                "kind": pa.array([p.kind for p in drafts], pa.string()),
                "author": pa.array([p.author for p in drafts], pa.string()),
                "text": pa.array([p.text for p in drafts], pa.string()),
                "char_start": pa.array([p.char_start for p in drafts], pa.int32()),
                "char_end": pa.array([p.char_end for p in drafts], pa.int32()),
                "search_text": pa.array([p.search_text for p in drafts], pa.string()),
            }
        )
        self.con.register("new_articles", articles)
        self.con.register("new_passages", passages)
        try:
            self.con.execute("INSERT INTO articles BY NAME SELECT * FROM new_articles")
            self.con.execute("INSERT INTO passages BY NAME SELECT * FROM new_passages")
        finally:
            self.con.unregister("new_articles")
            self.con.unregister("new_passages")

    def insert_embeddings(self, ids: np.ndarray, model: str, vectors: np.ndarray) -> None:
        """Bulk-insert one embedding per passage id, replacing any older one."""
        if not len(ids):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        table = pa.table(
            {
                "passage_id": pa.array(ids, pa.int64()),
                "model": pa.array([model] * len(ids), pa.string()),
                "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), vectors.shape[1]).cast(
                    pa.list_(pa.float32())
                ),
            }
        )
        self.con.register("new_embeddings", table)
        try:
            self.con.execute("DELETE FROM embeddings WHERE passage_id IN (SELECT passage_id FROM new_embeddings)")
            self.con.execute("INSERT INTO embeddings BY NAME SELECT * FROM new_embeddings")
        finally:
            self.con.unregister("new_embeddings")

    def embedding_ids(self, model: str) -> np.ndarray:
        """Return the ids of the passages embedded with model, in id order."""
        table = self.con.execute(
            "SELECT passage_id FROM embeddings WHERE model = ? ORDER BY passage_id", [model]
        ).to_arrow_table()
        return table.column("passage_id").to_numpy().astype(np.int64)

    def load_embeddings(
        self, model: str, ids: Sequence[int] | np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (passage ids, float32 matrix) of the passages embedded with model (all, or ids), in id order."""
        wanted = None if ids is None else np.asarray(ids, dtype=np.int64).tolist()
        table = self.con.execute(
            """SELECT passage_id, vector FROM embeddings
               WHERE model = ? AND (?::BIGINT[] IS NULL OR passage_id IN (SELECT unnest(?::BIGINT[])))
               ORDER BY passage_id""",
            [model, wanted, wanted],
        ).to_arrow_table()
        found = table.column("passage_id").to_numpy().astype(np.int64)
        if not len(found):
            return found, np.zeros((0, 0), dtype=np.float32)
        flat = table.column("vector").combine_chunks().flatten().to_numpy().astype(np.float32)
        return found, flat.reshape(len(found), -1)

    def passages_missing_embedding(self, model: str) -> list[tuple[int, str]]:
        """Return (passage_id, text) of passages with no embedding from model."""
        return self.con.execute(
            """SELECT p.passage_id, p.text FROM passages p
               LEFT JOIN embeddings e ON e.passage_id = p.passage_id AND e.model = ?
               WHERE e.passage_id IS NULL ORDER BY p.passage_id""",
            [model],
        ).fetchall()

    def count_missing_embeddings(self, model: str) -> int:
        """Return how many passages have no embedding from model."""
        # A difference of two counts, not an anti-join: a passage has at most one embedding (the primary key) and
        # every embedding has its passage (the foreign key). The join held 130 MB more at 1M passages.
        return self.con.execute(
            "SELECT (SELECT count(*) FROM passages) - (SELECT count(*) FROM embeddings WHERE model = ?)", [model]
        ).fetchone()[0]

    def count_rows(self) -> dict[str, int]:
        """Return the number of articles, passages, comment passages, embeddings and claims."""
        row = self.con.execute(
            """SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM passages),
                      (SELECT count(*) FROM passages WHERE kind = 'comment'),
                      (SELECT count(*) FROM embeddings), (SELECT count(*) FROM claims)"""
        ).fetchone()
        return dict(zip(["articles", "passages", "comments", "embeddings", "claims"], row, strict=True))

    def body_passages(self, article_ids: Sequence[int] | None = None) -> list[tuple[int, int, str]]:
        """Return (passage_id, article_id, text) of article-body passages, never comments."""
        return self.con.execute(
            """SELECT passage_id, article_id, text FROM passages
               WHERE kind = 'body' AND (? IS NULL OR list_contains(?, article_id))
               ORDER BY article_id, position""",
            [None if article_ids is None else list(article_ids)] * 2,
        ).fetchall()

    def hits_by_ids(self, scored: Sequence[tuple[int, float]], ranks: dict[str, dict[int, int]]) -> list[Hit]:
        """Fetch passages with their article for (passage_id, score) pairs, keeping the given order."""
        if not scored:
            return []
        # Two lookups by key, which read only the row groups holding these ids (a few ms at a million passages);
        # a join, or list_contains, would scan both tables.
        ids = [pid for pid, _ in scored]
        passages = self.con.execute(
            "SELECT passage_id, article_id, text, kind, author, char_start, char_end FROM passages "
            f"WHERE passage_id IN ({_marks(ids)})",
            ids,
        ).fetchall()
        article_ids = sorted({row[1] for row in passages})
        articles = {
            row[0]: row[1:]
            for row in self.con.execute(
                "SELECT article_id, title, outlet, url, published_at FROM articles "
                f"WHERE article_id IN ({_marks(article_ids)})",
                article_ids,
            ).fetchall()
        }
        by_id = {row[0]: (*row[:2], *articles[row[1]], *row[2:]) for row in passages}
        return [
            Hit(*by_id[pid], score=score, bm25_rank=ranks["bm25"].get(pid), dense_rank=ranks["dense"].get(pid))
            for pid, score in scored
            if pid in by_id
        ]

    def passage_ids_of_articles(self, article_ids: Sequence[int]) -> list[int]:
        """Return the passage ids of these articles."""
        if not article_ids:
            return []
        marks = _marks(article_ids)
        rows = self.con.execute(f"SELECT passage_id FROM passages WHERE article_id IN ({marks})", list(article_ids))
        return [r[0] for r in rows.fetchall()]

    def rebuild_fulltext(self) -> None:
        """Rebuild the BM25 index over passages (DuckDB's FTS index is static: inserts need a rebuild).

        In one transaction: a process killed mid-rebuild leaves the old index and its postings, never a new index
        beside old postings.
        """
        with transaction(self.con):
            build_fulltext(self.con)

    def has_fulltext(self) -> bool:
        """True when the BM25 index and its postings exist."""
        return bool(
            self.con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = 'fts_main_passages' AND table_name = 'bm25_postings'"
            ).fetchone()[0]
        )

    def bm25(self, search_text: str, limit: int, exclude_article_ids: Sequence[int] = ()) -> list[tuple[int, float]]:
        """Return up to limit (passage_id, BM25 score) pairs for a query already in search-text form.

        Best first, ties by passage id. The postings are summed in numpy, several times faster than a SQL
        GROUP BY when common terms bring hundreds of thousands of them.
        """
        if limit <= 0 or not search_text.strip() or not self.has_fulltext():
            return []
        table = self.con.execute(_BM25_POSTINGS, [search_text]).to_arrow_table()
        if not table.num_rows:
            return []
        scores = np.bincount(table.column("passage_id").to_numpy(), weights=table.column("share").to_numpy())
        if exclude_article_ids:
            excluded = np.array(self.passage_ids_of_articles(exclude_article_ids), dtype=np.int64)
            scores[excluded[excluded < len(scores)]] = 0.0
        found = np.flatnonzero(scores > 0)  # every BM25 score of a matching passage is positive
        if len(found) > limit:
            cut = np.partition(scores[found], len(found) - limit)[len(found) - limit]
            found = found[scores[found] >= cut]
        order = np.lexsort((found, -scores[found]))[:limit]
        return [(int(pid), float(scores[pid])) for pid in found[order]]

    def is_read_only(self) -> bool:
        """True for a connection opened read-only."""
        return self.con.execute("SELECT current_setting('access_mode') = 'read_only'").fetchone()[0]

    def fulltext_coverage(self) -> tuple[int, int, int, int]:
        """Return (passages indexed, highest indexed id, passages stored, highest stored id); (0, 0, ...) with no index.

        Aggregates DuckDB answers from its row-group statistics: about 2 ms at 50,000 passages (measured).
        """
        stored, top = self.con.execute("SELECT count(*), coalesce(max(passage_id), 0) FROM passages").fetchone()
        if not self.has_fulltext():
            return 0, 0, stored, top
        indexed, indexed_top = self.con.execute(
            "SELECT count(*), coalesce(max(name), 0) FROM fts_main_passages.docs"
        ).fetchone()
        return indexed, indexed_top, stored, top

    def unindexed_passages(self, sample: int) -> tuple[int, list[int]]:
        """Return how many passages the full-text index lacks, and the first `sample` of their ids."""
        return self.con.execute(
            """SELECT count(*), coalesce(list(passage_id ORDER BY passage_id)[1:?], []) FROM passages p
               WHERE NOT EXISTS (SELECT 1 FROM fts_main_passages.docs d WHERE d.name = p.passage_id)""",
            [sample],
        ).fetchone()

    def indexed_ids_without_passage(self, sample: int) -> tuple[int, list[int]]:
        """Return how many ids the full-text index holds that are no stored passage, and the first `sample`."""
        return self.con.execute(
            """SELECT count(*), coalesce(list(name ORDER BY name)[1:?], []) FROM fts_main_passages.docs d
               WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.passage_id = d.name)""",
            [sample],
        ).fetchone()

    def postings_gaps(self) -> tuple[int, int, int]:
        """Return (indexed passages with terms but no postings, posting passages not indexed, stats num_docs - docs)."""
        return self.con.execute(
            """WITH posted AS (SELECT DISTINCT passage_id FROM fts_main_passages.bm25_postings)
               SELECT (SELECT count(*) FROM fts_main_passages.docs d
                       WHERE d.len > 0 AND NOT EXISTS (SELECT 1 FROM posted WHERE posted.passage_id = d.name)),
                      (SELECT count(*) FROM posted
                       WHERE NOT EXISTS (SELECT 1 FROM fts_main_passages.docs d WHERE d.name = posted.passage_id)),
                      (SELECT num_docs FROM fts_main_passages.stats) - (SELECT count(*) FROM fts_main_passages.docs)"""
        ).fetchone()

    def passage_texts(self) -> list[tuple[int, str]]:
        """Return (passage_id, text) of every passage, in id order."""
        return self.con.execute("SELECT passage_id, text FROM passages ORDER BY passage_id").fetchall()

    def embedding_models(self) -> dict[str, tuple[int, int, int]]:
        """Return {model: (vectors, smallest dimension, largest dimension)} over the stored embeddings."""
        rows = self.con.execute(
            "SELECT model, count(*), min(len(vector)), max(len(vector)) FROM embeddings GROUP BY model ORDER BY model"
        ).fetchall()
        return {model: (count, low, high) for model, count, low, high in rows}

    def embedding_counts(self) -> dict[str, int]:
        """Return {model: vectors} over the stored embeddings (cheaper than embedding_models)."""
        return dict(self.con.execute("SELECT model, count(*) FROM embeddings GROUP BY model").fetchall())

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
        return self.con.execute(
            """INSERT INTO claims (text, normalized, claim_date, origin, external_id, source_article_id,
                                   source_passage_id)
               VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING claim_id""",
            [text, normalized, claim_date, origin, external_id, source_article_id, source_passage_id],
        ).fetchone()[0]

    def normalised_claims(self) -> list[tuple[int, str]]:
        """Return (claim_id, normalised text) of every claim, for near-duplicate checks."""
        return self.con.execute("SELECT claim_id, normalized FROM claims ORDER BY claim_id").fetchall()

    def get_claim(self, claim_id: int) -> Claim | None:
        """Return one claim by id."""
        row = self.con.execute(f"SELECT {_CLAIM_COLUMNS} FROM claims WHERE claim_id = ?", [claim_id]).fetchone()
        return Claim(*row) if row else None

    def list_claims(self, limit: int | None = None, offset: int = 0) -> list[Claim]:
        """Return claims in id order, a page at a time."""
        rows = self.con.execute(
            f"SELECT {_CLAIM_COLUMNS} FROM claims ORDER BY claim_id LIMIT ? OFFSET ?", [limit, offset]
        ).fetchall()
        return [Claim(*row) for row in rows]

    def insert_check(self, result: CheckResult, *, stance_model: str, embedding_model: str) -> int:
        """Store a machine check and its evidence rows; earlier checks of the claim stay as history."""
        check_id = self.con.execute(
            """INSERT INTO checks (claim_id, verdict, confidence, reason, agreeing, conflicting, stance_model,
                                   embedding_model)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING check_id""",
            [
                result.claim.claim_id,
                result.verdict,
                result.confidence,
                result.reason,
                result.agreeing,
                result.conflicting,
                stance_model,
                embedding_model,
            ],
        ).fetchone()[0]
        self.con.executemany(
            """INSERT INTO evidence (check_id, passage_id, rank, retrieval_score, stance, confidence, reason,
                                     number_check, model_id, after_claim, machine_stance, machine_confidence,
                                     machine_reason)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                [
                    check_id,
                    item.hit.passage_id,
                    rank,
                    item.hit.score,
                    item.stance,
                    item.confidence,
                    item.reason,
                    item.number_check,
                    item.model_id,
                    item.after_claim,
                    *(astuple(item.machine) if item.machine else (None, None, None)),
                ]
                for rank, item in enumerate(result.evidence, start=1)
            ],
        )
        return check_id

    def check_history(self, claim_id: int) -> list[StoredCheck]:
        """Return every check of a claim (without evidence), newest first."""
        rows = self.con.execute(
            f"SELECT {_CHECK_COLUMNS} FROM checks WHERE claim_id = ? ORDER BY check_id DESC", [claim_id]
        ).fetchall()
        return [StoredCheck(*row) for row in rows]

    def get_review(self, claim_id: int) -> Review | None:
        """Return a claim's review, or None when nobody has saved one."""
        row = self.con.execute(f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE claim_id = ?", [claim_id]).fetchone()
        return Review(*row) if row else None

    def insert_review(
        self, claim_id: int, status: str, human_verdict: str | None, rationale: str, reviewer: str
    ) -> bool:
        """Create a claim's first review at version 1; False when another writer created it first."""
        row = self.con.execute(
            f"""INSERT INTO reviews ({_REVIEW_COLUMNS}) VALUES (?, ?, ?, ?, ?, 1, current_timestamp)
                ON CONFLICT DO NOTHING RETURNING version""",
            [claim_id, status, human_verdict, rationale, reviewer],
        ).fetchone()
        return row is not None

    def update_review(
        self,
        claim_id: int,
        expected_version: int,
        status: str,
        human_verdict: str | None,
        rationale: str,
        reviewer: str,
    ) -> bool:
        """Write a review only if it is still at expected_version (then bump it); False when it is not."""
        row = self.con.execute(
            """UPDATE reviews SET status = ?, human_verdict = ?, rationale = ?, reviewer = ?, version = version + 1,
                                  updated_at = current_timestamp
               WHERE claim_id = ? AND version = ? RETURNING version""",
            [status, human_verdict, rationale, reviewer, claim_id, expected_version],
        ).fetchone()
        return row is not None

    def insert_history(self, claim_id: int, rows: Sequence[tuple[str, str | None, str | None]], reviewer: str):
        """Append (field, old_value, new_value) events of one change by reviewer."""
        if rows:
            self.con.executemany(
                "INSERT INTO review_history (claim_id, field, old_value, new_value, reviewer) VALUES (?, ?, ?, ?, ?)",
                [[claim_id, field, old, new, reviewer] for field, old, new in rows],
            )

    def review_history(self, claim_id: int) -> list[HistoryEvent]:
        """Return every change to a claim's review and evidence, newest first."""
        rows = self.con.execute(
            """SELECT event_id, field, old_value, new_value, reviewer, changed_at FROM review_history
               WHERE claim_id = ? ORDER BY event_id DESC""",
            [claim_id],
        ).fetchall()
        return [HistoryEvent(*row) for row in rows]

    def upsert_correction(self, claim_id: int, passage_id: int, stance: str, reviewer: str) -> None:
        """Record a reviewer's stance for one evidence passage of a claim, replacing an earlier correction."""
        self.con.execute(
            """INSERT INTO evidence_corrections (claim_id, passage_id, stance, reviewer) VALUES (?, ?, ?, ?)
               ON CONFLICT DO UPDATE SET stance = excluded.stance, reviewer = excluded.reviewer,
                                         corrected_at = excluded.corrected_at""",
            [claim_id, passage_id, stance, reviewer],
        )

    def delete_correction(self, claim_id: int, passage_id: int) -> bool:
        """Remove a reviewer's stance for one evidence passage of a claim; say whether there was one."""
        return bool(
            self.con.execute(
                "DELETE FROM evidence_corrections WHERE claim_id = ? AND passage_id = ? RETURNING passage_id",
                [claim_id, passage_id],
            ).fetchall()
        )

    def corrections(self, claim_id: int) -> list[Correction]:
        """Return every reviewer's correction of a claim's evidence, by passage id."""
        rows = self.con.execute(
            "SELECT passage_id, stance, reviewer FROM evidence_corrections WHERE claim_id = ? ORDER BY passage_id",
            [claim_id],
        ).fetchall()
        return [Correction(*row) for row in rows]

    def upsert_credibility(self, outlet: str, credibility: str) -> None:
        """Tag an outlet credible, unknown or not_credible."""
        self.con.execute(
            """INSERT INTO outlet_credibility (outlet, credibility) VALUES (?, ?)
               ON CONFLICT DO UPDATE SET credibility = excluded.credibility, updated_at = excluded.updated_at""",
            [outlet, credibility],
        )

    def credibility_by_outlet(self) -> dict[str, str]:
        """Return {outlet: credibility} of every tagged outlet."""
        return dict(self.con.execute("SELECT outlet, credibility FROM outlet_credibility").fetchall())

    def outlets(self) -> list[Outlet]:
        """Return every outlet with articles, by name; untagged ones are 'unknown'."""
        rows = self.con.execute(
            f"""SELECT a.outlet, count(*), coalesce(any_value(c.credibility), '{UNKNOWN}') FROM articles a
               LEFT JOIN outlet_credibility c ON c.outlet = a.outlet
               WHERE a.outlet IS NOT NULL GROUP BY a.outlet ORDER BY a.outlet"""
        ).fetchall()
        return [Outlet(*row) for row in rows]

    def list_articles(self, *, outlet: str | None, search: str, limit: int, offset: int) -> list[ArticleSummary]:
        """Return an outlet's articles (all when None) whose title holds search, newest first, a page at a time."""
        rows = self.con.execute(
            """SELECT a.article_id, a.title, a.outlet, a.url, a.published_at, a.origin,
                      count(*) FILTER (WHERE p.kind = 'body'), count(*) FILTER (WHERE p.kind = 'comment')
               FROM articles a LEFT JOIN passages p USING (article_id)
               WHERE (? IS NULL OR a.outlet = ?) AND (? = '' OR a.title ILIKE '%' || ? || '%')
               GROUP BY ALL ORDER BY a.article_id DESC LIMIT ? OFFSET ?""",
            [outlet, outlet, search, search, limit, offset],
        ).fetchall()
        return [ArticleSummary(*row) for row in rows]

    def article_ids_by_url(self) -> dict[str, int]:
        """Map each article URL to its article id."""
        return dict(self.con.execute("SELECT url, article_id FROM articles WHERE url IS NOT NULL").fetchall())

    def get_article(self, article_id: int) -> Article | None:
        """Return one article with its text, or None."""
        row = self.con.execute(
            "SELECT article_id, title, outlet, url, published_at, text FROM articles WHERE article_id = ?", [article_id]
        ).fetchone()
        return Article(*row) if row else None

    def article_passages(self, article_id: int, kind: str, limit: int, offset: int = 0) -> list[StoredPassage]:
        """Return one kind ('body' or 'comment') of an article's passages, in order."""
        rows = self.con.execute(
            """SELECT passage_id, position, author, text FROM passages WHERE article_id = ? AND kind = ?
               ORDER BY position LIMIT ? OFFSET ?""",
            [article_id, kind, limit, offset],
        ).fetchall()
        return [StoredPassage(*row) for row in rows]

    def latest_check(self, claim_id: int) -> StoredCheck | None:
        """Return the newest check of a claim (without evidence), or None."""
        row = self.con.execute(
            f"SELECT {_CHECK_COLUMNS} FROM checks WHERE claim_id = ? ORDER BY check_id DESC LIMIT 1", [claim_id]
        ).fetchone()
        return StoredCheck(*row) if row else None

    def check_evidence(self, check_id: int) -> list[EvidenceItem]:
        """Return the evidence of a check in rank order, with the machine's stance beside any reviewer correction."""
        rows = self.con.execute(
            f"""SELECT {_HIT_COLUMNS}, e.retrieval_score, e.stance, e.confidence, e.reason, e.number_check,
                       e.model_id, e.after_claim, e.machine_stance, e.machine_confidence, e.machine_reason
                FROM evidence e JOIN passages p USING (passage_id) JOIN articles a ON a.article_id = p.article_id
                WHERE e.check_id = ? ORDER BY e.rank""",
            [check_id],
        ).fetchall()
        items = []
        for row in rows:
            # The SELECT's three groups: the hit and its retrieval score, the stance as judged, the machine's stance.
            hit, judged, machine = row[:12], row[12:18], row[18:]
            original = MachineStance(*machine) if machine[0] is not None else None
            items.append(EvidenceItem(Hit(*hit[:-1], score=hit[-1]), *judged, machine=original))
        return items

    def claim_ids_with_checks(self) -> list[int]:
        """Return the ids of claims that have been checked at least once."""
        return [r[0] for r in self.con.execute("SELECT DISTINCT claim_id FROM checks ORDER BY claim_id").fetchall()]

    def queue(
        self,
        *,
        statuses: Sequence[str] | None = None,
        verdicts: Sequence[str] | None = None,
        outlets: Sequence[str] | None = None,
        search: str = "",
        sort: str = "id",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[tuple]:
        """Return queue rows (see _QUEUE) matching the filters; a None filter lets everything through."""
        return self.con.execute(
            f"SELECT * FROM ({_QUEUE}) {_QUEUE_FILTER} ORDER BY {QUEUE_ORDER[sort]} LIMIT ? OFFSET ?",
            [*_queue_params(statuses, verdicts, outlets, search), limit, offset],
        ).fetchall()

    def queue_summary(
        self,
        *,
        statuses: Sequence[str] | None = None,
        verdicts: Sequence[str] | None = None,
        outlets: Sequence[str] | None = None,
        search: str = "",
    ) -> list[tuple[str, str, int]]:
        """Return (machine verdict or 'unchecked', status, claims) counts of the filtered queue."""
        return self.con.execute(
            f"""SELECT coalesce(verdict, '{UNCHECKED}'), status, count(*) FROM ({_QUEUE}) {_QUEUE_FILTER}
                GROUP BY ALL ORDER BY ALL""",
            _queue_params(statuses, verdicts, outlets, search),
        ).fetchall()

    def source_article_url(self, claim_id: int) -> str | None:
        """Return the URL of the article a claim was extracted from, if any."""
        row = self.con.execute(
            "SELECT a.url FROM claims c JOIN articles a ON a.article_id = c.source_article_id WHERE c.claim_id = ?",
            [claim_id],
        ).fetchone()
        return row[0] if row else None

    def newest_article_ids(self, outlet_names: Sequence[str] | None, limit: int) -> list[int]:
        """Return the ids of the newest imported articles, of these outlets only unless outlet_names is None."""
        return [
            r[0]
            for r in self.con.execute(
                """SELECT article_id FROM articles WHERE ? IS NULL OR list_contains(?, outlet)
                   ORDER BY article_id DESC LIMIT ?""",
                [None if outlet_names is None else list(outlet_names)] * 2 + [limit],
            ).fetchall()
        ]

    def claim_ids_citing_outlet(self, outlet: str) -> list[int]:
        """Return the ids of claims whose newest check has evidence from this outlet."""
        return [
            r[0]
            for r in self.con.execute(
                """WITH latest AS (SELECT claim_id, max(check_id) AS check_id FROM checks GROUP BY claim_id)
                   SELECT DISTINCT l.claim_id FROM latest l JOIN evidence e USING (check_id)
                   JOIN passages p USING (passage_id) JOIN articles a ON a.article_id = p.article_id
                   WHERE a.outlet = ? ORDER BY l.claim_id""",
                [outlet],
            ).fetchall()
        ]
