"""DuckDB's full-text (BM25) index over passages: rebuild, search by postings, and what it covers."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.models import FulltextCoverage, FulltextHealth
from workbench.storage.common.corpus import passage_ids_of_articles
from workbench.storage.common.fulltext import top_scores
from workbench.storage.duckdb.connection import CatalogError, Connection, transaction
from workbench.storage.duckdb.migrations import build_fulltext

# The query's terms in the index, each with its idf: the tokenizer, stemmer and formula of DuckDB's match_bm25,
# which would score every passage instead.
_QUERY_TERMS = """
    WITH tokens AS (SELECT DISTINCT stem(unnest(fts_main_passages.tokenize(?)), 'porter') AS t)
    SELECT d.termid, log(((s.num_docs - d.df) + 0.5) / (d.df + 0.5) + 1) AS idf
    FROM fts_main_passages.dict d JOIN tokens ON d.term = tokens.t, fts_main_passages.stats s"""
# One term's postings with their score shares, idf * weight (see migrations.build_fulltext). The postings are
# sorted by term, so an equality filter reads only that term's row groups, where a join with the query's terms
# scanned the whole table: the benchmark's 1M corpus, its ten queries, 8.7 -> 6.4 ms median (8 alternating rounds,
# 2026-12-06); on the 5,285-passage Climate-FEVER corpus the second statement costs 2.3 -> 2.7 ms.
_TERM_POSTINGS = "SELECT passage_id, weight * ? AS share FROM fts_main_passages.bm25_postings WHERE termid = ?"


class FulltextStatements:
    """The DuckDBStore's statements over the FTS tables and their BM25 postings."""

    con: Connection

    def rebuild_fulltext(self) -> None:
        """Rebuild the BM25 index over passages (DuckDB's FTS index is static: inserts need a rebuild).

        In one transaction: a process killed mid-rebuild leaves the old index and its postings, never a new index
        beside old postings.
        """
        with transaction(self.con):
            build_fulltext(self.con)

    def has_fulltext(self) -> bool:
        """True when the BM25 index and its postings exist."""
        # duckdb_tables() rather than information_schema.tables: 0.9 ms against 1.5 ms at 1M passages, once a search
        return bool(
            self.con.execute(
                "SELECT count(*) FROM duckdb_tables() "
                "WHERE schema_name = 'fts_main_passages' AND table_name = 'bm25_postings'"
            ).fetchone()[0]
        )

    def bm25(self, search_text: str, limit: int, exclude_article_ids: Sequence[int] = ()) -> list[tuple[int, float]]:
        """Return up to limit (passage_id, BM25 score) pairs for a query already in search-text form.

        Best first, ties by passage id (workbench.storage.common.fulltext.top_scores sums the postings).
        """
        if limit <= 0 or not search_text.strip():
            return []
        # Asked straight away, not after has_fulltext(): a store without the index answers with a catalog error
        # instead. store.bm25 at 20k / 1M real-ish passages and on bench.run's 1M corpus, 13 queries, medians of
        # eight alternating rounds (2026-12-07): 6.7 -> 5.8, 12.9 -> 12.1 and 24.2 -> 21.9 ms.
        try:
            with transaction(self.con):  # the terms and their postings from one snapshot, should a rebuild commit
                terms = self.con.execute(_QUERY_TERMS, [search_text]).fetchall()
                if not terms:
                    return []
                params = [value for termid, idf in terms for value in (idf, termid)]
                table = self.con.execute(" UNION ALL ".join([_TERM_POSTINGS] * len(terms)), params).to_arrow_table()
        except CatalogError:
            if self.has_fulltext():
                raise
            return []
        excluded = passage_ids_of_articles(self.con, exclude_article_ids) if exclude_article_ids else []
        return top_scores(table.column("passage_id").to_numpy(), table.column("share").to_numpy(), excluded, limit)

    def fulltext_coverage(self) -> FulltextCoverage:
        """Return how many passages (and up to which id) the index covers, beside the stored ones; none indexed
        when there is no index.

        Aggregates DuckDB answers from its row-group statistics: about 2 ms at 50,000 passages (measured).
        """
        stored, top = self.con.execute("SELECT count(*), coalesce(max(passage_id), 0) FROM passages").fetchone()
        if not self.has_fulltext():
            return FulltextCoverage(0, 0, stored, top)
        indexed, indexed_top = self.con.execute(
            "SELECT count(*), coalesce(max(name), 0) FROM fts_main_passages.docs"
        ).fetchone()
        return FulltextCoverage(indexed, indexed_top, stored, top)

    def fulltext_health(self, sample: int) -> FulltextHealth:
        """Check the FTS tables against the passages, and the BM25 postings and statistics against the FTS tables."""
        if not self.has_fulltext():
            return FulltextHealth(exists=False)
        unindexed, first_unindexed = self.con.execute(
            """SELECT count(*), coalesce(list(passage_id ORDER BY passage_id)[1:?], []) FROM passages p
               WHERE NOT EXISTS (SELECT 1 FROM fts_main_passages.docs d WHERE d.name = p.passage_id)""",
            [sample],
        ).fetchone()
        stray, first_stray = self.con.execute(
            """SELECT count(*), coalesce(list(name ORDER BY name)[1:?], []) FROM fts_main_passages.docs d
               WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.passage_id = d.name)""",
            [sample],
        ).fetchone()
        # Indexed passages with terms but no postings, postings of passages not indexed, stats num_docs - docs.
        unposted, stray_postings, stats_off = self.con.execute(
            """WITH posted AS (SELECT DISTINCT passage_id FROM fts_main_passages.bm25_postings)
               SELECT (SELECT count(*) FROM fts_main_passages.docs d
                       WHERE d.len > 0 AND NOT EXISTS (SELECT 1 FROM posted WHERE posted.passage_id = d.name)),
                      (SELECT count(*) FROM posted
                       WHERE NOT EXISTS (SELECT 1 FROM fts_main_passages.docs d WHERE d.name = posted.passage_id)),
                      (SELECT num_docs FROM fts_main_passages.stats) - (SELECT count(*) FROM fts_main_passages.docs)"""
        ).fetchone()
        problems = []
        if unposted or stray_postings:
            problems.append(f"its BM25 postings miss {unposted} indexed passages and hold {stray_postings} others")
        if stats_off:
            problems.append("its statistics count another number of documents")
        return FulltextHealth(True, unindexed, tuple(first_unindexed), stray, tuple(first_stray), tuple(problems))
