"""The human review of a claim: status workflow, verdict and rationale, evidence corrections, outlet credibility.

Every change is appended to review_history, and saves are guarded by a version number: a reviewer who saves
over a version someone else has already replaced gets a StaleWriteError and nothing is written.

With the desk rule of a second reviewer (Settings.second_reviewer), a verdict given is stored as awaiting approval
until a different reviewer approves it (approve) or sends it back with a note (send_back).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial

from claims.vocabulary import (
    AWAITING_APPROVAL,
    CREDIBILITY_LEVELS,
    HUMAN_VERDICTS,
    IN_REVIEW,
    REVIEW_STATUSES,
    STANCES,
    VERDICT_GIVEN,
    label,
)
from workbench.errors import ReviewError, StaleWriteError, WriteConflictError
from workbench.models import HistoryEvent, QueueCount, QueueFilter, QueueRow, Review
from workbench.storage import QUEUE_SORTS, Store

FIELDS = ("status", "human_verdict", "rationale")
MAX_RATIONALE_CHARS = 20_000
MAX_REVIEWER_CHARS = 100


def clean_reviewer(name: str | None) -> str:
    """A reviewer's name with its spaces folded; ReviewError when it is empty or too long."""
    name = " ".join((name or "").split())
    if not name:
        raise ReviewError("enter your name as reviewer before saving")
    if len(name) > MAX_REVIEWER_CHARS:
        raise ReviewError(f"a reviewer name is at most {MAX_REVIEWER_CHARS} characters")
    return name


def get_review(store: Store, claim_id: int) -> Review:
    """Return the claim's review (a fresh 'new' one at version 0 if nobody has saved one)."""
    return store.get_review(claim_id) or Review(claim_id)


def _validated(current: Review, changes: Mapping[str, str | None]) -> dict[str, str | None]:
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ReviewError(f"cannot change {', '.join(sorted(unknown))} of a review")
    new = {field: getattr(current, field) for field in FIELDS} | dict(changes)
    new["rationale"] = (new["rationale"] or "").strip()
    new["human_verdict"] = new["human_verdict"] or None
    if new["status"] not in REVIEW_STATUSES:
        raise ReviewError(f"status {new['status']!r} is not one of {', '.join(REVIEW_STATUSES)}")
    if changes.get("status") == AWAITING_APPROVAL:
        raise ReviewError("'awaiting approval' is set by the workbench: give the verdict, and it awaits approval")
    if new["human_verdict"] is not None and new["human_verdict"] not in HUMAN_VERDICTS:
        raise ReviewError(f"verdict {new['human_verdict']!r} is not one of {', '.join(HUMAN_VERDICTS)}")
    if new["status"] == VERDICT_GIVEN and new["human_verdict"] is None:
        raise ReviewError("choose a verdict before marking the claim 'verdict given'")
    if len(new["rationale"]) > MAX_RATIONALE_CHARS:
        raise ReviewError(f"the rationale is {len(new['rationale'])} characters; at most {MAX_RATIONALE_CHARS}")
    return new


# A save that collides with another session's save of the same claim is tried again after 20, 40, 80, 160 ms: by
# then the other save has committed (so this one is stale) or rolled back (so this one goes through). Four waits cover
# the slowest commit seen in tests/test_review.py's four-way race on this 2-core machine by a wide margin.
SAVE_ATTEMPTS = 5
RETRY_WAIT_S = 0.02


def save_review(
    store: Store,
    claim_id: int,
    expected_version: int,
    changes: Mapping[str, str | None],
    reviewer: str,
    *,
    second_reviewer: bool = False,
) -> Review:
    """Apply changes (status, human_verdict, rationale) to the review the editor loaded at expected_version.

    second_reviewer (the desk rule): a verdict given is stored as awaiting approval, and any change to an approved
    verdict takes the approval away. Raises StaleWriteError, writing nothing, when the review has moved on since;
    its `current` holds the newer review so the caller can show it next to what its user typed. Unchanged fields
    are not logged.
    """
    reviewer = clean_reviewer(reviewer)
    once = partial(_save_once, store, claim_id, expected_version, changes, reviewer, second_reviewer)
    return _retrying(store, claim_id, expected_version, once)


