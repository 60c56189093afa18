"""Claims, machine checks and their evidence: the same statements on every backend."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date

from workbench.models import CheckResult, Claim, EvidenceItem, Hit, MachineStance, StoredCheck
from workbench.storage.common.connection import HIT_COLUMNS, Connection

_CLAIM_COLUMNS = """claim_id, text, claim_date, origin, external_id, source_article_id, source_passage_id,
                    created_at"""

_CHECK_COLUMNS = (
    "check_id, verdict, confidence, reason, agreeing, conflicting, stance_model, embedding_model, checked_at"
)


class CheckStatements:
    """A store's statements over claims, checks and evidence (DuckDB and PostgreSQL alike)."""

    con: Connection

    def insert_claim(
        self,
        text: str,
        normalized: str,
        *,
        claim_date: date | None,
        origin: str,
        external_id: str | None = None,
        source_article_id: int | None = None,
        source_passage_id: int | None = None,
    ) -> int:
        """Insert a claim; return its id."""
        return self.con.execute(
            """INSERT INTO claims (text, normalized, claim_date, origin, external_id, source_article_id,
                                   source_passage_id)
               VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING claim_id""",
            [text, normalized, claim_date, origin, external_id, source_article_id, source_passage_id],
        ).fetchone()[0]

    def normalised_claims(self) -> list[tuple[int, str]]:
        """Return (claim_id, normalised text) of every claim, for near-duplicate checks."""
        return self.con.execute("SELECT claim_id, normalized FROM claims ORDER BY claim_id").fetchall()

    def claim_with_external_id(self, external_id: str) -> int | None:
        """The id of the first claim stored with this external id (a desk's own id for it), None when there is none."""
        row = self.con.execute("SELECT min(claim_id) FROM claims WHERE external_id = ?", [external_id]).fetchone()
        return row[0] if row else None

    def get_claim(self, claim_id: int) -> Claim | None:
        """Return one claim by id."""
        row = self.con.execute(f"SELECT {_CLAIM_COLUMNS} FROM claims WHERE claim_id = ?", [claim_id]).fetchone()
        return Claim(*row) if row else None

    def list_claims(self, limit: int | None = None, offset: int = 0) -> list[Claim]:
        """Return claims in id order, a page at a time."""
        rows = self.con.execute(
            f"SELECT {_CLAIM_COLUMNS} FROM claims ORDER BY claim_id LIMIT ? OFFSET ?", [limit, offset]
        ).fetchall()
        return [Claim(*row) for row in rows]

    def source_article_url(self, claim_id: int) -> str | None:
        """Return the URL of the article a claim was extracted from, if any."""
        row = self.con.execute(
            "SELECT a.url FROM claims c JOIN articles a ON a.article_id = c.source_article_id WHERE c.claim_id = ?",
            [claim_id],
        ).fetchone()
        return row[0] if row else None

    def insert_check(self, result: CheckResult, *, stance_model: str, embedding_model: str) -> int:
        """Store a machine check and its evidence rows; earlier checks of the claim stay as history."""
        check_id = self.con.execute(
            """INSERT INTO checks (claim_id, verdict, confidence, reason, agreeing, conflicting, stance_model,
                                   embedding_model)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING check_id""",
            [
                result.claim.claim_id,
                result.verdict,
                result.confidence,
                result.reason,
                result.agreeing,
                result.conflicting,
                stance_model,
                embedding_model,
            ],
        ).fetchone()[0]
        if not result.evidence:  # a claim nothing was found for: the check and its verdict, no evidence rows
            return check_id
        self.con.executemany(
            """INSERT INTO evidence (check_id, passage_id, rank, retrieval_score, stance, confidence, reason,
                                     number_check, model_id, after_claim, machine_stance, machine_confidence,
                                     machine_reason)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                [
                    check_id,
                    item.hit.passage_id,
                    rank,
                    item.hit.score,
                    item.stance,
                    item.confidence,
                    item.reason,
                    item.number_check,
                    item.model_id,
                    item.after_claim,
                    *(astuple(item.machine) if item.machine else (None, None, None)),
                ]
                for rank, item in enumerate(result.evidence, start=1)
            ],
        )
        return check_id

    def check_history(self, claim_id: int) -> list[StoredCheck]:
        """Return every check of a claim (without evidence), newest first."""
        rows = self.con.execute(
            f"SELECT {_CHECK_COLUMNS} FROM checks WHERE claim_id = ? ORDER BY check_id DESC", [claim_id]
        ).fetchall()
        return [StoredCheck(*row) for row in rows]

    def latest_check(self, claim_id: int) -> StoredCheck | None:
        """Return the newest check of a claim (without evidence), or None."""
        row = self.con.execute(
            f"SELECT {_CHECK_COLUMNS} FROM checks WHERE claim_id = ? ORDER BY check_id DESC LIMIT 1", [claim_id]
        ).fetchone()
        return StoredCheck(*row) if row else None

    def check_evidence(self, check_id: int) -> list[EvidenceItem]:
        """Return the evidence of a check in rank order, with the machine's stance beside any reviewer correction."""
        rows = self.con.execute(
            f"""SELECT {HIT_COLUMNS}, e.retrieval_score, e.stance, e.confidence, e.reason, e.number_check,
                       e.model_id, e.after_claim, e.machine_stance, e.machine_confidence, e.machine_reason
                FROM evidence e JOIN passages p USING (passage_id) JOIN articles a ON a.article_id = p.article_id
                WHERE e.check_id = ? ORDER BY e.rank""",
            [check_id],
        ).fetchall()
        items = []
        for row in rows:
            # The SELECT's three groups: the hit and its retrieval score, the stance as judged, the machine's stance.
            hit, judged, machine = row[:12], row[12:18], row[18:]
            original = MachineStance(*machine) if machine[0] is not None else None
            items.append(EvidenceItem(Hit(*hit[:-1], score=hit[-1]), *judged, machine=original))
        return items

    def claim_ids_with_checks(self) -> list[int]:
        """Return the ids of claims that have been checked at least once."""
        return [r[0] for r in self.con.execute("SELECT DISTINCT claim_id FROM checks ORDER BY claim_id").fetchall()]

    def claim_ids_citing_outlet(self, outlet: str) -> list[int]:
        """Return the ids of claims whose newest check has evidence from this outlet."""
        return [
            r[0]
            for r in self.con.execute(
                """WITH latest AS (SELECT claim_id, max(check_id) AS check_id FROM checks GROUP BY claim_id)
                   SELECT DISTINCT l.claim_id FROM latest l JOIN evidence e USING (check_id)
                   JOIN passages p USING (passage_id) JOIN articles a ON a.article_id = p.article_id
                   WHERE a.outlet = ? ORDER BY l.claim_id""",
                [outlet],
            ).fetchall()
        ]
