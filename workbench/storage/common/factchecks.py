"""Statements over earlier fact-checks and claim matches that both backends run as written."""

from __future__ import annotations

from collections.abc import Sequence

from claims.vocabulary import FACTCHECK, OWN_CLAIM, PROPOSED, VERDICT_GIVEN
from workbench.models import Candidate, ClaimMatch
from workbench.storage.common.connection import Connection

# Both kinds of candidate as one relation: imported fact-checks, and the desk's own claims with a given verdict.
CANDIDATES = f"""
    SELECT '{FACTCHECK}' AS kind, factcheck_id AS match_id, claim_text AS text, rating, review_url AS url, publisher,
           review_date
    FROM factchecks
    UNION ALL
    SELECT '{OWN_CLAIM}', c.claim_id, c.text, r.human_verdict, NULL, NULL, CAST(r.updated_at AS DATE)
    FROM claims c JOIN reviews r USING (claim_id)
    WHERE r.status = '{VERDICT_GIVEN}' AND r.human_verdict IS NOT NULL
"""


class FactCheckReads:
    """A store's portable statements over fact-checks and matches; each backend adds the bulk insert and the
    vectors, stored in its own form."""

    con: Connection

    def factchecks_without_vectors(self, model: str) -> list[tuple[int, str]]:
        """(factcheck_id, claim text) of the fact-checks with no vector from this embedding model."""
        return self.con.execute(
            "SELECT factcheck_id, claim_text FROM factchecks WHERE embedding_model IS DISTINCT FROM ? "
            "ORDER BY factcheck_id",
            [model],
        ).fetchall()

    def count_factchecks(self) -> int:
        """How many earlier fact-checks are stored."""
        return self.con.execute("SELECT count(*) FROM factchecks").fetchone()[0]

    def upsert_proposals(self, claim_id: int, proposals: Sequence[tuple[str, int, float, str]]) -> int:
        """Store (kind, match_id, score, reason) proposals for a claim: new ones as proposed, proposed ones with the
        new score; a match a reviewer decided keeps its decision. Returns how many were new."""
        if not proposals:
            return 0
        before = self.con.execute("SELECT count(*) FROM claim_matches WHERE claim_id = ?", [claim_id]).fetchone()[0]
        self.con.executemany(
            f"""INSERT INTO claim_matches (claim_id, kind, match_id, score, reason, decision)
                VALUES (?, ?, ?, ?, ?, '{PROPOSED}')
                ON CONFLICT (claim_id, kind, match_id) DO UPDATE SET score = excluded.score, reason = excluded.reason
                WHERE claim_matches.decision = '{PROPOSED}'""",
            [[claim_id, kind, match_id, score, reason] for kind, match_id, score, reason in proposals],
        )
        after = self.con.execute("SELECT count(*) FROM claim_matches WHERE claim_id = ?", [claim_id]).fetchone()[0]
        return after - before

    def claim_matches(self, claim_id: int) -> list[ClaimMatch]:
        """A claim's proposed, confirmed and rejected matches, best score first."""
        rows = self.con.execute(
            f"""SELECT m.claim_id, c.kind, c.match_id, c.text, c.rating, c.url, c.publisher, c.review_date,
                       m.score, m.reason, m.decision, m.reviewer, m.decided_at
                FROM claim_matches m JOIN ({CANDIDATES}) c ON c.kind = m.kind AND c.match_id = m.match_id
                WHERE m.claim_id = ? ORDER BY m.score DESC, m.kind, m.match_id""",
            [claim_id],
        ).fetchall()
        return [ClaimMatch(r[0], Candidate(*r[1:8]), *r[8:]) for r in rows]

    def decide_match(self, claim_id: int, kind: str, match_id: int, decision: str, reviewer: str) -> str | None:
        """Record a reviewer's decision on one match; return the decision it had, None when there is no such match."""
        row = self.con.execute(
            "SELECT decision FROM claim_matches WHERE claim_id = ? AND kind = ? AND match_id = ?",
            [claim_id, kind, match_id],
        ).fetchone()
        if row is None:
            return None
        self.con.execute(
            "UPDATE claim_matches SET decision = ?, reviewer = ?, decided_at = current_timestamp "
            "WHERE claim_id = ? AND kind = ? AND match_id = ?",
            [decision, reviewer, claim_id, kind, match_id],
        )
        return row[0]
