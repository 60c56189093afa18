"""BM25 over passages in PostgreSQL, with DuckDB's tokenizer, stemmer and scores (one BM25 for both backends).

A rebuild reads the passages' search text into an in-memory DuckDB, builds the same FTS index and postings the
DuckDB backend builds (workbench.storage.duckdb.migrations.build_fulltext), and copies the term dictionary, the
postings, the documents and the statistics into PostgreSQL tables, in one transaction. A search tokenises the query
with DuckDB's FTS macros (in memory, once per process), then sums idf * weight over the postings in PostgreSQL. So
every app server of a desk shares one index that the importer rebuilt, and scores match a DuckDB file's exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import pyarrow as pa

from workbench.models import FulltextCoverage, FulltextHealth
from workbench.storage.common.corpus import passage_ids_of_articles
from workbench.storage.common.fulltext import top_scores
from workbench.storage.postgres.connection import QmarkConnection, transaction

_COPY_BATCH = 50_000


@cache
def _tokenizer():
    """An in-memory DuckDB holding an empty FTS index, for its tokenize macro and stemmer (built once)."""
    from workbench.storage.duckdb.connection import memory_connection
    from workbench.storage.duckdb.migrations import build_fulltext

    con = memory_connection()
    con.execute("CREATE TABLE passages (passage_id BIGINT, search_text VARCHAR)")
    build_fulltext(con)
    return con


def query_terms(search_text: str) -> list[str]:
    """The stemmed terms DuckDB's FTS index would look up for this search text."""
    rows = (
        _tokenizer()
        .execute("SELECT DISTINCT stem(unnest(fts_main_passages.tokenize(?)), 'porter') AS t ORDER BY t", [search_text])
        .fetchall()
    )
    return [r[0] for r in rows]


def _build_in_duckdb(passages: pa.Table):
    """The FTS index and postings of these (passage_id, search_text) rows, built in a fresh in-memory DuckDB."""
    from workbench.storage.duckdb.connection import memory_connection
    from workbench.storage.duckdb.migrations import build_fulltext

    con = memory_connection()
    con.register("pulled", passages)
    con.execute("CREATE TABLE passages AS SELECT passage_id, search_text FROM pulled")
    con.unregister("pulled")
    build_fulltext(con)
    return con


def _copy_in(con: QmarkConnection, table: str, columns: str, rows) -> None:
    with con.raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


class FulltextStatements:
    """The PostgresStore's statements over the BM25 tables."""

    con: QmarkConnection

    def rebuild_fulltext(self) -> None:
        """Rebuild the BM25 tables from every passage, in one transaction (readers see the old index or the new)."""
        with transaction(self.con):
            self.con.execute("LOCK TABLE bm25_postings IN EXCLUSIVE MODE")
            rows = self.con.execute("SELECT passage_id, search_text FROM passages ORDER BY passage_id").fetchall()
            passages = pa.table(
                {
                    "passage_id": pa.array([r[0] for r in rows], pa.int64()),
                    "search_text": pa.array([r[1] for r in rows], pa.string()),
                }
            )
            duck = _build_in_duckdb(passages)
            try:
                self.con.execute("TRUNCATE bm25_terms, bm25_postings, bm25_docs, bm25_stats")
                _copy_in(self.con, "bm25_terms", "termid, term, df",
                         duck.execute("SELECT termid, term, df FROM fts_main_passages.dict").fetchall())  # fmt: skip
                postings = duck.execute("SELECT termid, passage_id, weight FROM fts_main_passages.bm25_postings")
                while batch := postings.fetchmany(_COPY_BATCH):
                    _copy_in(self.con, "bm25_postings", "termid, passage_id, weight", batch)
                _copy_in(self.con, "bm25_docs", "passage_id, len",
                         duck.execute("SELECT name, len FROM fts_main_passages.docs").fetchall())  # fmt: skip
                _copy_in(self.con, "bm25_stats", "num_docs, avgdl",
                         duck.execute("SELECT num_docs, avgdl FROM fts_main_passages.stats").fetchall())  # fmt: skip
            finally:
                duck.close()

    def has_fulltext(self) -> bool:
        """True once the BM25 tables have been built."""
        return self.con.execute("SELECT count(*) FROM bm25_stats").fetchone()[0] > 0

    def bm25(self, search_text: str, limit: int, exclude_article_ids: Sequence[int] = ()) -> list[tuple[int, float]]:
        """Return up to limit (passage_id, BM25 score) pairs for a query already in search-text form; best first,
        ties by passage id (the DuckDB backend's scores and order)."""
        if limit <= 0 or not search_text.strip() or not self.has_fulltext():
            return []
        terms = query_terms(search_text)
        if not terms:
            return []
        rows = self.con.execute(
            """WITH q AS (SELECT d.termid, log(((s.num_docs - d.df) + 0.5) / (d.df + 0.5) + 1) AS idf
                          FROM bm25_terms d, bm25_stats s WHERE d.term = ANY(?::TEXT[]))
               SELECT p.passage_id, p.weight * q.idf FROM bm25_postings p JOIN q USING (termid)""",
            [terms],
        ).fetchall()
        if not rows:
            return []
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        shares = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
        excluded = passage_ids_of_articles(self.con, exclude_article_ids) if exclude_article_ids else []
        return top_scores(ids, shares, excluded, limit)

    def fulltext_coverage(self) -> FulltextCoverage:
        """Return how many passages (and up to which id) the index covers, beside the stored ones."""
        stored, top = self.con.execute("SELECT count(*), coalesce(max(passage_id), 0) FROM passages").fetchone()
        indexed, indexed_top = self.con.execute(
            "SELECT count(*), coalesce(max(passage_id), 0) FROM bm25_docs"
        ).fetchone()
        return FulltextCoverage(indexed, indexed_top, stored, top)

    def fulltext_health(self, sample: int) -> FulltextHealth:
        """Check the BM25 documents against the passages, and the postings and statistics against the documents."""
        if not self.has_fulltext():
            return FulltextHealth(exists=False)
        unindexed, first_unindexed = self.con.execute(
            """SELECT count(*), coalesce((array_agg(passage_id ORDER BY passage_id))[1:?], '{}') FROM passages p
               WHERE NOT EXISTS (SELECT 1 FROM bm25_docs d WHERE d.passage_id = p.passage_id)""",
            [sample],
        ).fetchone()
        stray, first_stray = self.con.execute(
            """SELECT count(*), coalesce((array_agg(passage_id ORDER BY passage_id))[1:?], '{}') FROM bm25_docs d
               WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.passage_id = d.passage_id)""",
            [sample],
        ).fetchone()
        unposted, stray_postings, stats_off = self.con.execute(
            """WITH posted AS (SELECT DISTINCT passage_id FROM bm25_postings)
               SELECT (SELECT count(*) FROM bm25_docs d
                       WHERE d.len > 0 AND NOT EXISTS (SELECT 1 FROM posted WHERE posted.passage_id = d.passage_id)),
                      (SELECT count(*) FROM posted
                       WHERE NOT EXISTS (SELECT 1 FROM bm25_docs d WHERE d.passage_id = posted.passage_id)),
                      (SELECT num_docs FROM bm25_stats) - (SELECT count(*) FROM bm25_docs)"""
        ).fetchone()
        problems = []
        if unposted or stray_postings:
            problems.append(f"its BM25 postings miss {unposted} indexed passages and hold {stray_postings} others")
        if stats_off:
            problems.append("its statistics count another number of documents")
        return FulltextHealth(True, unindexed, tuple(first_unindexed), stray, tuple(first_stray), tuple(problems))
