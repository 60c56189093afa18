"""The PostgresStore's statements over earlier fact-checks: the bulk insert and the vectors (float32 bytes)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.models import Candidate, FactCheck
from workbench.storage.common.factchecks import CANDIDATES, FactCheckReads
from workbench.storage.postgres.connection import QmarkConnection
from workbench.storage.postgres.corpus import vector_bytes, vectors_from

_FIELDS = ("claim_text", "rating", "rating_value", "best_rating", "worst_rating", "review_url", "publisher",
           "review_date", "origin", "fingerprint")  # fmt: skip


class FactCheckStatements(FactCheckReads):
    """Fact-checks read from ClaimReview files, their vectors, and claim matches with their decisions."""

    con: QmarkConnection

    def insert_factchecks(self, checks: Sequence[FactCheck]) -> int:
        """Store the fact-checks not stored before (by fingerprint), in file order; return how many were new."""
        new = 0
        for check in checks:
            row = self.con.execute(
                f"""INSERT INTO factchecks ({", ".join(_FIELDS)}) VALUES ({", ".join("?" * len(_FIELDS))})
                    ON CONFLICT (fingerprint) DO NOTHING RETURNING factcheck_id""",
                [getattr(check, field) for field in _FIELDS],
            ).fetchone()
            new += row is not None
        return new

    def set_factcheck_vectors(self, ids: Sequence[int], model: str, vectors: np.ndarray) -> None:
        """Store each fact-check's claim vector from this model."""
        if not len(ids):
            return
        self.con.executemany(
            "UPDATE factchecks SET embedding = ?, embedding_model = ? WHERE factcheck_id = ?",
            [[vector_bytes(v), model, int(i)] for i, v in zip(ids, vectors, strict=True)],
        )

    def factcheck_vectors(self, model: str) -> tuple[list[int], np.ndarray]:
        """The ids and vectors (one row each) of the fact-checks embedded with this model."""
        rows = self.con.execute(
            "SELECT factcheck_id, embedding FROM factchecks WHERE embedding_model = ? ORDER BY factcheck_id", [model]
        ).fetchall()
        return [r[0] for r in rows], vectors_from([bytes(r[1]) for r in rows])

    def candidates(self, kind: str | None = None, ids: Sequence[int] | None = None) -> list[Candidate]:
        """Fact-checks and the desk's reviewed claims a claim may repeat (optionally of one kind and these ids)."""
        wanted = None if ids is None else [int(i) for i in ids]
        rows = self.con.execute(
            f"""SELECT * FROM ({CANDIDATES}) c
                WHERE (?::TEXT IS NULL OR kind = ?) AND (?::BIGINT[] IS NULL OR match_id = ANY(?::BIGINT[]))
                ORDER BY kind, match_id""",
            [kind, kind, wanted, wanted],
        ).fetchall()
        return [Candidate(*row) for row in rows]