def _retrying(store: Store, claim_id: int, expected_version: int, once: Callable[[], Review]) -> Review:
    """Run one guarded write of a claim's review, again after a collision with another session's write."""
    if store.get_claim(claim_id) is None:
        raise ReviewError(f"no claim with id {claim_id}")
    for attempt in range(SAVE_ATTEMPTS):
        try:
            return once()
        except WriteConflictError as exc:
            # Another session wrote the row at the same moment: DuckDB aborts this transaction (a duplicate key or a
            # write conflict), sometimes before the other one has committed. Stale once its version shows.
            current = get_review(store, claim_id)
            if current.version != expected_version:
                raise StaleWriteError(claim_id, expected_version, current) from exc
            collision = exc
            time.sleep(RETRY_WAIT_S * 2**attempt)
    raise ReviewError(
        f"claim {claim_id}: the review could not be saved because another save of it kept colliding "
        f"({str(collision).splitlines()[0]}); nothing was saved, try again"
    )


def _stored_status(current: Review, new: dict[str, str | None], second_reviewer: bool) -> str:
    """The status a save stores. Under the desk rule a verdict given, or edited, awaits approval; one left as it
    was keeps its standing (the form shows a verdict awaiting approval as "verdict given")."""
    if not second_reviewer or new["status"] != VERDICT_GIVEN:
        return new["status"]
    unchanged = all(new[f] == getattr(current, f) for f in ("human_verdict", "rationale"))
    approved = current.status == VERDICT_GIVEN and current.approved_by is not None
    if unchanged and (current.status == AWAITING_APPROVAL or approved):
        return current.status
    return AWAITING_APPROVAL


def _save_once(
    store: Store,
    claim_id: int,
    expected_version: int,
    changes: Mapping[str, str | None],
    reviewer: str,
    second_reviewer: bool,
) -> Review:
    with store.transaction():
        current = get_review(store, claim_id)
        if current.version != expected_version:
            raise StaleWriteError(claim_id, expected_version, current)
        new = _validated(current, changes)
        new["status"] = _stored_status(current, new, second_reviewer)
        changed = [(f, getattr(current, f), new[f]) for f in FIELDS if new[f] != getattr(current, f)]
        if not changed:
            return current
        review = replace(
            current,
            status=new["status"],
            human_verdict=new["human_verdict"],
            rationale=new["rationale"],
            reviewer=reviewer,
            approved_by=None,  # an approval is of the verdict as it was; any change needs a new one
        )
        if not store.save_review(review, expected_version):
            raise StaleWriteError(claim_id, expected_version, get_review(store, claim_id))
        store.insert_history(claim_id, changed, reviewer)
    return get_review(store, claim_id)


def _same_person(a: str | None, b: str) -> bool:
    return " ".join((a or "").split()).casefold() == b.casefold()


def _second_review(
    store: Store, claim_id: int, expected_version: int, reviewer: str, status: str, events: list
) -> Review:
    """Move a verdict awaiting approval to status (approved: verdict_given; sent back: in_review), as reviewer, a
    different person from the one who gave it; log events."""
    with store.transaction():
        current = get_review(store, claim_id)
        if current.version != expected_version:
            raise StaleWriteError(claim_id, expected_version, current)
        if current.status != AWAITING_APPROVAL:
            raise ReviewError(f"claim {claim_id} has no verdict awaiting approval (it is {label(current.status)})")
        if _same_person(current.reviewer, reviewer):
            raise ReviewError(
                f"{current.reviewer} gave this verdict; a different reviewer approves it or sends it back"
            )
        approved_by = reviewer if status == VERDICT_GIVEN else None
        if not store.save_review(replace(current, status=status, approved_by=approved_by), expected_version):
            raise StaleWriteError(claim_id, expected_version, get_review(store, claim_id))
        store.insert_history(claim_id, [("status", AWAITING_APPROVAL, status), *events], reviewer)
    return get_review(store, claim_id)


