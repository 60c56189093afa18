"""All SQL of the workbench, with ? parameters, over a connection from workbench.db."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pyarrow as pa

from workbench.db import Connection
from workbench.models import CheckResult, Claim, Document, Hit, PassageDraft

# Digits stay inside tokens (the default ignore pattern drops them), so "500000000" and "2000" are terms.
FTS_IGNORE = r"(\.|[^a-z0-9_])+"


# --- articles and passages -------------------------------------------------------------------------


def article_id_by_hash(con: Connection, content_hash: str) -> int | None:
    """Return the id of the article with this content hash, if it was imported before."""
    row = con.execute("SELECT article_id FROM articles WHERE content_hash = ?", [content_hash]).fetchone()
    return row[0] if row else None


def insert_article(con: Connection, doc: Document) -> int:
    """Insert an article row; return its id."""
    return con.execute(
        """INSERT INTO articles (content_hash, title, outlet, url, published_at, text, origin)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING article_id""",
        [doc.content_hash, doc.title, doc.outlet, doc.url, doc.published_at, doc.text, doc.origin],
    ).fetchone()[0]


def next_passage_id(con: Connection) -> int:
    """Return the first free passage id (one writer per file, so this holds inside a transaction)."""
    return con.execute("SELECT coalesce(max(passage_id), 0) + 1 FROM passages").fetchone()[0]


def insert_passages(con: Connection, article_id: int, first_id: int, drafts: Sequence[PassageDraft]) -> None:
    """Bulk-insert an article's passages with ids first_id, first_id + 1, ..."""
    table = pa.table(
        {
            "passage_id": pa.array(range(first_id, first_id + len(drafts)), pa.int64()),
            "article_id": pa.array([article_id] * len(drafts), pa.int64()),
            "position": [d.position for d in drafts],
            "kind": [d.kind for d in drafts],
            "author": pa.array([d.author for d in drafts], pa.string()),
            "text": [d.text for d in drafts],
            "char_start": [d.char_start for d in drafts],
            "char_end": [d.char_end for d in drafts],
            "search_text": [d.search_text for d in drafts],
        }
    )
    con.register("new_passages", table)
    try:
        con.execute("INSERT INTO passages BY NAME SELECT * FROM new_passages")
    finally:
        con.unregister("new_passages")


def insert_embeddings(con: Connection, ids: np.ndarray, model: str, vectors: np.ndarray) -> None:
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
    con.register("new_embeddings", table)
    try:
        con.execute("DELETE FROM embeddings WHERE passage_id IN (SELECT passage_id FROM new_embeddings)")
        con.execute("INSERT INTO embeddings BY NAME SELECT * FROM new_embeddings")
    finally:
        con.unregister("new_embeddings")


