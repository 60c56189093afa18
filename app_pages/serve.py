"""Serve the review app as `make run` does: `python -m app_pages.serve [streamlit options]`.

It is `streamlit run streamlit_app.py` with two start-up costs moved out of a reviewer's way. From the server's start
to the review queue drawn in headless Chromium (bench.run's cold start; seven starts each, alternating, 2-core
machine, 2026-12-06): 2.28 s median (1.90-2.78) here against 2.98 s (2.66-3.43) for `streamlit run`.

- Before it listens, Streamlit reads the metadata of every installed distribution, looking for v2 components (0.3 to
  0.6 s for the 119 distributions of .venv). The app uses none, so the scan is skipped.
- While the browser loads Streamlit's JavaScript (about 0.8 s here) the server mostly waits. The modules the first
  page needs (pandas, the workbench's and the database's storage backend with duckdb, about 0.6 s) are imported
  then, in a thread (app_pages.warm), rather than in the first script run. The browser is what is left: on a server
  that has started and warmed, all 62 of the first page's static files download in 0.08 s over six connections,
  while headless Chromium takes 1.45 s from navigating to drawing the review queue (2026-12-07).

`streamlit run streamlit_app.py` serves the same app, and is the one to use for live reload while editing pages.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"


def skip_component_scan() -> bool:
    """Make Streamlit's start skip the v2 component scan; False (and nothing changed) where this Streamlit has none."""
    try:
        from streamlit.components.v2.component_manager import BidiComponentManager
    except ImportError:
        return False
    if not hasattr(BidiComponentManager, "discover_and_register_components"):
        return False

    def no_scan(self, *, start_file_watching: bool = True) -> None:  # the app declares no v2 components
        return None

    BidiComponentManager.discover_and_register_components = no_scan
    return True


def warm_once_listening() -> bool:
    """Start app_pages.warm as soon as the server listens; False where this Streamlit has no such hook."""
    from streamlit.web import bootstrap

    from app_pages import warm

    started = getattr(bootstrap, "_on_server_start", None)
    if started is None:
        return False

    def on_server_start(server) -> None:
        started(server)
        warm.start()

    bootstrap._on_server_start = on_server_start
    return True


def main(argv: list[str] | None = None) -> None:
    skip_component_scan()
    warm_once_listening()
    from streamlit.web import cli

    cli.main(["run", str(APP), *(sys.argv[1:] if argv is None else argv)], prog_name="streamlit")


if __name__ == "__main__":
    main()
