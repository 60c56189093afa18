"""Entry point: navigation, and one friendly line instead of a traceback when a page fails; pages live in app_pages/."""

# ruff: noqa: E402 (warm.wait() comes before the page's imports)
import logging

from app_pages import warm

warm.wait()  # app_pages.serve may be importing the page's modules in the background: never import alongside it

import streamlit as st

from app_pages.components import md
from index.embedders import EmbedderError
from index.vectors import IndexMismatchError
from workbench.errors import WorkbenchError

st.set_page_config(page_title="Claim workbench", layout="wide")
page = st.navigation(
    [
        st.Page("app_pages/claims.py", title="Claims", icon=":material/fact_check:", default=True),
        st.Page("app_pages/claim.py", title="Claim", icon=":material/rate_review:"),
        st.Page("app_pages/sources.py", title="Sources", icon=":material/library_books:"),
        st.Page("app_pages/export.py", title="Export", icon=":material/download:"),
    ]
)
try:
    page.run()
except (WorkbenchError, IndexMismatchError, EmbedderError) as exc:  # the user's to fix (busy, a bad file or model)
    st.error(md(exc))
except Exception as exc:  # a defect: the reviewer gets one line, the traceback goes to the server log
    logging.getLogger("workbench.app").exception("page %s failed", page.title)
    st.error(
        f"Something went wrong on this page ({type(exc).__name__}). "
        "Reload the page to try again; the details are in the server log."
    )
