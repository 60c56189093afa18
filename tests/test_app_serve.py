"""app_pages.serve, the app server `make run` starts: what it changes is there in this Streamlit, and its background
imports never run alongside a page run's (tests/test_e2e_browser.py drives the app it serves)."""

import logging
import os
import subprocess
import sys
import threading

from app_pages import warm
from tests.conftest import REPO


def test_the_launcher_finds_what_it_changes_in_this_streamlit():
    # in a subprocess: the changes are to Streamlit's own module and class
    script = (
        "from app_pages.serve import skip_component_scan, warm_once_listening\n"
        "from streamlit.components.v2.component_manager import BidiComponentManager\n"
        "from streamlit.web import bootstrap\n"
        "assert skip_component_scan() and warm_once_listening()\n"
        "assert BidiComponentManager.discover_and_register_components.__name__ == 'no_scan'\n"
        "assert bootstrap._on_server_start.__name__ == 'on_server_start'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_background_imports_load_the_first_pages_modules(tmp_path):
    script = (
        "import sys\nfrom app_pages import warm\n"
        "assert warm.wait(0)\n"  # none started: nothing to wait for
        "assert 'pandas' not in sys.modules and 'workbench.storage.duckdb' not in sys.modules\n"
        "warm.start().join(120)\n"
        "assert warm.wait(0) and all(name in sys.modules for name in warm.MODULES)\n"
        "assert 'workbench.storage.duckdb' in sys.modules\n"  # the database's backend, imported, not opened
    )
    env = {**os.environ, "WORKBENCH_DB": str(tmp_path / "desk.duckdb")}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (tmp_path / "desk.duckdb").exists()


def test_a_page_run_waits_until_the_background_imports_are_done(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(warm, "warm_imports", lambda: release.wait(10))
    thread = warm.start()
    assert not warm.wait(0.05)  # still importing: the page waits
    release.set()
    assert warm.wait(10)
    thread.join(10)


def test_a_failed_background_import_leaves_the_page_to_import_for_itself(monkeypatch, caplog):
    def broken() -> None:
        raise ImportError("no module named 'pandas'")

    monkeypatch.setattr(warm, "warm_imports", broken)
    with caplog.at_level(logging.ERROR, logger="workbench.app"):
        warm.start().join(10)
    assert warm.wait(0)
    assert "warming the page imports failed" in caplog.text
