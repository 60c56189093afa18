"""The workbench's one vocabulary: every label it stores, and how people read each one.

The database's CHECK constraints, the app's choices, the exports and the verdict rules all take their labels
from here (tests/test_vocabulary.py holds the stored schema to it), so a label is spelled in one place.
"""

from __future__ import annotations

# --- the stance of one passage towards a claim -----------------------------------------------------------
AGREES, CONFLICTS, DISCUSSES, UNRELATED = "agrees", "conflicts", "discusses", "unrelated"
STANCES = (AGREES, CONFLICTS, DISCUSSES, UNRELATED)
SIDES = (AGREES, CONFLICTS)  # the stances that count towards a verdict
NO_SIDE = (DISCUSSES, UNRELATED)  # on topic without a side, or off topic: shown, never counted

# --- verdicts: the machine gives the first four, a reviewer may also call a claim unverifiable --------------
SUPPORTED, REFUTED, CONFLICTING, NOT_ENOUGH_EVIDENCE = "supported", "refuted", "conflicting", "not_enough_evidence"
UNVERIFIABLE = "unverifiable"
VERDICTS = (SUPPORTED, REFUTED, CONFLICTING, NOT_ENOUGH_EVIDENCE)
HUMAN_VERDICTS = (*VERDICTS, UNVERIFIABLE)
UNCHECKED = "unchecked"  # the review queue's name for a claim no machine check has judged yet

# --- where a claim stands with its reviewers ---------------------------------------------------------------
NEW, IN_REVIEW, VERDICT_GIVEN = "new", "in_review", "verdict_given"
# A verdict waiting for a second reviewer's approval: only with the desk rule on (WORKBENCH_SECOND_REVIEWER), and set
# by the workbench, never chosen: a reviewer who gives a verdict under the rule leaves it awaiting approval.
AWAITING_APPROVAL = "awaiting_approval"
REVIEW_STATUSES = (NEW, IN_REVIEW, AWAITING_APPROVAL, VERDICT_GIVEN)
CHOSEN_STATUSES = (NEW, IN_REVIEW, VERDICT_GIVEN)  # the ones a reviewer picks in the verdict form

# --- an earlier fact-check proposed as the same claim, and what a reviewer decided -------------------------
FACTCHECK, OWN_CLAIM = "factcheck", "claim"  # an imported ClaimReview, or one of the desk's own reviewed claims
MATCH_KINDS = (FACTCHECK, OWN_CLAIM)
PROPOSED, CONFIRMED, REJECTED = "proposed", "confirmed", "rejected"
MATCH_DECISIONS = (PROPOSED, CONFIRMED, REJECTED)

# --- how far an outlet is trusted ------------------------------------------------------------------------
CREDIBLE, UNKNOWN, NOT_CREDIBLE = "credible", "unknown", "not_credible"
CREDIBILITY_LEVELS = (CREDIBLE, UNKNOWN, NOT_CREDIBLE)

# --- how people read them --------------------------------------------------------------------------------
STANCE_LABELS = {AGREES: "agrees", CONFLICTS: "conflicts", DISCUSSES: "discusses (no side)", UNRELATED: "off topic"}
STANCE_BUTTON_LABELS = {**STANCE_LABELS, DISCUSSES: "no side"}  # "Mark no side": buttons stay short
CREDIBILITY_IN_REASONS = {CREDIBLE: "credible", UNKNOWN: "unknown credibility", NOT_CREDIBLE: "not credible"}
# schema.org ClaimReview reviewRating.alternateName for each human verdict.
CLAIMREVIEW_RATINGS = {
    SUPPORTED: "True",
    REFUTED: "False",
    CONFLICTING: "Mixed",
    NOT_ENOUGH_EVIDENCE: "Unproven",
    UNVERIFIABLE: "Unverifiable",
}


def label(value: str | None) -> str:
    """Spell a stored value for people: 'not_enough_evidence' -> 'not enough evidence', None -> '—'."""
    return value.replace("_", " ") if value else "—"