def load_embeddings(con: Connection, model: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (passage ids, float32 matrix) of every passage embedded with model, in id order."""
    table = con.execute(
        "SELECT passage_id, vector FROM embeddings WHERE model = ? ORDER BY passage_id", [model]
    ).to_arrow_table()
    ids = table.column("passage_id").to_numpy().astype(np.int64)
    if not len(ids):
        return ids, np.zeros((0, 0), dtype=np.float32)
    flat = table.column("vector").combine_chunks().flatten().to_numpy().astype(np.float32)
    return ids, flat.reshape(len(ids), -1)


def passages_missing_embedding(con: Connection, model: str) -> list[tuple[int, str]]:
    """Return (passage_id, text) of passages with no embedding from model."""
    return con.execute(
        """SELECT p.passage_id, p.text FROM passages p
           LEFT JOIN embeddings e ON e.passage_id = p.passage_id AND e.model = ?
           WHERE e.passage_id IS NULL ORDER BY p.passage_id""",
        [model],
    ).fetchall()


def count_missing_embeddings(con: Connection, model: str) -> int:
    """Return how many passages have no embedding from model."""
    return con.execute(
        """SELECT count(*) FROM passages p
           WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.passage_id = p.passage_id AND e.model = ?)""",
        [model],
    ).fetchone()[0]


def delete_embeddings(con: Connection, model: str) -> None:
    """Forget every embedding made with model."""
    con.execute("DELETE FROM embeddings WHERE model = ?", [model])


def count_rows(con: Connection) -> dict[str, int]:
    """Return the number of articles, passages, comment passages, embeddings and claims."""
    row = con.execute(
        """SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM passages),
                  (SELECT count(*) FROM passages WHERE kind = 'comment'),
                  (SELECT count(*) FROM embeddings), (SELECT count(*) FROM claims)"""
    ).fetchone()
    return dict(zip(["articles", "passages", "comments", "embeddings", "claims"], row, strict=True))


def body_passages(con: Connection, article_ids: Sequence[int] | None = None) -> list[tuple[int, int, str]]:
    """Return (passage_id, article_id, text) of article-body passages, never comments."""
    return con.execute(
        """SELECT passage_id, article_id, text FROM passages
           WHERE kind = 'body' AND (? IS NULL OR list_contains(?, article_id))
           ORDER BY article_id, position""",
        [None if article_ids is None else list(article_ids)] * 2,
    ).fetchall()


_HIT_COLUMNS = """p.passage_id, p.article_id, a.title, a.outlet, a.url, a.published_at, p.text, p.kind,
                  p.author, p.char_start, p.char_end"""


def hits_by_ids(con: Connection, scored: Sequence[tuple[int, float]], ranks: dict[str, dict[int, int]]) -> list[Hit]:
    """Fetch passages with their article for (passage_id, score) pairs, keeping the given order."""
    if not scored:
        return []
    rows = con.execute(
        f"SELECT {_HIT_COLUMNS} FROM passages p JOIN articles a USING (article_id) "
        "WHERE list_contains(?, p.passage_id)",
        [[pid for pid, _ in scored]],
    ).fetchall()
    by_id = {row[0]: row for row in rows}
    return [
        Hit(*by_id[pid], score=score, bm25_rank=ranks["bm25"].get(pid), dense_rank=ranks["dense"].get(pid))
        for pid, score in scored
        if pid in by_id
    ]


def passage_ids_of_article(con: Connection, article_id: int) -> list[int]:
    """Return the passage ids of one article."""
    return [r[0] for r in con.execute("SELECT passage_id FROM passages WHERE article_id = ?", [article_id]).fetchall()]


# --- full-text search ------------------------------------------------------------------------------


def rebuild_fulltext(con: Connection) -> None:
    """Rebuild the BM25 index over passages (DuckDB's FTS index is static: inserts need a rebuild)."""
    con.execute(
        "PRAGMA create_fts_index('passages', 'passage_id', 'search_text', stemmer = 'porter', "
        f"stopwords = 'english', ignore = '{FTS_IGNORE}', strip_accents = 1, lower = 1, overwrite = 1)"
    )


def has_fulltext(con: Connection) -> bool:
    """True when the BM25 index exists."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'fts_main_passages'"
        ).fetchone()[0]
    )


def bm25(
    con: Connection, search_text: str, limit: int, exclude_article_ids: Sequence[int] = ()
) -> list[tuple[int, float]]:
    """Return up to limit (passage_id, BM25 score) pairs for a query already in search-text form."""
    if not has_fulltext(con) or not search_text.strip():
        return []
    return con.execute(
        """SELECT passage_id, score FROM (
               SELECT passage_id, article_id, fts_main_passages.match_bm25(passage_id, ?) AS score FROM passages)
           WHERE score IS NOT NULL AND NOT list_contains(?, article_id)
           ORDER BY score DESC, passage_id LIMIT ?""",
        [search_text, list(exclude_article_ids), limit],
    ).fetchall()


# --- claims ----------------------------------------------------------------------------------------

_CLAIM_COLUMNS = """claim_id, text, claim_date, origin, external_id, source_article_id, source_passage_id,
                    created_at"""


def insert_claim(
    con: Connection,
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
    return con.execute(
        """INSERT INTO claims (text, normalized, claim_date, origin, external_id, source_article_id,
                               source_passage_id)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING claim_id""",
        [text, normalized, claim_date, origin, external_id, source_article_id, source_passage_id],
    ).fetchone()[0]


def claim_texts(con: Connection) -> list[tuple[int, str]]:
    """Return (claim_id, text) of every claim, for near-duplicate checks."""
    return con.execute("SELECT claim_id, text FROM claims ORDER BY claim_id").fetchall()


def get_claim(con: Connection, claim_id: int) -> Claim | None:
    """Return one claim by id."""
    row = con.execute(f"SELECT {_CLAIM_COLUMNS} FROM claims WHERE claim_id = ?", [claim_id]).fetchone()
    return Claim(*row) if row else None


def list_claims(con: Connection, limit: int | None = None, offset: int = 0) -> list[Claim]:
    """Return claims in id order, a page at a time."""
    rows = con.execute(
        f"SELECT {_CLAIM_COLUMNS} FROM claims ORDER BY claim_id LIMIT ? OFFSET ?", [limit, offset]
    ).fetchall()
    return [Claim(*row) for row in rows]


# --- checks ------------------------------------------------------------------------------------------


def insert_check(con: Connection, result: CheckResult, *, stance_model: str, embedding_model: str) -> int:
    """Store a machine check and its evidence rows; earlier checks of the claim stay as history."""
    check_id = con.execute(
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
    con.executemany(
        """INSERT INTO evidence (check_id, passage_id, rank, retrieval_score, stance, confidence, reason,
                                 number_check, model_id, after_claim)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
            ]
            for rank, item in enumerate(result.evidence, start=1)
        ],
    )
    return check_id


def check_history(con: Connection, claim_id: int) -> list[tuple]:
    """Return (check_id, verdict, confidence, reason, checked_at) of every check of a claim, newest first."""
    return con.execute(
        """SELECT check_id, verdict, confidence, reason, checked_at FROM checks WHERE claim_id = ?
           ORDER BY check_id DESC""",
        [claim_id],
    ).fetchall()
