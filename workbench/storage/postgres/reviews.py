"""Reviews, their history, evidence corrections, outlet credibility and the review queue in PostgreSQL."""

from __future__ import annotations

from claims.vocabulary import NEW, UNCHECKED
from workbench.storage.common.reviews import ReviewReads
from workbench.storage.postgres.connection import QmarkConnection

_REVIEW_COLUMNS = "claim_id, status, human_verdict, rationale, reviewer, version, updated_at, approved_by"

# The newest check per claim, its evidence outlets and the review: what the queue and the exports show (the
# DuckDB backend's _QUEUE in PostgreSQL: DISTINCT ON for QUALIFY, arrays for lists; outlets sorted by name).
_QUEUE = f"""
    WITH latest AS (
        SELECT DISTINCT ON (claim_id) * FROM checks ORDER BY claim_id, check_id DESC
    ), cited AS (
        SELECT e.check_id, array_agg(DISTINCT a.outlet) AS outlets FROM evidence e
        JOIN passages p USING (passage_id) JOIN articles a ON a.article_id = p.article_id
        WHERE e.check_id IN (SELECT check_id FROM latest) AND a.outlet IS NOT NULL GROUP BY e.check_id
    )
    SELECT c.claim_id, c.text, c.claim_date, l.verdict, l.confidence, l.agreeing, l.conflicting,
           coalesce(r.status, '{NEW}') AS status, r.human_verdict, r.reviewer, coalesce(r.rationale, '') AS rationale,
           l.checked_at, r.updated_at, l.check_id,
           ARRAY(SELECT DISTINCT o FROM unnest(coalesce(cited.outlets, '{{}}'::text[]) || src.outlet) AS o
                 WHERE o IS NOT NULL ORDER BY o) AS outlets,
           r.approved_by
    FROM claims c
    LEFT JOIN latest l USING (claim_id)
    LEFT JOIN cited ON cited.check_id = l.check_id
    LEFT JOIN reviews r ON r.claim_id = c.claim_id
    LEFT JOIN articles src ON src.article_id = c.source_article_id
"""
_QUEUE_FILTER = f"""
    WHERE (?::text[] IS NULL OR status = ANY(?::text[]))
      AND (?::text[] IS NULL OR coalesce(verdict, '{UNCHECKED}') = ANY(?::text[]))
      AND (?::text[] IS NULL OR outlets && ?::text[])
      AND (? = '' OR text ILIKE '%' || ? || '%')
"""


class ReviewStatements(ReviewReads):
    """The PostgresStore's statements over reviews, corrections, credibility and the queue."""

    con: QmarkConnection
    QUEUE = _QUEUE
    QUEUE_FILTER = _QUEUE_FILTER
