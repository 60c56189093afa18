"""Sources: import article files, tag outlets by credibility, browse articles and their passages."""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import resources
from app_pages.components import md, saved_uploads
from claims.vocabulary import CREDIBILITY_LEVELS, label
from workbench import factchecks, review
from workbench.documents import SUFFIXES
from workbench.errors import IngestError, WorkbenchError
from workbench.fetching import read_links
from workbench.ingest import feed_links, import_files
from workbench.models import ImportStatus
from workbench.pipeline import redecide_all
from workbench.storage import open_store

ARTICLES_PER_PAGE = 20
PASSAGES_SHOWN = 200

cfg = resources.settings()
st.title("Sources")

# --- import -------------------------------------------------------------------------------------------
st.subheader("Import articles")


def shown_name(path: str) -> str:
    """A file by its name, a web page by its address."""
    return path if "://" in path else Path(path).name


def run_import(sources: list, before: tuple[tuple[str, str, str], ...] = ()) -> None:
    """Import files or web addresses with a progress bar; keep each one's result (after `before`) for the list
    below."""
    if not sources:
        st.session_state["sources_results"] = list(before)
        return
    bar = st.progress(0.0, text="Loading the embedding model…")
    embedder = resources.embedder(cfg)

    def embedded(status: ImportStatus) -> None:
        name = shown_name(status.path)
        what = f"{name}: embedded {status.embedded:,} of {status.file_passages:,} passages"
        bar.progress(min(status.fraction, 1.0), text=f"{md(what)} · {status.describe()}")

    try:
        results = import_files(sources, cfg, embedder, embedding_progress=embedded)
    except WorkbenchError as exc:
        st.error(md(exc))
    else:
        bar.empty()  # the result lines below say what happened; a bar left at the last embedded file would not
        shown = [(shown_name(r.path), r.status, r.message) for r in results]
        st.session_state["sources_results"] = [*before, *shown]


st.caption(f"Files: {', '.join(SUFFIXES)}. Several at once; a bad file is reported and the others still import.")
uploads = st.file_uploader("Article files", accept_multiple_files=True, key="sources_upload")
if uploads and st.button(f"Import {len(uploads)} file(s)", key="sources_import", type="primary"):
    with saved_uploads(uploads) as paths:
        run_import(paths)

st.caption(
    "Or web pages and feeds: a page is read as an .html file is and keeps its address and fetch time; "
    "a feed's entries fetched before are skipped."
)
links_text = st.text_area("Web page links, one per line", key="sources_links", placeholder="https://…")
feed_text = st.text_input("RSS or Atom feed (imports each entry not fetched before)", key="sources_feed")
if (links_text.strip() or feed_text.strip()) and st.button("Fetch and import", key="sources_fetch"):
    links, refused = read_links(links_text)
    noted = [(line, "failed", reason) for line, reason in refused]
    if feed_text.strip():
        try:
            found, new, known = feed_links(feed_text.strip(), cfg)
        except IngestError as exc:
            noted.append((feed_text.strip(), "failed", exc.reason))
        else:
            links += [link for link in new if link not in links]
            noted += [(link, "skipped", f"fetched before (feed {found.title or 'untitled'})") for link in known]
    run_import(links, tuple(noted))
# Open while files are chosen or a result is shown: a rerun after an upload would otherwise fold the button away.
open_fold = bool(st.session_state.get("sources_factchecks"))
with st.expander("Earlier fact-checks (ClaimReview JSON-LD)", expanded=open_fold):
    st.caption(
        "Other desks' or your own published ClaimReview files: an array, an object or an @graph. Each claim is then "
        "matched against them, and a reviewer confirms a match on the Claim page. Importing a file again adds nothing."
    )
    reviews = st.file_uploader(
        "ClaimReview files", type=["json", "jsonld"], accept_multiple_files=True, key="sources_factchecks"
    )
    if reviews and st.button(f"Import {len(reviews)} ClaimReview file(s)", key="sources_factchecks_import"):
        embedder = resources.embedder(cfg)  # before the database is opened: it reads which model the database uses
        try:
            with saved_uploads(reviews) as paths, open_store(cfg.db_path) as store:
                imported, proposed = factchecks.import_factchecks(
                    store, embedder, paths, window_days=cfg.match_window_days, max_bytes=cfg.max_file_bytes
                )
        except WorkbenchError as exc:
            st.error(md(exc))
        else:
            new = sum(r.new for r in imported)
            read = sum(r.read for r in imported)
            st.success(f"{new} fact-check(s) imported ({read - new} already there); {proposed} match(es) proposed.")

