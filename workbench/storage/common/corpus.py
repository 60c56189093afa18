"""Statements over articles and passages that both backends run as written (qmark SQL, key lookups)."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.models import Article, FetchRecord, Hit, StoredPassage
from workbench.storage.common.connection import Connection


def _marks(values: Sequence[object]) -> str:
    """One `?` per value, for `IN (...)`: DuckDB prunes row groups by a literal list, not by a list parameter."""
    return ", ".join("?" * len(values))


def passage_ids_of_articles(con: Connection, article_ids: Sequence[int]) -> list[int]:
    """The passage ids of these articles (full-text search excludes them by id too)."""
    if not article_ids:
        return []
    rows = con.execute(
        f"SELECT passage_id FROM passages WHERE article_id IN ({_marks(article_ids)})", list(article_ids)
    )
    return [r[0] for r in rows.fetchall()]


class CorpusReads:
    """A store's portable statements over articles and passages; each backend's corpus class adds the bulk inserts
    and the embeddings, whose best form differs (Arrow in DuckDB, COPY in PostgreSQL)."""

    con: Connection

    def stored_hashes(self, hashes: Sequence[str]) -> set[str]:
        """Return which of these content hashes belong to articles imported before."""
        if not hashes:
            return set()
        rows = self.con.execute(
            "SELECT content_hash FROM articles WHERE content_hash IN (SELECT unnest(?::VARCHAR[]))", [list(hashes)]
        ).fetchall()
        return {row[0] for row in rows}

    def fetched_urls(self, urls: Sequence[str]) -> set[str]:
        """Return which of these addresses an article was fetched from before (as requested or after redirects)."""
        if not urls:
            return set()
        rows = self.con.execute(
            """SELECT requested_url FROM article_fetches WHERE requested_url IN (SELECT unnest(?::VARCHAR[]))
               UNION SELECT final_url FROM article_fetches WHERE final_url IN (SELECT unnest(?::VARCHAR[]))
               UNION SELECT requested_url FROM repeat_fetches WHERE requested_url IN (SELECT unnest(?::VARCHAR[]))
               UNION SELECT final_url FROM repeat_fetches WHERE final_url IN (SELECT unnest(?::VARCHAR[]))""",
            [list(urls)] * 4,
        ).fetchall()
        return {row[0] for row in rows}

    def record_repeat_fetches(self, fetches: Sequence[tuple[FetchRecord, str]]) -> None:
        """Remember addresses whose page held an article imported before, as (fetch, content hash of that article)
        pairs, so fetched_urls knows them; an address remembered before keeps its first record."""
        for fetch, content_hash in fetches:
            self.con.execute(
                """INSERT INTO repeat_fetches (requested_url, final_url, article_id, fetched_at)
                   SELECT ?, ?, article_id, ? FROM articles WHERE content_hash = ?
                   ON CONFLICT (requested_url) DO NOTHING""",
                [fetch.url, fetch.final_url, fetch.fetched_at, content_hash],
            )

    def next_passage_id(self) -> int:
        """Return the first free passage id (one writer per file, so this holds inside a transaction)."""
        return self.con.execute("SELECT coalesce(max(passage_id), 0) + 1 FROM passages").fetchone()[0]

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
        return self.embedding_fingerprint(model)[1]

    def passage_texts(self) -> list[tuple[int, str]]:
        """Return (passage_id, text) of every passage, in id order."""
        return self.con.execute("SELECT passage_id, text FROM passages ORDER BY passage_id").fetchall()

    def embedding_counts(self) -> dict[str, int]:
        """Return {model: vectors} over the stored embeddings (cheaper than embedding_models)."""
        return dict(self.con.execute("SELECT model, count(*) FROM embeddings GROUP BY model").fetchall())

    def count_rows(self) -> dict[str, int]:
        """Return the number of articles, passages, comment passages, embeddings and claims."""
        row = self.con.execute(
            """SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM passages),
                      (SELECT count(*) FROM passages WHERE kind = 'comment'),
                      (SELECT count(*) FROM embeddings), (SELECT count(*) FROM claims)"""
        ).fetchone()
        return dict(zip(["articles", "passages", "comments", "embeddings", "claims"], row, strict=True))

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
        return passage_ids_of_articles(self.con, article_ids)

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
