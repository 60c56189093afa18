"""Reviews, their history, evidence corrections, outlet credibility and the review queue in DuckDB."""

from __future__ import annotations

from claims.vocabulary import NEW, UNCHECKED
from workbench.models import QueueCount, QueueFilter, QueueRow
from workbench.storage.common.reviews import ReviewReads
from workbench.storage.duckdb.connection import Connection

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
                                                                  ELSE [src.outlet] END)) AS outlets,
           r.approved_by
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


def _queue_params(where: QueueFilter) -> list:
    """The parameters of _QUEUE_FILTER, each choice twice (its IS NULL test and its list)."""
    lists = [None if v is None else list(v) for v in (where.statuses, where.verdicts, where.outlets)]
    return [lists[0], lists[0], lists[1], lists[1], lists[2], lists[2], where.search, where.search]


class ReviewStatements(ReviewReads):
    """The DuckDBStore's statements over reviews, corrections, credibility and the queue."""

    con: Connection

    def queue(
        self, where: QueueFilter, *, sort: str = "id", limit: int | None = None, offset: int = 0
    ) -> list[QueueRow]:
        """Return queue rows (see _QUEUE) that a normalised filter lets through (None lets everything through)."""
        rows = self.con.execute(
            f"SELECT * FROM ({_QUEUE}) {_QUEUE_FILTER} ORDER BY {QUEUE_ORDER[sort]} LIMIT ? OFFSET ?",
            [*_queue_params(where), limit, offset],
        ).fetchall()
        return [QueueRow(*row[:-2], tuple(row[-2] or ()), row[-1]) for row in rows]

    def queue_summary(self, where: QueueFilter) -> list[QueueCount]:
        """Return the claims of the filtered queue per machine verdict (or 'unchecked') and status."""
        rows = self.con.execute(
            f"""SELECT coalesce(verdict, '{UNCHECKED}'), status, count(*) FROM ({_QUEUE}) {_QUEUE_FILTER}
                GROUP BY ALL ORDER BY ALL""",
            _queue_params(where),
        ).fetchall()
        return [QueueCount(*row) for row in rows]