def approve(store: Store, claim_id: int, expected_version: int, reviewer: str) -> Review:
    """A second reviewer approves the verdict awaiting approval: it is given, and may be published."""
    reviewer = clean_reviewer(reviewer)
    events = [("approval", None, "approved")]
    once = partial(_second_review, store, claim_id, expected_version, reviewer, VERDICT_GIVEN, events)
    return _retrying(store, claim_id, expected_version, once)


def send_back(store: Store, claim_id: int, expected_version: int, reviewer: str, note: str) -> Review:
    """A second reviewer rejects the verdict awaiting approval with a note: the claim is in review again."""
    reviewer = clean_reviewer(reviewer)
    note = (note or "").strip()
    if not note:
        raise ReviewError("say why the verdict goes back: the note is kept in the history")
    if len(note) > MAX_RATIONALE_CHARS:
        raise ReviewError(f"the note is {len(note)} characters; at most {MAX_RATIONALE_CHARS}")
    events = [("approval", None, f"sent back: {note}")]
    once = partial(_second_review, store, claim_id, expected_version, reviewer, IN_REVIEW, events)
    return _retrying(store, claim_id, expected_version, once)


def history(store: Store, claim_id: int) -> list[HistoryEvent]:
    """Return every change to a claim's review and evidence, newest first."""
    return store.review_history(claim_id)


def correct_evidence(store: Store, claim_id: int, passage_id: int, stance: str, reviewer: str, *, was: str) -> None:
    """Record that a passage really agrees, conflicts, discusses (no side) or is unrelated to a claim; log it.

    `was` is the stance shown to the reviewer, kept as the old value of the history event.
    """
    reviewer = clean_reviewer(reviewer)
    if stance not in STANCES:
        raise ReviewError(f"stance {stance!r} is not one of {', '.join(STANCES)}")
    with store.transaction():
        store.upsert_correction(claim_id, passage_id, stance, reviewer)
        store.insert_history(claim_id, [(f"evidence:{passage_id}", was, stance)], reviewer)


def undo_correction(
    store: Store, claim_id: int, passage_id: int, reviewer: str, *, was: str, machine_stance: str
) -> None:
    """Take back the correction of one passage so the machine's stance counts again; log it as history.

    `was` is the corrected stance shown to the reviewer; the history event's new value names the machine's.
    """
    reviewer = clean_reviewer(reviewer)
    with store.transaction():
        if not store.delete_correction(claim_id, passage_id):
            raise ReviewError(f"passage {passage_id} of claim {claim_id} has no correction to take back")
        store.insert_history(claim_id, [(f"evidence:{passage_id}", was, f"{machine_stance} (machine)")], reviewer)


def set_credibility(store: Store, outlet: str, credibility: str) -> None:
    """Tag an outlet credible, unknown or not_credible; the verdict weighs its articles by it."""
    if credibility not in CREDIBILITY_LEVELS:
        raise ReviewError(f"credibility {credibility!r} is not one of {', '.join(CREDIBILITY_LEVELS)}")
    if not outlet.strip():
        raise ReviewError("name the outlet")
    with store.transaction():
        store.upsert_credibility(outlet, credibility)


EVERYTHING = QueueFilter()  # the queue unfiltered


def queue(
    store: Store, where: QueueFilter = EVERYTHING, *, sort: str = "id", limit: int | None = None, offset: int = 0
) -> list[QueueRow]:
    """Return the claims the filter lets through, a page at a time."""
    if sort not in QUEUE_SORTS:
        raise ReviewError(f"sort by one of {', '.join(QUEUE_SORTS)}")
    return store.queue(where.normalised(), sort=sort, limit=limit, offset=offset)


def queue_summary(store: Store, where: QueueFilter = EVERYTHING) -> list[QueueCount]:
    """Return the claims per machine verdict (or 'unchecked') and status behind the queue's chart."""
    return store.queue_summary(where.normalised())
