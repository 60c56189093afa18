"""The DuckDBStore's statements over earlier fact-checks and the matches proposed for claims."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from workbench.models import Candidate, FactCheck
from workbench.storage.common.factchecks import CANDIDATES, FactCheckReads
from workbench.storage.duckdb.connection import Connection, registered

_FIELDS = ("claim_text", "rating", "rating_value", "best_rating", "worst_rating", "review_url", "publisher",
           "review_date", "origin", "fingerprint")  # fmt: skip


class FactCheckStatements(FactCheckReads):
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

    def candidates(self, kind: str | None = None, ids: Sequence[int] | None = None) -> list[Candidate]:
        """Fact-checks and the desk's reviewed claims a claim may repeat (optionally of one kind and these ids)."""
        rows = self.con.execute(
            f"""SELECT * FROM ({CANDIDATES})
                WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR list_contains(?, match_id))
                ORDER BY kind, match_id""",
            [kind, kind, None if ids is None else list(ids), None if ids is None else list(ids)],
        ).fetchall()
        return [Candidate(*row) for row in rows]
