"""Pieces several pages draw: highlighted passages, the reviewer name, uploads saved under their own names.

Article text is untrusted: it reaches the screen through st.text, or through st.html only after html.escape.
"""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from workbench.config import is_server_url

MARK_STYLES = {
    "match": "background:#c8f0c8",
    "conflict": "background:#ffd2a8",
    "passage": "background:#fff3b0",
    "claim": "background:#dfe7ff",
}


def highlighted_html(text: str, spans: Sequence[tuple[int, int, str]], *, tag: str = "div") -> str:
    """Escape text and wrap each (start, end, kind) span in a <mark>; overlapping spans keep the first."""
    out, pos = [], 0
    for start, end, kind in sorted(spans):
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        out.append(html.escape(text[pos:start]))
        style = MARK_STYLES.get(kind, MARK_STYLES["passage"])
        out.append(f'<mark style="{style};padding:0 2px;border-radius:3px">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    body = "".join(out).replace("\n", "<br>")
    return f'<{tag} style="white-space:normal;line-height:1.5">{body}</{tag}>'


def show_highlighted(text: str, spans: Sequence[tuple[int, int, str]]) -> None:
    """Draw untrusted text with marked spans, escaped."""
    st.html(highlighted_html(text, spans))


def reviewer_name(key: str) -> str:
    """A name field kept in session state across pages; returns the trimmed name ('' when empty)."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get("reviewer", "")

    def remember() -> None:
        st.session_state["reviewer"] = st.session_state[key]

    st.text_input("Your name (reviewer)", key=key, on_change=remember, max_chars=100)
    st.session_state["reviewer"] = st.session_state[key]
    return " ".join(st.session_state[key].split())


SAFE_NAME = re.compile(r"[^\w.\- ]+")


MAX_NAME_BYTES = 200  # file systems refuse names over 255 bytes; room is left for a numbered subfolder's twin


def safe_filename(name: str) -> str:
    """The uploaded file's own name without any folder part or odd characters, so messages can name it.

    A name too long for the file system is shortened in its stem, keeping the suffix that decides how it is read.
    """
    cleaned = SAFE_NAME.sub("_", Path(name.replace("\\", "/")).name).strip(" .") or "upload"
    if len(cleaned.encode()) <= MAX_NAME_BYTES:
        return cleaned
    suffix = Path(cleaned).suffix if len(Path(cleaned).suffix.encode()) < 20 else ""
    stem = cleaned[: len(cleaned) - len(suffix)]
    while len((stem + "…" + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + "…" + suffix


MAX_CLAIM_ID = 2**53 - 1  # ids beyond this lose precision in the browser's number field


def parse_claim_id(raw: object) -> int | None:
    """A claim id from a link (?claim=12): a whole number from 1 up, else None."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isdecimal() or not text.isascii():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_CLAIM_ID else None


@contextmanager
def saved_uploads(files: Sequence) -> Iterator[list[Path]]:
    """Write uploaded files to a temporary folder under their original names; remove it afterwards."""
    with tempfile.TemporaryDirectory(prefix="workbench-upload-") as folder:
        paths = []
        for number, upload in enumerate(files):
            name = safe_filename(upload.name)
            path = Path(folder) / name
            if path.exists():  # two uploads with one name: keep both, in their own subfolders
                path = Path(folder) / str(number) / name
                path.parent.mkdir()
            path.write_bytes(upload.getvalue())
            paths.append(path)
        yield paths


def stop_on_error(exc: Exception) -> None:
    """Show a storage or input error in one line, with a button to try again, and stop the page; typed text stays."""
    st.error(md(exc))
    st.caption("Nothing you typed is lost: it is still in the form once the page loads again.")
    st.button("Try again", key="page_retry")
    st.stop()


def require_database(db_path: Path | str) -> None:
    """Stop the page with a hint when the database file does not exist yet (rather than create an empty one); a
    server store is there to be opened."""
    if not is_server_url(db_path) and not Path(db_path).exists():
        st.error(
            f"{md(db_path)}: no database here yet; import articles on the Sources page "
            f"(or: workbench --db {md(db_path)} import …)"
        )
        st.stop()


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:&=\"'])")


def md(text: object) -> str:
    """Escape untrusted text for st.caption / st.error / st.success, which render Markdown.

    Every ASCII punctuation mark Markdown or Streamlit gives a meaning to (links, emphasis, :color[...]
    directives, $math$, HTML) is backslash-escaped, so the text shows exactly as written.
    """
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")
