"""Claim: one claim, its machine verdict, agreeing and conflicting evidence side by side, and the human verdict."""

from __future__ import annotations

import html
from collections.abc import Callable

import streamlit as st

from app_pages import resources
from app_pages.components import (
    MAX_CLAIM_ID,
    md,
    parse_claim_id,
    require_database,
    reviewer_name,
    show_highlighted,
    stop_on_error,
)
from claims.combine import number_check
from claims.verdicts import counts_toward_verdict, outvoted
from claims.vocabulary import (
    AWAITING_APPROVAL,
    CHOSEN_STATUSES,
    CONFIRMED,
    FACTCHECK,
    HUMAN_VERDICTS,
    OWN_CLAIM,
    PROPOSED,
    REJECTED,
    STANCE_BUTTON_LABELS,
    STANCE_LABELS,
    STANCES,
    VERDICT_GIVEN,
    label,
)
from workbench import factchecks, review
from workbench.errors import StaleWriteError, WorkbenchError
from workbench.export import web_url
from workbench.models import ClaimMatch, EvidenceItem, HistoryEvent, Review
from workbench.pipeline import check_stored, evidence_stances, load_latest_check, redecide
from workbench.storage import Store, open_store

ARTICLE_PREVIEW_CHARS = 20_000
ORIGINS = {"manual": "added by hand", "csv": "imported from a CSV", "extracted": "extracted from an article"}


def is_counted(item: EvidenceItem) -> bool:
    """Body passages that count towards the verdict go in the two columns; the rest is folded away."""
    return counts_toward_verdict(item.hit.kind, item.stance, item.confidence)


