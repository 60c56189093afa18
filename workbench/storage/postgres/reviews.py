"""Reviews, their history, evidence corrections, outlet credibility and the review queue in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from claims.vocabulary import NEW, UNCHECKED, UNKNOWN
from workbench.models import Correction, HistoryEvent, Outlet, QueueCount, QueueFilter, QueueRow, Review
from workbench.storage.duckdb.reviews import QUEUE_ORDER
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


def _queue_params(where: QueueFilter) -> list:
    """The parameters of _QUEUE_FILTER, each choice twice (its IS NULL test and its array)."""
    lists = [None if v is None else list(v) for v in (where.statuses, where.verdicts, where.outlets)]
    return [lists[0], lists[0], lists[1], lists[1], lists[2], lists[2], where.search, where.search]


class ReviewStatements:
    """The PostgresStore's statements over reviews, corrections, credibility and the queue."""

    con: QmarkConnection

    def get_review(self, claim_id: int) -> Review | None:
        """Return a claim's review, or None when nobody has saved one."""
        row = self.con.execute(f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE claim_id = ?", [claim_id]).fetchone()
        return Review(*row) if row else None

    def save_review(self, review: Review, expected_version: int) -> bool:
        """Create the review at version 1, or update it only if it is still at expected_version (then bump it);
        False when another writer was first. The UPDATE's row lock makes a second writer wait, then see the
        version the first one wrote and match nothing."""
        fields = [review.status, review.human_verdict, review.rationale, review.reviewer]
        if expected_version == 0:
            row = self.con.execute(
                f"""INSERT INTO reviews ({_REVIEW_COLUMNS})
                    VALUES (?, ?, ?, ?, ?, 1, (now() AT TIME ZONE 'UTC'), ?)
                    ON CONFLICT (claim_id) DO NOTHING RETURNING version""",
                [review.claim_id, *fields, review.approved_by],
            ).fetchone()
        else:
            row = self.con.execute(
                """UPDATE reviews SET status = ?, human_verdict = ?, rationale = ?, reviewer = ?,
                                      approved_by = ?, version = version + 1, updated_at = (now() AT TIME ZONE 'UTC')
                   WHERE claim_id = ? AND version = ? RETURNING version""",
                [*fields, review.approved_by, review.claim_id, expected_version],
            ).fetchone()
        return row is not None

    def insert_history(self, claim_id: int, rows: Sequence[tuple[str, str | None, str | None]], reviewer: str):
        """Append (field, old_value, new_value) events of one change by reviewer."""
        if rows:
            self.con.executemany(
                "INSERT INTO review_history (claim_id, field, old_value, new_value, reviewer) VALUES (?, ?, ?, ?, ?)",
                [[claim_id, field, old, new, reviewer] for field, old, new in rows],
            )

    def review_history(self, claim_id: int) -> list[HistoryEvent]:
        """Return every change to a claim's review and evidence, newest first."""
        rows = self.con.execute(
            """SELECT event_id, field, old_value, new_value, reviewer, changed_at FROM review_history
               WHERE claim_id = ? ORDER BY event_id DESC""",
            [claim_id],
        ).fetchall()
        return [HistoryEvent(*row) for row in rows]

    def upsert_correction(self, claim_id: int, passage_id: int, stance: str, reviewer: str) -> None:
        """Record a reviewer's stance for one evidence passage of a claim, replacing an earlier correction."""
        self.con.execute(
            """INSERT INTO evidence_corrections (claim_id, passage_id, stance, reviewer) VALUES (?, ?, ?, ?)
               ON CONFLICT (claim_id, passage_id) DO UPDATE SET stance = excluded.stance,
                   reviewer = excluded.reviewer, corrected_at = excluded.corrected_at""",
            [claim_id, passage_id, stance, reviewer],
        )

    def delete_correction(self, claim_id: int, passage_id: int) -> bool:
        """Remove a reviewer's stance for one evidence passage of a claim; say whether there was one."""
        cur = self.con.execute(
            "DELETE FROM evidence_corrections WHERE claim_id = ? AND passage_id = ?", [claim_id, passage_id]
        )
        return cur.rowcount > 0

    def corrections(self, claim_id: int) -> list[Correction]:
        """Return every reviewer's correction of a claim's evidence, by passage id."""
        rows = self.con.execute(
            "SELECT passage_id, stance, reviewer FROM evidence_corrections WHERE claim_id = ? ORDER BY passage_id",
            [claim_id],
        ).fetchall()
        return [Correction(*row) for row in rows]

    def upsert_credibility(self, outlet: str, credibility: str) -> None:
        """Tag an outlet credible, unknown or not_credible."""
        self.con.execute(
            """INSERT INTO outlet_credibility (outlet, credibility) VALUES (?, ?)
               ON CONFLICT (outlet) DO UPDATE SET credibility = excluded.credibility,
                   updated_at = excluded.updated_at""",
            [outlet, credibility],
        )

    def credibility_by_outlet(self) -> dict[str, str]:
        """Return {outlet: credibility} of every tagged outlet."""
        return dict(self.con.execute("SELECT outlet, credibility FROM outlet_credibility").fetchall())

    def outlets(self) -> list[Outlet]:
        """Return every outlet with articles, by name; untagged ones are 'unknown'."""
        rows = self.con.execute(
            f"""SELECT a.outlet, count(*), coalesce(max(c.credibility), '{UNKNOWN}') FROM articles a
               LEFT JOIN outlet_credibility c ON c.outlet = a.outlet
               WHERE a.outlet IS NOT NULL GROUP BY a.outlet ORDER BY a.outlet"""
        ).fetchall()
        return [Outlet(*row) for row in rows]

    def queue(
        self, where: QueueFilter, *, sort: str = "id", limit: int | None = None, offset: int = 0
    ) -> list[QueueRow]:
        """Return queue rows (see _QUEUE) that a normalised filter lets through (None lets everything through)."""
        rows = self.con.execute(
            f"SELECT * FROM ({_QUEUE}) q {_QUEUE_FILTER} ORDER BY {QUEUE_ORDER[sort]} LIMIT ? OFFSET ?",
            [*_queue_params(where), limit, offset],
        ).fetchall()
        return [QueueRow(*row[:-2], tuple(row[-2] or ()), row[-1]) for row in rows]

    def queue_summary(self, where: QueueFilter) -> list[QueueCount]:
        """Return the claims of the filtered queue per machine verdict (or 'unchecked') and status."""
        rows = self.con.execute(
            f"""SELECT coalesce(verdict, '{UNCHECKED}') AS v, status, count(*) FROM ({_QUEUE}) q {_QUEUE_FILTER}
                GROUP BY 1, 2 ORDER BY 1, 2""",
            _queue_params(where),
        ).fetchall()
        return [QueueCount(*row) for row in rows]
