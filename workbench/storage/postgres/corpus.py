"""Articles, passages and their embeddings in PostgreSQL: bulk inserts through COPY, vectors as float32 bytes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.vectors import IdFingerprint
from workbench.models import ArticleSummary, Document, PassageDraft, StoredVectors
from workbench.storage.common.corpus import CorpusReads
from workbench.storage.postgres.connection import QmarkConnection

# One key for the lock that numbers passages: importers on several machines take turns at next_passage_id and the
# insert that follows (the lock is held to the end of the import's transaction).
PASSAGE_NUMBERING_LOCK = 0x7061737361676573  # "passages"
_WRAP = 2**64


def vector_bytes(vector: np.ndarray) -> bytes:
    """A vector as stored: float32, little-endian."""
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def vectors_from(blobs: Sequence[bytes]) -> np.ndarray:
    """Stored vectors back as one float32 matrix, a row each."""
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").astype(np.float32).reshape(len(blobs), -1)


class CorpusStatements(CorpusReads):
    """The PostgresStore's statements over articles, passages and embeddings."""

    con: QmarkConnection

    def next_passage_id(self) -> int:
        """Return the first free passage id, holding the numbering lock to the end of the transaction, so two
        importers never number passages alike."""
        self.con.execute("SELECT pg_advisory_xact_lock(?)", [PASSAGE_NUMBERING_LOCK])
        return super().next_passage_id()

    def insert_documents(self, docs: Sequence[Document], first_passage_id: int) -> None:
        """Bulk-insert articles and their passages, passages numbered first_passage_id, first_passage_id + 1, ..."""
        if not docs:
            return
        article_ids = [
            row[0]
            for row in self.con.execute(
                "SELECT nextval(pg_get_serial_sequence('articles', 'article_id')) FROM generate_series(1, ?)",
                [len(docs)],
            ).fetchall()
        ]
        drafts: list[tuple[int, PassageDraft]] = [
            (a, p) for a, d in zip(article_ids, docs, strict=True) for p in d.passages
        ]
        with self.con.raw.cursor() as cur:
            with cur.copy(
                "COPY articles (article_id, content_hash, title, outlet, url, published_at, text, origin) FROM STDIN"
            ) as copy:
                for a, d in zip(article_ids, docs, strict=True):
                    copy.write_row((a, d.content_hash, d.title, d.outlet, d.url, d.published_at, d.text, d.origin))
            with cur.copy(
                "COPY passages (passage_id, article_id, position, kind, author, text, char_start, char_end, "
                "search_text) FROM STDIN"
            ) as copy:
                for passage_id, (a, p) in enumerate(drafts, start=first_passage_id):
                    copy.write_row(
                        (passage_id, a, p.position, p.kind, p.author, p.text, p.char_start, p.char_end, p.search_text)
                    )
            with cur.copy(
                "COPY article_fetches (article_id, requested_url, final_url, fetched_at, content_type) FROM STDIN"
            ) as copy:
                for a, d in zip(article_ids, docs, strict=True):
                    if d.fetched is not None:
                        f = d.fetched
                        copy.write_row((a, f.url, f.final_url, f.fetched_at, f.content_type))

    def insert_embeddings(self, ids: np.ndarray, model: str, vectors: np.ndarray) -> None:
        """Bulk-insert one embedding per passage id, replacing any older one."""
        if not len(ids):
            return
        wanted = np.asarray(ids, dtype=np.int64).tolist()
        self.con.execute("DELETE FROM embeddings WHERE passage_id = ANY(?::BIGINT[])", [wanted])
        dimension = int(np.asarray(vectors).shape[1])
        with (
            self.con.raw.cursor() as cur,
            cur.copy("COPY embeddings (passage_id, model, dimension, vector) FROM STDIN") as copy,
        ):
            for passage_id, vector in zip(wanted, vectors, strict=True):
                copy.write_row((passage_id, model, dimension, vector_bytes(vector)))

    def embedding_ids(self, model: str) -> np.ndarray:
        """Return the ids of the passages embedded with model, in id order."""
        rows = self.con.execute(
            "SELECT passage_id FROM embeddings WHERE model = ? ORDER BY passage_id", [model]
        ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def load_embeddings(
        self, model: str, ids: Sequence[int] | np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (passage ids, float32 matrix) of the passages embedded with model (all, or ids), in id order."""
        wanted = None if ids is None else np.asarray(ids, dtype=np.int64).tolist()
        rows = self.con.execute(
            """SELECT passage_id, vector FROM embeddings
               WHERE model = ? AND (?::BIGINT[] IS NULL OR passage_id = ANY(?::BIGINT[])) ORDER BY passage_id""",
            [model, wanted, wanted],
        ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64), vectors_from([bytes(r[1]) for r in rows])

    def embedding_fingerprint(self, model: str) -> tuple[IdFingerprint, int]:
        """The fingerprint of the ids embedded with model (index.vectors.fingerprint_of), and how many passages have
        no embedding from it (a difference of two counts, as in DuckDB)."""
        count, total, squares, passages = self.con.execute(
            f"""SELECT count(*), coalesce(sum(passage_id::NUMERIC), 0) % {_WRAP},
                       coalesce(sum(passage_id::NUMERIC * passage_id), 0) % {_WRAP},
                       (SELECT count(*) FROM passages)
                FROM embeddings WHERE model = ?""",
            [model],
        ).fetchone()
        return IdFingerprint(count, int(total), int(squares)), passages - count

    def embedding_models(self) -> dict[str, StoredVectors]:
        """Return the stored embeddings per model: how many, and their smallest and largest dimension."""
        rows = self.con.execute(
            "SELECT model, count(*), min(dimension), max(dimension) FROM embeddings GROUP BY model ORDER BY model"
        ).fetchall()
        return {model: StoredVectors(count, low, high) for model, count, low, high in rows}

    def body_passages(self, article_ids: Sequence[int] | None = None) -> list[tuple[int, int, str]]:
        """Return (passage_id, article_id, text) of article-body passages, never comments."""
        return self.con.execute(
            """SELECT passage_id, article_id, text FROM passages
               WHERE kind = 'body' AND (?::BIGINT[] IS NULL OR article_id = ANY(?::BIGINT[]))
               ORDER BY article_id, position""",
            [None if article_ids is None else list(article_ids)] * 2,
        ).fetchall()

    def list_articles(self, *, outlet: str | None, search: str, limit: int, offset: int) -> list[ArticleSummary]:
        """Return an outlet's articles (all when None) whose title holds search, newest first, a page at a time."""
        rows = self.con.execute(
            """SELECT a.article_id, a.title, a.outlet, a.url, a.published_at, a.origin,
                      count(*) FILTER (WHERE p.kind = 'body'), count(*) FILTER (WHERE p.kind = 'comment')
               FROM articles a LEFT JOIN passages p USING (article_id)
               WHERE (?::TEXT IS NULL OR a.outlet = ?) AND (? = '' OR a.title ILIKE '%' || ? || '%')
               GROUP BY a.article_id ORDER BY a.article_id DESC LIMIT ? OFFSET ?""",
            [outlet, outlet, search, search, limit, offset],
        ).fetchall()
        return [ArticleSummary(*row) for row in rows]

    def newest_article_ids(self, outlet_names: Sequence[str] | None, limit: int) -> list[int]:
        """Return the ids of the newest imported articles, of these outlets only unless outlet_names is None."""
        return [
            r[0]
            for r in self.con.execute(
                """SELECT article_id FROM articles WHERE ?::TEXT[] IS NULL OR outlet = ANY(?::TEXT[])
                   ORDER BY article_id DESC LIMIT ?""",
                [None if outlet_names is None else list(outlet_names)] * 2 + [limit],
            ).fetchall()
        ]
