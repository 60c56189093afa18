"""Export: the verdict table as a spreadsheet-safe CSV, and ClaimReview JSON-LD for the reviewed claims."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import resources
from app_pages.components import md, require_database
from claims.vocabulary import UNCHECKED, label
from workbench.errors import WorkbenchError
from workbench.export import build_claimreview, build_verdicts_csv, load_verdicts, publishable
from workbench.storage import open_store

cfg = resources.settings()
st.title("Export")
require_database(cfg.db_path)
try:
    with open_store(cfg.db_path) as store:
        records = load_verdicts(store)
except WorkbenchError as exc:
    st.error(md(exc))
    st.stop()

reviewed = sum(1 for r in records if r.row.human_verdict)
published = sum(1 for r in records if publishable(r.row, approved_only=cfg.second_reviewer))
st.write(f"{len(records)} claims, {reviewed} with a human verdict.")
csv_col, json_col = st.columns(2)
csv_col.download_button(
    "Download verdicts CSV",
    build_verdicts_csv(records),
    file_name="verdicts.csv",
    mime="text/csv",
    key="export_csv",
    type="primary",
)
csv_col.caption(
    "One row per claim, the cited evidence of each side one item per line. Cells that a spreadsheet "
    "would run as a formula start with an apostrophe."
)
json_col.download_button(
    "Download ClaimReview JSON-LD",
    build_claimreview(records, approved_only=cfg.second_reviewer),
    file_name="claimreview.json",
    mime="application/ld+json",
    key="export_claimreview",
)
if cfg.second_reviewer:
    json_col.caption(
        f"schema.org ClaimReview for the {published} verdict(s) a second reviewer approved (the desk rule is on; "
        f"{reviewed - published} not yet approved are left out)."
    )
else:
    json_col.caption("schema.org ClaimReview for each claim with a human verdict.")

st.subheader("Preview")
st.dataframe(
    pd.DataFrame(
        {
            "id": [r.row.claim_id for r in records],
            "claim": [r.row.text for r in records],
            "machine verdict": [label(r.row.verdict) if r.row.verdict else UNCHECKED for r in records],
            "human verdict": [label(r.row.human_verdict) if r.row.human_verdict else "" for r in records],
            "status": [label(r.row.status) for r in records],
            "reviewer": [r.row.reviewer or "" for r in records],
            "approved by": [r.row.approved_by or "" for r in records],
            "agreeing passages": [len(r.agreeing) for r in records],
            "conflicting passages": [len(r.conflicting) for r in records],
        }
    ),
    hide_index=True,
    key="export_preview",
)
