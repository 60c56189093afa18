"""Entry point: navigation only; each page lives in app_pages/."""

import streamlit as st

st.set_page_config(page_title="Claim workbench", layout="wide")
st.navigation(
    [
        st.Page("app_pages/claims.py", title="Claims", icon=":material/fact_check:", default=True),
        st.Page("app_pages/claim.py", title="Claim", icon=":material/rate_review:"),
        st.Page("app_pages/sources.py", title="Sources", icon=":material/library_books:"),
        st.Page("app_pages/export.py", title="Export", icon=":material/download:"),
    ]
).run()
