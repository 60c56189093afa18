"""Articles, passages and their embeddings in DuckDB: bulk inserts through Arrow, lookups by key."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from index.vectors import IdFingerprint
from workbench.models import ArticleSummary, Document, PassageDraft, StoredVectors
from workbench.storage.common.corpus import CorpusReads
from workbench.storage.duckdb.connection import Connection, registered

# load_embeddings filters up to this many ids with list_contains and more with a semi-join. list_contains costs
# rows x ids but reads only the matching vectors; the semi-join reads every vector once. Among 300k stored
# 384-dim vectors (DuckDB 1.5.5, medians of three): 20 ids 36 against 174 ms, 100 ids 87 against 183 ms, 1,000 ids
# 318 against 170 ms. A check's on-topic gate (k ids) and an IVF-PQ re-rank (10 x k) are under it, an index build's
# shards (50,000) far over it.
FEW_IDS = 256


class CorpusStatements(CorpusReads):
    """The DuckDBStore's statements over articles, passages and embeddings."""

    con: Connection

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
        fetched = [(a, d.fetched) for a, d in zip(article_ids, docs, strict=True) if d.fetched is not None]
        fetches = pa.table(
            {
                "article_id": pa.array([a for a, _ in fetched], pa.int64()),
                "requested_url": pa.array([f.url for _, f in fetched], pa.string()),
                "final_url": pa.array([f.final_url for _, f in fetched], pa.string()),
                "fetched_at": pa.array([f.fetched_at for _, f in fetched], pa.timestamp("us")),
                "content_type": pa.array([f.content_type for _, f in fetched], pa.string()),
            }
        )
        with registered(self.con, new_articles=articles, new_passages=passages, new_fetches=fetches):
            self.con.execute("INSERT INTO articles BY NAME SELECT * FROM new_articles")
            self.con.execute("INSERT INTO passages BY NAME SELECT * FROM new_passages")
            self.con.execute("INSERT INTO article_fetches BY NAME SELECT * FROM new_fetches")

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
        with registered(self.con, new_embeddings=table):
            self.con.execute("DELETE FROM embeddings WHERE passage_id IN (SELECT passage_id FROM new_embeddings)")
            self.con.execute("INSERT INTO embeddings BY NAME SELECT * FROM new_embeddings")

    def embedding_ids(self, model: str) -> np.ndarray:
        """Return the ids of the passages embedded with model, in id order."""
        table = self.con.execute(
            "SELECT passage_id FROM embeddings WHERE model = ? ORDER BY passage_id", [model]
        ).to_arrow_table()
        return table.column("passage_id").to_numpy().astype(np.int64)

    def load_embeddings(
        self, model: str, ids: Sequence[int] | np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (passage ids, float32 matrix) of the passages embedded with model (all, or ids), in id order.

        Up to FEW_IDS ids are a filter on the id column (list_contains), which reads only their vectors; more go
        by a semi-join, which reads every vector once (see FEW_IDS).
        """
        wanted = None if ids is None else np.asarray(ids, dtype=np.int64).tolist()
        if wanted is None:
            sql = "SELECT passage_id, vector FROM embeddings WHERE model = ? ORDER BY passage_id"
        elif len(wanted) <= FEW_IDS:
            sql = """SELECT passage_id, vector FROM embeddings
                     WHERE model = ? AND list_contains(?::BIGINT[], passage_id) ORDER BY passage_id"""
        else:
            sql = """SELECT passage_id, vector FROM embeddings
                     WHERE model = ? AND passage_id IN (SELECT unnest(?::BIGINT[])) ORDER BY passage_id"""
        params = [model] if wanted is None else [model, wanted]
        table = self.con.execute(sql, params).to_arrow_table()
        found = table.column("passage_id").to_numpy().astype(np.int64)
        if not len(found):
            return found, np.zeros((0, 0), dtype=np.float32)
        flat = table.column("vector").combine_chunks().flatten().to_numpy().astype(np.float32)
        return found, flat.reshape(len(found), -1)

    def embedding_fingerprint(self, model: str) -> tuple[IdFingerprint, int]:
        """The fingerprint of the ids embedded with model (index.vectors.fingerprint_of), and how many passages have
        no embedding from it; one scan, nothing gathered.

        The missing count is a difference of two counts, not an anti-join: a passage has at most one embedding (the
        primary key) and every embedding has its passage (the foreign key). The join held 130 MB more at 1M passages.
        """
        count, total, squares, passages = self.con.execute(
            f"""SELECT count(*), (coalesce(sum(passage_id::HUGEINT), 0) % {2**64})::UBIGINT,
                       (coalesce(sum(passage_id::HUGEINT * passage_id), 0) % {2**64})::UBIGINT,
                       (SELECT count(*) FROM passages)
                FROM embeddings WHERE model = ?""",
            [model],
        ).fetchone()
        return IdFingerprint(count, int(total), int(squares)), passages - count

    def embedding_models(self) -> dict[str, StoredVectors]:
        """Return the stored embeddings per model: how many, and their smallest and largest dimension."""
        rows = self.con.execute(
            "SELECT model, count(*), min(len(vector)), max(len(vector)) FROM embeddings GROUP BY model ORDER BY model"
        ).fetchall()
        return {model: StoredVectors(count, low, high) for model, count, low, high in rows}

    def body_passages(self, article_ids: Sequence[int] | None = None) -> list[tuple[int, int, str]]:
        """Return (passage_id, article_id, text) of article-body passages, never comments."""
        return self.con.execute(
            """SELECT passage_id, article_id, text FROM passages
               WHERE kind = 'body' AND (? IS NULL OR list_contains(?, article_id))
               ORDER BY article_id, position""",
            [None if article_ids is None else list(article_ids)] * 2,
        ).fetchall()

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
