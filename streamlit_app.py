"""Entry point: navigation only; each page lives in app_pages/."""

import streamlit as st

st.set_page_config(page_title="Claim workbench", layout="wide")
st.navigation([st.Page("app_pages/claims.py", title="Claims", icon=":material/fact_check:", default=True)]).run()
