"""Claims: every stored claim with its top evidence passages; reader comments folded away separately."""

from __future__ import annotations

import streamlit as st

from app_pages import resources
from workbench import store
from workbench.db import open_db
from workbench.errors import WorkbenchError
from workbench.retrieval import evidence_for_claim

EVIDENCE_K = 8
PAGE_SIZE = 25

cfg = resources.settings()
st.title("Claims")
st.caption(f"Database: `{cfg.db_path}`")

try:
    with open_db(cfg.db_path, read_only=True) as con:
        counts = store.count_rows(con)
        page = st.number_input(
            "Page",
            min_value=1,
            max_value=max(1, -(-counts["claims"] // PAGE_SIZE)),
            value=1,
            key="claims_page",
        )
        claims = store.list_claims(con, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
except WorkbenchError as exc:
    st.error(str(exc))
    st.stop()

st.write(
    f"{counts['claims']} claims · {counts['articles']} articles · {counts['passages']} passages "
    f"({counts['comments']} from reader comments)"
)
if not claims:
    st.info("No claims yet. Add some with `workbench claims add` or `workbench claims import claims.csv`.")
    st.stop()

model = resources.embedder(cfg.embedding_model)
vindex = resources.vector_index(cfg)

for claim in claims:
    dated = f" · {claim.claim_date}" if claim.claim_date else ""
    with st.expander(f"#{claim.claim_id} {claim.text}{dated}", expanded=claim is claims[0]):
        with open_db(cfg.db_path, read_only=True) as con:
            hits = evidence_for_claim(con, vindex, model, claim.claim_id, k=EVIDENCE_K)
        sources = [h for h in hits if h.kind == "body"]
        comments = [h for h in hits if h.kind == "comment"]
        st.markdown("**Top evidence from sources**")
        if not sources:
            st.caption("No passages from other sources matched.")
        for hit in sources:
            st.caption(f"{hit.outlet or 'unknown outlet'} — {hit.title or 'untitled'} · score {hit.score:.3f}")
            st.text(hit.text)  # article text is shown as text, never as markdown or HTML
        if comments:
            with st.popover(f"Reader comments ({len(comments)}) — not evidence"):
                for hit in comments:
                    st.caption(f"comment by {hit.author or 'anonymous'} under “{hit.title or 'untitled'}”")
                    st.text(hit.text)
