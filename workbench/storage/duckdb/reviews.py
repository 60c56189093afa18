"""Reviews, their history, evidence corrections, outlet credibility and the review queue in DuckDB."""

from __future__ import annotations

from claims.vocabulary import NEW, UNCHECKED
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


class ReviewStatements(ReviewReads):
    """The DuckDBStore's statements over reviews, corrections, credibility and the queue."""

    con: Connection
    QUEUE = _QUEUE
    QUEUE_FILTER = _QUEUE_FILTER
