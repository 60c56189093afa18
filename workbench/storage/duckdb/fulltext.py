"""DuckDB's full-text (BM25) index over passages: rebuild, search by postings (from the postings file beside the
database when it is in step, postings.py), and what it covers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from workbench.models import FulltextCoverage, FulltextHealth
from workbench.storage.common.corpus import passage_ids_of_articles
from workbench.storage.common.fulltext import top_scores
from workbench.storage.duckdb.connection import CatalogError, Connection, transaction
from workbench.storage.duckdb.migrations import BM25_STAMP, build_fulltext
from workbench.storage.duckdb.postings import (
    PostingsFile,
    PostingsFileError,
    current_stamp,
    read_postings,
    table_shape,
    write_postings,
)

log = logging.getLogger(__name__)
_SLOWER = "searches read the postings from the database instead, slower at scale"

# The query's terms in the index, each with its idf: the tokenizer, stemmer and formula of DuckDB's match_bm25,
# which would score every passage instead.
_TERMS = """
    WITH tokens AS (SELECT DISTINCT stem(unnest(fts_main_passages.tokenize(?)), 'porter') AS t)
    SELECT d.termid, log(((s.num_docs - d.df) + 0.5) / (d.df + 0.5) + 1) AS idf{stamp}
    FROM fts_main_passages.dict d JOIN tokens ON d.term = tokens.t, fts_main_passages.stats s"""
_QUERY_TERMS = _TERMS.format(stamp="")
# The same with the index's stamp on each row (postings.py), for an index built since stamps exist.
_STAMPED_TERMS = _TERMS.format(stamp=f", (SELECT stamp FROM {BM25_STAMP}) AS stamp")
# One term's postings with their score shares, idf * weight (see migrations.build_fulltext). The postings are
# sorted by term, so an equality filter reads only that term's row groups, where a join with the query's terms
# scanned the whole table: the benchmark's 1M corpus, its ten queries, 8.7 -> 6.4 ms median (8 alternating rounds,
# 2026-12-06); on the 5,285-passage Climate-FEVER corpus the second statement costs 2.3 -> 2.7 ms.
_TERM_POSTINGS = "SELECT passage_id, weight * ? AS share FROM fts_main_passages.bm25_postings WHERE termid = ?"


class FulltextStatements:
    """The DuckDBStore's statements over the FTS tables and their BM25 postings."""

    con: Connection
    postings_file_path: Path  # set by DuckDBStore: <db>.bm25

    def rebuild_fulltext(self) -> None:
        """Rebuild the BM25 index over passages (DuckDB's FTS index is static: inserts need a rebuild), then the
        postings file beside the database.

        In one transaction: a process killed mid-rebuild leaves the old index and its postings, never a new index
        beside old postings. Killed before the file is written, searches read the new postings from the database
        (the old file's stamp is not the new index's) until the next rebuild or `doctor --repair`.
        """
        with transaction(self.con):
            build_fulltext(self.con)
        self.write_postings_file()

    def write_postings_file(self) -> bool:
        """Copy the BM25 postings into the file beside the database; False, with a warning, where it cannot be
        written (searches then read the postings from the database, with the same results, slower at scale)."""
        path = self.postings_file_path
        try:
            with transaction(self.con):  # the stamp and the postings it names from one snapshot
                return write_postings(self.con, path) is not None
        except (OSError, PostingsFileError) as exc:
            log.warning("warning: cannot write the BM25 postings file %s (%s); searches read the database", path, exc)
            return False

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
        # Asked straight away, not after has_fulltext(): a store without the index (or, for the stamped query, an
        # index built before stamps) answers with a catalog error instead. store.bm25 at 20k / 1M real-ish passages
        # and on bench.run's 1M corpus, 13 queries, medians of eight alternating rounds (2026-12-07): 6.7 -> 5.8,
        # 12.9 -> 12.1 and 24.2 -> 21.9 ms.
        try:
            found = self._terms_postings(search_text, _STAMPED_TERMS)
        except CatalogError:
            if not self.has_fulltext():
                return []
            found = self._terms_postings(search_text, _QUERY_TERMS)  # an index from before stamps: the table
        if found is None:
            return []
        ids, shares = found
        excluded = passage_ids_of_articles(self.con, exclude_article_ids) if exclude_article_ids else []
        return top_scores(ids, shares, excluded, limit)

    def _terms_postings(self, search_text: str, query: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The query's terms (by query: _STAMPED_TERMS, or _QUERY_TERMS without a stamp) and their postings, from
        one snapshot, should a rebuild commit meanwhile; None when the index holds none of its terms."""
        with transaction(self.con):
            rows = self.con.execute(query, [search_text]).fetchall()
            if not rows:
                return None
            stamp = rows[0][2] if len(rows[0]) > 2 else None
            return self._postings([(termid, idf) for termid, idf, *_ in rows], stamp)

    def _postings(self, terms: list[tuple[int, float]], stamp: str | None) -> tuple[np.ndarray, np.ndarray]:
        """The passage ids and score shares of the terms' postings: from the postings file when it was copied from
        the build stamped `stamp` (this snapshot's), else from the table (the same numbers, slower at scale:
        `python -m bench.scale bm25` at 1M real-ish passages, whole store.bm25 calls, old and new code alternating,
        2026-12-07: p50 18.0 / 17.1 -> 6.7 / 6.6 ms; on bench.run's 1M corpus, postings read in 3.0 ms against
        8.5 through SQL)."""
        path = self.postings_file_path
        if stamp is not None:
            try:
                with read_postings(path) as found:
                    if found.stamp == stamp and max(termid for termid, _ in terms) < found.terms:
                        return found.shares(terms)
            except FileNotFoundError:
                pass
            except (OSError, PostingsFileError) as exc:  # doctor names it; the table answers meanwhile
                log.debug("BM25 postings file %s not used: %s", path, exc)
        params = [value for termid, idf in terms for value in (idf, termid)]
        table = self.con.execute(" UNION ALL ".join([_TERM_POSTINGS] * len(terms)), params).to_arrow_table()
        return table.column("passage_id").to_numpy(), table.column("share").to_numpy()

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
        file_problem = self._postings_file_problem(sample=16)
        if file_problem:
            problems.append(file_problem)
        return FulltextHealth(True, unindexed, tuple(first_unindexed), stray, tuple(first_stray), tuple(problems))

    def _postings_file_problem(self, sample: int) -> str | None:
        """What is wrong with the postings file, in words: missing, unreadable, or differing from the table (see
        _postings_file_differs); None when it is in step."""
        path = self.postings_file_path
        stamp = current_stamp(self.con)
        if stamp is None:
            return f"it predates the postings file {path.name} ({_SLOWER})"
        try:
            with read_postings(path) as found:
                return self._postings_file_differs(found, stamp, sample)
        except FileNotFoundError:
            return f"its postings file {path} is missing ({_SLOWER})"
        except (OSError, PostingsFileError) as exc:
            return f"its postings file cannot be read: {exc} ({_SLOWER})"

    def _postings_file_differs(self, found: PostingsFile, stamp: str, sample: int) -> str | None:
        """How an open postings file differs from the table: copied from another build, other counts, or other
        postings for a spread of `sample` terms; None when it matches."""
        if found.stamp != stamp:
            return f"its postings file {found.path} was copied from another build of the index ({_SLOWER})"
        terms, postings = table_shape(self.con)
        if (terms, postings) != (found.terms, found.postings):
            return (
                f"its postings file {found.path} holds {found.postings} postings of {found.terms} terms, "
                f"the database {postings} of {terms}"
            )
        for termid in np.unique(np.linspace(0, max(terms - 1, 0), min(sample, terms)).astype(int)):
            table = self.con.execute(
                "SELECT passage_id, weight FROM fts_main_passages.bm25_postings WHERE termid = ? ORDER BY passage_id",
                [int(termid)],
            ).fetchnumpy()
            ids, weights = found.term(int(termid))
            if not (np.array_equal(ids, table["passage_id"]) and np.array_equal(weights, table["weight"])):
                return f"its postings file {found.path} holds other postings than the database for term {termid}"
        return None
