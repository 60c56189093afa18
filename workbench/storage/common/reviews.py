"""Reviews, their history, evidence corrections and outlet credibility: the statements both backends run as written
(each names its conflict target, which DuckDB and PostgreSQL both take)."""

from __future__ import annotations

from collections.abc import Sequence

from claims.vocabulary import UNCHECKED, UNKNOWN
from workbench.models import Correction, HistoryEvent, Outlet, QueueCount, QueueFilter, QueueRow, Review
from workbench.storage.common.connection import Connection

REVIEW_COLUMNS = "claim_id, status, human_verdict, rationale, reviewer, version, updated_at, approved_by"
# One ORDER BY per sort of workbench.storage.QUEUE_SORTS (tests/test_review.py holds the two to each other).
QUEUE_ORDER = {
    "id": "claim_id",
    "date": "claim_date DESC NULLS LAST, claim_id",
    "confidence": "confidence NULLS LAST, claim_id",
    "conflicting": "conflicting DESC NULLS LAST, claim_id",
    "updated": "updated_at DESC NULLS LAST, claim_id",
}


def _queue_params(where: QueueFilter) -> list:
    """The parameters of a backend's QUEUE_FILTER, each choice twice (its IS NULL test and its list)."""
    lists = [None if v is None else list(v) for v in (where.statuses, where.verdicts, where.outlets)]
    return [lists[0], lists[0], lists[1], lists[1], lists[2], lists[2], where.search, where.search]


class ReviewReads:
    """A store's portable statements over reviews, history, corrections, credibility and the queue; each backend
    gives the queue's SQL, which differs (lists in DuckDB, arrays in PostgreSQL), as QUEUE and QUEUE_FILTER."""

    con: Connection
    QUEUE: str  # the newest check per claim, its evidence outlets and the review, a row per claim
    QUEUE_FILTER: str  # the WHERE of a QueueFilter, with _queue_params's parameters

    def queue(
        self, where: QueueFilter, *, sort: str = "id", limit: int | None = None, offset: int = 0
    ) -> list[QueueRow]:
        """Return queue rows (see QUEUE) that a normalised filter lets through (None lets everything through)."""
        rows = self.con.execute(
            f"SELECT * FROM ({self.QUEUE}) q {self.QUEUE_FILTER} ORDER BY {QUEUE_ORDER[sort]} LIMIT ? OFFSET ?",
            [*_queue_params(where), limit, offset],
        ).fetchall()
        return [QueueRow(*row[:-2], tuple(row[-2] or ()), row[-1]) for row in rows]

    def queue_summary(self, where: QueueFilter) -> list[QueueCount]:
        """Return the claims of the filtered queue per machine verdict (or 'unchecked') and status."""
        rows = self.con.execute(
            f"""SELECT coalesce(verdict, '{UNCHECKED}') AS v, status, count(*) FROM ({self.QUEUE}) q
                {self.QUEUE_FILTER} GROUP BY 1, 2 ORDER BY 1, 2""",
            _queue_params(where),
        ).fetchall()
        return [QueueCount(*row) for row in rows]

    def get_review(self, claim_id: int) -> Review | None:
        """Return a claim's review, or None when nobody has saved one."""
        row = self.con.execute(f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE claim_id = ?", [claim_id]).fetchone()
        return Review(*row) if row else None

    def save_review(self, review: Review, expected_version: int) -> bool:
        """Create the review at version 1, or update it only if it is still at expected_version (then bump it);
        False when another writer was first (the version is checked by the UPDATE itself, so a second writer
        never overwrites the first one's version unseen)."""
        fields = [review.status, review.human_verdict, review.rationale, review.reviewer]
        if expected_version == 0:
            row = self.con.execute(
                f"""INSERT INTO reviews ({REVIEW_COLUMNS})
                    VALUES (?, ?, ?, ?, ?, 1, current_timestamp, ?)
                    ON CONFLICT (claim_id) DO NOTHING RETURNING version""",
                [review.claim_id, *fields, review.approved_by],
            ).fetchone()
        else:
            row = self.con.execute(
                """UPDATE reviews SET status = ?, human_verdict = ?, rationale = ?, reviewer = ?,
                                      approved_by = ?, version = version + 1, updated_at = current_timestamp
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
        return bool(
            self.con.execute(
                "DELETE FROM evidence_corrections WHERE claim_id = ? AND passage_id = ? RETURNING passage_id",
                [claim_id, passage_id],
            ).fetchall()
        )

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
