"""The DuckDBStore's statements over earlier fact-checks and the matches proposed for claims."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from claims.vocabulary import FACTCHECK, OWN_CLAIM, PROPOSED, VERDICT_GIVEN
from workbench.models import Candidate, ClaimMatch, FactCheck
from workbench.storage.duckdb.connection import Connection, registered

_FIELDS = ("claim_text", "rating", "rating_value", "best_rating", "worst_rating", "review_url", "publisher",
           "review_date", "origin", "fingerprint")  # fmt: skip
# Both kinds of candidate as one relation: imported fact-checks, and the desk's own claims with a given verdict.
_CANDIDATES = f"""
    SELECT '{FACTCHECK}' AS kind, factcheck_id AS match_id, claim_text AS text, rating, review_url AS url, publisher,
           review_date
    FROM factchecks
    UNION ALL
    SELECT '{OWN_CLAIM}', c.claim_id, c.text, r.human_verdict, NULL, NULL, CAST(r.updated_at AS DATE)
    FROM claims c JOIN reviews r USING (claim_id)
    WHERE r.status = '{VERDICT_GIVEN}' AND r.human_verdict IS NOT NULL
"""


class FactCheckStatements:
    """Fact-checks read from ClaimReview files, their vectors, and claim matches with their decisions."""

    con: Connection

    def insert_factchecks(self, checks: Sequence[FactCheck]) -> int:
        """Store the fact-checks not stored before (by fingerprint); return how many were new."""
        if not checks:
            return 0
        table = pa.table(
            {
                "claim_text": pa.array([c.claim_text for c in checks], pa.string()),
                "rating": pa.array([c.rating for c in checks], pa.string()),
                "rating_value": pa.array([c.rating_value for c in checks], pa.float64()),
                "best_rating": pa.array([c.best_rating for c in checks], pa.float64()),
                "worst_rating": pa.array([c.worst_rating for c in checks], pa.float64()),
                "review_url": pa.array([c.review_url for c in checks], pa.string()),
                "publisher": pa.array([c.publisher for c in checks], pa.string()),
                "review_date": pa.array([c.review_date for c in checks], pa.date32()),
                "origin": pa.array([c.origin for c in checks], pa.string()),
                "fingerprint": pa.array([c.fingerprint for c in checks], pa.string()),
                "position": pa.array(range(len(checks)), pa.int64()),
            }
        )
        with registered(self.con, new_factchecks=table):
            inserted = self.con.execute(
                f"""INSERT INTO factchecks ({", ".join(_FIELDS)})
                    SELECT {", ".join(_FIELDS)} FROM new_factchecks
                    WHERE fingerprint NOT IN (SELECT fingerprint FROM factchecks)
                    QUALIFY row_number() OVER (PARTITION BY fingerprint ORDER BY position) = 1
                    ORDER BY position
                    RETURNING factcheck_id"""
            ).fetchall()
        return len(inserted)

    def factchecks_without_vectors(self, model: str) -> list[tuple[int, str]]:
        """(factcheck_id, claim text) of the fact-checks with no vector from this embedding model."""
        return self.con.execute(
            "SELECT factcheck_id, claim_text FROM factchecks WHERE embedding_model IS DISTINCT FROM ? "
            "ORDER BY factcheck_id",
            [model],
        ).fetchall()

    def set_factcheck_vectors(self, ids: Sequence[int], model: str, vectors: np.ndarray) -> None:
        """Store each fact-check's claim vector from this model."""
        table = pa.table(
            {
                "factcheck_id": pa.array(ids, pa.int64()),
                "embedding": pa.array([row.tolist() for row in vectors], pa.list_(pa.float32())),
            }
        )
        with registered(self.con, new_vectors=table):
            self.con.execute(
                "UPDATE factchecks SET embedding = v.embedding, embedding_model = ? FROM new_vectors v "
                "WHERE factchecks.factcheck_id = v.factcheck_id",
                [model],
            )

    def factcheck_vectors(self, model: str) -> tuple[list[int], np.ndarray]:
        """The ids and vectors (one row each) of the fact-checks embedded with this model."""
        rows = self.con.execute(
            "SELECT factcheck_id, embedding FROM factchecks WHERE embedding_model = ? ORDER BY factcheck_id", [model]
        ).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        return [r[0] for r in rows], np.asarray([r[1] for r in rows], dtype=np.float32)

    def count_factchecks(self) -> int:
        """How many earlier fact-checks are stored."""
        return self.con.execute("SELECT count(*) FROM factchecks").fetchone()[0]

    def candidates(self, kind: str | None = None, ids: Sequence[int] | None = None) -> list[Candidate]:
        """Fact-checks and the desk's reviewed claims a claim may repeat (optionally of one kind and these ids)."""
        rows = self.con.execute(
            f"""SELECT * FROM ({_CANDIDATES})
                WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR list_contains(?, match_id))
                ORDER BY kind, match_id""",
            [kind, kind, None if ids is None else list(ids), None if ids is None else list(ids)],
        ).fetchall()
        return [Candidate(*row) for row in rows]

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
                FROM claim_matches m JOIN ({_CANDIDATES}) c ON c.kind = m.kind AND c.match_id = m.match_id
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