def show_card(item: EvidenceItem, claim_text: str, claim_id: int, note: str | None = None) -> None:
    """One evidence passage: where it is from, the passage with its numbers marked, why it does not weigh in the
    verdict when its article's other passages outvote it (note), and correction buttons."""
    hit = item.hit
    pid = hit.passage_id
    with st.container(border=True):
        when = hit.published_at.date().isoformat() if hit.published_at else "undated"
        who = f"comment by {hit.author or 'anonymous'}" if hit.kind == "comment" else (hit.outlet or "unknown outlet")
        st.html(f"<b>{html.escape(who)}</b> · {html.escape(hit.title or 'untitled')} · {when}")
        _, comparisons = number_check(claim_text, hit.text)
        show_highlighted(
            hit.text, [(*c.source.span, "conflict" if c.outcome == "conflict" else "match") for c in comparisons]
        )
        for c in comparisons:
            st.text(f"{'≠' if c.outcome == 'conflict' else '='} {c.explanation}")
        published = " · published after the claim" if item.after_claim else ""
        st.caption(f"{STANCE_LABELS[item.stance]} · confidence {item.confidence:.2f}{published}")
        if note:
            st.warning(note.capitalize(), icon=":material/do_not_disturb_on:")
        st.text(item.reason)
        if item.machine is not None:
            m = item.machine
            st.text(f"The machine said: {STANCE_LABELS[m.stance]} · confidence {m.confidence:.2f} · {m.reason}")
            if st.button("Back to the machine's stance", key=f"claim_undo_{pid}"):
                undo(claim_id, pid, was=item.stance, machine_stance=m.stance)
        # Comments are never sources, so there is nothing to correct on them.
        fixes = [s for s in STANCES if s != item.stance and hit.kind == "body"]
        for column, stance in zip(st.columns(max(1, len(fixes))), fixes, strict=False):
            if column.button(f"Mark {STANCE_BUTTON_LABELS[stance]}", key=f"claim_fix_{pid}_{stance}"):
                correct(claim_id, pid, stance, was=item.stance)
        if st.toggle("Show the whole article", key=f"claim_article_{pid}"):
            with open_store(cfg.db_path) as store:
                article = store.get_article(hit.article_id)
            text = article.text
            if hit.url:
                st.caption(f"Source: {md(hit.url)}")
            start = max(0, hit.char_start - ARTICLE_PREVIEW_CHARS // 2)
            shown = text[start : start + ARTICLE_PREVIEW_CHARS]
            show_highlighted(shown, [(hit.char_start - start, hit.char_end - start, "passage")])


def earlier_markdown(match: ClaimMatch) -> str:
    """'Example Checks rated it "Mostly false" (2014-06-20): <claim> · link', escaped for markdown."""
    c = match.candidate
    if c.kind == OWN_CLAIM:
        said = f"this desk's claim #{c.match_id} got the verdict **{md(label(c.rating))}**"
    else:
        said = f"{md(c.publisher or 'an earlier fact-check')} rated it **{md(c.rating or 'unrated')}**"
    when = f" ({c.review_date})" if c.review_date else ""
    link = f" · {md(web_url(c.url))}" if web_url(c.url) else ""
    return f"{said}{when}: “{md(c.text)}”{link}"


def show_earlier(found: list[ClaimMatch]) -> None:
    """Earlier fact-checks: the confirmed ones beside the machine verdict, proposals to confirm or reject."""
    st.subheader("Earlier fact-checks")
    for match in (m for m in found if m.decision == CONFIRMED):
        st.success(f"Confirmed by {md(match.reviewer)}: {earlier_markdown(match)}")
    proposed = [m for m in found if m.decision == PROPOSED]
    if proposed:
        st.caption("Proposed as the same claim: confirm it to show the earlier verdict here and in the exports.")
    for match in proposed:
        c = match.candidate
        with st.container(border=True):
            st.markdown(earlier_markdown(match))
            st.caption(f"Why proposed: {md(match.reason)}")
            yes, no = st.columns(2)
            key = f"{match.claim_id}_{c.kind}_{c.match_id}"
            if yes.button("Same claim", key=f"claim_match_yes_{key}"):
                decide_match(match, CONFIRMED)
            if no.button("Not the same", key=f"claim_match_no_{key}"):
                decide_match(match, REJECTED)
    rejected = [m for m in found if m.decision == REJECTED]
    if rejected:
        with st.expander(f"Rejected as not the same ({len(rejected)})"):
            for match in rejected:
                st.markdown(f"{earlier_markdown(match)} — rejected by {md(match.reviewer)}")


def decide_match(match: ClaimMatch, decision: str) -> None:
    """Store a reviewer's decision on a proposed match (as the reviewer in the sidebar)."""
    c = match.candidate
    as_reviewer(
        lambda store, name: factchecks.decide(store, match.claim_id, c.kind, c.match_id, decision, name),
        f"Match {decision}.",
    )


def change_evidence(claim_id: int, change: Callable[[Store, str], None], done: str) -> None:
    """Store a reviewer's change to one passage's stance (as the reviewer in the sidebar), decide the claim again."""

    def then_redecide(store: Store, name: str) -> None:
        change(store, name)
        redecide(store, claim_id)

    as_reviewer(then_redecide, done)


def as_reviewer(change: Callable[[Store, str], None], done: str) -> None:
    """Run a change as the reviewer named in the sidebar, in one connection; flash done or the error, and rerun."""
    name = st.session_state.get("reviewer", "").strip()
    try:
        with open_store(cfg.db_path) as store:
            change(store, name)
    except WorkbenchError as exc:
        st.session_state["claim_flash"] = ("error", md(exc))
    else:
        st.session_state["claim_flash"] = ("success", done)
    st.rerun()


def correct(claim_id: int, passage_id: int, stance: str, *, was: str) -> None:
    """Store a reviewer's correction of one passage and decide the claim again with it."""
    change_evidence(
        claim_id,
        lambda store, name: review.correct_evidence(store, claim_id, passage_id, stance, name, was=was),
        f"Passage {passage_id} marked {STANCE_LABELS[stance]}.",
    )


def undo(claim_id: int, passage_id: int, *, was: str, machine_stance: str) -> None:
    """Take back a reviewer's correction of one passage and decide the claim again without it."""
    change_evidence(
        claim_id,
        lambda store, name: review.undo_correction(
            store, claim_id, passage_id, name, was=was, machine_stance=machine_stance
        ),
        f"Passage {passage_id} is back to the machine's stance ({STANCE_LABELS[machine_stance]}).",
    )


def show_approval(current: Review, reviewer: str) -> None:
    """The second reviewer's box: approve the verdict awaiting approval, or send it back with a note."""
    claim_id = current.claim_id
    with st.container(border=True):
        st.markdown(
            f"**Awaiting approval**: {md(label(current.human_verdict))}, given by {md(current.reviewer)}. "
            "A different reviewer approves it (then it can be published) or sends it back with a note."
        )
        note = st.text_area("Note (needed to send it back)", key=f"claim_approval_note_{claim_id}")
        approve_col, back_col = st.columns(2)
        if approve_col.button("Approve verdict", key=f"claim_approve_{claim_id}", type="primary"):
            act(lambda store: review.approve(store, claim_id, current.version, reviewer), "Approved")
        if back_col.button("Send back", key=f"claim_send_back_{claim_id}"):
            act(lambda store: review.send_back(store, claim_id, current.version, reviewer, note), "Sent back")


def act(step: Callable[[Store], Review], done: str) -> None:
    """Run an approval step; on success reload the form from the stored review, else say why (the note stays)."""
    try:
        with open_store(cfg.db_path) as store:
            after = step(store)
    except WorkbenchError as exc:
        st.error(f"Not done: {md(exc)}")
        return
    for key in [*keys.values(), version_key, f"claim_approval_note_{after.claim_id}"]:
        st.session_state.pop(key, None)
    st.session_state["claim_saved"] = f"{done} (version {after.version})."
    st.rerun()


cfg = resources.settings()
st.title("Claim")
with st.sidebar:
    reviewer = reviewer_name("claim_reviewer")  # needed to save a verdict or correct evidence
require_database(cfg.db_path)
try:
    with open_store(cfg.db_path) as store:
        first = store.list_claims(limit=1)
except WorkbenchError as exc:
    stop_on_error(exc)
if not first:
    st.info("No claims yet: add one on the Claims page.")
    st.stop()

linked = st.query_params.get("claim")
claim_id = st.session_state.get("claim_id") or parse_claim_id(linked)
if claim_id is None:
    if linked is not None:
        st.warning(f"The link's claim id {md(repr(linked))} is not a claim number; showing claim #{first[0].claim_id}.")
    claim_id = first[0].claim_id
picked = st.columns(4)[0].number_input(
    "Claim id", min_value=1, max_value=MAX_CLAIM_ID, value=claim_id, step=1, key="claim_pick"
)
if picked != claim_id:
    claim_id = st.session_state["claim_id"] = int(picked)
st.query_params["claim"] = str(claim_id)

try:
    with open_store(cfg.db_path) as store:
        claim = store.get_claim(claim_id)
        if claim is not None:
            result = load_latest_check(store, claim_id)
            current = review.get_review(store, claim_id)
            events = review.history(store, claim_id)
            checks = store.check_history(claim_id)
            earlier = factchecks.matches(store, claim_id)
except WorkbenchError as exc:
    stop_on_error(exc)
if claim is None:
    st.error(f"No claim with id {claim_id}.")
    st.stop()

flash = st.session_state.pop("claim_flash", None)
if flash:
    getattr(st, flash[0])(flash[1])

st.html(f"<h3>#{claim.claim_id} {html.escape(claim.text)}</h3>")
st.caption(f"Claimed {claim.claim_date or 'on an unknown date'} · {ORIGINS.get(claim.origin, claim.origin)}")

# --- machine verdict ------------------------------------------------------------------------------------
verdict_col, conf_col, agree_col, conflict_col, button_col = st.columns([2, 1, 1, 1, 1])
verdict_col.metric("Machine verdict", label(result.verdict) if result else "not checked")
conf_col.metric("Confidence", f"{result.confidence:.2f}" if result else "—")
agree_col.metric("Agreeing sources", result.agreeing if result else "—")
conflict_col.metric("Conflicting sources", result.conflicting if result else "—")
if button_col.button("Re-check" if result else "Check now", key="claim_check", type="primary"):
    try:
        with st.spinner("Retrieving and judging evidence…"):
            model = resources.stance_model(cfg.stance_model)
            embedder = resources.embedder(cfg)
            vindex = resources.vector_index(cfg, embedder)
            check_stored(cfg.db_path, vindex, embedder, model, claim_id)  # the file stays free while it judges
    except (WorkbenchError, OSError, RuntimeError) as exc:
        st.error(f"The check failed: {md(exc)}")
    else:
        st.rerun()
if result:
    model_id = result.evidence[0].model_id if result.evidence else "no evidence"
    st.caption(f"Why: {md(result.reason)} · stance model {md(model_id)}")

# --- earlier fact-checks ---------------------------------------------------------------------------------
if earlier:
    show_earlier(earlier)

# --- evidence -------------------------------------------------------------------------------------------
if result:
    counted = [i for i in result.evidence if is_counted(i)]
    notes = outvoted(evidence_stances(result.evidence))  # a side its article's other passages outvote
    sides = (("Agreeing", "agrees", "No source agrees."), ("Conflicting", "conflicts", "No source conflicts."))
    for column, (title, stance, empty) in zip(st.columns(2), sides, strict=True):
        with column:
            st.subheader(title)
            side = [i for i in counted if i.stance == stance]
            if not side:
                st.caption(empty)
            for item in side:
                show_card(item, claim.text, claim_id, notes.get(item.hit.passage_id))
    body = [i for i in result.evidence if i.hit.kind == "body" and not is_counted(i)]
    discussing = [i for i in body if i.stance == "discusses"]
    with st.expander(f"Discussing, no side ({len(discussing)}) — on topic, never counted for either side"):
        for item in discussing:
            show_card(item, claim.text, claim_id)
    folded = [i for i in body if i.stance != "discusses"]
    with st.expander(f"Off topic or weak ({len(folded)})"):
        for item in folded:
            show_card(item, claim.text, claim_id)
    comments = [i for i in result.evidence if i.hit.kind == "comment"]
    with st.expander(f"Reader comments ({len(comments)}) — shown, never counted as sources"):
        for item in comments:
            show_card(item, claim.text, claim_id)
else:
    st.info("This claim has not been checked yet: press Check now.")

# --- human verdict --------------------------------------------------------------------------------------
st.divider()
st.subheader("Verdict")

keys = {f: f"claim_{f}_{claim_id}" for f in review.FIELDS}
version_key = f"claim_version_{claim_id}"
if keys["status"] not in st.session_state:  # first visit, or after another claim: load the stored review
    # A verdict awaiting approval is one given: the form shows what its reviewer chose.
    st.session_state[keys["status"]] = VERDICT_GIVEN if current.status == AWAITING_APPROVAL else current.status
    st.session_state[keys["human_verdict"]] = current.human_verdict
    st.session_state[keys["rationale"]] = current.rationale
    st.session_state[version_key] = current.version

# persist_state="session": what a reviewer typed outlives a run that ends before the form is drawn (an error higher
# up the page) and a visit to another page; it is replaced only by a save or by reloading the browser tab.
with st.form(f"claim_verdict_form_{claim_id}"):
    st.radio(
        "Status",
        CHOSEN_STATUSES,
        format_func=label,
        horizontal=True,
        key=keys["status"],
        persist_state="session",
    )
    st.selectbox(
        "Human verdict",
        HUMAN_VERDICTS,
        format_func=label,
        index=None,
        key=keys["human_verdict"],
        placeholder="Choose a verdict",
        persist_state="session",
    )
    st.text_area("Rationale", key=keys["rationale"], height=120, persist_state="session")
    saved = st.form_submit_button("Save verdict", type="primary")
if saved:
    changes = {f: st.session_state[keys[f]] for f in review.FIELDS}
    try:
        with open_store(cfg.db_path) as store:
            after = review.save_review(
                store, claim_id, st.session_state[version_key], changes, reviewer, second_reviewer=cfg.second_reviewer
            )
    except StaleWriteError as exc:
        theirs = exc.current
        # Keep what this reviewer typed in the form; the next save knowingly replaces the newer version.
        st.session_state[version_key] = theirs.version
        st.error(
            f"Not saved: {md(theirs.reviewer or 'someone')} saved this claim at {theirs.updated_at:%Y-%m-%d %H:%M:%S} "
            "while you were editing. Your text is still in the form; compare it with theirs below and save again "
            "to replace it."
        )
        with st.container(border=True):
            st.caption(f"Their version {theirs.version}: {label(theirs.status)} · {label(theirs.human_verdict)}")
            st.text(theirs.rationale or "(no rationale)")
    except WorkbenchError as exc:
        # Busy, a bad value, a database error: nothing was stored, and the form still holds what was typed.
        st.error(f"Not saved: {md(exc)}. Your text is still in the form; press Save verdict again to retry.")
    else:
        st.session_state[version_key] = after.version
        waiting = " It awaits a second reviewer's approval." if after.status == AWAITING_APPROVAL else ""
        st.session_state["claim_saved"] = f"Saved (version {after.version}).{waiting}"
        st.rerun()
if saved_note := st.session_state.pop("claim_saved", None):
    st.success(saved_note)
if current.version:
    when = f"{current.updated_at:%Y-%m-%d %H:%M:%S}"
    if current.approved_by:  # the approval is the last save; the verdict stays its giver's
        st.caption(
            f"Version {current.version}: verdict by {md(current.reviewer)}, approved by {md(current.approved_by)} "
            f"at {when}"
        )
    else:
        st.caption(f"Version {current.version}, saved by {md(current.reviewer)} at {when}")
if current.status == AWAITING_APPROVAL:
    show_approval(current, reviewer)

st.subheader("History")
if not events and not checks:
    st.caption("Nothing has happened to this claim yet.")


def event_line(e: HistoryEvent) -> str:
    """One history event as a person reads it."""
    if e.field == "approval":
        return f"{e.reviewer} {e.new_value}"  # "bob approved", "bob sent back: <note>"
    if e.field.startswith("match:"):  # match:factcheck:3 or match:claim:7
        _, kind, match_id = e.field.split(":")
        what = "earlier fact-check" if kind == FACTCHECK else "this desk's claim"
        return f"{e.reviewer} {e.new_value} {what} #{match_id} as the same claim (was {e.old_value})"
    return f"{e.reviewer} changed {e.field.replace('_', ' ')}: {label(e.old_value)} → {label(e.new_value)}"


timeline = [(e.changed_at, event_line(e)) for e in events]
timeline += [(c.checked_at, f"machine check #{c.check_id}: {label(c.verdict)} ({c.confidence:.2f})") for c in checks]
for at, what in sorted(timeline, key=lambda t: t[0], reverse=True):
    st.text(f"{at:%Y-%m-%d %H:%M:%S}  {what}")
