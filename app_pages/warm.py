"""The modules a first page run imports, imported ahead of it in the background (app_pages.serve starts this once
the server listens, while the browser loads Streamlit's JavaScript). A page run waits for it to finish before
importing anything, so two threads never import the same modules at once: Python gives a thread a partly
initialised module when concurrent imports wait on each other.
"""

from __future__ import annotations

import importlib
import logging
import threading

_done = threading.Event()
_done.set()  # nothing started: nothing to wait for
WAIT_S = 30.0  # at most this long; past it the page imports for itself


# What the first page run imports that Streamlit has not already loaded.
MODULES = (
    "pandas",
    "app_pages.components",
    "app_pages.resources",
    "index.embedders",
    "index.vectors",
    "workbench.claimbook",
    "workbench.factchecks",
    "workbench.review",
    "workbench.storage",
)


def warm_imports() -> None:
    """Import what the first page run imports, the configured database's storage backend included."""
    for name in MODULES:
        importlib.import_module(name)
    from workbench.config import load_settings
    from workbench.errors import WorkbenchError
    from workbench.storage import import_backend

    try:
        import_backend(load_settings().db_path)
    except WorkbenchError:  # a malformed setting: the page run says what is wrong
        return


def _run() -> None:
    try:
        warm_imports()
    except Exception:  # the page run imports again and shows its own error
        logging.getLogger("workbench.app").exception("warming the page imports failed")
    finally:
        _done.set()


def start() -> threading.Thread:
    """Import in a background thread; wait() returns once it is done."""
    _done.clear()
    thread = threading.Thread(target=_run, name="warm-imports", daemon=True)
    thread.start()
    return thread


def wait(timeout: float = WAIT_S) -> bool:
    """Block until the background imports are done (at once when none were started); False on a timeout."""
    return _done.wait(timeout)
