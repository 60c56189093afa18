"""Claims: the review queue with filters and a verdict mix; add claims, import a CSV of them, extract from articles."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import resources
from app_pages.components import md, require_database, saved_uploads, stop_on_error
from claims.vocabulary import REVIEW_STATUSES, UNCHECKED, VERDICTS, label
from workbench import claimbook, factchecks, review
from workbench.config import shown
from workbench.errors import WorkbenchError
from workbench.storage import open_store

PAGE_SIZE = 50
EXTRACT_MAX_ARTICLES = 200  # sentence splitting every article of a large corpus would stall the page
VERDICT_CHOICES = (*VERDICTS, UNCHECKED)
SORTS = {
    "id": "Claim id",
    "date": "Newest claim date",
    "confidence": "Least confident first",
    "conflicting": "Most conflicting sources",
    "updated": "Recently reviewed",
}


def earlier_note(claim_ids: list[int]) -> str:
    """Propose earlier fact-checks for new claims; a sentence saying how many were found ('' when none or on a
    failure: the claims are stored either way, and the Claim page shows what was proposed)."""
    try:
        found = factchecks.propose_for_new_claims(
            cfg.db_path, lambda: resources.embedder(cfg), claim_ids, window_days=cfg.match_window_days
        )
    except WorkbenchError:
        return " Earlier fact-checks could not be matched just now."
    return f" {found} earlier fact-check(s) may be the same claim: see the Claim page." if found else ""


def open_claim(claim_id: int) -> None:
    """Go to the claim page showing this claim."""
    st.session_state["claim_id"] = int(claim_id)
    st.switch_page("app_pages/claim.py")


cfg = resources.settings()
st.title("Claims")
require_database(cfg.db_path)
st.caption(f"Database: `{shown(cfg.db_path)}`")

try:
    with open_store(cfg.db_path) as store:
        counts = store.count_rows()
        outlet_names = [o.name for o in store.outlets()]
except WorkbenchError as exc:
    stop_on_error(exc)
st.write(
    f"{counts['claims']} claims · {counts['articles']} articles · {counts['passages']} passages "
    f"({counts['comments']} from reader comments)"
)

# --- add claims: one, a CSV of them, or proposals from article bodies ---------------------------------
add_one, add_csv, extract = st.tabs(["Add a claim", "Import claims CSV", "Extract claims from articles"])
if st.session_state.pop("claims_add_clear", False):  # the last claim was stored: empty the form, before it is drawn
    st.session_state["claims_add_text"] = ""
    st.session_state["claims_add_date"] = None
# The form is emptied only once the claim is stored: a save that fails (busy, bad date) keeps what was typed.
with add_one, st.form("claims_add_form"):
    text = st.text_area("Claim", key="claims_add_text", max_chars=claimbook.MAX_CLAIM_CHARS, persist_state="session")
    when = st.date_input(
        "Date the claim was made (optional)", value=None, key="claims_add_date", persist_state="session"
    )
    if st.form_submit_button("Add claim"):
        try:
            with open_store(cfg.db_path) as store:
                added = claimbook.add_claim(store, text, claim_date=when)
        except WorkbenchError as exc:
            st.error(f"Not added: {md(exc)}. Your text is still in the form; press Add claim again to retry.")
        else:
            st.session_state["claims_add_clear"] = True
            st.session_state["claims_add_done"] = (
                ("success", f"Added claim #{added.claim_id}.{earlier_note([added.claim_id])}")
                if added.created
                else ("info", f"Already stored as claim #{added.claim_id}.")
            )
            st.rerun()
if done := st.session_state.pop("claims_add_done", None):
    getattr(st, done[0])(done[1])
with add_csv:
    st.caption("A CSV with a `claim` column, optional `date` (YYYY-MM-DD) and `id`. All rows or none are added.")
    upload = st.file_uploader("Claims CSV", type=["csv"], key="claims_csv")
    if upload is not None and st.button("Import claims", key="claims_csv_import"):
        try:
            with saved_uploads([upload]) as (path,), open_store(cfg.db_path) as store:
                added = claimbook.import_claims_csv(store, path)
        except WorkbenchError as exc:
            st.error(md(exc))
        else:
            new = sum(a.created for a in added)
            note = earlier_note([a.claim_id for a in added if a.created])
            st.success(f"{new} claim(s) added, {len(added) - new} already stored.{note}")
with extract:
    st.caption(
        f"Reads the body (never the comments) of the {EXTRACT_MAX_ARTICLES} newest articles of the outlets chosen."
    )
    chosen_outlets = st.multiselect("From outlets (all when empty)", outlet_names, key="claims_extract_outlets")
    limit = st.number_input("Proposals", min_value=1, max_value=100, value=10, key="claims_extract_limit")
    if st.button("Propose check-worthy sentences", key="claims_extract_propose"):
        scorer = resources.checkworthy_model(cfg.checkworthy_model)  # loaded before the database is opened
        with open_store(cfg.db_path, read_only=True) as store:
            ids = store.newest_article_ids(chosen_outlets or None, EXTRACT_MAX_ARTICLES)
            sentences = claimbook.body_sentences(store, ids)
        st.session_state["claims_proposals"] = claimbook.propose_claims(sentences, scorer, limit=int(limit))
    proposals = st.session_state.get("claims_proposals", [])
    if proposals:
        keep = st.data_editor(
            pd.DataFrame(
                {
                    "keep": True,
                    "claim": [p.text for p in proposals],
                    "score": [p.score for p in proposals],
                    "why": ["; ".join(p.reasons) for p in proposals],
                }
            ),
            disabled=["claim", "score", "why"],
            hide_index=True,
            key="claims_extract_table",
        )
        if st.button("Save the kept proposals as claims", key="claims_extract_save"):
            kept = [p for p, k in zip(proposals, keep["keep"], strict=True) if k]
            try:
                with open_store(cfg.db_path) as store:
                    added = claimbook.save_proposals(store, kept)
            except WorkbenchError as exc:  # the proposals and the ticks stay on the page for another try
                st.error(f"Not saved: {md(exc)}")
            else:
                del st.session_state["claims_proposals"]
                note = earlier_note([a.claim_id for a in added if a.created])
                st.success(f"{sum(a.created for a in added)} claim(s) saved.{note}")

# --- the queue ------------------------------------------------------------------------------------------
st.subheader("Review queue")
f_status, f_verdict, f_outlet, f_text = st.columns([1, 1, 1, 2])
statuses = f_status.multiselect("Status", REVIEW_STATUSES, format_func=label, key="claims_filter_status")
verdicts = f_verdict.multiselect("Machine verdict", VERDICT_CHOICES, format_func=label, key="claims_filter_verdict")
outlets = f_outlet.multiselect("Outlet", outlet_names, key="claims_filter_outlet")
search = f_text.text_input("Text contains", key="claims_filter_text")
where = review.QueueFilter(tuple(statuses), tuple(verdicts), tuple(outlets), search)

with open_store(cfg.db_path) as store:
    summary = review.queue_summary(store, where)
    total = sum(count.claims for count in summary)
    sort_col, page_col = st.columns([2, 1])
    sort = sort_col.selectbox("Sort", list(SORTS), format_func=SORTS.get, key="claims_sort")
    pages = max(1, -(-total // PAGE_SIZE))
    if st.session_state.get("claims_page", 1) > pages:  # the filters shrank the queue under this page
        st.session_state["claims_page"] = pages
    page = page_col.number_input("Page", min_value=1, max_value=pages, key="claims_page")
    rows = review.queue(store, where, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)

if not rows:
    st.info("No claims match. Add one above, or change the filters.")
    st.stop()

st.caption(f"{total} claim(s) · select a row to open it")
picked = st.dataframe(
    pd.DataFrame(
        {
            "id": [r.claim_id for r in rows],
            "claim": [r.text for r in rows],
            "date": [r.claim_date for r in rows],
            "machine verdict": [label(r.verdict) if r.verdict else UNCHECKED for r in rows],
            "confidence": [r.confidence for r in rows],
            "agreeing": [r.agreeing for r in rows],
            "conflicting": [r.conflicting for r in rows],
            "status": [label(r.status) for r in rows],
            "human verdict": [label(r.human_verdict) if r.human_verdict else "" for r in rows],
            "reviewer": [r.reviewer or "" for r in rows],
        }
    ),
    column_config={
        "confidence": st.column_config.ProgressColumn("confidence", min_value=0.0, max_value=1.0, format="%.2f"),
        "claim": st.column_config.TextColumn("claim", width="large"),
    },
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="claims_table",
)
if picked.selection.rows:
    open_claim(rows[picked.selection.rows[0]].claim_id)

open_col, chart_col = st.columns([1, 2])
with open_col:
    choice = st.selectbox(
        "Open a claim", [r.claim_id for r in rows], format_func=lambda i: f"#{i}", key="claims_open_choice"
    )
    if st.button("Open claim", key="claims_open"):
        open_claim(choice)
with chart_col:
    st.caption("Verdict mix (machine verdict by review status, all filtered claims)")
    mix = pd.DataFrame(
        [(c.verdict, c.status, c.claims) for c in summary], columns=["machine verdict", "status", "claims"]
    )
    mix["machine verdict"] = mix["machine verdict"].map(label)
    mix["status"] = mix["status"].map(label)
    st.bar_chart(mix, x="machine verdict", y="claims", color="status", horizontal=True, height=220)