results = st.session_state.get("sources_results")
if results:
    done = {s: sum(status == s for _, status, _ in results) for s in ("imported", "skipped", "failed")}
    st.write(f"{done['imported']} imported, {done['skipped']} skipped, {done['failed']} failed")
    for name, status, message in results:
        line = f"{md(name)}: {status} — {md(message)}"
        {"imported": st.success, "skipped": st.info, "failed": st.error}[status](line)

# --- outlets ------------------------------------------------------------------------------------------
st.subheader("Outlets and credibility")
st.caption("The verdict weighs a source by its outlet: credible ×1, unknown ×0.75, not credible ×0.25.")
try:
    with open_store(cfg.db_path) as store:
        outlet_rows = store.outlets()
except WorkbenchError as exc:
    st.error(md(exc))
    st.stop()
if outlet_rows:
    st.dataframe(
        pd.DataFrame(
            {
                "outlet": [o.name for o in outlet_rows],
                "articles": [o.articles for o in outlet_rows],
                "credibility": [label(o.credibility) for o in outlet_rows],
            }
        ),
        hide_index=True,
        key="sources_outlets",
    )
    tags = {o.name: o.credibility for o in outlet_rows}
    pick_col, tag_col, save_col = st.columns([2, 2, 1], vertical_alignment="bottom")
    outlet = pick_col.selectbox("Outlet", list(tags), key="sources_outlet")
    tag = tag_col.radio(
        "Credibility",
        CREDIBILITY_LEVELS,
        index=CREDIBILITY_LEVELS.index(tags[outlet]),
        format_func=label,
        horizontal=True,
        key=f"sources_credibility_{outlet}",
    )
    if save_col.button("Save tag", key="sources_credibility_save"):
        with open_store(cfg.db_path) as store:
            review.set_credibility(store, outlet, tag)
            changed = redecide_all(store, outlet=outlet)
        st.success(f"{md(outlet)} is now {label(tag)}; {changed} machine verdict(s) decided again.")
        st.rerun()
else:
    st.caption("No outlets yet: import some articles.")

# --- browse ---------------------------------------------------------------------------------------------
st.subheader("Articles")
filter_col, search_col, page_col = st.columns([2, 2, 1])
only = filter_col.selectbox(
    "Outlet",
    [None, *(o.name for o in outlet_rows)],
    key="sources_browse_outlet",
    format_func=lambda o: "all outlets" if o is None else o,
)
title_search = search_col.text_input("Title contains", key="sources_browse_search")
page = page_col.number_input("Page", min_value=1, value=1, key="sources_browse_page")
with open_store(cfg.db_path) as store:
    articles = store.list_articles(
        outlet=only, search=title_search.strip(), limit=ARTICLES_PER_PAGE, offset=(page - 1) * ARTICLES_PER_PAGE
    )
if not articles:
    st.caption("No articles here.")
    st.stop()
st.dataframe(
    pd.DataFrame(
        [astuple(a) for a in articles],
        columns=["id", "title", "outlet", "url", "published", "file", "passages", "comments"],
    ),
    hide_index=True,
    key="sources_articles",
)
article_id = st.selectbox(
    "Read an article",
    [a.article_id for a in articles],
    format_func=lambda i: next(
        f"#{a.article_id} {a.title or 'untitled'} ({a.outlet or 'no outlet'})" for a in articles if a.article_id == i
    ),
    key="sources_article",
)
with open_store(cfg.db_path) as store:
    article = store.get_article(article_id)
    body = store.article_passages(article_id, "body", PASSAGES_SHOWN)
    comments = store.article_passages(article_id, "comment", PASSAGES_SHOWN)
st.caption(md(f"{article.outlet or 'no outlet'} · {article.published_at or 'undated'} · {article.url or 'no URL'}"))
body_tab, comment_tab = st.tabs([f"Article body ({len(body)})", f"Reader comments ({len(comments)})"])
with body_tab:
    for passage in body:
        st.text(passage.text)
with comment_tab:
    if not comments:
        st.caption("No reader comments.")
    for comment in comments:
        st.caption(md(f"comment by {comment.author or 'anonymous'} — not a source"))
        st.text(comment.text)
